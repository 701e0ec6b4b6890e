// `npm run bench [-- --quick]`: every benchmark of the project against local servers, in one run.
// Writes bench/results.json and bench/summary.md (method and reading in docs/benchmarks.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jsStreamRelayWorker, relayWorker, startEdge } from "./edge.js";
import { benchEgress } from "./egress.js";
import { benchLlm } from "./llm.js";
import { summaryMarkdown } from "./summary.js";
import { benchWithdrawal } from "./withdrawal.js";

const root = path.resolve(import.meta.dirname, "../..");
const quick = process.argv.includes("--quick");
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const wanted = (name: string) => !only || only.includes(name);
const iterations = quick ? 300 : 2000;
const durationSec = quick ? 2 : 5;
const started = performance.now();

const results: Record<string, unknown> = {
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAverage1mAtStart: os.loadavg()[0],
  },
  mode: quick ? "quick" : "full",
  measuredOn:
    "workerd through Miniflare's API: the bundle `wrangler deploy` builds, on a socket workerd binds to the Worker (no wrangler dev proxy, no Miniflare entry Worker), fresh local D1/KV/DO storage",
  startedAt: new Date().toISOString(),
};

// Each on a fresh edge: a load phase leaves work behind (audit events still draining into D1)
// that would otherwise run during the next benchmark.
if (wanted("egress")) {
  const edge = await startEdge({}, { extraWorkers: [relayWorker()] });
  try {
    console.log("egress …");
    results.egress = await benchEgress(edge, { iterations, durationSec });
  } finally {
    await edge.close();
  }
}
if (wanted("llm")) {
  const edge = await startEdge({}, { extraWorkers: [relayWorker(), jsStreamRelayWorker()] });
  try {
    console.log("llm proxy vs portkey vs direct …");
    results.llm = await benchLlm(edge, { iterations: quick ? 200 : 1000, durationSec, throughputRounds: quick ? 1 : 3 });
  } finally {
    await edge.close();
  }
}

if (wanted("withdrawal")) {
  // Starts its own edges: one for the streams it suspends, two (default and immediate watch) for the hot-path cost.
  console.log("withdrawal (time to silence, cost of the watch) …");
  try {
    results.withdrawal = await benchWithdrawal({
      streams: 50,
      silenceRounds: quick ? 1 : 3,
      iterations: quick ? 300 : 1500,
      costRounds: quick ? 2 : 5,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`  withdrawal failed: ${reason}`);
    results.withdrawal = { error: reason };
  }
}

// The other benchmarks have their own scripts (each writes bench/<name>-results.json); they run
// one after another so none competes with another for the two cores.
const separate: { name: string; command: string[]; env?: Record<string, string>; file: string }[] = [
  { name: "pii", command: ["node_modules/.bin/tsx", "scripts/bench-pii.ts"], file: "bench/pii-results.json" },
  { name: "spend", command: ["node_modules/.bin/tsx", "scripts/bench/spend.ts"], file: "bench/spend-results.json" },
  { name: "audit", command: [process.execPath, "scripts/bench-audit.mjs"], file: "bench/audit-results.json" },
  {
    name: "tunnel",
    command: ["node_modules/.bin/tsx", "scripts/bench-tunnel.ts"],
    env: { BENCH_SMALL: quick ? "4000" : "20000" },
    file: "bench/tunnel-results.json",
  },
  { name: "sandbox", command: ["node_modules/.bin/tsx", "scripts/bench-sandbox.ts", quick ? "30" : "200"], file: "bench/sandbox-results.json" },
];
for (const bench of separate) {
  if (!wanted(bench.name)) continue;
  console.log(`${bench.name} …`);
  const t0 = performance.now();
  const [cmd, ...args] = bench.command as [string, ...string[]];
  const run = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...bench.env }, timeout: 300_000 });
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  const file = path.join(root, bench.file);
  if (run.status === 0 && existsSync(file)) {
    results[bench.name] = { ...JSON.parse(readFileSync(file, "utf8")), wallSeconds: seconds };
  } else {
    const reason =
      run.error?.message ?? `exit ${run.status ?? run.signal}: ${(run.stderr?.toString() ?? "").trim().split("\n").slice(-5).join(" | ")}`;
    console.error(`  ${bench.name} failed: ${reason}`);
    results[bench.name] = { error: reason, wallSeconds: seconds };
  }
}

results.totalSeconds = Math.round((performance.now() - started) / 1000);
mkdirSync(path.join(root, "bench"), { recursive: true });
writeFileSync(path.join(root, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
const summary = summaryMarkdown(results);
writeFileSync(path.join(root, "bench/summary.md"), summary);
// The files are committed: written as the repository's formatter (biome) writes them, so a run leaves lint green.
const formatted = spawnSync(path.join(root, "node_modules/.bin/biome"), ["format", "--write", "bench/"], { cwd: root, encoding: "utf8" });
if (formatted.status !== 0) console.error(`bench/ could not be formatted: ${formatted.stderr.trim().split("\n").slice(-3).join(" | ")}`);
console.log(summary);
console.log(`wrote bench/results.json and bench/summary.md in ${results.totalSeconds} s`);
