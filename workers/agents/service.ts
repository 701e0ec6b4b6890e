// Loads an agent's rights: the agent and its ancestors (cached rows) with their effective
// policies (cached per agent), merged by rights.ts. Also the dry-run variant, where a draft
// policy document stands in for a saved one wherever that one is attached along the chain.
import type { PolicyDocument } from "../../schema/policy.js";
import { makeDb } from "../data/db.js";
import { type AgentRow, OrgData } from "../data/org-data.js";
import type { EgressDecision, EgressRequest } from "../policy/decide.js";
import { type AttachedPolicy, computeEffectivePolicy } from "../policy/effective.js";
import { attachedPolicies, effectivePolicyFor } from "../policy/service.js";
import { type AgentRights, type RightsLink, decideEgressFor, mergeRights } from "./rights.js";
import { loadAgent, orgSuspended } from "./rows.js";

/** Longer chains cannot be created (flat hierarchy); the bound only guards against a corrupt cycle. */
const MAX_CHAIN = 4;

/** Why an agent may not act: it or an ancestor is gone or revoked, or it, an ancestor or its org is suspended. */
export type Refusal = { ok: false; code: "inactive" | "suspended"; reason: string };
export type Chain = { ok: true; agents: AgentRow[] } | Refusal;
export type ChainOptions = { fresh?: boolean };

/**
 * The agent and its ancestors, or why the agent may not act. `fresh` reads the ancestors and the
 * org switch from D1 instead of this isolate's short-lived caches (for a decision that must not
 * act on a row read before a withdrawal).
 */
export async function chainOf(env: Env, agent: AgentRow, options: ChainOptions = {}): Promise<Chain> {
  if (agent.status !== "active") return { ok: false, code: "inactive", reason: "the agent is not active" };
  const data = options.fresh ? new OrgData(makeDb(env.DB), agent.orgId) : null;
  const agents = [agent];
  let current = agent;
  while (current.parentAgentId) {
    if (agents.length >= MAX_CHAIN) return { ok: false, code: "inactive", reason: "the agent's parent chain is too long" };
    const parent = data ? await data.agent(current.parentAgentId) : await loadAgent(env.DB, agent.orgId, current.parentAgentId);
    if (parent?.status !== "active") return { ok: false, code: "inactive", reason: "the agent's parent is not active" };
    agents.push(parent);
    current = parent;
  }
  const suspended = agents.find((a) => a.suspendedAt !== null);
  if (suspended) return { ok: false, code: "suspended", reason: suspended === agent ? "the agent is suspended" : "the agent's parent is suspended" };
  const orgOff = data ? (await data.org())?.suspendedAt != null : await orgSuspended(env.DB, agent.orgId);
  if (orgOff) return { ok: false, code: "suspended", reason: "every agent of the org is suspended" };
  return { ok: true, agents };
}

export type RightsResult = { ok: true; rights: AgentRights } | Refusal;

/** The rights the agent acts with now; `fresh` reads chain and policies from D1, past every cache. */
export async function rightsOf(env: Env, agent: AgentRow, options: ChainOptions = {}): Promise<RightsResult> {
  const chain = await chainOf(env, agent, options);
  if (!chain.ok) return chain;
  const policyOf = async (a: AgentRow) => (options.fresh ? computeEffectivePolicy(await attachedPolicies(env, a)) : effectivePolicyFor(env, a));
  const links: RightsLink[] = await Promise.all(chain.agents.map(async (a) => ({ agent: a, policy: await policyOf(a) })));
  return { ok: true, rights: mergeRights(links) };
}

/** A draft policy evaluated in place of a saved one (policyId), or attached to the agent itself when new. */
export interface PolicyDraft {
  doc: PolicyDocument;
  policyId?: string | undefined;
}

/**
 * The rights the agent would act with if `draft` were saved: an edit of a saved policy
 * (`policyId`) replaces its document at every scope it is attached to along the chain, so rule
 * scopes and tie-breaks stay what the gateway would see (a policy attached nowhere along the
 * chain changes nothing for this agent); a new draft is evaluated as attached to the agent itself.
 */
export async function rightsWithDraft(env: Env, agent: AgentRow, draft: PolicyDraft): Promise<RightsResult> {
  const chain = await chainOf(env, agent);
  if (!chain.ok) return chain;
  const attached = await Promise.all(chain.agents.map((a) => attachedPolicies(env, a)));
  const replaced = draft.policyId !== undefined;
  const links: RightsLink[] = chain.agents.map((a, i) => {
    const own = attached[i] ?? [];
    let docs: AttachedPolicy[];
    if (replaced) docs = own.map((p) => (p.id === draft.policyId ? { ...p, doc: draft.doc } : p));
    else docs = i === 0 ? [...own, { id: draft.policyId ?? "draft", version: 0, scope: "agent", doc: draft.doc }] : own;
    return { agent: a, policy: computeEffectivePolicy(docs) };
  });
  return { ok: true, rights: mergeRights(links) };
}

/** A draft evaluated on its own, as if it were the only policy of an agent without a parent. */
export function draftOnly(draft: PolicyDraft): AgentRights {
  const policy = computeEffectivePolicy([{ id: draft.policyId ?? "draft", version: 0, scope: "agent", doc: draft.doc }]);
  return mergeRights([{ agent: DRAFT_AGENT, policy }]);
}

/** Stands in for "an agent" when a draft is evaluated without one: top-level, default autonomy. */
const DRAFT_AGENT: AgentRow = {
  id: "draft",
  orgId: "draft",
  name: "draft",
  teamId: null,
  projectId: null,
  parentAgentId: null,
  createdBy: "draft",
  autonomy: 3,
  status: "active",
  suspendedAt: null,
  suspendReason: null,
  createdAt: 0,
};

/** The egress decision for an agent whose chain may be inactive (explain, dry-run): inactive means denied. */
export function decideForResult(result: RightsResult, request: EgressRequest): EgressDecision {
  if (!result.ok)
    return { allowed: false, reason: result.code === "suspended" ? "agent_suspended" : "agent_inactive", explanation: `Denied: ${result.reason}.` };
  return decideEgressFor(result.rights, request);
}
