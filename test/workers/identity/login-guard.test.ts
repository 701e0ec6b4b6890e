// The LoginGuard's counting rules (pure functions) and its object: locks, backoff, refunds, forgetting.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type CounterState,
  LOCK_BASE_MS,
  LOCK_MAX_MS,
  type LoginGuard,
  QUIET_RESET_MS,
  RATE_LIMITS,
  type WindowState,
  countAttempt,
  refundAttempt,
  takeFromWindow,
} from "../../../workers/identity/login-guard.js";

const FRESH: CounterState = { attempts: 0, lockedUntil: 0, lastAttemptAt: 0 };
const T0 = 1_800_000_000_000;

function run(n: number, free: number, from: CounterState = FRESH, at = T0) {
  let state = from;
  const verdicts = [];
  for (let i = 0; i < n; i++) {
    const next = countAttempt(state, at, free);
    state = next.state;
    verdicts.push(next.verdict);
  }
  return { state, verdicts };
}

describe("login counting rules", () => {
  it("allows `free` attempts, the last of which starts a lock; then refuses without counting", () => {
    const { state, verdicts } = run(5, 3);
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
    expect(verdicts[2]).toEqual({ allowed: true, locked: true, lockMs: LOCK_BASE_MS });
    expect(verdicts[3]).toEqual({ allowed: false, retryAfterMs: LOCK_BASE_MS });
    expect(state.attempts).toBe(3);
  });

  it("doubles the lock for every further failure, up to the cap", () => {
    let { state } = run(3, 3);
    const locks: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = countAttempt(state, state.lockedUntil + 1, 3);
      if (next.verdict.allowed) locks.push(next.verdict.lockMs);
      state = next.state;
    }
    expect(locks).toEqual([2, 4, 8, 16, 32, 60, 60, 60].map((m) => Math.min(LOCK_MAX_MS, m * LOCK_BASE_MS)));
  });

  it("forgets a counter after a quiet period past its lock", () => {
    const { state } = run(3, 3);
    expect(countAttempt(state, state.lockedUntil + QUIET_RESET_MS - 1, 3).verdict).toMatchObject({ allowed: true, locked: true });
    expect(countAttempt(state, state.lockedUntil + QUIET_RESET_MS + 1, 3).verdict).toEqual({ allowed: true, locked: false, lockMs: 0 });
  });

  it("a refund takes back one attempt and the lock it set, not an earlier lock", () => {
    const { state } = run(3, 3);
    expect(refundAttempt(state, T0, 3)).toEqual({ attempts: 2, lockedUntil: 0, lastAttemptAt: T0 });
    const four = { ...state, attempts: 4 };
    expect(refundAttempt(four, T0, 3).lockedUntil).toBe(state.lockedUntil);
  });
});

describe("LoginGuard object", () => {
  it("counts per object, resets an account on success and refunds an address", async () => {
    const account = env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(`test-account-${Date.now()}`));
    for (let i = 0; i < 9; i++) expect(await account.attempt("account")).toMatchObject({ allowed: true, locked: false });
    await account.release("account", true);
    for (let i = 0; i < 9; i++) expect(await account.attempt("account")).toMatchObject({ allowed: true, locked: false });
    expect(await account.attempt("account")).toMatchObject({ allowed: true, locked: true });
    expect(await account.attempt("account")).toMatchObject({ allowed: false });

    const address = env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(`test-address-${Date.now()}`));
    await address.attempt("address");
    await address.attempt("address");
    await address.release("address", true);
    await runInDurableObject(address, (_g: LoginGuard, state) => {
      expect(state.storage.kv.get("state")).toMatchObject({ attempts: 1 });
    });
  });

  it("refuses an unknown counter kind and forgets its state once quiet", async () => {
    const guard = env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(`test-forget-${Date.now()}`));
    await runInDurableObject(guard, async (g: LoginGuard, state) => {
      await expect(g.attempt("everyone")).rejects.toThrow();
      state.storage.kv.put("state", { attempts: 3, lockedUntil: 0, lastAttemptAt: Date.now() - QUIET_RESET_MS - 10 });
      // Far ahead, so only runDurableObjectAlarm runs it (now).
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    expect(await runDurableObjectAlarm(guard)).toBe(true);
    await runInDurableObject(guard, (_g: LoginGuard, state) => {
      expect(state.storage.kv.get("state")).toBeUndefined();
    });
  });
});

describe("rate-limit windows (take)", () => {
  const limit = { limit: 3, windowMs: 60_000 };

  it("allows `limit` per window, refuses with the time left, and starts a new window once it ended", () => {
    let state: WindowState | undefined;
    const verdicts = [];
    for (let i = 0; i < 4; i++) {
      const next = takeFromWindow(state, T0 + i * 1000, limit);
      state = next.state;
      verdicts.push(next.verdict);
    }
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(verdicts[3]).toEqual({ allowed: false, retryAfterMs: 60_000 - 3000 });
    expect(takeFromWindow(state, T0 + 60_000, limit)).toEqual({ state: { count: 1, windowStart: T0 + 60_000 }, verdict: { allowed: true } });
  });

  it("the object counts parallel takes one by one, refuses unknown kinds, and forgets its window after it ends", async () => {
    const guard = env.LOGIN_GUARD.get(env.LOGIN_GUARD.idFromName(`test-window-${Date.now()}`));
    const max = RATE_LIMITS.oauth_register_address.limit;
    const verdicts = await Promise.all(Array.from({ length: max + 5 }, () => guard.take("oauth_register_address")));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(max);
    await runInDurableObject(guard, async (g: LoginGuard, state) => {
      await expect(g.take("account")).rejects.toThrow();
      state.storage.kv.put("window", { count: max, windowStart: Date.now() - 2 * 3_600_000 });
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    expect(await runDurableObjectAlarm(guard)).toBe(true);
    await runInDurableObject(guard, (_g: LoginGuard, state) => {
      expect(state.storage.kv.get("window")).toBeUndefined();
    });
  });
});
