// GET …/stats: the console's aggregates over 24 h and 30 d from seeded audit events, approvals
// and usage rows, checked number by number; only the org's admins may read them.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../../workers/audit/audit.js";
import { AuditData, type AuditRow } from "../../../workers/data/audit-data.js";
import { makeDb } from "../../../workers/data/db.js";
import { SpendData } from "../../../workers/data/spend-data.js";
import { ToolStore } from "../../../workers/data/tool-store.js";
import { type SeededOrg, call, expectErrorShape, seedMember, seedOrg } from "../support/api.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let org: SeededOrg;
let other: SeededOrg;
let agentA = "";
let agentB = "";
const stats = (window: string, token = org.apiKey, orgId = org.orgId) => call(`/api/v1/orgs/${orgId}/stats?window=${window}`, { token });

/** A stored event at a chosen time (the chain does not matter to aggregates); seqs far above the log's own. */
let seq = 50_000_000;
function oldEvent(tsMs: number, fields: Partial<AuditRow>): AuditRow {
  seq += 1;
  return {
    id: `aud_test_${seq}`,
    orgId: org.orgId,
    seq,
    ts: tsMs,
    actorType: "agent",
    actorId: agentA,
    action: "egress.request",
    resourceType: "egress",
    resourceId: "api.example.test",
    result: "allowed",
    reason: null,
    traceId: null,
    clientTraceId: null,
    details: null,
    prevHash: "0".repeat(64),
    hash: "0".repeat(64),
    ...fields,
  };
}

beforeAll(async () => {
  org = await seedOrg("stats");
  other = await seedOrg("stats-other");
  const mk = async (name: string) =>
    (await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name } })).json.id as string;
  agentA = await mk("stats-alpha");
  agentB = await mk("stats-beta");
  const now = Date.now();
  const db = makeDb(env.DB);

  // Now (the last bucket of both windows): 3 LLM calls (one PII block, one spend limit), 2 egress (one denied), 1 tool call.
  const live = [
    { action: "llm.request", result: "success", details: { pii: { categories: ["email", "phone"], counts: [2, 1] } } },
    { action: "llm.request", result: "error", reason: "pii_blocked", details: { pii: { counts: { credit_card: 1 }, blocked: ["credit_card"] } } },
    { action: "llm.request", result: "error", reason: "spend_limit" },
    { action: "egress.request", result: "allowed", details: { pii: { categories: ["email"], counts: [3] } } },
    { action: "egress.request", result: "denied", reason: "no_matching_rule" },
    { action: "tool.call", result: "success" },
  ] as const;
  for (const e of live)
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "agent", id: agentA },
      action: e.action,
      resource: { type: e.action === "llm.request" ? "model" : "egress", id: "x" },
      result: e.result,
      ...("reason" in e ? { reason: e.reason } : {}),
      ...("details" in e ? { details: e.details } : {}),
    });
  // Not calls: an admin change, and an upstream error that is no refusal.
  await recordAudit(env, {
    orgId: org.orgId,
    actor: { type: "user", id: org.ownerId },
    action: "team.create",
    resource: { type: "team" },
    result: "success",
  });

  // Older: 5 h ago (24 h and 30 d), 10 days ago (30 d only), 40 days ago (neither).
  await new AuditData(db, org.orgId).insertBatch([
    oldEvent(now - 5 * HOUR, { result: "denied", reason: "denied_by_rule" }),
    oldEvent(now - 5 * HOUR, { result: "error", reason: "upstream_timeout" }),
    oldEvent(now - 10 * DAY, { actorId: agentB, result: "denied", reason: "denied_by_rule" }),
    oldEvent(now - 10 * DAY, {
      actorId: agentB,
      action: "llm.request",
      result: "success",
      details: JSON.stringify({ pii: { categories: ["iban"], counts: [4] } }),
    }),
    oldEvent(now - 40 * DAY, { result: "denied", reason: "denied_by_rule" }),
  ]);

  // Usage: agent A spent 1.5 $ now on two models; agent B 0.25 $ ten days ago.
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const usage = (id: string, agentId: string, model: string, costMicros: number, at: number) => ({
    id,
    agentId,
    teamId: null,
    model,
    day: day(at),
    inputTokens: 10,
    outputTokens: 10,
    cachedTokens: 0,
    costMicros,
    basis: "reported" as const,
    settledAt: at,
  });
  await new SpendData(db, org.orgId).insertUsage([
    usage("rsv_stats_1", agentA, "gpt-4o", 1_000_000, now - HOUR),
    usage("rsv_stats_2", agentA, "claude-3-5-sonnet", 500_000, now - 2 * HOUR),
    usage("rsv_stats_3", agentB, "gpt-4o", 250_000, now - 10 * DAY),
  ]);
  const limit = await call(`/api/v1/orgs/${org.orgId}/limits`, {
    method: "POST",
    token: org.apiKey,
    body: { scope: "agent", scopeId: agentA, period: "month", limitMicros: 5_000_000 },
  });
  expect(limit.status).toBe(201);

  // Two approvals waiting, one expired, one decided.
  const tools = new ToolStore(db, org.orgId);
  const held = (expiresAt: number) =>
    tools.insertApproval({ agentId: agentA, kind: "egress", subject: "POST api.example.test/x", details: null, expiresAt, traceId: null });
  await held(now + HOUR);
  await held(now + HOUR);
  await held(now - HOUR);
});

