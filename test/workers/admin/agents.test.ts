// Agents: token shown once, rotation, revocation (cascading to subagents), subagent rules.
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../support/api.js";

describe("agents and agent tokens", () => {
  it("creates an agent with a token shown once, usable at the gateway", async () => {
    const org = await seedOrg();
    const created = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "builder" } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "builder", autonomy: 3, parentAgentId: null, status: "active", createdBy: org.ownerId });
    expect(created.json.token).toMatch(/^pal_agent_[A-Za-z0-9_-]{43}$/);
    expect(created.json.token.startsWith(created.json.tokenPrefix)).toBe(true);

    const fetched = await call(`/api/v1/orgs/${org.orgId}/agents/${created.json.id}`, { token: org.apiKey });
    expect(fetched.json.token).toBeUndefined();
    expect(fetched.text).not.toContain(created.json.token);

    const me = await call("/agent/v1/me", { token: created.json.token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ id: created.json.id, orgId: org.orgId });
    // The SDKs that send x-api-key work too.
    expect((await call("/agent/v1/me", { headers: { "x-api-key": created.json.token } })).status).toBe(200);
  });

  it("rotates: the old token is refused at once, the new one works", async () => {
    const org = await seedOrg();
    const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "r" } });
    const old = agent.json.token;
    expect((await call("/agent/v1/me", { token: old })).status).toBe(200);
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/token`, { method: "POST", token: org.apiKey });
    expect(rotated.status).toBe(201);
    expect(rotated.json.token).not.toBe(old);
    expect((await call("/agent/v1/me", { token: old })).status).toBe(401);
    expect((await call("/agent/v1/me", { token: rotated.json.token })).status).toBe(200);
  });

  it("revokes an agent's token and its subagents' tokens", async () => {
    const org = await seedOrg();
    const parent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "p", autonomy: 2 } });
    const child = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "c", parentAgentId: parent.json.id, autonomy: 2 },
    });
    expect(child.status).toBe(201);
    expect(child.json.parentAgentId).toBe(parent.json.id);
    const revoke = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.json.id}/token`, { method: "DELETE", token: org.apiKey });
    expect(revoke.status).toBe(204);
    expect((await call("/agent/v1/me", { token: parent.json.token })).status).toBe(401);
    expect((await call("/agent/v1/me", { token: child.json.token })).status).toBe(401);
  });

  it("keeps the hierarchy flat and never gives a subagent more than its parent", async () => {
    const org = await seedOrg();
    const parent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "p", autonomy: 2 } });
    const tooMuch = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "c", parentAgentId: parent.json.id, autonomy: 4 },
    });
    expect(tooMuch.status).toBe(403);
    const child = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "c", parentAgentId: parent.json.id, autonomy: 1 },
    });
    const grandchild = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "g", parentAgentId: child.json.id, autonomy: 1 },
    });
    expect(grandchild.status).toBe(403);
    expect(grandchild.json.error.message).toMatch(/subagent/);
  });

  it("refuses agent tokens on the admin API and admin keys at the gateway", async () => {
    const org = await seedOrg();
    const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "a" } });
    const res = await call(`/api/v1/orgs/${org.orgId}/agents`, { token: agent.json.token });
    expect(res.status).toBe(403);
    expect((await call("/agent/v1/me", { token: org.apiKey })).status).toBe(401);
  });

  it("paginates with opaque cursors", async () => {
    const org = await seedOrg();
    for (let i = 0; i < 5; i++) await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: `a${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const res = await call(`/api/v1/orgs/${org.orgId}/agents${q}`, { token: org.apiKey });
      expect(res.status).toBe(200);
      expect(res.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.items.map((a: { name: string }) => a.name));
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["a0", "a1", "a2", "a3", "a4"]);
  });

  it("revokes admin API keys", async () => {
    const org = await seedOrg();
    const key = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: org.apiKey, body: { name: "ci" } });
    expect((await call(`/api/v1/orgs/${org.orgId}`, { token: key.json.key })).status).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/api-keys/${key.json.id}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await call(`/api/v1/orgs/${org.orgId}`, { token: key.json.key })).status).toBe(401);
  });
});
