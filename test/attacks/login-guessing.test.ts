// Attack class: password guessing. Attempts are counted atomically per account (hash of the
// normalised e-mail) and per client address before the password is checked, so a burst of
// parallel guesses gets no more tries than a sequential one; past the limit login answers 429 with
// Retry-After, and an unknown e-mail answers exactly like a wrong password.
import { afterEach, describe, expect, it, vi } from "vitest";
import { LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_ADDRESS } from "../../workers/identity/login-throttle.js";
import { call, seedOrg, unique } from "../workers/support/api.js";

afterEach(() => vi.useRealTimers());

let addressSeq = 0;
/** A client address of its own per test, so the per-address counter of one test does not touch another. */
const freshAddress = () => `198.51.100.${++addressSeq}`;

const login = (email: string, password: string, address?: string) =>
  call("/api/v1/login", { method: "POST", body: { email, password }, headers: address ? { "cf-connecting-ip": address } : {} });

function tally(results: Array<{ status: number }>) {
  const counts: Record<number, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

describe("attack: password guessing", () => {
  it("attack: 40 wrong passwords in parallel, then the right one", async () => {
    const org = await seedOrg("guess-burst");
    const address = freshAddress();
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => login(org.email, `wrong-guess-${i}`, address)));
    const counts = tally(burst);
    expect(counts[401] ?? 0).toBeLessThanOrEqual(LOGIN_FAILURES_PER_ACCOUNT);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(40);
    const right = await login(org.email, org.password, address);
    expect(right.status).toBe(429);
    expect(right.json.error.code).toBe("rate_limited");
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(right.text).not.toContain(org.password);
  });

  it("attack: the right password hidden in a parallel burst after the limit is used up", async () => {
    const org = await seedOrg("guess-mixed");
    const address = freshAddress();
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT; i++) await login(org.email, `wrong-${i}`, address);
    const burst = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => login(org.email, `wrong-again-${i}`, address)),
      login(org.email, org.password, address),
    ]);
    expect(tally(burst)).toEqual({ 429: 21 });
  });

  it("attack: the same account spelled differently (case, spaces) to get fresh counters", async () => {
    const org = await seedOrg("guess-spelling");
    const spellings = [org.email, org.email.toUpperCase(), ` ${org.email} `, org.email.replace(/^./, (c) => c.toUpperCase())];
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(spellings[i % spellings.length] as string, `wrong-${i}`, freshAddress())),
    );
    expect(tally(burst)[401] ?? 0).toBeLessThanOrEqual(LOGIN_FAILURES_PER_ACCOUNT);
    expect((await login(org.email, org.password, freshAddress())).status).toBe(429);
  });

  it("attack: an unknown e-mail answers differently from a wrong password", async () => {
    const org = await seedOrg("guess-enum");
    const ghost = `${unique("ghost")}@example.test`;
    const address = freshAddress();
    const wrong = await login(org.email, "wrong-password-1", address);
    const unknown = await login(ghost, "wrong-password-1", address);
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.json).toEqual(wrong.json);
    // Locked the same way too, with the same answer and Retry-After.
    const [known, missing] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, (_, i) => login(org.email, `w-${i}`, freshAddress()))),
      Promise.all(Array.from({ length: 20 }, (_, i) => login(ghost, `w-${i}`, freshAddress()))),
    ]);
    expect(tally(known)).toEqual(tally(missing));
    const lockedKnown = known.find((r) => r.status === 429);
    const lockedMissing = missing.find((r) => r.status === 429);
    expect(lockedMissing?.json).toEqual(lockedKnown?.json);
    // Both locked at about the same moment: the same wait, give or take the second boundary.
    const wait = (r: typeof lockedKnown) => Number(r?.headers.get("retry-after"));
    expect(wait(lockedKnown)).toBeGreaterThan(0);
    expect(Math.abs(wait(lockedMissing) - wait(lockedKnown))).toBeLessThanOrEqual(1);
  });

  it("attack: many accounts guessed from one client address", async () => {
    const org = await seedOrg("guess-stuffing");
    const address = freshAddress();
    const burst = await Promise.all(
      Array.from({ length: LOGIN_FAILURES_PER_ADDRESS + 20 }, (_, i) => login(`${unique(`stuffed-${i}`)}@example.test`, "Password123!", address)),
    );
    const counts = tally(burst);
    expect(counts[401] ?? 0).toBeLessThanOrEqual(LOGIN_FAILURES_PER_ADDRESS);
    expect(counts[429] ?? 0).toBeGreaterThanOrEqual(20);
    // That address is locked out even for a right password; another address is not.
    expect((await login(org.email, org.password, address)).status).toBe(429);
    expect((await login(org.email, org.password, freshAddress())).status).toBe(200);
  }, 60_000);

  it("attack: keep guessing slowly after the lock ends; each new failure locks for longer", async () => {
    const org = await seedOrg("guess-backoff");
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT; i++) await login(org.email, `wrong-${i}`, freshAddress());
    const first = await login(org.email, org.password, freshAddress());
    expect(first.status).toBe(429);
    const firstWait = Number(first.headers.get("retry-after"));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + (firstWait + 1) * 1000);
    // The lock has ended: one more guess is checked, fails, and locks again for longer.
    expect((await login(org.email, "wrong-after-lock", freshAddress())).status).toBe(401);
    const second = await login(org.email, org.password, freshAddress());
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(firstWait);
  });

  it("a successful login starts the account's count again and is audited; failures are audited too", async () => {
    const org = await seedOrg("guess-audit");
    const address = freshAddress();
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT - 1; i++) expect((await login(org.email, `wrong-${i}`, address)).status).toBe(401);
    expect((await login(org.email, org.password, address)).status).toBe(200);
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT - 1; i++) expect((await login(org.email, `wrong-${i}`, address)).status).toBe(401);
    expect((await login(org.email, org.password, address)).status).toBe(200);
    let events: Array<Record<string, any>> = [];
    for (let i = 0; i < 100 && events.length < 2 * LOGIN_FAILURES_PER_ACCOUNT; i++) {
      events = (await call(`/api/v1/orgs/${org.orgId}/audit?action=user.login&limit=200`, { token: org.apiKey })).json.items;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(events.filter((e) => e.result === "success")).toHaveLength(2);
    expect(events.filter((e) => e.result === "denied")).toHaveLength(2 * (LOGIN_FAILURES_PER_ACCOUNT - 1));
    expect(events.every((e) => e.actor.type === "user" && e.actor.id === org.ownerId)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(org.password);
    expect(JSON.stringify(events)).not.toContain(org.email);
  });
});
