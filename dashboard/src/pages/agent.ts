// One agent's page (#/<org>/agent?id=agt_…, linked from the agents list): its state with suspend
// and resume, its effective rights with an explain box (the gateway's own decision), its recent
// activity from the audit trail (admins), its subagents and its sandboxes. Everything loads in
// parallel once the agent is known.
import { del, get, post, qs } from "../api.js";
import { h, uid } from "../dom.js";
import { type Ctx, href, registerPage } from "../registry.js";
import { idRef, nameOf } from "../refs.js";
import { act, refName } from "../resource.js";
import type { Out } from "../schemas.js";
import { isRecord } from "../schemas.js";
import { agentStatus, canManageAgent, resumeAgent, resumeQuestion, stopBadge, stopOfAgent, suspendAgent } from "../suspension.js";
import { badge, code, confirmDialog, emptyState, errorBox, pageHeader, parseOne, parsePage, table, when } from "../ui.js";
import { decisionView } from "./policies.js";

type Agent = Out<"AgentSchema">;
type AuditEvent = Out<"AuditEventSchema">;
type Sandbox = Out<"SandboxSchema">;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join(", ") : "any");

/** The merged rules the gateway applies to the agent (allow and deny), with the level it acts at. */
function rightsView(ctx: Ctx, data: unknown) {
  if (!isRecord(data) || !isRecord(data.egress)) throw new Error("the server answered with an unexpected shape");
  const of = (v: unknown, effect: string) => (Array.isArray(v) ? v.filter(isRecord).map((rule) => ({ rule, effect })) : []);
  const rules = [...of(data.egress.allow, "allow"), ...of(data.egress.deny, "deny")];
  return h(
    "div",
    {},
    h(
      "p",
      {},
      `Acts at autonomy level ${String(data.level ?? "—")}. Models: ${data.models === null ? "any" : list(data.models)}. Tools: ${
        data.tools === null ? "any granted" : list(data.tools)
      }.`,
      Array.isArray(data.parents) && data.parents.length ? " As a subagent, each call must also pass its parent's rules." : "",
    ),
    rules.length
      ? table(
          "Effective egress rules",
          [
            { label: "Effect", value: (r: (typeof rules)[number]) => badge(r.effect, r.effect === "deny" ? "bad" : "ok") },
            { label: "Host", value: (r) => code(String(r.rule.host ?? "")) },
            { label: "Methods", value: (r) => list(r.rule.methods) },
            { label: "Paths", value: (r) => list(r.rule.paths) },
            { label: "Policy", value: (r) => nameOf(ctx)(String(r.rule.policyId ?? "")) },
          ],
          rules,
        )
      : emptyState("No egress rule applies.", "Every request of this agent is denied until a policy allows it."),
  );
}

