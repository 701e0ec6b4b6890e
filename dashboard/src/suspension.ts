// Suspension in the dashboard: whether an agent may act now (its own suspension, its parent's,
// or the org-wide switch), the badge that says so wherever an agent appears, and the suspend /
// resume dialogs (a reason, then a confirm step). The API decides and ends the work in flight.
import { post } from "./api.js";
import { h } from "./dom.js";
import { schemaForm } from "./forms.js";
import type { Ctx } from "./registry.js";
import { act, cachedItem, forgetCachedLists } from "./resource.js";
import type { Out } from "./schemas.js";
import { badge, confirmDialog, messageOf, openDialog, parseOne, toast } from "./ui.js";

export type Agent = Out<"AgentSchema">;

/** Why an agent may not act: its own suspension, its parent's (which covers its subagents), or the org switch. */
export interface Stop {
  by: "agent" | "parent" | "org";
  since: string | null;
  reason: string | null;
}

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

const BADGE: Record<Stop["by"], string> = { agent: "suspended", parent: "suspended (parent)", org: "suspended (org switch)" };

export function stopOf(ctx: Ctx, agent: Agent, parent?: Agent): Stop | null {
  if (agent.suspendedAt) return { by: "agent", since: agent.suspendedAt, reason: agent.suspendReason };
  if (parent?.suspendedAt) return { by: "parent", since: parent.suspendedAt, reason: parent.suspendReason };
  if (ctx.org.suspendedAt) return { by: "org", since: ctx.org.suspendedAt, reason: ctx.org.suspendReason ?? null };
  return null;
}

/** The agent's stop, looking its parent up when it has one. */
export async function stopOfAgent(ctx: Ctx, agent: Agent): Promise<Stop | null> {
  const own = stopOf(ctx, agent);
  if (own?.by === "agent" || !agent.parentAgentId) return own;
  const parent = await cachedItem(ctx, "/agents", "AgentSchema", agent.parentAgentId).catch(() => undefined);
  return stopOf(ctx, agent, parent);
}

export function stopBadge(stop: Stop): HTMLElement {
  const since = stop.since ? ` since ${new Date(stop.since).toLocaleString()}` : "";
  const el = badge(BADGE[stop.by], "bad suspended");
  el.title = `${stop.reason ?? "no reason given"}${since}`;
  return el;
}

/** A cell with the agent's status and, when it may not act, why. */
export function agentStatus(ctx: Ctx, agent: Agent): Node {
  const cell = h("span", { class: "status" }, badge(agent.status, agent.status === "active" ? "ok" : "bad"));
  void stopOfAgent(ctx, agent).then((stop) => {
    if (stop) cell.append(" ", stopBadge(stop));
  });
  return cell;
}

/** A cell naming an agent by id, with the suspended badge when it may not act (sandboxes, approvals, audit, guides). */
export function agentRef(ctx: Ctx) {
  return (id: string | null): Node | string => {
    if (!id) return "—";
    const name = h("span", { title: id }, id);
    const cell = h("span", { class: "agent-ref" }, name);
    void cachedItem(ctx, "/agents", "AgentSchema", id)
      .then(async (agent) => {
        if (!agent) return;
        name.textContent = agent.name;
        const stop = await stopOfAgent(ctx, agent);
        if (stop) cell.append(" ", stopBadge(stop));
      })
      .catch(() => {});
    return cell;
  };
}

/** An agent's name in a choice list, marked when it may not act on its own account. */
export const agentChoiceLabel = (a: Agent) => (a.suspendedAt ? `${a.name} (suspended)` : a.name);

/** Whether the caller may suspend or resume this agent: org admins, and admins of the agent's team. */
export function canManageAgent(ctx: Ctx, agent: Agent): boolean {
  return ctx.can("admin") || (agent.teamId !== null && (ctx.org.adminTeamIds ?? []).includes(agent.teamId));
}

/**
 * A reason (checked against SuspendSchema, as the API checks it), then a confirm step that says
 * exactly what happens. Resolves true once the API accepted.
 */
