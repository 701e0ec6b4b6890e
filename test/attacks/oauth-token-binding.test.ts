// Attacks on OAuth access tokens of desktop MCP clients: audience confusion (a token for one
// resource used at another), a token used as another agent than consented or outside /mcp, and a
// token kept after the person, the agent or the grant was revoked (SCIM deactivation included).
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, type SeededOrg, call, seedMember, seedOrg } from "../workers/support/api.js";
import { REDIRECT_URI, authorizeByHand, listWith, oauthTokens, sessionOf, tokenRequest } from "../workers/support/oauth.js";

let org: SeededOrg;
let teamId: string;

async function teamAgent(name: string): Promise<{ id: string; token: string }> {
  const res = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name, teamId } });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id, token: res.json.token };
}

async function teamMember() {
  const m = await seedMember(org, "member");
  await call(`/api/v1/orgs/${org.orgId}/teams/${teamId}/members`, { method: "POST", token: org.apiKey, body: { userId: m.userId, role: "member" } });
  return { ...m, browser: await sessionOf(m.email, m.password) };
}

beforeAll(async () => {
  org = await seedOrg("oauth-bind");
  teamId = (await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "bind" } })).json.id;
});

describe("audience confusion", () => {
  it("authorize for another resource than /mcp is refused", async () => {
    const m = await teamMember();
    const agent = await teamAgent("aud-1");
    for (const resource of ["https://attacker.example/mcp", `${BASE}/api/v1`, `${BASE}/mcp/other`]) {
      const auth = await authorizeByHand(m.browser, agent.id, { resource });
      expect(auth.code, resource).toBeUndefined();
    }
  });

  it("a token issued for this origin's /mcp is refused at another origin's /mcp", async () => {
    const m = await teamMember();
    const agent = await teamAgent("aud-2");
    const { access } = await oauthTokens(m.browser, agent.id);
    expect((await listWith(access)).status).toBe(200);
    const elsewhere = await listWith(access, "https://other-edge.test");
    expect(elsewhere.status).toBe(401);
  });

  it("a token exchanged for another resource than the code was bound to gets none", async () => {
    const m = await teamMember();
    const agent = await teamAgent("aud-3");
    const auth = await authorizeByHand(m.browser, agent.id);
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code: auth.code ?? "",
      redirect_uri: REDIRECT_URI,
      client_id: auth.clientId,
      code_verifier: auth.verifier,
      resource: "https://attacker.example/mcp",
    });
    expect(res.status).toBe(400);
  });

  it.each([
    ["the admin API", "/api/v1/me"],
    ["the LLM gateway", "/llm/openai/v1/models"],
    ["the agent API", "/agent/v1/me"],
    ["SCIM", "/scim/v2/Users"],
  ])("an MCP access token opens nothing at %s", async (_label, path) => {
    const m = await teamMember();
    const agent = await teamAgent(`aud-${path.length}`);
    const { access } = await oauthTokens(m.browser, agent.id);
    const res = await call(path, { token: access });
    expect(res.status).toBe(401);
  });
});

describe("a token used as another agent than consented", () => {
  it("the agent is fixed by the grant: another agent's id or token beside it changes nothing", async () => {
    const m = await teamMember();
    const consented = await teamAgent("consented");
    const otherAgent = await teamAgent("other");
    await call(`/api/v1/orgs/${org.orgId}/tools`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "other_only", description: "x", inputSchema: { type: "object" }, method: "GET", url: "https://example.com/x" },
    }).then((t) =>
      call(`/api/v1/orgs/${org.orgId}/tools/${t.json.id}/grants`, { method: "POST", token: org.apiKey, body: { scope: "agent", id: otherAgent.id } }),
    );
    const { access } = await oauthTokens(m.browser, consented.id);
    for (const headers of [{ "x-palisade-agent": otherAgent.id }, { "x-agent-id": otherAgent.id }] as Array<Record<string, string>>) {
      const res = await exports.default.fetch(
        new Request(`${BASE}/mcp?agent=${otherAgent.id}`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${access}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...headers,
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        }),
      );
      const body = (await res.json()) as { result?: { tools: Array<{ name: string }> } };
      expect(res.status).toBe(200);
      expect(body.result?.tools.map((t) => t.name)).not.toContain("other_only");
    }
  });

  it("a refresh cannot move the grant to another agent or resource", async () => {
    const m = await teamMember();
    const agent = await teamAgent("refresh");
    const { refresh, clientId } = await oauthTokens(m.browser, agent.id);
    const moved = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: refresh,
      client_id: clientId,
      resource: "https://attacker.example/mcp",
    });
    expect(moved.status).toBe(400);
    const fine = await tokenRequest({ grant_type: "refresh_token", refresh_token: refresh, client_id: clientId });
    expect(fine.status, fine.text).toBe(200);
    expect((await listWith(fine.json.access_token)).status).toBe(200);
  });
});