function explainBox(ctx: Ctx, agent: Agent) {
  const methodId = uid("m");
  const urlId = uid("u");
  const method = h(
    "select",
    { id: methodId },
    METHODS.map((m) => h("option", { value: m }, m)),
  );
  const url = h("input", { id: urlId, type: "url", placeholder: "https://api.example.com/v1/items", autocomplete: "off" });
  const out = h("div", { "aria-live": "polite" });
  const run = async (event: Event) => {
    event.preventDefault();
    try {
      if (!url.value.trim()) throw new Error("Enter the URL to explain.");
      out.replaceChildren(
        decisionView(await post(ctx.orgPath(`/agents/${encodeURIComponent(agent.id)}/explain`), { method: method.value, url: url.value.trim() })),
      );
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return h(
    "form",
    { class: "test-box", novalidate: true, onsubmit: run },
    h(
      "div",
      { class: "filters" },
      h("div", { class: "field" }, h("label", { for: methodId }, "Method"), method),
      h("div", { class: "field" }, h("label", { for: urlId }, "URL"), url),
    ),
    h("div", { class: "form-actions" }, h("button", { type: "submit" }, "Explain")),
    out,
  );
}

function activity(ctx: Ctx, agent: Agent, events: AuditEvent[]) {
  if (events.length === 0) return emptyState("No activity yet.", "Calls of this agent and changes to it appear here.");
  return h(
    "div",
    {},
    table(
      "Recent activity",
      [
        { label: "Time", value: (e: AuditEvent) => when(e.ts) },
        { label: "Action", value: (e) => code(e.action) },
        {
          label: "Resource",
          value: (e) => (e.resource.id ? h("span", {}, `${e.resource.type} `, idRef(e.resource.id, e.resourceName)) : e.resource.type),
        },
        { label: "Result", value: (e) => badge(e.result, e.result === "denied" || e.result === "error" ? "bad" : "ok") },
        { label: "Reason", value: (e) => e.reason ?? "—" },
      ],
      events,
    ),
    h("p", {}, h("a", { href: href(ctx.org.id, "audit", { actorId: agent.id }) }, "All of its activity in the audit trail")),
  );
}

function section(title: string, ...body: Node[]) {
  const id = uid("sec");
  return h("section", { class: "agent-section", "aria-labelledby": id }, h("h2", { id }, title), ...body);
}

const settled = <T>(result: PromiseSettledResult<T>, show: (value: T) => Node) =>
  result.status === "fulfilled" ? show(result.value) : errorBox(result.reason);

registerPage({
  id: "agent",
  title: "Agent",
  hidden: true,
  render: async (ctx) => {
    const id = ctx.query.get("id") ?? "";
    if (!/^agt_[0-9a-z]{26}$/.test(id))
      return h("section", { class: "page" }, pageHeader("Agent"), errorBox(new Error("No agent chosen: open one from Agents.")));
    const agentPath = ctx.orgPath(`/agents/${encodeURIComponent(id)}`);
    const [agentResult, rights, events, agents, sandboxes] = await Promise.allSettled([
      get(agentPath).then((d) => parseOne("AgentSchema", d)),
      get(`${agentPath}/effective-policy`),
      ctx.can("admin")
        ? get(`${ctx.orgPath("/audit")}${qs({ actorId: id, order: "desc", limit: 20, names: "true" })}`).then(
            (d) => parsePage("AuditEventSchema", d).items,
          )
        : Promise.resolve(null),
      get(ctx.orgPath(`/agents${qs({ limit: 200 })}`)).then((d) => parsePage("AgentSchema", d).items),
      get(`${ctx.orgPath("/sandboxes")}${qs({ agentId: id, limit: 50 })}`).then((d) => parsePage("SandboxSchema", d).items),
    ]);
    if (agentResult.status === "rejected") return h("section", { class: "page" }, pageHeader("Agent"), errorBox(agentResult.reason));
    const agent = agentResult.value;
    document.title = `${agent.name} · Agent · ${ctx.org.name} · Palisade`;
    const team = refName(ctx, "/teams", "TeamSchema", (t) => t.name);
    const project = refName(ctx, "/projects", "ProjectSchema", (p) => p.name);
    const parent = refName(ctx, "/agents", "AgentSchema", (x) => x.name);
    const state = h("div", { class: "agent-state", "aria-live": "polite" });
    void stopOfAgent(ctx, agent).then((stop) => {
      if (!stop) return state.replaceChildren(h("p", {}, badge("may act", "ok"), " Nothing stops this agent now."));
      state.replaceChildren(h("p", { class: "alert", role: "status" }, stopBadge(stop), ` Reason: ${stop.reason ?? "—"}`));
    });
    const actions: Node[] = [];
    if (canManageAgent(ctx, agent)) {
      if (agent.suspendedAt)
        actions.push(
          h(
            "button",
            {
              type: "button",
              onclick: async () => (await confirmDialog(resumeQuestion(ctx, agent), "Resume", false)) && act(ctx, () => resumeAgent(ctx, agent)),
            },
            "Resume",
          ),
        );
      else
        actions.push(
          h(
            "button",
            { type: "button", class: "danger", onclick: async () => (await suspendAgent(ctx, agent)) && act(ctx, async () => {}) },
            "Suspend",
          ),
        );
    }
    if (ctx.can("admin") && agent.tokenPrefix !== null)
      actions.push(
        h(
          "button",
          {
            type: "button",
            class: "danger secondary",
            onclick: async () => {
              const question = `Revoke the token of ${agent.name} (and of its subagents)? They are refused from now on until you rotate.`;
              if (await confirmDialog(question, "Revoke token")) await act(ctx, async () => void (await del(`${agentPath}/token`)), "Token revoked.");
            },
          },
          "Revoke token",
        ),
      );
    const row = (label: string, value: Node | string) => [h("dt", {}, label), h("dd", {}, value)];
    const subagentsOf = (all: Agent[]) => {
      const subs = all.filter((a) => a.parentAgentId === agent.id);
      return subs.length
        ? table(
            "Subagents",
            [
              { label: "Name", value: (a: Agent) => h("a", { href: href(ctx.org.id, "agent", { id: a.id }) }, a.name) },
              { label: "Status", value: (a) => agentStatus(ctx, a) },
              { label: "Autonomy", value: (a) => String(a.autonomy) },
            ],
            subs,
          )
        : h("p", { class: "hint" }, agent.parentAgentId ? "A subagent has no subagents." : "No subagents.");
    };
    const sandboxTable = (items: Sandbox[]) =>
      items.length
        ? table(
            "Sandboxes",
            [
              { label: "Sandbox", value: (s: Sandbox) => code(s.id) },
              { label: "State", value: (s) => badge(s.state, s.state === "failed" ? "bad" : s.state === "running" ? "ok" : "") },
              { label: "Pool", value: (s) => s.pool },
              { label: "Command", value: (s) => code(s.command.join(" ")) },
              { label: "Started", value: (s) => when(s.createdAt) },
            ],
            items,
          )
        : h("p", { class: "hint" }, "No sandboxes.");
    return h(
      "section",
      { class: "page agent-page" },
      pageHeader(
        agent.name,
        "Who this agent is, what it may do, and what it did.",
        ...(actions.length ? [h("div", { class: "row" }, ...actions)] : []),
      ),
      state,
      h(
        "dl",
        { class: "details" },
        row("Status", agentStatus(ctx, agent)),
        row("Id", idRef(agent.id, agent.id)),
        row("Team", team(agent.teamId)),
        row("Project", project(agent.projectId)),
        row("Parent", parent(agent.parentAgentId)),
        row("Autonomy", String(agent.autonomy)),
        row("Token", agent.tokenPrefix ? code(`${agent.tokenPrefix}…`) : "no active token"),
        row("Created", when(agent.createdAt)),
      ),
      section(
        "Effective rights",
        settled(rights, (d) => rightsView(ctx, d)),
        h("h3", {}, "Explain a request"),
        explainBox(ctx, agent),
      ),
      events.status === "fulfilled" && events.value === null
        ? h("span")
        : section(
            "Recent activity",
            settled(events, (e) => activity(ctx, agent, e ?? [])),
          ),
      section("Subagents", settled(agents, subagentsOf)),
      section("Sandboxes", settled(sandboxes, sandboxTable)),
    );
  },
});
