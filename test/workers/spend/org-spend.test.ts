// OrgSpend driven directly through its RPC stub: concurrency, expiry, idempotency, isolation, stop events.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ReserveResult } from "../../../schema/spend.js";
import { call } from "../support/api.js";
import { type SpendAgent, TEST_MODEL, key, reserveReq, setLimit, spendOrg } from "./support.js";
import { auditStub } from "../audit/support.js";
import { OrgSpend } from "../../../workers/spend/org-spend.js";

const okIds = (results: ReserveResult[]) => results.flatMap((r) => (r.ok ? [r.reservationId] : []));

describe("OrgSpend.reserveMany", () => {
  it("reserves a batch in order in one call: each item checked against the holds before it, bad items refused alone", async () => {
    const org = await spendOrg("rmany");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 2_500 });
    const repeated = reserveReq(agent, 1_000);
    const results = await org.stub.reserveMany([repeated, { ...repeated }, reserveReq(agent, 1_000), { nonsense: true }, reserveReq(agent, 1_000)]);
    // The same idempotency key twice in one batch is one reservation; the second is told it is in progress.
    expect(results.map((r) => (r.ok ? "ok" : r.reason))).toEqual(["ok", "in_progress", "ok", "invalid_request", "limit"]);
    const [a, , c] = results;
    expect(c!.ok && a!.ok && c!.reservationId !== a!.reservationId).toBe(true);
    const [status] = await org.stub.limitStatus();
    expect(status).toMatchObject({ reservedMicros: 2_000, spentMicros: 0 });
    expect(await org.stub.reserveMany({ not: "a list" })).toEqual([]);
  });
});

describe("OrgSpend.settleMany", () => {
  it("settles a batch in one call, answering each item in order; repeats are idempotent and bad items refused alone", async () => {
    const org = await spendOrg("many");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 1_000_000 });
    const a = await org.stub.reserve(reserveReq(agent, 1_000));
    const b = await org.stub.reserve(reserveReq(agent, 1_000));
    if (!a.ok || !b.ok) throw new Error("reserve failed");
    const usage = { inputTokens: 0, outputTokens: 400, cachedTokens: 0 };
    const results = await org.stub.settleMany([
      { reservationId: a.reservationId, usage },
      { reservationId: b.reservationId, usage: null },
      { reservationId: a.reservationId, usage },
      { reservationId: "rsv_00000000000000000000000000", usage },
      { reservationId: b.reservationId, usage: { inputTokens: -1 } },
    ]);
    expect(results).toEqual([
      { ok: true, reservationId: a.reservationId, chargedMicros: 400, basis: "reported" },
      { ok: true, reservationId: b.reservationId, chargedMicros: 1_000, basis: "reservation" },
      { ok: true, reservationId: a.reservationId, chargedMicros: 400, basis: "reported" },
      { ok: false, reason: "unknown_reservation" },
      { ok: false, reason: "invalid_request" },
    ]);
    const [status] = await org.stub.limitStatus();
    expect(status).toMatchObject({ spentMicros: 1_400, reservedMicros: 0 });
    expect(await org.stub.settleMany("not a list")).toEqual([]);
    expect(await org.stub.settleMany(Array.from({ length: 501 }, () => ({ reservationId: a.reservationId, usage })))).toEqual([]);
  });
});

