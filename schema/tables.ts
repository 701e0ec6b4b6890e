// D1 tables (drizzle). Every org-scoped table carries org_id with a foreign key to orgs;
// the data-access layer in workers/data refuses to query those tables without an org id.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => integer("created_at").notNull().default(sql`(unixepoch('subsec') * 1000)`);

export const orgs = sqliteTable("orgs", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** The org-wide switch (incident response): while set, no agent of the org may act. */
  suspendedAt: integer("suspended_at"),
  suspendReason: text("suspend_reason"),
  createdAt: createdAt(),
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    /** "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"; never the password itself. */
    passwordHash: text("password_hash"),
    /**
     * The password was chosen by an inviting admin, not by the person: nobody proved the address
     * (shown to the org; an invitation takes over only an account in no org, whatever this says).
     */
    passwordProvisional: integer("password_provisional", { mode: "boolean" }).notNull().default(false),
    /**
     * Bumped when an invitation takes the account over: sessions and MFA challenges carry the
     * value they were issued under, and one issued under an earlier value is refused.
     */
    credentialsEpoch: integer("credentials_epoch").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index("memberships_user").on(t.userId)],
);

export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("teams_org_name").on(t.orgId, t.name)],
);

/** Team-level roles: a team admin manages the team's agents without being an org admin. */
export const teamMemberships = sqliteTable(
  "team_memberships",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["admin", "member"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("team_memberships_org_user").on(t.orgId, t.userId)],
);

export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    teamId: text("team_id").references(() => teams.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("projects_org_name").on(t.orgId, t.name)],
);

export const agents = sqliteTable(
  "agents",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    teamId: text("team_id").references(() => teams.id, { onDelete: "set null" }),
    projectId: text("project_id").references(() => projects.id, { onDelete: "set null" }),
    parentAgentId: text("parent_agent_id"),
    /** Creator: a user id, or the parent agent's id for subagents. */
    createdBy: text("created_by").notNull(),
    autonomy: integer("autonomy").notNull().default(3),
    status: text("status", { enum: ["active", "revoked"] })
      .notNull()
      .default("active"),
    /** While set, the agent (and every subagent under it) may not act; its calls in flight were ended. */
    suspendedAt: integer("suspended_at"),
    suspendReason: text("suspend_reason"),
    createdAt: createdAt(),
  },
  (t) => [index("agents_org").on(t.orgId, t.id), index("agents_parent").on(t.orgId, t.parentAgentId)],
);

/**
 * Bearer credentials of every kind. Only the SHA-256 hex of a token is stored, with a short
 * non-secret prefix for display. subject_id is the agent, user (admin keys) or host pool.
 */
export const tokens = sqliteTable(
  "tokens",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["agent", "admin", "host_enrollment", "host", "scim"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    name: text("name"),
    sha256: text("sha256").notNull(),
    prefix: text("prefix").notNull(),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
    /**
     * Admin keys: how the session that minted the key signed in (JSON array of "pwd", "otp",
     * "sso"); org rules judge the key by it on every use. NULL (keys minted before it was
     * recorded) counts as password only.
     */
    signInAmr: text("sign_in_amr"),
    /** Admin keys minted by an SSO session: the org whose identity provider signed the person in. */
    signInSsoOrg: text("sign_in_sso_org"),
    /** Admin keys: the org rule the key was last refused for, so the refusal is audited once per rule. */
    refusedForRule: text("refused_for_rule"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tokens_sha256").on(t.sha256), index("tokens_subject").on(t.orgId, t.kind, t.subjectId)],
);

/**
 * Invitations to join an org: nobody becomes a member without accepting one, signed in as the
 * invited account or creating it. The token is shown once and stored as SHA-256 only.
 */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    /** Normalised (trimmed, lower-case). */
    email: text("email").notNull(),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull(),
    tokenSha256: text("token_sha256").notNull(),
    /** Set when the inviting admin chose the first password of an account the acceptance creates. */
    passwordHash: text("password_hash"),
    invitedBy: text("invited_by").notNull(),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
    acceptedBy: text("accepted_by"),
    revokedAt: integer("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("invitations_token").on(t.tokenSha256), index("invitations_org_email").on(t.orgId, t.email)],
);

/** Dashboard/API sessions: the JWT's jti is stored hashed so logout can revoke it. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    jtiSha256: text("jti_sha256").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("sessions_jti").on(t.jtiSha256)],
);

/**
 * Audit trail: one row per action, written in batches by the org's AuditLog Durable Object.
 * seq is gapless per org; hash = SHA-256 over the canonical form of the row + prev_hash
 * (docs/audit.md), so an edited, deleted or inserted row breaks the chain.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    ts: integer("ts").notNull(),
    actorType: text("actor_type", { enum: ["user", "agent", "host", "system"] }).notNull(),
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    resourceType: text("resource_type").notNull(),
    resourceId: text("resource_id"),
    result: text("result", { enum: ["allowed", "denied", "success", "error"] }).notNull(),
    reason: text("reason"),
    traceId: text("trace_id"),
    /** The caller's own trace id (x-palisade-trace-id), validated; never the platform's trace id. */
    clientTraceId: text("client_trace_id"),
    details: text("details"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("audit_org_seq").on(t.orgId, t.seq),
    index("audit_org_ts").on(t.orgId, t.ts),
    index("audit_org_trace").on(t.orgId, t.traceId),
    index("audit_org_client_trace").on(t.orgId, t.clientTraceId),
    // The console's aggregates: agent calls over a time range, covering action, result and reason.
    index("audit_org_actor_ts").on(t.orgId, t.actorType, t.ts, t.action, t.result, t.reason),
  ],
);

/** Policy documents; `doc` holds the validated, normalised JSON. Every change bumps version. */
export const policies = sqliteTable(
  "policies",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    version: integer("version").notNull().default(1),
    doc: text("doc").notNull(),
    updatedBy: text("updated_by").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("policies_org_name").on(t.orgId, t.name)],
);

