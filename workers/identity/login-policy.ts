// Org sign-in rules, decided here for every entry point: a password login (which orgs forbid it),
// and every admin request of a session (whether its way of signing in satisfies the org).
import { makeDb } from "../data/db.js";
import { PlatformData } from "../data/platform-data.js";
import { type LoginPolicyRow, SsoStore, loginPoliciesOf } from "../data/sso-store.js";
import { AppError } from "../errors.js";
import type { UserPrincipal } from "../http/context.js";
import type { AuthMethod } from "./sessions.js";

export const ssoRequired = () => new AppError("sso_required", 'this organization requires single sign-on; use "Sign in with" your identity provider');
export const mfaRequired = () =>
  new AppError("mfa_required", "this organization requires multi-factor authentication; sign in again with your authenticator");

/** What a correct password still needs before it becomes a session. */
export interface PasswordRules {
  /** Some org of the account requires SSO and the account is not its break-glass owner. */
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
    ssoRequired: policies.some((p) => p.requireSso && p.breakGlassUserId !== userId),
    mfaRequired: policies.some((p) => p.requireMfa),
  };
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
 * or from another org's login): SSO required → an SSO session (or the break-glass owner's); MFA
 * required → a second factor or SSO. Admin API keys are minted from such sessions and pass.
 */
export async function assertSessionMeetsOrgRules(env: Env, orgId: string, principal: UserPrincipal): Promise<void> {
  if (principal.via !== "session") return;
  const policy = await policyOf(env, orgId);
  if (!policy) return;
  const has = (m: AuthMethod) => principal.amr.includes(m);
  if (policy.requireSso && !has("sso") && policy.breakGlassUserId !== principal.userId) throw ssoRequired();
  if (policy.requireMfa && !has("otp") && !has("sso")) throw mfaRequired();
}
