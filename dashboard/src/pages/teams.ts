// Teams: group members, agents and projects; team membership is managed from each team's row.
import { del, get, post } from "../api.js";
import { h } from "../dom.js";
import { schemaForm } from "../forms.js";
import type { Ctx } from "../registry.js";
import { choices, resourcePage } from "../resource.js";
import { type Out, isRecord } from "../schemas.js";
import { badge, emptyState, errorBox, openDialog, parsePage, table, toast, when } from "../ui.js";

type Team = Out<"TeamSchema">;

/** The team's people, with add and remove for those allowed (the API checks again). */
function teamPeople(ctx: Ctx, team: Team) {
  const base = ctx.orgPath(`/teams/${encodeURIComponent(team.id)}/members`);
  return openDialog(`People in ${team.name}`, () => {
    const list = h("div", { class: "list" });
    const load = async () => {
      try {
        const { items } = parsePage("TeamMemberSchema", await get(base));
        list.replaceChildren(
          items.length === 0
            ? emptyState("Nobody in this team yet.", "Add org members so they can see and manage the team's agents.")
            : table(
                "Team members",
                [
                  { label: "Email", value: (m) => m.email },
                  { label: "Team role", value: (m) => badge(m.role, m.role === "admin" ? "strong" : "") },
                ],
                items,
                (m) =>
                  ctx.can("admin")
                    ? [h("button", { type: "button", class: "danger small", onclick: () => remove(m.userId, m.email) }, "Remove")]
                    : [],
              ),
        );
      } catch (error) {
        list.replaceChildren(errorBox(error));
      }
    };
    const remove = async (userId: string, email: string) => {
      try {
        await del(`${base}/${encodeURIComponent(userId)}`);
        toast(`${email} left ${team.name}.`);
      } catch (error) {
        list.prepend(errorBox(error));
        return;
      }
      await load();
    };
    void load();
    const parts: Node[] = [list];
    if (ctx.can("admin")) {
      parts.push(
        h("h3", {}, "Add a member"),
        schemaForm("TeamMemberAddSchema", {
          submitLabel: "Add to team",
          fields: { userId: { label: "Member", options: choices(ctx, "/members", "MemberSchema", (m) => m.email) } },
          onSubmit: async (value) => {
            const added: unknown = await post(base, value);
            toast(`${isRecord(added) && typeof added.email === "string" ? added.email : "Member"} added to ${team.name}.`);
            await load();
          },
        }),
      );
    }
    return parts;
  });
}

resourcePage({
  id: "teams",
  title: "Teams",
  noun: "team",
  intro: "Teams group people, agents and projects. Team members see the team's agents; team admins manage them.",
  collection: "/teams",
  item: "TeamSchema",
  columns: [
    { label: "Name", value: (t) => t.name },
    { label: "Id", value: (t) => t.id },
    { label: "Created", value: (t) => when(t.createdAt) },
  ],
  empty: "Create a team to group agents and projects.",
  create: { schema: "TeamCreateSchema", minRole: "admin" },
  update: { schema: "TeamUpdateSchema", minRole: "admin" },
  actions: [{ label: () => "People", run: (ctx, t) => teamPeople(ctx, t) }],
  remove: { minRole: "admin" },
  card: true,
});
