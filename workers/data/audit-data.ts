// D1 access to one org's audit trail: batch inserts from the org's AuditLog, filtered reads in
// seq order, chain walks for verify/export, and the retention delete. Every query is org-scoped.
import { asc, eq, gt, gte, lte, max, sql, type SQL } from "drizzle-orm";
import { AppError } from "../errors.js";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";

const { auditEvents, orgs } = tables;

export type AuditRow = typeof auditEvents.$inferSelect;

export interface AuditRowFilter {
  afterSeq?: number | undefined;
  throughSeq?: number | undefined;
  actorType?: AuditRow["actorType"] | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  result?: AuditRow["result"] | undefined;
  traceId?: string | undefined;
  clientTraceId?: string | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

/** Rows the AuditLog hands D1 per flush batch (one transaction). */
export const AUDIT_INSERT_BATCH = 100;
/**
 * Rows per INSERT: they travel as one JSON parameter read with json_each (D1 allows 100 bound
 * parameters per statement, so a row per parameter set would mean a statement per row). A row
 * is at most ~5 KiB (details are capped at 4 KiB), so 50 rows stay far below D1's value limit.
 */
const AUDIT_ROWS_PER_STATEMENT = 50;

export class AuditData extends OrgScoped {
  private events(...conds: Array<SQL | undefined>): SQL {
    return this.scope(auditEvents, ...conds);
  }

  async orgExists(): Promise<boolean> {
    return (await this.db.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, this.orgId)).get()) !== undefined;
  }

  /** Inserts rows in one D1 transaction; rows already present (a retried batch) are skipped. */
  async insertBatch(rows: AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    for (const row of rows) if (row.orgId !== this.orgId) throw new AppError("internal", "audit row of another org");
    // In seq order; a retry after a partial failure skips what is already there (ON CONFLICT).
    for (let i = 0; i < rows.length; i += AUDIT_ROWS_PER_STATEMENT) {
      const chunk = JSON.stringify(rows.slice(i, i + AUDIT_ROWS_PER_STATEMENT));
      await this.db.run(sql`INSERT INTO audit_events (id, org_id, seq, ts, actor_type, actor_id, action, resource_type, resource_id,
          result, reason, trace_id, client_trace_id, details, prev_hash, hash)
        SELECT value ->> '$.id', ${this.orgId}, value ->> '$.seq', value ->> '$.ts', value ->> '$.actorType', value ->> '$.actorId',
          value ->> '$.action', value ->> '$.resourceType', value ->> '$.resourceId', value ->> '$.result', value ->> '$.reason',
          value ->> '$.traceId', value ->> '$.clientTraceId', value ->> '$.details', value ->> '$.prevHash', value ->> '$.hash'
        FROM json_each(${chunk}) WHERE true
        ON CONFLICT DO NOTHING`);
    }
  }

  list(filter: AuditRowFilter, limit: number): Promise<AuditRow[]> {
    return this.db
      .select()
      .from(auditEvents)
      .where(this.events(...conditions(filter)))
      .orderBy(asc(auditEvents.seq))
      .limit(limit)
      .all();
  }

  /** Pages through matching rows in seq order without holding more than one page. */
  async *walk(filter: AuditRowFilter, pageSize = 500): AsyncGenerator<AuditRow[]> {
    let afterSeq = filter.afterSeq;
    for (;;) {
      const rows = await this.list({ ...filter, afterSeq }, pageSize);
      if (rows.length > 0) yield rows;
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) return;
      afterSeq = last.seq;
    }
  }

  bySeq(seq: number): Promise<AuditRow | undefined> {
    return this.db
      .select()
      .from(auditEvents)
      .where(this.events(eq(auditEvents.seq, seq)))
      .get();
  }

  /** The highest seq whose event is older than cutoffMs (ts never decreases along seq). */
  async lastSeqBefore(cutoffMs: number): Promise<number | null> {
    const row = await this.db
      .select({ seq: max(auditEvents.seq) })
      .from(auditEvents)
      .where(this.events(lte(auditEvents.ts, cutoffMs - 1)))
      .get();
    return row?.seq ?? null;
  }

  async deleteThrough(seq: number): Promise<void> {
    await this.db.delete(auditEvents).where(this.events(lte(auditEvents.seq, seq)));
  }
}

function conditions(f: AuditRowFilter): Array<SQL | undefined> {
  return [
    f.afterSeq !== undefined ? gt(auditEvents.seq, f.afterSeq) : undefined,
    f.throughSeq !== undefined ? lte(auditEvents.seq, f.throughSeq) : undefined,
    f.actorType ? eq(auditEvents.actorType, f.actorType) : undefined,
    f.actorId ? eq(auditEvents.actorId, f.actorId) : undefined,
    f.action ? eq(auditEvents.action, f.action) : undefined,
    f.resourceType ? eq(auditEvents.resourceType, f.resourceType) : undefined,
    f.resourceId ? eq(auditEvents.resourceId, f.resourceId) : undefined,
    f.result ? eq(auditEvents.result, f.result) : undefined,
    f.traceId ? eq(auditEvents.traceId, f.traceId) : undefined,
    f.clientTraceId ? eq(auditEvents.clientTraceId, f.clientTraceId) : undefined,
    f.fromMs !== undefined ? gte(auditEvents.ts, f.fromMs) : undefined,
    f.toMs !== undefined ? lte(auditEvents.ts, f.toMs) : undefined,
  ];
}
