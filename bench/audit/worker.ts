// Benchmark Worker for the audit trail: times actions with and without auditing, and the rate
// at which AuditLog objects move buffered events into D1. Driven by scripts/bench-audit.mjs.
import { AuditLog } from "../../workers/audit/audit-log.js";
import { type AuditEvent, auditLog, recordAudit, toRecord } from "../../workers/audit/audit.js";
import { newId } from "../../workers/ids.js";

export { AuditLog };

type Mode = "none" | "rpc" | "await" | "waitUntil";

const event = (orgId: string, i: number): AuditEvent => ({
  orgId,
  actor: { type: "agent", id: "agt_bench" },
  action: "egress.request",
  resource: { type: "host", id: "api.example.test" },
  result: i % 10 === 0 ? "denied" : "allowed",
  reason: `policy:pol_bench#${i % 7}`,
  traceId: `bench-${i}`,
  details: { method: "GET", status: 200, bytes: 1024 + i },
});

async function newOrg(env: Env): Promise<string> {
  const id = newId("org");
  await env.DB.prepare("INSERT INTO orgs (id, name) VALUES (?, ?)").bind(id, `bench-${id}`).run();
  return id;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, meanMs: round(mean), p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), p99Ms: round(at(0.99)) };
}
const round = (v: number) => Math.round(v * 1000) / 1000;

/** One "action": a D1 write like an admin mutation, followed by its audit event per mode. */
async function latency(env: Env, ctx: ExecutionContext, mode: Mode, n: number) {
  const orgId = await newOrg(env);
  const samples: number[] = [];
  // Each request has its own waitUntil in production; here the background write of one action
  // is awaited (untimed) before the next starts, so backlogs of this loop do not skew it.
  let background: Promise<unknown> = Promise.resolve();
  const paced = { waitUntil: (p: Promise<unknown>) => ((background = p), ctx.waitUntil(p)) };
  for (let i = 0; i < n; i++) {
    await background;
    const t0 = performance.now();
    await env.DB.prepare("UPDATE orgs SET name = ? WHERE id = ?").bind(`bench-${i}`, orgId).run();
    // rpc: a no-op call to the same Durable Object, to tell transport from the durable write.
    if (mode === "rpc") await auditLog(env, orgId).status();
    else if (mode === "await") await recordAudit(env, event(orgId, i));
    else if (mode === "waitUntil") await recordAudit(env, event(orgId, i), paced);
    samples.push(performance.now() - t0);
  }
  if (mode === "await" || mode === "waitUntil") await auditLog(env, orgId).flush();
  return { mode, ...stats(samples) };
}

/** Buffers n events per org in `orgs` AuditLogs, then times the flush of all of them into D1. */
async function throughput(env: Env, orgs: number, n: number, concurrency: number) {
  const ids = await Promise.all(Array.from({ length: orgs }, () => newOrg(env)));
  const t0 = performance.now();
  await Promise.all(
    ids.map(async (orgId) => {
      const stub = auditLog(env, orgId);
      for (let i = 0; i < n; i += concurrency) {
        await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, (_, k) => stub.append(toWire(orgId, i + k))));
      }
    }),
  );
  const t1 = performance.now();
  const results = await Promise.all(ids.map((orgId) => auditLog(env, orgId).flush()));
  const t2 = performance.now();
  const rows = await env.DB.prepare(`SELECT COUNT(*) AS n FROM audit_events WHERE org_id IN (${ids.map(() => "?").join(",")})`)
    .bind(...ids)
    .first<{ n: number }>();
  const total = orgs * n;
  return {
    orgs,
    eventsPerOrg: n,
    inD1: rows?.n ?? 0,
    pendingAfter: results.reduce((s, r) => s + r.pending, 0),
    appendPerSecond: Math.round(total / ((t1 - t0) / 1000)),
    d1FlushPerSecond: Math.round(total / ((t2 - t1) / 1000)),
    endToEndPerSecond: Math.round(total / ((t2 - t0) / 1000)),
  };
}

const toWire = (orgId: string, i: number) => {
  const e = event(orgId, i);
  return {
    orgId,
    actor: e.actor,
    action: e.action,
    resource: { type: e.resource.type, id: e.resource.id ?? null },
    result: e.result,
    reason: e.reason ?? null,
    traceId: e.traceId ?? null,
    details: JSON.stringify(e.details),
  };
};

/** A sandbox's output tail as hosts report it: build chatter with contact data and a secret in it. */
const OUTPUT_TAIL = Array.from(
  { length: 12 },
  (_, i) => `step ${i}/12 ok in ${i}.2s; notify ops-${i}@example.com or +1 415 555 01${10 + i}; DEBUG token=abc${i}def`,
).join("\n");

/**
 * CPU of shaping and cleaning events (toRecord), n times; the driver times the request from
 * outside, since timers inside workerd do not advance while code runs.
 */
function clean(kind: "hot" | "output", n: number) {
  const orgId = "org_01jd0000000000000000000000";
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const e = event(orgId, i);
    const record = toRecord(kind === "hot" ? e : { ...e, action: "sandbox.exited", details: { exitCode: 1, output: `${OUTPUT_TAIL} ${i}` } });
    bytes += record.details?.length ?? 0;
  }
  return { kind, n, bytes };
}

const int = (v: string | null, fallback: number, max: number) => Math.min(max, Math.max(1, Number.parseInt(v ?? "", 10) || fallback));

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/latency") {
      const mode = url.searchParams.get("mode");
      if (mode !== "none" && mode !== "rpc" && mode !== "await" && mode !== "waitUntil") return new Response("mode?", { status: 400 });
      return Response.json(await latency(env, ctx, mode, int(url.searchParams.get("n"), 200, 5_000)));
    }
    if (url.pathname === "/clean") {
      const kind = url.searchParams.get("kind");
      if (kind !== "hot" && kind !== "output") return new Response("kind?", { status: 400 });
      return Response.json(clean(kind, Number.parseInt(url.searchParams.get("n") ?? "0", 10) || 0));
    }
    if (url.pathname === "/throughput") {
      const q = url.searchParams;
      return Response.json(await throughput(env, int(q.get("orgs"), 1, 16), int(q.get("n"), 1_000, 20_000), int(q.get("concurrency"), 16, 64)));
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
