// Request and response schemas of the public admin API, shared by the Worker, the dashboard
// and the tests. Objects are strict: unknown fields are refused.
import { z } from "zod";
import { HostDriverSchema, ImageRefSchema, IsolationLevelSchema, SandboxArg, sandboxEnv } from "./sandbox.js";

export const ROLES = ["owner", "admin", "member"] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const TEAM_ROLES = ["admin", "member"] as const;
export const TeamRoleSchema = z.enum(TEAM_ROLES);

const ID_BODY = /^[0-9a-hjkmnp-tv-z]{26}$/;
/** A resource id with its type prefix ("agt_…"); anything else is treated as not found. */
export const idOf = (prefix: string) =>
  z.string().refine((s) => s.startsWith(`${prefix}_`) && ID_BODY.test(s.slice(prefix.length + 1)), {
    message: `must be a ${prefix}_ id`,
  });

export const ID_PREFIX = {
  org: "org",
  user: "usr",
  team: "team",
  project: "prj",
  agent: "agt",
  token: "tok",
  session: "ses",
  audit: "aud",
  policy: "pol",
  credential: "cred",
  provider: "prv",
  hostPool: "hpl",
  host: "host",
  sandbox: "sbx",
  tool: "tool",
  toolGrant: "tgr",
  approval: "apr",
  guide: "gde",
  memory: "mem",
  thread: "thr",
  message: "msg",
  price: "prc",
  limit: "lim",
  reservation: "rsv",
  invitation: "inv",
} as const;

const name = z.string().trim().min(1).max(120);
const email = z.string().trim().toLowerCase().max(254).pipe(z.email());
const password = z.string().min(10, "must be at least 10 characters").max(256);
const timestamp = z.string().describe("ISO 8601 time");

export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

export const PageQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

// ── identity ────────────────────────────────────────────────────────────────
export const BootstrapRequestSchema = z.strictObject({ orgName: name, email, password });
export const BootstrapResponseSchema = z.object({ orgId: z.string(), userId: z.string(), apiKey: z.string() });

export const LoginRequestSchema = z.strictObject({ email, password: z.string().min(1).max(256) });
export const LoginResponseSchema = z.object({ token: z.string(), expiresAt: timestamp, csrfToken: z.string() });

/** How a person signed in (RFC 8176 values): password, a second factor (TOTP or recovery code), the org's SSO. */
export const AuthMethodSchema = z.enum(["pwd", "otp", "sso"]);

/** Claims of a session JWT, validated again after the signature check. */
export const SessionClaimsSchema = z.object({
  sub: z.string(),
  jti: z.string().min(16),
  iat: z.number().int(),
  exp: z.number().int(),
  /** How the holder signed in; sessions minted before this claim existed count as password only. */
  amr: z.array(AuthMethodSchema).default(["pwd"]),
  /** With "sso": the org whose identity provider signed the holder in (its rules alone trust it). */
  sso_org: z.string().min(1).max(64).optional(),
});

// ── orgs, members ───────────────────────────────────────────────────────────
export const OrgCreateSchema = z.strictObject({ name });
export const OrgUpdateSchema = z.strictObject({ name: name.optional() });
export const OrgSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  /** Set while the org-wide switch is on: no agent of the org may act. */
  suspendedAt: timestamp.nullable().optional(),
  suspendReason: z.string().nullable().optional(),
  /** In /me: the teams of this org the caller administers (team admins manage those teams' agents). */
  adminTeamIds: z.array(z.string()).optional(),
  createdAt: timestamp,
});

/** Suspending an agent or an org: why (shown in the dashboard and the audit trail). */
export const SuspendSchema = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const SuspensionSchema = z.object({
  suspended: z.boolean(),
  /** Agents affected (with subagents, or the whole org). */
  agents: z.number().int(),
  /** Calls in flight that were ended, and held approvals that were denied (on suspension). */
  calls: z.number().int().optional(),
  approvals: z.number().int().optional(),
});

export const MeSchema = z.object({
  user: z.object({ id: z.string(), email: z.string() }),
  orgs: z.array(OrgSchema),
});

/**
 * Adds a member by invitation: the answer is an invitation whether or not the e-mail has an
 * account. `password` is the first password of the account if accepting the invitation creates it.
 */
