// Fixtures of the tools module for the cross-tenant and bad-input walks: one of each resource with a path id.
import { env } from "cloudflare:workers";
import { makeDb } from "../../../workers/data/db.js";
import { ToolStore } from "../../../workers/data/tool-store.js";
import { type SeededOrg, call } from "./api.js";

export async function toolFixtures(org: SeededOrg, label: string, agentId: string) {
  const t = org.apiKey;
  const tool = await call(`/api/v1/orgs/${org.orgId}/tools`, {
    method: "POST",
    token: t,
    body: {
      name: `${label}-tool`,
      description: `${label} tool`,
      inputSchema: { type: "object" },
      method: "GET",
      url: `https://${label}.example.com/items`,
    },
  });
  if (tool.status !== 201) throw new Error(`tool fixture: ${tool.status} ${tool.text}`);
  const grant = await call(`/api/v1/orgs/${org.orgId}/tools/${tool.json.id}/grants`, {
    method: "POST",
    token: t,
    body: { scope: "agent", id: agentId },
  });
  const guide = await call(`/api/v1/orgs/${org.orgId}/guides`, { method: "POST", token: t, body: { content: `${label} org guide` } });
  // Approvals and threads are created by agents at run time; the fixtures write them directly.
  const store = new ToolStore(makeDb(env.DB), org.orgId);
  const approval = await store.insertApproval({
    agentId,
    kind: "tool",
    subject: `${label}-tool`,
    details: null,
    expiresAt: Date.now() + 3_600_000,
    traceId: null,
  });
  const thread = await store.createThread(agentId, org.ownerId, `${label} thread`);
  for (const r of [grant, guide]) if (r.status !== 201) throw new Error(`fixture: ${r.status} ${r.text}`);
  if (!approval) throw new Error("approval fixture");
  return {
    ids: {
      toolId: tool.json.id as string,
      grantId: grant.json.id as string,
      guideId: guide.json.id as string,
      approvalId: approval.id,
      threadId: thread.id,
    },
    names: [`${label}-tool`, `${label} org guide`, `${label} thread`],
  };
}

/** One raw JSON-RPC message to /mcp with the headers an MCP client sends. */
export async function rpc(token: string | undefined, message: unknown, extraHeaders: Record<string, string> = {}) {
  return call("/mcp", {
    method: "POST",
    token,
    rawBody: typeof message === "string" ? message : JSON.stringify(message),
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...extraHeaders },
  });
}

export const toolCall = (token: string, name: string, args: unknown, id: number | string = 1) =>
  rpc(token, { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

/** Polls the approvals API (bounded) until the agent has a pending approval; returns it. */
export async function pendingApproval(org: SeededOrg, agentId: string, token = org.apiKey): Promise<Record<string, any>> {
  for (let i = 0; i < 200; i++) {
    const res = await call(`/api/v1/orgs/${org.orgId}/approvals?status=pending&limit=200`, { token });
    const hit = (res.json.items as Array<Record<string, any>>).find((a) => a.agentId === agentId);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("no pending approval appeared");
}

/** Audit events of an action (audit writes may finish after the response: bounded retries). */
export async function auditOf(org: SeededOrg, action: string, minCount = 1): Promise<Array<Record<string, any>>> {
  let items: Array<Record<string, any>> = [];
  for (let i = 0; i < 50; i++) {
    const res = await call(`/api/v1/orgs/${org.orgId}/audit?action=${encodeURIComponent(action)}&limit=200`, { token: org.apiKey });
    items = res.json.items;
    if (items.length >= minCount) return items;
    await new Promise((r) => setTimeout(r, 20));
  }
  return items;
}

export async function targetRequests(last = 500): Promise<Array<{ method: string; path: string; headers: Record<string, string>; body?: string }>> {
  const res = await fetch(`${env.TEST_TARGET_URL}/__requests?last=${last}`);
  return (await res.json()) as Array<{ method: string; path: string; headers: Record<string, string>; body?: string }>;
}
