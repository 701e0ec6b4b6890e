// Leases: an isolate's share of an org's budget. The DO never grants past a limit, shrinks a
// lease to one call near it, charges each drawn call once, and releases the rest on close.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../workers/errors.js";
import { newId } from "../../../workers/ids.js";
import { flushQueuedSettles } from "../../../workers/spend/client.js";
import { type CallHold, LEASE_CALLS, LEASE_DRAW_MS, holdForCall, releaseCall, settleCall } from "../../../workers/spend/credit.js";
import { TEST_MODEL, reserveReq, setLimit, spendOrg } from "./support.js";

const used = (n: number) => ({ inputTokens: 0, outputTokens: n, cachedTokens: 0 });

function context() {
  const background: Array<Promise<unknown>> = [];
  return {
    ctx: { waitUntil: (p: Promise<unknown>) => void background.push(p) },
    async settled() {
      while (background.length) await Promise.all(background.splice(0));
    },
  };
}

const auditOf = (orgId: string) => ({
  orgId,
  actor: { type: "agent" as const, id: "agt_test" },
  action: "llm.request",
  resource: { type: "model" },
  result: "success" as const,
});

describe("OrgSpend leases", () => {
  it("grants several calls' worth when there is room, a share of what is left near a limit, one call at the edge, and refuses past it", async () => {
    const org = await spendOrg("lease-size");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 100_000 });
    const lease = (tokens: number) => org.stub.reserve({ ...reserveReq(agent, tokens), leaseCalls: 16 });
    // 16 calls of 1,000 would be 16,000: more than 1/8 of the 100,000 left, so the grant is 12,500.
    expect(await lease(1_000)).toMatchObject({
      ok: true,
      reservedMicros: 12_500,
      price: { inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 1_000_000 },
    });
    expect(await lease(100)).toMatchObject({ ok: true, reservedMicros: 1_600 });
    // 85,900 left: a call of 80,000 fits but its share (10,737) is smaller, so it gets exactly its call.
    expect(await lease(80_000)).toMatchObject({ ok: true, reservedMicros: 80_000 });
    const refused = await lease(10_000);
    expect(refused).toMatchObject({ ok: false, reason: "limit" });
    const [status] = await org.stub.limitStatus();
    expect(status).toMatchObject({ reservedMicros: 12_500 + 1_600 + 80_000, spentMicros: 0 });
  });

  it("charges each drawn call once (retries included), moves it from the lease to spent, and releases the rest on close", async () => {
    const org = await spendOrg("lease-charge");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 10_000_000 });
    const lease = await org.stub.reserve({ ...reserveReq(agent, 1_000), leaseCalls: 10 });
    if (!lease.ok) throw new Error("no lease");
    expect(lease.reservedMicros).toBe(10_000);
    const callA = newId("rsv");
    const callB = newId("rsv");
    const results = await org.stub.settleMany([
      { reservationId: lease.reservationId, usage: used(400), call: { id: callA, heldMicros: 1_000 } },
      { reservationId: lease.reservationId, usage: used(400), call: { id: callA, heldMicros: 1_000 } },
      { reservationId: lease.reservationId, usage: null, call: { id: callB, heldMicros: 1_000 } },
    ]);
    expect(results).toEqual([
      { ok: true, reservationId: callA, chargedMicros: 400, basis: "reported" },
      { ok: true, reservationId: callA, chargedMicros: 400, basis: "reported" },
      { ok: true, reservationId: callB, chargedMicros: 1_000, basis: "reservation" },
    ]);
    expect((await org.stub.limitStatus())[0]).toMatchObject({ spentMicros: 1_400, reservedMicros: 8_600 });
    expect(await org.stub.settleMany([{ reservationId: lease.reservationId, usage: null, close: true }])).toEqual([
      { ok: true, reservationId: lease.reservationId, chargedMicros: 1_400, basis: "lease" },
    ]);
    expect((await org.stub.limitStatus())[0]).toMatchObject({ spentMicros: 1_400, reservedMicros: 0 });
    // A call that reports after the close still counts what the provider billed.
    const late = newId("rsv");
    await org.stub.settleMany([{ reservationId: lease.reservationId, usage: used(300), call: { id: late, heldMicros: 1_000 } }]);
    expect((await org.stub.limitStatus())[0]).toMatchObject({ spentMicros: 1_700, reservedMicros: 0 });
    await org.stub.flush();
    const usage = await env.DB.prepare("SELECT id, cost_micros FROM spend_usage WHERE org_id = ? ORDER BY cost_micros").bind(org.orgId).all();
    expect(usage.results).toEqual([
      { id: late, cost_micros: 300 },
      { id: callA, cost_micros: 400 },
      { id: callB, cost_micros: 1_000 },
    ]);
  });
});