export const MemberAddSchema = z.strictObject({ email, role: RoleSchema, password: password.optional() });
export const MemberUpdateSchema = z.strictObject({ role: RoleSchema });
export const MemberSchema = z.object({
  id: z.string().describe("user id"),
  email: z.string(),
  role: RoleSchema,
  createdAt: timestamp,
});

export const INVITATION_STATUSES = ["pending", "accepted", "revoked", "expired"] as const;
export const InvitationSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  email: z.string(),
  role: RoleSchema,
  status: z.enum(INVITATION_STATUSES),
  invitedBy: z.string().describe("user id"),
  expiresAt: timestamp,
  acceptedAt: timestamp.nullable(),
  createdAt: timestamp,
});
export const InvitationCreatedSchema = InvitationSchema.extend({
  token: z.string().describe("pal_invite_…, shown once: the invitee accepts with it"),
});
export const InvitationAcceptSchema = z.strictObject({
  token: z.string().min(1).max(200),
  /**
   * Not signed in: the person's own password for a new account (else the one the inviting admin set,
   * provisional), or for taking over an account nobody relies on (workers/identity/README.md).
   */
  password: password.optional(),
});
export const InvitationAcceptedSchema = z.object({ orgId: z.string(), userId: z.string(), email: z.string(), role: RoleSchema });

// ── teams, projects ─────────────────────────────────────────────────────────
export const TeamCreateSchema = z.strictObject({ name });
export const TeamUpdateSchema = z.strictObject({ name: name.optional() });
export const TeamSchema = z.object({ id: z.string(), orgId: z.string(), name: z.string(), createdAt: timestamp });

export const TeamMemberAddSchema = z.strictObject({ userId: idOf(ID_PREFIX.user), role: TeamRoleSchema });
export const TeamMemberSchema = z.object({ userId: z.string(), email: z.string(), role: TeamRoleSchema });

export const ProjectCreateSchema = z.strictObject({ name, teamId: idOf(ID_PREFIX.team).optional() });
export const ProjectUpdateSchema = z.strictObject({ name: name.optional(), teamId: idOf(ID_PREFIX.team).nullable().optional() });
export const ProjectSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  teamId: z.string().nullable(),
  createdAt: timestamp,
});

// ── agents and their tokens ─────────────────────────────────────────────────
export const AutonomySchema = z.number().int().min(1).max(5);
export const AgentCreateSchema = z.strictObject({
  name,
  teamId: idOf(ID_PREFIX.team).optional(),
  projectId: idOf(ID_PREFIX.project).optional(),
  autonomy: AutonomySchema.default(3),
  parentAgentId: idOf(ID_PREFIX.agent).optional(),
});
export const AgentUpdateSchema = z.strictObject({
  name: name.optional(),
  teamId: idOf(ID_PREFIX.team).nullable().optional(),
  projectId: idOf(ID_PREFIX.project).nullable().optional(),
  autonomy: AutonomySchema.optional(),
});
export const AgentSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  teamId: z.string().nullable(),
  projectId: z.string().nullable(),
  parentAgentId: z.string().nullable(),
  createdBy: z.string(),
  autonomy: AutonomySchema,
  status: z.enum(["active", "revoked"]),
  /** Set while the agent is suspended (it and its subagents may not act). */
  suspendedAt: timestamp.nullable().default(null),
  suspendReason: z.string().nullable().default(null),
  tokenPrefix: z.string().nullable().describe("non-secret prefix of the active token"),
  createdAt: timestamp,
});
export const AgentCreatedSchema = AgentSchema.extend({ token: z.string().describe("shown once") });
export const TokenIssuedSchema = z.object({ token: z.string().describe("shown once"), prefix: z.string() });

// ── admin API keys ──────────────────────────────────────────────────────────
export const ApiKeyCreateSchema = z.strictObject({ name });
export const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  prefix: z.string(),
  userId: z.string(),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  /** How the session that minted the key signed in; null for keys minted before it was recorded (password only). */
  signIn: z.object({ amr: z.array(AuthMethodSchema), ssoOrg: z.string().nullable() }).nullable(),
});
export const ApiKeyCreatedSchema = ApiKeySchema.extend({ key: z.string().describe("shown once") });

// ── audit ───────────────────────────────────────────────────────────────────
export const AUDIT_RESULTS = ["allowed", "denied", "success", "error"] as const;
export const ACTOR_TYPES = ["user", "agent", "host", "system"] as const;

