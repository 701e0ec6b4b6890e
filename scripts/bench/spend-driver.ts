// The spend benchmark's driver: a Worker started beside the edge in the same workerd (never
// deployed), bound to the edge's own OrgSpend and AuditLog classes, that drives one org's spend
// object with the proxy's spend client, exactly as the LLM routes call it. Node (spend.ts) seeds the
// org through the admin API, posts the run's parameters here and reads the figures back.
//
// Three ways of paying for a call are measured in one run:
// - leased: the proxy's path for calls without an Idempotency-Key (drawn from a lease, charged in batches);
// - batched: a reservation per call (calls with a key), the settle queued and batched per isolate;
// - unbatched: a reservation per call and one awaited settle call each.
import { flushQueuedSettles, orgSpendStub, queueSettle, reserveSpend, settleSpend, type SpendAgent } from "../../workers/spend/client.js";
import { LEASE_DRAW_MS, holdForCall, settleCall } from "../../workers/spend/credit.js";
import { recordAudit } from "../../workers/audit/audit.js";
import type { CapacityPoint, CapacitySweepResult, CapacitySweepRun, SpendDriverResult, SpendDriverRun, SpendPhase } from "./spend-types.js";

type DriverEnv = Pick<Env, "ORG_SPEND" | "AUDIT_LOG" | "ORG_SPEND_SHARD">;

const WARMUP = 200;
const USAGE = { inputTokens: 800, outputTokens: 200, cachedTokens: 100 };
const ESTIMATE = { inputTokens: 1_000, maxOutputTokens: 500 };

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number) => Math.round(n * 1000) / 1000;

async function run(env: Env, ctx: ExecutionContext, params: SpendDriverRun, pairMicros: number): Promise<SpendDriverResult> {
  const agents: SpendAgent[] = params.agentIds.map((id) => ({ id, orgId: params.orgId, teamId: params.teamId }));
  const stub = orgSpendStub(env, params.orgId);
  let keys = 0;
  const agentOf = (i: number) => agents[i % agents.length]!;
  const reserve = (i: number) => reserveSpend(env, agentOf(i), params.model, ESTIMATE, `bench-${Date.now()}-${keys++}`);
  const spent = async () => (await stub.limitStatus(params.orgId)).find((l) => l.scope === "org")!.spentMicros;

  // Background work (batched settles, lease retirement) is awaited before a phase's clock stops.
  const background: Array<Promise<unknown>> = [];
  const waitUntil = { waitUntil: (p: Promise<unknown>) => void background.push(p) };
  const drain = async () => {
    while (background.length) await Promise.all(background.splice(0));
  };

  const batchedPair = async (i: number) => {
    const r = await reserve(i);
    queueSettle(env, params.orgId, { reservationId: r.reservationId, usage: USAGE }, waitUntil);
  };
  const awaitedPair = async (i: number) => {
    const r = await reserve(i);
    await settleSpend(env, agentOf(i), r.reservationId, USAGE);
  };
  const audit = {
    orgId: params.orgId,
    actor: { type: "agent" as const, id: agents[0]!.id },
    action: "llm.request",
    resource: { type: "model", id: params.model },
    result: "success" as const,
  };
  const leasedPair = async (i: number) => {
    const hold = await holdForCall(env, agentOf(i), params.model, ESTIMATE, null, waitUntil);
    settleCall(env, hold, USAGE, audit, waitUntil);
  };

  /** `afterwards` runs after the clock stops and before the stored charges are checked. */
  const phase = async (name: string, pair: (i: number) => Promise<void>, afterwards?: () => Promise<void>): Promise<SpendPhase> => {
    const before = await spent();
    let next = 0;
    const started = performance.now();
    const deadline = Date.now() + params.timeCapMs;
    await Promise.all(
      Array.from({ length: params.concurrency }, async () => {
        while (next < params.pairs && Date.now() < deadline) await pair(next++);
      }),
    );
    // A pair counts once its charge is stored.
    await drain();
    const elapsedMs = performance.now() - started;
    await afterwards?.();
    const charged = (await spent()) - before;
    if (charged !== next * pairMicros) throw new Error(`${name}: ${next} pairs charged ${charged} µ$, expected ${next * pairMicros}`);
    return { pairs: next, elapsedMs: round(elapsedMs), pairsPerSecond: Math.round((next / elapsedMs) * 1000) };
  };

  for (let i = 0; i < WARMUP; i++) await awaitedPair(i);
  const leased = await phase("leased", leasedPair, async () => {
    // Leases close once their drawing time is up; the check waits for that.
    await new Promise((r) => setTimeout(r, LEASE_DRAW_MS + 50));
    await drain();
    await flushQueuedSettles(params.orgId);
  });
  const batched = await phase("batched", batchedPair);
  const unbatched = await phase("unbatched", awaitedPair);

  const t1 = performance.now();
  for (let i = 0; i < params.latencySamples; i++) await stub.limitStatus(params.orgId);
  const baselineRpcMeanMs = (performance.now() - t1) / params.latencySamples;

  const samples: number[] = [];
  const deadline = Date.now() + params.timeCapMs;
  const sequentialStart = performance.now();
  for (let i = 0; i < params.latencySamples && Date.now() < deadline; i++) {
    const t0 = performance.now();
    const r = await reserve(i);
    samples.push(performance.now() - t0);
    queueSettle(env, params.orgId, { reservationId: r.reservationId, usage: USAGE }, waitUntil);
  }
  const sequentialMs = performance.now() - sequentialStart;
  await drain();
  ctx.waitUntil(flushQueuedSettles(params.orgId));
  samples.sort((a, b) => a - b);
  return {
    warmupPairs: WARMUP,
    leased,
    batched,
    unbatched,
    latency: {
      samples: samples.length,
      meanMs: round(sequentialMs / Math.max(1, samples.length)),
      p50Ms: round(percentile(samples, 50)),
      p95Ms: round(percentile(samples, 95)),
      p99Ms: round(percentile(samples, 99)),
      maxMs: round(samples.at(-1) ?? 0),
    },
    baselineRpcMeanMs: round(baselineRpcMeanMs),
  };
}

