// Org sign-in rules, decided here for every entry point: a password login (which orgs forbid it),
// and every admin request of a session or admin key, and OAuth consent (whether the way the person
// signed in satisfies the org).
import { makeDb } from "../data/db.js";
import { OrgData, type Role } from "../data/org-data.js";
import { PlatformData } from "../data/platform-data.js";
import { type LoginPolicyRow, SsoStore, loginPoliciesOf } from "../data/sso-store.js";
import { recordAudit } from "../audit/audit.js";
import { AppError } from "../errors.js";
import type { UserPrincipal } from "../http/context.js";
import type { SignIn } from "./sessions.js";

export const ssoRequired = () => new AppError("sso_required", 'this organization requires single sign-on; use "Sign in with" your identity provider');
export const mfaRequired = () =>
  new AppError("mfa_required", "this organization requires multi-factor authentication; sign in again with your authenticator");

/** What a correct password still needs before it becomes a session. */
export interface PasswordRules {
  /** Some org of the account requires SSO and the account is not its break-glass user while an owner. */
  ssoRequired: boolean;
  /** Some org of the account requires MFA. */
  mfaRequired: boolean;
}

export async function passwordRulesFor(env: Env, userId: string): Promise<PasswordRules> {
  const db = makeDb(env.DB);
  const orgs = await new PlatformData(db).orgsOfUser(userId);
  const policies = await loginPoliciesOf(
    db,
    orgs.map((o) => o.id),
  );
  return {
    ssoRequired: policies.some((p) => p.requireSso && !isBreakGlass(p, userId, orgs.find((o) => o.id === p.orgId)?.role)),
    mfaRequired: policies.some((p) => p.requireMfa),
  };
}

/** Break-glass is an owner's right: a break-glass user demoted since no longer has it. */
function isBreakGlass(policy: LoginPolicyRow, userId: string, currentRole: Role | undefined): boolean {
  return policy.breakGlassUserId === userId && currentRole === "owner";
}

const POLICY_TTL_MS = 4_000;
const policyCache = new Map<string, { policy: LoginPolicyRow | undefined; expires: number }>();

async function policyOf(env: Env, orgId: string): Promise<LoginPolicyRow | undefined> {
  const now = Date.now();
  const hit = policyCache.get(orgId);
  if (hit && hit.expires > now) return hit.policy;
  const policy = await new SsoStore(makeDb(env.DB), orgId).loginPolicy();
  if (policyCache.size > 2_000) policyCache.clear();
  policyCache.set(orgId, { policy, expires: now + POLICY_TTL_MS });
  return policy;
}

/** Called after a change of an org's rules so this isolate applies them at once. */
export function forgetLoginPolicy(orgId: string) {
  policyCache.delete(orgId);
}

/** The org rule a sign-in does not meet, or undefined when it meets them all. */
export type UnmetRule = "sso_required" | "mfa_required";

/**
 * The one decision of whether a sign-in meets an org's rules, for sessions, admin API keys (judged
 * by how the session that minted them signed in) and OAuth consent alike. An org trusts its own
 * identity provider only: SSO required → an SSO sign-in at this org's provider (or the break-glass
 * user, while an owner); MFA required → a second factor, or an SSO sign-in at this org's provider.
 * `role` is the caller's current role in the org.
 */
export async function unmetOrgRule(env: Env, orgId: string, who: SignIn & { userId: string }, role: Role): Promise<UnmetRule | undefined> {
  const policy = await policyOf(env, orgId);
  if (!policy) return undefined;
  const ssoOfThisOrg = who.amr.includes("sso") && who.ssoOrgId === orgId;
  if (policy.requireSso && !ssoOfThisOrg && !isBreakGlass(policy, who.userId, role)) return "sso_required";
  if (policy.requireMfa && !who.amr.includes("otp") && !ssoOfThisOrg) return "mfa_required";
  return undefined;
}

/**
 * Refuses a caller whose sign-in does not meet the org's rules as they are now: a session from
 * before a rule or from another org's provider, or an admin key minted by such a session (a key
 * without a record counts as password only). Switching a rule on needs no sweep: this runs on
 * every request. A refused key is audited once per rule, not once per request.
 */
export async function assertSignInMeetsOrgRules(env: Env, orgId: string, principal: UserPrincipal, role: Role): Promise<void> {
  const unmet = await unmetOrgRule(env, orgId, principal, role);
  if (!unmet) return;
  if (principal.via === "session") throw unmet === "sso_required" ? ssoRequired() : mfaRequired();
  await auditKeyRefusal(env, orgId, principal.tokenId, principal.userId, unmet);
  throw new AppError(unmet, KEY_REFUSED[unmet]);
}

const KEY_REFUSED: Record<UnmetRule, string> = {
  sso_required: "this organization requires single sign-on and this API key was minted without it; sign in with SSO and mint a new key",
  mfa_required:
    "this organization requires multi-factor authentication and this API key was minted without it; sign in with a second factor and mint a new key",
};

// Refusals already audited by this isolate; the token row's `refused_for_rule` makes it once across isolates.
const auditedRefusals = new Set<string>();

async function auditKeyRefusal(env: Env, orgId: string, tokenId: string, userId: string, rule: UnmetRule): Promise<void> {
  const seen = `${tokenId}:${rule}`;
  if (auditedRefusals.has(seen)) return;
  if (auditedRefusals.size > 10_000) auditedRefusals.clear();
  auditedRefusals.add(seen);
  if (!(await new OrgData(makeDb(env.DB), orgId).noteRefusedForRule(tokenId, rule))) return;
  await recordAudit(env, {
    orgId,
    actor: { type: "user", id: userId },
    action: "api_key.refused",
    resource: { type: "api_key", id: tokenId },
    result: "denied",
    reason: rule,
  });
}
