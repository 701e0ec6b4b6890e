// Password guessing is throttled by counting every login attempt, before its password is
// checked, in two LoginGuard Durable Objects: one for the account (SHA-256 of the normalised
// e-mail, whether or not such an account exists) and one for the client address
// (cf-connecting-ip, keyed by `clientAddressKey`: an IPv6 /64 is one client). Each counts atomically, so a burst of parallel guesses gets exactly as many
// checks as a sequential one. Over the limit, login answers 429 with Retry-After without looking
// at the password.
import ipaddr from "ipaddr.js";
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

/** The bucket of requests whose client address the edge did not give (or gave unreadable). */
export const UNKNOWN_CLIENT_ADDRESS = "unknown";

/**
 * The one key every per-address counter uses for a client address: IPv4 as is, IPv4-mapped IPv6
 * as its IPv4, any other IPv6 as its /64 (what one host or subscriber is given, so rotating the
 * interface id is the same client), and a missing or unreadable address as one shared "unknown"
 * bucket rather than none. Parsing by ipaddr.js (already a dependency; it knows every IPv6 spelling).
 */
export function clientAddressKey(address: string | null | undefined): string {
  const text = address?.trim() ?? "";
  if (!ipaddr.isValid(text)) return UNKNOWN_CLIENT_ADDRESS;
  let parsed = ipaddr.parse(text);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === "ipv4") return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(":")}::/64`;
}

async function countersFor(env: Env, email: string, address: string | null): Promise<Counter[]> {
  const named = async (kind: LoginCounterKind, value: string): Promise<Counter> => ({
    kind,
    stub: env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(`${kind}:${await sha256Hex(value)}`)),
  });
  return Promise.all([named("account", normalizeEmail(email)), named("address", clientAddressKey(address))]);
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

/** The counter of a client address (cf-connecting-ip, keyed by `clientAddressKey`). */
export const addressCounter = (kind: RateLimitKind, address: string | null | undefined) => [{ kind, value: clientAddressKey(address) }];