/** Limits on recorded fields: audit rows stay small and a caller cannot smuggle bulk data in. */
export const AUDIT_LIMITS = { id: 128, action: 100, type: 64, reason: 200, traceId: 128, clientTraceId: 64, detailsJson: 4096 } as const;

/** One event as handed to the org's AuditLog Durable Object (validated again at the RPC boundary). */
export const AuditRecordSchema = z.strictObject({
  orgId: z.string().min(1).max(AUDIT_LIMITS.id),
  actor: z.strictObject({ type: z.enum(ACTOR_TYPES), id: z.string().min(1).max(AUDIT_LIMITS.id) }),
  action: z.string().min(1).max(AUDIT_LIMITS.action),
  resource: z.strictObject({ type: z.string().min(1).max(AUDIT_LIMITS.type), id: z.string().max(AUDIT_LIMITS.id).nullable() }),
  result: z.enum(AUDIT_RESULTS),
  reason: z.string().max(AUDIT_LIMITS.reason).nullable(),
  traceId: z.string().max(AUDIT_LIMITS.traceId).nullable(),
  /**
   * The caller's own x-palisade-trace-id (validated), kept apart from the platform's trace id.
   * Absent means none, so records sent by a Worker version without it still append.
   */
  clientTraceId: z.string().max(AUDIT_LIMITS.clientTraceId).nullable().default(null),
  /** Canonical JSON (sorted keys) of the safe details, or null. */
  details: z.string().max(AUDIT_LIMITS.detailsJson).nullable(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

export const AuditEventSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  seq: z.number().int(),
  ts: timestamp,
  actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.string() }),
  action: z.string(),
  resource: z.object({ type: z.string(), id: z.string().nullable() }),
  result: z.enum(AUDIT_RESULTS),
  reason: z.string().nullable(),
  traceId: z.string().nullable().describe("the platform's trace id of the request that recorded the event"),
  clientTraceId: z
    .string()
    .nullable()
    .describe(
      "the caller's own x-palisade-trace-id, if it sent a well-formed one: as sent when it is a UUID, a W3C trace/span id or a short label, else `h:` and 16 hex digits of a keyed hash; never used as traceId",
    ),
  details: z.record(z.string(), z.unknown()).nullable(),
  prevHash: z.string().describe("hash of the previous event of the org (or of the retention checkpoint)"),
  hash: z.string().describe("SHA-256 hex over the canonical form, see docs/audit.md"),
  actorName: z.string().nullable().optional().describe("the actor's current name (an agent's or host's name, a member's email), in lists"),
  resourceName: z.string().nullable().optional().describe("the resource's current name, in lists"),
});

export const AuditFilterSchema = z.strictObject({
  actorType: z.enum(ACTOR_TYPES).optional(),
  actorId: z.string().min(1).max(AUDIT_LIMITS.id).optional(),
  action: z.string().min(1).max(AUDIT_LIMITS.action).optional(),
  resourceType: z.string().min(1).max(AUDIT_LIMITS.type).optional(),
  resourceId: z.string().min(1).max(AUDIT_LIMITS.id).optional(),
  result: z.enum(AUDIT_RESULTS).optional(),
  traceId: z.string().min(1).max(AUDIT_LIMITS.traceId).optional(),
  clientTraceId: z.string().min(1).max(AUDIT_LIMITS.clientTraceId).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe("inclusive"),
  to: z.iso.datetime({ offset: true }).optional().describe("inclusive"),
  q: z.string().trim().min(1).max(200).optional().describe("text found (case-insensitive) in the action, ids, reason or details"),
});
export const AuditQuerySchema = AuditFilterSchema.extend(PageQuerySchema.shape).extend({
  order: z.enum(["asc", "desc"]).default("asc").describe("asc: oldest first (the cursor continues after); desc: newest first"),
  afterSeq: z.coerce.number().int().min(0).optional().describe("only events after this seq (a live tail polls with the last seq it has)"),
  names: z
    .enum(["true", "false"])
    .default("false")
    .describe(
      "true: join each id's current name (actorName, resourceName) for a console; names are user-chosen text and members' e-mails, so a plain read of the trail (exports, SIEM pulls) leaves them out",
    ),
});
export const AUDIT_EXPORT_FORMATS = ["ndjson", "csv"] as const;
export const AuditExportQuerySchema = AuditFilterSchema.extend({ format: z.enum(AUDIT_EXPORT_FORMATS).default("ndjson") });

