// Zod schemas of a policy document (egress rules, PII, models, tools, autonomy gate), shared by the API, dashboard and tests.
import { getPublicSuffix } from "tldts";
import { z } from "zod";
import { PiiExitsSchema, PiiPolicySchema } from "./pii.js";
import { IsolationLevelSchema } from "./sandbox.js";

const MAX_HOST_LENGTH = 253;
const MAX_PATH_PATTERN_LENGTH = 1024;

/**
 * Canonical form of a hostname as the WHATWG URL parser sees it: lowercased, IDNA (UTS 46)
 * to punycode, IPv4 in dotted-quad form, IPv6 in brackets, one trailing dot removed.
 * Returns null for anything that is not a bare host (scheme, port, path, userinfo, empty labels).
 * Rules and requests both go through this function so they compare on the same form.
 */
export function normalizeHostname(raw: string): string | null {
  if (raw.length === 0 || raw.length > MAX_HOST_LENGTH + 2) return null;
  // Characters that would make the URL parser read a scheme, port, path, query or userinfo.
  if (/[\s/\\?#@%]/.test(raw)) return null;
  const isBracketed = raw.startsWith("[") && raw.endsWith("]");
  if (!isBracketed && raw.includes(":")) return null;
  let url: URL;
  try {
    url = new URL(`http://${raw}/`);
  } catch {
    return null;
  }
  if (url.port !== "" || url.username !== "" || url.password !== "" || url.pathname !== "/") return null;
  return canonicalHost(url.hostname);
}

/** Final touches on a hostname already produced by the URL parser. */
export function canonicalHost(hostname: string): string | null {
  const host = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (host.length === 0 || host.length > MAX_HOST_LENGTH) return null;
  if (host.startsWith("[")) return host;
  if (host.split(".").some((label) => label.length === 0 || label.length > 63)) return null;
  return host;
}

/** True when the canonical host is an IP literal (IPv6 in brackets or a dotted quad). */
export function isIpLiteral(host: string): boolean {
  return host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

export type HostPatternResult = { ok: true; pattern: string } | { ok: false; reason: string };

/**
 * Checks and normalises a rule host: an exact host, or `*.suffix` matching any subdomain of
 * suffix (at any depth, never suffix itself). A wildcard over a public suffix (`*.com`,
 * `*.co.uk`, `*.github.io`) is refused because it would allow the whole internet or strangers' sites.
 */
export function normalizeHostPattern(raw: string): HostPatternResult {
  if (raw === "*") return { ok: false, reason: "a bare '*' host is not allowed; name the hosts" };
  const wildcard = raw.startsWith("*.");
  const body = wildcard ? raw.slice(2) : raw;
  if (body.includes("*")) return { ok: false, reason: "'*' is only allowed as a leading '*.' label" };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return { ok: false, reason: "host must not contain a scheme" };
  const host = normalizeHostname(body);
  if (host === null) return { ok: false, reason: "host must be a bare hostname without scheme, port or path" };
  if (!wildcard) return { ok: true, pattern: host };
  if (isIpLiteral(host)) return { ok: false, reason: "wildcards apply to domain names, not IP addresses" };
  const suffix = getPublicSuffix(host, { allowPrivateDomains: true });
  if (suffix === null || suffix === host) {
    return { ok: false, reason: "wildcard over a public suffix is not allowed" };
  }
  return { ok: true, pattern: `*.${host}` };
}

/**
 * Checks a path glob: starts with `/`, segments separated by `/`; `*` matches exactly one
 * non-empty segment, `**` any number of segments (zero included). Wildcards are whole segments.
 * Patterns are compared with the percent-decoded request path, so they hold no `%`.
 */
export function pathGlobError(glob: string): string | null {
  if (!glob.startsWith("/")) return "path pattern must start with '/'";
  if (glob.length > MAX_PATH_PATTERN_LENGTH) return "path pattern is too long";
  if (/[\u0000-\u0020\u007f?#\\%]/.test(glob)) {
    return "path pattern must not contain spaces, control characters, '?', '#', '\\' or '%'";
  }
  const segments = glob.slice(1).split("/");
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? "";
    if (segment === "" && i !== segments.length - 1) return "path pattern has an empty segment ('//')";
    if (segment === "." || segment === "..") return "path pattern must not contain '.' or '..' segments";
    if (segment.includes("*") && segment !== "*" && segment !== "**") {
      return "'*' and '**' must be whole path segments";
    }
  }
  return null;
}

// RFC 9110 token characters.
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** Upper-cased HTTP method if it is a token fetch() can send; null otherwise. */
export function normalizeMethod(raw: string): string | null {
  if (raw.length === 0 || raw.length > 32 || !HTTP_TOKEN.test(raw)) return null;
  const method = raw.toUpperCase();
  return FORBIDDEN_METHODS.has(method) ? null : method;
}

export const HostPatternSchema = z.string().transform((raw, ctx) => {
  const result = normalizeHostPattern(raw);
  if (!result.ok) {
    ctx.addIssue({ code: "custom", message: result.reason });
    return z.NEVER;
  }
  return result.pattern;
});

export const MethodSchema = z.string().transform((raw, ctx) => {
  const method = normalizeMethod(raw);
  if (method === null) {
    ctx.addIssue({ code: "custom", message: "method must be an HTTP token other than CONNECT/TRACE" });
    return z.NEVER;
  }
  return method;
});

export const PathGlobSchema = z.string().superRefine((glob, ctx) => {
  const error = pathGlobError(glob);
  if (error !== null) ctx.addIssue({ code: "custom", message: error });
});

/** `pool:<name>`: send matching egress through a sandbox host of that pool. */
export const RouteSchema = z.string().regex(/^pool:[a-z0-9][a-z0-9_-]{0,62}$/, "route must be 'pool:<name>'");

/** Names or ids a credential of the same org; resolved and org-checked by the API. */
export const CredentialRefSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "invalid credential reference");

export const EgressRuleSchema = z
  .strictObject({
    host: HostPatternSchema,
    methods: z.array(MethodSchema).min(1).max(16).optional(),
    paths: z.array(PathGlobSchema).min(1).max(64).optional(),
    /** Allowed ports; absent means any port of the host (the contract names hosts only). */
    ports: z.array(z.number().int().min(1).max(65535)).min(1).max(16).optional(),
    credential: CredentialRefSchema.optional(),
    /** The credential is sent over https only (and, without `ports`, to port 443 only) unless this opts into plain http. */
    credentialOverHttp: z.boolean().optional(),
    route: RouteSchema.optional(),
    deny: z.boolean().optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.credentialOverHttp !== undefined && rule.credential === undefined) {
      ctx.addIssue({ code: "custom", message: "credentialOverHttp needs a credential" });
    }
    if (rule.deny === true && (rule.credential !== undefined || rule.route !== undefined)) {
      ctx.addIssue({ code: "custom", message: "a deny rule cannot carry a credential or a route" });
    }
    // Deny rules match every port, so a port list would promise a narrower deny than applies.
    if (rule.deny === true && rule.ports !== undefined) {
      ctx.addIssue({ code: "custom", message: "a deny rule applies to every port; remove ports" });
    }
  });

export const PII_ACTIONS = ["allow", "mask", "redact", "block"] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

/** The PII section: an action per category, plus `restore` and `failMode` (schema/pii.ts). */
export const PiiSectionSchema = PiiPolicySchema;

/**
 * Autonomy gate settings (meaning in workers/autonomy/README.md). `approve` names calls that wait
 * for a human at every level, 5 included; the other fields tune the gate for agents under the policy.
 */
export const AutonomyGateSchema = z.strictObject({
  approve: z
    .strictObject({
      tools: z
        .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "invalid tool name"))
        .max(200)
        .optional(),
      methods: z.array(MethodSchema).max(16).optional(),
      hosts: z.array(HostPatternSchema).max(200).optional(),
    })
    .optional(),
  /** How long a held call waits for a decision (default 600 s). */
  timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  /** Agents under this policy may create subagents through the agent gateway. */
  allowSubagents: z.boolean().optional(),
  /** Highest autonomy level the policy lets an agent act at (the lower of this and the agent's own). */
  maxLevel: z.number().int().min(1).max(5).optional(),
  /** Most live subagents one agent under this policy may have at once (default 16; the lowest of all policies applies). */
  maxSubagents: z.number().int().min(0).max(1000).optional(),
});

