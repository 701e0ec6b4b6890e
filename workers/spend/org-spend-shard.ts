// OrgSpendShard: one spend shard of a sharded org. It owns the Idempotency-Key calls of the agents
// that hash to it and holds them against leases drawn from the org's OrgSpend, so most keyed calls
// cost the org object nothing but a share of a batched settle.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import {
  type ReserveRequest,
  type ReserveResult,
  type SettleResult,
  type SpendPrice,
  type SpendUsage,
  ReserveRequestSchema,
  SettleItemSchema,
} from "../../schema/spend.js";
import { newId } from "../ids.js";
import { orgSpendStub } from "./client.js";
import { LEASE_CALLS, LEASE_DRAW_MS } from "./credit.js";
import { RESERVATION_TTL_MS } from "./org-spend.js";
import { estimateMicros } from "./pricing.js";
import { parseShardName } from "./shards.js";

/** Closed keys are kept this long so retried keys find their original answer (as at OrgSpend). */
const CLOSED_RETENTION_MS = 48 * 3600_000;
/** A call that finds its agent's lease being renewed waits for it this many times before asking for its own. */
const LEASE_WAITS = 4;
const SettleBatchSchema = z.array(z.unknown()).max(500);
/**
 * Settles arriving within this window (from any isolate) go to the org's OrgSpend in one call. An
 * object shares one I/O context across its requests, so, unlike an isolate, it may batch them and
 * answer each from the common reply.
 */
const FORWARD_WINDOW_MS = 5;
const FORWARD_MAX = 500;

type LeaseCallItem = { reservationId: string; usage: SpendUsage | null; call: { id: string; heldMicros: number } };
interface Forwarding {
  items: LeaseCallItem[];
  resolve(results: SettleResult[]): void;
  reject(error: unknown): void;
}

type KeyState = "open" | "settled" | "released" | "spent" | "expired";

type KeyRow = {
  id: string;
  agent_id: string;
  idem_key: string;
  fingerprint: string | null;
  /** The org's lease (an OrgSpend reservation) this call's hold is part of. */
  lease_id: string;
  model: string;
  reserved: number;
  charged: number | null;
  state: KeyState;
  expires_at: number;
  closed_at: number | null;
};

