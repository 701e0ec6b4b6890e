// Zod schemas of the tool registry, approvals, Agent Guides, subagents, memory and threads (admin API and agent gateway).
import { z } from "zod";
import { AutonomySchema, ID_PREFIX, idOf } from "./api.js";
import { AutonomyGateSchema, CredentialRefSchema, MethodSchema } from "./policy.js";

/** MCP tool names: what clients see and call. */
export const ToolNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '_', '.' and '-' only, at most 64");

const MAX_SCHEMA_BYTES = 32 * 1024;

/** A JSON Schema for a tool's arguments: an object schema, bounded in size (compiled by the registry). */
export const InputSchemaSchema = z
  .record(z.string(), z.unknown())
  .refine((s) => s.type === "object", "inputSchema must have type 'object'")
  .refine((s) => JSON.stringify(s).length <= MAX_SCHEMA_BYTES, `inputSchema must be at most ${MAX_SCHEMA_BYTES} bytes`);

const absoluteUrl = z
  .string()
  .max(2048)
  .refine((u) => URL.canParse(u.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, "x")), "must be an absolute URL")
  .refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL")
  .refine((u) => !/^https?:\/\/[^/]*[{}@]/i.test(u), "placeholders and credentials are not allowed in the host");

export const HttpToolCreateSchema = z.strictObject({
  name: ToolNameSchema,
  description: z.string().max(4000).default(""),
  inputSchema: InputSchemaSchema,
  method: MethodSchema,
  /** `{param}` placeholders are filled from the arguments (URL-encoded); the rest go in the query (GET/HEAD) or a JSON body. */
  url: absoluteUrl,
  credential: CredentialRefSchema.optional(),
  /** Send the credential over plain http too (default: https only). */
  credentialOverHttp: z.boolean().optional(),
  /** Unset means mutating unless the method is GET or HEAD. */
  mutating: z.boolean().optional(),
});

export const McpServerCreateSchema = z.strictObject({
  name: ToolNameSchema,
  description: z.string().max(4000).default(""),
  mcpUrl: absoluteUrl.refine((u) => !u.includes("{"), "no placeholders in an MCP server URL"),
  credential: CredentialRefSchema.optional(),
  credentialOverHttp: z.boolean().optional(),
});

export const ToolCreateSchema = z.union([HttpToolCreateSchema, McpServerCreateSchema]);

export const ToolUpdateSchema = z.strictObject({
  description: z.string().max(4000).optional(),
  inputSchema: InputSchemaSchema.optional(),
  credential: CredentialRefSchema.nullable().optional(),
  credentialOverHttp: z.boolean().optional(),
  mutating: z.boolean().optional(),
  /** Imported MCP tools are usable only once approved (approving pins the definition as it is now). */
  approved: z.boolean().optional(),
});

export const ToolSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  kind: z.enum(["http", "mcp_server", "mcp_tool"]),
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()).nullable(),
  method: z.string().nullable(),
  url: z.string().nullable(),
  credential: z.string().nullable(),
  credentialOverHttp: z.boolean(),
  mutating: z.boolean(),
  serverId: z.string().nullable(),
  approved: z.boolean(),
  /** When the upstream MCP server changed this tool's definition after approval (null otherwise). */
  quarantinedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const TOOL_GRANT_SCOPES = ["team", "project", "agent"] as const;
export const ToolGrantCreateSchema = z.strictObject({ scope: z.enum(TOOL_GRANT_SCOPES), id: z.string().min(1).max(64) });
export const ToolGrantSchema = z.object({
  id: z.string(),
  toolId: z.string(),
  scope: z.enum(TOOL_GRANT_SCOPES),
  scopeId: z.string(),
  createdAt: z.string(),
});

// ── autonomy gate (the `autonomyGate` section of a policy, defined with the policy document) ──
export const AutonomyGateConfigSchema = AutonomyGateSchema;
export type AutonomyGateConfig = z.infer<typeof AutonomyGateSchema>;

// ── approvals ───────────────────────────────────────────────────────────────
export const APPROVAL_STATUSES = ["pending", "approved", "denied", "expired"] as const;
export const ApprovalSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  agentId: z.string(),
  kind: z.enum(["tool", "egress"]),
  subject: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
  status: z.enum(APPROVAL_STATUSES),
  reason: z.string().nullable(),
  expiresAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  createdAt: z.string(),
});
export const ApprovalQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  status: z.enum(APPROVAL_STATUSES).optional(),
});
export const ApprovalDecisionSchema = z.strictObject({ reason: z.string().trim().max(500).optional() });

// ── guides ──────────────────────────────────────────────────────────────────
const guideContent = z.string().max(32 * 1024);
export const GuideCreateSchema = z.strictObject({ agentId: idOf(ID_PREFIX.agent).optional(), content: guideContent });
export const GuideUpdateSchema = z.strictObject({ content: guideContent, expectedVersion: z.number().int().min(1).optional() });
export const GuideSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  agentId: z.string().nullable().describe("null for the org guide"),
  version: z.number().int(),
  content: z.string(),
  updatedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const GuideVersionSchema = z.object({ version: z.number().int(), content: z.string(), createdBy: z.string(), createdAt: z.string() });

// ── subagents (agent gateway) ───────────────────────────────────────────────
export const SubagentCreateSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  /** At most the parent's level; defaults to it. */
  autonomy: AutonomySchema.optional(),
  /** Narrow the subagent to these tools (names); it can never use a tool its parent cannot. */
  tools: z.array(ToolNameSchema).max(200).optional(),
});

// ── memory and threads ──────────────────────────────────────────────────────
export const MemoryKeySchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, "letters, digits, '.', '_', ':' and '-' only");
export const MemoryWriteSchema = z.strictObject({ value: z.string().max(64 * 1024) });
export const MemoryEntrySchema = z.object({
  id: z.string(),
  agentId: z.string(),
  key: z.string(),
  value: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ThreadCreateSchema = z.strictObject({ userId: idOf(ID_PREFIX.user), title: z.string().trim().max(200).optional() });
export const ThreadSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  userId: z.string(),
  title: z.string().nullable(),
  createdAt: z.string(),
});
export const MESSAGE_ROLES = ["user", "assistant", "system", "tool"] as const;
export const MessageCreateSchema = z.strictObject({
  role: z.enum(MESSAGE_ROLES),
  content: z
    .string()
    .min(1)
    .max(64 * 1024),
});
export const MessageSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  role: z.enum(MESSAGE_ROLES),
  content: z.string(),
  createdAt: z.string(),
});

/**
 * What a held call will do once approved, kept in its approval's details so the call can be decided
 * again (fresh rights) when approved and right before it runs. The URL has no query string:
 * egress decisions never read it.
 */
export const HeldCallSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("egress"), method: z.string().max(32), override: z.string().max(32).nullable(), url: z.string().url().max(4096) }),
  z.object({ kind: z.literal("tool"), toolId: z.string().max(64), method: z.string().max(32), url: z.string().url().max(4096).nullable() }),
]);
export type HeldCall = z.infer<typeof HeldCallSchema>;
