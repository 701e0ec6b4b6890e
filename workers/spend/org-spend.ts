// OrgSpend: one Durable Object per org that serializes its spend (reserve before an LLM call, settle or release after).
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import {
  type LimitPeriod,
  type LimitScope,
  type ReserveResult,
  type SettleResult,
  type StopEvent,
  OrgIdSchema,
  ReservationIdSchema,
  ReserveRequestSchema,
  SettleItemSchema,
  type SpendUsage,
} from "../../schema/spend.js";
import { ID_PATTERN, newId } from "../ids.js";
import { type AuditEvent, recordAuditMany } from "../audit/audit.js";
import { makeDb } from "../data/db.js";
import { SpendData } from "../data/spend-data.js";
import { type Price, estimateMicros, priceFor, usageMicros, windowsAt } from "./pricing.js";
import { orgSpendShardStub } from "./shards.js";

/** A reservation neither settled nor released by then is released by the alarm. */
export const RESERVATION_TTL_MS = 10 * 60_000;
/** Limits and prices are pushed on every admin change; this re-read only covers a lost push. */
const CONFIG_TTL_MS = 60_000;
/** Closed reservations are kept this long so retried keys find their original answer. */
const CLOSED_RETENTION_MS = 48 * 3600_000;
/** Day and month windows older than this are dropped from the DO (a hold from then may still settle). */
const OLD_WINDOW_MS = 62 * 86_400_000;
const FLUSH_DELAY_MS = 1_000;
const FLUSH_RETRY_MS = 5_000;
const FLUSH_BATCH = 500;
const AUDIT_OUTBOX_BATCH = 100;

export interface LimitConfig {
  id: string;
  scope: LimitScope;
  scopeId: string | null;
  period: LimitPeriod;
  limitMicros: number;
  thresholds: number[];
}

interface Config {
  prices: Map<string, Price>;
  limits: LimitConfig[];
  loadedAt: number;
}

export interface LimitStatus extends LimitConfig {
  window: string;
  spentMicros: number;
  reservedMicros: number;
}

/** "spent": an idempotency key's call reached the provider and failed; nothing charged, the key is used up. */
type ReservationState = "open" | "settled" | "released" | "expired" | "spent";