/** A lease on the org's budget for one agent and model, kept in memory (lost on restart: the org expires it). */
interface Lease {
  id: string;
  slot: string;
  price: SpendPrice;
  /** Part of the lease no open call holds. */
  left: number;
  drawUntil: number;
  open: number;
  retired: boolean;
  closed: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keys (
  id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, idem_key TEXT NOT NULL, fingerprint TEXT, lease_id TEXT NOT NULL,
  model TEXT NOT NULL, reserved INTEGER NOT NULL, charged INTEGER, state TEXT NOT NULL, expires_at INTEGER NOT NULL, closed_at INTEGER);
-- Keys are per agent, as at OrgSpend.
CREATE UNIQUE INDEX IF NOT EXISTS keys_key ON keys (agent_id, idem_key);
CREATE INDEX IF NOT EXISTS keys_closed ON keys (closed_at);
`;

const keyOf = (agentId: string, idempotencyKey: string) => `${agentId}\u0000${idempotencyKey}`;

type KeyAnswer = { done: true; result: ReserveResult } | { done: false; reuseId: string | null };

/**
 * Every hold this object grants is part of a lease the org's OrgSpend granted first (under every
 * limit, at most 1/8 of what each has left), so the org's limits hold across all shards exactly
 * as with one object. The key table is the authority for idempotency; leases live in memory.
 */
export class OrgSpendShard extends DurableObject<Env> {
  #sql: SqlStorage;
  #orgId: string | null;
  #index: number;
  /** Current lease per agent and model, and every lease not yet closed by id. */
  #leases = new Map<string, Lease>();
  #leasesById = new Map<string, Lease>();
  /** Per agent and model: settles when a lease request in flight answers (others wait on it). */
  #leasing = new Map<string, Promise<void>>();
  /** Bumped when the org's limits or prices change: a lease asked for before that is used once, then closed. */
  #generation = 0;
  #openByKey = new Map<string, KeyRow>();
  #openById = new Map<string, KeyRow>();
  #alarmAt: number | null = null;
  #forwarding: Forwarding[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(SCHEMA);
    const named = parseShardName(ctx.id.name);
    this.#orgId = named?.orgId ?? null;
    this.#index = named?.index ?? 0;
    for (const row of this.#sql.exec<KeyRow>("SELECT * FROM keys WHERE state = 'open'").toArray()) this.#track(row);
    void ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ── RPC ──────────────────────────────────────────────────────────────────
  /** Holds a keyed call's upper-bound cost from the agent's lease; answers like OrgSpend.reserve. */
  async reserve(input: unknown): Promise<ReserveResult> {
    const parsed = ReserveRequestSchema.safeParse(input);
    if (!parsed.success || parsed.data.orgId !== this.#orgId || parsed.data.leaseCalls !== undefined || parsed.data.shard !== undefined)
      return { ok: false, reason: "invalid_request" };
    const req = parsed.data;
    const slot = `${req.agentId}\u0000${req.model}`;
    for (let attempt = 0; ; attempt++) {
      // From the key check to the draw there is no await: one atomic step, as at OrgSpend.
      const now = Date.now();
      const answer = this.#keyAnswer(req, now);
      if (answer.done) return answer.result;
      const current = this.#leases.get(slot);
      if (current && now >= current.drawUntil) this.#retire(current);
      else if (current) {
        const amount = Math.max(1, estimateMicros(current.price, req.estimate));
        if (amount <= current.left) return this.#draw(current, req, amount, answer.reuseId, now);
      }
      const renewing = this.#leasing.get(slot);
      if (renewing && attempt < LEASE_WAITS) {
        await renewing;
        continue;
      }
      const generation = this.#generation;
      const request = this.#requestLease(req);
      const signal = request.then(
        () => undefined,
        () => undefined,
      );
      this.#leasing.set(slot, signal);
      let granted: ReserveResult;
      try {
        granted = await request;
      } finally {
        if (this.#leasing.get(slot) === signal) this.#leasing.delete(slot);
      }
      if (!granted.ok) return granted;
      if (!granted.price) throw new Error("spend lease granted without a price");
      const lease = this.#install(slot, granted.reservationId, granted.reservedMicros, granted.price, generation !== this.#generation);
      const after = Date.now();
      const again = this.#keyAnswer(req, after);
      const amount = Math.max(1, estimateMicros(lease.price, req.estimate));
      if (!again.done && amount <= lease.left) return this.#draw(lease, req, amount, again.reuseId, after);
      this.#closeDone();
      if (again.done) return again.result;
    }
  }

  /**
   * Settles keyed calls: each is charged at the org as a call drawn from its lease (idempotent
   * there per call id), then marked settled here. Throws if the org cannot answer, so the
   * caller's retry settles it again.
   */
  async settleMany(items: unknown): Promise<SettleResult[]> {
    const list = SettleBatchSchema.safeParse(items);
    if (!list.success) return [];
    const results: SettleResult[] = [];
    const forward: Array<{ at: number; row: KeyRow; usage: z.infer<typeof SettleItemSchema>["usage"] }> = [];
    for (const input of list.data) {
      const parsed = SettleItemSchema.safeParse(input);
      if (!parsed.success || parsed.data.call || parsed.data.close) {
        results.push({ ok: false, reason: "invalid_request" });
        continue;
      }
      const { reservationId, usage } = parsed.data;
      const row = this.#openById.get(reservationId) ?? this.#row("SELECT * FROM keys WHERE id = ?", reservationId);
      if (!row) results.push({ ok: false, reason: "unknown_reservation" });
      else if (row.state === "settled") results.push({ ok: true, reservationId, chargedMicros: row.charged ?? 0, basis: "reported" });
      else if (row.state !== "open" && usage === null) results.push({ ok: false, reason: "released" });
      else {
        // Open, or a late settle after expiry: the provider billed it, so the charge is recorded.
        forward.push({ at: results.length, row, usage });
        results.push({ ok: false, reason: "unknown_reservation" });
      }
    }
    if (forward.length === 0) return results;
    const charged = await this.#forward(
      forward.map(({ row, usage }) => ({ reservationId: row.lease_id, usage, call: { id: row.id, heldMicros: row.reserved } })),
    );
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      forward.forEach(({ at, row, usage }, i) => {
        const result = charged[i];
        if (!result?.ok) {
          results[at] = result ?? { ok: false, reason: "unknown_reservation" };
          return;
        }
        results[at] = { ok: true, reservationId: row.id, chargedMicros: result.chargedMicros, basis: usage ? "reported" : "reservation" };
        this.#sql.exec("UPDATE keys SET state = 'settled', charged = ?, closed_at = ? WHERE id = ?", result.chargedMicros, now, row.id);
        if (this.#openById.get(row.id) === row) this.#end(row, row.reserved - result.chargedMicros);
        row.state = "settled";
        row.charged = result.chargedMicros;
      });
    });
    this.#closeDone();
    return results;
  }

  /** Gives a keyed call's hold back to its lease; `keySpent`: it reached the provider, so its key stays used. */
  async release(reservationId: unknown, keySpent?: unknown): Promise<{ released: boolean }> {
    const row = typeof reservationId === "string" ? this.#openById.get(reservationId) : undefined;
    if (!row) return { released: false };
    const state = keySpent === true ? "spent" : "released";
    this.#sql.exec("UPDATE keys SET state = ?, closed_at = ? WHERE id = ? AND state = 'open'", state, Date.now(), row.id);
    row.state = state;
    this.#end(row, row.reserved);
    this.#closeDone();
    return { released: true };
  }

  /** The org's limits or prices changed: no call draws on a lease granted before; each closes once its calls are done. */
  async retireLeases(): Promise<void> {
    this.#generation++;
    for (const lease of [...this.#leases.values()]) this.#retire(lease);
    this.#closeDone();
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const now = Date.now();
    for (const lease of [...this.#leases.values()]) {
      if (now >= lease.drawUntil) this.#retire(lease);
      else this.#ensureAlarm(lease.drawUntil);
    }
    for (const row of [...this.#openById.values()]) {
      if (row.expires_at <= now) this.#expire(row, now);
      else this.#ensureAlarm(row.expires_at);
    }
    this.#sql.exec("DELETE FROM keys WHERE state != 'open' AND closed_at < ?", now - CLOSED_RETENTION_MS);
    this.#closeDone();
  }

  // ── internals ────────────────────────────────────────────────────────────
  #keyAnswer(req: ReserveRequest, now: number): KeyAnswer {
    const fingerprint = req.fingerprint ?? null;
    const open = this.#openByKey.get(keyOf(req.agentId, req.idempotencyKey));
    if (open && open.expires_at <= now) this.#expire(open, now);
    else if (open) return { done: true, result: { ok: false, reason: open.fingerprint === fingerprint ? "in_progress" : "key_reused" } };
    const earlier = this.#row("SELECT * FROM keys WHERE agent_id = ? AND idem_key = ?", req.agentId, req.idempotencyKey);
    if (!earlier) return { done: false, reuseId: null };
    if (earlier.fingerprint !== fingerprint) return { done: true, result: { ok: false, reason: "key_reused" } };
    if (earlier.state === "settled")
      return { done: true, result: { ok: true, reservationId: earlier.id, reservedMicros: earlier.reserved, state: "settled" } };
    if (earlier.state === "expired") return { done: true, result: { ok: false, reason: "expired" } };
    if (earlier.state === "spent") return { done: true, result: { ok: false, reason: "spent" } };
    // Released: the call never reached the provider; the key is reserved again under its first id.
    return { done: false, reuseId: earlier.id };
  }

  #draw(lease: Lease, req: ReserveRequest, amount: number, reuseId: string | null, now: number): ReserveResult {
    const row: KeyRow = {
      id: reuseId ?? newId("rsv"),
      agent_id: req.agentId,
      idem_key: req.idempotencyKey,
      fingerprint: req.fingerprint ?? null,
      lease_id: lease.id,
      model: req.model,
      reserved: amount,
      charged: null,
      state: "open",
      expires_at: now + RESERVATION_TTL_MS,
      closed_at: null,
    };
    // One statement left to the object's implicit transaction; the answer waits for its commit.
    this.#sql.exec(
      `INSERT OR REPLACE INTO keys (id, agent_id, idem_key, fingerprint, lease_id, model, reserved, charged, state, expires_at, closed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'open', ?, NULL)`,
      row.id,
      row.agent_id,
      row.idem_key,
      row.fingerprint,
      row.lease_id,
      row.model,
      row.reserved,
      row.expires_at,
    );
    lease.left -= amount;
    lease.open++;
    this.#track(row);
    this.#ensureAlarm(row.expires_at);
    this.#closeDone();
    return { ok: true, reservationId: row.id, reservedMicros: amount, state: "open" };
  }

  /** Charges lease calls at the org together with the others of the window; rejects if the org cannot answer. */
  #forward(items: LeaseCallItem[]): Promise<SettleResult[]> {
    return new Promise((resolve, reject) => {
      if (this.#forwarding.length === 0) setTimeout(() => void this.#sendForwarded(), FORWARD_WINDOW_MS);
      this.#forwarding.push({ items, resolve, reject });
    });
  }

  async #sendForwarded() {
    const waiting = this.#forwarding.splice(0);
    // Callers' batches whole, up to FORWARD_MAX items per org call.
    const groups: Forwarding[][] = [];
    let size = FORWARD_MAX;
    for (const f of waiting) {
      if (size + f.items.length > FORWARD_MAX) {
        groups.push([]);
        size = 0;
      }
      groups.at(-1)?.push(f);
      size += f.items.length;
    }
    await Promise.all(
      groups.map(async (group) => {
        try {
          const results = await orgSpendStub(this.env, this.#orgId ?? "").settleMany(group.flatMap((f) => f.items));
          let at = 0;
          for (const f of group) {
            f.resolve(results.slice(at, at + f.items.length));
            at += f.items.length;
          }
        } catch (error) {
          for (const f of group) f.reject(error);
        }
      }),
    );
  }

  #requestLease(req: ReserveRequest): Promise<ReserveResult> {
    return orgSpendStub(this.env, req.orgId).reserve({
      orgId: req.orgId,
      idempotencyKey: `shard-lease-${crypto.randomUUID()}`,
      agentId: req.agentId,
      teamId: req.teamId,
      parentAgentId: req.parentAgentId ?? null,
      model: req.model,
      estimate: req.estimate,
      leaseCalls: LEASE_CALLS,
      shard: this.#index,
    });
  }

  #install(slot: string, id: string, reserved: number, price: SpendPrice, retired: boolean): Lease {
    const lease: Lease = { id, slot, price, left: reserved, drawUntil: Date.now() + LEASE_DRAW_MS, open: 0, retired, closed: false };
    this.#leasesById.set(id, lease);
    if (retired) return lease;
    const previous = this.#leases.get(slot);
    this.#leases.set(slot, lease);
    if (previous) this.#retire(previous);
    this.#ensureAlarm(lease.drawUntil);
    return lease;
  }

  #retire(lease: Lease) {
    lease.retired = true;
    if (this.#leases.get(lease.slot) === lease) this.#leases.delete(lease.slot);
  }

  #track(row: KeyRow) {
    this.#openByKey.set(keyOf(row.agent_id, row.idem_key), row);
    this.#openById.set(row.id, row);
  }

  /** A call's hold ends: what it did not use goes back to its lease (if still drawn from). */
  #end(row: KeyRow, returned: number) {
    this.#openByKey.delete(keyOf(row.agent_id, row.idem_key));
    this.#openById.delete(row.id);
    const lease = this.#leasesById.get(row.lease_id);
    if (!lease) return;
    lease.open--;
    if (!lease.retired) lease.left += returned;
  }

  /** Open past its lifetime: the call may have reached the provider, so the key answers `expired`. */
  #expire(row: KeyRow, now: number) {
    this.#sql.exec("UPDATE keys SET state = 'expired', closed_at = ? WHERE id = ? AND state = 'open'", now, row.id);
    row.state = "expired";
    this.#end(row, 0);
  }

  /** Retired leases whose calls are all done go back to the org, which releases what they still hold. */
  #closeDone() {
    const done = [...this.#leasesById.values()].filter((l) => l.retired && l.open <= 0 && !l.closed);
    if (done.length === 0 || !this.#orgId) return;
    for (const lease of done) {
      lease.closed = true;
      this.#leasesById.delete(lease.id);
    }
    const close = done.map((lease) => ({ reservationId: lease.id, usage: null, close: true as const }));
    // Not awaited by the caller's answer: a lost close only leaves the rest held until the org's expiry.
    void orgSpendStub(this.env, this.#orgId)
      .settleMany(close)
      .catch((error: unknown) => console.error("spend shard lease close failed; the org expires it", { error: String(error) }));
  }

  #row(query: string, ...args: string[]): KeyRow | undefined {
    return this.#sql.exec<KeyRow>(query, ...args).toArray()[0];
  }

  #ensureAlarm(at: number) {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }
}
