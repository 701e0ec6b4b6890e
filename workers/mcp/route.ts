// POST /mcp: MCP streamable HTTP for agents outside a sandbox, stateless (one SDK server and
// transport per request). tools/list shows only usable tools; tools/call goes through callTool.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ErrorCode, JSONRPCMessageSchema, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { recordAudit } from "../audit/audit.js";
import { AppError } from "../errors.js";
import type { AppEnv } from "../http/context.js";
import { readLimitedBytes } from "../http/middleware.js";
import { agentCallContext, carriesPalisadeToken, requireAgent, rightsAfterBody } from "../identity/authenticate.js";
import { serveOAuthMcp } from "../oauth/resource.js";
import { type CallContext, ToolCallRefused, callTool, listToolsFor, safeName } from "../tools/call.js";
import { guidePromptFor } from "../tools/guide.js";
import { traced } from "../telemetry/middleware.js";

export const MCP_BODY_LIMIT = 128 * 1024;

/** Application error codes (JSON-RPC reserves -32000..-32099 for implementations). */
export const MCP_ERRORS = {
  policy_denied: -32010,
  approval_denied: -32011,
  approval_expired: -32012,
  upstream: -32013,
  pii_blocked: -32014,
} as const;

const SERVER_INFO = { name: "palisade", version: "1.0.0" };

function rpcError(status: number, code: number, message: string, id: string | number | null = null) {
  return Response.json({ jsonrpc: "2.0", id, error: { code, message } }, { status });
}

function buildServer(ctx: CallContext, instructions: string | undefined): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    ...(instructions ? { instructions } : {}),
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const tools = await listToolsFor(ctx);
    return {
      tools: tools.map((t) => ({
        name: t.name,
        description: t.description,
        inputSchema: z.looseObject({ type: z.literal("object") }).parse(JSON.parse(t.inputSchema ?? '{"type":"object"}')),
        annotations: { readOnlyHint: !t.mutating, destructiveHint: t.method === "DELETE" },
      })),
    };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    try {
      const result = await callTool(ctx, request.params.name, request.params.arguments ?? {});
      return { content: [{ type: "text" as const, text: result.text }], isError: result.isError };
    } catch (error) {
      if (error instanceof ToolCallRefused) {
        if (error.refusal === "policy_denied") throw new McpError(MCP_ERRORS.policy_denied, error.message);
        throw new McpError(ErrorCode.InvalidParams, error.message, error.issues.length ? { issues: error.issues } : undefined);
      }
      if (error instanceof AppError) {
        const code =
          error.code === "approval_denied" || error.code === "approval_expired" || error.code === "policy_denied" || error.code === "pii_blocked"
            ? MCP_ERRORS[error.code]
            : MCP_ERRORS.upstream;
        throw new McpError(code, error.message, { code: error.code, ...(error.details ?? {}) });
      }
      throw error;
    }
  });
  return server;
}

function auditRequest(c: Context<AppEnv>, result: "denied" | "error", reason: string, details: Record<string, unknown> = {}) {
  const { agent } = c.get("agent");
  const person = c.get("onBehalfOf");
  return recordAudit(c.env, {
    orgId: agent.orgId,
    actor: { type: "agent", id: agent.id },
    action: "mcp.request",
    resource: { type: "mcp", id: null },
    result,
    reason,
    traceId: c.get("traceId"),
    details: { ...details, ...(person ? { onBehalfOf: { type: "user", id: person.userId } } : {}) },
  });
}

const RequestLike = z.object({ id: z.union([z.string(), z.number()]), method: z.string(), params: z.unknown().optional() });
const CallParams = z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() });

export function mcpGateway() {
  const mcp = new Hono<AppEnv>();
  // A desktop client signed in through OAuth carries no pal_ token: the protected resource
  // (workers/oauth/resource.ts) challenges or validates it, then serves the same routes.
  mcp.all("*", async (c, next) => (carriesPalisadeToken(c) ? next() : serveOAuthMcp(c)));
  mcp.use("*", requireAgent);
  mcpRoutes(mcp);
  return mcp;
}

