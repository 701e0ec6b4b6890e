// Vitest config for the spend benchmark: runs test/workers/spend/throughput.bench.ts inside workerd and
// writes its figures to bench/spend-results.json (`npm run bench:spend`). Local DO storage lives under
// the temp dir, so each commit pays that disk's fsync; TMPDIR=/dev/shm measures without it.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { TestCase } from "vitest/node";
import { testSecrets } from "../test/support/secrets.js";
import { workerdCpu } from "./bench/workerd-cpu.js";

for (const [k, v] of Object.entries(testSecrets)) process.env[k] ??= v;
const root = path.join(import.meta.dirname, "..");

/** Total workerd CPU ms so far (pairs per CPU-second says more than wall-clock pairs per second). */
function workerdCpuMs(): number | null {
  const cpu = workerdCpu();
  return cpu === null ? null : cpu.userMs + cpu.sysMs;
}

let cpuAtStart: number | null = null;

/** Receives the figures the workerd-side run put in the test's meta and writes them down. */
const resultsReporter = {
  onTestCaseReady() {
    cpuAtStart = workerdCpuMs();
  },
  onTestCaseResult(testCase: TestCase) {
    const figures = testCase.meta().spendBench;
    if (!figures) return;
    const cpuEnd = workerdCpuMs();
    // Every pair of the run: warm-up, throughput and latency phases (setup is a few dozen requests).
    const allPairs = figures.warmupPairs + figures.leased.pairs + figures.batched.pairs + figures.unbatched.pairs + figures.latency.samples;
    const cpuMs = cpuAtStart !== null && cpuEnd !== null ? cpuEnd - cpuAtStart : null;
    const cpu = cpuMs === null ? null : { workerdCpuMs: cpuMs, pairs: allPairs, cpuMsPerPair: Math.round((cpuMs / allPairs) * 1000) / 1000, pairsPerCpuSecond: Math.round((allPairs / cpuMs) * 1000) };
    const out = path.join(root, "bench", "spend-results.json");
    mkdirSync(path.dirname(out), { recursive: true });
    const record = { benchmark: "spend reserve+settle, one org", at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, storage: os.tmpdir(), loadAverage1m: os.loadavg()[0], ...figures, cpu };
    writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
    const l = figures.latency;
    console.log(
      `spend: ${figures.leased.pairsPerSecond} calls held and charged/s through leases, ${figures.batched.pairsPerSecond} reserve+settle pairs/s with batched settles, ${figures.unbatched.pairsPerSecond} with one settle call each ` +
        `(${figures.pairs} pairs, concurrency ${figures.concurrency}); reserve round trip mean ${l.meanMs} ms, p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms (bare RPC ${figures.baselineRpcMeanMs} ms)` +
        (cpu ? `; workerd CPU ${cpu.cpuMsPerPair} ms/pair = ${cpu.pairsPerCpuSecond} pairs per CPU-second` : "") +
        " → bench/spend-results.json",
    );
  },
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "schema/migrations"));
  return {
    root,
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: { bindings: { ...testSecrets, ALLOW_PRIVATE_UPSTREAMS: "true", TEST_MIGRATIONS: migrations } },
      }),
    ],
    test: {
      name: "spend-bench",
      include: [process.env.SPEND_BENCH_FILE ?? "test/workers/spend/throughput.bench.ts"],
      setupFiles: ["test/workers/setup.ts"],
      reporters: ["default", resultsReporter],
    },
  };
});
