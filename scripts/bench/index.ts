// `npm run bench`: every benchmark of the project against local servers, in one run. Writes
// bench/results.json and bench/summary.md (summarised in docs/benchmarks.md).
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEdge } from "./edge.js";
import { benchEgress } from "./egress.js";

const root = path.resolve(import.meta.dirname, "../..");
const quick = process.argv.includes("--quick");
const iterations = quick ? 300 : 2000;
const durationSec = quick ? 2 : 5;

const results: Record<string, unknown> = {
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
  measuredOn: "workerd through Miniflare's API (the deployed bundle), not wrangler dev's proxy",
  startedAt: new Date().toISOString(),
};

const edge = await startEdge();
try {
  console.log("egress …");
  results.egress = await benchEgress(edge, { iterations, durationSec });
} finally {
  await edge.close();
}

mkdirSync(path.join(root, "bench"), { recursive: true });
writeFileSync(path.join(root, "bench/results.json"), JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
