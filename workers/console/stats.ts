// The console overview of one org over 24 h (hourly) or 30 d (daily): calls and refusals per
// bucket, refusals by reason, personal data found by category, approvals waiting, and spend by
// agent and model against limits. Every figure is aggregated in D1; see data/stats-data.ts.
import type { z } from "zod";
import type { StatsSchema, StatsWindow } from "../../schema/console.js";
import { auditLog, flushQueuedAudit } from "../audit/audit.js";
import { iso, makeDb } from "../data/db.js";
import { NameData } from "../data/name-data.js";
import { StatsData, type Window } from "../data/stats-data.js";
import { flushQueuedSettles, flushSpendLedger, spendStatus } from "../spend/client.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The window's buckets end with the current hour (24 h) or UTC day (30 d). */
export function windowOf(window: StatsWindow, nowMs: number): Window & { buckets: number } {
  const bucketMs = window === "24h" ? HOUR_MS : DAY_MS;
  const buckets = window === "24h" ? 24 : 30;
  const fromMs = Math.floor(nowMs / bucketMs) * bucketMs - (buckets - 1) * bucketMs;
  return { fromMs, toMs: nowMs, bucketMs, buckets };
}

/** Bounds the work a read does on behalf of the audit buffer: 20 batches of 100 events. */
const FLUSH_BATCHES = 20;

/**
 * Events and settles still buffered (this isolate, the org's AuditLog and spend objects) are
 * written to D1 first, so the figures include them; a failing flush only makes them late.
 */
async function flushForStats(env: Env, orgId: string) {
  await Promise.all([
    flushQueuedAudit(orgId).then(() => auditLog(env, orgId).flush(FLUSH_BATCHES)),
    flushQueuedSettles(orgId).then(() => flushSpendLedger(env, orgId)),
  ]).catch((error: unknown) => console.error("stats: flush before read failed", { error: String(error) }));
}

export async function orgStats(env: Env, orgId: string, window: StatsWindow, nowMs = Date.now()): Promise<z.input<typeof StatsSchema>> {
  const w = windowOf(window, nowMs);
  await flushForStats(env, orgId);
  const db = makeDb(env.DB);
  const data = new StatsData(db, orgId);
  const [buckets, reasons, pii, waiting, byAgent, byModel, limits] = await Promise.all([
    data.buckets(w),
    data.denialsByReason(w),
    data.piiByCategory(w),
    data.approvalsWaiting(nowMs),
    data.spendByAgent(w),
    data.spendByModel(w),
    // Live spend sits in the org's spend object; without it the rest of the overview still answers.
    spendStatus(env, orgId).catch((error: unknown) => {
      console.error("stats: spend status unavailable", { error: String(error) });
      return null;
    }),
  ]);
  const byBucket = new Map(buckets.map((b) => [b.bucket, b]));
  const series = Array.from({ length: w.buckets }, (_, i) => {
    const b = byBucket.get(i);
    return { start: iso(w.fromMs + i * w.bucketMs), calls: b?.calls ?? 0, denied: b?.denied ?? 0 };
  });
  const names = limits ? await new NameData(db, orgId).names(limits.map((l) => l.scopeId)) : new Map<string, string>();
  const agentLimit = (agentId: string) => {
    const own = (limits ?? []).filter((l) => l.scope === "agent" && l.scopeId === agentId).map((l) => l.limitMicros);
    return own.length ? Math.min(...own) : null;
  };
  return {
    window,
    from: iso(w.fromMs),
    to: iso(w.toMs),
    bucketSeconds: w.bucketMs / 1000,
    buckets: series,
    totals: {
      calls: series.reduce((n, b) => n + b.calls, 0),
      denied: series.reduce((n, b) => n + b.denied, 0),
      piiDetections: pii.reduce((n, p) => n + p.count, 0),
    },
    denialsByReason: reasons,
    piiByCategory: pii,
    approvalsWaiting: waiting,
    spendByAgent: byAgent.map((a) => ({ ...a, limitMicros: agentLimit(a.agentId) })),
    spendByModel: byModel,
    limits:
      limits?.map((l) => ({
        id: l.id,
        scope: l.scope,
        scopeId: l.scopeId,
        name: l.scope === "org" ? null : (names.get(l.scopeId ?? "") ?? null),
        period: l.period,
        limitMicros: l.limitMicros,
        spentMicros: l.spentMicros + l.reservedMicros,
      })) ?? null,
  };
}