/** Every saved version of every policy, for history and rollback. */
export const policyVersions = sqliteTable(
  "policy_versions",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    policyId: text("policy_id")
      .notNull()
      .references(() => policies.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    doc: text("doc").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.policyId, t.version] })],
);

/** Where a policy applies: the org (scope_id = org id), a team, a project or an agent. */
export const policyAttachments = sqliteTable(
  "policy_attachments",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    policyId: text("policy_id")
      .notNull()
      .references(() => policies.id, { onDelete: "cascade" }),
    scope: text("scope", { enum: ["org", "team", "project", "agent"] }).notNull(),
    scopeId: text("scope_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.policyId, t.scope, t.scopeId] }), index("policy_attachments_target").on(t.orgId, t.scope, t.scopeId)],
);

/** Secrets, AES-256-GCM encrypted under a versioned master key; never returned by the API. */
export const credentials = sqliteTable(
  "credentials",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    ciphertext: text("ciphertext").notNull(),
    iv: text("iv").notNull(),
    keyVersion: text("key_version").notNull(),
    inject: text("inject").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("credentials_org_name").on(t.orgId, t.name)],
);

/** LLM providers of an org; the API key is a credential of the vault. */
export const providers = sqliteTable(
  "providers",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["openai", "anthropic"] }).notNull(),
    baseUrl: text("base_url").notNull(),
    credentialId: text("credential_id")
      .notNull()
      .references(() => credentials.id, { onDelete: "restrict" }),
    models: text("models"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("providers_org_name").on(t.orgId, t.name)],
);

/** Pools of sandbox hosts; egress rules route to a pool by name (`route: "pool:<name>"`). */
export const hostPools = sqliteTable(
  "host_pools",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("host_pools_org_name").on(t.orgId, t.name)],
);

/**
 * Enrolled sandbox hosts. Their credential is a `host` token (SHA-256 only, in tokens); whether
 * a host is connected, and its last heartbeat, live in its HostTunnel Durable Object.
 */
export const hosts = sqliteTable(
  "hosts",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    poolId: text("pool_id")
      .notNull()
      .references(() => hostPools.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    status: text("status", { enum: ["active", "revoked"] })
      .notNull()
      .default("active"),
    version: text("version"),
    /** JSON HostCapabilities (schema/sandbox.ts): drivers and images the host advertised when it last connected. */
    capabilities: text("capabilities"),
    createdAt: createdAt(),
  },
  (t) => [index("hosts_pool").on(t.orgId, t.poolId)],
);

