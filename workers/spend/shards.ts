// Which spend object holds an agent's Idempotency-Key calls: the org's OrgSpend, or, for an org
// configured with shards (SPEND_SHARDS), the OrgSpendShard its agent id hashes to.
import { z } from "zod";
import { MAX_SPEND_SHARDS } from "../../schema/spend.js";

/** "org_…=4 org_…=8 *=2": per-org shard counts, "*" for every org not named. */
const EntrySchema = z.tuple([z.string().min(1), z.coerce.number().int().min(1).max(MAX_SPEND_SHARDS)]);

let parsed: { source: string; counts: Map<string, number> } | null = null;

/** Shard counts from the deploy's SPEND_SHARDS, parsed once per isolate and value; a bad entry is a deploy error. */
function countsOf(source: string): Map<string, number> {
  if (parsed?.source === source) return parsed.counts;
  const counts = new Map<string, number>();
  for (const entry of source.split(/[\s,]+/).filter(Boolean)) {
    const [org, count] = EntrySchema.parse(entry.split("="));
    counts.set(org, count);
  }
  parsed = { source, counts };
  return counts;
}

/** How many spend shards the org has (1: none, its OrgSpend takes every call). */
export function shardCountOf(env: Pick<Env, "SPEND_SHARDS">, orgId: string): number {
  const counts = countsOf(env.SPEND_SHARDS ?? "");
  return counts.get(orgId) ?? counts.get("*") ?? 1;
}

/** FNV-1a of the agent id: a stable, even spread of agents over shards (keys are per agent). */
export function shardIndexOf(agentId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < agentId.length; i++) {
    hash ^= agentId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

/** The shard an agent's keyed calls go to, or null when the org is not sharded. */
export function spendShardOf(env: Pick<Env, "SPEND_SHARDS">, agent: { id: string; orgId: string }): number | null {
  const count = shardCountOf(env, agent.orgId);
  return count > 1 ? shardIndexOf(agent.id, count) : null;
}

export const shardName = (orgId: string, index: number) => `${orgId}#${index}`;

/** Parses a shard's object name back: the org it serves and its index. */
export function parseShardName(name: string | undefined): { orgId: string; index: number } | null {
  const match = name ? /^([a-z]{2,5}_[0-9a-z]{26})#(\d{1,2})$/.exec(name) : null;
  if (!match) return null;
  const index = Number(match[2]);
  return index < MAX_SPEND_SHARDS ? { orgId: match[1]!, index } : null;
}

export function orgSpendShardStub(env: Env, orgId: string, index: number) {
  return env.ORG_SPEND_SHARD.get(env.ORG_SPEND_SHARD.idFromName(shardName(orgId, index)));
}
