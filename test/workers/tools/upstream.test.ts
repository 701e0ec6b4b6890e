// Upstream MCP servers: registered with a vault credential, their tools imported unapproved,
// approved one by one, then called through /mcp with the credential injected and scrubbed.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../support/api.js";
import { auditOf, pendingApproval, rpc, toolCall } from "../support/tools.js";

const UPSTREAM_SECRET = "mcp_upstream_S3cret_0123456789";
let org: SeededOrg;
let agent: { id: string; token: string };
let serverId: string;

const listNames = async (token: string) =>
  ((await rpc(token, { jsonrpc: "2.0", id: 1, method: "tools/list" })).json.result.tools as Array<{ name: string }>).map((t) => t.name);

beforeAll(async () => {
  org = await seedOrg("upstream");
  expect(
    (
      await call(`/api/v1/orgs/${org.orgId}/credentials`, {
        method: "POST",
        token: org.apiKey,
        body: { name: "docs-mcp", secret: UPSTREAM_SECRET, inject: { type: "bearer" } },
      })
    ).status,
  ).toBe(201);
  const server = await call(`/api/v1/orgs/${org.orgId}/tools`, {
    method: "POST",
    token: org.apiKey,
    body: { name: "docs", mcpUrl: env.TEST_MCP_UPSTREAM_URL, credential: "docs-mcp", credentialOverHttp: true },
  });
  expect(server.status, server.text).toBe(201);
  serverId = server.json.id;
  const created = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "reader", autonomy: 3 } });
  agent = { id: created.json.id, token: created.json.token };
});

describe("upstream MCP servers", () => {
  it("imports the server's tools unapproved, and shows only approved, granted ones", async () => {
    const imported = await call(`/api/v1/orgs/${org.orgId}/tools/${serverId}/import`, { method: "POST", token: org.apiKey });
    expect(imported.status, imported.text).toBe(200);
    const byName: Record<string, Record<string, any>> = Object.fromEntries(
      (imported.json.items as Array<Record<string, any>>).map((t) => [t.name, t]),
    );
    expect(Object.keys(byName).sort()).toEqual(["docs.delete_repo", "docs.search"]);
    expect(byName["docs.search"]?.approved).toBe(false);
    expect(byName["docs.search"]?.mutating).toBe(false);
    expect(byName["docs.delete_repo"]?.mutating).toBe(true);
    for (const t of Object.values(byName)) {
      expect(
        (await call(`/api/v1/orgs/${org.orgId}/tools/${t.id}/grants`, { method: "POST", token: org.apiKey, body: { scope: "agent", id: agent.id } }))
          .status,
      ).toBe(201);
    }
    // Granted but not approved: invisible and uncallable.
    expect(await listNames(agent.token)).toEqual([]);
    expect((await toolCall(agent.token, "docs.search", { q: "x" })).json.error.code).toBe(-32602);
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/tools/${byName["docs.search"]?.id}`, { method: "PATCH", token: org.apiKey, body: { approved: true } }))
        .status,
    ).toBe(200);
    expect(await listNames(agent.token)).toEqual(["docs.search"]);
  });

  it("keeps the server's credential from being deleted while the server uses it", async () => {
    const creds = await call(`/api/v1/orgs/${org.orgId}/credentials`, { token: org.apiKey });
    const id = (creds.json.items as Array<{ id: string; name: string }>).find((c) => c.name === "docs-mcp")?.id;
    expect((await call(`/api/v1/orgs/${org.orgId}/credentials/${id}`, { method: "DELETE", token: org.apiKey })).status).toBe(409);
  });

  it("forwards a call with the credential injected and scrubbed from the answer", async () => {
    const res = await toolCall(agent.token, "docs.search", { q: "quarterly report" });
    expect(res.json.result.isError).toBe(false);
    const text: string = res.json.result.content[0].text;
    expect(text).toContain("results for quarterly report");
    expect(text).toContain("[REDACTED]");
    expect(text).not.toContain(UPSTREAM_SECRET);
    // The imported schema is enforced at the edge before anything is forwarded.
    expect((await toolCall(agent.token, "docs.search", { q: 42 })).json.error.code).toBe(-32602);
    expect((await auditOf(org, "tool.call")).some((e) => e.result === "success" && e.details.tool === "docs.search")).toBe(true);
  });

  it("gates a mutating upstream tool at the default level", async () => {
    const tools = (await call(`/api/v1/orgs/${org.orgId}/tools?limit=200`, { token: org.apiKey })).json.items as Array<{ id: string; name: string }>;
    const del = tools.find((t) => t.name === "docs.delete_repo");
    expect((await call(`/api/v1/orgs/${org.orgId}/tools/${del?.id}`, { method: "PATCH", token: org.apiKey, body: { approved: true } })).status).toBe(
      200,
    );
    const pending = toolCall(agent.token, "docs.delete_repo", { repo: "acme/site" });
    const approval = await pendingApproval(org, agent.id);
    expect(approval.subject).toBe("docs.delete_repo");
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/deny`, { method: "POST", token: org.apiKey, body: {} })).status).toBe(200);
    expect((await pending).json.error.code).toBe(-32011);
  });
});
