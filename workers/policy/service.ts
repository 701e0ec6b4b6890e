// Loads an agent's effective policy from D1 (every policy attached to its org, team, project and
// itself), cached per isolate for a few seconds and dropped locally the moment a policy changes.
import { PolicyDocumentSchema, type PolicyDocument } from "../../schema/policy.js";
import { makeDb } from "../data/db.js";
import type { AgentRow } from "../data/org-data.js";
import { PolicyStore, type PolicyRow, type PolicyScope } from "../data/policy-store.js";
import { AppError } from "../errors.js";
import { type AttachedPolicy, type EffectivePolicy, computeEffectivePolicy } from "./effective.js";

/** Other isolates see a policy change within this window (the same bound as token revocation). */
export const POLICY_CACHE_TTL_MS = 4_000;
const cache = new Map<string, { value: EffectivePolicy; expires: number; generation: number }>();
const generations = new Map<string, number>();

export function invalidatePolicies(orgId: string) {
  generations.set(orgId, (generations.get(orgId) ?? 0) + 1);
}

export function parseStoredDoc(row: PolicyRow): PolicyDocument {
  const parsed = PolicyDocumentSchema.safeParse(JSON.parse(row.doc));
  if (!parsed.success) throw new AppError("internal", "a stored policy no longer validates", { cause: parsed.error });
  return parsed.data;
}

/** The scopes an agent's own policies attach at (a subagent is also held to its parent's: workers/agents). */
export function scopesOf(agent: Pick<AgentRow, "orgId" | "id" | "teamId" | "projectId" | "parentAgentId">) {
  const targets: Array<{ scope: PolicyScope; id: string }> = [
    { scope: "org", id: agent.orgId },
    { scope: "agent", id: agent.id },
  ];
  if (agent.teamId) targets.push({ scope: "team", id: agent.teamId });
  if (agent.projectId) targets.push({ scope: "project", id: agent.projectId });
  return targets;
}

export async function attachedPolicies(env: Env, agent: AgentRow): Promise<AttachedPolicy[]> {
  const rows = await new PolicyStore(makeDb(env.DB), agent.orgId).attachedTo(scopesOf(agent));
  return rows.map((r) => ({ id: r.policy.id, version: r.policy.version, scope: r.scope, doc: { ...parseStoredDoc(r.policy), name: r.policy.name } }));
}

export async function effectivePolicyFor(env: Env, agent: AgentRow): Promise<EffectivePolicy> {
  const key = `${agent.orgId}:${agent.id}`;
  const generation = generations.get(agent.orgId) ?? 0;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.expires > now && hit.generation === generation) return hit.value;
  const value = computeEffectivePolicy(await attachedPolicies(env, agent));
  if (cache.size > 5_000) cache.clear();
  cache.set(key, { value, expires: now + POLICY_CACHE_TTL_MS, generation });
  return value;
}
