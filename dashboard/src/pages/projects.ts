// Projects: optionally owned by a team.
import { choices, refName, resourcePage } from "../resource.js";
import type { Ctx } from "../registry.js";
import { when } from "../ui.js";

const teamChoice = (ctx: Ctx) => ({ teamId: { label: "Team", options: choices(ctx, "/teams", "TeamSchema", (t) => t.name) } });

resourcePage({
  id: "projects",
  title: "Projects",
  noun: "project",
  intro: "Projects scope agents to a piece of work, optionally inside a team.",
  collection: "/projects",
  item: "ProjectSchema",
  columns: (ctx) => [
    { label: "Name", value: (p) => p.name },
    { label: "Team", value: (p) => refName(ctx, "/teams", "TeamSchema", (t) => t.name)(p.teamId) },
    { label: "Created", value: (p) => when(p.createdAt) },
  ],
  empty: "Create a project to scope agents to a piece of work.",
  create: { schema: "ProjectCreateSchema", minRole: "admin", fields: teamChoice },
  update: { schema: "ProjectUpdateSchema", minRole: "admin", fields: teamChoice },
  remove: { minRole: "admin" },
  card: true,
});
