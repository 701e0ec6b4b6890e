// OAuth 2.1 for desktop MCP clients with the official MCP SDK client (its OAuthClientProvider):
// discovery from the 401, dynamic registration, authorize with a signed-in person choosing an
// agent, token with PKCE, then tools/list and a granted tool call, audited with person and agent.
// Plus the metadata documents as curl would fetch them.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BASE, type SeededOrg, call, seedMember, seedOrg } from "../support/api.js";
import { connectThroughOAuth, sessionOf } from "../support/oauth.js";
import { auditOf } from "../support/tools.js";

let org: SeededOrg;
let agentId: string;
let teamId: string;
let member: Awaited<ReturnType<typeof seedMember>>;
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

async function tool(name: string, grantTo: { scope: "agent" | "team" | "project"; id: string } | null) {
  const res = await call(`/api/v1/orgs/${org.orgId}/tools`, {
    method: "POST",
    token: org.apiKey,
    body: {
      name,
      description: name,
      inputSchema: { type: "object", properties: { id: { type: "string" } } },
      method: "GET",
      url: `${env.TEST_TARGET_URL}/items/{id}`,
    },
  });
  expect(res.status, res.text).toBe(201);
  if (grantTo) {
    const grant = await call(`/api/v1/orgs/${org.orgId}/tools/${res.json.id}/grants`, { method: "POST", token: org.apiKey, body: grantTo });
    expect(grant.status, grant.text).toBe(201);
  }
}

beforeAll(async () => {
  org = await seedOrg("oauth");
  teamId = (await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "desk" } })).json.id;
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, {
    method: "POST",
    token: org.apiKey,
    body: { name: "desk-agent", teamId, autonomy: 5 },
  });
  agentId = agent.json.id;
  member = await seedMember(org, "member");
  expect(
    (
      await call(`/api/v1/orgs/${org.orgId}/teams/${teamId}/members`, {
        method: "POST",
        token: org.apiKey,
        body: { userId: member.userId, role: "member" },
      })
    ).status,
  ).toBe(201);
  // The agent's grants: to itself, to its team, and to a project of no team (which the member, not an org admin, does not see).
  const ledger = (await call(`/api/v1/orgs/${org.orgId}/projects`, { method: "POST", token: org.apiKey, body: { name: "ledger" } })).json.id;
  const moved = await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}`, { method: "PATCH", token: org.apiKey, body: { projectId: ledger } });
  expect(moved.status, moved.text).toBe(200);
  await tool("read_item", { scope: "agent", id: agentId });
  await tool("team_item", { scope: "team", id: teamId });
  await tool("finance_report", { scope: "project", id: ledger });
});

describe("metadata documents (curl-level)", () => {
  it("answers /mcp without a token with a 401 that points at the protected resource metadata", async () => {
    const res = await call("/mcp", { method: "POST", rawBody: "{}", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${BASE}/.well-known/oauth-protected-resource/mcp"`);
  });

  it("serves RFC 9728 metadata at the path-suffixed and the bare well-known URL", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(res.json).toMatchObject({ resource: `${BASE}/mcp`, authorization_servers: [BASE], scopes_supported: ["mcp"] });
    }
  });

  it("serves RFC 8414 authorization server metadata: S256 only, registration, the resource's endpoints", async () => {
    const res = await call("/.well-known/oauth-authorization-server");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      issuer: BASE,
      authorization_endpoint: `${BASE}/oauth/authorize`,
      token_endpoint: `${BASE}/oauth/token`,
      registration_endpoint: `${BASE}/oauth/register`,
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
    });
  });
});

describe("the official MCP SDK client through OAuth", () => {
  it("registers, gets the member's consent for a team agent, lists the person's view of the agent's tools and calls one", async () => {
    const session = await sessionOf(member.email, member.password);
    const { client, provider, redirect } = await connectThroughOAuth(session, agentId);
    clients.push(client);
    expect(provider.client?.client_id).toBeTruthy();
    expect(redirect.origin + redirect.pathname).toBe("http://127.0.0.1:33418/callback");
    expect(provider.saved?.access_token).toBeTruthy();

    const { tools } = await client.listTools();
    // finance_report is granted to the agent's project, which belongs to no team of the member.
    expect(tools.map((t) => t.name).sort()).toEqual(["read_item", "team_item"]);

    const result = await client.callTool({ name: "read_item", arguments: { id: "a-1" } });
    expect(result.isError).toBe(false);
    const hidden = await client.callTool({ name: "finance_report", arguments: { id: "a-1" } }).catch((e: unknown) => e);
    expect(hidden).toBeInstanceOf(Error);

    const calls = await auditOf(org, "tool.call");
    const done = calls.find((e) => e.result === "success" && e.details.tool === "read_item");
    expect(done).toMatchObject({ actor: { type: "agent", id: agentId }, details: { onBehalfOf: { type: "user", id: member.userId } } });
    const granted = await auditOf(org, "oauth.grant.create");
    expect(granted.some((e) => e.actor.id === member.userId && e.resource.id === agentId && e.result === "success")).toBe(true);
  });

  it("shows an org admin every tool of the agent", async () => {
    const session = await sessionOf(org.email, org.password);
    const { client } = await connectThroughOAuth(session, agentId);
    clients.push(client);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["finance_report", "read_item", "team_item"]);
  });

  it("keeps agent tokens working at /mcp beside OAuth", async () => {
    const created = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "token-agent" } });
    const res = await call("/mcp", {
      method: "POST",
      token: created.json.token,
      rawBody: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    });
    expect(res.status).toBe(200);
    expect(res.json.result.tools).toEqual([]);
  });

  it("lists and revokes the person's grant through the admin API", async () => {
    const session = await sessionOf(member.email, member.password);
    const { client } = await connectThroughOAuth(session, agentId);
    clients.push(client);
    const grants = await call(`/api/v1/orgs/${org.orgId}/oauth/grants`, { token: member.apiKey });
    expect(grants.status).toBe(200);
    expect(grants.json.items.length).toBeGreaterThanOrEqual(1);
    for (const g of grants.json.items) expect(g.agentId).toBe(agentId);
  });
});
