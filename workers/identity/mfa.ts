// TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of drift either way) and
// single-use recovery codes. TOTP codes come from `otpauth` (a small, well-kept library that also
// writes the otpauth:// URI authenticator apps scan); the secret is sealed by the vault and a code's
// time step is accepted once only.
import * as OTPAuth from "otpauth";
import { makeDb } from "../data/db.js";
import { LoginData } from "../data/login-data.js";
import { AppError, conflict } from "../errors.js";
import { loadKeyring } from "../vault/keyring.js";
import { type VaultAad, decryptSecret, encryptSecret } from "../vault/vault.js";
import { bytesToHex, randomBytes, sha256Hex } from "./crypto.js";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps either side of now a code may come from (clock drift between phone and edge). */
export const TOTP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

/** The sealed secret is bound to its user: a row copied to another user does not decrypt. */
const aadOf = (userId: string): VaultAad => ({ orgId: `user:${userId}`, credentialId: "mfa-totp" });

function totpOf(secretBase32: string, label: string) {
  return new OTPAuth.TOTP({
    issuer: "Palisade",
    label,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });
}

export interface Enrolment {
  secret: string;
  otpauthUri: string;
}

/** Starts (or restarts) enrolment: a fresh secret, not yet in force until a code confirms it. */
export async function startEnrolment(env: Env, userId: string, email: string): Promise<Enrolment> {
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  const sealed = await encryptSecret(await loadKeyring(env.VAULT_KEYS), secret, aadOf(userId));
  const row = await new LoginData(makeDb(env.DB)).putPendingMfa(userId, sealed);
  if (!row) throw conflict("MFA is already enabled; disable it first to enrol a new authenticator");
  return { secret, otpauthUri: totpOf(secret, email).toString() };
}

export type MfaStatus = "none" | "pending" | "enabled";

export async function mfaStatus(env: Env, userId: string): Promise<MfaStatus> {
  const row = await new LoginData(makeDb(env.DB)).mfa(userId);
  if (!row) return "none";
  return row.enabledAt === null ? "pending" : "enabled";
}

/**
 * Checks a TOTP code against the user's factor (pending or enabled) and, when it matches, takes
 * its time step so the same code cannot be used again. False for a wrong, stale or reused code.
 */
export async function checkTotp(env: Env, userId: string, code: string, now = Date.now()): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  const data = new LoginData(makeDb(env.DB));
  const row = await data.mfa(userId);
  if (!row) return false;
  const secret = await decryptSecret(await loadKeyring(env.VAULT_KEYS), row, aadOf(userId));
  const delta = totpOf(secret, userId).validate({ token: code, timestamp: now, window: TOTP_WINDOW });
  if (delta === null) return false;
  const step = OTPAuth.TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: now }) + delta;
  return data.acceptStep(userId, step);
}

/** Enables a pending factor with its first code; returns the recovery codes (shown once). */
export async function confirmEnrolment(env: Env, userId: string, code: string): Promise<string[] | null> {
  if ((await mfaStatus(env, userId)) !== "pending") throw new AppError("bad_request", "no MFA enrolment is pending");
  if (!(await checkTotp(env, userId, code))) return null;
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await new LoginData(makeDb(env.DB)).enableMfa(userId, await Promise.all(codes.map(recoveryCodeHash)));
  return codes;
}

/** Uses one recovery code; false if it is unknown or was used before. */
export async function useRecoveryCode(env: Env, userId: string, code: string): Promise<boolean> {
  return new LoginData(makeDb(env.DB)).useRecoveryCode(userId, await recoveryCodeHash(code));
}

export async function removeFactor(env: Env, userId: string): Promise<void> {
  await new LoginData(makeDb(env.DB)).removeMfa(userId);
}

/** 80 random bits as 4 groups of 5 hex digits ("3f9a1-…"); hyphens and case do not matter when typed. */
function newRecoveryCode(): string {
  const hex = bytesToHex(randomBytes(10));
  return hex.match(/.{5}/g)?.join("-") ?? hex;
}

const recoveryCodeHash = (code: string) => sha256Hex(code.replace(/[\s-]/g, "").toLowerCase());
