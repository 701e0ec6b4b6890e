// Agents and subagents: create (the token is shown once), rotate or revoke the token, change
// autonomy, add subagents, suspend and resume, delete; a details view of one agent.
import { del, get, post, qs } from "../api.js";
import { h } from "../dom.js";
import { act, choices, formDialog, refName, resourcePage } from "../resource.js";
import { type Ctx, registerCard } from "../registry.js";
import {
  type Agent,
  agentChoiceLabel,
  agentStatus,
  canManageAgent,
  resumeAgent,
  resumeQuestion,
  stopBadge,
  stopOfAgent,
  suspendAgent,
} from "../suspension.js";
import { badge, code, confirmDialog, openDialog, parseOne, parsePage, secretDialog, toast, when } from "../ui.js";

const TOKEN_NOTE = "This is the only time the token is shown. Store it in the agent's secret store now; rotate it if it is lost.";

const refs = (ctx: Ctx) => ({
  teamId: { label: "Team", options: choices(ctx, "/teams", "TeamSchema", (t) => t.name) },
  projectId: { label: "Project", options: choices(ctx, "/projects", "ProjectSchema", (p) => p.name) },
  parentAgentId: {
    label: "Parent agent",
    help: "Makes this a subagent: it never gets more autonomy than its parent.",
    options: choices(ctx, "/agents", "AgentSchema", agentChoiceLabel, (a) => a.parentAgentId === null && a.status === "active"),
  },
  autonomy: { help: "1 = every action needs approval … 5 = fully autonomous within policy." },
});

async function showToken(created: unknown) {
  const agent = parseOne("AgentCreatedSchema", created);
  await secretDialog(`Token for ${agent.name}`, agent.token, TOKEN_NOTE);
}

/** One agent in full: who it belongs to, whether it may act (and why not), its subagents; suspend or resume it. */
function details(ctx: Ctx, a: Agent) {
  const team = refName(ctx, "/teams", "TeamSchema", (t) => t.name);
  const project = refName(ctx, "/projects", "ProjectSchema", (p) => p.name);
  const parent = refName(ctx, "/agents", "AgentSchema", (x) => x.name);
  const state = h("div", { class: "agent-state", "aria-live": "polite" });
  const subagents = h("span", {}, "…");
  void stopOfAgent(ctx, a).then((stop) => {
    if (!stop) return state.replaceChildren(h("p", {}, badge("may act", "ok"), " Nothing stops this agent now."));
    const who = { agent: "This agent is suspended", parent: "Its parent agent is suspended", org: "The org-wide incident switch is on" }[stop.by];
    state.replaceChildren(
      h(
        "div",
        { class: "alert", role: "status" },
        h("p", {}, stopBadge(stop), ` ${who}${stop.since ? ` since ${new Date(stop.since).toLocaleString()}` : ""}.`),
        h("p", {}, `Reason: ${stop.reason ?? "—"}`),
      ),
    );
  });
  void get(ctx.orgPath(`/agents${qs({ limit: 200 })}`))
    .then((data) => {
      const subs = parsePage("AgentSchema", data).items.filter((x) => x.parentAgentId === a.id);
      subagents.replaceChildren(subs.length ? subs.map((x) => agentChoiceLabel(x)).join(", ") : "none");
    })
    .catch(() => subagents.replaceChildren("—"));
  const row = (label: string, value: Node | string) => [h("dt", {}, label), h("dd", {}, value)];
  return openDialog(`Agent ${a.name}`, (close) => {
    const buttons: Node[] = [];
    if (canManageAgent(ctx, a)) {
      const toggle = a.suspendedAt ? h("button", { type: "button" }, "Resume") : h("button", { type: "button", class: "danger" }, "Suspend");
      toggle.addEventListener("click", async () => {
        close();
        if (a.suspendedAt) {
          if (await confirmDialog(resumeQuestion(ctx, a), "Resume", false)) await act(ctx, () => resumeAgent(ctx, a));
        } else if (await suspendAgent(ctx, a)) await act(ctx, async () => {});
      });
      buttons.push(toggle);
    }
    const view: Node[] = [
      state,
      h(
        "dl",
        { class: "details" },
        row("Status", agentStatus(ctx, a)),
        row("Id", code(a.id)),
        row("Team", team(a.teamId)),
        row("Project", project(a.projectId)),
        row("Parent", parent(a.parentAgentId)),
        row("Subagents", subagents),
        row("Autonomy", String(a.autonomy)),
        row("Token", a.tokenPrefix ? code(`${a.tokenPrefix}…`) : "no active token"),
        row("Created", when(a.createdAt)),
      ),
    ];
    if (buttons.length) view.push(h("div", { class: "dialog-actions" }, ...buttons));
    return view;
  });
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
    { label: "Status", value: (a) => agentStatus(ctx, a) },
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
    { label: () => "Details", run: (ctx, a) => details(ctx, a) },
    {
      label: () => "Suspend",
      visible: (a, ctx) => a.suspendedAt === null && canManageAgent(ctx, a),
      danger: true,
      run: async (ctx, a) => void (await suspendAgent(ctx, a)),
    },
    {
      label: () => "Resume",
      visible: (a, ctx) => a.suspendedAt !== null && canManageAgent(ctx, a),
      run: async (ctx, a) => {
        if (await confirmDialog(resumeQuestion(ctx, a), "Resume", false)) await resumeAgent(ctx, a);
      },
    },
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

registerCard({
  title: "Suspended agents",
  page: "agents",
  note: "stopped until resumed",
  load: async (ctx) => {
    const page = parsePage("AgentSchema", await get(ctx.orgPath(`/agents${qs({ limit: 200 })}`)));
    if (ctx.org.suspendedAt) return "all (incident switch)";
    const stopped = new Set(page.items.filter((a) => a.suspendedAt).map((a) => a.id));
    const count = page.items.filter((a) => stopped.has(a.id) || (a.parentAgentId !== null && stopped.has(a.parentAgentId))).length;
    return `${count}${page.nextCursor ? "+" : ""}`;
  },
});
