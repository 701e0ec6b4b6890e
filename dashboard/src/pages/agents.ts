// Agents and subagents: create (the token is shown once), rotate or revoke the token, change
// autonomy, add subagents, delete.
import { del, post } from "../api.js";
import { choices, formDialog, refName, resourcePage } from "../resource.js";
import type { Ctx } from "../registry.js";
import { badge, code, parseOne, secretDialog, toast, when } from "../ui.js";

const TOKEN_NOTE = "This is the only time the token is shown. Store it in the agent's secret store now; rotate it if it is lost.";

const refs = (ctx: Ctx) => ({
  teamId: { label: "Team", options: choices(ctx, "/teams", "TeamSchema", (t) => t.name) },
  projectId: { label: "Project", options: choices(ctx, "/projects", "ProjectSchema", (p) => p.name) },
  parentAgentId: {
    label: "Parent agent",
    help: "Makes this a subagent: it never gets more autonomy than its parent.",
    options: choices(
      ctx,
      "/agents",
      "AgentSchema",
      (a) => a.name,
      (a) => a.parentAgentId === null && a.status === "active",
    ),
  },
  autonomy: { help: "1 = every action needs approval … 5 = fully autonomous within policy." },
});

async function showToken(created: unknown) {
  const agent = parseOne("AgentCreatedSchema", created);
  await secretDialog(`Token for ${agent.name}`, agent.token, TOKEN_NOTE);
}

resourcePage({
  id: "agents",
  title: "Agents",
  noun: "agent",
  intro: "Each agent has its own identity and token. Subagents inherit their parent's team and never exceed its autonomy.",
  collection: "/agents",
  item: "AgentSchema",
  columns: (ctx) => [
    { label: "Name", value: (a) => a.name },
    { label: "Status", value: (a) => badge(a.status, a.status === "active" ? "ok" : "bad") },
    { label: "Autonomy", value: (a) => String(a.autonomy) },
    { label: "Team", value: (a) => refName(ctx, "/teams", "TeamSchema", (t) => t.name)(a.teamId) },
    { label: "Parent", value: (a) => refName(ctx, "/agents", "AgentSchema", (x) => x.name)(a.parentAgentId) },
    { label: "Token", value: (a) => (a.tokenPrefix ? code(`${a.tokenPrefix}…`) : badge("no active token", "bad")) },
    { label: "Created", value: (a) => when(a.createdAt) },
  ],
  empty: "Create an agent to give an AI agent its own identity, token and limits.",
  create: { schema: "AgentCreateSchema", minRole: "admin", fields: refs, done: (_ctx, created) => showToken(created) },
  update: {
    schema: "AgentUpdateSchema",
    minRole: "admin",
    fields: (ctx) => {
      const { teamId, projectId, autonomy } = refs(ctx);
      return { teamId, projectId, autonomy };
    },
  },
  actions: [
    {
      label: () => "Add subagent",
      minRole: "admin",
      visible: (a) => a.parentAgentId === null && a.status === "active",
      run: async (ctx, a) => {
        let created: unknown;
        await formDialog(
          `New subagent of ${a.name}`,
          "AgentCreateSchema",
          "Create subagent",
          { ...refs(ctx), parentAgentId: { hidden: true } },
          { parentAgentId: a.id, autonomy: a.autonomy },
          async (value) => {
            created = await post(ctx.orgPath("/agents"), value);
          },
        );
        // The form dialog is closed by now; the token gets a dialog of its own.
        if (created === undefined) return;
        toast("Subagent created.");
        await showToken(created);
      },
    },
    {
      label: () => "Rotate token",
      minRole: "admin",
      confirm: (a) => `Issue a new token for ${a.name}? The current token stops working at once.`,
      run: async (ctx, a) => {
        const issued = parseOne("TokenIssuedSchema", await post(ctx.orgPath(`/agents/${encodeURIComponent(a.id)}/token`)));
        await secretDialog(`New token for ${a.name}`, issued.token, TOKEN_NOTE);
      },
    },
    {
      label: () => "Revoke token",
      minRole: "admin",
      danger: true,
      visible: (a) => a.tokenPrefix !== null,
      confirm: (a) => `Revoke the token of ${a.name} (and of its subagents)? They are refused from now on until you rotate.`,
      run: async (ctx, a) => {
        await del(ctx.orgPath(`/agents/${encodeURIComponent(a.id)}/token`));
        toast("Token revoked.");
      },
    },
  ],
  remove: { minRole: "admin", confirm: (a) => `Delete agent "${a.name}" and its subagents? Their tokens stop working at once.` },
  card: true,
});
