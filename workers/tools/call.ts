// One tool call by an agent, from name to result: visibility, argument checks, policy, the
// autonomy gate, execution (HTTP or upstream MCP) and audit. Transport-neutral: /mcp wraps it.
import { type AgentRights, decideEgressFor } from "../agents/rights.js";
import { recordAudit } from "../audit/audit.js";
import { passGate } from "../autonomy/gate.js";
import type { ToolRow } from "../data/tool-store.js";
import { refusesTool, ruleRef } from "../egress/authorise.js";
import { type CallWatch, watchCall } from "../agents/withdrawal.js";
import { AppError } from "../errors.js";
import { type ExitAudit, checkExit } from "../pii/exit-check.js";
import { usableTools } from "./access.js";
import { checkArguments } from "./arguments.js";
import { type ToolRequest, buildToolRequest, executeHttpTool } from "./execute.js";
import { callUpstreamTool } from "./upstream.js";
import { exitPiiAttributes, exportedName } from "../telemetry/genai.js";
import { SpanKind, activeSpan, withSpan } from "../telemetry/span.js";

export interface CallContext {
  env: Env;
  rights: AgentRights;
  /** The token the call was made with: revoking it ends the call. */
  tokenId: string;
  traceId: string;
  waitUntil(promise: Promise<unknown>): void;
  /**
   * The person the agent acts for (OAuth from a desktop MCP client): audited as `onBehalfOf`, and
   * the tools usable are narrowed to those the person may see (null: no narrowing).
   */
  onBehalfOf?: { userId: string; visibleToolIds: ReadonlySet<string> | null } | undefined;
}

/** The agent's usable tools, narrowed to what the person it acts for may see. */
async function toolsOf(ctx: CallContext): Promise<ToolRow[]> {
  const tools = await usableTools(ctx.env, ctx.rights);
  const visible = ctx.onBehalfOf?.visibleToolIds;
  return visible ? tools.filter((t) => visible.has(t.id)) : tools;
}

/** Why a call was refused before anything ran; the MCP layer maps these to JSON-RPC errors. */
export type Refusal = "unknown_tool" | "arguments_too_large" | "invalid_arguments" | "policy_denied";

export class ToolCallRefused extends Error {
  constructor(
    readonly refusal: Refusal,
    message: string,
    readonly issues: Array<{ at: string; keyword: string }> = [],
  ) {
    super(message);
  }
}

export interface ToolResult {
  text: string;
  isError: boolean;
  status?: number;
}

/** A name as it may appear in audit details: bounded and printable. */
export const safeName = (name: string) => name.replace(/[^\x20-\x7e]/g, "?").slice(0, 80);

function audit(
  ctx: CallContext,
  tool: ToolRow | null,
  name: string,
  result: "allowed" | "denied" | "success" | "error",
  reason: string,
  details: Record<string, unknown> = {},
) {
  return recordAudit(ctx.env, {
    orgId: ctx.rights.agent.orgId,
    actor: { type: "agent", id: ctx.rights.agent.id },
    action: "tool.call",
    resource: { type: "tool", id: tool?.id ?? null },
    result,
    reason,
    traceId: ctx.traceId,
    details: { tool: safeName(name), ...details, ...(ctx.onBehalfOf ? { onBehalfOf: { type: "user", id: ctx.onBehalfOf.userId } } : {}) },
  });
}

export async function listToolsFor(ctx: CallContext): Promise<ToolRow[]> {
  return toolsOf(ctx);
}

export async function callTool(ctx: CallContext, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const tool = (await toolsOf(ctx)).find((t) => t.name === name) ?? null;
  // The agent chose the name: a span names only a tool the agent can call.
  const describe = () => {
    const shownName = exportedName(name, tool !== null);
    return {
      name: `execute_tool ${shownName}`,
      attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": shownName, "palisade.agent.id": ctx.rights.agent.id },
    };
  };
  return withSpan(SpanKind.internal, describe, async (span) => {
    const result = await runTool(ctx, tool, name, args);
    if (result.isError) span.fail(result.status !== undefined ? String(result.status) : "tool_error");
    return result;
  });
}