const chainPoint = z.object({ seq: z.number().int(), hash: z.string() });
export const AUDIT_PROBLEMS = ["missing", "hash_mismatch", "link_mismatch", "unexpected"] as const;
export const AuditVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number().int().describe("events whose hash was recomputed"),
  checkpoint: chainPoint.describe("where the kept chain starts: seq 0 / genesis, or the last event removed by retention"),
  head: chainPoint.describe("the last event the org's audit log assigned"),
  pending: z.number().int().describe("events held durably at the edge, not yet in D1 (D1 unavailable)"),
  firstBroken: z.object({ seq: z.number().int(), id: z.string().nullable(), problem: z.enum(AUDIT_PROBLEMS) }).nullable(),
});

export const AuditRetentionSchema = z.strictObject({
  days: z.number().int().min(1).max(3650).nullable().describe("keep events this many days; null keeps them forever"),
});
export const AuditRetentionStatusSchema = z.object({
  days: z.number().int().nullable(),
  checkpoint: chainPoint,
});

/** PUT …/audit/sink: where the org's events are pushed (NDJSON, signed; see docs/audit.md). */
export const AuditSinkSchema = z.strictObject({
  url: z.string().max(2048).describe("https URL of the receiver (a SIEM's HTTP collector)"),
  fromSeq: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("deliver events after this seq; default 0 (every stored event), or the acknowledged seq when the URL is unchanged"),
});
export const AuditSinkStatusSchema = z.object({
  url: z.string().nullable(),
  ackedSeq: z.number().int().describe("the receiver acknowledged every event up to here"),
  headSeq: z.number().int(),
  failures: z.number().int().describe("failed attempts in a row"),
  lastError: z.string().nullable(),
  lastDeliveryAt: z.number().int().nullable(),
  nextAttemptAt: z.number().int().nullable(),
});
/** The PUT answer: the signing secret is shown this once. */
export const AuditSinkCreatedSchema = AuditSinkStatusSchema.extend({
  secret: z.string().describe("HMAC-SHA256 key of the x-palisade-signature header; shown once"),
});

/** A signed checkpoint of the org's audit chain (docs/audit.md, "Signed checkpoints"). */
export const AuditCheckpointSchema = z.object({
  seq: z.number().int(),
  hash: z.string(),
  signedAt: z.number().int().describe("epoch ms"),
  kid: z.string().describe("thumbprint of the signing key (GET /api/v1/audit/checkpoint-keys)"),
});
export const AuditCheckpointSignedSchema = AuditCheckpointSchema.extend({
  jws: z.string().describe("compact JWS (EdDSA) over {v, orgId, seq, hash, signedAt}"),
});
export const AuditCheckpointQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  beforeSeq: z.coerce.number().int().min(1).optional(),
});
export const AuditCheckpointParamsSchema = z.object({
  orgId: z.string(),
  which: z.union([z.literal("latest"), z.coerce.number().int().min(1)]),
});
export const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/** PUT …/notifications: the Slack-compatible incoming webhook that hears about held calls, spend and suspensions. */
export const NotificationsSchema = z.strictObject({
  webhookUrl: z.string().max(2048).describe('https URL of a Slack-compatible incoming webhook (it receives {"text": …})'),
});
export const NotificationsStatusSchema = z.object({
  webhookHost: z.string().nullable().describe("host of the webhook; the URL itself is a credential and never shown"),
  notifiedSeq: z.number().int().describe("audit events up to here were considered"),
  headSeq: z.number().int(),
  failures: z.number().int(),
  lastError: z.string().nullable(),
  lastSentAt: z.number().int().nullable(),
  nextAttemptAt: z.number().int().nullable(),
});