function reasonThenConfirm(
  title: string,
  explain: string,
  consequence: (reason: string) => string,
  confirmLabel: string,
  send: (reason: string) => Promise<void>,
) {
  let done = false;
  return openDialog(title, (close) => {
    const alert = h("p", { class: "alert", role: "alert", hidden: true });
    const step2 = h("div", { class: "confirm-step", hidden: true });
    const step1 = h(
      "div",
      {},
      h("p", {}, explain),
      schemaForm("SuspendSchema", {
        submitLabel: "Continue",
        fields: { reason: { label: "Reason", input: "textarea", help: "Kept in the audit trail and shown wherever the agent appears." } },
        onSubmit: async ({ reason }) => {
          step1.hidden = true;
          const now = h("button", { type: "button", class: "danger" }, confirmLabel);
          now.addEventListener("click", async () => {
            now.disabled = true;
            alert.hidden = true;
            try {
              await send(reason.trim());
              done = true;
              close();
            } catch (error) {
              alert.textContent = messageOf(error);
              alert.hidden = false;
              now.disabled = false;
            }
          });
          const back = h("button", { type: "button", class: "secondary" }, "Back");
          back.addEventListener("click", () => {
            step2.hidden = true;
            alert.hidden = true;
            step1.hidden = false;
          });
          step2.replaceChildren(h("p", { class: "warn" }, consequence(reason.trim())), h("div", { class: "dialog-actions" }, back, now));
          step2.hidden = false;
          now.focus();
        },
      }),
    );
    return [step1, step2, alert];
  }).then(() => done);
}

const agentPath = (ctx: Ctx, agent: Agent, action: "suspend" | "resume") => ctx.orgPath(`/agents/${encodeURIComponent(agent.id)}/${action}`);

/** Asks for a reason and a confirmation, then suspends; resolves true once the API accepted. */
export function suspendAgent(ctx: Ctx, agent: Agent): Promise<boolean> {
  return reasonThenConfirm(
    `Suspend ${agent.name}`,
    "A suspended agent and its subagents are refused every new call. What they have running ends within a second: model streams close with an error, requests in flight are cancelled, calls waiting for approval are denied and their sandboxes are killed. Nothing is deleted; resume lets them act again.",
    (reason) => `Suspend ${agent.name}${agent.parentAgentId ? "" : " and its subagents"} now, ending their work in flight? Reason: “${reason}”.`,
    "Suspend now",
    async (reason) => {
      const result = parseOne("SuspensionSchema", await post(agentPath(ctx, agent, "suspend"), { reason }));
      toast(`${agent.name} suspended: ${count(result.calls ?? 0, "call")} ended, ${count(result.approvals ?? 0, "approval")} denied.`);
    },
  );
}

export const resumeQuestion = (ctx: Ctx, agent: Agent) =>
  `Resume ${agent.name}? It and its subagents that are not suspended themselves can act again.${ctx.org.suspendedAt ? " The org-wide switch is on: they stay stopped until an owner lifts it." : ""}`;

/** Resumes the agent (the caller asked for confirmation); the API's refusal is thrown. */
export async function resumeAgent(ctx: Ctx, agent: Agent): Promise<void> {
  await post(agentPath(ctx, agent, "resume"));
  toast(`${agent.name} resumed.`);
}

/** The org-wide incident switch (owners): every agent of the org stops at once. */
export async function suspendOrg(ctx: Ctx) {
  const switched = await reasonThenConfirm(
    `Suspend every agent of ${ctx.org.name}`,
    "The incident switch: every agent of this organization, subagents included, is refused every new call, and everything they have running ends within a second (streams, requests, approvals, sandboxes). It stays on until an owner resumes; agents suspended on their own stay suspended after that.",
    (reason) => `Stop all agents of ${ctx.org.name} now? Reason: “${reason}”.`,
    "Stop all agents",
    async (reason) => {
      const result = parseOne("SuspensionSchema", await post(ctx.orgPath("/suspend"), { reason }));
      toast(`Incident switch on: ${count(result.agents, "agent")} stopped, ${count(result.calls ?? 0, "call")} ended.`);
    },
  );
  if (switched) {
    forgetCachedLists();
    await ctx.reload();
  }
}

export async function resumeOrg(ctx: Ctx) {
  if (
    !(await confirmDialog(
      `Lift the incident switch of ${ctx.org.name}? Agents not suspended on their own can act again at once.`,
      "Resume all agents",
      false,
    ))
  )
    return;
  // /me carries the switch: reload it so the banner goes.
  await act(ctx, () => post(ctx.orgPath("/resume")).then(() => ctx.reload()), "Incident switch off: agents can act again.");
}

/** The banner every page shows while the org switch is on, with resume for owners. */
export function incidentBanner(ctx: Ctx): HTMLElement | null {
  if (!ctx.org.suspendedAt) return null;
  return h(
    "div",
    { class: "incident", role: "alert" },
    h(
      "p",
      {},
      h("strong", {}, "Incident switch on: "),
      `every agent of ${ctx.org.name} is suspended since ${new Date(ctx.org.suspendedAt).toLocaleString()}. Reason: ${ctx.org.suspendReason ?? "—"}`,
    ),
    ctx.can("owner")
      ? h("button", { type: "button", onclick: () => void resumeOrg(ctx) }, "Resume all agents")
      : h("p", { class: "hint" }, "An owner can lift it."),
  );
}
