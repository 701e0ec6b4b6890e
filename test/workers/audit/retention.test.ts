// Retention: old events are deleted, the chain of the rest still verifies from a checkpoint,
// and a trail that does not verify is never purged.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordAudit } from "../../../workers/audit/audit.js";
import { type SeededOrg, call, expectErrorShape, seedMember, seedOrg } from "../support/api.js";
import { auditStub, storedEvents } from "./support.js";

const DAY = 86_400_000;

async function record(org: SeededOrg, n: number, label: string) {
  for (let i = 0; i < n; i++) {
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "system", id: "retention-test" },
      action: `test.${label}`,
      resource: { type: "org", id: org.orgId },
      result: "success",
    });
  }
}

/** An org whose first `old` events are 40 days old and the next `recent` are from now. */
async function agedOrg(old: number, recent: number) {
  const org = await seedOrg("retention");
  const stub = auditStub(org.orgId);
  await stub.simulateClockSkew(-40 * DAY);
  await record(org, old, "old");
  await stub.simulateClockSkew(0);
  await record(org, recent, "recent");
  await stub.flush();
  return { org, stub };
}

const retention = (org: SeededOrg, body: unknown, token = org.apiKey) =>
  call(`/api/v1/orgs/${org.orgId}/audit/retention`, { method: "PUT", token, body });

describe("audit retention", () => {
  it("deletes events past the window and keeps the rest verifiable from a checkpoint", async () => {
    const { org, stub } = await agedOrg(5, 4);
    const before = await storedEvents(org.orgId);
    expect((await call(`/api/v1/orgs/${org.orgId}/audit/retention`, { token: org.apiKey })).json).toEqual({
      days: null,
      checkpoint: { seq: 0, hash: "0".repeat(64) },
    });

    const set = await retention(org, { days: 30 });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ days: 30, checkpoint: { seq: 5, hash: before[4]?.hash } });

    await stub.flush(); // the retention change itself is audited
    const after = await storedEvents(org.orgId);
    expect(after.map((e) => e.action)).toEqual(["test.recent", "test.recent", "test.recent", "test.recent", "audit.retention.set"]);
    const verify = await call(`/api/v1/orgs/${org.orgId}/audit/verify`, { token: org.apiKey });
    expect(verify.json).toMatchObject({ ok: true, checked: 5, checkpoint: { seq: 5, hash: before[4]?.hash }, head: { seq: 10 } });
  });

  it("still detects a deleted event right after the checkpoint", async () => {
    const { org } = await agedOrg(3, 3);
    await retention(org, { days: 30 });
    await env.DB.prepare("DELETE FROM audit_events WHERE org_id = ? AND seq = 4").bind(org.orgId).run();
    const verify = await call(`/api/v1/orgs/${org.orgId}/audit/verify`, { token: org.apiKey });
    expect(verify.json.firstBroken).toEqual({ seq: 4, id: null, problem: "missing" });
  });

  it("detects purged events put back", async () => {
    const { org } = await agedOrg(3, 2);
    const old = (await storedEvents(org.orgId))[1];
    await retention(org, { days: 30 });
    await env.DB.prepare(
      `INSERT INTO audit_events (id, org_id, seq, ts, actor_type, actor_id, action, resource_type, resource_id, result, reason, trace_id, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
      .bind(
        old?.id,
        org.orgId,
        old?.seq,
        old?.ts,
        old?.actor_type,
        old?.actor_id,
        old?.action,
        old?.resource_type,
        old?.resource_id,
        old?.result,
        old?.reason,
        old?.trace_id,
        old?.details,
        old?.prev_hash,
        old?.hash,
      )
      .run();
    const verify = await call(`/api/v1/orgs/${org.orgId}/audit/verify`, { token: org.apiKey });
    expect(verify.json.firstBroken).toMatchObject({ seq: 2, problem: "unexpected" });
  });

  it("refuses to purge a trail that does not verify", async () => {
    const { org } = await agedOrg(4, 2);
    await env.DB.prepare("UPDATE audit_events SET actor_id = 'someone-else' WHERE org_id = ? AND seq = 2").bind(org.orgId).run();
    const set = await retention(org, { days: 30 });
    expect(set.status).toBe(200);
    expect(set.json.checkpoint.seq).toBe(0);
    expect((await storedEvents(org.orgId)).filter((e) => e.action === "test.old")).toHaveLength(4);
  });

  it("keeps everything when retention is off, and validates the setting", async () => {
    const { org } = await agedOrg(2, 1);
    expect((await retention(org, { days: null })).json).toMatchObject({ days: null });
    expect((await storedEvents(org.orgId)).filter((e) => e.action === "test.old")).toHaveLength(2);
    for (const body of [{ days: 0 }, { days: -1 }, { days: 1.5 }, { days: "30" }, { days: 99_999 }, {}, { days: 30, extra: 1 }]) {
      const res = await retention(org, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(res);
    }
    const admin = await seedMember(org, "admin");
    expect((await retention(org, { days: 30 }, admin.apiKey)).status).toBe(403);
  });
});
