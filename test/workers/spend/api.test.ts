// Spend through the admin API and the LLM proxy's client helpers: prices, limits, usage, alerts, fail-closed.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../workers/errors.js";
import { releaseSpend, reserveSpend, settleSpend } from "../../../workers/spend/client.js";
import { call, expectErrorShape, seedMember } from "../support/api.js";
import { TEST_MODEL, key, setLimit, setPrice, spendOrg } from "./support.js";

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected the call to be refused");
}

/** 250,000 output tokens at 1 µ$ each: a quarter of a dollar. */
const QUARTER = { inputTokens: 0, maxOutputTokens: 250_000 };

describe("done when: an agent with a $1 daily limit", () => {
  it("is refused with 429 at $1, the API shows the usage, and raising the limit lets it continue at once", async () => {
    const org = await spendOrg("dollar");
    const agent = org.agents[0]!;
    const limitId = await setLimit(org, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 1_000_000 });

    for (let i = 0; i < 4; i++) {
      const r = await reserveSpend(env, agent, TEST_MODEL, QUARTER, key("dollar"));
      expect(r).toMatchObject({ reservedMicros: 250_000, state: "open" });
      expect(await settleSpend(env, agent, r.reservationId, { inputTokens: 0, outputTokens: 250_000, cachedTokens: 0 })).toEqual({
        chargedMicros: 250_000,
      });
    }
    const refused = await refusal(reserveSpend(env, agent, TEST_MODEL, { inputTokens: 10, maxOutputTokens: 10 }, key("dollar")));
    expect(refused.code).toBe("spend_limit");
    expect(refused.status).toBe(429);
    expect(refused.details).toMatchObject({ scope: "agent", period: "day", limitMicros: 1_000_000, spentMicros: 1_000_000 });

    const usage = await call(`/api/v1/orgs/${org.orgId}/usage`, { token: org.apiKey });
    expect(usage.status).toBe(200);
    expect(usage.json.total).toEqual({ costMicros: 1_000_000, inputTokens: 0, outputTokens: 1_000_000, calls: 4 });
    expect(usage.json.byAgent).toEqual([{ agentId: agent.id, costMicros: 1_000_000, inputTokens: 0, outputTokens: 1_000_000, calls: 4 }]);
    expect(usage.json.byTeam).toEqual([expect.objectContaining({ teamId: org.teamId, costMicros: 1_000_000 })]);
    expect(usage.json.byModel).toEqual([expect.objectContaining({ model: TEST_MODEL, calls: 4 })]);
    expect(usage.json.byDay).toEqual([expect.objectContaining({ day: new Date().toISOString().slice(0, 10), costMicros: 1_000_000 })]);
    const live = await call(`/api/v1/orgs/${org.orgId}/usage/limits`, { token: org.apiKey });
    expect(live.json.items).toEqual([expect.objectContaining({ id: limitId, spentMicros: 1_000_000, reservedMicros: 0 })]);

    const raised = await call(`/api/v1/orgs/${org.orgId}/limits/${limitId}`, {
      method: "PATCH",
      token: org.apiKey,
      body: { limitMicros: 2_000_000 },
    });
    expect(raised.status).toBe(200);
    expect((await reserveSpend(env, agent, TEST_MODEL, QUARTER, key("dollar"))).state).toBe("open");

    // The other agent of the org has no limit of its own and the org has none: it was never affected.
    expect((await reserveSpend(env, org.agents[1]!, TEST_MODEL, QUARTER, key("other"))).state).toBe("open");

    // The tunnel is told to stop the agent's sandboxes once, and the audit says why.
    expect(await org.stub.drainStopEvents()).toEqual([expect.objectContaining({ agentId: agent.id, limitId })]);
    await org.stub.flush();
    const audit = await call(`/api/v1/orgs/${org.orgId}/audit?action=spend.limit_reached`, { token: org.apiKey });
    expect(audit.json.items).toEqual([
      expect.objectContaining({ actor: { type: "system", id: "spend" }, result: "denied", resource: { type: "limit", id: limitId } }),
    ]);
  });

  it("lowering a limit takes effect at once too", async () => {
    const org = await spendOrg("lower");
    const agent = org.agents[0]!;
    const limitId = await setLimit(org, { scope: "team", scopeId: org.teamId, period: "month", limitMicros: 10_000_000 });
    await reserveSpend(env, agent, TEST_MODEL, QUARTER, key());
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/limits/${limitId}`, { method: "PATCH", token: org.apiKey, body: { limitMicros: 300_000 } })).status,
    ).toBe(200);
    expect((await refusal(reserveSpend(env, org.agents[1]!, TEST_MODEL, QUARTER, key()))).code).toBe("spend_limit");
  });
});

describe("alerts", () => {
  it("audits each soft threshold once per period", async () => {
    const org = await spendOrg("alerts");
    const agent = org.agents[0]!;
    const limitId = await setLimit(org, { scope: "org", period: "day", limitMicros: 1_000_000, thresholds: [50, 80, 100] });
    for (let i = 0; i < 4; i++) {
      const r = await reserveSpend(env, agent, TEST_MODEL, QUARTER, key());
      await settleSpend(env, agent, r.reservationId, null);
    }
    await org.stub.flush();
    const audit = await call(`/api/v1/orgs/${org.orgId}/audit?action=spend.threshold&limit=50`, { token: org.apiKey });
    expect(audit.status).toBe(200);
    const thresholds = audit.json.items.map((e: { details: { threshold: number }; resource: { id: string } }) => [
      e.resource.id,
      e.details.threshold,
    ]);
    expect(thresholds).toEqual([
      [limitId, 50],
      [limitId, 80],
      [limitId, 100],
    ]);
  });
});

describe("client fails closed", () => {
  const agent = { id: "agt_00000000000000000000000000", orgId: "org_00000000000000000000000000", teamId: null };

  it("refuses with 503 when the spend DO cannot be reached", async () => {
    // Fault injection: a binding whose every call fails, as when the DO is overloaded or gone.
    const broken = {
      ...env,
      ORG_SPEND: {
        idFromName: () => {
          throw new Error("overloaded");
        },
        get: () => {
          throw new Error("overloaded");
        },
      },
    };
    const error = await refusal(reserveSpend(broken as unknown as Env, agent, TEST_MODEL, QUARTER, key()));
    expect(error.code).toBe("unavailable");
    expect(error.status).toBe(503);
  });

  it("refuses with 503 when the spend DO does not answer in time", async () => {
    const hanging = { reserve: () => new Promise(() => undefined) };
    const slow = { ...env, ORG_SPEND: { idFromName: () => ({}), get: () => hanging } };
    const error = await refusal(reserveSpend(slow as unknown as Env, agent, TEST_MODEL, QUARTER, key(), { timeoutMs: 20 }));
    expect(error.code).toBe("unavailable");
  });

  it("refuses unpriced models with 400 and never counts them as free", async () => {
    const org = await spendOrg("free");
    const error = await refusal(reserveSpend(env, org.agents[0]!, "made-up-model", QUARTER, key()));
    expect(error.code).toBe("bad_request");
  });

  it("releases a hold so the room is available again", async () => {
    const org = await spendOrg("client-release");
    const agent = org.agents[0]!;
    await setLimit(org, { scope: "agent", scopeId: agent.id, period: "total", limitMicros: 250_000 });
    const r = await reserveSpend(env, agent, TEST_MODEL, QUARTER, key());
    await releaseSpend(env, agent, r.reservationId);
    expect((await reserveSpend(env, agent, TEST_MODEL, QUARTER, key())).state).toBe("open");
  });
});

describe("prices API", () => {
  it("creates, reads, updates and deletes an override; duplicates conflict", async () => {
    const org = await spendOrg("prices");
    const base = `/api/v1/orgs/${org.orgId}/prices`;
    const id = await setPrice(org, "gpt-4o", 2_000_000, 9_000_000);
    expect(
      (await call(base, { method: "POST", token: org.apiKey, body: { model: "gpt-4o", inputMicrosPerMTok: 1, outputMicrosPerMTok: 1 } })).status,
    ).toBe(409);
    expect((await call(`${base}/${id}`, { token: org.apiKey })).json).toMatchObject({
      model: "gpt-4o",
      inputMicrosPerMTok: 2_000_000,
      cachedMicrosPerMTok: null,
    });
    const patched = await call(`${base}/${id}`, { method: "PATCH", token: org.apiKey, body: { cachedMicrosPerMTok: 1_000_000 } });
    expect(patched.json).toMatchObject({ inputMicrosPerMTok: 2_000_000, cachedMicrosPerMTok: 1_000_000 });
    const list = await call(base, { token: org.apiKey });
    expect(list.json.items.map((p: { model: string }) => p.model).sort()).toEqual(["gpt-4o", TEST_MODEL]);
    // The override is what the DO charges from now on.
    const r = await reserveSpend(env, org.agents[0]!, "gpt-4o-2024-11-20", { inputTokens: 1_000_000, maxOutputTokens: 0 }, key());
    expect(r.reservedMicros).toBe(2_000_000);
    expect((await call(`${base}/${id}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await call(`${base}/${id}`, { token: org.apiKey })).status).toBe(404);
    const d = await reserveSpend(env, org.agents[0]!, "gpt-4o", { inputTokens: 1_000_000, maxOutputTokens: 0 }, key());
    expect(d.reservedMicros).toBe(2_500_000);
    const defaults = await call(`${base}/defaults`, { token: org.apiKey });
    expect(defaults.json.items).toContainEqual({
      model: "gpt-4o-mini",
      inputMicrosPerMTok: 150_000,
      outputMicrosPerMTok: 600_000,
      cachedMicrosPerMTok: 75_000,
    });
  });

  it("refuses negative, fractional, absurd and malformed prices, saving nothing", async () => {
    const org = await spendOrg("bad-prices");
    const base = `/api/v1/orgs/${org.orgId}/prices`;
    const ok = { model: "m1", inputMicrosPerMTok: 1, outputMicrosPerMTok: 1 };
    for (const bad of [
      { ...ok, inputMicrosPerMTok: -1 },
      { ...ok, outputMicrosPerMTok: 1.5 },
      { ...ok, inputMicrosPerMTok: 1e16 },
      { ...ok, cachedMicrosPerMTok: -3 },
      { ...ok, model: "" },
      { ...ok, model: "bad model name" },
      { ...ok, inputMicrosPerMTok: "1" },
      { model: "m1", inputMicrosPerMTok: 1 },
    ]) {
      const res = await call(base, { method: "POST", token: org.apiKey, body: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expectErrorShape(res);
    }
    const list = await call(base, { token: org.apiKey });
    expect(list.json.items.map((p: { model: string }) => p.model)).toEqual([TEST_MODEL]);
    const id = list.json.items[0].id;
    expect((await call(`${base}/${id}`, { method: "PATCH", token: org.apiKey, body: { outputMicrosPerMTok: -5 } })).status).toBe(400);
    expect((await call(`${base}/${id}`, { token: org.apiKey })).json.outputMicrosPerMTok).toBe(1_000_000);
  });
});