describe("lease charges in one batch", () => {
  it("sums a batch's calls, its close and a late call into storage exactly as they were charged one by one", async () => {
    const org = await spendOrg("lease-batch", 2);
    const [a, b] = org.agents as [(typeof org.agents)[0], (typeof org.agents)[0]];
    await setLimit(org, { scope: "org", period: "day", limitMicros: 10_000_000 });
    const leaseA = await org.stub.reserve({ ...reserveReq(a, 1_000), leaseCalls: 10 });
    const leaseB = await org.stub.reserve({ ...reserveReq(b, 1_000), leaseCalls: 10 });
    if (!leaseA.ok || !leaseB.ok) throw new Error("no lease");
    const calls = Array.from({ length: 6 }, () => newId("rsv"));
    const results = await org.stub.settleMany([
      ...calls.slice(0, 4).map((id, i) => ({ reservationId: leaseA.reservationId, usage: used(100 * (i + 1)), call: { id, heldMicros: 1_000 } })),
      // A retry of a call in the same batch is charged once.
      { reservationId: leaseA.reservationId, usage: used(100), call: { id: calls[0]!, heldMicros: 1_000 } },
      { reservationId: leaseB.reservationId, usage: null, call: { id: calls[4]!, heldMicros: 1_000 } },
      { reservationId: leaseA.reservationId, usage: null, close: true },
      // After the close, in the same batch: still charged, nothing more released.
      { reservationId: leaseA.reservationId, usage: used(50), call: { id: calls[5]!, heldMicros: 1_000 } },
    ]);
    expect(results.map((r) => (r.ok ? r.chargedMicros : r.reason))).toEqual([100, 200, 300, 400, 100, 1_000, 1_000, 50]);
    const expected = { spentMicros: 100 + 200 + 300 + 400 + 1_000 + 50, reservedMicros: 10_000 - 1_000 };
    expect((await org.stub.limitStatus())[0]).toMatchObject(expected);
    const stored = await runInDurableObject(org.stub, (_i, state) => ({
      leases: state.storage.sql
        .exec<{ id: string; reserved: number; charged: number; state: string }>(
          "SELECT id, reserved, charged, state FROM reservations ORDER BY reserved",
        )
        .toArray(),
      calls: state.storage.sql.exec<{ n: number; total: number }>("SELECT count(*) AS n, sum(charged) AS total FROM lease_calls").one(),
      orgDay: state.storage.sql.exec<{ spent: number }>("SELECT spent FROM counters WHERE scope = 'org' AND length(win) = 10").one().spent,
    }));
    expect(stored.leases).toEqual([
      { id: leaseA.reservationId, reserved: 0, charged: 1_050, state: "settled" },
      { id: leaseB.reservationId, reserved: 9_000, charged: 1_000, state: "open" },
    ]);
    expect(stored.calls).toEqual({ n: 6, total: 2_050 });
    expect(stored.orgDay).toBe(2_050);
    // One ledger row per call reaches D1.
    await org.stub.flush();
    const sent = await env.DB.prepare("SELECT count(*) AS n, sum(cost_micros) AS total FROM spend_usage WHERE org_id = ?")
      .bind(org.orgId)
      .first<{ n: number; total: number }>();
    expect(sent).toEqual({ n: 6, total: 2_050 });
  });
});

