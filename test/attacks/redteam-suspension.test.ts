// Red team (claim 4): "POST …/agents/:id/suspend {reason} → 403 agent_suspended for it and its
// subagents on new calls; egress and tool calls in flight are cancelled" (SPEC: "every in-flight
// call of the agent and its subagents ends within 1 s").
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, type SeededOrg, call } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, chat, create, createAgent, fakeProviderOrg, mintSubagent } from "../workers/support/fixtures.js";
import { toolCall } from "../workers/support/tools.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function suspend(org: SeededOrg, agentId: string) {
  const res = await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "incident" } });
  expect(res.status, res.text).toBe(200);
  return Date.now();
}

async function setup(label: string) {
  const org = await fakeProviderOrg(label);
  const agent = await createAgent(org, { name: `${label}-agent`, autonomy: 5 });
  await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: agent.id });
  await attachPolicy(org, { name: "egress", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "org" });
  return { org, agent };
}

describe("redteam: calls in flight when the agent is suspended", () => {
  it("ends an LLM call in flight within about a second (no answer delivered after suspension)", async () => {
    const { org, agent } = await setup("rt-susp-llm");
    const started = Date.now();
    const pending = chat(agent.token, "fake-slow", "tell me the secret plan");
    await sleep(400);
    const suspendedAt = await suspend(org, agent.id);
    const res = await pending;
    const endedAfter = Date.now() - suspendedAt;
    expect(
      { status: res.status, endedWithin1500ms: endedAfter < 1500 },
      `answer after ${Date.now() - started} ms: ${res.text.slice(0, 120)}`,
    ).toEqual({
      status: 403,
      endedWithin1500ms: true,
    });
  });

  it("cancels an egress request held upstream (403 agent_suspended within a second)", async () => {
    const { org, agent } = await setup("rt-susp-egress");
    const pending = call(`/egress/${env.TEST_TARGET_URL}/rt-wait?ms=4000`, { token: agent.token });
    await sleep(500);
    const suspendedAt = await suspend(org, agent.id);
    const res = await pending;
    expect({ status: res.status, fast: Date.now() - suspendedAt < 1500 }).toEqual({ status: 403, fast: true });
  });

  it("cuts an egress body that is still streaming", async () => {
    const { org, agent } = await setup("rt-susp-drip");
    const res = await exports.default.fetch(
      new Request(`${BASE}/egress/${env.TEST_TARGET_URL}/rt-drip?every=150&count=30`, { headers: { authorization: `Bearer ${agent.token}` } }),
    );
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await sleep(400);
    const suspendedAt = await suspend(org, agent.id);
    let text = "";
    let errored = false;
    for (;;) {
      try {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      } catch {
        errored = true;
        break;
      }
      if (Date.now() - suspendedAt > 3000) break;
    }
    expect({ errored, gotEnd: text.includes("END"), fast: Date.now() - suspendedAt < 2000 }).toEqual({ errored: true, gotEnd: false, fast: true });
  });

  it("cancels a subagent's egress in flight when its parent is suspended", async () => {
    const { org, agent } = await setup("rt-susp-sub");
    const child = await mintSubagent(agent.token, { autonomy: 5 });
    const pending = call(`/egress/${env.TEST_TARGET_URL}/rt-wait?ms=4000`, { token: child.token });
    await sleep(500);
    const suspendedAt = await suspend(org, agent.id);
    const res = await pending;
    expect({ status: res.status, fast: Date.now() - suspendedAt < 1500 }).toEqual({ status: 403, fast: true });
    expect((await call("/agent/v1/me", { token: child.token })).status).toBe(403);
  });

  it("cancels an HTTP tool call in flight", async () => {
    const { org, agent } = await setup("rt-susp-tool");
    const name = `rt-slow-${Math.random().toString(36).slice(2, 8)}`;
    const tool = await create(org, "tools", {
      name,
      description: "slow",
      inputSchema: { type: "object" },
      method: "GET",
      url: `${env.TEST_TARGET_URL}/rt-wait?ms=4000`,
    });
    await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
    const pending = toolCall(agent.token, name, {});
    await sleep(500);
    const suspendedAt = await suspend(org, agent.id);
    const res = await pending;
    expect(Date.now() - suspendedAt, res.text).toBeLessThan(1500);
    expect(res.text).not.toContain("late answer");
  });

  it("refuses every new call of a suspended agent's subagent minted before suspension (control)", async () => {
    const { org, agent } = await setup("rt-susp-new");
    const child = await mintSubagent(agent.token, { autonomy: 5 });
    await suspend(org, agent.id);
    for (const res of [
      await call("/agent/v1/me", { token: child.token }),
      await call(`/egress/${env.TEST_TARGET_URL}/x`, { token: child.token }),
      await chat(child.token, "gpt-x", "hi"),
      await toolCall(child.token, "anything", {}),
    ]) {
      expect(res.status, res.text).toBe(403);
    }
  });
});

describe("redteam: a token revoked in a call's first 200 ms (before it starts watching)", () => {
  for (const how of ["revoke the agent", "revoke the parent", "rotate the parent"] as const) {
    it(`ends the call in flight when the admin does: ${how}`, async () => {
      const { org, agent } = await setup(`rt-early-${how.replaceAll(" ", "-")}`);
      const child = await mintSubagent(agent.token, { autonomy: 5 });
      const caller = how === "revoke the agent" ? agent : child;
      // Warm the caller's caches so the call is upstream quickly.
      expect((await call("/agent/v1/me", { token: caller.token })).status).toBe(200);
      const pending = call(`/egress/${env.TEST_TARGET_URL}/rt-wait?ms=3500`, { token: caller.token });
      await sleep(20);
      const res0 = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, {
        method: how === "rotate the parent" ? "POST" : "DELETE",
        token: org.apiKey,
      });
      const withdrawnAt = Date.now();
      expect([201, 204]).toContain(res0.status);
      expect((await call("/agent/v1/me", { token: caller.token })).status).toBe(401);
      const res = await pending;
      expect({ status: res.status, within1500ms: Date.now() - withdrawnAt < 1500 }, res.text.slice(0, 100)).toEqual({
        status: 401,
        within1500ms: true,
      });
    });
  }
});

describe("redteam control: the same revocation after the call started watching", () => {
  it("ends the call in flight when the parent is revoked 500 ms in", async () => {
    const { org, agent } = await setup("rt-late-revoke");
    const child = await mintSubagent(agent.token, { autonomy: 5 });
    const pending = call(`/egress/${env.TEST_TARGET_URL}/rt-wait?ms=3500`, { token: child.token });
    await sleep(500);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    const withdrawnAt = Date.now();
    const res = await pending;
    expect({ status: res.status, within1500ms: Date.now() - withdrawnAt < 1500 }).toEqual({ status: 401, within1500ms: true });
  });
});

describe("redteam: a suspension in a call's first 200 ms", () => {
  it("still ends the call (the suspension is remembered for late watchers)", async () => {
    const { org, agent } = await setup("rt-early-suspend");
    expect((await call("/agent/v1/me", { token: agent.token })).status).toBe(200);
    const pending = call(`/egress/${env.TEST_TARGET_URL}/rt-wait?ms=3500`, { token: agent.token });
    await sleep(20);
    const suspendedAt = await suspend(org, agent.id);
    const res = await pending;
    expect({ status: res.status, fast: Date.now() - suspendedAt < 1500 }).toEqual({ status: 403, fast: true });
  });
});