/** Sandboxes started on hosts for agents, with their last known state. */
export const sandboxes = sqliteTable(
  "sandboxes",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    hostId: text("host_id").references(() => hosts.id, { onDelete: "set null" }),
    poolId: text("pool_id")
      .notNull()
      .references(() => hostPools.id, { onDelete: "cascade" }),
    command: text("command").notNull(),
    /** The isolation level the edge asked for (container, gvisor, vm). */
    isolation: text("isolation", { enum: ["container", "gvisor", "vm"] })
      .notNull()
      .default("container"),
    /** The image reference of the request (digest or name), if any. */
    image: text("image"),
    /** What the host reports the sandbox runs on: the image's digest, the driver, the VM accelerator. */
    imageDigest: text("image_digest"),
    driver: text("driver"),
    accelerator: text("accelerator"),
    /** The limits the edge sent (JSON of RuntimeLimitsSchema), null when none: every report must echo them. */
    askedLimits: text("asked_limits"),
    /** The runtime the edge accepted (JSON of SandboxRuntimeSchema), set once: fixed for the sandbox's life. */
    runtime: text("runtime"),
    state: text("state", { enum: ["pending", "starting", "running", "exited", "failed", "stopped"] }).notNull(),
    exitCode: integer("exit_code"),
    reason: text("reason"),
    /** No output and no request for this long and the host stops it; its session token lapses with it. */
    idleTimeoutMs: integer("idle_timeout_ms").notNull().default(1_800_000),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("sandboxes_agent").on(t.orgId, t.agentId), index("sandboxes_host").on(t.orgId, t.hostId, t.state)],
);

/** Per-org PII allow list (never PII) and deny list (always PII of a category), as JSON. */
export const piiLists = sqliteTable("pii_lists", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => orgs.id, { onDelete: "cascade" }),
  allow: text("allow").notNull(),
  deny: text("deny").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Tool registry: HTTP tools ("http"), upstream MCP servers ("mcp_server") and the tools
 * imported from them ("mcp_tool", approved one by one). Names are unique per org; they are
 * what MCP clients call.
 */
export const tools = sqliteTable(
  "tools",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["http", "mcp_server", "mcp_tool"] }).notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** JSON Schema of the arguments (http and mcp_tool). */
    inputSchema: text("input_schema"),
    method: text("method"),
    /** URL template of an http tool ({param} placeholders) or the URL of an upstream MCP server. */
    url: text("url"),
    credentialId: text("credential_id").references(() => credentials.id, { onDelete: "restrict" }),
    mutating: integer("mutating", { mode: "boolean" }).notNull().default(true),
    /** For mcp_tool: the mcp_server it was imported from. */
    serverId: text("server_id"),
    /** The credential may be sent over plain http (otherwise https only). */
    credentialOverHttp: integer("credential_over_http", { mode: "boolean" }).notNull().default(false),
    /** Imported tools start unapproved; http tools are approved when an admin creates them. */
    approved: integer("approved", { mode: "boolean" }).notNull().default(true),
    /** For mcp_tool: SHA-256 of the upstream definition (name, description, inputSchema, annotations) pinned at approval. */
    definitionHash: text("definition_hash"),
    /** Set when the upstream's definition no longer matches the pinned one: unusable until approved again. */
    quarantinedAt: integer("quarantined_at"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("tools_org_name").on(t.orgId, t.name), index("tools_server").on(t.orgId, t.serverId)],
);

/** Which teams, projects and agents may use a tool. */
export const toolGrants = sqliteTable(
  "tool_grants",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    toolId: text("tool_id")
      .notNull()
      .references(() => tools.id, { onDelete: "cascade" }),
    scope: text("scope", { enum: ["team", "project", "agent"] }).notNull(),
    scopeId: text("scope_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tool_grants_unique").on(t.toolId, t.scope, t.scopeId), index("tool_grants_target").on(t.orgId, t.scope, t.scopeId)],
);

/** Calls held by the autonomy gate until a user decides or they expire. */
export const approvals = sqliteTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["tool", "egress"] }).notNull(),
    /** Tool name or "METHOD host/path" (never a query string or argument values). */
    subject: text("subject").notNull(),
    /** Safe details for the approver (tool id, argument names, autonomy level). */
    details: text("details"),
    status: text("status", { enum: ["pending", "approved", "denied", "expired"] })
      .notNull()
      .default("pending"),
    reason: text("reason"),
    expiresAt: integer("expires_at").notNull(),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
    traceId: text("trace_id"),
    /** The agent token the held call was made with: withdrawing that token denies the approval. */
    tokenId: text("token_id"),
    createdAt: createdAt(),
  },
  (t) => [index("approvals_org_status").on(t.orgId, t.status, t.id)],
);

