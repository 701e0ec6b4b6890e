// Attack class: guessing TOTP codes. Second-factor attempts are counted like logins (10 per
// account, then locks), in a counter a correct password does not reset, so signing in again with
// the known password buys no fresh guesses; while locked even the right code is refused.
import { describe, expect, it } from "vitest";
import { auditEventsOf, call, seedOrg } from "../workers/support/api.js";
import { enrolMfa, totp } from "../workers/support/sso.js";

const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });

describe("attack: TOTP brute force", () => {
  it("locks after 10 wrong codes; a fresh password login does not reset it; the right code is refused while locked", async () => {
    const org = await seedOrg("mfabf");
    const { secret } = await enrolMfa((await login(org.email, org.password)).json.token);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      // Re-entering the (stolen) password for each guess.
      const challenged = await login(org.email, org.password);
      expect(challenged.status).toBe(200);
      const guess = String(100000 + i);
      statuses.push((await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: challenged.json.mfaToken, code: guess } })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const challenged = await login(org.email, org.password);
    const right = await call("/api/v1/login/mfa", {
      method: "POST",
      body: { mfaToken: challenged.json.mfaToken, code: await totp(secret, Date.now(), 1) },
    });
    expect(right.status).toBe(429);
    expect(right.headers.get("retry-after")).toBeTruthy();
    expect((await auditEventsOf(org, "user.mfa_failed")).length).toBeGreaterThanOrEqual(10);
  });

  // A refusal that checked a code says so; one whose challenge another guess held at that moment
  // ("invalid or expired MFA challenge") checked none, and how many of those there are depends on
  // timing, so only code checks are counted.
  const codeChecked = (r: { status: number; text: string }) => r.status === 401 && r.text.includes("invalid or already used code");

  it("parallel guesses with one challenge are counted one by one", async () => {
    const org = await seedOrg("mfabf");
    await enrolMfa((await login(org.email, org.password)).json.token);
    const challenged = await login(org.email, org.password);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: challenged.json.mfaToken, code: String(200000 + i) } }),
      ),
    );
    expect(results.filter(codeChecked).length).toBeLessThanOrEqual(10);
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true);
  });

  it("parallel guesses with a challenge each are counted one by one", async () => {
    const org = await seedOrg("mfabf");
    await enrolMfa((await login(org.email, org.password)).json.token);
    // One password login after another: a correct password resets the password counter, not the codes'.
    const challenges: Array<Awaited<ReturnType<typeof login>>> = [];
    for (let i = 0; i < 20; i++) challenges.push(await login(org.email, org.password));
    expect(challenges.every((c) => c.status === 200 && typeof c.json.mfaToken === "string")).toBe(true);
    const results = await Promise.all(
      challenges.map((challenged, i) =>
        call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: challenged.json.mfaToken, code: String(300000 + i) } }),
      ),
    );
    expect(results.filter(codeChecked).length).toBeLessThanOrEqual(10);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(10);
  });
});