describe("GET …/stats", () => {
  it("counts calls and refusals per hour over the last 24 h", async () => {
    const res = await stats("24h");
    expect(res.status).toBe(200);
    const s = res.json;
    expect(s.window).toBe("24h");
    expect(s.bucketSeconds).toBe(3600);
    expect(s.buckets).toHaveLength(24);
    // 6 now + 2 five hours ago; refused: pii_blocked, spend_limit, no_matching_rule now and denied_by_rule then.
    expect(s.totals).toEqual({ calls: 8, denied: 4, piiDetections: 7 });
    expect(s.buckets.at(-1)).toMatchObject({ calls: 6, denied: 3 });
    expect(s.buckets.at(-6)).toMatchObject({ calls: 2, denied: 1 });
    expect(s.buckets.reduce((n: number, b: { calls: number }) => n + b.calls, 0)).toBe(8);
    expect(new Date(s.buckets[0].start).getUTCMinutes()).toBe(0);
    expect(s.denialsByReason).toEqual(
      expect.arrayContaining([
        { reason: "pii_blocked", count: 1 },
        { reason: "spend_limit", count: 1 },
        { reason: "no_matching_rule", count: 1 },
        { reason: "denied_by_rule", count: 1 },
      ]),
    );
    expect(s.denialsByReason).toHaveLength(4);
    expect(s.piiByCategory[0]).toEqual({ category: "email", count: 5 });
    expect(s.piiByCategory).toHaveLength(3);
    expect(s.piiByCategory).toEqual(
      expect.arrayContaining([
        { category: "credit_card", count: 1 },
        { category: "phone", count: 1 },
      ]),
    );
    expect(s.approvalsWaiting).toBe(2);
    expect(s.spendByAgent).toEqual([{ agentId: agentA, name: "stats-alpha", costMicros: 1_500_000, calls: 2, limitMicros: 5_000_000 }]);
    expect(s.spendByModel).toEqual([
      { model: "gpt-4o", costMicros: 1_000_000, calls: 1 },
      { model: "claude-3-5-sonnet", costMicros: 500_000, calls: 1 },
    ]);
    expect(s.limits).toEqual([expect.objectContaining({ scope: "agent", scopeId: agentA, name: "stats-alpha", limitMicros: 5_000_000 })]);
  });

  it("counts per UTC day over the last 30 d, leaving older events out", async () => {
    const s = (await stats("30d")).json;
    expect(s.bucketSeconds).toBe(86400);
    expect(s.buckets).toHaveLength(30);
    expect(new Date(s.buckets[0].start).getUTCHours()).toBe(0);
    // 8 within a day or so, 2 ten days ago; the event of 40 days ago is outside.
    expect(s.totals).toEqual({ calls: 10, denied: 5, piiDetections: 11 });
    expect(s.buckets.at(-11).calls + s.buckets.at(-10).calls + s.buckets.at(-12).calls).toBe(2);
    expect(s.denialsByReason).toContainEqual({ reason: "denied_by_rule", count: 2 });
    expect(s.piiByCategory).toContainEqual({ category: "iban", count: 4 });
    expect(s.spendByAgent).toEqual([
      { agentId: agentA, name: "stats-alpha", costMicros: 1_500_000, calls: 2, limitMicros: 5_000_000 },
      { agentId: agentB, name: "stats-beta", costMicros: 250_000, calls: 1, limitMicros: null },
    ]);
    expect(s.spendByModel[0]).toEqual({ model: "gpt-4o", costMicros: 1_250_000, calls: 2 });
  });

  it("refuses an unknown window and unknown parameters with 400", async () => {
    for (const q of ["window=7d", "window=24h&extra=1", "window="]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/stats?${q}`, { token: org.apiKey });
      expect(res.status, q).toBe(400);
      expectErrorShape(res);
    }
  });

  it("is the org's admins' only: a member of another org gets 404, a plain member 403, nothing leaks", async () => {
    const foreign = await stats("24h", other.apiKey);
    expect(foreign.status).toBe(404);
    expectErrorShape(foreign);
    expect(foreign.text).not.toContain(agentA);
    const member = await seedMember(org, "member");
    const plain = await stats("24h", member.apiKey);
    expect(plain.status).toBe(403);
    expect(plain.text).not.toContain("stats-alpha");
    const admin = await seedMember(org, "admin");
    expect((await stats("30d", admin.apiKey)).status).toBe(200);
    // The other org's own figures are its own: none of this org's events.
    const own = (await stats("30d", other.apiKey, other.orgId)).json;
    expect(own.totals).toEqual({ calls: 0, denied: 0, piiDetections: 0 });
    expect(own.spendByAgent).toEqual([]);
    expect(own.approvalsWaiting).toBe(0);
    expect((await call(`/api/v1/orgs/${org.orgId}/stats`)).status).toBe(401);
  });
});

describe("GET …/audit names and order", () => {
  it("lists newest first with actor and resource names joined, and finds text", async () => {
    const res = await call(`/api/v1/orgs/${org.orgId}/audit?order=desc&limit=3&actorType=agent&names=true`, { token: org.apiKey });
    expect(res.status).toBe(200);
    const seqs = res.json.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => b - a));
    expect(res.json.items[0]).toMatchObject({ actorName: expect.stringMatching(/^stats-(alpha|beta)$/) });
    const next = await call(`/api/v1/orgs/${org.orgId}/audit?order=desc&limit=3&actorType=agent&names=true&cursor=${res.json.nextCursor}`, {
      token: org.apiKey,
    });
    expect(next.json.items[0].seq).toBeLessThan(seqs.at(-1));
    const created = await call(`/api/v1/orgs/${org.orgId}/audit?action=agent.create&order=desc&names=true`, { token: org.apiKey });
    expect(created.json.items.map((e: { resourceName: string }) => e.resourceName).sort()).toEqual(["stats-alpha", "stats-beta"]);
    expect(created.json.items[0].actorName).toBe(org.email);
    // Without asking, a read of the trail carries no names (user-chosen text, members' e-mails).
    const plain = await call(`/api/v1/orgs/${org.orgId}/audit?action=agent.create&order=desc`, { token: org.apiKey });
    for (const e of plain.json.items) expect([e.actorName, e.resourceName]).toEqual([null, null]);
    const found = await call(`/api/v1/orgs/${org.orgId}/audit?q=PII_BLOCKED`, { token: org.apiKey });
    expect(found.json.items.map((e: { reason: string }) => e.reason)).toEqual(["pii_blocked"]);
    // Wildcards are plain text.
    expect((await call(`/api/v1/orgs/${org.orgId}/audit?q=%25`, { token: org.apiKey })).json.items).toEqual([]);
    const tail = await call(`/api/v1/orgs/${org.orgId}/audit?afterSeq=${seqs[0]}`, { token: org.apiKey });
    expect(tail.json.items.every((e: { seq: number }) => e.seq > seqs[0])).toBe(true);
  });
});

describe("GET …/names", () => {
  it("names the org's ids in one call, for admins only, and nothing of another org", async () => {
    const ids = [agentA, agentB, org.ownerId, other.ownerId].join(",");
    const res = await call(`/api/v1/orgs/${org.orgId}/names?ids=${ids}`, { token: org.apiKey });
    expect(res.status).toBe(200);
    expect(res.json.names).toEqual({ [agentA]: "stats-alpha", [agentB]: "stats-beta", [org.ownerId]: org.email });
    expect((await call(`/api/v1/orgs/${org.orgId}/names`, { token: org.apiKey })).json.names).toEqual({});
    const foreign = await call(`/api/v1/orgs/${other.orgId}/names?ids=${ids}`, { token: other.apiKey });
    expect(foreign.json.names).toEqual({ [other.ownerId]: other.email });
    expect((await call(`/api/v1/orgs/${org.orgId}/names?ids=${ids}`, { token: other.apiKey })).status).toBe(404);
    const member = await seedMember(org, "member");
    expect((await call(`/api/v1/orgs/${org.orgId}/names?ids=${agentA}`, { token: member.apiKey })).status).toBe(403);
    for (const bad of ["x", `${agentA},`, `${agentA};drop`, Array.from({ length: 101 }, () => agentA).join(",")]) {
      const r = await call(`/api/v1/orgs/${org.orgId}/names?ids=${encodeURIComponent(bad)}`, { token: org.apiKey });
      expect(r.status, bad.slice(0, 40)).toBe(400);
      expectErrorShape(r);
    }
  });
});
