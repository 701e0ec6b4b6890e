// Teams: group members, agents and projects.
import { resourcePage } from "../resource.js";
import { when } from "../ui.js";

resourcePage({
  id: "teams",
  title: "Teams",
  noun: "team",
  intro: "Teams group people, agents and projects. Team admins manage their team's agents.",
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
  remove: { minRole: "admin" },
  card: true,
});
