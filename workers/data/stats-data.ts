// Aggregates of one org's audit trail, approvals and usage ledger over a time window, computed
// in D1 with GROUP BY (time buckets, reasons, categories) so no event leaves the database.
import { and, eq, gt, gte, inArray, lte, or, sql, type SQL } from "drizzle-orm";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";

const { auditEvents, approvals, spendUsage, agents } = tables;

/** Audited agent actions counted as calls. */
export const CALL_ACTIONS = ["llm.request", "egress.request", "tool.call"] as const;
/** Error codes that mean the platform refused the call (an LLM call records its refusal as result "error"). */
export const REFUSAL_REASONS = [
  "policy_denied",
  "pii_blocked",
  "pii_check_failed",
  "spend_limit",
  "spend_unbounded",
  "agent_suspended",
  "approval_denied",
  "approval_expired",
  "forbidden",
] as const;

export interface Window {
  fromMs: number;
  toMs: number;
  bucketMs: number;
}

export class StatsData extends OrgScoped {
  /** Agent calls in the window (index audit_org_calls: org, actor type, then a ts range). */
  private calls(w: Window, ...more: Array<SQL | undefined>): SQL {
    return this.scope(
      auditEvents,
      eq(auditEvents.actorType, "agent"),
      gte(auditEvents.ts, w.fromMs),
      lte(auditEvents.ts, w.toMs),
      inArray(auditEvents.action, [...CALL_ACTIONS]),
      ...more,
    );
  }

  private static refused(): SQL {
    return or(eq(auditEvents.result, "denied"), and(eq(auditEvents.result, "error"), inArray(auditEvents.reason, [...REFUSAL_REASONS]))) as SQL;
  }

  /** Calls and refusals per bucket; buckets without events are absent. */
  buckets(w: Window) {
    // Parameters may bind as REAL: the cast keeps bucket numbers whole.
    const bucket = sql<number>`CAST((${auditEvents.ts} - ${w.fromMs}) / ${w.bucketMs} AS INTEGER)`.mapWith(Number);
    return this.db
      .select({
        bucket,
        calls: sql<number>`count(*)`.mapWith(Number),
        denied: sql<number>`coalesce(sum(CASE WHEN ${StatsData.refused()} THEN 1 ELSE 0 END), 0)`.mapWith(Number),
      })
      .from(auditEvents)
      .where(this.calls(w))
      .groupBy(bucket)
      .all();
  }

  denialsByReason(w: Window) {
    const reason = sql<string>`coalesce(${auditEvents.reason}, ${auditEvents.result})`;
    return this.db
      .select({ reason, count: sql<number>`count(*)`.mapWith(Number) })
      .from(auditEvents)
      .where(this.calls(w, StatsData.refused()))
      .groupBy(reason)
      .orderBy(sql`count(*) DESC`)
      .limit(50)
      .all();
  }

  /**
   * Personal data found, by category, summed from the details the gateway records: either
   * parallel arrays `pii.categories`/`pii.counts` (masked, audited exits) or an object
   * `pii.counts` {category: n} (a blocked LLM request).
   */
  async piiByCategory(w: Window): Promise<Array<{ category: string; count: number }>> {
    const where = this.calls(w, sql`${auditEvents.details} IS NOT NULL`, sql`json_valid(${auditEvents.details})`);
    const rows = await this.db.all<{ category: string; count: number }>(sql`
      SELECT category, sum(n) AS count FROM (
        SELECT c.value AS category, coalesce(json_extract(${auditEvents.details}, '$.pii.counts[' || c.key || ']'), 1) AS n
          FROM ${auditEvents}, json_each(${auditEvents.details}, '$.pii.categories') AS c
          WHERE ${where} AND json_type(${auditEvents.details}, '$.pii.categories') = 'array'
        UNION ALL
        SELECT c.key AS category, c.value AS n
          FROM ${auditEvents}, json_each(${auditEvents.details}, '$.pii.counts') AS c
          WHERE ${where} AND json_type(${auditEvents.details}, '$.pii.counts') = 'object'
      )
      WHERE typeof(category) = 'text' AND typeof(n) = 'integer'
      GROUP BY category ORDER BY count DESC LIMIT 50`);
    return rows.map((r) => ({ category: String(r.category), count: Number(r.count) }));
  }

  async approvalsWaiting(nowMs: number): Promise<number> {
    const row = await this.db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(approvals)
      .where(this.scope(approvals, eq(approvals.status, "pending"), gt(approvals.expiresAt, nowMs)))
      .get();
    return row?.n ?? 0;
  }

  /** Settled spend in the window (the ledger's day index narrows, settled_at decides). */
  private usage(w: Window): SQL {
    const fromDay = new Date(w.fromMs).toISOString().slice(0, 10);
    return this.scope(spendUsage, gte(spendUsage.day, fromDay), gte(spendUsage.settledAt, w.fromMs), lte(spendUsage.settledAt, w.toMs));
  }

  spendByAgent(w: Window) {
    return this.db
      .select({
        agentId: spendUsage.agentId,
        name: agents.name,
        costMicros: sql<number>`coalesce(sum(${spendUsage.costMicros}), 0)`.mapWith(Number),
        calls: sql<number>`count(*)`.mapWith(Number),
      })
      .from(spendUsage)
      .leftJoin(agents, and(eq(agents.orgId, spendUsage.orgId), eq(agents.id, spendUsage.agentId)))
      .where(this.usage(w))
      .groupBy(spendUsage.agentId)
      .orderBy(sql`3 DESC`)
      .limit(20)
      .all();
  }

  spendByModel(w: Window) {
    return this.db
      .select({
        model: spendUsage.model,
        costMicros: sql<number>`coalesce(sum(${spendUsage.costMicros}), 0)`.mapWith(Number),
        calls: sql<number>`count(*)`.mapWith(Number),
      })
      .from(spendUsage)
      .where(this.usage(w))
      .groupBy(spendUsage.model)
      .orderBy(sql`2 DESC`)
      .limit(20)
      .all();
  }
}
