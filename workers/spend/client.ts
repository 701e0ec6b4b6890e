// What the LLM proxy calls around every provider call: reserve, then settle or release. Fails closed.
import {
  type ReserveResult,
  type SettleResult,
  ReserveRequestSchema,
  type SpendEstimate,
  type SpendPrice,
  type SpendUsage,
  SpendUsageSchema,
  ReservationIdSchema,
} from "../../schema/spend.js";
import { type AuditEvent, recordAudit } from "../audit/audit.js";
import { AppError } from "../errors.js";
import { IsolateBatcher, type WaitUntil } from "../http/isolate-batch.js";
import { MAX_SPEND_SHARDS, MAX_TOKENS } from "../../schema/spend.js";
import { orgSpendShardStub, parseShardName, shardName } from "./shards.js";

/** The agent a call is made for: an AgentRow fits. A subagent's call also counts against its parent's agent limits. */
export interface SpendAgent {
  id: string;
  orgId: string;
  teamId: string | null;
  parentAgentId?: string | null;
}

export interface Reservation {
  reservationId: string;
  reservedMicros: number;
  /** "settled": a retry of an idempotency key already charged; do not call the provider again. */
  state: "open" | "settled";
  /** With a lease: the model's price, for the isolate's own arithmetic. */
  price?: SpendPrice;
  /** The spend shard that holds it (workers/spend/shards.ts), or null: the org's OrgSpend. */
  shard: number | null;
}

/** The DO answers in well under a millisecond; past this it is treated as unreachable. */
export const SPEND_TIMEOUT_MS = 2_000;

export function orgSpendStub(env: Env, orgId: string) {
  return env.ORG_SPEND.get(env.ORG_SPEND.idFromName(orgId));
}

/** The object that holds a reservation: the org's OrgSpend, or one of its spend shards. */
function holderStub(env: Env, orgId: string, shard: number | null) {
  return shard === null ? orgSpendStub(env, orgId) : orgSpendShardStub(env, orgId, shard);
}

