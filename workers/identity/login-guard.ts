// LoginGuard: one Durable Object per login counter (an account, keyed by the SHA-256 of its
// normalised e-mail, or a client address, keyed by its SHA-256). Every attempt is counted here
// before the password is checked; the object runs one call at a time, so parallel guesses are
// counted one by one and none gets past a lock another has just set. The same objects keep the
// fixed-window rate limits of SSO and OAuth registration (`take`).
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";

export const LOGIN_COUNTER_KINDS = ["account", "address"] as const;
export type LoginCounterKind = (typeof LOGIN_COUNTER_KINDS)[number];
const KindSchema = z.enum(LOGIN_COUNTER_KINDS);

/** Attempts a counter allows before it locks: an account sees one person, an address may be shared. */
export const FREE_ATTEMPTS: Record<LoginCounterKind, number> = { account: 10, address: 100 };
/** The first lock; each further failure while over the limit doubles it, up to LOCK_MAX_MS. */
export const LOCK_BASE_MS = 60_000;
export const LOCK_MAX_MS = 60 * 60_000;
/** A counter with no attempt for this long after its lock ended starts again from zero. */
export const QUIET_RESET_MS = 15 * 60_000;

export interface CounterState {
  /** Attempts counted in the current run (each counts until a success refunds or resets it). */
  attempts: number;
  /** ms since epoch until which every attempt is refused (0: not locked). */
  lockedUntil: number;
  lastAttemptAt: number;
}

const StateSchema = z.object({ attempts: z.number().int().min(0), lockedUntil: z.number(), lastAttemptAt: z.number() });
const FRESH: CounterState = { attempts: 0, lockedUntil: 0, lastAttemptAt: 0 };

export type AttemptVerdict =
  | { allowed: true /** This attempt started a lock (for the audit). */; locked: boolean; lockMs: number }
  | { allowed: false; retryAfterMs: number };

/** The counter as it stands at `now`: a quiet one is forgotten. */
export function current(state: CounterState, now: number): CounterState {
  return now > Math.max(state.lastAttemptAt, state.lockedUntil) + QUIET_RESET_MS ? FRESH : state;
}

/** Counts one attempt: refused while locked; otherwise counted, and locking once over the limit. */
export function countAttempt(state: CounterState, now: number, free: number): { state: CounterState; verdict: AttemptVerdict } {
  const s = current(state, now);
  if (s.lockedUntil > now) return { state: s, verdict: { allowed: false, retryAfterMs: s.lockedUntil - now } };
  const attempts = s.attempts + 1;
  if (attempts < free) return { state: { attempts, lockedUntil: 0, lastAttemptAt: now }, verdict: { allowed: true, locked: false, lockMs: 0 } };
  const lockMs = Math.min(LOCK_MAX_MS, LOCK_BASE_MS * 2 ** Math.min(attempts - free, 20));
  return { state: { attempts, lockedUntil: now + lockMs, lastAttemptAt: now }, verdict: { allowed: true, locked: true, lockMs } };
}

/** Takes back one counted attempt (it succeeded, or another counter refused it): a lock it set goes with it. */
export function refundAttempt(state: CounterState, now: number, free: number): CounterState {
  const s = current(state, now);
  const attempts = Math.max(0, s.attempts - 1);
  return { attempts, lockedUntil: attempts < free ? 0 : s.lockedUntil, lastAttemptAt: s.lastAttemptAt };
}

/**
 * Rate limits of unauthenticated flows that start work for anyone (no password to guess): a
 * fixed window per counter. SSO starts per client address and per org (each writes a pending
 * login and sends the browser to the org's provider), SSO callbacks per address, and OAuth client
 * registrations per address.
 */
