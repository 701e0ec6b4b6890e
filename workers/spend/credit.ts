// Spend credit: an isolate's lease on an org's budget, so most LLM calls are held against a
// limit without a Durable Object round trip (that round trip was the largest cost of a call).
//
// The org's OrgSpend grants a lease (a reservation worth several calls, never more than a share
// of what any limit has left), and this isolate draws calls from it. Each call's charge is still
// settled at the DO, which moves it from the lease's hold to spent; the lease's rest is released
// when the isolate closes it (or by expiry if the isolate dies). Limits therefore hold exactly as
// with one reservation per call: everything drawn is held at the DO first. Calls with an
// Idempotency-Key always reserve at the DO, which is what makes a retried key charge once.
import type { AuditEvent } from "../audit/audit.js";
import type { SpendEstimate, SpendPrice, SpendUsage } from "../../schema/spend.js";
import type { WaitUntil } from "../http/isolate-batch.js";
import { newId } from "../ids.js";
import { estimateMicros, usageMicros } from "./pricing.js";
import { type Reservation, type SpendAgent, queueSettle, releaseSpend, reserveSpend } from "./client.js";
import { spendShardOf } from "./shards.js";

/** A lease asks for this many calls of the first call's size (the DO may grant less). */
export const LEASE_CALLS = 16;
/** New calls draw from a lease for this long; it is closed once that time is up and its calls are done. */
export const LEASE_DRAW_MS = 1_000;

interface Credit {
  key: string;
  orgId: string;
  leaseId: string;
  /** When the DO granted the lease: a spend cut after this ends the calls drawn from it. */
  takenAt: number;
  price: SpendPrice;
  /** Part of the lease no call holds, as this isolate counts it. */
  leftMicros: number;
  drawUntil: number;
  /** Calls drawn and not yet settled or released. */
  open: number;
  retired: boolean;
  closed: boolean;
}

const credits = new Map<string, Credit>();

/** What one LLM call holds: its own reservation at the DO, or a draw on this isolate's lease. */
export type CallHold =
  | { kind: "reservation"; orgId: string; reservation: Reservation }
  | { kind: "draw"; credit: Credit; callId: string; heldMicros: number };

/** An Idempotency-Key and the fingerprint of the request it stands for (workers/spend/fingerprint.ts). */
export interface IdempotentCall {
  key: string;
  fingerprint: string;
}

/**
 * Holds a call's upper-bound cost: from the agent's current lease for the model when it has
 * room, else with a new lease (or, with an idempotency key, a reservation of its own). Throws
 * like reserveSpend: 429 spend_limit, 400 unpriced model, 503 when the DO cannot answer, and for
 * a key already in use 409 / 422.
 */
export async function holdForCall(
  env: Env,
  agent: SpendAgent,
  model: string,
  estimate: SpendEstimate,
  idempotency: IdempotentCall | null,
  ctx: WaitUntil,
): Promise<CallHold> {
  if (idempotency !== null) {
    // A sharded org's keyed calls go to their agent's shard (workers/spend/shards.ts); keys are per agent.
    const reservation = await reserveSpend(env, agent, model, estimate, idempotency.key, {
      fingerprint: idempotency.fingerprint,
      shard: spendShardOf(env, agent),
    });
    return { kind: "reservation", orgId: agent.orgId, reservation };
  }
  const key = `${agent.orgId}\u0000${agent.id}\u0000${model}`;
  const now = Date.now();
  const current = credits.get(key);
  if (current && !current.retired && now < current.drawUntil) {
    const held = Math.max(1, estimateMicros(current.price, estimate));
    if (held <= current.leftMicros) {
      current.leftMicros -= held;
      current.open++;
      return { kind: "draw", credit: current, callId: newId("rsv"), heldMicros: held };
    }
  }
  const lease = await reserveSpend(env, agent, model, estimate, crypto.randomUUID(), { leaseCalls: LEASE_CALLS });
  if (!lease.price) throw new Error("spend lease granted without a price");
  const held = Math.max(1, estimateMicros(lease.price, estimate));
  const credit: Credit = {
    key,
    orgId: agent.orgId,
    leaseId: lease.reservationId,
    takenAt: now,
    price: lease.price,
    leftMicros: lease.reservedMicros - held,
    drawUntil: Date.now() + LEASE_DRAW_MS,
    open: 1,
    retired: false,
    closed: false,
  };
  const previous = credits.get(key);
  credits.set(key, credit);
  if (previous) retire(env, previous, ctx);
  // The request that took the lease closes it when its drawing time is up (if its calls are done by then).
  ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, LEASE_DRAW_MS)).then(() => retire(env, credit, ctx)));
  return { kind: "draw", credit, callId: newId("rsv"), heldMicros: held };
}

