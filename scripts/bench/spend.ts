// `npm run bench:spend`: reserve+settle pairs per second through one org's OrgSpend, and the reserve
// round trip an LLM call waits for, on the edge as it runs in production (the deployed bundle on
// workerd, local durable storage on disk). A driver Worker (spend-driver.ts) in the same workerd is
// bound to the edge's OrgSpend and AuditLog classes and calls them with the proxy's own spend
// client; the org, its team, agents, price and limits are made through the admin API.
// Writes bench/spend-results.json.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SpendDriverResult, SpendDriverRun } from "./spend-types.js";
import { api, benchOrg } from "./edge.js";
import { withSpendDriverEdge } from "./spend-edge.js";
import { workerdCpu } from "./workerd-cpu.js";

const root = path.resolve(import.meta.dirname, "../..");
const PAIRS = Number(process.env.SPEND_BENCH_PAIRS ?? 5_000);
const CONCURRENCY = 32;
const AGENTS = 4;
const MODEL = "bench-model";
/** 1 µ$ per input and output token, 0.5 per cached one: the driver's usage (800 in, 100 of them cached, 200 out) costs 950 µ$. */
const PAIR_MICROS = 700 + 200 + 50;
const FAR = 1_000_000_000_000;

const cpuMs = () => {
  const cpu = workerdCpu();
  return cpu === null ? null : cpu.userMs + cpu.sysMs;
};

await withSpendDriverEdge(async (edge) => {
  const { orgId, apiKey } = await benchOrg(edge);
  const team = await api(edge, "POST", `/api/v1/orgs/${orgId}/teams`, apiKey, { name: "spend-bench" });
  const agentIds: string[] = [];
  for (let i = 0; i < AGENTS; i++)
    agentIds.push((await api(edge, "POST", `/api/v1/orgs/${orgId}/agents`, apiKey, { name: `spend-bench-${i}`, teamId: team.id })).id);
  await api(edge, "POST", `/api/v1/orgs/${orgId}/prices`, apiKey, {
    model: MODEL,
    inputMicrosPerMTok: 1_000_000,
    outputMicrosPerMTok: 1_000_000,
    cachedMicrosPerMTok: 500_000,
  });
  // Limits at every scope, far above what the run spends, so each check walks all three.
  await api(edge, "POST", `/api/v1/orgs/${orgId}/limits`, apiKey, { scope: "org", period: "month", limitMicros: FAR });
  await api(edge, "POST", `/api/v1/orgs/${orgId}/limits`, apiKey, { scope: "team", scopeId: team.id, period: "day", limitMicros: FAR });
  for (const id of agentIds)
    await api(edge, "POST", `/api/v1/orgs/${orgId}/limits`, apiKey, { scope: "agent", scopeId: id, period: "total", limitMicros: FAR });

  const run: SpendDriverRun & { pairMicros: number } = {
    orgId,
    teamId: team.id,
    agentIds,
    model: MODEL,
    pairs: PAIRS,
    concurrency: CONCURRENCY,
    latencySamples: 1_000,
    timeCapMs: 60_000,
    pairMicros: PAIR_MICROS,
  };
  const cpuAtStart = cpuMs();
  const res = await fetch(await edge.directUrl("spend-driver"), { method: "POST", body: JSON.stringify(run) });
  const figures = (await res.json()) as SpendDriverResult & { error?: string };
  if (!res.ok) throw new Error(`spend driver: ${figures.error ?? res.status}`);
  const cpuEnd = cpuMs();
  // Every pair of the run: warm-up, the three throughput phases and the latency samples.
  const allPairs = figures.warmupPairs + figures.leased.pairs + figures.batched.pairs + figures.unbatched.pairs + figures.latency.samples;
  const cpu =
    cpuAtStart === null || cpuEnd === null
      ? null
      : {
          workerdCpuMs: cpuEnd - cpuAtStart,
          pairs: allPairs,
          cpuMsPerPair: Math.round(((cpuEnd - cpuAtStart) / allPairs) * 1000) / 1000,
          pairsPerCpuSecond: Math.round((allPairs / (cpuEnd - cpuAtStart)) * 1000),
        };
  const record = {
    benchmark: "spend reserve+settle, one org",
    measuredOn: "the deployed bundle on workerd (Miniflare's API), a driver Worker bound to its OrgSpend class, local DO storage on disk",
    at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    storage: os.tmpdir(),
    loadAverage1m: os.loadavg()[0],
    concurrency: CONCURRENCY,
    ...figures,
    pairs: figures.batched.pairs,
    pairsPerSecond: figures.batched.pairsPerSecond,
    cpu,
  };
  const out = path.join(root, "bench", "spend-results.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  const l = figures.latency;
  console.log(
    `spend: ${figures.leased.pairsPerSecond} calls held and charged/s through leases, ${figures.batched.pairsPerSecond} reserve+settle pairs/s with batched settles, ` +
      `${figures.unbatched.pairsPerSecond} with one settle call each (${PAIRS} pairs each, concurrency ${CONCURRENCY}); reserve round trip mean ${l.meanMs} ms, ` +
      `p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms (bare RPC ${figures.baselineRpcMeanMs} ms)` +
      (cpu ? `; workerd CPU ${cpu.cpuMsPerPair} ms/pair = ${cpu.pairsPerCpuSecond} pairs per CPU-second` : "") +
      " → bench/spend-results.json",
  );
});
