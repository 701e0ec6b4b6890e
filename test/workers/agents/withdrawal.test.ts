// Stopping work already running: suspension, the org switch and token revocation end an agent's
// egress requests in flight (the upstream connection is cancelled), its held approvals, and
// refuse its (and its subagents') new calls with 403 agent_suspended until it is resumed.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedMember, seedOrg } from "../support/api.js";
import { WATCH_AFTER_MS, watchAfterMs } from "../../../workers/agents/withdrawal.js";
import { ALLOW_SUBAGENTS, attachPolicy, createAgent, mintSubagent } from "../support/fixtures.js";
import { auditOf, pendingApproval } from "../support/tools.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;

async function abortedTags(): Promise<string[]> {
  return (await (await fetch(`${env.TEST_TARGET_URL}/__aborted`)).json()) as string[];
}

/** An agent (with a subagent) whose policy reaches the local target. */
async function egressAgent(label: string, autonomy = 5) {
  const agent = await createAgent(org, { name: label, autonomy });
  await attachPolicy(
    org,
    { ...ALLOW_SUBAGENTS, name: `${label}-egress`, egress: [{ host: "127.0.0.1", ports: [port] }] },
    { scope: "agent", id: agent.id },
  );
  return agent;
}

const slow = (token: string, tag: string, ms = 8_000) => call(`/egress/${env.TEST_TARGET_URL}/slow?ms=${ms}&tag=${tag}`, { token });

async function settled<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await p;
  return { value, ms: Date.now() - t0 };
}

beforeAll(async () => {
  org = await seedOrg("withdrawal");
});

describe("suspending an agent", () => {
  it("ends its egress request in flight within a second: 403 agent_suspended, upstream connection cancelled", async () => {
    const agent = await egressAgent("slow-egress");
    const tag = `s-${Math.random().toString(36).slice(2)}`;
    const inFlight = slow(agent.token, tag);
    await new Promise((r) => setTimeout(r, 600));
    const suspended = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, {
      method: "POST",
      token: org.apiKey,
      body: { reason: "incident 42" },
    });
    expect(suspended.status, suspended.text).toBe(200);
    expect(suspended.json.calls).toBeGreaterThanOrEqual(1);
    const { value: res, ms } = await settled(inFlight);
    expect(res.status, res.text).toBe(403);
    expect(res.json.error.code).toBe("agent_suspended");
    expect(ms).toBeLessThan(5_000);
    await expect.poll(abortedTags, { timeout: 3_000 }).toContain(tag);
    expect((await auditOf(org, "agent.suspend")).some((e) => e.resource?.id === agent.id)).toBe(true);
  });

  it("counts only the calls still in flight: a watched call that has finished is no longer waiting", async () => {
    const agent = await egressAgent("finished-calls");
    // Long enough to be watched (over 200 ms), then over before the suspension.
    for (let i = 0; i < 3; i++) expect((await slow(agent.token, `done-${i}`, 400)).status).toBe(200);
    const tag = `live-${Math.random().toString(36).slice(2)}`;
    const inFlight = slow(agent.token, tag);
    await new Promise((r) => setTimeout(r, 600));
    const suspended = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, {
      method: "POST",
      token: org.apiKey,
      body: { reason: "count check" },
    });
    expect(suspended.json).toMatchObject({ suspended: true, agents: 1, calls: 1 });
    expect((await inFlight).status).toBe(403);
  });

  it("refuses new calls of the agent and its subagents (403 agent_suspended) until resumed", async () => {
    const agent = await egressAgent("refused");
    const child = await mintSubagent(agent.token);
    await attachPolicy(org, { name: "child-egress", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "agent", id: child.id });
    await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "r" } });
    for (const token of [agent.token, child.token]) {
      for (const path of [`/egress/${env.TEST_TARGET_URL}/x`, "/agent/v1/me", "/llm/openai/v1/models"]) {
        const res = await call(path, { token });
        expect(res.status, `${path}: ${res.text}`).toBe(403);
        expect(JSON.stringify(res.json)).toContain("agent_suspended");
      }
    }
    const view = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}`, { token: org.apiKey });
    expect(view.json.suspendedAt).toBeTruthy();
    expect(view.json.suspendReason).toBe("r");
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/resume`, { method: "POST", token: org.apiKey })).status).toBe(200);
    expect((await call(`/egress/${env.TEST_TARGET_URL}/x`, { token: child.token })).status).toBe(200);
    expect((await call(`/egress/${env.TEST_TARGET_URL}/x`, { token: agent.token })).status).toBe(200);
  });

  it("denies its calls held for approval", async () => {
    const agent = await egressAgent("held", 1);
    const held = call(`/egress/${env.TEST_TARGET_URL}/post`, { method: "POST", token: agent.token, rawBody: "x" });
    await pendingApproval(org, agent.id);
    await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "stop" } });
    const { value: res, ms } = await settled(held);
    expect(res.status).toBe(403);
    expect(ms).toBeLessThan(5_000);
    const approvals = await call(`/api/v1/orgs/${org.orgId}/approvals?status=denied&limit=200`, { token: org.apiKey });
    expect((approvals.json.items as Array<{ agentId: string }>).some((a) => a.agentId === agent.id)).toBe(true);
  });

  it("is for org admins and the agent's team admins only", async () => {
    const agent = await egressAgent("guarded");
    const member = await seedMember(org, "member");
    const res = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: member.apiKey, body: { reason: "x" } });
    expect([403, 404]).toContain(res.status);
    const bad = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: org.apiKey, body: {} });
    expect(bad.status).toBe(400);
  });

  it("lets an admin of the agent's team suspend and resume it, and /me names the teams the caller administers", async () => {
    const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "ops-team" } });
    const agent = await createAgent(org, { name: "team-run", teamId: team.json.id, autonomy: 5 });
    const lead = await seedMember(org, "member");
    const added = await call(`/api/v1/orgs/${org.orgId}/teams/${team.json.id}/members`, {
      method: "POST",
      token: org.apiKey,
      body: { userId: lead.userId, role: "admin" },
    });
    expect(added.status, added.text).toBe(201);
    const me = await call("/api/v1/me", { token: lead.session });
    expect(me.json.orgs).toEqual([expect.objectContaining({ id: org.orgId, role: "member", adminTeamIds: [team.json.id] })]);
    const path = `/api/v1/orgs/${org.orgId}/agents/${agent.id}`;
    const off = await call(`${path}/suspend`, { method: "POST", token: lead.apiKey, body: { reason: "team lead stops it" } });
    expect(off.status, off.text).toBe(200);
    expect((await call(path, { token: lead.apiKey })).json).toMatchObject({ suspendReason: "team lead stops it" });
    expect((await call(`${path}/resume`, { method: "POST", token: lead.apiKey })).status).toBe(200);
    expect((await call(path, { token: lead.apiKey })).json).toMatchObject({ suspendedAt: null, suspendReason: null });
  });
});

