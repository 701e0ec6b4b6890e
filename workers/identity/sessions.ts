// Session JWTs (HS256 via jose) for the dashboard cookie and API Bearer use, with a CSRF token
// bound to the session. A session can be revoked (logout) through its stored jti hash.
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { SessionClaimsSchema } from "../../schema/api.js";
import { makeDb } from "../data/db.js";
import { LoginData } from "../data/login-data.js";
import { PlatformData } from "../data/platform-data.js";
import { unauthorized } from "../errors.js";
import { base64ToBytes, bytesToBase64url, randomBytes, sha256Hex, timingSafeEqual } from "./crypto.js";

export const SESSION_ISSUER = "palisade";
export const SESSION_AUDIENCE = "palisade:admin-session";
/** The JOSE `typ` of session tokens: a JWT minted for another purpose is refused. */
export const SESSION_TYP = "pal-session+jwt";

export const SESSION_COOKIE = "__Host-pal_session";
export const CSRF_COOKIE = "__Host-pal_csrf";
export const CSRF_HEADER = "x-csrf-token";

const keyCache = new Map<string, { sign: Uint8Array; csrf: CryptoKey }>();

async function keys(secret: string) {
  let k = keyCache.get(secret);
  if (!k) {
    const sign = base64ToBytes(secret);
    if (sign.byteLength < 32) throw new Error("SESSION_SIGNING_KEY must be at least 32 bytes (base64)");
    // A separate HMAC key for CSRF tokens, derived so the signing key is never reused directly.
    const derived = await crypto.subtle.sign(
      "HMAC",
      await crypto.subtle.importKey("raw", sign, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
      new TextEncoder().encode("palisade csrf v1"),
    );
    const csrf = await crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    k = { sign, csrf };
    keyCache.set(secret, k);
  }
  return k;
}

export interface IssuedSession {
  token: string;
  jti: string;
  expiresAt: number;
  csrfToken: string;
}

/**
 * How the session's holder proved who they are (RFC 8176 values): "pwd", "otp" (TOTP or a
 * recovery code as second factor), "sso" (the org's OpenID provider). Org rules read it.
 */
export type AuthMethod = "pwd" | "otp" | "sso";

/** How the holder of a credential signed in: a session's own claims, or those an admin key was minted with. */
export interface SignIn {
  amr: AuthMethod[];
  /** With "sso": the org whose identity provider signed the person in. */
  ssoOrgId: string | undefined;
}

/**
 * An SSO session names the org whose provider issued it: only that org's rules count it as SSO or
 * MFA. `credentialsEpoch` is the account's epoch read when the sign-in was checked: if an invitation
 * took the account over since, no session is stored and the sign-in is refused (401). Without it,
 * the current epoch is used (a caller that checked no credential of its own).
 */
export async function issueSession(
  env: Env,
  userId: string,
  amr: AuthMethod[],
  ssoOrgId?: string,
  credentialsEpoch?: number,
): Promise<IssuedSession> {
  const ttl = Number(env.SESSION_TTL_SECONDS) || 3600;
  const jti = bytesToBase64url(randomBytes(24));
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = (now + ttl) * 1000;
  const { sign } = await keys(env.SESSION_SIGNING_KEY);
  const token = await new SignJWT(ssoOrgId === undefined ? { amr } : { amr, sso_org: ssoOrgId })
    .setProtectedHeader({ alg: "HS256", typ: SESSION_TYP })
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setSubject(userId)
    .setJti(jti)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(sign);
  const platform = new PlatformData(makeDb(env.DB));
  const epoch = credentialsEpoch ?? (await platform.user(userId))?.credentialsEpoch;
  if (epoch === undefined || !(await platform.insertSession(userId, await sha256Hex(jti), expiresAt, epoch)))
    throw unauthorized("the account changed while signing in; sign in again");
  return { token, jti, expiresAt, csrfToken: await csrfTokenFor(env, jti) };
}

export interface VerifiedSession {
  userId: string;
  jti: string;
  expiresAt: number;
  amr: AuthMethod[];
  /** The org whose identity provider issued an SSO session. */
  ssoOrgId: string | undefined;
}

const REVOCATION_TTL_MS = 4_000;
const revocationCache = new Map<string, { live: boolean; expires: number }>();

/** Verifies signature, algorithm, issuer, audience, type and expiry, then that it was not logged out. */
export async function verifySession(env: Env, token: string): Promise<VerifiedSession | null> {
  const { sign } = await keys(env.SESSION_SIGNING_KEY);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, sign, {
      algorithms: ["HS256"],
      issuer: SESSION_ISSUER,
      audience: SESSION_AUDIENCE,
      typ: SESSION_TYP,
      requiredClaims: ["sub", "jti", "iat", "exp"],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
    throw error;
  }
  const claims = SessionClaimsSchema.safeParse(payload);
  if (!claims.success) return null;
  const { sub, jti, exp, amr, sso_org: ssoOrgId } = claims.data;

  const jtiHash = await sha256Hex(jti);
  const now = Date.now();
  const hit = revocationCache.get(jtiHash);
  let live: boolean;
  if (hit && hit.expires > now) live = hit.live;
  else {
    const row = await new PlatformData(makeDb(env.DB)).sessionByJtiHash(jtiHash);
    live = !!row && row.revokedAt === null && row.userId === sub && row.expiresAt > now;
    revocationCache.set(jtiHash, { live, expires: now + REVOCATION_TTL_MS });
  }
  return live ? { userId: sub, jti, expiresAt: exp * 1000, amr, ssoOrgId } : null;
}

export async function revokeSession(env: Env, jti: string) {
  const jtiHash = await sha256Hex(jti);
  await new PlatformData(makeDb(env.DB)).revokeSession(jtiHash);
  revocationCache.set(jtiHash, { live: false, expires: Date.now() + REVOCATION_TTL_MS });
}

/** Marks sessions already revoked in D1 as dead in this isolate's cache. */
export function forgetSessions(jtiHashes: Iterable<string>) {
  const until = Date.now() + REVOCATION_TTL_MS;
  for (const jtiHash of jtiHashes) revocationCache.set(jtiHash, { live: false, expires: until });
}

/** Ends every session of the account at once (deactivation): D1 first, then this isolate's cache. */
export async function revokeSessionsOfUser(env: Env, userId: string): Promise<number> {
  const revoked = await new PlatformData(makeDb(env.DB)).revokeSessionsOfUser(userId);
  const until = Date.now() + REVOCATION_TTL_MS;
  for (const r of revoked) revocationCache.set(r.jtiSha256, { live: false, expires: until });
  return revoked.length;
}

export async function csrfTokenFor(env: Env, jti: string): Promise<string> {
  const { csrf } = await keys(env.SESSION_SIGNING_KEY);
  return bytesToBase64url(new Uint8Array(await crypto.subtle.sign("HMAC", csrf, new TextEncoder().encode(jti))));
}

export async function csrfValid(env: Env, jti: string, presented: string | undefined): Promise<boolean> {
  if (!presented) return false;
  return timingSafeEqual(await csrfTokenFor(env, jti), presented);
}

/** The JOSE `typ` of an MFA challenge: proof of a checked password, good only for the second step. */
export const MFA_CHALLENGE_TYP = "pal-mfa-challenge+jwt";
const MFA_CHALLENGE_AUDIENCE = "palisade:mfa-challenge";
export const MFA_CHALLENGE_TTL_SECONDS = 300;

/**
 * A short-lived token saying "this user's password was right"; it never opens the API. It carries
 * the account's credentials epoch (`cep`) the password was checked under: a takeover ends it.
 */
export async function issueMfaChallenge(env: Env, userId: string, credentialsEpoch: number): Promise<{ token: string; expiresAt: number }> {
  const now = Math.floor(Date.now() / 1000);
  const { sign } = await keys(env.SESSION_SIGNING_KEY);
  const token = await new SignJWT({ cep: credentialsEpoch })
    .setProtectedHeader({ alg: "HS256", typ: MFA_CHALLENGE_TYP })
    .setIssuer(SESSION_ISSUER)
    .setAudience(MFA_CHALLENGE_AUDIENCE)
    .setSubject(userId)
    .setJti(bytesToBase64url(randomBytes(16)))
    .setIssuedAt(now)
    .setExpirationTime(now + MFA_CHALLENGE_TTL_SECONDS)
    .sign(sign);
  return { token, expiresAt: (now + MFA_CHALLENGE_TTL_SECONDS) * 1000 };
}

export interface MfaChallenge {
  userId: string;
  /** SHA-256 of the challenge's jti: the key it is spent under (workers/data/login-data.ts). */
  jtiSha256: string;
  expiresAt: number;
  /** The account's credentials epoch the password was checked under. */
  credentialsEpoch: number;
}

/**
 * A valid, unexpired MFA challenge that no second-factor attempt holds or has spent, or null.
 * Spending it is the caller's business (`LoginData.claimMfaChallenge`), so the check here is only
 * an early refusal; the claim is what makes a challenge good for one session. A challenge issued
 * before the account was taken over (an earlier credentials epoch) is null too.
 */
export async function verifyMfaChallenge(env: Env, token: string): Promise<MfaChallenge | null> {
  const { sign } = await keys(env.SESSION_SIGNING_KEY);
  let challenge: MfaChallenge;
  try {
    const { payload } = await jwtVerify(token, sign, {
      algorithms: ["HS256"],
      issuer: SESSION_ISSUER,
      audience: MFA_CHALLENGE_AUDIENCE,
      typ: MFA_CHALLENGE_TYP,
      requiredClaims: ["sub", "exp", "jti", "cep"],
    });
    const { sub, jti, exp, cep } = payload;
    if (typeof sub !== "string" || typeof jti !== "string" || typeof exp !== "number" || !Number.isSafeInteger(cep)) return null;
    challenge = { userId: sub, jtiSha256: await sha256Hex(jti), expiresAt: exp * 1000, credentialsEpoch: cep as number };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
    throw error;
  }
  return (await new LoginData(makeDb(env.DB)).mfaChallengeOpen(challenge)) ? challenge : null;
}