/** Sandbox rules: the weakest isolation a sandbox of an agent under this policy may have. */
export const SandboxPolicySchema = z.strictObject({
  /** container < gvisor < vm; the strictest of all attached policies (and of a subagent's parent) applies. */
  minIsolation: IsolationLevelSchema.optional(),
});

export const PolicyDocumentSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  egress: z.array(EgressRuleSchema).max(500),
  pii: PiiSectionSchema.optional(),
  /** PII rules for the exits other than the LLM proxy (egress, tool arguments, tool results). */
  piiExits: PiiExitsSchema.optional(),
  models: z.array(z.string().min(1).max(200).regex(/^\S+$/, "model names have no spaces")).max(200).optional(),
  tools: z.array(z.string().min(1).max(128)).max(500).optional(),
  /**
   * A list the agents this policy is attached to are held within, whatever the other policies'
   * `tools` lists allow (they are a union; this one narrows): a subagent's own narrowing, set by
   * its parent when it mints it.
   */
  toolsWithin: z.array(z.string().min(1).max(128)).max(500).optional(),
  autonomyGate: AutonomyGateSchema.optional(),
  sandbox: SandboxPolicySchema.optional(),
});

/** What callers send (before normalisation). */
export type PolicyDocumentInput = z.input<typeof PolicyDocumentSchema>;
/** Validated, normalised document as stored and used by the engine. */
export type PolicyDocument = z.output<typeof PolicyDocumentSchema>;
export type EgressRule = z.output<typeof EgressRuleSchema>;

