// Per-org PII allow/deny lists, cached per isolate like the other gateway inputs.
import { type PiiLists, PiiListsSchema } from "../../schema/pii.js";
import { makeDb } from "../data/db.js";
import { PolicyStore } from "../data/policy-store.js";

const cache = new Map<string, { lists: PiiLists; expires: number }>();

export async function piiListsOf(env: Env, orgId: string): Promise<PiiLists> {
  const now = Date.now();
  const hit = cache.get(orgId);
  if (hit && hit.expires > now) return hit.lists;
  const row = await new PolicyStore(makeDb(env.DB), orgId).piiLists();
  const lists = row ? PiiListsSchema.parse({ allow: JSON.parse(row.allow), deny: JSON.parse(row.deny) }) : { allow: [], deny: [] };
  if (cache.size > 2_000) cache.clear();
  cache.set(orgId, { lists, expires: now + 4_000 });
  return lists;
}

export function forgetPiiLists(orgId: string) {
  cache.delete(orgId);
}
