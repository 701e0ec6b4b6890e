// Fault injection: D1 refuses audit writes while 1,000 real admin actions happen; nothing is
// lost, order is kept, and the chain verifies once D1 is back.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../support/api.js";
import { auditStub, storedEvents } from "./support.js";

const ACTIONS = 1_000;
/** Clients acting at once; each one's actions are sequential, so each has a defined order. */
const LANES = 8;
const trace = (lane: number, i: number) => `outage-${lane}-${String(i).padStart(4, "0")}`;

describe("audit during a D1 outage", () => {
  it("buffers 1,000 events durably, then writes all of them in order once D1 recovers", async () => {
    const org = await seedOrg("outage");
    const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "outage-team" } });
    expect(team.status).toBe(201);
    const stub = auditStub(org.orgId);
    await stub.flush();
    const before = (await storedEvents(org.orgId)).length;

    await stub.simulateD1Outage(3_600_000);
    const lane = async (l: number) => {
      for (let i = 0; i < ACTIONS / LANES; i++) {
        const res = await call(`/api/v1/orgs/${org.orgId}/teams/${team.json.id}`, {
          method: "PATCH",
          token: org.apiKey,
          body: { name: `outage-team-${l}-${i}` },
          headers: { "x-palisade-trace-id": trace(l, i) },
        });
        // The action itself is unaffected by the failing audit store.
        expect(res.status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
    // The flush attempts fail: nothing reached D1, everything waits in the buffer.
    expect((await stub.flush()).failed).toBe(true);
    expect((await storedEvents(org.orgId)).length).toBe(before);
    const during = await stub.status();
    expect(during.pending).toBe(ACTIONS);
    expect(during.failures).toBeGreaterThan(0);
    // A failed flush re-arms the alarm (backoff), so recovery needs no new event.
    const list = await call(`/api/v1/orgs/${org.orgId}/audit?action=team.update`, { token: org.apiKey });
    expect(list.status).toBe(200);
    expect(list.headers.get("x-palisade-audit-pending")).toBe(String(ACTIONS));

    // D1 is back: the pending retry alarm alone (no new event, no explicit flush) writes them.
    await stub.simulateD1Outage(0);
    for (let attempt = 0; attempt < 20 && (await stub.status()).pending > 0; attempt++) {
      // false while the real alarm is already running; then give it a moment to finish.
      if (!(await runDurableObjectAlarm(stub))) await scheduler.wait(100);
    }
    expect((await stub.status()).pending).toBe(0);

    const rows = await storedEvents(org.orgId);
    const updates = rows.filter((r) => r.action === "team.update");
    expect(updates).toHaveLength(ACTIONS);
    // Each client's actions appear in the order they happened; seq is gapless and linked.
    for (let l = 0; l < LANES; l++) {
      // Each action sent its own x-palisade-trace-id, which the trail keeps as the client's trace id.
      const seen = updates.map((r) => r.client_trace_id).filter((t) => t?.startsWith(`outage-${l}-`));
      expect(seen).toEqual(Array.from({ length: ACTIONS / LANES }, (_, i) => trace(l, i)));
    }
    rows.forEach((r, i) => {
      expect(r.seq).toBe(i + 1);
      if (i > 0) expect(r.prev_hash).toBe(rows[i - 1]?.hash);
    });
    const verify = await call(`/api/v1/orgs/${org.orgId}/audit/verify`, { token: org.apiKey });
    expect(verify.status).toBe(200);
    expect(verify.json).toMatchObject({ ok: true, pending: 0, firstBroken: null, checked: rows.length });
    expect(verify.json.head.seq).toBe(rows.length);
  }, 120_000);
});
