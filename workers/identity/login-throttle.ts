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

async function read(env: Env, key: string): Promise<Failures | null> {
  const value = await env.CACHE.get<Failures>(key, "json");
  if (!value || typeof value.count !== "number" || typeof value.until !== "number") return null;
  return value.until > Date.now() / 1000 ? value : null;
}

export interface LoginAttempt {
  /** This account or address used up its failed attempts for now. */
  throttled: boolean;
  /** Counts the attempt as failed, for the account and the address. */
  failed(): Promise<void>;
  /** A successful login starts the account's count again (the address keeps its count). */
  succeeded(): Promise<void>;
}

/** Reads the counters of one login attempt once (KV keys are hashed once, read once). */
export async function loginAttempt(env: Env, email: string, address: string | null): Promise<LoginAttempt> {
  const counters = [{ key: `login-fail:account:${await sha256Hex(email.trim().toLowerCase())}`, limit: LOGIN_FAILURES_PER_ACCOUNT }];
  if (address) counters.push({ key: `login-fail:address:${await sha256Hex(address)}`, limit: LOGIN_FAILURES_PER_ADDRESS });
  const current = await Promise.all(counters.map((c) => read(env, c.key)));
  return {
    throttled: counters.some((c, i) => (current[i]?.count ?? 0) >= c.limit),
    async failed() {
      const now = Math.floor(Date.now() / 1000);
      await Promise.all(
        counters.map((c, i) => {
          const was = current[i];
          const next: Failures = was ? { count: was.count + 1, until: was.until } : { count: 1, until: now + LOGIN_WINDOW_SECONDS };
          return env.CACHE.put(c.key, JSON.stringify(next), { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, next.until - now) });
        }),
      );
    },
    async succeeded() {
      if (current[0]) await env.CACHE.delete(counters[0]!.key);
    },
  };
}