/** The MCP endpoint's routes, for whichever authentication put the agent (and person) in the context. */
export function mcpRoutes(mcp: Hono<AppEnv>) {
  mcp.use(
    "*",
    traced(() => "/mcp"),
  );
  mcp.post("/", async (c) => {
    let bytes: Uint8Array;
    try {
      bytes = await readLimitedBytes(c.req.raw, MCP_BODY_LIMIT);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== "payload_too_large") throw error;
      await auditRequest(c, "denied", "too_large", { limit: MCP_BODY_LIMIT });
      return rpcError(413, ErrorCode.InvalidRequest, `request body exceeds ${MCP_BODY_LIMIT} bytes`);
    }
    await rightsAfterBody(c);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    } catch {
      await auditRequest(c, "denied", "parse_error");
      return rpcError(400, ErrorCode.ParseError, "Parse error: the body is not JSON");
    }
    const messages = Array.isArray(body) ? body : [body];
    if (messages.length === 0 || messages.length > 20 || !messages.every((m) => JSONRPCMessageSchema.safeParse(m).success)) {
      await auditRequest(c, "denied", "invalid_request");
      return rpcError(400, ErrorCode.InvalidRequest, "Invalid Request: not a JSON-RPC 2.0 message");
    }
    const methods = new Map<string | number, string>();
    for (const m of messages) {
      const r = RequestLike.safeParse(m);
      if (!r.success) continue;
      methods.set(r.data.id, r.data.method);
      // The SDK reports malformed tools/call params as an internal error; they are the caller's fault.
      if (r.data.method === "tools/call" && !CallParams.safeParse(r.data.params).success) {
        await auditRequest(c, "denied", "invalid_params", { method: "tools/call" });
        return rpcError(200, ErrorCode.InvalidParams, "Invalid params: tools/call needs {name: string, arguments?: object}", r.data.id);
      }
    }

    const rights = c.get("rights");
    const person = c.get("onBehalfOf");
    const ctx: CallContext = { ...agentCallContext(c), onBehalfOf: person };
    // MCP clients show server instructions to their model: the Agent Guide goes there too.
    const instructions = [...methods.values()].includes("initialize") ? ((await guidePromptFor(c.env, rights)) ?? undefined) : undefined;
    const server = buildServer(ctx, instructions);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    const response = await transport.handleRequest(c.req.raw, { parsedBody: body });
    await auditErrors(c, response, methods);
    return response;
  });
  // Stateless server: no standalone SSE stream and no sessions to delete.
  mcp.on(["GET", "DELETE"], "/", () =>
    rpcError(405, ErrorCode.ConnectionClosed, "Method not allowed: this server is stateless; POST JSON-RPC messages"),
  );
}

const ErrorReply = z.object({ id: z.union([z.string(), z.number(), z.null()]).optional(), error: z.object({ code: z.number() }) });

/** Records JSON-RPC errors the SDK answered itself (unknown methods, bad params); tool refusals are already audited by callTool. */
async function auditErrors(c: Context<AppEnv>, response: Response, methods: Map<string | number, string>) {
  if (!(response.headers.get("content-type") ?? "").includes("application/json")) return;
  let parsed: unknown;
  try {
    parsed = await response.clone().json();
  } catch {
    return;
  }
  for (const reply of Array.isArray(parsed) ? parsed : [parsed]) {
    const r = ErrorReply.safeParse(reply);
    if (!r.success) continue;
    const method = r.data.id !== undefined && r.data.id !== null ? methods.get(r.data.id) : undefined;
    if (method === "tools/call" && r.data.error.code !== ErrorCode.InvalidParams) continue;
    await auditRequest(c, "denied", `jsonrpc:${r.data.error.code}`, { method: safeName(method ?? "unknown") });
  }
}
