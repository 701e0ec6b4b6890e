// The audit module's entry point: recordAudit(env, event). Events go to the org's AuditLog
// Durable Object, which orders, hash-chains and stores them durably before D1 ever sees them.
import { type ACTOR_TYPES, AUDIT_LIMITS, type AUDIT_RESULTS, type AuditRecord } from "../../schema/api.js";
import { ID_PATTERN } from "../ids.js";
import { IsolateBatcher, type WaitUntil } from "../http/isolate-batch.js";
import { currentTrace } from "../http/trace.js";
import { safeDetails, safeText, wellFormed } from "./safe.js";

export interface AuditEvent {
  orgId: string;
  actor: { type: (typeof ACTOR_TYPES)[number]; id: string };
  action: string;
  resource: { type: string; id?: string | null };
  result: (typeof AUDIT_RESULTS)[number];
  /** The deciding rule or reason, e.g. "policy:pol_…#2" or "role:member". */
  reason?: string;
  /** The platform's trace id; by default that of the request being served (http/trace.ts). */
  traceId?: string;
  /** Safe details only: ids, counts, categories. Never secrets, tokens or PII values. */
  details?: Record<string, unknown>;
}

const APPEND_ATTEMPTS = 3;
/**
 * Hot-path events (with ctx) wait up to this long in the isolate so that one AuditLog call
 * stores many: the price is that an isolate dying inside the window loses them, as it would
 * lose any waitUntil work still in flight.
 */
export const AUDIT_BATCH_WINDOW_MS = 10;
export const AUDIT_BATCH_MAX = 100;

/** Items carry the bindings they were recorded with (one Worker's are the same for every request). */
const batches = new IsolateBatcher<{ env: Env; record: AuditRecord }>({
  windowMs: AUDIT_BATCH_WINDOW_MS,
  maxItems: AUDIT_BATCH_MAX,
  send: async (orgId, items) => {
    const env = items[0]?.env;
    if (env)
      await append(
        env,
        orgId,
        items.map((i) => i.record),
      );
  },
});

/** The org's AuditLog (one Durable Object per org). */
export function auditLog(env: Env, orgId: string) {
  return env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(orgId));
}

/**
 * Records one event. Without ctx it resolves once the event is durably stored by the org's
 * AuditLog (one local write, no D1 round trip); with ctx it hands that write to waitUntil
 * and resolves at once, for hot paths (gateway, egress). It never throws: an audit problem
 * must not fail the action it records.
 */
export async function recordAudit(env: Env, event: AuditEvent, ctx?: WaitUntil): Promise<void> {
  if (!ID_PATTERN.test(event.orgId)) {
    console.error("audit event without a valid org id dropped", { action: event.action.slice(0, AUDIT_LIMITS.action) });
    return;
  }
  const record = toRecord(event);
  if (!ctx) return append(env, record.orgId, [record]);
  batches.add(record.orgId, { env, record }, ctx);
}

/**
 * Records several events of one org in one AuditLog call, resolving once they are stored.
 * Never throws (like recordAudit); events of another org are dropped and logged.
 */
export async function recordAuditMany(env: Env, orgId: string, events: AuditEvent[]): Promise<void> {
  const records = events.filter((e) => e.orgId === orgId).map(toRecord);
  if (records.length < events.length) console.error("audit events for another org dropped", { orgId });
  if (records.length > 0 && ID_PATTERN.test(orgId)) await append(env, orgId, records);
}

/** Sends this isolate's queued events of an org now (before a read, so they show at once). */
export async function flushQueuedAudit(orgId: string): Promise<void> {
  await batches.flush(orgId);
}

/**
 * Shapes and cleans an event into the record the AuditLog accepts. The client trace id always
 * comes from the request being served (validated there), never from the caller of this function.
 */
export function toRecord(event: AuditEvent): AuditRecord {
  const cut = (value: string, max: number) => wellFormed(value.slice(0, max));
  const resourceId = event.resource.id;
  const trace = currentTrace();
  return {
    orgId: event.orgId,
    actor: { type: event.actor.type, id: cut(event.actor.id, AUDIT_LIMITS.id) },
    action: cut(event.action, AUDIT_LIMITS.action),
    resource: { type: cut(event.resource.type, AUDIT_LIMITS.type), id: resourceId ? cut(resourceId, AUDIT_LIMITS.id) : null },
    result: event.result,
    reason: safeText(event.reason, AUDIT_LIMITS.reason),
    traceId: traceIdOf(event.traceId ?? trace?.traceId),
    clientTraceId: trace?.clientTraceId ?? null,
    details: safeDetails(event.details),
  };
}

/** Trace ids are the platform's (UUIDs) or test labels: id characters only, else none. */
const TRACE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const traceIdOf = (value: string | undefined) => (value !== undefined && TRACE_ID.test(value) ? value : null);

async function append(env: Env, orgId: string, records: AuditRecord[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await auditLog(env, orgId).appendMany(records);
      // A refusal is a caller bug (records are cleaned and shaped here); retrying cannot help.
      if (!result.ok) console.error("audit events refused", { orgId, reason: result.reason, actions: records.map((r) => r.action) });
      return;
    } catch (error) {
      // Durable Object errors flagged retryable (reset, overloaded) get a fresh stub and another try.
      const retryable = error instanceof Error && "retryable" in error && error.retryable === true;
      if (!retryable || attempt >= APPEND_ATTEMPTS) {
        console.error("audit write failed", { actions: records.map((r) => r.action), orgId, error: String(error) });
        return;
      }
    }
  }
}