describe("OrgSpend concurrency", () => {
  it("lets at most 100 of 500 concurrent reservations through a limit worth 100, and settles within it", async () => {
    const org = await spendOrg("conc");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 100_000 });

    const results = await Promise.all(Array.from({ length: 500 }, () => org.stub.reserve(reserveReq(agent, 1_000))));
    const ok = okIds(results);
    expect(ok.length).toBe(100);
    for (const r of results) if (!r.ok) expect(r).toMatchObject({ reason: "limit", scope: "agent", limitMicros: 100_000 });

    // Every call used its whole estimate: the settled total lands exactly on the limit, never above.
    const settled = await Promise.all(ok.map((id) => org.stub.settle(id, { inputTokens: 0, outputTokens: 1_000, cachedTokens: 0 })));
    const charged = settled.reduce((sum, s) => sum + (s.ok ? s.chargedMicros : 0), 0);
    expect(charged).toBe(100_000);
    const [status] = (await org.stub.limitStatus()).filter((l) => l.scope === "agent");
    expect(status).toMatchObject({ spentMicros: 100_000, reservedMicros: 0, limitMicros: 100_000 });
    expect((await org.stub.reserve(reserveReq(agent, 1))).ok).toBe(false);
  });

  it("keeps settled + reserved within org, team and agent limits when reserves and settles interleave", async () => {
    const org = await spendOrg("mix", 3);
    await setLimit(org, { scope: "org", period: "month", limitMicros: 90_000 });
    await setLimit(org, { scope: "team", scopeId: org.teamId, period: "day", limitMicros: 60_000 });
    await setLimit(org, { scope: "agent", scopeId: org.agents[0]!.id, period: "total", limitMicros: 25_000 });

    let charged = 0;
    let refused = 0;
    const calls = Array.from({ length: 300 }, async (_, i) => {
      const agent = org.agents[i % 3]!;
      const r = await org.stub.reserve(reserveReq(agent, 1_000));
      if (!r.ok) {
        refused++;
        return;
      }
      // Real usage is below the estimate, so settling frees room for later calls.
      const s = await org.stub.settle(r.reservationId, { inputTokens: 0, outputTokens: 300 + (i % 7) * 100, cachedTokens: 0 });
      if (s.ok) charged += s.chargedMicros;
    });
    await Promise.all(calls);
    const status = await org.stub.limitStatus();
    for (const s of status) {
      expect(s.reservedMicros, s.scope).toBe(0);
      expect(s.spentMicros, s.scope).toBeLessThanOrEqual(s.limitMicros);
    }
    // Every agent is in the team, so the team's day total is everything charged.
    expect(status.find((s) => s.scope === "team")?.spentMicros).toBe(charged);
    // The limits were really in play: some calls went through, some were refused.
    expect(charged).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

describe("OrgSpend lifecycle", () => {
  it("settles a call that died mid-stream on what was used", async () => {
    const org = await spendOrg("died");
    const r = await org.stub.reserve(reserveReq(org.agents[0]!, 5_000));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = await org.stub.settle(r.reservationId, { inputTokens: 0, outputTokens: 1_234, cachedTokens: 0 });
    expect(s).toMatchObject({ ok: true, chargedMicros: 1_234, basis: "reported" });
  });

  it("releases reservations that were never settled when they expire (alarm)", async () => {
    const org = await spendOrg("expire");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 10_000 });
    const r = await org.stub.reserve(reserveReq(agent, 10_000));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect((await org.stub.reserve(reserveReq(agent, 1))).ok).toBe(false);

    // Move the hold's expiry into the past, then let the real alarm handler run.
    await runInDurableObject(org.stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE reservations SET expires_at = 0 WHERE id = ?", r.reservationId);
    });
    // (The refusal above also scheduled a ledger flush, so the real alarm may already have done this.)
    await runDurableObjectAlarm(org.stub);

    const [status] = await org.stub.limitStatus();
    expect(status).toMatchObject({ spentMicros: 0, reservedMicros: 0 });
    expect((await org.stub.reserve(reserveReq(agent, 10_000))).ok).toBe(true);
    // A settle without usage after expiry has nothing to charge.
    expect(await org.stub.settle(r.reservationId, null)).toEqual({ ok: false, reason: "released" });
  });

  it("drops past day and month windows from the DO at the alarm, keeping current ones", async () => {
    const org = await spendOrg("prune");
    const r = await org.stub.reserve(reserveReq(org.agents[0]!, 10));
    if (!r.ok) throw new Error("reserve refused");
    const count = () =>
      runInDurableObject(org.stub, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM counters").one().n);
    const current = await count();
    await runInDurableObject(org.stub, (_i, state) => {
      state.storage.sql.exec("INSERT INTO counters (scope, scope_id, win, spent) VALUES ('org', '', '2020-01-01', 5), ('org', '', '2020-01', 5)");
    });
    expect(await count()).toBe(current + 2);
    await runInDurableObject(org.stub, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(org.stub)).toBe(true);
    expect(await count()).toBe(current);
  });

  it("charges the whole reservation when the provider reports no usage, never zero", async () => {
    const org = await spendOrg("nousage");
    const r = await org.stub.reserve({ ...reserveReq(org.agents[0]!, 700), estimate: { inputTokens: 300, maxOutputTokens: 700 } });
    if (!r.ok) throw new Error("reserve refused");
    expect(r.reservedMicros).toBe(1_000);
    expect(await org.stub.settle(r.reservationId, null)).toMatchObject({ ok: true, chargedMicros: 1_000, basis: "reservation" });
  });

  it("charges usage above the reservation as reported, and audits the overrun", async () => {
    const org = await spendOrg("overrun");
    const r = await org.stub.reserve(reserveReq(org.agents[0]!, 100));
    if (!r.ok) throw new Error("reserve refused");
    expect(await org.stub.settle(r.reservationId, { inputTokens: 0, outputTokens: 150, cachedTokens: 0 })).toMatchObject({ chargedMicros: 150 });
    await org.stub.flush();
    // Audit events reach D1 in batches from the org's AuditLog; flush it before reading D1.
    await auditStub(org.orgId).flush();
    const audit = await env.DB.prepare("SELECT resource_id AS id, result FROM audit_events WHERE org_id = ? AND action = 'spend.overrun'")
      .bind(org.orgId)
      .all();
    expect(audit.results).toEqual([{ id: r.reservationId, result: "error" }]);
  });

  it("bills cached input at the cached price", async () => {
    const org = await spendOrg("cached");
    const r = await org.stub.reserve({ ...reserveReq(org.agents[0]!, 100), estimate: { inputTokens: 10_000, maxOutputTokens: 100 } });
    if (!r.ok) throw new Error("reserve refused");
    // 2,000 uncached at 1 µ$ + 8,000 cached at 0.5 µ$ + 50 output at 1 µ$.
    const s = await org.stub.settle(r.reservationId, { inputTokens: 10_000, outputTokens: 50, cachedTokens: 8_000 });
    expect(s).toMatchObject({ ok: true, chargedMicros: 6_050 });
  });

  it("gives a released hold back at once, and release is idempotent", async () => {
    const org = await spendOrg("release");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "org", period: "total", limitMicros: 5_000 });
    const r = await org.stub.reserve(reserveReq(agent, 5_000));
    if (!r.ok) throw new Error("reserve refused");
    expect(await org.stub.release(r.reservationId)).toEqual({ released: true });
    expect(await org.stub.release(r.reservationId)).toEqual({ released: false });
    expect((await org.stub.reserve(reserveReq(agent, 5_000))).ok).toBe(true);
  });

  it("reserves a released key again under its first id, stored as one open row", async () => {
    const org = await spendOrg("rereserve");
    const agent = org.agents[0]!;
    const req = reserveReq(agent, 1_000);
    const first = await org.stub.reserve(req);
    if (!first.ok) throw new Error("reserve refused");
    await org.stub.release(first.reservationId);
    const again = await org.stub.reserve(req);
    expect(again).toMatchObject({ ok: true, reservationId: first.reservationId, state: "open", reservedMicros: 1_000 });
    const rows = await runInDurableObject(org.stub, (_i, state) =>
      state.storage.sql
        .exec<{ id: string; state: string }>("SELECT id, state FROM reservations WHERE agent_id = ? AND idem_key = ?", agent.id, req.idempotencyKey)
        .toArray(),
    );
    expect(rows).toEqual([{ id: first.reservationId, state: "open" }]);
    expect(await org.stub.settle(first.reservationId, { inputTokens: 0, outputTokens: 300, cachedTokens: 0 })).toMatchObject({
      ok: true,
      chargedMicros: 300,
    });
  });
});