type ReservationRow = {
  id: string;
  idem_key: string;
  agent_id: string;
  team_id: string | null;
  /** A subagent's parent, whose agent limits and counters the reservation also counts under. */
  parent_agent_id: string | null;
  /** SHA-256 of the request an idempotency key stands for (null for leases). */
  fingerprint: string | null;
  model: string;
  reserved: number;
  charged: number | null;
  basis: string | null;
  state: ReservationState;
  day: string;
  month: string;
  price_in: number;
  price_out: number;
  price_cached: number | null;
  expires_at: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reservations (
  id TEXT PRIMARY KEY, idem_key TEXT NOT NULL, agent_id TEXT NOT NULL, team_id TEXT, parent_agent_id TEXT, fingerprint TEXT,
  model TEXT NOT NULL,
  reserved INTEGER NOT NULL, charged INTEGER, basis TEXT, state TEXT NOT NULL, day TEXT NOT NULL, month TEXT NOT NULL,
  price_in INTEGER NOT NULL, price_out INTEGER NOT NULL, price_cached INTEGER,
  input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, closed_at INTEGER);
CREATE INDEX IF NOT EXISTS reservations_open ON reservations (state, expires_at);
-- Keys are per agent: one agent reusing another's key gets its own reservation, never the other's.
CREATE UNIQUE INDEX IF NOT EXISTS reservations_key ON reservations (agent_id, idem_key);
CREATE TABLE IF NOT EXISTS counters (
  scope TEXT NOT NULL, scope_id TEXT NOT NULL, win TEXT NOT NULL,
  spent INTEGER NOT NULL DEFAULT 0, reserved INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (scope, scope_id, win));
CREATE TABLE IF NOT EXISTS alerts (limit_id TEXT NOT NULL, win TEXT NOT NULL, mark TEXT NOT NULL, PRIMARY KEY (limit_id, win, mark));
CREATE TABLE IF NOT EXISTS stop_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, team_id TEXT, scope TEXT NOT NULL, scope_id TEXT,
  limit_id TEXT NOT NULL, period TEXT NOT NULL, win TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_outbox (
  id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, team_id TEXT, model TEXT NOT NULL, day TEXT NOT NULL,
  input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
  cost_micros INTEGER NOT NULL, basis TEXT NOT NULL, settled_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL);
-- Calls charged against a lease, so a retried settle of one never charges it twice.
CREATE TABLE IF NOT EXISTS lease_calls (id TEXT PRIMARY KEY, lease_id TEXT NOT NULL, charged INTEGER NOT NULL, basis TEXT NOT NULL, at INTEGER NOT NULL);
-- Spend shards that took a lease here: told to stop drawing on their leases when limits or prices change.
CREATE TABLE IF NOT EXISTS shards (idx INTEGER PRIMARY KEY);
`;

/** Audit events queued in DO storage, validated again when read back. */
const QueuedAuditSchema = z.object({
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  result: z.enum(["allowed", "denied", "success", "error"]),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()),
});
type QueuedAudit = z.infer<typeof QueuedAuditSchema>;

/** Columns added to a table after it was first created (CREATE TABLE IF NOT EXISTS leaves an older one as it was). */
const ADDED_COLUMNS: Record<string, Record<string, string>> = { reservations: { parent_agent_id: "TEXT", fingerprint: "TEXT" } };

function addMissingColumns(sql: SqlStorage) {
  for (const [table, columns] of Object.entries(ADDED_COLUMNS)) {
    const have = new Set(
      sql
        .exec<{ name: string }>(`PRAGMA table_info(${table})`)
        .toArray()
        .map((c) => c.name),
    );
    for (const [name, type] of Object.entries(columns)) if (!have.has(name)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
  }
}

/** Who a call is made for, as the limits see it. */
interface Spender {
  agent_id: string;
  team_id: string | null;
  parent_agent_id: string | null;
}

/**
 * Counter keys a call counts under: the org, its team (if any), the agent and, for a subagent,
 * its parent (so a parent's counters include what its subagents spent).
 */
function scopesOf(who: Spender): Array<[LimitScope, string]> {
  const scopes: Array<[LimitScope, string]> = [["org", ""]];
  if (who.team_id) scopes.push(["team", who.team_id]);
  scopes.push(["agent", who.agent_id]);
  if (who.parent_agent_id && who.parent_agent_id !== who.agent_id) scopes.push(["agent", who.parent_agent_id]);
  return scopes;
}

/** Whether a limit holds a call: the org's, its team's, its own agent limits and its parent's. */
function appliesTo(limit: LimitConfig, who: Spender): boolean {
  if (limit.scope === "org") return true;
  if (limit.scope === "team") return who.team_id !== null && limit.scopeId === who.team_id;
  return limit.scopeId === who.agent_id || (who.parent_agent_id !== null && limit.scopeId === who.parent_agent_id);
}

const keyOf = (agentId: string, idempotencyKey: string) => `${agentId}\u0000${idempotencyKey}`;

function windowOf(period: LimitPeriod, row: { day: string; month: string }): string {
  return period === "day" ? row.day : period === "month" ? row.month : "total";
}

/** A counter's key in memory: scope, scope id and window. */
const counterKey = (scope: LimitScope, scopeId: string, win: string) => `${scope}\u0000${scopeId}\u0000${win}`;
/** Settles and reserves one RPC may carry (the client batches them per isolate). */
export const SETTLE_BATCH_MAX = 500;
export const RESERVE_BATCH_MAX = 500;
// Built once: a zod schema is costly to construct, and these check every RPC's payload.
const ReserveBatchSchema = z.array(z.unknown()).max(RESERVE_BATCH_MAX);
const SettleBatchSchema = z.array(z.unknown()).max(SETTLE_BATCH_MAX);

const LEDGER_COLUMNS = [
  "id",
  "agent_id",
  "team_id",
  "model",
  "day",
  "input_tokens",
  "output_tokens",
  "cached_tokens",
  "cost_micros",
  "basis",
  "settled_at",
] as const;
type LedgerRow = [string, string, string | null, string, string, number, number, number, number, string, number];
const LEASE_CALL_COLUMNS = ["id", "lease_id", "charged", "basis", "at"] as const;

/** A reservation a reserve batch stores; `replaces`: a released one of the same key (same id) gives way. */
interface NewReservation {
  row: ReservationRow;
  replaces: boolean;
}

/** What one settleMany batch writes, summed: counters by key, lease holds by lease id, new rows. */
interface PendingWrites {
  counters: Map<string, number>;
  leases: Map<string, { moved: number; charged: number }>;
  leaseCalls: Map<string, { id: string; leaseId: string; charged: number; basis: string; at: number }>;
  ledger: LedgerRow[];
}
const newPendingWrites = (): PendingWrites => ({ counters: new Map(), leases: new Map(), leaseCalls: new Map(), ledger: [] });
/** A lease never takes more than 1/8 of what a limit has left. */
const LEASE_HEADROOM_SHARE = 8;

/**
 * Storage is SQLite (durable, the authority); reads on the hot path come from an in-memory mirror
 * of it that this object alone writes. Open reservations live in memory too, and the reserved
 * amounts are summed from them, so a reserve is one INSERT and a settle one small transaction.
 */
export class OrgSpend extends DurableObject<Env> {
  #sql: SqlStorage;
  #config: Config | null = null;
  #loading: Promise<Config> | null = null;
  #generation = 0;
  #alarmAt: number | null = null;
  #flushing: Promise<void> | null = null;
  #flushAgain = false;
  #boundOrg: string | null = null;
  /** Open reservations by id, and by agent + idempotency key. */
  #open = new Map<string, ReservationRow>();
  #openByKey = new Map<string, string>();
  /** Sum of open reservations per counter key (derived, never stored). */
  #reservedSums = new Map<string, number>();
  /** Settled spend per counter key: a read-through cache of the counters table. */
  #spent = new Map<string, number>();
  /** Inside settleMany: the batch's writes, summed and stored together before its transaction ends. */
  #pending: PendingWrites | null = null;
  /** Indexes of the spend shards that drew leases here (workers/spend/org-spend-shard.ts). */
  #shards = new Set<number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(SCHEMA);
    addMissingColumns(this.#sql);
    const name = ctx.id.name;
    if (name && ID_PATTERN.test(name)) this.#sql.exec("INSERT OR IGNORE INTO meta (k, v) VALUES ('org_id', ?)", name);
    this.#boundOrg = this.#sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'org_id'").toArray()[0]?.v ?? null;
    this.#loadOpen();
    for (const { idx } of this.#sql.exec<{ idx: number }>("SELECT idx FROM shards").toArray()) this.#shards.add(idx);
    void ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ── RPC ──────────────────────────────────────────────────────────────────
  /** Holds an upper bound of the call's cost, or refuses if any limit of the org, team or agent would be passed. */
  async reserve(input: unknown): Promise<ReserveResult> {
    const [result] = await this.reserveMany([input]);
    return result ?? { ok: false, reason: "invalid_request" };
  }

  /**
   * Reserves a batch in order: one pass without yielding. One answer per item; a bad item is
   * refused alone.
   */
  async reserveMany(inputs: unknown): Promise<ReserveResult[]> {
    // Bad payloads are answered, not thrown: a throw across RPC reads as an outage to the caller.
    const list = ReserveBatchSchema.safeParse(inputs);
    if (!list.success) return [];
    const config = await this.#ready();
    // From here to the return there is no await: the checks and the holds are one atomic step.
    const now = Date.now();
    const rows: NewReservation[] = [];
    const results = list.data.map((input) => this.#reserveOne(config, input, now, rows));
    if (rows.length > 0) {
      try {
        // One row is one statement, atomic by itself, and is left to the object's implicit
        // transaction: workerd commits it once for every write made before the event loop turns,
        // so concurrent reserves share a commit (an explicit transaction would commit, and sync
        // the disk, for each). The answer still waits for that commit (the output gate).
        if (rows.length === 1) this.#insertReservation(rows[0]!, now);
        else
          this.ctx.storage.transactionSync(() => {
            for (const r of rows) this.#insertReservation(r, now);
          });
      } catch (error) {
        // Nothing was stored: the holds made in memory are dropped with the rest of the mirror.
        this.#resetMirror();
        throw error;
      }
    }
    return results;
  }

  /** Charges the real usage (null: the provider reported none, so the reservation is charged). Idempotent. */
  async settle(reservationId: unknown, usageInput: unknown): Promise<SettleResult> {
    const [result] = await this.settleMany([{ reservationId, usage: usageInput ?? null }]);
    return result ?? { ok: false, reason: "invalid_request" };
  }

  /**
   * Settles a batch in one storage transaction (the client sends the settles of one isolate
   * together); one answer per item, in order.
   */
  async settleMany(items: unknown): Promise<SettleResult[]> {
    const list = SettleBatchSchema.safeParse(items);
    if (!list.success) return [];
    const config = await this.#ready();
    const now = Date.now();
    const results: SettleResult[] = [];
    try {
      this.ctx.storage.transactionSync(() => {
        // A batch often holds many calls of one lease and agent: their counter, lease and row
        // writes are summed and stored with a few statements at the end, in the same transaction.
        this.#pending = newPendingWrites();
        for (const item of list.data) results.push(this.#settleOne(config, item, now));
        this.#storePending(this.#pending);
      });
    } catch (error) {
      // The transaction rolled back; the mirror may hold part of it, so it is rebuilt from storage.
      this.#resetMirror();
      throw error;
    } finally {
      this.#pending = null;
    }
    // The ledger goes to D1 in batches from the alarm, off the call's path.
    this.#ensureAlarm(now + FLUSH_DELAY_MS);
    return results;
  }

  /**
   * Gives the hold back (the call failed before the provider billed anything). Idempotent.
   * `keySpent`: the call had reached the provider, so its idempotency key stays used (a retry
   * answers `spent`, never a second provider call).
   */
  async release(reservationId: unknown, keySpent?: unknown): Promise<{ released: boolean }> {
    const id = ReservationIdSchema.safeParse(reservationId);
    const row = id.success ? this.#open.get(id.data) : undefined;
    if (!row) return { released: false };
    this.#close(row, keySpent === true ? "spent" : "released", Date.now());
    return { released: true };
  }

  /**
   * Re-reads limits and prices from D1 now; the admin API calls this after every change.
   * Returns the agents whose calls in flight now hold more than a limit allows (a limit was
   * lowered below what is spent and held): their running work is to be cut.
   */
  async reloadConfig(orgId: unknown): Promise<{ overLimitAgents: string[] }> {
    const id = OrgIdSchema.safeParse(orgId);
    if (!id.success || !this.#bind(id.data)) throw new Error("reloadConfig for another org");
    const config = await this.#startLoad();
    // Shards stop drawing on leases granted under the old limits before the admin API answers.
    await Promise.all(
      [...this.#shards].map((index) =>
        orgSpendShardStub(this.env, id.data, index)
          .retireLeases()
          .catch((error: unknown) =>
            console.error("spend shard did not retire its leases; they end within their drawing time", { index, error: String(error) }),
          ),
      ),
    );
    return { overLimitAgents: this.#agentsOverLimit(config) };
  }

  /** Agents holding open reservations under a limit whose spent plus held amount passes it. */
  #agentsOverLimit(config: Config): string[] {
    const agents = new Set<string>();
    for (const limit of config.limits) {
      for (const row of this.#open.values()) {
        if (!appliesTo(limit, row) || agents.has(row.agent_id)) continue;
        const key = counterKey(limit.scope, limit.scopeId ?? "", windowOf(limit.period, row));
        if (this.#spentOf(key) + (this.#reservedSums.get(key) ?? 0) > limit.limitMicros) agents.add(row.agent_id);
      }
    }
    return [...agents];
  }

  /** Stop requests for the sandbox tunnel: removed as they are handed out. */
  async drainStopEvents(max = 100): Promise<StopEvent[]> {
    const limit = z.number().int().min(1).max(1000).catch(100).parse(max);
    const rows = this.#sql
      .exec<{
        seq: number;
        agent_id: string;
        team_id: string | null;
        scope: LimitScope;
        scope_id: string | null;
        limit_id: string;
        period: LimitPeriod;
        win: string;
        at: number;
      }>("SELECT * FROM stop_events ORDER BY seq LIMIT ?", limit)
      .toArray();
    const last = rows.at(-1);
    if (last) this.#sql.exec("DELETE FROM stop_events WHERE seq <= ?", last.seq);
    return rows.map((r) => ({
      seq: r.seq,
      agentId: r.agent_id,
      teamId: r.team_id,
      scope: r.scope,
      scopeId: r.scope_id,
      limitId: r.limit_id,
      period: r.period,
      window: r.win,
      at: r.at,
    }));
  }

  /** Current spend against every limit, in the current UTC windows. */
  async limitStatus(orgId?: unknown): Promise<LimitStatus[]> {
    const id = OrgIdSchema.safeParse(orgId);
    if (id.success && !this.#bind(id.data)) throw new Error("limitStatus for another org");
    const config = await this.#ready();
    const win = windowsAt(Date.now());
    return config.limits.map((limit) => {
      const window = windowOf(limit.period, win);
      const key = counterKey(limit.scope, limit.scopeId ?? "", window);
      return { ...limit, window, spentMicros: this.#spentOf(key), reservedMicros: this.#reservedSums.get(key) ?? 0 };
    });
  }

  /** Writes queued ledger rows and audit events to D1 now (normally done in the background). */
  async flush(): Promise<void> {
    this.#scheduleFlush();
    await this.#flushing;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.#alarmAt = null;
    // Storage is the authority on what is due; the alarm is rare enough to ask it.
    const due = this.#sql.exec<ReservationRow>("SELECT * FROM reservations WHERE state = 'open' AND expires_at <= ?", now).toArray();
    for (const row of due) this.#close(this.#open.get(row.id) ?? row, "expired", now);
    this.#sql.exec("DELETE FROM reservations WHERE state != 'open' AND closed_at < ?", now - CLOSED_RETENTION_MS);
    this.#sql.exec("DELETE FROM lease_calls WHERE at < ?", now - CLOSED_RETENTION_MS);
    // Past windows no longer enforce anything (the D1 ledger keeps the history).
    const old = windowsAt(now - OLD_WINDOW_MS);
    for (const table of ["counters", "alerts"]) {
      this.#sql.exec(`DELETE FROM ${table} WHERE (length(win) = 10 AND win < ?) OR (length(win) = 7 AND win < ?)`, old.day, old.month);
    }
    this.#spent.clear();
    this.#scheduleFlush();
    await this.#flushing;
    let next: number | null = null;
    for (const row of this.#open.values()) if (next === null || row.expires_at < next) next = row.expires_at;
    if (next !== null) this.#ensureAlarm(next);
  }

  // ── internals ────────────────────────────────────────────────────────────
  /** Records which org this object serves (its name, if the runtime did not give it); false if it serves another. */
  #bind(orgId: string): boolean {
    if (this.#boundOrg === null) {
      this.#sql.exec("INSERT INTO meta (k, v) VALUES ('org_id', ?)", orgId);
      this.#boundOrg = orgId;
    }
    return this.#boundOrg === orgId;
  }

  async #ready(): Promise<Config> {
    if (this.#config && Date.now() - this.#config.loadedAt < CONFIG_TTL_MS) return this.#config;
    const loaded = await (this.#loading ?? this.#startLoad());
    // A reload that finished while this call waited is newer than what this call waited for.
    return this.#config ?? loaded;
  }

  #startLoad(): Promise<Config> {
    const generation = ++this.#generation;
    const loading: Promise<Config> = this.#load()
      .then((config) => {
        // A reload started later wins over an older one finishing late.
        if (generation === this.#generation) this.#config = config;
        return config;
      })
      .finally(() => {
        if (this.#loading === loading) this.#loading = null;
      });
    this.#loading = loading;
    return loading;
  }

  async #load(): Promise<Config> {
    const orgId = this.#boundOrg;
    if (!orgId) throw new Error("OrgSpend has no org id");
    const data = new SpendData(makeDb(this.env.DB), orgId);
    const [prices, limits] = await Promise.all([data.allPrices(), data.allLimits()]);
    return {
      loadedAt: Date.now(),
      prices: new Map(
        prices.map((p) => [
          p.model,
          { inputMicrosPerMTok: p.inputMicrosPerMTok, outputMicrosPerMTok: p.outputMicrosPerMTok, cachedMicrosPerMTok: p.cachedMicrosPerMTok },
        ]),
      ),
      limits: limits.map((l) => ({
        id: l.id,
        scope: l.scope,
        scopeId: l.scopeId,
        period: l.period,
        limitMicros: l.limitMicros,
        thresholds: z.array(z.number().int()).catch([100]).parse(JSON.parse(l.thresholds)),
      })),
    };
  }

  #reservation(id: string): ReservationRow | undefined {
    return this.#sql.exec<ReservationRow>("SELECT * FROM reservations WHERE id = ?", id).toArray()[0];
  }

  #reservationByKey(agentId: string, key: string): ReservationRow | undefined {
    return this.#sql.exec<ReservationRow>("SELECT * FROM reservations WHERE agent_id = ? AND idem_key = ?", agentId, key).toArray()[0];
  }

  /** Settled spend under a counter key, read from storage once and then kept. */
  #spentOf(key: string): number {
    const cached = this.#spent.get(key);
    if (cached !== undefined) return cached;
    const [scope, scopeId, win] = key.split("\u0000");
    const row = this.#sql
      .exec<{ spent: number }>("SELECT spent FROM counters WHERE scope = ? AND scope_id = ? AND win = ?", scope, scopeId, win)
      .toArray()[0];
    const spent = row?.spent ?? 0;
    this.#spent.set(key, spent);
    return spent;
  }

  /** Counter keys a reservation counts under: its org, team, agent and parent, each for its day, month and total. */
  #keysOf(row: ReservationRow): string[] {
    const keys: string[] = [];
    for (const [scope, scopeId] of scopesOf(row)) for (const w of [row.day, row.month, "total"]) keys.push(counterKey(scope, scopeId, w));
    return keys;
  }

  /** One upsert for the 6 to 12 counters a charge counts in, then the same in memory. */
  #addSpent(row: ReservationRow, amount: number) {
    const keys = this.#keysOf(row);
    // Read before the write: a key not cached yet would otherwise be read back with the amount in it.
    const before = keys.map((key) => this.#spentOf(key));
    keys.forEach((key, i) => {
      this.#spent.set(key, (before[i] ?? 0) + amount);
    });
    if (this.#pending) {
      for (const key of keys) this.#pending.counters.set(key, (this.#pending.counters.get(key) ?? 0) + amount);
    } else {
      this.#storeCounters(keys.map((key) => [key, amount]));
    }
  }

  /** One upsert per 25 counters (SQLite storage binds at most 100 values per statement). */
  #storeCounters(amounts: Array<[string, number]>) {
    for (let i = 0; i < amounts.length; i += 25) {
      const chunk = amounts.slice(i, i + 25);
      const values: Array<string | number> = [];
      for (const [key, amount] of chunk) values.push(...key.split("\u0000"), amount);
      this.#sql.exec(
        `INSERT INTO counters (scope, scope_id, win, spent) VALUES ${Array(chunk.length).fill("(?, ?, ?, ?)").join(", ")}
         ON CONFLICT DO UPDATE SET spent = spent + excluded.spent`,
        ...values,
      );
    }
  }

  /** A settled call's ledger row, for D1 (the alarm sends them); deferred inside settleMany. */
  #queueLedger(row: LedgerRow) {
    if (this.#pending) this.#pending.ledger.push(row);
    else this.#insertRows("INSERT OR IGNORE INTO ledger_outbox", LEDGER_COLUMNS, [row]);
  }

  /** Stores the summed charges of one lease queued in this batch (if any). */
  #storePendingLease(id: string) {
    const lease = this.#pending?.leases.get(id);
    if (!lease) return;
    this.#pending?.leases.delete(id);
    this.#sql.exec(
      "UPDATE reservations SET reserved = reserved - ?, charged = coalesce(charged, 0) + ? WHERE id = ?",
      lease.moved,
      lease.charged,
      id,
    );
  }

  /** Multi-row INSERTs within the 100 bound values a statement takes. */
  #insertRows(insert: string, columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>) {
    const per = Math.floor(100 / columns.length);
    const tuple = `(${columns.map(() => "?").join(", ")})`;
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      this.#sql.exec(`${insert} (${columns.join(", ")}) VALUES ${Array(chunk.length).fill(tuple).join(", ")}`, ...chunk.flat());
    }
  }

  #storePending(p: PendingWrites) {
    this.#storeCounters([...p.counters]);
    for (const id of [...p.leases.keys()]) this.#storePendingLease(id);
    this.#insertRows(
      "INSERT INTO lease_calls",
      LEASE_CALL_COLUMNS,
      [...p.leaseCalls.values()].map((c) => [c.id, c.leaseId, c.charged, c.basis, c.at]),
    );
    this.#insertRows("INSERT OR IGNORE INTO ledger_outbox", LEDGER_COLUMNS, p.ledger);
  }

  /** Stores a new reservation; one that `replaces` a released one of the same key takes its place (same id). */
  #insertReservation({ row, replaces }: NewReservation, now: number): number {
    return this.#sql.exec(
      `INSERT ${replaces ? "OR REPLACE " : ""}INTO reservations (id, idem_key, agent_id, team_id, parent_agent_id, fingerprint, model, reserved,
        state, day, month, price_in, price_out, price_cached, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.idem_key,
      row.agent_id,
      row.team_id,
      row.parent_agent_id,
      row.fingerprint,
      row.model,
      row.reserved,
      row.day,
      row.month,
      row.price_in,
      row.price_out,
      row.price_cached,
      now,
      row.expires_at,
    ).rowsWritten;
  }

  /** Adds an open reservation to the mirror (its amount counts against every limit it falls under). */
  #hold(row: ReservationRow) {
    this.#open.set(row.id, row);
    this.#openByKey.set(keyOf(row.agent_id, row.idem_key), row.id);
    for (const key of this.#keysOf(row)) this.#reservedSums.set(key, (this.#reservedSums.get(key) ?? 0) + row.reserved);
  }

  #unhold(row: ReservationRow) {
    if (!this.#open.delete(row.id)) return;
    this.#openByKey.delete(keyOf(row.agent_id, row.idem_key));
    for (const key of this.#keysOf(row)) {
      const left = (this.#reservedSums.get(key) ?? 0) - row.reserved;
      if (left > 0) this.#reservedSums.set(key, left);
      else this.#reservedSums.delete(key);
    }
  }

  /** Open reservations from storage (at start, and after a failed transaction). */
  #loadOpen() {
    for (const row of this.#sql.exec<ReservationRow>("SELECT * FROM reservations WHERE state = 'open'").toArray()) this.#hold(row);
  }

  #resetMirror() {
    this.#open.clear();
    this.#openByKey.clear();
    this.#reservedSums.clear();
    this.#spent.clear();
    this.#loadOpen();
  }

  /** One reserve of a batch: checks and holds in memory, and queues the row the batch stores. */
  #reserveOne(config: Config, input: unknown, now: number, rows: NewReservation[]): ReserveResult {
    const parsed = ReserveRequestSchema.safeParse(input);
    if (!parsed.success) return { ok: false, reason: "invalid_request" };
    const req = parsed.data;
    if (!this.#bind(req.orgId)) return { ok: false, reason: "invalid_request" };
    if (req.shard !== undefined && !this.#shards.has(req.shard)) {
      this.#shards.add(req.shard);
      this.#sql.exec("INSERT OR IGNORE INTO shards (idx) VALUES (?)", req.shard);
    }
    // An idempotency key buys one provider call: while its call is open, and once it settled,
    // expired or reached the provider and failed (spent), the key answers without reserving; only
    // a released key (the call never reached the provider) is reserved again. Another request
    // under the key is refused.
    const fingerprint = req.fingerprint ?? null;
    const openId = this.#openByKey.get(keyOf(req.agentId, req.idempotencyKey));
    const open = openId ? this.#open.get(openId) : undefined;
    if (open) return { ok: false, reason: open.fingerprint === fingerprint ? "in_progress" : "key_reused" };
    const earlier = this.#reservationByKey(req.agentId, req.idempotencyKey);
    if (earlier && earlier.fingerprint !== fingerprint) return { ok: false, reason: "key_reused" };
    if (earlier?.state === "settled") return { ok: true, reservationId: earlier.id, reservedMicros: earlier.reserved, state: "settled" };
    if (earlier?.state === "expired") return { ok: false, reason: "expired" };
    if (earlier?.state === "spent") return { ok: false, reason: "spent" };
    const who: Spender = { agent_id: req.agentId, team_id: req.teamId, parent_agent_id: req.parentAgentId ?? null };
    const price = priceFor(req.model, config.prices);
    if (!price) return { ok: false, reason: "unpriced_model", model: req.model };
    // Never zero, so a zero limit blocks even calls priced at nothing.
    const amount = Math.max(1, estimateMicros(price, req.estimate));
    const win = windowsAt(now);

    let headroom = Number.POSITIVE_INFINITY;
    for (const limit of config.limits) {
      if (!appliesTo(limit, who)) continue;
      const window = windowOf(limit.period, win);
      const key = counterKey(limit.scope, limit.scopeId ?? "", window);
      const spent = this.#spentOf(key);
      const left = limit.limitMicros - spent - (this.#reservedSums.get(key) ?? 0);
      headroom = Math.min(headroom, left);
      if (amount > left) {
        this.#limitReached(limit, window, req.agentId, req.teamId, spent, now);
        return {
          ok: false,
          reason: "limit",
          scope: limit.scope,
          scopeId: limit.scopeId,
          period: limit.period,
          limitMicros: limit.limitMicros,
          spentMicros: spent,
        };
      }
    }

    // A lease holds several calls' worth, never more than a share of what any limit has left,
    // so leases of many isolates fit under a limit and near it each shrinks to one call.
    const held = req.leaseCalls ? Math.max(amount, Math.min(amount * req.leaseCalls, Math.floor(headroom / LEASE_HEADROOM_SHARE))) : amount;
    const row: ReservationRow = {
      // A released key is reserved again under its first id.
      id: earlier?.id ?? newId("rsv"),
      idem_key: req.idempotencyKey,
      ...who,
      fingerprint,
      model: req.model,
      reserved: held,
      charged: null,
      basis: null,
      state: "open",
      day: win.day,
      month: win.month,
      price_in: price.inputMicrosPerMTok,
      price_out: price.outputMicrosPerMTok,
      price_cached: price.cachedMicrosPerMTok,
      expires_at: now + RESERVATION_TTL_MS,
    };
    this.#hold(row);
    this.#ensureAlarm(row.expires_at);
    rows.push({ row, replaces: earlier !== undefined });
    if (req.leaseCalls) return { ok: true, reservationId: row.id, reservedMicros: held, state: "open", price };
    return { ok: true, reservationId: row.id, reservedMicros: amount, state: "open" };
  }

  /** One settle, inside the caller's transaction. */
  #settleOne(config: Config, input: unknown, now: number): SettleResult {
    const parsed = SettleItemSchema.safeParse(input);
    if (!parsed.success) return { ok: false, reason: "invalid_request" };
    const { reservationId: id, usage, call, close } = parsed.data;
    const row = this.#open.get(id) ?? this.#reservation(id);
    if (!row) return { ok: false, reason: "unknown_reservation" };
    if (close) return this.#closeLease(row, now);
    if (call) return this.#chargeLeaseCall(config, row, call, usage, now);
    if (row.state === "settled")
      return { ok: true, reservationId: id, chargedMicros: row.charged ?? 0, basis: row.basis === "reported" ? "reported" : "reservation" };
    if (row.state !== "open" && usage === null) return { ok: false, reason: "released" };

    const price: Price = { inputMicrosPerMTok: row.price_in, outputMicrosPerMTok: row.price_out, cachedMicrosPerMTok: row.price_cached };
    const charged = usage ? usageMicros(price, usage) : row.reserved;
    const basis = usage ? "reported" : "reservation";
    const tokens = usage ?? { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
    // A late settle after expiry still records what the provider billed.
    this.#addSpent(row, charged);
    this.#sql.exec(
      `UPDATE reservations SET state = 'settled', charged = ?, basis = ?, input_tokens = ?, output_tokens = ?,
        cached_tokens = ?, closed_at = ? WHERE id = ?`,
      charged,
      basis,
      tokens.inputTokens,
      tokens.outputTokens,
      tokens.cachedTokens,
      now,
      id,
    );
    this.#queueLedger([
      id,
      row.agent_id,
      row.team_id,
      row.model,
      row.day,
      tokens.inputTokens,
      tokens.outputTokens,
      tokens.cachedTokens,
      charged,
      basis,
      now,
    ]);
    this.#unhold(row);
    this.#checkThresholds(config, row, now);
    // The estimate was not an upper bound (a caller bug or a provider surprise): the real charge stands, and is audited.
    if (charged > row.reserved) {
      this.#queueAudit({
        action: "spend.overrun",
        resourceType: "reservation",
        resourceId: id,
        result: "error",
        reason: "usage above reservation",
        details: { agentId: row.agent_id, model: row.model, reservedMicros: row.reserved, chargedMicros: charged },
      });
    }
    return { ok: true, reservationId: id, chargedMicros: charged, basis };
  }

  /**
   * Charges one call drawn from a lease: its cost moves from the lease's hold to spent and the
   * lease stays open for the isolate's next calls. Idempotent per call id.
   */
  #chargeLeaseCall(
    config: Config,
    row: ReservationRow,
    call: { id: string; heldMicros: number },
    usage: SpendUsage | null,
    now: number,
  ): SettleResult {
    const done =
      this.#pending?.leaseCalls.get(call.id) ??
      this.#sql.exec<{ charged: number; basis: string }>("SELECT charged, basis FROM lease_calls WHERE id = ?", call.id).toArray()[0];
    if (done) return { ok: true, reservationId: call.id, chargedMicros: done.charged, basis: done.basis === "reported" ? "reported" : "reservation" };
    const price: Price = { inputMicrosPerMTok: row.price_in, outputMicrosPerMTok: row.price_out, cachedMicrosPerMTok: row.price_cached };
    const charged = usage ? usageMicros(price, usage) : call.heldMicros;
    const basis = usage ? "reported" : "reservation";
    const tokens = usage ?? { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
    this.#addSpent(row, charged);
    // Open: the cost moves from the lease's hold to spent. Expired or closed first: a late call
    // still records what the provider billed.
    const moved = row.state === "open" ? Math.min(charged, row.reserved) : 0;
    this.#shrinkHold(row, moved);
    row.charged = (row.charged ?? 0) + charged;
    const lease = this.#pending?.leases.get(row.id);
    if (lease) {
      lease.moved += moved;
      lease.charged += charged;
    } else if (this.#pending) {
      this.#pending.leases.set(row.id, { moved, charged });
    } else {
      this.#sql.exec("UPDATE reservations SET reserved = reserved - ?, charged = coalesce(charged, 0) + ? WHERE id = ?", moved, charged, row.id);
    }
    const record = { id: call.id, leaseId: row.id, charged, basis, at: now };
    if (this.#pending) this.#pending.leaseCalls.set(call.id, record);
    else this.#insertRows("INSERT INTO lease_calls", LEASE_CALL_COLUMNS, [[record.id, record.leaseId, charged, basis, now]]);
    this.#queueLedger([
      call.id,
      row.agent_id,
      row.team_id,
      row.model,
      row.day,
      tokens.inputTokens,
      tokens.outputTokens,
      tokens.cachedTokens,
      charged,
      basis,
      now,
    ]);
    this.#checkThresholds(config, row, now);
    if (charged > call.heldMicros) {
      this.#queueAudit({
        action: "spend.overrun",
        resourceType: "reservation",
        resourceId: call.id,
        result: "error",
        reason: "usage above reservation",
        details: { agentId: row.agent_id, model: row.model, reservedMicros: call.heldMicros, chargedMicros: charged, leaseId: row.id },
      });
    }
    return { ok: true, reservationId: call.id, chargedMicros: charged, basis };
  }

  /** Ends a lease: what it still holds is released; its calls stay charged. Idempotent. */
  #closeLease(row: ReservationRow, now: number): SettleResult {
    if (row.state === "open") {
      // This batch's charges of the lease go first: the close sets its hold to 0 outright.
      this.#storePendingLease(row.id);
      this.#sql.exec("UPDATE reservations SET state = 'settled', basis = 'lease', reserved = 0, closed_at = ? WHERE id = ?", now, row.id);
      this.#unhold(row);
    }
    return { ok: true, reservationId: row.id, chargedMicros: row.charged ?? 0, basis: "lease" };
  }

  /** Lowers an open reservation's hold in the mirror (a lease call's cost moved to spent). */
  #shrinkHold(row: ReservationRow, by: number) {
    if (by <= 0) return;
    row.reserved -= by;
    for (const key of this.#keysOf(row)) {
      const left = (this.#reservedSums.get(key) ?? 0) - by;
      if (left > 0) this.#reservedSums.set(key, left);
      else this.#reservedSums.delete(key);
    }
  }

  #close(row: ReservationRow, state: "released" | "expired" | "spent", now: number) {
    this.#sql.exec("UPDATE reservations SET state = ?, closed_at = ? WHERE id = ? AND state = 'open'", state, now, row.id);
    this.#unhold(row);
  }

  /** Records a marker once; false if it was already there. */
  #once(limitId: string, win: string, mark: string): boolean {
    return this.#sql.exec("INSERT OR IGNORE INTO alerts (limit_id, win, mark) VALUES (?, ?, ?)", limitId, win, mark).rowsWritten > 0;
  }

  /** A refusal by a limit: once per limit value and window, queue a stop request for the agent's sandboxes and audit it. */
  #limitReached(limit: LimitConfig, win: string, agentId: string, teamId: string | null, spent: number, now: number) {
    if (!this.#once(limit.id, win, `stop@${limit.limitMicros}`)) return;
    this.#sql.exec(
      "INSERT INTO stop_events (agent_id, team_id, scope, scope_id, limit_id, period, win, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      agentId,
      teamId,
      limit.scope,
      limit.scopeId,
      limit.id,
      limit.period,
      win,
      now,
    );
    this.#queueAudit({
      action: "spend.limit_reached",
      resourceType: "limit",
      resourceId: limit.id,
      result: "denied",
      reason: `limit:${limit.id}`,
      details: {
        scope: limit.scope,
        scopeId: limit.scopeId,
        period: limit.period,
        window: win,
        limitMicros: limit.limitMicros,
        spentMicros: spent,
        agentId,
      },
    });
    this.#ensureAlarm(now + FLUSH_DELAY_MS);
  }

  #checkThresholds(config: Config, row: ReservationRow, now: number) {
    for (const limit of config.limits) {
      if (!appliesTo(limit, row)) continue;
      const win = windowOf(limit.period, row);
      const spent = this.#spentOf(counterKey(limit.scope, limit.scopeId ?? "", win));
      for (const threshold of limit.thresholds) {
        if (spent * 100 < threshold * limit.limitMicros) break;
        if (!this.#once(limit.id, win, `${threshold}%@${limit.limitMicros}`)) continue;
        this.#queueAudit({
          action: "spend.threshold",
          resourceType: "limit",
          resourceId: limit.id,
          result: "success",
          reason: `threshold:${threshold}`,
          details: {
            scope: limit.scope,
            scopeId: limit.scopeId,
            period: limit.period,
            window: win,
            threshold,
            limitMicros: limit.limitMicros,
            spentMicros: spent,
            at: now,
          },
        });
      }
    }
  }

  #queueAudit(event: QueuedAudit) {
    this.#sql.exec("INSERT INTO audit_outbox (event) VALUES (?)", JSON.stringify(event));
  }

  #ensureAlarm(at: number) {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** Starts a background flush, or asks the running one to go again; reserve and settle never wait for it. */
  #scheduleFlush() {
    if (this.#flushing) {
      this.#flushAgain = true;
      return;
    }
    this.#flushing = (async () => {
      do {
        this.#flushAgain = false;
        await this.#flushOnce();
      } while (this.#flushAgain);
    })()
      .catch((error: unknown) => {
        console.error("spend flush failed; retrying from the alarm", { error: String(error) });
        this.#ensureAlarm(Date.now() + FLUSH_RETRY_MS);
      })
      .finally(() => {
        this.#flushing = null;
      });
  }

  async #flushOnce(): Promise<void> {
    const orgId = this.#boundOrg;
    if (!orgId) return;
    for (;;) {
      const rows = this.#sql
        .exec<{
          id: string;
          agent_id: string;
          team_id: string | null;
          model: string;
          day: string;
          input_tokens: number;
          output_tokens: number;
          cached_tokens: number;
          cost_micros: number;
          basis: string;
          settled_at: number;
        }>("SELECT * FROM ledger_outbox ORDER BY id LIMIT ?", FLUSH_BATCH)
        .toArray();
      if (rows.length === 0) break;
      await new SpendData(makeDb(this.env.DB), orgId).insertUsage(
        rows.map((r) => ({
          id: r.id,
          agentId: r.agent_id,
          teamId: r.team_id,
          model: r.model,
          day: r.day,
          inputTokens: r.input_tokens,
          outputTokens: r.output_tokens,
          cachedTokens: r.cached_tokens,
          costMicros: r.cost_micros,
          basis: r.basis === "reported" ? "reported" : "reservation",
          settledAt: r.settled_at,
        })),
      );
      this.#sql.exec("DELETE FROM ledger_outbox WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(rows.map((r) => r.id)));
    }
    for (;;) {
      const queued = this.#sql
        .exec<{ seq: number; event: string }>("SELECT seq, event FROM audit_outbox ORDER BY seq LIMIT ?", AUDIT_OUTBOX_BATCH)
        .toArray();
      const last = queued.at(-1);
      if (!last) break;
      const events: AuditEvent[] = [];
      for (const { event } of queued) {
        const parsed = QueuedAuditSchema.safeParse(JSON.parse(event));
        if (!parsed.success) continue;
        const e = parsed.data;
        events.push({
          orgId,
          actor: { type: "system", id: "spend" },
          action: e.action,
          resource: { type: e.resourceType, id: e.resourceId },
          result: e.result,
          reason: e.reason,
          details: e.details,
        });
      }
      // One AuditLog call for the batch; they leave the outbox once it has stored them.
      await recordAuditMany(this.env, orgId, events);
      this.#sql.exec("DELETE FROM audit_outbox WHERE seq <= ?", last.seq);
    }
  }
}
