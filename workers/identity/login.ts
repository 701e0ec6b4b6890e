// Password login: count the attempt (LoginGuard), check the password (a dummy hash stands in for
// an unknown account, so both take the same work), issue a session, and audit the outcome in
// every org of the account. The audit runs after the answer, so its work says nothing either.
import { recordAudit } from "../audit/audit.js";
import { makeDb } from "../data/db.js";
import { PlatformData } from "../data/platform-data.js";
import { unauthorized } from "../errors.js";
import type { WaitUntil } from "../http/isolate-batch.js";
import { countLoginAttempt, normalizeEmail } from "./login-throttle.js";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "./passwords.js";
import { type IssuedSession, issueSession } from "./sessions.js";

export interface PasswordLogin {
  email: string;
  password: string;
  /** The client address as the edge saw it (cf-connecting-ip), when known. */
  address: string | null;
}

export async function passwordLogin(env: Env, ctx: WaitUntil, input: PasswordLogin): Promise<IssuedSession> {
  const attempt = await countLoginAttempt(env, input.email, input.address);
  const user = await new PlatformData(makeDb(env.DB)).userByEmail(normalizeEmail(input.email));
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  const succeeded = user !== undefined && user.passwordHash !== null && passwordOk;
  await attempt.settle(succeeded);
  ctx.waitUntil(auditLogin(env, user?.id ?? null, succeeded, attempt.lockedAccountForMs));
  if (!user || !succeeded) throw unauthorized("invalid email or password");
  return issueSession(env, user.id);
}

/** Records the outcome in each org the account belongs to (an unknown account has none). */
async function auditLogin(env: Env, userId: string | null, succeeded: boolean, lockedForMs: number | null): Promise<void> {
  if (userId === null) {
    console.warn("login refused: no such account");
    return;
  }
  try {
    const orgs = await new PlatformData(makeDb(env.DB)).orgsOfUser(userId);
    const base = { actor: { type: "user" as const, id: userId }, resource: { type: "user", id: userId } };
    await Promise.all(
      orgs.map(async (org) => {
        await recordAudit(env, {
          ...base,
          orgId: org.id,
          action: "user.login",
          result: succeeded ? "success" : "denied",
          reason: succeeded ? "password" : "invalid_password",
        });
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
