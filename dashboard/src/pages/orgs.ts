// Organizations: switch between the ones you belong to, create one, rename the current one, accept an
// invitation, and the incident switch (owners) that stops every agent of the current one at once.
import { get, patch, post } from "../api.js";
import { h } from "../dom.js";
import { schemaForm } from "../forms.js";
import { acceptInvitationForm } from "../invitations.js";
import { type Ctx, registerPage } from "../registry.js";
import { resumeOrg, suspendOrg } from "../suspension.js";
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
          { label: "Agents", value: (o) => (o.suspendedAt ? badge("all suspended (incident switch)", "bad") : "may act") },
          { label: "Created", value: (o) => when(o.createdAt) },
        ],
        orgs,
        (o) =>
          o.id === ctx.org.id
            ? [h("span", { class: "hint" }, "current")]
            : [h("a", { class: "button secondary small", href: `#/${o.id}/overview` }, "Open")],
      ),
    );
    root.append(incidentSwitch(ctx));
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

/** The current org's incident switch: its state for everyone, the switch itself for owners. */
function incidentSwitch(ctx: Ctx) {
  const on = ctx.org.suspendedAt;
  const box = h(
    "section",
    { class: on ? "incident-switch on" : "incident-switch", "aria-labelledby": "incident-switch-title" },
    h("h2", { id: "incident-switch-title" }, "Incident switch"),
    on
      ? h(
          "p",
          {},
          badge("on", "bad"),
          ` Every agent of ${ctx.org.name} is suspended since ${new Date(on).toLocaleString()}. Reason: ${ctx.org.suspendReason ?? "—"}`,
        )
      : h(
          "p",
          {},
          badge("off", "ok"),
          " For an incident: suspends every agent of this organization at once and ends everything they have running within a second.",
        ),
  );
  if (!ctx.can("owner")) box.append(h("p", { class: "hint" }, "Only owners can use the switch."));
  else if (on) box.append(h("button", { type: "button", onclick: () => void resumeOrg(ctx) }, "Resume all agents"));
  else box.append(h("button", { type: "button", class: "danger", onclick: () => void suspendOrg(ctx) }, "Suspend every agent…"));
  return box;
}
