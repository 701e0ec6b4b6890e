// AuditLog Durable Object, one per org: assigns seq and hash to each event in its own SQLite
// storage (the durable buffer), then copies events to D1 in batches from an alarm, retrying
// with backoff while D1 fails. Also owns the org's retention setting and chain checkpoint.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { AuditRecordSchema } from "../../schema/api.js";
import { AUDIT_INSERT_BATCH, type AuditRow, AuditData } from "../data/audit-data.js";
import { makeDb } from "../data/db.js";
import { newId } from "../ids.js";
import { type ChainBreak, ChainWalker, GENESIS_HASH, eventHash } from "./chain.js";

/** Events wait this long for company before the first flush, so bursts go to D1 together. */
const FLUSH_DELAY_MS = 250;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;
const PURGE_EVERY_MS = 3_600_000;
const DELETE_CHUNK = 5_000;
const DAY_MS = 86_400_000;

export interface ChainPoint {
  seq: number;
  hash: string;
}

export type AppendResult = { ok: true; stored: Array<{ seq: number; id: string }> } | { ok: false; reason: "invalid_batch" | "other_org" };

export interface FlushResult {
  flushed: number;
  pending: number;
  failed: boolean;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  checkpoint: ChainPoint;
  head: ChainPoint;
  pending: number;
  firstBroken: ChainBreak | null;
}

export interface RetentionStatus {
  days: number | null;
  checkpoint: ChainPoint;
}

interface State {
  orgId: string | null;
  headSeq: number;
  headHash: string;
  headTs: number;
  flushedSeq: number;
  flushedHash: string;
  checkpointSeq: number;
  checkpointHash: string;
  retentionDays: number | null;
  failures: number;
  lastPurge: number;
}

/** What one appendMany call may carry (the isolate batches stay well under it). */
const AuditRecordBatchSchema = z.array(AuditRecordSchema).max(1_000);

const PENDING_COLUMNS = [
  "seq",
  "id",
  "ts",
  "actor_type",
  "actor_id",
  "action",
  "resource_type",
  "resource_id",
  "result",
  "reason",
  "trace_id",
  "client_trace_id",
  "details",
  "prev_hash",
  "hash",
] as const;