/** Runs one DO call; a throw, an overload or a timeout becomes 503 `unavailable`, never a pass. */
async function guarded<T>(what: string, run: () => Promise<T>, timeoutMs = SPEND_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError("unavailable", "spend accounting did not answer; try again")), timeoutMs);
  });
  try {
    return await Promise.race([run(), timeout]);
  } catch (error) {
    if (error instanceof AppError) throw error;
    console.error("spend DO call failed", { what, error: String(error) });
    throw new AppError("unavailable", "spend accounting is unavailable; try again", { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Holds the call's upper-bound cost before it goes to the provider. Throws 429 `spend_limit` when a
 * limit of the org, team, agent or its parent would be passed, 400 for a model without a price,
 * 503 when the org's spend DO cannot answer. The same idempotencyKey never reserves (or charges)
 * twice: 409 `in_progress` while its call is open, 409 `conflict` once it expired unsettled or
 * reached the provider and failed, 422 `idempotency_key_reused` with another fingerprint; a
 * settled key returns state "settled".
 */
export async function reserveSpend(
  env: Env,
  agent: SpendAgent,
  model: string,
  estimate: SpendEstimate,
  idempotencyKey: string,
  options: { timeoutMs?: number; leaseCalls?: number; fingerprint?: string; shard?: number | null } = {},
): Promise<Reservation> {
  const shard = options.shard ?? null;
  const request = ReserveRequestSchema.safeParse({
    orgId: agent.orgId,
    idempotencyKey,
    agentId: agent.id,
    teamId: agent.teamId,
    parentAgentId: agent.parentAgentId ?? null,
    model,
    estimate,
    ...(options.fingerprint ? { fingerprint: options.fingerprint } : {}),
    ...(options.leaseCalls ? { leaseCalls: options.leaseCalls } : {}),
  });
  if (!request.success)
    throw new AppError("bad_request", "invalid spend reservation", { details: { fields: request.error.issues.map((i) => i.path.join(".")) } });
  // One DO call per reserve: batching reserves of concurrent requests would mean one request
  // waking another's promise, which Workers refuse ("Cannot perform I/O on behalf of a different
  // request"). Leases (credit.ts) are what spare most calls this round trip.
  const result = await guarded<ReserveResult>(
    "reserve",
    async () => await holderStub(env, agent.orgId, shard).reserve(request.data),
    options.timeoutMs,
  );
  if (result.ok)
    return {
      reservationId: result.reservationId,
      reservedMicros: result.reservedMicros,
      state: result.state,
      shard,
      ...(result.price ? { price: result.price } : {}),
    };
  if (result.reason === "invalid_request") throw new AppError("bad_request", "invalid spend reservation");
  if (result.reason === "in_progress")
    throw new AppError("in_progress", "a request with this Idempotency-Key is still in progress; retry once it has finished");
  if (result.reason === "key_reused")
    throw new AppError("idempotency_key_reused", "this Idempotency-Key was already used for a different request; use a new key");
  if (result.reason === "expired")
    throw new AppError("conflict", "the request with this Idempotency-Key ended without a result and may have reached the provider; use a new key");
  if (result.reason === "spent")
    throw new AppError(
      "conflict",
      "the request with this Idempotency-Key reached the provider and failed; a key buys one provider call: use a new key",
      {
        details: { reason: "idempotency_key_spent" },
      },
    );
  if (result.reason === "unpriced_model") throw new AppError("bad_request", "this model has no price configured; ask an admin to add one");
  throw new AppError("spend_limit", `${result.scope} spend limit (${result.period}) reached`, {
    details: { scope: result.scope, period: result.period, limitMicros: result.limitMicros, spentMicros: result.spentMicros },
  });
}

/**
 * Charges what the provider reported (inputTokens includes cachedTokens), or the whole reservation
 * when it reported nothing (null). Retried once, since it is idempotent; returns the charge.
 */
export async function settleSpend(
  env: Env,
  agent: Pick<SpendAgent, "orgId">,
  reservationId: string,
  usage: SpendUsage | null,
  options: { timeoutMs?: number } = {},
): Promise<{ chargedMicros: number }> {
  const id = ReservationIdSchema.parse(reservationId);
  const parsed = usage === null ? null : SpendUsageSchema.parse(usage);
  const run = () => guarded<SettleResult>("settle", async () => await orgSpendStub(env, agent.orgId).settle(id, parsed), options.timeoutMs);
  const result = await run().catch(run);
  if (!result.ok) {
    // Nothing left to charge (released, or never reserved); the proxy has nothing to undo.
    console.error("spend settle found no open reservation", { reason: result.reason });
    return { chargedMicros: 0 };
  }
  return { chargedMicros: result.chargedMicros };
}

/**
 * Settles go out in batches per org and isolate (one DO call and one storage commit for many),
 * within this window of the call's end. Until then the call's reservation, an upper bound of the
 * charge, still counts against every limit, so waiting never lets spend past a limit.
 */
export const SETTLE_BATCH_WINDOW_MS = 10;
const SETTLE_BATCH_MAX = 100;

export interface QueuedSettle {
  reservationId: string;
  usage: SpendUsage | null;
  /** A call drawn from a lease (its id and held part), or the end of a lease; see SettleItemSchema. */
  call?: { id: string; heldMicros: number };
  close?: true;
  /** Recorded once the charge is known, with details.costMicros set (null if settling failed). */
  audit?: AuditEvent;
}

const settleBatches = new IsolateBatcher<{ env: Env; item: QueuedSettle }>({
  windowMs: SETTLE_BATCH_WINDOW_MS,
  maxItems: SETTLE_BATCH_MAX,
  // Keyed by the holder: an org id (its OrgSpend) or a shard's name.
  send: async (holder, queued, ctx) => {
    const env = queued[0]?.env;
    if (!env) return;
    const shard = parseShardName(holder);
    const orgId = shard?.orgId ?? holder;
    const payload = queued.map(({ item }) => ({
      reservationId: item.reservationId,
      usage: item.usage,
      ...(item.call ? { call: item.call } : {}),
      ...(item.close ? { close: item.close } : {}),
    }));
    const run = () => guarded<SettleResult[]>("settleMany", async () => await holderStub(env, orgId, shard?.index ?? null).settleMany(payload));
    // Idempotent, so one retry; if both fail the reservations expire (released) and it is logged.
    const results = await run()
      .catch(run)
      .catch((error: unknown) => {
        console.error("spend settle batch failed; reservations will expire", { orgId, count: payload.length, error: String(error) });
        return [] as SettleResult[];
      });
    const audits: Array<Promise<void>> = [];
    queued.forEach(({ item }, i) => {
      const result = results[i];
      if (result && !result.ok) console.error("spend settle found no open reservation", { reason: result.reason });
      if (!item.audit) return;
      const event = { ...item.audit, details: { ...item.audit.details, costMicros: result?.ok ? result.chargedMicros : null } };
      audits.push(ctx ? recordAudit(env, event, ctx) : recordAudit(env, event));
    });
    await Promise.all(audits);
  },
});

/**
 * Settles off the call's path: the answer is already on its way to the agent, and the charge
 * follows within SETTLE_BATCH_WINDOW_MS together with the settles of other calls. Returns the
 * usage that will be charged (null: the whole hold).
 */
export function queueSettle(env: Env, orgId: string, item: QueuedSettle, ctx: WaitUntil, shard: number | null = null): SpendUsage | null {
  // Usage a provider reports out of any sane range counts as none: the call is charged its hold.
  // (The rest of the item is this isolate's own; OrgSpend validates the whole item on arrival.)
  let usage = item.usage;
  if (usage !== null && !isSpendUsage(usage)) {
    console.error("provider usage out of range; charging the hold");
    usage = null;
  }
  settleBatches.add(shard === null ? orgId : shardName(orgId, shard), { env, item: { ...item, usage } }, ctx);
  return usage;
}

const isTokenCount = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= MAX_TOKENS;
const USAGE_KEYS = new Set(["inputTokens", "outputTokens", "cachedTokens"]);

/**
 * Whether usage passes SpendUsageSchema. The shape the usage readers build (three plain counts in
 * range, no other key) is accepted without running zod, once per call; anything else is decided
 * by the schema. Keys are walked as zod walks them (for…in, inherited ones included).
 */
export function isSpendUsage(usage: unknown): boolean {
  if (typeof usage === "object" && usage !== null && !Array.isArray(usage)) {
    let keys = 0;
    let plain = true;
    for (const key in usage) {
      if (!USAGE_KEYS.has(key)) plain = false;
      keys++;
    }
    const { inputTokens, outputTokens, cachedTokens } = usage as Record<string, unknown>;
    if (plain && keys === 3 && isTokenCount(inputTokens) && isTokenCount(outputTokens) && isTokenCount(cachedTokens)) return true;
  }
  return SpendUsageSchema.safeParse(usage).success;
}

/** Sends this isolate's queued settles of an org now (before a usage or limit read). */
export async function flushQueuedSettles(orgId: string): Promise<void> {
  const holders = [orgId, ...Array.from({ length: MAX_SPEND_SHARDS }, (_, i) => shardName(orgId, i))];
  await Promise.all(holders.map((holder) => settleBatches.flush(holder)));
}

/**
 * Gives the hold back when the call failed before the provider billed anything. Idempotent.
 * `keySpent`: the call reached the provider, so its idempotency key is used up all the same.
 */
export async function releaseSpend(
  env: Env,
  agent: Pick<SpendAgent, "orgId">,
  reservationId: string,
  options: { timeoutMs?: number; keySpent?: boolean; shard?: number | null } = {},
): Promise<void> {
  const id = ReservationIdSchema.parse(reservationId);
  // If this fails the alarm releases the hold at expiry (the key then answers "expired", never a second call).
  await guarded("release", () => holderStub(env, agent.orgId, options.shard ?? null).release(id, options.keySpent === true), options.timeoutMs).catch(
    (error: unknown) => {
      console.error("spend release failed; expiry will release it", { error: String(error) });
    },
  );
}

/**
 * Makes the org's DO re-read limits and prices from D1 now, so a change is enforced from the
 * moment the admin API answers. On failure the change is saved but the caller gets 503; the DO
 * re-reads on its own within a minute. Returns the agents whose calls in flight now hold more
 * than a (lowered) limit allows.
 */
export async function pushSpendConfig(env: Env, orgId: string): Promise<string[]> {
  const { overLimitAgents } = await guarded("reloadConfig", () => orgSpendStub(env, orgId).reloadConfig(orgId));
  return overLimitAgents;
}

/** Live spend against each limit, for the admin API and dashboard. */
export async function spendStatus(env: Env, orgId: string) {
  const rows = await guarded("limitStatus", () => orgSpendStub(env, orgId).limitStatus(orgId));
  return rows.map((r) => ({
    id: r.id,
    scope: r.scope,
    scopeId: r.scopeId,
    period: r.period,
    limitMicros: r.limitMicros,
    thresholds: r.thresholds,
    window: r.window,
    spentMicros: r.spentMicros,
    reservedMicros: r.reservedMicros,
  }));
}

/** Best effort: writes the DO's queued ledger rows to D1 before a usage report; the report reads D1 anyway. */
export async function flushSpendLedger(env: Env, orgId: string): Promise<void> {
  await guarded("flush", () => orgSpendStub(env, orgId).flush()).catch(() => undefined);
}
