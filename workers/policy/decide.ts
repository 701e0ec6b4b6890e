// Egress decision: one request (method + URL) against an effective policy, with the rule that decided and a human explanation.
import { canonicalHost, normalizeMethod } from "../../schema/policy.js";
import type { EffectivePolicy, EffectiveRule, RuleRef } from "./effective.js";
import { canonicalPath, globSpecificity, hostMatches, pathMatches } from "./match.js";

export type EgressReason =
  | "allowed_by_rule"
  | "denied_by_rule"
  | "no_matching_rule"
  | "invalid_request"
  | "agent_inactive"
  | "agent_suspended"
  | "credential_transport";
export type Mismatch = "method" | "path" | "port";

export interface EgressTarget {
  method: string;
  scheme: "http" | "https";
  host: string;
  port: number;
  /** Decoded canonical path; the query is left out on purpose (it may carry an injected secret). */
  path: string;
}

export interface EgressDecision {
  allowed: boolean;
  reason: EgressReason;
  /** Plain-language answer to "why was this allowed/denied?"; holds no query string or secret. */
  explanation: string;
  rule?: RuleRef;
  credential?: string;
  route?: string;
  target?: EgressTarget;
  /** On default deny: rules whose host matched, and what did not. */
  nearMisses?: Array<RuleRef & { mismatch: Mismatch }>;
}

export interface EgressRequest {
  method: string;
  url: string | URL;
}

const DEFAULT_PORTS: Record<"http" | "https", number> = { http: 80, https: 443 };

const refName = (r: RuleRef) => `policy ${r.policyId} v${r.policyVersion} (${r.scope}) rule #${r.index}`;
const ref = (r: EffectiveRule): RuleRef => ({ policyId: r.policyId, policyVersion: r.policyVersion, scope: r.scope, index: r.index });

function invalid(explanation: string): EgressDecision {
  return { allowed: false, reason: "invalid_request", explanation };
}

/** The normalised target, or the reason it cannot be evaluated safely. */
export function normalizeEgressTarget(
  request: EgressRequest,
): { ok: true; target: EgressTarget; segments: string[]; split?: string[] } | { ok: false; reason: string } {
  const method = normalizeMethod(request.method);
  if (method === null) return { ok: false, reason: "unsupported HTTP method" };
  let url: URL;
  try {
    url = typeof request.url === "string" ? new URL(request.url) : request.url;
  } catch {
    return { ok: false, reason: "the target is not an absolute URL" };
  }
  const scheme = url.protocol === "https:" ? "https" : url.protocol === "http:" ? "http" : null;
  if (scheme === null) return { ok: false, reason: "only http and https targets are supported" };
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "credentials in the URL are not allowed" };
  const host = canonicalHost(url.hostname);
  if (host === null) return { ok: false, reason: "the target host is not a valid hostname" };
  const path = canonicalPath(url.pathname);
  if (!path.ok) return { ok: false, reason: path.reason };
  const port = url.port === "" ? DEFAULT_PORTS[scheme] : Number(url.port);
  return { ok: true, target: { method, scheme, host, port, path: path.path }, segments: path.segments, ...(path.split ? { split: path.split } : {}) };
}

/**
 * Where a rule's credential may go: over https only unless the rule opts into http, and to the
 * scheme's own port unless the rule lists ports (the request's port then matched one of them).
 */
function credentialTransportProblem(rule: EffectiveRule, target: EgressTarget): string | null {
  if (target.scheme === "http" && rule.credentialOverHttp !== true)
    return "its credential is sent over https only (the rule may set credentialOverHttp)";
  if (rule.ports === null && target.port !== DEFAULT_PORTS[target.scheme]) {
    return `its credential is sent to port ${DEFAULT_PORTS[target.scheme]} only (the rule may list other ports)`;
  }
  return null;
}

function methodOk(rule: EffectiveRule, method: string): boolean {
  return rule.methods === null || rule.methods.includes(method);
}

function pathOk(rule: EffectiveRule, segments: string[], caseInsensitive: boolean): boolean {
  return rule.paths === null || rule.paths.some((glob) => pathMatches(glob, segments, caseInsensitive));
}

function portOk(rule: EffectiveRule, target: EgressTarget): boolean {
  // The contract's rules name hosts, not ports: without `ports` a rule allows the host on any
  // port; with `ports` only those.
  return rule.ports === null || rule.ports.includes(target.port);
}

