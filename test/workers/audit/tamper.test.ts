// Tamper evidence: editing, deleting or forging one stored event makes verify fail at that event.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { recordAudit } from "../../../workers/audit/audit.js";
import { type SeededOrg, call, seedOrg } from "../support/api.js";
import { auditStub, storedEvents } from "./support.js";

const EVENTS = 12;
let org: SeededOrg;

async function verify() {
  const res = await call(`/api/v1/orgs/${org.orgId}/audit/verify`, { token: org.apiKey });
  expect(res.status).toBe(200);
  return res.json;
}

beforeEach(async () => {
  org = await seedOrg("tamper");
  for (let i = 0; i < EVENTS; i++) {
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "agent", id: `agt_tamper${i}` },
      action: "egress.request",
      resource: { type: "host", id: "api.example.test" },
      result: i % 3 === 0 ? "denied" : "allowed",
      reason: `policy:pol_test#${i}`,
      traceId: `trace-tamper-${i}`,
      details: { method: "GET", status: 200 + i },
    });
  }
  await auditStub(org.orgId).flush();
  expect(await verify()).toMatchObject({ ok: true, checked: EVENTS, firstBroken: null });
});

const update = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .run();

describe("verify detects tampering", () => {
  it("flags an edited field at that event", async () => {
    const target = (await storedEvents(org.orgId))[6];
    await update("UPDATE audit_events SET result = 'allowed' WHERE id = ?", target?.id);
    expect((await verify()).firstBroken).toEqual({ seq: 7, id: target?.id, problem: "hash_mismatch" });
  });

  it("flags edited details even when the attacker recomputes nothing else", async () => {
    const target = (await storedEvents(org.orgId))[2];
    await update("UPDATE audit_events SET details = ? WHERE id = ?", JSON.stringify({ method: "GET", status: 500 }), target?.id);
    expect((await verify()).firstBroken).toMatchObject({ seq: 3, problem: "hash_mismatch" });
  });

  it("flags a client trace id added to, changed in or dropped from an event", async () => {
    const withClientTrace = await call("/egress/https://api.example.test/x", {
      token: (await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "traced" } })).json.token,
      headers: { "x-palisade-trace-id": "client-trace-tamper" },
    });
    expect(withClientTrace.status).toBe(403);
    await auditStub(org.orgId).flush();
    expect(await verify()).toMatchObject({ ok: true });
    const rows = await storedEvents(org.orgId);
    const traced = rows.find((r) => r.client_trace_id === "client-trace-tamper");
    expect(traced).toBeDefined();
    await update("UPDATE audit_events SET client_trace_id = 'client-trace-other' WHERE id = ?", traced?.id);
    expect((await verify()).firstBroken).toMatchObject({ seq: traced?.seq, problem: "hash_mismatch" });
    await update("UPDATE audit_events SET client_trace_id = NULL WHERE id = ?", traced?.id);
    expect((await verify()).firstBroken).toMatchObject({ seq: traced?.seq, problem: "hash_mismatch" });
    await update("UPDATE audit_events SET client_trace_id = 'client-trace-tamper' WHERE id = ?", traced?.id);
    await update("UPDATE audit_events SET client_trace_id = 'planted-trace-id' WHERE id = ?", rows[1]?.id);
    expect((await verify()).firstBroken).toMatchObject({ seq: 2, problem: "hash_mismatch" });
  });

  it("flags a deleted event as missing at its seq", async () => {
    const target = (await storedEvents(org.orgId))[4];
    await update("DELETE FROM audit_events WHERE id = ?", target?.id);
    expect((await verify()).firstBroken).toEqual({ seq: 5, id: null, problem: "missing" });
  });

  it("flags the deletion of the newest events against the log's head", async () => {
    await update("DELETE FROM audit_events WHERE org_id = ? AND seq > ?", org.orgId, EVENTS - 2);
    expect((await verify()).firstBroken).toEqual({ seq: EVENTS - 1, id: null, problem: "missing" });
  });

  it("flags a re-linked event whose prev_hash was rewritten", async () => {
    const rows = await storedEvents(org.orgId);
    await update("UPDATE audit_events SET prev_hash = ? WHERE id = ?", rows[0]?.hash, rows[9]?.id);
    expect((await verify()).firstBroken).toEqual({ seq: 10, id: rows[9]?.id, problem: "link_mismatch" });
  });

  it("flags a forged event appended after the head", async () => {
    const last = (await storedEvents(org.orgId)).at(-1);
    await update(
      `INSERT INTO audit_events (id, org_id, seq, ts, actor_type, actor_id, action, resource_type, result, prev_hash, hash)
       VALUES ('aud_forged', ?, ?, ?, 'user', 'usr_x', 'org.update', 'org', 'success', ?, ?)`,
      org.orgId,
      EVENTS + 1,
      Date.now(),
      last?.hash,
      "f".repeat(64),
    );
    expect((await verify()).firstBroken).toMatchObject({ seq: EVENTS + 1, problem: "unexpected" });
  });

  it("stays intact for events that nobody touched", async () => {
    expect(await verify()).toMatchObject({ ok: true, checked: EVENTS, pending: 0, head: { seq: EVENTS } });
  });
});