describe("revoking or rotating a token", () => {
  it("ends the old token's egress request in flight", async () => {
    for (const method of ["DELETE", "POST"]) {
      const agent = await egressAgent(`revoke-${method}`);
      const tag = `r-${method}-${Math.random().toString(36).slice(2)}`;
      const inFlight = slow(agent.token, tag);
      await new Promise((r) => setTimeout(r, 600));
      await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, { method, token: org.apiKey });
      const { value: res, ms } = await settled(inFlight);
      expect(res.status, res.text).toBe(401);
      expect(ms).toBeLessThan(5_000);
      await expect.poll(abortedTags, { timeout: 3_000 }).toContain(tag);
    }
  });
});

describe("the org-wide switch", () => {
  it("stops every agent of the org at once (owners only), and resuming leaves individually suspended agents stopped", async () => {
    const own = await seedOrg("org-switch");
    const a = await createAgent(own, { name: "a", autonomy: 5 });
    const b = await createAgent(own, { name: "b", autonomy: 5 });
    for (const x of [a, b])
      await attachPolicy(own, { name: `e-${x.id}`, egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "agent", id: x.id });
    const admin = await seedMember(own, "admin");
    expect((await call(`/api/v1/orgs/${own.orgId}/suspend`, { method: "POST", token: admin.apiKey, body: { reason: "x" } })).status).toBe(403);
    const tag = `o-${Math.random().toString(36).slice(2)}`;
    const inFlight = slow(a.token, tag);
    await new Promise((r) => setTimeout(r, 600));
    await call(`/api/v1/orgs/${own.orgId}/agents/${b.id}/suspend`, { method: "POST", token: own.apiKey, body: { reason: "b alone" } });
    const off = await call(`/api/v1/orgs/${own.orgId}/suspend`, { method: "POST", token: own.apiKey, body: { reason: "incident" } });
    expect(off.status, off.text).toBe(200);
    expect((await inFlight).json.error.code).toBe("agent_suspended");
    expect((await call(`/egress/${env.TEST_TARGET_URL}/x`, { token: a.token })).status).toBe(403);
    expect((await call(`/api/v1/orgs/${own.orgId}`, { token: own.apiKey })).json.suspendedAt).toBeTruthy();
    // The dashboard reads the switch from /me and the org list.
    expect((await call("/api/v1/me", { token: own.apiKey })).json.orgs[0]).toMatchObject({ suspendReason: "incident" });
    expect((await call("/api/v1/orgs", { token: own.apiKey })).json.items[0].suspendedAt).toBeTruthy();
    expect((await call(`/api/v1/orgs/${own.orgId}/resume`, { method: "POST", token: own.apiKey })).status).toBe(200);
    expect((await call(`/egress/${env.TEST_TARGET_URL}/x`, { token: a.token })).status).toBe(200);
    expect((await call(`/egress/${env.TEST_TARGET_URL}/x`, { token: b.token })).status).toBe(403);
  });
});

describe("when a call starts watching (the WATCH_AFTER_MS var)", () => {
  it("is the deployment's whole number of milliseconds, 0 from the start, and the default for anything else", () => {
    expect(env.WATCH_AFTER_MS).toBe(String(WATCH_AFTER_MS));
    expect(watchAfterMs(env)).toBe(200);
    expect(watchAfterMs({ WATCH_AFTER_MS: "0" })).toBe(0);
    expect(watchAfterMs({ WATCH_AFTER_MS: " 750 " })).toBe(750);
    for (const bad of ["", "abc", "-5", "1.5", "1e9", "Infinity"]) expect(watchAfterMs({ WATCH_AFTER_MS: bad }), bad).toBe(WATCH_AFTER_MS);
  });
});
