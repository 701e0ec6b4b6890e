// Password login: count the attempt (LoginGuard), check the password (a dummy hash stands in for
// an unknown account, so both take the same work), apply the orgs' sign-in rules, then either
// issue a session or, when a second factor is enrolled or required, an MFA challenge. The audit
// runs after the answer, so its work says nothing either.
import { recordAudit } from "../audit/audit.js";
import { makeDb } from "../data/db.js";
import { LoginData } from "../data/login-data.js";
import { PlatformData } from "../data/platform-data.js";
import { AppError, unauthorized } from "../errors.js";
import type { WaitUntil } from "../http/isolate-batch.js";
import { withoutClientTrace } from "../http/trace.js";
import { countLoginAttempt, normalizeEmail } from "./login-throttle.js";
import { passwordRulesFor, ssoRequired } from "./login-policy.js";
import { checkTotp, confirmEnrolment, mfaStatus, useRecoveryCode } from "./mfa.js";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "./passwords.js";
import { type IssuedSession, issueMfaChallenge, issueSession, verifyMfaChallenge } from "./sessions.js";

export interface PasswordLogin {
  email: string;
  password: string;
  /** The client address as the edge saw it (cf-connecting-ip), when known. */
  address: string | null;
}

export type PasswordLoginOutcome =
  | { kind: "session"; session: IssuedSession }
  /** The password was right; a second factor must follow (`enrol`: none is enrolled yet, the org requires one). */
  | { kind: "mfa"; challenge: string; expiresAt: number; enrol: boolean };

export async function passwordLogin(env: Env, ctx: WaitUntil, input: PasswordLogin): Promise<PasswordLoginOutcome> {
  const attempt = await countLoginAttempt(env, input.email, input.address);
  const user = await new PlatformData(makeDb(env.DB)).userByEmail(normalizeEmail(input.email));
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  const succeeded = user !== undefined && user.passwordHash !== null && passwordOk;
  await attempt.settle(succeeded);
  if (!user || !succeeded) {
    // A failed login is anyone's: its caller's own trace id stays out of the account's orgs' trails.
    ctx.waitUntil(withoutClientTrace(() => auditLogin(env, user?.id ?? null, "denied", "invalid_password", attempt.lockedAccountForMs)));
    throw unauthorized("invalid email or password");
  }
  // The rules are applied only after a correct password, so they say nothing to a guesser.
  const rules = await passwordRulesFor(env, user.id);
  if (rules.ssoRequired) {
    ctx.waitUntil(auditLogin(env, user.id, "denied", "sso_required", null));
    throw ssoRequired();
  }
  const factor = await mfaStatus(env, user.id);
  if (factor === "enabled" || rules.mfaRequired) {
    const challenge = await issueMfaChallenge(env, user.id, user.credentialsEpoch);
    ctx.waitUntil(auditLogin(env, user.id, "success", "password_mfa_pending", null, "user.login_password_checked"));
    return { kind: "mfa", challenge: challenge.token, expiresAt: challenge.expiresAt, enrol: factor !== "enabled" };
  }
  ctx.waitUntil(auditLogin(env, user.id, "success", "password", null));
  return { kind: "session", session: await issueSession(env, user.id, ["pwd"], undefined, user.credentialsEpoch) };
}

export interface SecondFactor {
  challenge: string;
  code?: string | undefined;
  recoveryCode?: string | undefined;
  address: string | null;
}

/**
 * The second step of a password login: a TOTP code (which also confirms a pending enrolment and
 * then returns the new recovery codes) or a recovery code. Attempts are counted per account in a
 * counter of their own, so a correct password does not buy fresh guesses at the code.
 */
export async function secondFactorLogin(
  env: Env,
  ctx: WaitUntil,
  input: SecondFactor,
): Promise<{ session: IssuedSession; recoveryCodes?: string[] }> {
  const challenge = await verifyMfaChallenge(env, input.challenge);
  if (!challenge) throw unauthorized("invalid or expired MFA challenge; sign in again");
  const userId = challenge.userId;
  // Counted first: an attempt with a challenge another attempt holds is a failed attempt too.
  const attempt = await countLoginAttempt(env, `mfa:${userId}`, input.address);
  const challenges = new LoginData(makeDb(env.DB));
  // The challenge is held for this attempt before any code is checked, so a second attempt with it
  // (at the same time, or after this one produced a session) is refused without using a factor.
  if (!(await challenges.claimMfaChallenge(challenge))) throw unauthorized("invalid or expired MFA challenge; sign in again");
  let ok = false;
  let method: "totp" | "recovery_code" | "totp_enrolment" = "totp";
  let recoveryCodes: string[] | undefined;
  let factor: Awaited<ReturnType<typeof mfaStatus>> = "none";
  let lockedAccountForMs: number | null = null;
  try {
    factor = await mfaStatus(env, userId);
    if (input.recoveryCode !== undefined) {
      method = "recovery_code";
      ok = factor === "enabled" && (await useRecoveryCode(env, userId, input.recoveryCode));
    } else if (input.code !== undefined) {
      if (factor === "pending") {
        method = "totp_enrolment";
        recoveryCodes = (await confirmEnrolment(env, userId, input.code)) ?? undefined;
        ok = recoveryCodes !== undefined;
      } else ok = factor === "enabled" && (await checkTotp(env, userId, input.code));
    }
    await attempt.settle(ok);
    lockedAccountForMs = attempt.lockedAccountForMs;
  } finally {
    // Only an attempt that produces a session spends the challenge; a mistyped code may be retyped.
    if (!ok) await challenges.releaseMfaChallenge(challenge.jtiSha256);
  }
  if (!ok) {
    ctx.waitUntil(auditLogin(env, userId, "denied", `invalid_${method}`, lockedAccountForMs, "user.mfa_failed"));
    if (factor === "none") throw new AppError("bad_request", "enrol an authenticator first (POST /api/v1/login/mfa/enroll)");
    throw unauthorized("invalid or already used code");
  }
  ctx.waitUntil(
    (async () => {
      await auditLogin(env, userId, "success", `password+${method}`, null);
      if (method === "totp_enrolment") await auditLogin(env, userId, "success", "totp", null, "user.mfa_enrolled");
      if (method === "recovery_code") await auditLogin(env, userId, "success", "recovery_code", null, "user.mfa_recovery_code_used");
    })(),
  );
  const session = await issueSession(env, userId, ["pwd", "otp"], undefined, challenge.credentialsEpoch);
  return recoveryCodes ? { session, recoveryCodes } : { session };
}

/** Records an identity event in each org the account belongs to (an unknown account has none). */
export async function auditLogin(
  env: Env,
  userId: string | null,
  result: "success" | "denied",
  reason: string,
  lockedForMs: number | null,
  action = "user.login",
): Promise<void> {
  if (userId === null) {
    console.warn("login refused: no such account");
    return;
  }
  try {
    const orgs = await new PlatformData(makeDb(env.DB)).orgsOfUser(userId);
    const base = { actor: { type: "user" as const, id: userId }, resource: { type: "user", id: userId } };
    await Promise.all(
      orgs.map(async (org) => {
        await recordAudit(env, { ...base, orgId: org.id, action, result, reason });
        if (lockedForMs !== null) {
          await recordAudit(env, {
            ...base,
            orgId: org.id,
            action: "user.lockout",
            result: "denied",
            reason: "too_many_login_attempts",
            details: { lockedForSeconds: Math.ceil(lockedForMs / 1000) },
          });
        }
      }),
    );
  } catch (error) {
    console.error("login audit failed", { error: String(error) });
  }
}