export const POLICY_SCOPES = ["org", "team", "project", "agent"] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];

// ── admin API shapes around policy documents ─────────────────────────────────
const policyId = z.string().regex(/^pol_[0-9a-hjkmnp-tv-z]{26}$/, "must be a pol_ id");

/** PATCH replaces the given top-level fields; `expectedVersion` guards against lost updates. */
export const PolicyUpdateSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  egress: z.array(EgressRuleSchema).max(500).optional(),
  pii: PiiSectionSchema.nullable().optional(),
  piiExits: PiiExitsSchema.nullable().optional(),
  models: z.array(z.string().min(1).max(200).regex(/^\S+$/)).max(200).nullable().optional(),
  tools: z.array(z.string().min(1).max(128)).max(500).nullable().optional(),
  toolsWithin: z.array(z.string().min(1).max(128)).max(500).nullable().optional(),
  autonomyGate: AutonomyGateSchema.nullable().optional(),
  sandbox: SandboxPolicySchema.nullable().optional(),
  expectedVersion: z.number().int().min(1).optional(),
});

export const PolicyAttachSchema = z
  .strictObject({ scope: z.enum(POLICY_SCOPES), id: z.string().min(1).max(64).optional() })
  .refine((a) => (a.scope === "org") === (a.id === undefined), {
    message: "id is required for team, project and agent scopes, and not allowed for org",
  });

export const EgressProbeSchema = z.strictObject({
  method: z.string().min(1).max(32),
  url: z.string().min(1).max(8192),
});

/** Evaluate a request against a draft before saving it, optionally in an agent's context. */
export const PolicyDryRunSchema = z.strictObject({
  draft: PolicyDocumentSchema,
  /** The saved policy the draft would replace wherever it is attached (without it, the draft counts as attached to the agent). */
  policyId: policyId.optional(),
  /** Evaluate in this agent's context: its (and its parent's) attached policies with the draft in place. */
  agentId: z
    .string()
    .regex(/^agt_[0-9a-hjkmnp-tv-z]{26}$/, "must be an agt_ id")
    .optional(),
  request: EgressProbeSchema,
});

/** The answer of explain and dry-run: the gateway's own decision on one request, and why. */
export const EgressDecisionSchema = z.object({
  allowed: z.boolean(),
  reason: z.string(),
  explanation: z.string(),
  rule: z.record(z.string(), z.unknown()).optional(),
  credential: z.string().optional(),
  route: z.string().optional(),
  target: z.record(z.string(), z.unknown()).optional(),
  nearMisses: z.array(z.record(z.string(), z.unknown())).optional(),
});

export const PolicyViewSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  version: z.number().int(),
  name: z.string(),
  egress: z.array(z.record(z.string(), z.unknown())),
  pii: z.record(z.string(), z.unknown()).optional(),
  piiExits: z.record(z.string(), z.unknown()).optional(),
  models: z.array(z.string()).optional(),
  tools: z.array(z.string()).optional(),
  toolsWithin: z.array(z.string()).optional(),
  autonomyGate: z.record(z.string(), z.unknown()).optional(),
  sandbox: z.object({ minIsolation: IsolationLevelSchema.optional() }).optional(),
  attachments: z.array(z.object({ scope: z.enum(POLICY_SCOPES), id: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
