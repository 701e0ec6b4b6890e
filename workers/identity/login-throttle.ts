// Password guessing is throttled by counting every login attempt, before its password is
// checked, in two LoginGuard Durable Objects: one for the account (SHA-256 of the normalised
// e-mail, whether or not such an account exists) and one for the client address
// (cf-connecting-ip). Each counts atomically, so a burst of parallel guesses gets exactly as many
// checks as a sequential one. Over the limit, login answers 429 with Retry-After without looking
// at the password.
import { AppError } from "../errors.js";
import { sha256Hex } from "./crypto.js";
import { type AttemptVerdict, FREE_ATTEMPTS, type LoginCounterKind, type RateLimitKind, type RateVerdict } from "./login-guard.js";

/** Password checks an account gets before it locks (then one per lock, each lock twice as long). */
export const LOGIN_FAILURES_PER_ACCOUNT = FREE_ATTEMPTS.account;
/** Password checks one client address gets, across all accounts, before it locks. */
export const LOGIN_FAILURES_PER_ADDRESS = FREE_ATTEMPTS.address;

/** The one spelling of an e-mail the counters and the users table agree on. */
export const normalizeEmail = (email: string) => email.trim().normalize("NFC").toLowerCase();

interface Counter {
  kind: LoginCounterKind;
  stub: DurableObjectStub<import("./login-guard.js").LoginGuard>;
}

async function countersFor(env: Env, email: string, address: string | null): Promise<Counter[]> {
  const named = async (kind: LoginCounterKind, value: string): Promise<Counter> => ({
    kind,
    stub: env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(`${kind}:${await sha256Hex(value)}`)),
  });
  const counters = [named("account", normalizeEmail(email))];
  if (address) counters.push(named("address", address.trim().toLowerCase()));
  return Promise.all(counters);
}

export interface CountedAttempt {
  /** This attempt started a lock of the account (one audit event per lock, not per refusal). */
  lockedAccountForMs: number | null;
  /** Reports the outcome once the password was checked. */
  settle(succeeded: boolean): Promise<void>;
}

/**
 * Counts one attempt, or throws 429 (with Retry-After) when the account or the address is
 * locked. Fails closed: if a counter cannot be reached, nobody's password is checked.
 */
export async function countLoginAttempt(env: Env, email: string, address: string | null): Promise<CountedAttempt> {
  const counters = await countersFor(env, email, address);
  let verdicts: AttemptVerdict[];
  try {
    verdicts = await Promise.all(counters.map((c) => c.stub.attempt(c.kind)));
  } catch (error) {
    throw new AppError("unavailable", "login is unavailable right now; try again shortly", { cause: error });
  }
  const release = (c: Counter, succeeded: boolean) => c.stub.release(c.kind, succeeded);
  const refused = verdicts.flatMap((v) => (v.allowed ? [] : [v.retryAfterMs]));
  if (refused.length > 0) {
    // The counters that did count it get the attempt back: no password was checked.
    await Promise.all(counters.filter((_, i) => verdicts[i]?.allowed).map((c) => release(c, false))).catch(() => undefined);
    const seconds = Math.max(1, Math.ceil(Math.max(...refused) / 1000));
    throw new AppError("rate_limited", "too many login attempts; try again later", { headers: { "retry-after": String(seconds) } });
  }
  const account = verdicts[0];
  return {
    lockedAccountForMs: account?.allowed && account.locked ? account.lockMs : null,
    async settle(succeeded) {
      // A failure stays counted; a success resets the account and refunds the address.
      if (succeeded) await Promise.all(counters.map((c) => release(c, true)));
    },
  };
}

/**
 * Counts one request of a rate-limited flow (`RATE_LIMITS`) against each named counter — the
 * client address, the org — or throws 429 with Retry-After when one is used up. Fails closed
 * (503) when a counter cannot be reached.
 */
export async function throttle(env: Env, counters: Array<{ kind: RateLimitKind; value: string }>, what: string): Promise<void> {
  let verdicts: RateVerdict[];
  try {
    verdicts = await Promise.all(
      counters.map(async ({ kind, value }) => env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(`${kind}:${await sha256Hex(value)}`)).take(kind)),
    );
  } catch (error) {
    throw new AppError("unavailable", `${what} is unavailable right now; try again shortly`, { cause: error });
  }
  const refused = verdicts.flatMap((v) => (v.allowed ? [] : [v.retryAfterMs]));
  if (refused.length === 0) return;
  const seconds = Math.max(1, Math.ceil(Math.max(...refused) / 1000));
  throw new AppError("rate_limited", `too many ${what} requests; try again later`, { headers: { "retry-after": String(seconds) } });
}

/** The counter of a client address, when the edge saw one (cf-connecting-ip). */
export const addressCounter = (kind: RateLimitKind, address: string | null | undefined) =>
  address ? [{ kind, value: address.trim().toLowerCase() }] : [];