async function runTool(ctx: CallContext, tool: ToolRow | null, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  // Ungranted and nonexistent tools get the same answer, so names cannot be probed.
  if (!tool) {
    await audit(ctx, null, name, "denied", "not_granted");
    throw new ToolCallRefused("unknown_tool", `unknown tool: ${safeName(name)}`);
  }
  activeSpan().set({ "gen_ai.tool.type": tool.kind === "http" ? "function" : "extension", "palisade.tool.id": tool.id });
  const argCheck = checkArguments(tool.inputSchema, args);
  if (!argCheck.ok) {
    await audit(ctx, tool, name, "denied", argCheck.reason, { issues: argCheck.issues });
    throw new ToolCallRefused(
      argCheck.reason === "too_large" ? "arguments_too_large" : "invalid_arguments",
      argCheck.reason === "too_large" ? "arguments are too large" : "arguments do not match the tool's inputSchema",
      argCheck.issues,
    );
  }

  // Arguments leave by this tool: checked for personal data under the policy's toolArguments rules.
  let argsPii: ExitAudit;
  try {
    argsPii = await checkExit(ctx.env, ctx.rights, { exit: "toolArguments", json: args });
  } catch (error) {
    if (error instanceof AppError) await audit(ctx, tool, name, "denied", error.code, { ...error.details });
    throw error;
  }

  let request: ToolRequest | null = null;
  if (tool.kind === "http") {
    try {
      request = buildToolRequest(tool, args);
    } catch (error) {
      await audit(ctx, tool, name, "denied", "invalid_arguments");
      throw new ToolCallRefused("invalid_arguments", error instanceof AppError ? error.message : "arguments do not fit the tool's URL");
    }
  }
  const targetUrl = request?.url ?? (tool.url ? new URL(tool.url) : null);
  // A tool never reaches what the agent's policy explicitly denies (deny rules hold for tools too).
  if (targetUrl) {
    const decision = decideEgressFor(ctx.rights, { method: request?.method ?? "POST", url: targetUrl });
    if (refusesTool(decision)) {
      await audit(ctx, tool, name, "denied", ruleRef(decision) ?? decision.reason);
      throw new ToolCallRefused("policy_denied", "policy denies this tool's destination");
    }
  }

  // Watched from here to its result, the wait for an approval included: a withdrawal of the
  // agent or its token ends the wait (denying the approval) or cancels the upstream call.
  const watch = watchCall(ctx.env, ctx.rights.agent.id, ctx.tokenId, (p) => ctx.waitUntil(p));
  try {
    return await gateAndExecute(ctx, tool, name, args, request, argsPii, watch);
  } finally {
    watch.end();
  }
}

/** A tool's destination as its held call keeps it: no query string (decisions never read it). */
const heldUrlOf = (url: URL | null) => (url ? `${url.origin}${url.pathname}` : null);

async function gateAndExecute(
  ctx: CallContext,
  tool: ToolRow,
  name: string,
  args: Record<string, unknown>,
  request: ToolRequest | null,
  argsPii: ExitAudit,
  watch: CallWatch,
): Promise<ToolResult> {
  const gate = await passGate(
    { ...ctx, withdrawn: watch.signal },
    { kind: "tool", tool: tool.name, mutating: tool.mutating, method: tool.method },
    { kind: "tool", toolId: tool.id, method: request?.method ?? "POST", url: heldUrlOf(request?.url ?? (tool.url ? new URL(tool.url) : null)) },
    { toolId: tool.id, arguments: Object.keys(args).slice(0, 50) },
  ).catch(async (error: unknown) => {
    if (error instanceof AppError) await audit(ctx, tool, name, "denied", error.code);
    throw error;
  });

  activeSpan().set({ "palisade.decision": "allowed", "palisade.autonomy.level": gate.level, ...exitPiiAttributes(argsPii) });
  const via = { ...(gate.approvalId ? { approvalId: gate.approvalId } : {}), ...(argsPii ? { pii: { arguments: argsPii } } : {}) };
  try {
    let result: ToolResult;
    if (tool.kind === "http" && request) {
      const response = await executeHttpTool(ctx, tool, request, watch);
      result = { text: response.text + (response.truncated ? "\n[truncated]" : ""), isError: response.status >= 400, status: response.status };
    } else {
      result = await callUpstreamTool(ctx.env, tool, args, watch.signal);
    }
    // What comes back goes to the agent (and its model): checked under the toolResults rules.
    const resultPii = await checkExit(ctx.env, ctx.rights, { exit: "toolResults", body: result.text });
    const details = {
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...via,
      ...(resultPii ? { pii: { ...via.pii, result: resultPii } } : {}),
    };
    await audit(ctx, tool, name, result.isError ? "error" : "success", `level:${gate.level}`, details);
    return result;
  } catch (error) {
    await audit(ctx, tool, name, "error", error instanceof AppError ? error.code : "internal", {
      ...via,
      ...(error instanceof AppError ? error.details : {}),
    });
    throw error;
  }
}