/** Throughput and mean time per operation at each concurrency level: where the curve bends is the object's knee. */
async function sweep(env: Env, params: CapacitySweepRun): Promise<CapacitySweepResult> {
  const agents: SpendAgent[] = params.agentIds.map((id) => ({ id, orgId: params.orgId, teamId: params.teamId }));
  const shardedEnv = { ...env, SPEND_SHARDS: `${params.orgId}=${params.shards}` };
  const background: Array<Promise<unknown>> = [];
  const waitUntil = { waitUntil: (p: Promise<unknown>) => void background.push(p) };
  let keys = 0;
  const audit = {
    orgId: params.orgId,
    actor: { type: "agent" as const, id: agents[0]!.id },
    action: "llm.request",
    resource: { type: "model", id: params.model },
    result: "success" as const,
  };
  const keyed = (callEnv: Env) => async (i: number) => {
    const key = `cap-${Date.now()}-${keys++}`;
    const hold = await holdForCall(callEnv, agents[i % agents.length]!, params.model, ESTIMATE, { key, fingerprint: "0".repeat(64) }, waitUntil);
    settleCall(callEnv, hold, USAGE, audit, waitUntil);
  };
  const level = async (concurrency: number, op: (i: number) => Promise<void>): Promise<CapacityPoint> => {
    let next = 0;
    const started = performance.now();
    const deadline = Date.now() + params.timeCapMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < params.pairsPerLevel && Date.now() < deadline) await op(next++);
      }),
    );
    const elapsedMs = performance.now() - started;
    while (background.length) await Promise.all(background.splice(0));
    const opsPerSecond = (next / elapsedMs) * 1000;
    return { concurrency, ops: next, opsPerSecond: Math.round(opsPerSecond), meanMs: round((concurrency / opsPerSecond) * 1000) };
  };
  const curve = async (op: (i: number) => Promise<void>) => {
    const points: CapacityPoint[] = [];
    for (const concurrency of params.levels) points.push(await level(concurrency, op));
    return points;
  };
  await level(8, keyed(env)); // warm-up: the objects started, the code paths compiled
  return {
    orgSpend: await curve(keyed(env)),
    sharded: await curve(keyed(shardedEnv)),
    auditLog: await curve(async () => recordAudit(env, audit)),
  };
}

export default {
  async fetch(request: Request, env: DriverEnv, ctx: ExecutionContext): Promise<Response> {
    try {
      if (new URL(request.url).pathname === "/sweep") return Response.json(await sweep(env as Env, (await request.json()) as CapacitySweepRun));
      const params = (await request.json()) as SpendDriverRun & { pairMicros: number };
      // The spend client takes the edge's Env; the driver has the two bindings it uses.
      return Response.json(await run(env as Env, ctx, params, params.pairMicros));
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 500 });
    }
  },
};
