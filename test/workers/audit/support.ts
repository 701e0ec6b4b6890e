// Helpers for audit tests: the org's AuditLog stub and the rows D1 really holds.
import { env } from "cloudflare:workers";

export const auditStub = (orgId: string) => env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(orgId));

export interface StoredEvent {
  id: string;
  org_id: string;
  seq: number;
  ts: number;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  result: string;
  reason: string | null;
  trace_id: string | null;
  client_trace_id: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** Every audit row of one org in D1, in seq order (read straight from the table, no API). */
export async function storedEvents(orgId: string): Promise<StoredEvent[]> {
  const { results } = await env.DB.prepare("SELECT * FROM audit_events WHERE org_id = ? ORDER BY seq").bind(orgId).all<StoredEvent>();
  return results;
}

/** Every audit row in D1, whatever the org. */
export async function allStoredEvents(): Promise<StoredEvent[]> {
  const { results } = await env.DB.prepare("SELECT * FROM audit_events ORDER BY org_id, seq").all<StoredEvent>();
  return results;
}
