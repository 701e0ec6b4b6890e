// Bad input on /mcp: malformed JSON-RPC, unknown methods, arguments that break the tool's schema
// and oversized bodies answer proper JSON-RPC errors; nothing reaches the upstream; each attempt is audited.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MCP_BODY_LIMIT } from "../../../workers/mcp/route.js";
import { type SeededOrg, call, seedOrg } from "../support/api.js";
import { auditOf, rpc, targetRequests, toolCall } from "../support/tools.js";

let org: SeededOrg;
let token: string;

beforeAll(async () => {
  org = await seedOrg("mcp-bad");
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "fuzzed", autonomy: 5 } });
  token = agent.json.token;
  const tool = await call(`/api/v1/orgs/${org.orgId}/tools`, {
    method: "POST",
    token: org.apiKey,
    body: {
      name: "send_note",
      inputSchema: {
        type: "object",
        properties: {
          to: { type: "string", format: "email" },
          body: { type: "string", maxLength: 100 },
          priority: { type: "integer", minimum: 1, maximum: 3 },
        },
        required: ["to", "body"],
        additionalProperties: false,
      },
      method: "POST",
      url: `${env.TEST_TARGET_URL}/notes`,
    },
  });
  expect(tool.status, tool.text).toBe(201);
  expect(
    (
      await call(`/api/v1/orgs/${org.orgId}/tools/${tool.json.id}/grants`, {
        method: "POST",
        token: org.apiKey,
        body: { scope: "agent", id: agent.json.agentId ?? agent.json.id },
      })
    ).status,
  ).toBe(201);
});

const notes = async () => (await targetRequests()).filter((r) => r.path === "/notes").length;

describe("MCP bad input", () => {
  it("answers malformed bodies with JSON-RPC parse or invalid-request errors", async () => {
    const cases: Array<[string, number, number]> = [
      ["{not json", 400, -32700],
      ['{"jsonrpc":"2.0","id":1,"method":', 400, -32700],
      ["[]", 400, -32600],
      ["null", 400, -32600],
      ['{"jsonrpc":"1.0","id":1,"method":"tools/list"}', 400, -32600],
      ['{"id":1,"method":"tools/list"}', 400, -32600],
      ['{"jsonrpc":"2.0","id":{"x":1},"method":"tools/list"}', 400, -32600],
      ['"just a string"', 400, -32600],
    ];
    for (const [body, status, code] of cases) {
      const res = await rpc(token, body);
      expect(res.status, body).toBe(status);
      expect(res.json.jsonrpc, body).toBe("2.0");
      expect(res.json.error.code, body).toBe(code);
    }
    const audited = await auditOf(org, "mcp.request", cases.length);
    expect(audited.filter((e) => e.reason === "parse_error").length).toBeGreaterThanOrEqual(2);
    expect(audited.filter((e) => e.reason === "invalid_request").length).toBeGreaterThanOrEqual(6);
  });

  it("answers unknown methods with -32601 and audits them", async () => {
    const res = await rpc(token, { jsonrpc: "2.0", id: 7, method: "tools/destroy_all", params: {} });
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(7);
    expect(res.json.error.code).toBe(-32601);
    const events = await auditOf(org, "mcp.request");
    expect(events.some((e) => e.reason === "jsonrpc:-32601" && e.details.method === "tools/destroy_all")).toBe(true);
  });

  it("refuses arguments that do not match the inputSchema, without executing or echoing values", async () => {
    const before = await notes();
    const bad: unknown[] = [
      {},
      { to: "someone@example.com" },
      { to: "not-an-email", body: "x" },
      { to: "a@example.com", body: "x".repeat(101) },
      { to: "a@example.com", body: "x", priority: 9 },
      { to: "a@example.com", body: "x", extra: "SENSITIVE-VALUE-123" },
      { to: 42, body: ["x"] },
    ];
    for (const args of bad) {
      const res = await toolCall(token, "send_note", args);
      expect(res.json.error.code, JSON.stringify(args)).toBe(-32602);
      expect(res.text).not.toContain("SENSITIVE-VALUE-123");
    }
    // Arguments that are not an object at all are refused by the protocol layer.
    expect((await toolCall(token, "send_note", "a string")).json.error.code).toBe(-32602);
    expect(await notes()).toBe(before);
    const events = await auditOf(org, "tool.call", bad.length);
    const refused = events.filter((e) => e.reason === "schema_mismatch");
    expect(refused.length).toBeGreaterThanOrEqual(bad.length);
    expect(JSON.stringify(events)).not.toContain("SENSITIVE-VALUE-123");
    // A valid call still works.
    const ok = await toolCall(token, "send_note", { to: "a@example.com", body: "hello", priority: 2 });
    expect(ok.json.result.isError).toBe(false);
    expect(await notes()).toBe(before + 1);
  });

  it("refuses oversized arguments and bodies", async () => {
    const before = await notes();
    const big = await toolCall(token, "send_note", { to: "a@example.com", body: "y".repeat(70 * 1024) });
    expect(big.json.error.code).toBe(-32602);
    expect(big.json.error.message).toMatch(/too large/);
    const huge = await rpc(token, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "send_note", arguments: { body: "z".repeat(MCP_BODY_LIMIT + 1) } },
    });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe(-32600);
    expect(await notes()).toBe(before);
    expect((await auditOf(org, "tool.call")).some((e) => e.reason === "too_large")).toBe(true);
    expect((await auditOf(org, "mcp.request")).some((e) => e.reason === "too_large")).toBe(true);
  });

  it("refuses GET and DELETE on the stateless endpoint, and unauthenticated callers", async () => {
    expect((await call("/mcp", { token })).status).toBe(405);
    expect((await call("/mcp", { method: "DELETE", token })).status).toBe(405);
    expect((await rpc(undefined, { jsonrpc: "2.0", id: 1, method: "tools/list" })).status).toBe(401);
  });
});