/** Higher is more specific: exact host, longer host, more literal path segments, explicit methods, closer scope. */
function specificity(rule: EffectiveRule, segments: string[]): number[] {
  const exact = rule.host.startsWith("*.") ? 0 : 1;
  const pathScore = rule.paths === null ? -1 : Math.max(...rule.paths.filter((g) => pathMatches(g, segments)).map(globSpecificity));
  const scopeScore = { org: 0, team: 1, project: 2, agent: 3 }[rule.scope];
  return [exact, rule.host.length, pathScore, rule.methods === null ? 0 : 1, scopeScore];
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Decides one egress request. Order: normalise the target (refusing ambiguous paths), then
 * any matching deny rule wins (deny rules match any port and compare paths case-insensitively,
 * so case or port tricks cannot dodge them), then the most specific matching allow rule,
 * otherwise default deny with the near misses explained.
 */
export function decideEgress(effective: EffectivePolicy, request: EgressRequest): EgressDecision {
  const normalized = normalizeEgressTarget(request);
  if (!normalized.ok) return invalid(`Refused: ${normalized.reason}.`);
  const { target, segments, split } = normalized;
  const decision = decideOn(effective, target, segments);
  if (split === undefined || !decision.allowed) return decision;
  // An encoded "/" is one segment to most servers and a separator to some: both readings must
  // pass, deny rules included, and by the same rule (its credential and route).
  const other = decideOn(effective, target, split);
  if (!other.allowed) return { ...other, explanation: `${other.explanation} (the path read with its encoded '/' as a separator)` };
  if (other.rule?.policyId !== decision.rule?.policyId || other.rule?.index !== decision.rule?.index) {
    return invalid(
      `Refused: the path's encoded '/' reads as ${decision.rule ? refName(decision.rule) : "one rule"}'s path as one segment and as ${other.rule ? refName(other.rule) : "another rule"}'s as two; write the path so that one rule covers both.`,
    );
  }
  return decision;
}

/** The decision for one reading of the target's path (deny rules, then the most specific allow rule). */
function decideOn(effective: EffectivePolicy, target: EgressTarget, segments: string[]): EgressDecision {
  const what = `${target.method} ${target.scheme}://${target.host}${target.port === DEFAULT_PORTS[target.scheme] ? "" : `:${target.port}`}${target.path}`;

  // Servers route `/admin/` to `/admin`'s handler: deny rules ignore one trailing slash.
  const denySegments = segments.length > 1 && segments.at(-1) === "" ? segments.slice(0, -1) : segments;
  const denying = effective.egress.deny.find(
    (rule) => hostMatches(rule.host, target.host) && methodOk(rule, target.method) && pathOk(rule, denySegments, true),
  );
  if (denying !== undefined) {
    return {
      allowed: false,
      reason: "denied_by_rule",
      explanation: `Denied: ${what} matches deny ${refName(denying)} (host ${denying.host}); deny rules take precedence over allow rules.`,
      rule: ref(denying),
      target,
    };
  }

  const nearMisses: Array<RuleRef & { mismatch: Mismatch }> = [];
  let best: { rule: EffectiveRule; score: number[] } | null = null;
  for (const rule of effective.egress.allow) {
    if (!hostMatches(rule.host, target.host)) continue;
    const mismatch: Mismatch | null = !methodOk(rule, target.method)
      ? "method"
      : !pathOk(rule, segments, false)
        ? "path"
        : !portOk(rule, target)
          ? "port"
          : null;
    if (mismatch !== null) {
      nearMisses.push({ ...ref(rule), mismatch });
      continue;
    }
    const score = specificity(rule, segments);
    if (best === null || compareScores(score, best.score) > 0) best = { rule, score };
  }

  if (best !== null) {
    const { rule } = best;
    const transport = rule.credential !== undefined ? credentialTransportProblem(rule, target) : null;
    if (transport !== null) {
      return {
        allowed: false,
        reason: "credential_transport",
        explanation: `Denied: ${what} matches ${refName(rule)}, but ${transport}.`,
        rule: ref(rule),
        target,
      };
    }
    return {
      allowed: true,
      reason: "allowed_by_rule",
      explanation: `Allowed: ${what} matches ${refName(rule)} (host ${rule.host}${rule.paths ? `, paths ${rule.paths.join(" ")}` : ""}${rule.methods ? `, methods ${rule.methods.join(" ")}` : ""}).`,
      rule: ref(rule),
      ...(rule.credential !== undefined ? { credential: rule.credential } : {}),
      ...(rule.route !== undefined ? { route: rule.route } : {}),
      target,
    };
  }

  const detail =
    nearMisses.length === 0
      ? `no rule allows host ${target.host}`
      : nearMisses
          .slice(0, 5)
          .map((m) => {
            const rule = effective.egress.allow.find((r) => r.policyId === m.policyId && r.index === m.index);
            const allowed =
              m.mismatch === "method"
                ? (rule?.methods ?? []).join(", ")
                : m.mismatch === "path"
                  ? (rule?.paths ?? []).join(", ")
                  : (rule?.ports ?? []).join(", ");
            return `${refName(m)} allows this host but not this ${m.mismatch} (allowed: ${allowed})`;
          })
          .join("; ");
  return {
    allowed: false,
    reason: "no_matching_rule",
    explanation: `Denied by default: ${what}: ${detail}.`,
    target,
    ...(nearMisses.length > 0 ? { nearMisses } : {}),
  };
}