describe("a token after revocation", () => {
  it("ends when the person's grant is revoked through the admin API", async () => {
    const m = await teamMember();
    const agent = await teamAgent("rev-grant");
    const { access, refresh, clientId } = await oauthTokens(m.browser, agent.id);
    expect((await listWith(access)).status).toBe(200);
    const grants = await call(`/api/v1/orgs/${org.orgId}/oauth/grants`, { token: m.apiKey });
    for (const g of grants.json.items)
      expect((await call(`/api/v1/orgs/${org.orgId}/oauth/grants/${g.id}`, { method: "DELETE", token: m.apiKey })).status).toBe(204);
    expect((await listWith(access)).status).toBe(401);
    expect((await tokenRequest({ grant_type: "refresh_token", refresh_token: refresh, client_id: clientId })).status).toBe(400);
  });

  it("another person cannot revoke (or see) someone's grant", async () => {
    const m = await teamMember();
    const other = await teamMember();
    const agent = await teamAgent("rev-foreign");
    const { access } = await oauthTokens(m.browser, agent.id);
    const mine = (await call(`/api/v1/orgs/${org.orgId}/oauth/grants`, { token: m.apiKey })).json.items as Array<{ id: string }>;
    expect((await call(`/api/v1/orgs/${org.orgId}/oauth/grants`, { token: other.apiKey })).json.items).toEqual([]);
    for (const g of mine)
      expect((await call(`/api/v1/orgs/${org.orgId}/oauth/grants/${g.id}`, { method: "DELETE", token: other.apiKey })).status).toBe(404);
    expect((await listWith(access)).status).toBe(200);
  });

  it("ends when the agent's token is revoked (the agent is revoked) or the agent is deleted", async () => {
    const m = await teamMember();
    const a = await teamAgent("rev-agent");
    const { access } = await oauthTokens(m.browser, a.id);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${a.id}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await listWith(access)).status).toBe(401);

    const b = await teamAgent("del-agent");
    const second = await oauthTokens(m.browser, b.id);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${b.id}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await listWith(second.access)).status).toBe(401);
  });

  it("stops answering while the agent is suspended", async () => {
    const m = await teamMember();
    const a = await teamAgent("susp-agent");
    const { access } = await oauthTokens(m.browser, a.id);
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/agents/${a.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "incident" } })).status,
    ).toBe(200);
    expect((await listWith(access)).status).toBe(403);
  });

  it("ends when the person leaves the agent's team or the org", async () => {
    const m = await teamMember();
    const a = await teamAgent("rev-team");
    const { access } = await oauthTokens(m.browser, a.id);
    expect((await call(`/api/v1/orgs/${org.orgId}/teams/${teamId}/members/${m.userId}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await listWith(access)).status).toBe(401);

    const n = await teamMember();
    const second = await oauthTokens(n.browser, a.id);
    expect((await call(`/api/v1/orgs/${org.orgId}/members/${n.userId}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await listWith(second.access)).status).toBe(401);
    // Leaving the org revokes the grant itself: the refresh token is dead too.
    expect((await tokenRequest({ grant_type: "refresh_token", refresh_token: second.refresh, client_id: second.clientId })).status).toBe(400);
  });
});