export const RATE_LIMITS = {
  sso_start_address: { limit: 30, windowMs: 10 * 60_000 },
  sso_start_org: { limit: 600, windowMs: 10 * 60_000 },
  sso_callback_address: { limit: 30, windowMs: 10 * 60_000 },
  oauth_register_address: { limit: 10, windowMs: 60 * 60_000 },
} as const;
export type RateLimitKind = keyof typeof RATE_LIMITS;
const RateKindSchema = z.enum(Object.keys(RATE_LIMITS) as [RateLimitKind, ...RateLimitKind[]]);

export interface WindowState {
  count: number;
  windowStart: number;
}
const WindowSchema = z.object({ count: z.number().int().min(0), windowStart: z.number() });

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Takes one from the window (a new window starts when the last one ended); refused when it is used up. */
export function takeFromWindow(state: WindowState | undefined, now: number, limit: { limit: number; windowMs: number }) {
  const s = state && now < state.windowStart + limit.windowMs ? state : { count: 0, windowStart: now };
  if (s.count >= limit.limit) return { state: s, verdict: { allowed: false, retryAfterMs: s.windowStart + limit.windowMs - now } as RateVerdict };
  return { state: { count: s.count + 1, windowStart: s.windowStart }, verdict: { allowed: true } as RateVerdict };
}

export class LoginGuard extends DurableObject<Env> {
  /** Counts one request of a rate-limited flow in this counter's window. */
  async take(kind: unknown): Promise<RateVerdict> {
    const limit = RATE_LIMITS[RateKindSchema.parse(kind)];
    const stored = WindowSchema.safeParse(this.ctx.storage.kv.get("window"));
    const now = Date.now();
    const { state, verdict } = takeFromWindow(stored.success ? stored.data : undefined, now, limit);
    this.ctx.storage.kv.put("window", state);
    await this.ctx.storage.setAlarm(Math.max(state.windowStart + limit.windowMs, this.#forgetAt()) + 1);
    return verdict;
  }

  /** Counts an attempt before its password is checked. */
  async attempt(kind: unknown): Promise<AttemptVerdict> {
    const free = FREE_ATTEMPTS[KindSchema.parse(kind)];
    const { state, verdict } = countAttempt(this.#load(), Date.now(), free);
    await this.#store(state);
    return verdict;
  }

  /**
   * The attempt succeeded (or was never checked): an account's run starts again; an address only
   * gets this attempt back, so logging into one's own account does not reset guessing at others.
   */
  async release(kind: unknown, succeeded: unknown): Promise<void> {
    const k = KindSchema.parse(kind);
    const now = Date.now();
    if (k === "account" && z.boolean().parse(succeeded)) await this.#store({ ...FRESH, lastAttemptAt: now });
    else await this.#store(refundAttempt(this.#load(), now, FREE_ATTEMPTS[k]));
  }

  /** Forgets a counter once it has been quiet long enough, so idle objects hold nothing. */
  override async alarm(): Promise<void> {
    const window = WindowSchema.safeParse(this.ctx.storage.kv.get("window"));
    // A window is kept until it ends (the longest window is the one that matters).
    const windowEnd = window.success ? window.data.windowStart + Math.max(...Object.values(RATE_LIMITS).map((l) => l.windowMs)) : 0;
    const forgetAt = Math.max(this.#forgetAt(), windowEnd);
    if (Date.now() > forgetAt) await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(forgetAt + 1);
  }

  /** When the login counter may be forgotten (0 when there is none). */
  #forgetAt(): number {
    if (this.ctx.storage.kv.get("state") === undefined) return 0;
    const state = this.#load();
    return Math.max(state.lastAttemptAt, state.lockedUntil) + QUIET_RESET_MS;
  }

  #load(): CounterState {
    const parsed = StateSchema.safeParse(this.ctx.storage.kv.get("state"));
    return parsed.success ? parsed.data : FRESH;
  }

  /** Writes the state before the first await, so the next call (run after this one) sees it. */
  async #store(state: CounterState): Promise<void> {
    this.ctx.storage.kv.put("state", state);
    await this.ctx.storage.setAlarm(Math.max(state.lastAttemptAt, state.lockedUntil) + QUIET_RESET_MS + 1);
  }
}