export class AuditLog extends DurableObject<Env> {
  #sql: SqlStorage;
  #state: State;
  #flushing: Promise<FlushResult> | null = null;
  /** Callers of a bounded flush, released after their batch budget even if the drain goes on. */
  #waiters: Array<{ batchesLeft: number; release: () => void }> = [];
  #alarmAt: number | null = null;
  #outageUntil = 0;
  #lastFlushFailed = false;
  #clockSkewMs = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS pending (
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL, actor_type TEXT NOT NULL,
      actor_id TEXT NOT NULL, action TEXT NOT NULL, resource_type TEXT NOT NULL, resource_id TEXT,
      result TEXT NOT NULL, reason TEXT, trace_id TEXT, client_trace_id TEXT, details TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`);
    // Buffers created before client trace ids existed get the column (empty for their events).
    const columns = this.#sql.exec("SELECT name FROM pragma_table_info('pending')").toArray();
    if (!columns.some((c) => c.name === "client_trace_id")) this.#sql.exec("ALTER TABLE pending ADD COLUMN client_trace_id TEXT");
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    this.#state = loadState(this.#sql);
    void ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * Appends one event and returns once it is in this object's storage (the output gate holds
   * the reply until the write is durable). Seq, ts and hash are assigned without yielding, so
   * concurrent appends are strictly ordered.
   */
  async append(input: unknown): Promise<AppendResult> {
    return this.appendMany([input]);
  }

  /**
   * Appends a batch in order, in one storage transaction (one commit for all of them). A bad
   * batch is refused whole and answered, not thrown (a throw reads as an outage to the caller).
   */
  async appendMany(input: unknown): Promise<AppendResult> {
    const parsed = AuditRecordBatchSchema.safeParse(input);
    if (!parsed.success) return { ok: false, reason: "invalid_batch" };
    const records = parsed.data;
    const orgId = this.#state.orgId ?? records[0]?.orgId ?? null;
    if (records.some((r) => r.orgId !== orgId)) return { ok: false, reason: "other_org" };
    const stored: Array<{ seq: number; id: string }> = [];
    let { headSeq, headHash, headTs } = this.#state;
    this.ctx.storage.transactionSync(() => {
      for (const record of records) {
        const ts = Math.max(Date.now() + this.#clockSkewMs, headTs);
        const fields = {
          seq: headSeq + 1,
          id: newId("aud", ts),
          orgId: record.orgId,
          ts,
          actorType: record.actor.type,
          actorId: record.actor.id,
          action: record.action,
          resourceType: record.resource.type,
          resourceId: record.resource.id,
          result: record.result,
          reason: record.reason,
          traceId: record.traceId,
          clientTraceId: record.clientTraceId,
          details: record.details,
          prevHash: headHash,
        };
        const hash = eventHash(fields);
        this.#sql.exec(
          `INSERT INTO pending (${PENDING_COLUMNS.join(", ")}) VALUES (${PENDING_COLUMNS.map(() => "?").join(", ")})`,
          fields.seq,
          fields.id,
          fields.ts,
          fields.actorType,
          fields.actorId,
          fields.action,
          fields.resourceType,
          fields.resourceId,
          fields.result,
          fields.reason,
          fields.traceId,
          fields.clientTraceId,
          fields.details,
          fields.prevHash,
          hash,
        );
        stored.push({ seq: fields.seq, id: fields.id });
        headSeq = fields.seq;
        headHash = hash;
        headTs = ts;
      }
      if (orgId !== null && stored.length > 0) this.#save({ orgId, headSeq, headHash, headTs });
    });
    if (stored.length > 0) await this.#schedule(Date.now() + FLUSH_DELAY_MS);
    return { ok: true, stored };
  }

  /**
   * Copies pending events to D1 now (reads call this so recent events show at once). One drain
   * runs at a time; a caller with a batch budget is answered once the drain has written that
   * many batches, while the drain itself continues (after a long outage a read must not wait
   * for the whole backlog).
   */
  async flush(maxBatches = Number.POSITIVE_INFINITY): Promise<FlushResult> {
    const startSeq = this.#state.flushedSeq;
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = null;
      for (const w of this.#waiters.splice(0)) w.release();
    });
    const drain = this.#flushing;
    if (Number.isFinite(maxBatches)) {
      await new Promise<void>((release) => {
        this.#waiters.push({ batchesLeft: maxBatches, release });
      });
    } else {
      await drain;
    }
    return { flushed: this.#state.flushedSeq - startSeq, pending: this.#pending(), failed: this.#lastFlushFailed };
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const result = await this.flush();
    if (result.pending > 0) {
      const backoff = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(this.#state.failures, 10));
      await this.#schedule(Date.now() + backoff);
      return;
    }
    if (this.#state.retentionDays === null) return;
    if (Date.now() - this.#state.lastPurge >= PURGE_EVERY_MS) await this.#purge();
    await this.#schedule(this.#state.lastPurge + PURGE_EVERY_MS);
  }

  /** Flushes, then walks D1 from the checkpoint to the last flushed event. */
  async verify(): Promise<VerifyResult> {
    const { pending } = await this.flush();
    const s = this.#state;
    const checkpoint = { seq: s.checkpointSeq, hash: s.checkpointHash };
    const flushedHead = { seq: s.flushedSeq, hash: s.flushedHash };
    const walker = new ChainWalker(checkpoint.seq + 1, checkpoint.hash);
    if (s.orgId !== null) {
      const store = new AuditData(makeDb(this.env.DB), s.orgId);
      // A row at or below the checkpoint means retention's delete was undone or a row was forged.
      const [stale] = checkpoint.seq > 0 ? await store.list({ throughSeq: checkpoint.seq }, 1) : [];
      if (stale) walker.broken = { seq: stale.seq, id: stale.id, problem: "unexpected" };
      else {
        for await (const rows of store.walk({ afterSeq: checkpoint.seq, throughSeq: flushedHead.seq })) {
          if (!walker.feed(rows)) break;
        }
        // Past the head nothing can exist: this log never assigned those seqs.
        const [forged] = await store.list({ afterSeq: this.#state.headSeq }, 1);
        // An earlier break (found by finish) is reported first; otherwise the forged row is.
        if (forged && walker.finish(flushedHead) === null) walker.broken = { seq: forged.seq, id: forged.id, problem: "unexpected" };
      }
    }
    const firstBroken = walker.finish(flushedHead);
    return { ok: firstBroken === null, checked: walker.checked, checkpoint, head: { seq: s.headSeq, hash: s.headHash }, pending, firstBroken };
  }

  getRetention(): RetentionStatus {
    return { days: this.#state.retentionDays, checkpoint: { seq: this.#state.checkpointSeq, hash: this.#state.checkpointHash } };
  }

  /** Stores the setting and applies it at once; the hourly alarm keeps applying it. */
  async setRetention(days: number | null): Promise<RetentionStatus> {
    this.#save({ retentionDays: days });
    if (days !== null) {
      await this.flush();
      await this.#purge();
      await this.#schedule(Date.now() + PURGE_EVERY_MS);
    }
    return this.getRetention();
  }

  /** Test hook: D1 writes fail until `ms` from now (0 ends the outage). Refused in production. */
  simulateD1Outage(ms: number): void {
    if (this.env.AUDIT_TEST_HOOKS !== "true") throw new Error("test hooks are disabled");
    this.#outageUntil = ms > 0 ? Date.now() + ms : 0;
  }

  /** Test hook: new events are stamped `ms` off the real clock (to make old events for retention). */
  simulateClockSkew(ms: number): void {
    if (this.env.AUDIT_TEST_HOOKS !== "true") throw new Error("test hooks are disabled");
    this.#clockSkewMs = ms;
  }

  status(): { head: ChainPoint; flushed: ChainPoint; pending: number; failures: number } {
    const s = this.#state;
    return {
      head: { seq: s.headSeq, hash: s.headHash },
      flushed: { seq: s.flushedSeq, hash: s.flushedHash },
      pending: s.headSeq - s.flushedSeq,
      failures: s.failures,
    };
  }

  async #flush(): Promise<FlushResult> {
    const result = await this.#drain();
    this.#lastFlushFailed = result.failed;
    return result;
  }

  async #drain(): Promise<FlushResult> {
    let flushed = 0;
    const orgId = this.#state.orgId;
    if (orgId === null) return { flushed, pending: 0, failed: false };
    const store = new AuditData(makeDb(this.env.DB), orgId);
    for (;;) {
      const rows = this.#sql
        .exec(`SELECT ${PENDING_COLUMNS.join(", ")} FROM pending ORDER BY seq LIMIT ?`, AUDIT_INSERT_BATCH)
        .toArray()
        .map((r) => toRow(orgId, r));
      const last = rows.at(-1);
      if (!last) break;
      try {
        if (this.#outageUntil > Date.now()) throw new Error("simulated D1 outage");
        await store.insertBatch(rows);
      } catch (error) {
        if (await orgGone(store)) {
          // The org and its trail were deleted (cascade): nothing is left to write them to.
          this.#sql.exec("DELETE FROM pending");
          this.#save({ flushedSeq: this.#state.headSeq, flushedHash: this.#state.headHash, failures: 0 });
          return { flushed, pending: 0, failed: false };
        }
        this.#save({ failures: this.#state.failures + 1 });
        console.error("audit flush to D1 failed; events stay buffered", { pending: this.#pending(), error: String(error) });
        return { flushed, pending: this.#pending(), failed: true };
      }
      this.ctx.storage.transactionSync(() => {
        this.#sql.exec("DELETE FROM pending WHERE seq <= ?", last.seq);
        this.#save({ flushedSeq: last.seq, flushedHash: last.hash, failures: 0 });
      });
      flushed += rows.length;
      this.#waiters = this.#waiters.filter((w) => {
        w.batchesLeft--;
        if (w.batchesLeft > 0) return true;
        w.release();
        return false;
      });
    }
    return { flushed, pending: this.#pending(), failed: false };
  }

  /** Deletes flushed events older than the retention window after checking the whole chain. */
  async #purge(): Promise<void> {
    const s = this.#state;
    if (s.retentionDays === null || s.orgId === null) return;
    const store = new AuditData(makeDb(this.env.DB), s.orgId);
    const through = Math.min(s.flushedSeq, (await store.lastSeqBefore(Date.now() - s.retentionDays * DAY_MS)) ?? 0);
    this.#save({ lastPurge: Date.now() });
    if (through <= s.checkpointSeq) return;
    // Never delete evidence of tampering: a broken chain is left for a human to inspect.
    const check = await this.verify();
    if (!check.ok) {
      console.error("audit retention skipped: chain does not verify", { seq: check.firstBroken?.seq });
      return;
    }
    const last = await store.bySeq(through);
    if (!last) return;
    const from = this.#state.checkpointSeq;
    // The checkpoint moves first: if the delete stops halfway, verify reports the leftover rows.
    this.#save({ checkpointSeq: last.seq, checkpointHash: last.hash });
    for (let upTo = from; upTo < through; ) {
      upTo = Math.min(through, upTo + DELETE_CHUNK);
      await store.deleteThrough(upTo);
    }
  }

  #pending(): number {
    return this.#state.headSeq - this.#state.flushedSeq;
  }

  async #schedule(at: number): Promise<void> {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  #save(patch: Partial<State>): void {
    this.#state = { ...this.#state, ...patch };
    for (const [k, v] of Object.entries(patch)) {
      this.#sql.exec("INSERT INTO state (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, JSON.stringify(v));
    }
  }
}

async function orgGone(store: AuditData): Promise<boolean> {
  try {
    return !(await store.orgExists());
  } catch {
    return false; // D1 is down, so the org may well exist
  }
}

const DEFAULT_STATE: State = {
  orgId: null,
  headSeq: 0,
  headHash: GENESIS_HASH,
  headTs: 0,
  flushedSeq: 0,
  flushedHash: GENESIS_HASH,
  checkpointSeq: 0,
  checkpointHash: GENESIS_HASH,
  retentionDays: null,
  failures: 0,
  lastPurge: 0,
};

function loadState(sql: SqlStorage): State {
  const state: State = { ...DEFAULT_STATE };
  for (const row of sql.exec("SELECT k, v FROM state").toArray()) {
    const k = String(row.k);
    const v: unknown = JSON.parse(String(row.v));
    if (k === "orgId" && (typeof v === "string" || v === null)) state.orgId = v;
    else if (k === "retentionDays" && (typeof v === "number" || v === null)) state.retentionDays = v;
    else if ((k === "headHash" || k === "flushedHash" || k === "checkpointHash") && typeof v === "string") state[k] = v;
    else if (
      (k === "headSeq" || k === "headTs" || k === "flushedSeq" || k === "checkpointSeq" || k === "failures" || k === "lastPurge") &&
      typeof v === "number"
    )
      state[k] = v;
  }
  return state;
}

type Cell = SqlStorageValue | undefined;
const str = (v: Cell): string => {
  if (typeof v !== "string") throw new Error("corrupt pending audit row");
  return v;
};
const strOrNull = (v: Cell): string | null => (v === null ? null : str(v));
const num = (v: Cell): number => {
  if (typeof v !== "number") throw new Error("corrupt pending audit row");
  return v;
};

function toRow(orgId: string, r: Record<string, SqlStorageValue>): AuditRow {
  const actorType = str(r.actor_type);
  const result = str(r.result);
  // Written by append() after validation; anything else is storage corruption.
  if (!isActorType(actorType) || !isResult(result)) throw new Error("corrupt pending audit row");
  return {
    id: str(r.id),
    orgId,
    seq: num(r.seq),
    ts: num(r.ts),
    actorType,
    actorId: str(r.actor_id),
    action: str(r.action),
    resourceType: str(r.resource_type),
    resourceId: strOrNull(r.resource_id),
    result,
    reason: strOrNull(r.reason),
    traceId: strOrNull(r.trace_id),
    clientTraceId: strOrNull(r.client_trace_id),
    details: strOrNull(r.details),
    prevHash: str(r.prev_hash),
    hash: str(r.hash),
  };
}

const isActorType = (v: string): v is AuditRow["actorType"] => v === "user" || v === "agent" || v === "host" || v === "system";
const isResult = (v: string): v is AuditRow["result"] => v === "allowed" || v === "denied" || v === "success" || v === "error";