/** Agent Guides: one for the org (target "org") and one per agent (target = agent id). */
export const guides = sqliteTable(
  "guides",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    target: text("target").notNull(),
    version: integer("version").notNull().default(1),
    content: text("content").notNull(),
    updatedBy: text("updated_by").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("guides_org_target").on(t.orgId, t.target)],
);

export const guideVersions = sqliteTable(
  "guide_versions",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    guideId: text("guide_id")
      .notNull()
      .references(() => guides.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    content: text("content").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.guideId, t.version] })],
);

/** Key-value memory of one agent. */
export const memoryEntries = sqliteTable(
  "memory_entries",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("memory_agent_key").on(t.orgId, t.agentId, t.key)],
);

/** Conversation threads between one agent and one user. */
export const threads = sqliteTable(
  "threads",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title"),
    createdAt: createdAt(),
  },
  (t) => [index("threads_agent_user").on(t.orgId, t.agentId, t.userId)],
);

export const threadMessages = sqliteTable(
  "thread_messages",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    threadId: text("thread_id")
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["user", "assistant", "system", "tool"] }).notNull(),
    content: text("content").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("thread_messages_thread").on(t.orgId, t.threadId, t.id)],
);

// ── spend ───────────────────────────────────────────────────────────────────
/** Per-org model prices overriding the built-in defaults; model "*" is the org's fallback price. */
export const spendPrices = sqliteTable(
  "spend_prices",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    model: text("model").notNull(),
    /** Integer micro-dollars per million tokens. */
    inputMicrosPerMTok: integer("input_micros_per_mtok").notNull(),
    outputMicrosPerMTok: integer("output_micros_per_mtok").notNull(),
    cachedMicrosPerMTok: integer("cached_micros_per_mtok"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("spend_prices_org_model").on(t.orgId, t.model)],
);

/** Spend limits; scope_key is the scope id, or "org" for the org scope, so one limit per scope and period. */
export const spendLimits = sqliteTable(
  "spend_limits",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    scope: text("scope", { enum: ["org", "team", "agent"] }).notNull(),
    scopeId: text("scope_id"),
    scopeKey: text("scope_key").notNull(),
    period: text("period", { enum: ["day", "month", "total"] }).notNull(),
    limitMicros: integer("limit_micros").notNull(),
    /** JSON array of alert thresholds in percent, ascending, e.g. [50,80,100]. */
    thresholds: text("thresholds").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("spend_limits_org_scope_period").on(t.orgId, t.scope, t.scopeKey, t.period)],
);

/** Usage ledger: one row per settled reservation or per call drawn from a lease (id = its reservation or call id), written by the org's spend DO. */
export const spendUsage = sqliteTable(
  "spend_usage",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    agentId: text("agent_id").notNull(),
    teamId: text("team_id"),
    model: text("model").notNull(),
    /** UTC day of the reservation, "YYYY-MM-DD". */
    day: text("day").notNull(),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    cachedTokens: integer("cached_tokens").notNull(),
    costMicros: integer("cost_micros").notNull(),
    /** "reported": provider usage; "reservation": no usage reported, charged the reservation. */
    basis: text("basis", { enum: ["reported", "reservation"] }).notNull(),
    settledAt: integer("settled_at").notNull(),
  },
  (t) => [index("spend_usage_org_day").on(t.orgId, t.day)],
);

/**
 * Per-org OpenTelemetry export (workers/telemetry): the OTLP/HTTP traces URL, its headers sealed
 * in the vault as one JSON object (they carry the collector's API key), and what is exported.
 */
export const telemetryConfigs = sqliteTable("telemetry_configs", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => orgs.id, { onDelete: "cascade" }),
  endpoint: text("endpoint").notNull(),
  headersCiphertext: text("headers_ciphertext"),
  headersIv: text("headers_iv"),
  headersKeyVersion: text("headers_key_version"),
  /** Header names only, as JSON: what GET shows. */
  headerNames: text("header_names").notNull(),
  includeContent: integer("include_content", { mode: "boolean" }).notNull(),
  sampleRatio: real("sample_ratio").notNull(),
  droppedSpans: integer("dropped_spans").notNull().default(0),
  lastError: text("last_error"),
  updatedAt: integer("updated_at").notNull(),
});
// ── single sign-on and MFA (workers/identity/README.md) ─────────────────────