describe("OrgSpend usage ledger", () => {
  it("writes settled calls to D1 from the alarm, once per reservation", async () => {
    const org = await spendOrg("ledger");
    const agent = org.agents[0]!;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await org.stub.reserve(reserveReq(agent, 100));
      if (!r.ok) throw new Error("reserve refused");
      await org.stub.settle(r.reservationId, { inputTokens: 0, outputTokens: 10 + i, cachedTokens: 0 });
      ids.push(r.reservationId);
    }
    const rows = () =>
      env.DB.prepare("SELECT count(*) AS n, sum(cost_micros) AS cost FROM spend_usage WHERE org_id = ?")
        .bind(org.orgId)
        .first<{ n: number; cost: number }>();
    // The settle answered without writing D1; the alarm (batched, off the call's path) writes the rows.
    await runDurableObjectAlarm(org.stub);
    expect(await rows()).toEqual({ n: 12, cost: 12 * 10 + 66 });
    // A second flush and a retried settle add nothing.
    await org.stub.settle(ids[0]!, { inputTokens: 0, outputTokens: 10, cachedTokens: 0 });
    await org.stub.flush();
    expect(await rows()).toEqual({ n: 12, cost: 12 * 10 + 66 });
  });
});

describe("OrgSpend idempotency", () => {
  const FP_A = "a".repeat(64);
  const FP_B = "b".repeat(64);

  it("buys one call per key: in progress while open, settled once charged, another agent's key is its own", async () => {
    const org = await spendOrg("idem");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 1_000_000 });
    const k = key("retry");
    const req = { ...reserveReq(agent, 2_000, k), fingerprint: FP_A };
    const [a, b] = await Promise.all([org.stub.reserve(req), org.stub.reserve(req)]);
    if (!a.ok) throw new Error("reserve refused");
    expect(b).toEqual({ ok: false, reason: "in_progress" });
    expect((await org.stub.limitStatus())[0]).toMatchObject({ reservedMicros: 2_000 });

    const usage = { inputTokens: 0, outputTokens: 1_500, cachedTokens: 0 };
    const [s1, s2] = await Promise.all([org.stub.settle(a.reservationId, usage), org.stub.settle(a.reservationId, usage)]);
    expect(s1).toEqual(s2);
    // A retry of the whole call after settlement is told it was charged, and nothing more is held.
    const again = await org.stub.reserve(req);
    expect(again).toMatchObject({ ok: true, reservationId: a.reservationId, state: "settled" });
    expect((await org.stub.limitStatus())[0]).toMatchObject({ spentMicros: 1_500, reservedMicros: 0 });

    // Another agent using the same key gets its own reservation, never the first agent's.
    const other = await org.stub.reserve({ ...reserveReq(org.agents[1]!, 2_000, k), fingerprint: FP_B });
    expect(other).toMatchObject({ ok: true, state: "open" });
    if (other.ok) expect(other.reservationId).not.toBe(a.reservationId);
  });

  it("refuses a key reused for another request, open, settled or released", async () => {
    const org = await spendOrg("idem-fp");
    const agent = org.agents[0]!;
    const k = key("fp");
    const first = await org.stub.reserve({ ...reserveReq(agent, 100, k), fingerprint: FP_A });
    if (!first.ok) throw new Error("reserve refused");
    const other = { ...reserveReq(agent, 100, k), fingerprint: FP_B };
    expect(await org.stub.reserve(other)).toEqual({ ok: false, reason: "key_reused" });
    await org.stub.release(first.reservationId);
    expect(await org.stub.reserve(other)).toEqual({ ok: false, reason: "key_reused" });
    // The same request may be tried again once released, under the key's first id.
    const retry = await org.stub.reserve({ ...reserveReq(agent, 100, k), fingerprint: FP_A });
    expect(retry).toMatchObject({ ok: true, reservationId: first.reservationId, state: "open" });
    await org.stub.settle(first.reservationId, null);
    expect(await org.stub.reserve(other)).toEqual({ ok: false, reason: "key_reused" });
  });

  it("never reserves a key again once its reservation expired unsettled (its call may have reached the provider)", async () => {
    const org = await spendOrg("idem-exp");
    const agent = org.agents[0]!;
    const req = { ...reserveReq(agent, 100), fingerprint: FP_A };
    const r = await org.stub.reserve(req);
    if (!r.ok) throw new Error("reserve refused");
    await runInDurableObject(org.stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE reservations SET expires_at = 0 WHERE id = ?", r.reservationId);
    });
    await runDurableObjectAlarm(org.stub);
    expect(await org.stub.reserve(req)).toEqual({ ok: false, reason: "expired" });
    // A late settle still records what the provider billed.
    expect(await org.stub.settle(r.reservationId, { inputTokens: 0, outputTokens: 40, cachedTokens: 0 })).toMatchObject({
      ok: true,
      chargedMicros: 40,
    });
  });
});

