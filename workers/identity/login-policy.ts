// Org sign-in rules, decided here for every entry point: a password login (which orgs forbid it),
// and every admin request of a session (whether its way of signing in satisfies the org).
import { makeDb } from "../data/db.js";
import type { Role } from "../data/org-data.js";
import { PlatformData } from "../data/platform-data.js";
import { type LoginPolicyRow, SsoStore, loginPoliciesOf } from "../data/sso-store.js";
import { AppError } from "../errors.js";
import type { UserPrincipal } from "../http/context.js";

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

/**
 * Refuses a session whose sign-in does not meet the org's rules (a session from before the rule,
 * or from another org's login). An org trusts its own identity provider only: SSO required → an
 * SSO session issued by this org's provider (or the break-glass user's, while an owner); MFA
 * required → a second factor, or an SSO session of this org's provider. `role` is the caller's
 * current role in the org. Admin API keys are not sessions and pass (see README).
 */
export async function assertSessionMeetsOrgRules(env: Env, orgId: string, principal: UserPrincipal, role: Role): Promise<void> {
  if (principal.via !== "session") return;
  const policy = await policyOf(env, orgId);
  if (!policy) return;
  const ssoOfThisOrg = principal.amr.includes("sso") && principal.ssoOrgId === orgId;
  if (policy.requireSso && !ssoOfThisOrg && !isBreakGlass(policy, principal.userId, role)) throw ssoRequired();
  if (policy.requireMfa && !principal.amr.includes("otp") && !ssoOfThisOrg) throw mfaRequired();
}
