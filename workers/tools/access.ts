// Which registry tools an agent may use: granted to it, its team or its project, approved, allowed by its
// policies' `tools` lists, and for a subagent also usable by its parent (never more than the parent).
import { loadAgent } from "../identity/authenticate.js";
import { makeDb } from "../data/db.js";
import type { AgentRow } from "../data/org-data.js";
import { type GrantScope, type ToolRow, ToolStore } from "../data/tool-store.js";
import { type EgressDecision, type EgressRequest, decideEgress } from "../policy/decide.js";
import type { EffectivePolicy } from "../policy/effective.js";
import { effectivePolicyFor } from "../policy/service.js";

/** The parent of a subagent, only while it is active; null for a top-level agent. */
export async function activeParent(env: Env, agent: AgentRow): Promise<AgentRow | null | "revoked"> {
  if (!agent.parentAgentId) return null;
  // Every subagent call crosses this; the cached row keeps it off D1 (same 4 s bound as tokens).
  const parent = await loadAgent(env.DB, agent.orgId, agent.parentAgentId);
  return parent && parent.status === "active" ? parent : "revoked";
}

function grantTargets(agent: AgentRow): Array<{ scope: GrantScope; id: string }> {
  const targets: Array<{ scope: GrantScope; id: string }> = [{ scope: "agent", id: agent.id }];
  // A subagent works for its parent: it may be given the parent's own grants (then narrowed by its policy and the parent's).
  if (agent.parentAgentId) targets.push({ scope: "agent", id: agent.parentAgentId });
  if (agent.teamId) targets.push({ scope: "team", id: agent.teamId });
  if (agent.projectId) targets.push({ scope: "project", id: agent.projectId });
  return targets;
}

/** A policy `tools` list names tools by id or by name; null means no policy restricts tools. */
const policyAllows = (policy: EffectivePolicy, tool: ToolRow) =>
  policy.tools === null || policy.tools.includes(tool.id) || policy.tools.includes(tool.name);

async function ownTools(env: Env, agent: AgentRow, policy: EffectivePolicy): Promise<ToolRow[]> {
  const rows = await new ToolStore(makeDb(env.DB), agent.orgId).grantedTools(grantTargets(agent));
  // Upstream servers are containers: their imported tools are what gets called.
  return rows.map((r) => r.tool).filter((t) => t.kind !== "mcp_server" && policyAllows(policy, t));
}

/** Tools the agent may see and call, by name. A subagent's set is intersected with its parent's. */
export async function usableTools(env: Env, agent: AgentRow, policy: EffectivePolicy): Promise<ToolRow[]> {
  const own = await ownTools(env, agent, policy);
  const parent = await activeParent(env, agent);
  if (parent === null) return own.sort((a, b) => a.name.localeCompare(b.name));
  if (parent === "revoked") return [];
  const parentIds = new Set((await ownTools(env, parent, await effectivePolicyFor(env, parent))).map((t) => t.id));
  return own.filter((t) => parentIds.has(t.id)).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * An egress decision for the agent; a subagent is also held to its parent's policy, so its scope
 * is the intersection of both (the subagent's rule and credential apply when both allow).
 */
export async function decideEgressFor(env: Env, agent: AgentRow, policy: EffectivePolicy, request: EgressRequest): Promise<EgressDecision> {
  const own = decideEgress(policy, request);
  if (!own.allowed || !agent.parentAgentId) return own;
  const parent = await activeParent(env, agent);
  if (parent === null) return own;
  if (parent === "revoked")
    return { allowed: false, reason: "no_matching_rule", explanation: "Denied: the parent agent of this subagent is revoked." };
  const parents = decideEgress(await effectivePolicyFor(env, parent), request);
  if (parents.allowed) return own;
  return { ...parents, explanation: `Denied: a subagent cannot reach what its parent cannot. ${parents.explanation}` };
}
