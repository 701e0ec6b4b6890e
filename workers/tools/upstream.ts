// Upstream MCP servers: import their tool lists and forward calls with the official SDK client,
// through the same SSRF checks and server-side credential injection as egress.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { z } from "zod";
import { makeDb } from "../data/db.js";
import { PolicyStore } from "../data/policy-store.js";
import { type ToolRow, ToolStore } from "../data/tool-store.js";
import { AppError } from "../errors.js";
import { assertPublicDestination, sameOrigin } from "../egress/url-safety.js";
import { scrubText } from "./execute.js";
import { openCredential } from "../vault/credentials.js";
import { injectCredential, stripClientAuth } from "../vault/inject.js";

const UPSTREAM_TIMEOUT_MS = 30_000;

/** A fetch bound to one upstream server: other origins refused, the credential injected per request. */
async function upstreamFetch(env: Env, server: ToolRow): Promise<{ fetch: typeof fetch; secrets: string[] }> {
  const base = new URL(server.url ?? "");
  let credential: Awaited<ReturnType<typeof openCredential>> | null = null;
  if (server.credentialId) {
    const row = await new PolicyStore(makeDb(env.DB), server.orgId).credential(server.credentialId);
    if (!row) throw new AppError("policy_denied", "the MCP server's credential no longer exists");
    credential = await openCredential(env, row);
  }
  const bound: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!sameOrigin(url, base)) throw new AppError("policy_denied", "the MCP server tried to send the client elsewhere");
    assertPublicDestination(url, { allowPrivate: env.ALLOW_PRIVATE_UPSTREAMS === "true" });
    let target = { headers: stripClientAuth(new Headers(init?.headers)), url };
    if (credential) target = injectCredential(target, credential.inject, credential.secret);
    return fetch(target.url, { ...init, headers: target.headers, redirect: "manual", signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
  };
  return { fetch: bound, secrets: credential ? [credential.secret] : [] };
}

async function connect(env: Env, server: ToolRow): Promise<Client> {
  return (await connectWithSecrets(env, server)).client;
}

async function connectWithSecrets(env: Env, server: ToolRow): Promise<{ client: Client; secrets: string[] }> {
  const client = new Client({ name: "palisade-edge", version: "1.0.0" });
  const bound = await upstreamFetch(env, server);
  const transport = new StreamableHTTPClientTransport(new URL(server.url ?? ""), { fetch: bound.fetch });
  try {
    await client.connect(transport);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("upstream_error", "the MCP server could not be reached", { cause: error });
  }
  return { client, secrets: bound.secrets };
}

/**
 * Imports (or refreshes) the server's tools as `<server>.<tool>` entries, unapproved until an
 * admin approves each one. Returns the imported rows.
 */
export async function importUpstreamTools(env: Env, server: ToolRow, userId: string): Promise<ToolRow[]> {
  const client = await connect(env, server);
  try {
    const listed = await client.listTools();
    const store = new ToolStore(makeDb(env.DB), server.orgId);
    const out: ToolRow[] = [];
    for (const t of listed.tools.slice(0, 200)) {
      const name = `${server.name}.${t.name}`.slice(0, 64);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) continue;
      const existing = await store.toolByName(name);
      const schema = JSON.stringify(t.inputSchema);
      if (existing) {
        if (existing.serverId !== server.id) continue;
        // A changed schema needs a fresh approval: the tool may now do something else.
        const changed = existing.inputSchema !== schema;
        const row = await store.updateTool(existing.id, {
          description: (t.description ?? "").slice(0, 4000),
          inputSchema: schema,
          ...(changed ? { approved: false } : {}),
        });
        if (row) out.push(row);
        continue;
      }
      const row = await store.insertTool({
        kind: "mcp_tool",
        name,
        description: (t.description ?? "").slice(0, 4000),
        inputSchema: schema,
        method: null,
        url: server.url,
        credentialId: server.credentialId,
        mutating: t.annotations?.readOnlyHint !== true,
        serverId: server.id,
        approved: false,
        createdBy: userId,
      });
      out.push(row);
    }
    return out;
  } finally {
    await client.close();
  }
}

const TextContent = z.object({ type: z.literal("text"), text: z.string() });

/** Forwards a call of an imported tool to its upstream server. */
export async function callUpstreamTool(env: Env, tool: ToolRow, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }> {
  if (tool.kind !== "mcp_tool" || !tool.serverId) throw new AppError("internal", "not an upstream tool");
  const server = await new ToolStore(makeDb(env.DB), tool.orgId).tool(tool.serverId);
  if (server?.kind !== "mcp_server") throw new AppError("unavailable", "the tool's MCP server is no longer registered");
  const { client, secrets } = await connectWithSecrets(env, server);
  try {
    const upstreamName = tool.name.slice(server.name.length + 1);
    const result = await client.callTool({ name: upstreamName, arguments: args });
    const parts = z.array(z.unknown()).safeParse(result.content);
    const text = (parts.success ? parts.data : [])
      .map((p) => {
        const t = TextContent.safeParse(p);
        return t.success ? t.data.text : "[non-text content]";
      })
      .join("\n");
    return { text: scrubText(text, secrets), isError: result.isError === true };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("upstream_error", "the MCP server failed the call", { cause: error });
  } finally {
    await client.close();
  }
}
