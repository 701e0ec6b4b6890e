// The audit module's one entry point: record(event). Callers never build rows themselves, so
// the storage behind it (D1 today, a durable buffer with a hash chain later) can change freely.
import { sql } from "drizzle-orm";
import type { ACTOR_TYPES, AUDIT_RESULTS } from "../../schema/api.js";
import { makeDb } from "../data/db.js";
import { newId } from "../identity/crypto.js";

export interface AuditEvent {
  orgId: string;
  actor: { type: (typeof ACTOR_TYPES)[number]; id: string };
  action: string;
  resource: { type: string; id?: string | null };
  result: (typeof AUDIT_RESULTS)[number];
  /** The deciding rule or reason, e.g. "policy:pol_…#2" or "role:member". */
  reason?: string;
  traceId?: string;
  /** Safe details only: ids, counts, categories. Never secrets, tokens or PII values. */
  details?: Record<string, unknown>;
}

export async function recordAudit(env: Env, event: AuditEvent): Promise<void> {
  const db = makeDb(env.DB);
  const id = newId("aud");
  const ts = Date.now();
  try {
    // seq is assigned inside the INSERT so concurrent writers of one org never collide.
    await db.run(sql`INSERT INTO audit_events
      (id, org_id, seq, ts, actor_type, actor_id, action, resource_type, resource_id, result, reason, trace_id, details)
      SELECT ${id}, ${event.orgId}, COALESCE(MAX(seq), 0) + 1, ${ts}, ${event.actor.type}, ${event.actor.id},
        ${event.action}, ${event.resource.type}, ${event.resource.id ?? null}, ${event.result}, ${event.reason ?? null},
        ${event.traceId ?? null}, ${event.details ? JSON.stringify(event.details) : null}
      FROM audit_events WHERE org_id = ${event.orgId}`);
  } catch (error) {
    // An audit failure must not fail the action it records; it is logged without details.
    console.error("audit write failed", { action: event.action, orgId: event.orgId, error: String(error) });
  }
}