/** An org's OpenID Connect provider (one per org). The client secret is a credential of the org, named here. */
export const identityProviders = sqliteTable("identity_providers", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => orgs.id, { onDelete: "cascade" }),
  /** Shown on the sign-in button: "Sign in with <displayName>". */
  displayName: text("display_name").notNull(),
  issuer: text("issuer").notNull(),
  clientId: text("client_id").notNull(),
  /** Name of the org credential (vault) holding the client secret. */
  clientSecretCredential: text("client_secret_credential").notNull(),
  /** JSON array of {group, role?, teamId?}: IdP groups to org roles and team membership. */
  groupMappings: text("group_mappings").notNull(),
  /** Role a just-in-time user gets when no group maps to one. */
  defaultRole: text("default_role", { enum: ["admin", "member"] }).notNull(),
  updatedAt: integer("updated_at").notNull(),
  createdAt: createdAt(),
});

/** E-mail domains an org's provider may sign people in for; a domain belongs to one org only (sign-in finds the org by it). */
export const identityProviderDomains = sqliteTable(
  "identity_provider_domains",
  {
    domain: text("domain").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [index("identity_provider_domains_org").on(t.orgId)],
);

/** Per-org sign-in rules: SSO and MFA requirements, and the owner who may still use a password. */
export const orgLoginPolicies = sqliteTable("org_login_policies", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => orgs.id, { onDelete: "cascade" }),
  requireSso: integer("require_sso", { mode: "boolean" }).notNull().default(false),
  requireMfa: integer("require_mfa", { mode: "boolean" }).notNull().default(false),
  breakGlassUserId: text("break_glass_user_id").references(() => users.id, { onDelete: "set null" }),
  updatedAt: integer("updated_at").notNull(),
});

/** A person's identity at an org's provider (the ID token's `sub`) linked to their Palisade user. */
export const userIdpLinks = sqliteTable(
  "user_idp_links",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    subject: text("subject").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.subject] }), index("user_idp_links_user").on(t.userId)],
);

/**
 * A started SSO login, keyed by the SHA-256 of its `state`; used once (used_at set atomically)
 * and only before expires_at. The PKCE verifier lives in the browser's cookie; only its hash is here.
 */
export const ssoLogins = sqliteTable(
  "sso_logins",
  {
    stateSha256: text("state_sha256").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    nonce: text("nonce").notNull(),
    verifierSha256: text("verifier_sha256").notNull(),
    redirectUri: text("redirect_uri").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("sso_logins_expiry").on(t.expiresAt)],
);

/** A user's TOTP factor: the secret sealed by the vault; enabled once a first code confirmed it. */
export const userMfa = sqliteTable("user_mfa", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  ciphertext: text("ciphertext").notNull(),
  iv: text("iv").notNull(),
  keyVersion: text("key_version").notNull(),
  enabledAt: integer("enabled_at"),
  /** The last accepted 30 s time step: a code of that step or earlier is refused (no replay). */
  lastStep: integer("last_step").notNull().default(0),
  createdAt: createdAt(),
});

/** Single-use recovery codes, stored as SHA-256 hex only. */
export const mfaRecoveryCodes = sqliteTable(
  "mfa_recovery_codes",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeSha256: text("code_sha256").notNull(),
    usedAt: integer("used_at"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeSha256] })],
);

/**
 * MFA challenges (the `mfaToken` of a password login) taken by a second-factor attempt, keyed by
 * SHA-256 of the challenge's jti: a challenge yields one session. A row lives until the challenge
 * expires (then the JWT is refused anyway, and expired rows are swept at each claim).
 */
export const mfaChallengesSpent = sqliteTable(
  "mfa_challenges_spent",
  {
    jtiSha256: text("jti_sha256").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("mfa_challenges_spent_expiry").on(t.expiresAt)],
);

/**
 * SCIM 2.0 state of an org's member (RFC 7643 User): the identity provider's externalId, names,
 * and whether the account is active in this org. A deactivated member keeps the membership (SCIM
 * still reads it) but every access to the org is refused (workers/authz/org-access.ts).
 */
export const scimUsers = sqliteTable(
  "scim_users",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    givenName: text("given_name"),
    familyName: text("family_name"),
    displayName: text("display_name"),
    deactivatedAt: integer("deactivated_at"),
    updatedAt: integer("updated_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), uniqueIndex("scim_users_org_external").on(t.orgId, t.externalId)],
);

/** SCIM 2.0 Group ↔ team: the identity provider's externalId of a team it manages. */
export const scimGroups = sqliteTable(
  "scim_groups",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    updatedAt: integer("updated_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.teamId] }), uniqueIndex("scim_groups_org_external").on(t.orgId, t.externalId)],
);