describe("OrgSpend storage", () => {
  it("adds the columns an older object's tables lack, keeping their rows", async () => {
    const org = await spendOrg("migrate");
    const r = await org.stub.reserve(reserveReq(org.agents[0]!, 100));
    if (!r.ok) throw new Error("reserve refused");
    const columns = await runInDurableObject(org.stub, (_instance, state) => {
      const names = () =>
        state.storage.sql
          .exec<{ name: string }>("PRAGMA table_info(reservations)")
          .toArray()
          .map((c) => c.name);
      state.storage.sql.exec("ALTER TABLE reservations DROP COLUMN fingerprint");
      state.storage.sql.exec("ALTER TABLE reservations DROP COLUMN parent_agent_id");
      const before = names();
      new OrgSpend(state, env);
      return { before, after: names(), rows: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM reservations").one().n };
    });
    expect(columns.before).not.toContain("fingerprint");
    expect(columns.after).toEqual(expect.arrayContaining(["fingerprint", "parent_agent_id"]));
    expect(columns.rows).toBe(1);
  });
});

describe("OrgSpend subagents", () => {
  it("holds and charges a subagent's calls against its parent's agent limits; the parent's counters include them", async () => {
    const org = await spendOrg("sub", 3);
    const [parent, child, stranger] = org.agents as [SpendAgent, SpendAgent, SpendAgent];
    await setLimit(org, { scope: "agent", scopeId: parent.id, period: "day", limitMicros: 3_000 });
    const asChild = (tokens: number) => ({ ...reserveReq(child, tokens), parentAgentId: parent.id });
    const a = await org.stub.reserve(asChild(2_000));
    if (!a.ok) throw new Error("reserve refused");
    // The parent's own call and the child's next one share the parent's room.
    expect(await org.stub.reserve(reserveReq(parent, 1_500))).toMatchObject({ ok: false, reason: "limit", scope: "agent" });
    expect(await org.stub.reserve(asChild(1_500))).toMatchObject({ ok: false, reason: "limit", scope: "agent" });
    // An agent that is not its child is not held by the parent's limit.
    expect((await org.stub.reserve(reserveReq(stranger, 5_000))).ok).toBe(true);
    await org.stub.settle(a.reservationId, { inputTokens: 0, outputTokens: 1_200, cachedTokens: 0 });
    expect(await org.stub.limitStatus()).toEqual([expect.objectContaining({ scopeId: parent.id, spentMicros: 1_200, reservedMicros: 0 })]);
    expect((await org.stub.reserve(reserveReq(parent, 1_800))).ok).toBe(true);
    expect(await org.stub.reserve(asChild(1))).toMatchObject({ ok: false, reason: "limit" });
  });
});

describe("OrgSpend isolation and pricing", () => {
  it("never lets one org's limits or spend affect another org", async () => {
    const a = await spendOrg("iso-a");
    const b = await spendOrg("iso-b");
    await setLimit(a, { scope: "org", period: "day", limitMicros: 0 });
    expect(await a.stub.reserve(reserveReq(a.agents[0]!, 10))).toMatchObject({ ok: false, reason: "limit", scope: "org" });
    const rb = await b.stub.reserve(reserveReq(b.agents[0]!, 10));
    expect(rb.ok).toBe(true);
    if (rb.ok) await b.stub.settle(rb.reservationId, null);
    expect(await a.stub.limitStatus()).toEqual([expect.objectContaining({ spentMicros: 0, reservedMicros: 0 })]);
    expect(await b.stub.limitStatus()).toEqual([]);
  });

  it("refuses models without a price until the org sets a fallback", async () => {
    const org = await spendOrg("unpriced");
    const req = { ...reserveReq(org.agents[0]!, 10), model: "mystery-model-9" };
    expect(await org.stub.reserve(req)).toEqual({ ok: false, reason: "unpriced_model", model: "mystery-model-9" });
    const fallback = await call(`/api/v1/orgs/${org.orgId}/prices`, {
      method: "POST",
      token: org.apiKey,
      body: { model: "*", inputMicrosPerMTok: 2_000_000, outputMicrosPerMTok: 2_000_000 },
    });
    expect(fallback.status).toBe(201);
    expect(await org.stub.reserve(req)).toMatchObject({ ok: true, reservedMicros: 20 });
  });

  it("prices dated snapshots of known models by their family default", async () => {
    const org = await spendOrg("default-price");
    const r = await org.stub.reserve({
      ...reserveReq(org.agents[0]!, 0),
      model: "gpt-4o-mini-2024-07-18",
      estimate: { inputTokens: 1_000_000, maxOutputTokens: 1_000_000 },
    });
    expect(r).toMatchObject({ ok: true, reservedMicros: 150_000 + 600_000 });
    expect(TEST_MODEL).toBe("test-model");
  });

  it("rejects malformed RPC payloads instead of reserving", async () => {
    const org = await spendOrg("rpc-bad");
    const agent = org.agents[0]!;
    for (const bad of [
      { ...reserveReq(agent, 10), estimate: { inputTokens: -1, maxOutputTokens: 1 } },
      { ...reserveReq(agent, 10), estimate: { inputTokens: 1.5, maxOutputTokens: 1 } },
      { ...reserveReq(agent, 10), model: "*" },
      { ...reserveReq(agent, 10), agentId: "not-an-agent" },
      { ...reserveReq(agent, 10), extra: true },
      // A request for another org sent to this org's object.
      { ...reserveReq(agent, 10), orgId: "org_00000000000000000000000000" },
    ]) {
      expect(await org.stub.reserve(bad)).toEqual({ ok: false, reason: "invalid_request" });
    }
    expect(await org.stub.settle("rsv_00000000000000000000000000", null)).toEqual({ ok: false, reason: "unknown_reservation" });
    expect(await org.stub.settle("nope", null)).toEqual({ ok: false, reason: "invalid_request" });
    expect(await org.stub.settle("rsv_00000000000000000000000000", { inputTokens: -5, outputTokens: 0, cachedTokens: 0 })).toEqual({
      ok: false,
      reason: "invalid_request",
    });
    expect(await org.stub.limitStatus()).toEqual([]);
  });
});

describe("OrgSpend stop events", () => {
  it("queues one stop event per reached limit and window, drained once", async () => {
    const org = await spendOrg("stop");
    const agent = org.agents[1]!;
    const limitId = await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 1_000 });
    const r = await org.stub.reserve(reserveReq(agent, 1_000));
    if (!r.ok) throw new Error("reserve refused");
    await org.stub.settle(r.reservationId, null);
    expect((await org.stub.reserve(reserveReq(agent, 1))).ok).toBe(false);
    expect((await org.stub.reserve(reserveReq(agent, 1))).ok).toBe(false);
    const events = await org.stub.drainStopEvents();
    expect(events).toEqual([
      expect.objectContaining({ agentId: agent.id, teamId: org.teamId, scope: "agent", scopeId: agent.id, limitId, period: "day" }),
    ]);
    expect(await org.stub.drainStopEvents()).toEqual([]);
  });
});
