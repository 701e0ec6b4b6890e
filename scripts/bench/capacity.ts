// `npm run bench:capacity`: where one org's objects saturate. Keyed calls' spend work (reserve +
// batched settle) at the org's one OrgSpend, the same through 4 OrgSpendShards, and one AuditLog
// append per event, each at rising concurrency, on the deployed bundle on workerd (the spend
// driver Worker, spend-driver.ts, bound to the edge's classes). The machine's load is printed:
// on a shared machine the figures are a floor, not a capacity. Writes bench/capacity-results.json.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { api, benchOrg } from "./edge.js";
import { withSpendDriverEdge } from "./spend-edge.js";
import type { CapacityPoint, CapacitySweepResult, CapacitySweepRun } from "./spend-types.js";

const root = path.resolve(import.meta.dirname, "../..");
const LEVELS = (process.env.CAPACITY_LEVELS ?? "1,2,4,8,16,32,64,128").split(",").map(Number);
const PER_LEVEL = Number(process.env.CAPACITY_OPS ?? 1_000);
const SHARDS = 4;
const AGENTS = 16;
const MODEL = "bench-model";
const FAR = 1_000_000_000_000;

await withSpendDriverEdge(async (edge) => {
  const { orgId, apiKey } = await benchOrg(edge);
  const team = await api(edge, "POST", `/api/v1/orgs/${orgId}/teams`, apiKey, { name: "capacity" });
  const agentIds: string[] = [];
  for (let i = 0; i < AGENTS; i++)
    agentIds.push((await api(edge, "POST", `/api/v1/orgs/${orgId}/agents`, apiKey, { name: `cap-${i}`, teamId: team.id })).id);
  await api(edge, "POST", `/api/v1/orgs/${orgId}/prices`, apiKey, { model: MODEL, inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 1_000_000 });
  // Limits at org and team scope, far above the run, so each check walks them.
  await api(edge, "POST", `/api/v1/orgs/${orgId}/limits`, apiKey, { scope: "org", period: "month", limitMicros: FAR });
  await api(edge, "POST", `/api/v1/orgs/${orgId}/limits`, apiKey, { scope: "team", scopeId: team.id, period: "day", limitMicros: FAR });
  const run: CapacitySweepRun = {
    orgId,
    teamId: team.id,
    agentIds,
    model: MODEL,
    levels: LEVELS,
    pairsPerLevel: PER_LEVEL,
    timeCapMs: 8_000,
    shards: SHARDS,
  };
  const loadBefore = os.loadavg();
  const res = await fetch(`${await edge.directUrl("spend-driver")}/sweep`, { method: "POST", body: JSON.stringify(run) });
  const result = (await res.json()) as CapacitySweepResult & { error?: string };
  if (!res.ok) throw new Error(`capacity sweep: ${result.error ?? res.status}`);
  const loadAfter = os.loadavg();
  const record = {
    benchmark: "capacity: one org's OrgSpend, 4 OrgSpendShards, AuditLog, at rising concurrency",
    measuredOn: "the deployed bundle on workerd (Miniflare's API), local DO storage on disk; one workerd process for every object",
    at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage1m: { before: loadBefore[0], after: loadAfter[0] },
    ...result,
  };
  const out = path.join(root, "bench", "capacity-results.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  const row = (name: string, points: CapacityPoint[]) =>
    `${name.padEnd(34)}${points.map((p) => `${String(p.opsPerSecond).padStart(6)}/s ${String(p.meanMs).padStart(6)}ms`).join(" |")}`;
  console.log(
    `capacity (${os.cpus().length} cpus, load ${loadBefore[0]?.toFixed(2)} → ${loadAfter[0]?.toFixed(2)}); concurrency ${LEVELS.join(", ")}`,
  );
  console.log(row("keyed spend, one OrgSpend", result.orgSpend));
  console.log(row(`keyed spend, ${SHARDS} OrgSpendShards`, result.sharded));
  console.log(row("AuditLog, one append per event", result.auditLog));
  console.log("→ bench/capacity-results.json");
});
