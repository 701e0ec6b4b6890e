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

for (const [k, v] of Object.entries(testSecrets)) process.env[k] ??= v;
const root = path.join(import.meta.dirname, "..");

/** Receives the figures the workerd-side run put in the test's meta and writes them down. */
const resultsReporter = {
  onTestCaseResult(testCase: TestCase) {
    const figures = testCase.meta().spendBench;
    if (!figures) return;
    const out = path.join(root, "bench", "spend-results.json");
    mkdirSync(path.dirname(out), { recursive: true });
    const record = { benchmark: "spend reserve+settle, one org", at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, storage: os.tmpdir(), loadAverage1m: os.loadavg()[0], ...figures };
    writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
    const l = figures.latency;
    console.log(
      `spend: ${figures.pairsPerSecond} reserve+settle pairs/s (${figures.pairs} pairs, concurrency ${figures.concurrency}); ` +
        `round trip mean ${l.meanMs} ms, p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms (bare RPC ${figures.baselineRpcMeanMs} ms) → bench/spend-results.json`,
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
