// Agent rows through a short-lived per-isolate cache: every gateway call reads its agent and the
// agent's ancestors, and the same bound on staleness as the token cache applies (revocation and
// changes made through this isolate drop the entry at once).
import { makeDb } from "../data/db.js";
import { type AgentRow, OrgData } from "../data/org-data.js";
import { TOKEN_CACHE_TTL_MS } from "../identity/tokens.js";

const agentCache = new Map<string, { row: AgentRow | undefined; expires: number }>();

export function forgetAgents(ids: Iterable<string>) {
  for (const id of ids) agentCache.delete(id);
}

/** Whether the org-wide switch is on, through the same cache. */
const orgCache = new Map<string, { suspended: boolean; expires: number }>();

export function forgetOrgState(orgId: string) {
  orgCache.delete(orgId);
}

export async function orgSuspended(db: D1Database, orgId: string): Promise<boolean> {
  const now = Date.now();
  const hit = orgCache.get(orgId);
  if (hit && hit.expires > now) return hit.suspended;
  const suspended = (await new OrgData(makeDb(db), orgId).org())?.suspendedAt != null;
  if (orgCache.size > 10_000) orgCache.clear();
  orgCache.set(orgId, { suspended, expires: now + TOKEN_CACHE_TTL_MS });
  return suspended;
}

export async function loadAgent(db: D1Database, orgId: string, agentId: string): Promise<AgentRow | undefined> {
  const now = Date.now();
  const hit = agentCache.get(agentId);
  if (hit && hit.expires > now && (hit.row === undefined || hit.row.orgId === orgId)) return hit.row;
  const row = await new OrgData(makeDb(db), orgId).agent(agentId);
  if (agentCache.size > 10_000) agentCache.clear();
  agentCache.set(agentId, { row, expires: now + TOKEN_CACHE_TTL_MS });
  return row;
}
