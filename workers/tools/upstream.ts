// Upstream MCP servers: import their tool lists and forward calls with the official SDK client,
// through the same SSRF checks and server-side credential injection as egress.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { z } from "zod";
import { withdrawalOf } from "../agents/withdrawal.js";
import { recordAudit } from "../audit/audit.js";
import { makeDb } from "../data/db.js";
import { PolicyStore } from "../data/policy-store.js";
import { type ToolRow, ToolStore } from "../data/tool-store.js";
import { AppError } from "../errors.js";
import { sha256Hex } from "../identity/crypto.js";
import { assertPublicDestination, sameOrigin } from "../egress/url-safety.js";
import { type ScrubbedSecret, injectedSecrets, scrubText } from "../egress/scrub.js";
import { openCredential } from "../vault/credentials.js";
import { injectCredential, stripClientAuth } from "../vault/inject.js";

const UPSTREAM_TIMEOUT_MS = 30_000;

/** A fetch bound to one upstream server: other origins refused, the credential injected per request. */
async function upstreamFetch(env: Env, server: ToolRow): Promise<{ fetch: typeof fetch; secrets: ScrubbedSecret[] }> {
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
    if (credential && url.protocol === "http:" && !server.credentialOverHttp) {
      throw new AppError("policy_denied", "the MCP server's credential is sent over https only (the server may set credentialOverHttp)");
    }
    assertPublicDestination(url, { allowPrivate: env.ALLOW_PRIVATE_UPSTREAMS === "true" });
    let target = { headers: stripClientAuth(new Headers(init?.headers)), url };
    if (credential) target = injectCredential(target, credential.inject, credential.secret);
    return fetch(target.url, { ...init, headers: target.headers, redirect: "manual", signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
  };
  return { fetch: bound, secrets: credential ? injectedSecrets(credential.inject, credential.secret) : [] };
}

async function connect(env: Env, server: ToolRow): Promise<Client> {
  return (await connectWithSecrets(env, server)).client;
}

async function connectWithSecrets(env: Env, server: ToolRow): Promise<{ client: Client; secrets: ScrubbedSecret[] }> {
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

/** What an upstream tool is, as far as approving it goes: the fields its approval pins. */
interface ToolDefinition {
  name: string;
  description: string;
  /** Canonical JSON (keys sorted) of the input schema. */
  inputSchema: string;
  mutating: boolean;
}

/** JSON with object keys sorted at every depth, so equal schemas hash equal whatever order a server sends. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const UpstreamTool = z.object({
  name: z.string(),
  description: z.string().optional(),
  inputSchema: z.unknown(),
  annotations: z.object({ readOnlyHint: z.boolean().optional() }).loose().optional(),
});

function definitionOf(tool: z.infer<typeof UpstreamTool>): ToolDefinition {
  return {
    name: tool.name,
    description: (tool.description ?? "").slice(0, 4000),
    inputSchema: canonicalJson(tool.inputSchema ?? {}),
    mutating: tool.annotations?.readOnlyHint !== true,
  };
}

/** The definition an imported row holds (what an admin saw and approved). */
function definitionOfRow(row: ToolRow, server: Pick<ToolRow, "name">): ToolDefinition {
  return {
    name: row.name.slice(server.name.length + 1),
    description: row.description,
    inputSchema: canonicalJson(JSON.parse(row.inputSchema ?? "{}")),
    mutating: row.mutating,
  };
}

const hashDefinition = (d: ToolDefinition) => sha256Hex(canonicalJson(d));

/** The pin an approval stores for an imported tool: the hash of the definition it was approved with. */
export async function pinOf(row: ToolRow, server: Pick<ToolRow, "name">): Promise<string> {
  return hashDefinition(definitionOfRow(row, server));
}

/** Marks the tool unusable until an admin approves it again, and says so in the audit trail. */
async function quarantine(env: Env, tool: ToolRow, why: "definition_changed" | "missing_upstream") {
  await new ToolStore(makeDb(env.DB), tool.orgId).updateTool(tool.id, { approved: false, quarantinedAt: Date.now() });
  await recordAudit(env, {
    orgId: tool.orgId,
    actor: { type: "system", id: "palisade" },
    action: "tool.quarantine",
    resource: { type: "tool", id: tool.id },
    result: "denied",
    reason: why,
    details: { tool: tool.name },
  });
}

/**
 * Imports (or refreshes) the server's tools as `<server>.<tool>` entries, unapproved until an
 * admin approves each one. An approved tool whose definition changed upstream is quarantined:
 * its new definition is stored for review and it stays unusable until approved again.
 */
export async function importUpstreamTools(env: Env, server: ToolRow, userId: string): Promise<ToolRow[]> {
  const client = await connect(env, server);
  try {
    const listed = await client.listTools();
    const store = new ToolStore(makeDb(env.DB), server.orgId);
    const out: ToolRow[] = [];
    for (const raw of listed.tools.slice(0, 200)) {
      const parsed = UpstreamTool.safeParse(raw);
      if (!parsed.success) continue;
      const definition = definitionOf(parsed.data);
      const name = `${server.name}.${definition.name}`.slice(0, 64);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) continue;
      const existing = await store.toolByName(name);
      const fields = {
        description: definition.description,
        inputSchema: JSON.stringify(parsed.data.inputSchema ?? {}),
        mutating: definition.mutating,
      };
      if (existing) {
        if (existing.serverId !== server.id) continue;
        const unchanged = existing.definitionHash !== null && existing.definitionHash === (await hashDefinition(definition));
        if (unchanged) {
          out.push(existing);
          continue;
        }
        const row = await store.updateTool(existing.id, { ...fields, approved: false });
        if (existing.approved) await quarantine(env, existing, "definition_changed");
        if (row) out.push((await store.tool(row.id)) ?? row);
        continue;
      }
      const row = await store.insertTool({
        kind: "mcp_tool",
        name,
        ...fields,
        method: null,
        url: server.url,
        credentialId: server.credentialId,
        credentialOverHttp: server.credentialOverHttp,
        serverId: server.id,
        approved: false,
        definitionHash: null,
        quarantinedAt: null,
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

/**
 * Forwards a call of an imported tool to its upstream server, after checking that the server
 * still describes the tool exactly as it was approved; a tool that changed is quarantined and
 * the call refused.
 */
export async function callUpstreamTool(
  env: Env,
  tool: ToolRow,
  args: Record<string, unknown>,
  withdrawn?: AbortSignal,
): Promise<{ text: string; isError: boolean }> {
  if (tool.kind !== "mcp_tool" || !tool.serverId) throw new AppError("internal", "not an upstream tool");
  const server = await new ToolStore(makeDb(env.DB), tool.orgId).tool(tool.serverId);
  if (server?.kind !== "mcp_server") throw new AppError("unavailable", "the tool's MCP server is no longer registered");
  const { client, secrets } = await connectWithSecrets(env, server);
  try {
    const upstreamName = tool.name.slice(server.name.length + 1);
    const listed = (await client.listTools()).tools.map((t) => UpstreamTool.safeParse(t)).find((t) => t.success && t.data.name === upstreamName);
    const current = listed?.success ? await hashDefinition(definitionOf(listed.data)) : null;
    if (current === null || current !== tool.definitionHash) {
      await quarantine(env, tool, current === null ? "missing_upstream" : "definition_changed");
      throw new AppError(
        "policy_denied",
        "the MCP server changed this tool since it was approved; it is quarantined until an admin approves it again",
      );
    }
    const result = await client.callTool({ name: upstreamName, arguments: args }, undefined, withdrawn ? { signal: withdrawn } : undefined);
    const parts = z.array(z.unknown()).safeParse(result.content);
    const text = (parts.success ? parts.data : [])
      .map((p) => {
        const t = TextContent.safeParse(p);
        return t.success ? t.data.text : "[non-text content]";
      })
      .join("\n");
    return { text: scrubText(text, secrets), isError: result.isError === true };
  } catch (error) {
    const withdrawal = withdrawalOf(withdrawn);
    if (withdrawal) throw withdrawal;
    if (error instanceof AppError) throw error;
    throw new AppError("upstream_error", "the MCP server failed the call", { cause: error });
  } finally {
    await client.close();
  }
}
