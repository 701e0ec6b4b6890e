// Calls of the subagent attack files (red teams 33b, 34, 36): an agent's identity, a mint, an admin rotation, the
// policy that lets an agent mint, and HTTP tools granted and listed through the public API.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type SeededOrg, call } from "../../workers/support/api.js";
import { rpc, toolCall } from "../../workers/support/tools.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** GET /agent/v1/me: 200 while the token can act. */
export const me = (token: string) => call("/agent/v1/me", { token });
/** A policy that lets an agent mint subagents (`extra`: more of its autonomy gate, such as maxSubagents). */
export const gate = (extra: Record<string, unknown> = {}) => ({ name: "allow-subagents", autonomyGate: { allowSubagents: true, ...extra } });
/** The agent mints a subagent. */
export const mint = (token: string, body: Record<string, unknown>) => call("/agent/v1/subagents", { method: "POST", token, body });
/** An admin rotates the agent's token (for a revoked subagent: gives it one again). */
export const rotate = (org: SeededOrg, agentId: string) =>
  call(`/api/v1/orgs/${org.orgId}/agents/${agentId}/token`, { method: "POST", token: org.apiKey });

/** An HTTP tool (GET to the local target) granted at `grant`'s scope; its id. */
export async function grantedTool(org: SeededOrg, name: string, grant: { scope: string; id: string }, extra: Record<string, unknown> = {}) {
  const t = await call(`/api/v1/orgs/${org.orgId}/tools`, {
    method: "POST",
    token: org.apiKey,
    body: { name, description: name, inputSchema: { type: "object" }, method: "GET", url: `${env.TEST_TARGET_URL}/tool/${name}`, ...extra },
  });
  expect(t.status, t.text).toBe(201);
  const g = await call(`/api/v1/orgs/${org.orgId}/tools/${t.json.id}/grants`, { method: "POST", token: org.apiKey, body: grant });
  expect(g.status, g.text).toBe(201);
  return t.json.id as string;
}

/** The names of the tools the agent's MCP tools/list shows, sorted. */
export const listedTools = async (token: string) =>
  (((await rpc(token, { jsonrpc: "2.0", id: 1, method: "tools/list" })).json?.result?.tools ?? []) as Array<{ name: string }>)
    .map((t) => t.name)
    .sort();

/** Whether a tools/call got through to execution (not refused as an unknown tool). */
export async function callable(token: string, name: string) {
  const res = await toolCall(token, name, {});
  const err = res.json?.error;
  return !(err && /unknown tool/i.test(String(err.message)));
}