describe("spend credit (the isolate's side of a lease)", () => {
  it("draws calls from one lease without asking the DO again, and closes it when the drawing time is up", async () => {
    const org = await spendOrg("credit");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "org", period: "day", limitMicros: 1_000_000_000 });
    const { ctx, settled } = context();
    const estimate = { inputTokens: 0, maxOutputTokens: 1_000 };
    const holds: CallHold[] = [];
    for (let i = 0; i < 5; i++) holds.push(await holdForCall(env, agent, TEST_MODEL, estimate, null, ctx));
    expect(holds.every((h) => h.kind === "draw")).toBe(true);
    const leases = new Set(holds.map((h) => (h.kind === "draw" ? h.credit.leaseId : "")));
    expect(leases.size).toBe(1);
    // One lease of 16 calls is held at the DO, whatever this isolate drew from it.
    expect((await org.stub.limitStatus(org.orgId))[0]).toMatchObject({ reservedMicros: LEASE_CALLS * 1_000 });

    for (const hold of holds.slice(0, 4)) settleCall(env, hold, used(250), auditOf(org.orgId), ctx);
    await releaseCall(env, agent, holds[4]!, ctx);
    await new Promise((r) => setTimeout(r, LEASE_DRAW_MS + 50));
    await settled();
    await flushQueuedSettles(org.orgId);
    expect((await org.stub.limitStatus(org.orgId))[0]).toMatchObject({ spentMicros: 1_000, reservedMicros: 0 });
  });

  it("keeps many concurrent calls of one isolate under a limit: at most a limit's worth is held, and charged", async () => {
    const org = await spendOrg("credit-conc");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 50_000 });
    const { ctx, settled } = context();
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        holdForCall(env, agent, TEST_MODEL, { inputTokens: 0, maxOutputTokens: 1_000 }, null, ctx).then(
          (hold) => hold,
          (error: unknown) => (error instanceof AppError ? error.code : String(error)),
        ),
      ),
    );
    const holds = outcomes.filter((o): o is CallHold => typeof o !== "string");
    expect(holds.length).toBeLessThanOrEqual(50);
    expect(holds.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => typeof o === "string").every((o) => o === "spend_limit")).toBe(true);
    const [held] = await org.stub.limitStatus(org.orgId);
    expect(held!.reservedMicros).toBeLessThanOrEqual(50_000);
    for (const hold of holds) settleCall(env, hold, used(1_000), auditOf(org.orgId), ctx);
    await new Promise((r) => setTimeout(r, LEASE_DRAW_MS + 50));
    await settled();
    await flushQueuedSettles(org.orgId);
    expect((await org.stub.limitStatus(org.orgId))[0]).toMatchObject({ spentMicros: holds.length * 1_000, reservedMicros: 0 });
  });

  it("charges a call its whole hold when the provider's usage is out of any sane range", async () => {
    const org = await spendOrg("credit-absurd");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "org", period: "day", limitMicros: 1_000_000_000 });
    const { ctx, settled } = context();
    const hold = await holdForCall(env, agent, TEST_MODEL, { inputTokens: 0, maxOutputTokens: 700 }, null, ctx);
    settleCall(env, hold, { inputTokens: 10 ** 12, outputTokens: 1, cachedTokens: 0 }, auditOf(org.orgId), ctx);
    await new Promise((r) => setTimeout(r, LEASE_DRAW_MS + 50));
    await settled();
    await flushQueuedSettles(org.orgId);
    expect((await org.stub.limitStatus(org.orgId))[0]).toMatchObject({ spentMicros: 700, reservedMicros: 0 });
  });
});