/**
 * The call finished: its charge (usage, or its whole hold when the provider reported none) is
 * settled. Returns the charge when this isolate knows the price (a draw on its lease), else null
 * (a reservation is priced at the org's DO).
 */
export function settleCall(env: Env, hold: CallHold, usage: SpendUsage | null, audit: AuditEvent, ctx: WaitUntil): number | null {
  if (hold.kind === "reservation") {
    queueSettle(env, hold.orgId, { reservationId: hold.reservation.reservationId, usage, audit }, ctx, hold.reservation.shard);
    return null;
  }
  const { credit } = hold;
  const charging = queueSettle(
    env,
    credit.orgId,
    { reservationId: credit.leaseId, usage, call: { id: hold.callId, heldMicros: hold.heldMicros }, audit },
    ctx,
  );
  // What the call held and did not use goes back to the lease (an overrun takes from it).
  const charged = charging ? usageMicros(credit.price, charging) : hold.heldMicros;
  endDraw(env, hold, hold.heldMicros - charged, ctx);
  return charged;
}

/**
 * The call failed before the provider billed anything: its hold is given back. `reachedProvider`:
 * the provider had the request (it answered with an error), so an idempotency key stays used.
 */
export async function releaseCall(env: Env, agent: SpendAgent, hold: CallHold, ctx: WaitUntil, reachedProvider = false): Promise<void> {
  if (hold.kind === "reservation")
    return releaseSpend(env, agent, hold.reservation.reservationId, { keySpent: reachedProvider, shard: hold.reservation.shard });
  endDraw(env, hold, hold.heldMicros, ctx);
}

function endDraw(env: Env, hold: Extract<CallHold, { kind: "draw" }>, returnedMicros: number, ctx: WaitUntil) {
  const { credit } = hold;
  credit.open--;
  if (credit.retired) closeIfDone(env, credit, ctx);
  else credit.leftMicros += returnedMicros;
}

/** When the lease a call draws on was granted; null for a call with its own reservation. */
export const leaseTakenAt = (hold: CallHold): number | null => (hold.kind === "draw" ? hold.credit.takenAt : null);

/**
 * No new call of this isolate draws on the org's leases any more: each goes to the DO, which
 * applies the org's limits as they are now. Called when a limit or price of the org changes, and
 * when a call drawn from a lease was cut by a spend limit.
 */
export function retireLeasesOf(env: Env, orgId: string, ctx: WaitUntil): void {
  for (const credit of [...credits.values()]) if (credit.orgId === orgId) retire(env, credit, ctx);
}

/** No new calls draw from this lease; it is closed as soon as its last call is done. */
function retire(env: Env, credit: Credit, ctx: WaitUntil) {
  credit.retired = true;
  if (credits.get(credit.key) === credit) credits.delete(credit.key);
  closeIfDone(env, credit, ctx);
}

function closeIfDone(env: Env, credit: Credit, ctx: WaitUntil) {
  if (credit.open > 0 || credit.closed) return;
  credit.closed = true;
  queueSettle(env, credit.orgId, { reservationId: credit.leaseId, usage: null, close: true }, ctx);
}
