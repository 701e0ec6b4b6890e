// Password guessing is throttled: failed logins are counted per account (and per client address
// where the edge knows it) in KV for 15 minutes; past the limit, login answers 429 without
// looking at the password. KV is eventually consistent between locations, so guesses spread over
// many locations get somewhat further: this slows an attacker down, it is not a lock-out.
// Counters are keyed by SHA-256, so KV holds no email or address in the clear.
import { sha256Hex } from "./crypto.js";

/** Failed attempts per account per window, then 429 until the window ends. */
export const LOGIN_FAILURES_PER_ACCOUNT = 10;
/** Failed attempts per client address per window (the cf-connecting-ip header). */
export const LOGIN_FAILURES_PER_ADDRESS = 50;
export const LOGIN_WINDOW_SECONDS = 15 * 60;
/** KV's shortest expiry. */
const KV_MIN_TTL_SECONDS = 60;

interface Failures {
  count: number;
  /** Unix seconds when the window that began with the first failure ends. */
  until: number;
}

async function keysOf(email: string, address: string | null): Promise<Array<{ key: string; limit: number }>> {
  const keys = [{ key: `login-fail:account:${await sha256Hex(email.trim().toLowerCase())}`, limit: LOGIN_FAILURES_PER_ACCOUNT }];
  if (address) keys.push({ key: `login-fail:address:${await sha256Hex(address)}`, limit: LOGIN_FAILURES_PER_ADDRESS });
  return keys;
}

async function read(env: Env, key: string): Promise<Failures | null> {
  const value = await env.CACHE.get<Failures>(key, "json");
  if (!value || typeof value.count !== "number" || typeof value.until !== "number") return null;
  return value.until > Date.now() / 1000 ? value : null;
}

/** True when this account or address used up its failed attempts for now. */
export async function loginThrottled(env: Env, email: string, address: string | null): Promise<boolean> {
  for (const { key, limit } of await keysOf(email, address)) {
    const failures = await read(env, key);
    if (failures && failures.count >= limit) return true;
  }
  return false;
}

export async function recordLoginFailure(env: Env, email: string, address: string | null): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  for (const { key } of await keysOf(email, address)) {
    const current = await read(env, key);
    const next: Failures = current ? { count: current.count + 1, until: current.until } : { count: 1, until: now + LOGIN_WINDOW_SECONDS };
    await env.CACHE.put(key, JSON.stringify(next), { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, next.until - now) });
  }
}

/** A successful login starts the account's count again (the address keeps its count). */
export async function clearLoginFailures(env: Env, email: string): Promise<void> {
  const [account] = await keysOf(email, null);
  if (account) await env.CACHE.delete(account.key);
}
