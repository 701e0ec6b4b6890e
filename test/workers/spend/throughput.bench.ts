// Spend benchmark (not part of `npm test`): reserve+settle pairs per second through one org's OrgSpend,
// and the round-trip latency the spend check adds to an LLM call. Run with `npm run bench:spend`.
//
// Two ways of settling are measured in the same run: the LLM proxy's (queueSettle: the settle
// leaves after the answer, batched per isolate) and one awaited settle call per pair.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { flushQueuedSettles, queueSettle, reserveSpend, settleSpend } from "../../../workers/spend/client.js";
import { LEASE_DRAW_MS, holdForCall, settleCall } from "../../../workers/spend/credit.js";
import { TEST_MODEL, key, setLimit, spendOrg } from "./support.js";

interface Phase {
  pairs: number;
  elapsedMs: number;
  pairsPerSecond: number;
}

export interface SpendBenchResult {
  warmupPairs: number;
  concurrency: number;
  /** The proxy's path for calls without an Idempotency-Key: drawn from a lease, charged in batches. */
  leased: Phase;
  /** The proxy's way: reserve awaited, settle queued and batched (all settles confirmed in the time). */
  batched: Phase;
  /** Every settle its own awaited DO call. */
  unbatched: Phase;
  pairs: number;
  pairsPerSecond: number;
  /** What a call waits for: the reserve round trip (the settle is off its path). */
  latency: { samples: number; meanMs: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
  /** Mean round trip of a read-only RPC to the same DO: the transport floor. */
  baselineRpcMeanMs: number;
}

declare module "vitest" {
  interface TaskMeta {
    spendBench?: SpendBenchResult;
  }
}

const PAIRS = 5_000;
const CONCURRENCY = 32;
const LATENCY_SAMPLES = 1_000;
/** Bounds the run even on a slow machine. */
const TIME_CAP_MS = 60_000;
const USAGE = { inputTokens: 800, outputTokens: 200, cachedTokens: 100 };
/** TEST_MODEL's price: 1 µ$ per input and output token, 0.5 per cached one. */
const PAIR_MICROS = 700 + 200 + 50;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number) => Math.round(n * 1000) / 1000;

it("measures reserve+settle throughput and latency for one org", { timeout: 4 * TIME_CAP_MS }, async ({ task }) => {
  const org = await spendOrg("bench", 4);
  // Limits at every scope, far above what the run spends, so each check walks all three.
  await setLimit(org, { scope: "org", period: "month", limitMicros: 1_000_000_000_000 });
  await setLimit(org, { scope: "team", scopeId: org.teamId, period: "day", limitMicros: 1_000_000_000_000 });
  for (const agent of org.agents) await setLimit(org, { scope: "agent", scopeId: agent.id, period: "total", limitMicros: 1_000_000_000_000 });
  const background: Array<Promise<unknown>> = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void background.push(p) };
  const reserve = (i: number) => reserveSpend(env, org.agents[i % org.agents.length]!, TEST_MODEL, { inputTokens: 1_000, maxOutputTokens: 500 }, key("bench"));
  const batchedPair = async (i: number) => {
    const r = await reserve(i);
    queueSettle(env, org.orgId, { reservationId: r.reservationId, usage: USAGE }, ctx);
  };
  const awaitedPair = async (i: number) => {
    const r = await reserve(i);
    await settleSpend(env, org.agents[i % org.agents.length]!, r.reservationId, USAGE);
  };
  const spent = async () => (await org.stub.limitStatus(org.orgId)).find((l) => l.scope === "org")!.spentMicros;

  const WARMUP = 200;
  for (let i = 0; i < WARMUP; i++) await awaitedPair(i);

  const drain = async () => {
    while (background.length) await Promise.all(background.splice(0));
  };
  /** `afterwards` runs after the clock stops and before the stored charges are checked. */
  const phase = async (pair: (i: number) => Promise<void>, afterwards?: () => Promise<void>): Promise<Phase> => {
    const before = await spent();
    let next = 0;
    const started = performance.now();
    const deadline = Date.now() + TIME_CAP_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < PAIRS && Date.now() < deadline) await pair(next++);
      }),
    );
    // A pair counts once its charge is stored.
    await drain();
    const elapsedMs = performance.now() - started;
    await afterwards?.();
    expect(await spent()).toBe(before + next * PAIR_MICROS);
    return { pairs: next, elapsedMs: round(elapsedMs), pairsPerSecond: Math.round((next / elapsedMs) * 1000) };
  };
  const audit = { orgId: org.orgId, actor: { type: "agent" as const, id: org.agents[0]!.id }, action: "llm.request", resource: { type: "model", id: TEST_MODEL }, result: "success" as const };
  const leasedPair = async (i: number) => {
    const agent = org.agents[i % org.agents.length]!;
    const hold = await holdForCall(env, agent, TEST_MODEL, { inputTokens: 1_000, maxOutputTokens: 500 }, null, ctx);
    settleCall(env, hold, USAGE, audit, ctx);
  };
  // Leases close once their drawing time is up; the check waits for that.
  const leasedPhase = () =>
    phase(leasedPair, async () => {
      await new Promise((r) => setTimeout(r, LEASE_DRAW_MS + 50));
      await drain();
      await flushQueuedSettles(org.orgId);
    });
  const leased = await leasedPhase();
  const batched = await phase(batchedPair);
  const unbatched = await phase(awaitedPair);

  const t1 = performance.now();
  for (let i = 0; i < LATENCY_SAMPLES; i++) await org.stub.limitStatus(org.orgId);
  const baselineRpcMeanMs = (performance.now() - t1) / LATENCY_SAMPLES;

  const samples: number[] = [];
  const deadline = Date.now() + TIME_CAP_MS;
  for (let i = 0; i < LATENCY_SAMPLES && Date.now() < deadline; i++) {
    const t0 = performance.now();
    const r = await reserve(i);
    samples.push(performance.now() - t0);
    queueSettle(env, org.orgId, { reservationId: r.reservationId, usage: USAGE }, ctx);
  }
  await drain();
  samples.sort((a, b) => a - b);
  task.meta.spendBench = {
    warmupPairs: WARMUP,
    concurrency: CONCURRENCY,
    leased,
    batched,
    unbatched,
    pairs: batched.pairs,
    pairsPerSecond: batched.pairsPerSecond,
    latency: {
      samples: samples.length,
      meanMs: round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)),
      p50Ms: round(percentile(samples, 50)),
      p95Ms: round(percentile(samples, 95)),
      p99Ms: round(percentile(samples, 99)),
      maxMs: round(samples.at(-1) ?? 0),
    },
    baselineRpcMeanMs: round(baselineRpcMeanMs),
  };
});
