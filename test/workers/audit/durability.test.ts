// The AuditLog's buffer and chain state live in its SQLite storage: a fresh instance (as after
// an eviction or restart) picks up the same head and pending events and flushes them.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../../workers/audit/audit-log.js";
import { recordAudit } from "../../../workers/audit/audit.js";
import { seedOrg } from "../support/api.js";
import { auditStub, storedEvents } from "./support.js";

describe("AuditLog durability", () => {
  it("recovers head, chain and pending events from storage in a new instance", async () => {
    const org = await seedOrg("durable");
    const stub = auditStub(org.orgId);
    await stub.simulateD1Outage(3_600_000);
    for (let i = 0; i < 25; i++) {
      await recordAudit(env, {
        orgId: org.orgId,
        actor: { type: "host", id: "hst_durable" },
        action: "sandbox.start",
        resource: { type: "sandbox", id: `sbx_${i}` },
        result: "success",
      });
    }
    const before = await stub.status();
    expect(before.pending).toBe(25);

    const after = await runInDurableObject(stub, async (_instance: AuditLog, state) => {
      // A second instance over the same storage: nothing is kept in memory between the two.
      const fresh = new AuditLog(state, env);
      const status = fresh.status();
      await fresh.flush();
      return { status, flushed: fresh.status() };
    });
    // The chain state matches; `failures` may have grown if the flush alarm ran meanwhile.
    expect({ head: after.status.head, flushed: after.status.flushed, pending: after.status.pending }).toEqual({
      head: before.head,
      flushed: before.flushed,
      pending: before.pending,
    });
    expect(after.flushed.pending).toBe(0);
    const rows = await storedEvents(org.orgId);
    expect(rows.map((r) => r.resource_id)).toEqual(Array.from({ length: 25 }, (_, i) => `sbx_${i}`));
    expect(rows.at(-1)?.hash).toBe(before.head.hash);
  });
});

describe("AuditLog.appendMany", () => {
  it("stores a batch in order under one chain, and refuses a batch that mixes orgs without storing any of it", async () => {
    const org = await seedOrg("batch");
    const other = await seedOrg("batch-other");
    const stub = auditStub(org.orgId);
    const event = (orgId: string, i: number) => ({
      orgId,
      actor: { type: "host", id: "hst_batch" },
      action: "sandbox.start",
      resource: { type: "sandbox", id: `sbx_${i}` },
      result: "success",
      reason: null,
      traceId: null,
      details: null,
    });
    const result = await stub.appendMany(Array.from({ length: 10 }, (_, i) => event(org.orgId, i)));
    if (!result.ok) throw new Error(result.reason);
    expect(result.stored.map((s) => s.seq)).toEqual(result.stored.map((_, i) => result.stored[0]!.seq + i));
    const before = await stub.status();
    expect(await stub.appendMany([event(org.orgId, 10), event(other.orgId, 11)])).toEqual({ ok: false, reason: "other_org" });
    expect(await stub.appendMany(Array.from({ length: 1_001 }, (_, i) => event(org.orgId, i)))).toEqual({ ok: false, reason: "invalid_batch" });
    expect(await stub.appendMany([{ ...event(org.orgId, 12), result: "maybe" }])).toEqual({ ok: false, reason: "invalid_batch" });
    expect(await stub.status()).toEqual(before);
    await stub.flush();
    const rows = (await storedEvents(org.orgId)).filter((r) => r.action === "sandbox.start");
    expect(rows.map((r) => r.resource_id)).toEqual(Array.from({ length: 10 }, (_, i) => `sbx_${i}`));
    expect((await stub.verify()).ok).toBe(true);
  });
});