describe("limits API", () => {
  it("refuses bad limits with 400, other orgs' scopes with 404, and saves nothing", async () => {
    const org = await spendOrg("bad-limits");
    const other = await spendOrg("bad-limits-other");
    const base = `/api/v1/orgs/${org.orgId}/limits`;
    const cases: Array<[number, Record<string, unknown>]> = [
      [400, { scope: "org", period: "day", limitMicros: -1 }],
      [400, { scope: "org", period: "day", limitMicros: 10.5 }],
      [400, { scope: "org", period: "day", limitMicros: 2e15 }],
      [400, { scope: "project", scopeId: "prj_00000000000000000000000000", period: "day", limitMicros: 1 }],
      [400, { scope: "org", period: "week", limitMicros: 1 }],
      [400, { scope: "org", scopeId: org.teamId, period: "day", limitMicros: 1 }],
      [400, { scope: "team", period: "day", limitMicros: 1 }],
      [400, { scope: "agent", scopeId: org.teamId, period: "day", limitMicros: 1 }],
      [400, { scope: "org", period: "day", limitMicros: 1, thresholds: [80, 50] }],
      [400, { scope: "org", period: "day", limitMicros: 1, thresholds: [0] }],
      [400, { scope: "org", period: "day", limitMicros: 1, thresholds: [101] }],
      [404, { scope: "agent", scopeId: other.agents[0]!.id, period: "day", limitMicros: 1 }],
      [404, { scope: "team", scopeId: other.teamId, period: "day", limitMicros: 1 }],
    ];
    for (const [status, bad] of cases) {
      const res = await call(base, { method: "POST", token: org.apiKey, body: bad });
      expect(res.status, JSON.stringify(bad)).toBe(status);
      expectErrorShape(res);
    }
    expect((await call(base, { token: org.apiKey })).json.items).toEqual([]);
    expect(await org.stub.limitStatus()).toEqual([]);

    const id = await setLimit(org, { scope: "org", period: "day", limitMicros: 5 });
    expect((await call(base, { method: "POST", token: org.apiKey, body: { scope: "org", period: "day", limitMicros: 9 } })).status).toBe(409);
    for (const bad of [{ limitMicros: -1 }, { limitMicros: 0.5 }, { limitMicros: 1e16 }, { scope: "team" }]) {
      expect((await call(`${base}/${id}`, { method: "PATCH", token: org.apiKey, body: bad })).status, JSON.stringify(bad)).toBe(400);
    }
    const after = await call(`${base}/${id}`, { token: org.apiKey });
    expect(after.json).toMatchObject({ scope: "org", scopeId: null, period: "day", limitMicros: 5, thresholds: [50, 80, 100] });
    expect((await call(`${base}/${id}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect(await org.stub.limitStatus()).toEqual([]);
  });

  it("lets members read limits but not change them or read usage", async () => {
    const org = await spendOrg("member-limits");
    const member = await seedMember(org, "member");
    expect((await call(`/api/v1/orgs/${org.orgId}/limits`, { token: member.apiKey })).status).toBe(200);
    expect(
      (
        await call(`/api/v1/orgs/${org.orgId}/limits`, {
          method: "POST",
          token: member.apiKey,
          body: { scope: "org", period: "day", limitMicros: 0 },
        })
      ).status,
    ).toBe(403);
    expect((await call(`/api/v1/orgs/${org.orgId}/usage`, { token: member.apiKey })).status).toBe(403);
    expect((await call(`/api/v1/orgs/${org.orgId}/limits`, { token: org.apiKey })).json.items).toEqual([]);
  });
});

describe("usage API", () => {
  it("refuses bad ranges", async () => {
    const org = await spendOrg("usage-range");
    for (const q of ["?from=2026-02-30", "?from=yesterday", "?from=2026-05-02&to=2026-05-01", "?from=2020-01-01&to=2026-01-01", "?group=agent"]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/usage${q}`, { token: org.apiKey });
      expect(res.status, q).toBe(400);
      expectErrorShape(res);
    }
    const empty = await call(`/api/v1/orgs/${org.orgId}/usage?from=2026-01-01&to=2026-01-31`, { token: org.apiKey });
    expect(empty.json).toEqual({
      from: "2026-01-01",
      to: "2026-01-31",
      total: { costMicros: 0, inputTokens: 0, outputTokens: 0, calls: 0 },
      byAgent: [],
      byTeam: [],
      byModel: [],
      byDay: [],
    });
  });
});
