// Spend benchmark (not part of `npm test`): reserve+settle pairs per second through one org's OrgSpend,
// and the round-trip latency a reserve+settle adds to an LLM call. Run with `npm run bench:spend`.
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { reserveSpend, settleSpend } from "../../../workers/spend/client.js";
import { TEST_MODEL, key, setLimit, spendOrg } from "./support.js";

export interface SpendBenchResult {
  warmupPairs: number;
  pairs: number;
  concurrency: number;
  elapsedMs: number;
  pairsPerSecond: number;
  latency: { samples: number; meanMs: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
  /** Mean round trip of a read-only RPC to the same DO: the transport floor under the pair's two calls. */
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

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

it("measures reserve+settle throughput and latency for one org", { timeout: 3 * TIME_CAP_MS }, async ({ task }) => {
  const org = await spendOrg("bench", 4);
  // Limits at every scope, far above what the run spends, so each check walks all three.
  await setLimit(org, { scope: "org", period: "month", limitMicros: 1_000_000_000_000 });
  await setLimit(org, { scope: "team", scopeId: org.teamId, period: "day", limitMicros: 1_000_000_000_000 });
  for (const agent of org.agents) await setLimit(org, { scope: "agent", scopeId: agent.id, period: "total", limitMicros: 1_000_000_000_000 });
  const usage = { inputTokens: 800, outputTokens: 200, cachedTokens: 100 };
  const pair = async (i: number) => {
    const agent = org.agents[i % org.agents.length]!;
    const r = await reserveSpend(env, agent, TEST_MODEL, { inputTokens: 1_000, maxOutputTokens: 500 }, key("bench"));
    await settleSpend(env, agent, r.reservationId, usage);
  };

  const WARMUP = 200;
  for (let i = 0; i < WARMUP; i++) await pair(i);

  let next = 0;
  const started = performance.now();
  const deadline = Date.now() + TIME_CAP_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PAIRS && Date.now() < deadline) await pair(next++);
    }),
  );
  const elapsedMs = performance.now() - started;
  const done = next;

  const t1 = performance.now();
  for (let i = 0; i < LATENCY_SAMPLES; i++) await org.stub.limitStatus(org.orgId);
  const baselineRpcMeanMs = (performance.now() - t1) / LATENCY_SAMPLES;

  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES && Date.now() < deadline + TIME_CAP_MS; i++) {
    const t0 = performance.now();
    await pair(i);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  task.meta.spendBench = {
    warmupPairs: WARMUP,
    pairs: done,
    concurrency: CONCURRENCY,
    elapsedMs: round(elapsedMs),
    pairsPerSecond: Math.round((done / elapsedMs) * 1000),
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
