// Attack class: skipping the second factor — using the password step's answer on the API,
// a password-only session after the org starts requiring MFA, replaying a TOTP code inside its
// window, reusing a recovery code, and one user's challenge with another's code.
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, seedMember, seedOrg } from "../workers/support/api.js";
import { enrolMfa, totp } from "../workers/support/sso.js";

const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });

describe("attack: MFA bypass", () => {
  it("the MFA challenge from a correct password does not open the API (as Bearer or cookie)", async () => {
    const org = await seedOrg("mfaatk");
    await enrolMfa((await login(org.email, org.password)).json.token);
    const challenged = await login(org.email, org.password);
    expect(challenged.json.mfaRequired).toBe(true);
    expect(challenged.headers.getSetCookie().some((c) => c.startsWith("__Host-pal_session="))).toBe(false);
    const asBearer = await call(`/api/v1/orgs/${org.orgId}/agents`, { token: challenged.json.mfaToken });
    expect(asBearer.status).toBe(401);
    const asCookie = await call(`/api/v1/orgs/${org.orgId}/agents`, { headers: { cookie: `__Host-pal_session=${challenged.json.mfaToken}` } });
    expect(asCookie.status).toBe(401);
    expect((await call("/api/v1/me", { token: challenged.json.mfaToken })).status).toBe(401);
  });

  it("a password-only session stops working in an org once it requires MFA", async () => {
    const org = await seedOrg("mfaatk");
    const member = await seedMember(org, "admin");
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: member.session })).status).toBe(200);
    await call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body: { requireMfa: true } });
    const res = await call(`/api/v1/orgs/${org.orgId}/agents`, { token: member.session });
    expect(res.status).toBe(403);
    expectErrorShape(res);
    expect(res.json.error.code).toBe("mfa_required");
    // And a new password login gets a challenge, not a session.
    expect((await login(member.email, member.password)).json.mfaRequired).toBe(true);
  });

  it("a TOTP code replayed inside its 30 s window is refused", async () => {
    const org = await seedOrg("mfaatk");
    const { secret } = await enrolMfa((await login(org.email, org.password)).json.token);
    const code = await totp(secret, Date.now(), 1);
    const first = await login(org.email, org.password);
    expect((await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: first.json.mfaToken, code } })).status).toBe(200);
    const second = await login(org.email, org.password);
    const replay = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: second.json.mfaToken, code } });
    expect(replay.status).toBe(401);
    expect(replay.json.token).toBeUndefined();
    // An older code (the step used to enrol) is refused too: steps only move forward.
    const older = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: second.json.mfaToken, code: await totp(secret) } });
    expect(older.status).toBe(401);
  });

  it("two parallel requests with one code: only one session", async () => {
    const org = await seedOrg("mfaatk");
    const { secret } = await enrolMfa((await login(org.email, org.password)).json.token);
    const code = await totp(secret, Date.now(), 1);
    const a = await login(org.email, org.password);
    const b = await login(org.email, org.password);
    const results = await Promise.all([
      call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: a.json.mfaToken, code } }),
      call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: b.json.mfaToken, code } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("a recovery code works once", async () => {
    const org = await seedOrg("mfaatk");
    const { recoveryCodes } = await enrolMfa((await login(org.email, org.password)).json.token);
    const code = recoveryCodes[0] as string;
    const first = await login(org.email, org.password);
    expect((await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: first.json.mfaToken, recoveryCode: code } })).status).toBe(200);
    const second = await login(org.email, org.password);
    const reuse = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: second.json.mfaToken, recoveryCode: code } });
    expect(reuse.status).toBe(401);
  });

  it("one user's challenge cannot be finished with another user's code or recovery code", async () => {
    const org = await seedOrg("mfaatk");
    const other = await seedMember(org, "member");
    await enrolMfa((await login(org.email, org.password)).json.token);
    const mine = await enrolMfa(other.session);
    const victimChallenge = await login(org.email, org.password);
    const withMyCode = await call("/api/v1/login/mfa", {
      method: "POST",
      body: { mfaToken: victimChallenge.json.mfaToken, code: await totp(mine.secret, Date.now(), 1) },
    });
    expect(withMyCode.status).toBe(401);
    const withMyRecovery = await call("/api/v1/login/mfa", {
      method: "POST",
      body: { mfaToken: victimChallenge.json.mfaToken, recoveryCode: mine.recoveryCodes[0] },
    });
    expect(withMyRecovery.status).toBe(401);
  });

  it("a forged or tampered challenge is refused", async () => {
    const org = await seedOrg("mfaatk");
    const { secret } = await enrolMfa((await login(org.email, org.password)).json.token);
    const challenged = await login(org.email, org.password);
    const token = challenged.json.mfaToken as string;
    const tampered = `${token.slice(0, -2)}${token.endsWith("A") ? "B" : "A"}A`;
    const res = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: tampered, code: await totp(secret, Date.now(), 1) } });
    expect(res.status).toBe(401);
    // A session token is not a challenge either (another typ and audience).
    const other = await seedOrg("mfaatk");
    const session = (await login(other.email, other.password)).json.token;
    const asChallenge = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: session, code: "123456" } });
    expect(asChallenge.status).toBe(401);
  });
});