/** OpenTelemetry export (README "OpenTelemetry"): traces of LLM, egress and tool calls over OTLP/HTTP JSON. */
export const TELEMETRY_MAX_HEADERS = 16;
export const TelemetrySchema = z.strictObject({
  endpoint: z
    .string()
    .max(2048)
    .describe("https URL of the collector's OTLP/HTTP traces endpoint; a URL without a path gets /v1/traces; no query (credentials go in headers)"),
  headers: z
    .record(
      z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "a header name (letters, digits and !#$%&'*+.^_`|~-)"),
      z
        .string()
        .min(1)
        .max(4096)
        .regex(/^[\t\x20-\x7e]*$/, "printable ASCII"),
    )
    .refine((h) => Object.keys(h).length <= TELEMETRY_MAX_HEADERS, `at most ${TELEMETRY_MAX_HEADERS} headers`)
    .optional()
    .describe("sent with every export (an API key, for example); kept in the vault, never shown again"),
  includeContent: z.boolean().default(false).describe("export prompt and completion text, PII-masked; off by default"),
  sampleRatio: z.number().min(0).max(1).default(1).describe("share of calls traced, decided at the edge whatever the caller's traceparent says"),
});
export const TelemetryStatusSchema = z.object({
  configured: z.boolean(),
  endpoint: z.string().nullable(),
  headerNames: z.array(z.string()).describe("names only: the values are never shown"),
  includeContent: z.boolean(),
  sampleRatio: z.number(),
  droppedSpans: z.number().int().describe("spans given up on after the retries"),
  lastError: z.string().nullable(),
  updatedAt: z.number().int().nullable(),
});

// ── sandbox hosts ───────────────────────────────────────────────────────────
export const POOL_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const HostEnrollmentCreateSchema = z.strictObject({
  pool: z.string().regex(POOL_NAME, "pool: lowercase letters, digits, '_' and '-'"),
  /** Minutes the one-time enrollment token stays valid (default 60). */
  ttlMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
});
export const HostEnrollmentSchema = z.object({
  pool: z.string(),
  poolId: z.string(),
  enrollmentToken: z.string().describe("one-time pal_host_ token, shown once"),
  expiresAt: timestamp,
});
export const HostEnrollRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  version: z.string().max(64).optional(),
});
export const HostEnrolledSchema = z.object({
  hostId: z.string(),
  orgId: z.string(),
  pool: z.string(),
  credential: z.string().describe("pal_hostkey_ credential, shown once"),
});
export const HostSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  pool: z.string(),
  status: z.enum(["active", "revoked"]),
  connected: z.boolean(),
  version: z.string().nullable(),
  lastHeartbeatAt: timestamp.nullable(),
  /** What the host advertised when it last connected: its drivers and how many images it holds. */
  drivers: z.array(HostDriverSchema),
  images: z.number().int(),
  createdAt: timestamp,
});
export const HostPoolSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  hosts: z.number().int(),
  connected: z.number().int(),
  /** Isolation levels some active host of the pool offers (container, gvisor, vm). */
  isolation: z.array(IsolationLevelSchema),
  createdAt: timestamp,
});

// ── managed sandboxes ───────────────────────────────────────────────────────
export const SandboxCreateSchema = z.strictObject({
  agentId: idOf(ID_PREFIX.agent),
  pool: z.string().regex(POOL_NAME, "pool: lowercase letters, digits, '_' and '-'"),
  command: z.array(SandboxArg.min(1)).min(1).max(256),
  /** Loader variables (LD_*, MALLOC_*, GCONV_PATH…) and NUL bytes are refused (schema/sandbox.ts). */
  env: sandboxEnv(64).optional(),
  /** An image imported on the pool's hosts (`palisade host image import`): a sha256 digest or a name. */
  image: ImageRefSchema.optional(),
  /**
   * container (default), gvisor or vm. Absent: the strictest level the agent's policies require.
   * Asking for less than a policy requires is refused (403), never raised silently.
   */
  isolation: IsolationLevelSchema.optional(),
  /** Idle timeout in minutes (default 30). */
  idleTimeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(30),
  limits: z
    .strictObject({
      memoryMiB: z
        .number()
        .int()
        .min(16)
        .max(64 * 1024)
        .optional(),
      cpuMillis: z.number().int().min(10).max(64_000).optional(),
      pids: z.number().int().min(8).max(100_000).optional(),
    })
    .optional(),
});
export type SandboxCreate = z.output<typeof SandboxCreateSchema>;
export const SandboxSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  agentId: z.string(),
  hostId: z.string().nullable(),
  pool: z.string(),
  command: z.array(z.string()),
  isolation: IsolationLevelSchema,
  image: z.string().nullable(),
  /** Reported by the host: the image's digest, the driver, and for a vm kvm or tcg (emulated, far slower). */
  imageDigest: z.string().nullable(),
  driver: z.string().nullable(),
  accelerator: z.string().nullable(),
  state: z.enum(["pending", "starting", "running", "exited", "failed", "stopped"]),
  exitCode: z.number().int().nullable(),
  reason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export const SandboxListQuerySchema = PageQuerySchema.extend({ agentId: idOf(ID_PREFIX.agent).optional() });
