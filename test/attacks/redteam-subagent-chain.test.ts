// Red team (claim 1): "a subagent is never more than its parent at every call: a deny anywhere
// wins … tool grants … rotating/revoking the parent's token revokes the subagents".
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, create, createAgent, mintSubagent } from "../workers/support/fixtures.js";
import { targetRequests, toolCall } from "../workers/support/tools.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
const marker = () => `m${Math.random().toString(36).slice(2)}`;

async function sawMarker(m: string) {
  return (await targetRequests(300)).some((r) => r.path.includes(m));
}

describe("redteam: a parent's explicit deny rule and its subagent's HTTP tool calls", () => {
  it("refuses the subagent a granted tool whose destination the parent's policy explicitly denies", async () => {
    const org = await seedOrg("rt-tooldeny");
    const parent = await createAgent(org, { name: "rt-parent", autonomy: 5 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    // The parent may NOT reach /rt-tool/** on the target, tools included ("deny rules hold for tools too").
    await attachPolicy(
      org,
      { name: "parent-deny", egress: [{ host: "127.0.0.1", paths: ["/rt-tool/**"], deny: true }] },
      { scope: "agent", id: parent.id },
    );
    const toolName = `rt-tool-${Math.random().toString(36).slice(2, 8)}`;
    const tool = await create(org, "tools", {
      name: toolName,
      description: "reads a record",
      inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
      method: "GET",
      url: `${env.TEST_TARGET_URL}/rt-tool/{id}`,
    });
    await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: parent.id });
    const child = await mintSubagent(parent.token, { autonomy: 5 });

    // Control: the parent itself is refused by its deny rule.
    const m1 = marker();
    const byParent = await toolCall(parent.token, toolName, { id: m1 });
    expect(byParent.json.result?.isError === false, byParent.text).toBe(false);
    expect(await sawMarker(m1)).toBe(false);

    // Attack: the subagent (no policy of its own) calls the same granted tool.
    const m2 = marker();
    const byChild = await toolCall(child.token, toolName, { id: m2 });
    expect(await sawMarker(m2), `subagent's call reached the denied destination: ${byChild.text.slice(0, 300)}`).toBe(false);
  });
});

describe("redteam: a subagent of a parent whose token was revoked", () => {
  it("cannot act after the admin rotates the subagent's own token (the parent's chain is revoked)", async () => {
    const org = await seedOrg("rt-revoked-parent");
    const parent = await createAgent(org, { name: "rt-parent", autonomy: 3 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    await attachPolicy(org, { name: "egress", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "org" });
    const child = await mintSubagent(parent.token);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await call("/agent/v1/me", { token: parent.token })).status).toBe(401);
    expect((await call("/agent/v1/me", { token: child.token })).status).toBe(401);
    // The subagent gets a fresh token (an admin acting on the subagent only).
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${child.id}/token`, { method: "POST", token: org.apiKey });
    expect(rotated.status).toBe(201);
    const m = marker();
    const res = await call(`/egress/${env.TEST_TARGET_URL}/rt-after-revoke?${m}`, { token: rotated.json.token });
    // README: "A chain with an inactive link (the agent or its parent revoked or deleted) cannot act: the gateway answers 401".
    expect(res.status, res.text).toBe(401);
  });

  it("cannot be created by an admin under a parent whose token is revoked", async () => {
    const org = await seedOrg("rt-revoked-parent2");
    const parent = await createAgent(org, { name: "rt-parent", autonomy: 3 });
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    const sub = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "late-sub", parentAgentId: parent.id, autonomy: 3 },
    });
    if (sub.status === 201) {
      // If created, its chain must still be inactive.
      expect((await call("/agent/v1/me", { token: sub.json.token })).status).toBe(401);
    }
  });
});

describe("redteam: subagents minted while the parent's token is being rotated", () => {
  it("leaves no subagent with a working token after the rotation returns", async () => {
    const alive: string[] = [];
    let minted = 0;
    for (const delay of [0, 2, 4, 6, 8, 12, 16, 24, 32, 48]) {
      const org = await seedOrg("rt-rotate-race");
      const parent = await createAgent(org, { name: "rt-parent", autonomy: 3 });
      await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
      // Warm the caches so the creates get past authentication quickly.
      expect((await call("/agent/v1/me", { token: parent.token })).status).toBe(200);
      const creates = Array.from({ length: 8 }, (_, i) =>
        call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: `race-${i}` } }),
      );
      await new Promise((r) => setTimeout(r, delay));
      const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/token`, { method: "POST", token: org.apiKey });
      expect(rotated.status).toBe(201);
      const made = await Promise.all(creates);
      const tokens = made.filter((r) => r.status === 201).map((r) => r.json.token as string);
      minted += tokens.length;
      for (const t of tokens) if ((await call("/agent/v1/me", { token: t })).status === 200) alive.push(`${delay}ms`);
    }
    expect(alive, `${alive.length} of ${minted} subagents minted with the old token still work after the rotation returned`).toEqual([]);
  }, 60_000);
});

describe("redteam: the live-subagent limit under concurrent creates", () => {
  it("never passes maxSubagents, whichever API and however many creates race", async () => {
    const org = await seedOrg("rt-limit-race");
    const parent = await createAgent(org, { name: "rt-parent", autonomy: 3 });
    await attachPolicy(org, { name: "allow-3", autonomyGate: { allowSubagents: true, maxSubagents: 3 } }, { scope: "agent", id: parent.id });
    const viaAgent = Array.from({ length: 8 }, (_, i) =>
      call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: `a-${i}` } }),
    );
    const viaAdmin = Array.from({ length: 4 }, (_, i) =>
      call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: `b-${i}`, parentAgentId: parent.id } }),
    );
    const results = await Promise.all([...viaAgent, ...viaAdmin]);
    const created = results.filter((r) => r.status === 201).length;
    expect(created).toBe(3);
    expect(results.filter((r) => r.status !== 201).every((r) => r.status === 409)).toBe(true);
  }, 60_000);
});
