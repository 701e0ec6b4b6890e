// The official MCP SDK client against /mcp, run inside workerd with a fetch that goes straight to
// the Worker's handler (exports.default.fetch): it sees exactly the granted tools and calls one.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BASE, type SeededOrg, call, seedOrg } from "../support/api.js";
import { auditOf, targetRequests } from "../support/tools.js";

const SECRET = "tool_S3cret_abcdef0123456789";
let org: SeededOrg;
let agentToken: string;
let agentId: string;
const clients: Client[] = [];

async function connect(token: string) {
  const client = new Client({ name: "desktop-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

beforeAll(async () => {
  org = await seedOrg("mcp");
  const t = org.apiKey;
  expect(
    (
      await call(`/api/v1/orgs/${org.orgId}/credentials`, {
        method: "POST",
        token: t,
        body: { name: "items-key", secret: SECRET, inject: { type: "bearer" } },
      })
    ).status,
  ).toBe(201);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "desktop", autonomy: 5 } });
  agentToken = agent.json.token;
  agentId = agent.json.id;
  const mk = async (body: Record<string, unknown>) => {
    const res = await call(`/api/v1/orgs/${org.orgId}/tools`, { method: "POST", token: t, body });
    expect(res.status, res.text).toBe(201);
    return res.json.id as string;
  };
  const schema = { type: "object", properties: { id: { type: "string", pattern: "^[a-z0-9-]+$" } }, required: ["id"], additionalProperties: false };
  const read = await mk({
    name: "get_item",
    description: "Read an item",
    inputSchema: schema,
    method: "GET",
    url: `${env.TEST_TARGET_URL}/items/{id}`,
    credential: "items-key",
    credentialOverHttp: true,
  });
  const create = await mk({
    name: "create_item",
    description: "Create an item",
    inputSchema: { type: "object", properties: { title: { type: "string" } } },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/items`,
  });
  await mk({
    name: "delete_everything",
    description: "Not granted",
    inputSchema: { type: "object" },
    method: "DELETE",
    url: `${env.TEST_TARGET_URL}/items`,
  });
  for (const id of [read, create]) {
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/tools/${id}/grants`, { method: "POST", token: t, body: { scope: "agent", id: agentId } })).status,
    ).toBe(201);
  }
});

describe("MCP with the official client", () => {
  it("lists exactly the granted tools, with their schemas", async () => {
    const client = await connect(agentToken);
    expect(client.getServerVersion()?.name).toBe("palisade");
    // The Agent Guide (here only the autonomy part) reaches MCP clients as server instructions.
    expect(client.getInstructions()).toContain("Autonomy level: 5 of 5");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["create_item", "get_item"]);
    const read = tools.find((t) => t.name === "get_item");
    expect(read?.inputSchema.required).toEqual(["id"]);
    expect(read?.annotations?.readOnlyHint).toBe(true);
  });

  it("calls a granted tool: the credential is injected upstream and scrubbed from the result", async () => {
    const client = await connect(agentToken);
    const result = await client.callTool({ name: "get_item", arguments: { id: "item-42" } });
    expect(result.isError).toBe(false);
    const text = (result.content as Array<{ type: string; text: string }>)[0]?.text ?? "";
    const echoed = JSON.parse(text) as { method: string; path: string; headers: Record<string, string> };
    expect(echoed.method).toBe("GET");
    expect(echoed.path).toBe("/items/item-42");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(agentToken);
    const [last] = (await targetRequests(1)).slice(-1);
    expect(last?.headers.authorization).toBe(`Bearer ${SECRET}`);
    const events = await auditOf(org, "tool.call");
    expect(events.some((e) => e.result === "success" && e.details.tool === "get_item" && e.details.status === 200)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it("refuses an ungranted tool even when its name is guessed, without reaching the upstream", async () => {
    const client = await connect(agentToken);
    const before = (await targetRequests()).length;
    const error = await client.callTool({ name: "delete_everything", arguments: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    // A nonexistent tool gets the same answer (no oracle for names).
    const missing = await client.callTool({ name: "no_such_tool", arguments: {} }).catch((e: unknown) => e);
    expect((missing as McpError).message.replace("no_such_tool", "X")).toBe((error as McpError).message.replace("delete_everything", "X"));
    expect((await targetRequests()).length).toBe(before);
    const denied = await auditOf(org, "tool.call");
    expect(denied.some((e) => e.result === "denied" && e.reason === "not_granted" && e.details.tool === "delete_everything")).toBe(true);
  });

  it("stops listing a tool once its grant is revoked", async () => {
    const tools = (await call(`/api/v1/orgs/${org.orgId}/tools`, { token: org.apiKey })).json.items as Array<{ id: string; name: string }>;
    const create = tools.find((t) => t.name === "create_item");
    const grants = await call(`/api/v1/orgs/${org.orgId}/tools/${create?.id}/grants`, { token: org.apiKey });
    const grantId = grants.json.items[0].id;
    expect((await call(`/api/v1/orgs/${org.orgId}/tools/${create?.id}/grants/${grantId}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    const client = await connect(agentToken);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["get_item"]);
  });

  it("refuses clients without a valid agent token", async () => {
    await expect(connect("pal_agent_not-a-real-token")).rejects.toThrow();
    await expect(connect(org.apiKey)).rejects.toThrow();
  });
});
