// Organizations: switch between the ones you belong to, create one, rename the current one, accept an invitation.
import { get, patch, post } from "../api.js";
import { h } from "../dom.js";
import { schemaForm } from "../forms.js";
import { acceptInvitationForm } from "../invitations.js";
import { registerPage } from "../registry.js";
import { badge, pageHeader, parseOne, parsePage, table, toast, when } from "../ui.js";

registerPage({
  id: "orgs",
  title: "Organizations",
  render: async (ctx) => {
    const orgs = parsePage("OrgSchema", await get("/orgs")).items;
    const root = h(
      "section",
      { class: "page" },
      pageHeader("Organizations", "Everything in Palisade belongs to one organization; you can belong to several."),
      table(
        "Organizations",
        [
          { label: "Name", value: (o) => o.name },
          { label: "Your role", value: (o) => badge(o.role, o.role === "member" ? "" : "strong") },
          { label: "Created", value: (o) => when(o.createdAt) },
        ],
        orgs,
        (o) =>
          o.id === ctx.org.id
            ? [h("span", { class: "hint" }, "current")]
            : [h("a", { class: "button secondary small", href: `#/${o.id}/overview` }, "Open")],
      ),
    );
    if (ctx.can("admin")) {
      root.append(
        h(
          "details",
          { class: "create" },
          h("summary", {}, `Rename ${ctx.org.name}`),
          schemaForm("OrgUpdateSchema", {
            submitLabel: "Rename",
            initial: { name: ctx.org.name },
            onSubmit: async (value) => {
              await patch(ctx.orgPath(), value);
              toast("Organization renamed.");
              await ctx.reload();
            },
          }),
        ),
      );
    }
    root.append(
      acceptInvitationForm(true, async () => {
        toast("Invitation accepted.");
        await ctx.reload();
      }),
      h(
        "details",
        { class: "create" },
        h("summary", {}, "New organization"),
        schemaForm("OrgCreateSchema", {
          submitLabel: "Create organization",
          onSubmit: async (value) => {
            const org = parseOne("OrgSchema", await post("/orgs", value));
            toast("Organization created.");
            await ctx.reload();
            location.hash = `#/${org.id}/overview`;
          },
        }),
      ),
    );
    return root;
  },
});
