// TOTP MFA with real codes computed in the test (RFC 6238): enrolment, the second step of a
// password login, recovery codes, removal, and an org that requires MFA; every step audited.
import { describe, expect, it } from "vitest";
import { auditEventsOf, call, seedMember, seedOrg } from "../support/api.js";
import { enrolMfa, totp } from "../support/sso.js";

async function login(email: string, password: string) {
  return call("/api/v1/login", { method: "POST", body: { email, password } });
}

describe("MFA (TOTP)", () => {
  it("enrols with an otpauth URI, then a password login needs a code and ends in a session", async () => {
    const org = await seedOrg("mfa");
    const first = await login(org.email, org.password);
    const { secret, otpauthUri, recoveryCodes } = await enrolMfa(first.json.token);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Palisade:.+\?.*secret=[A-Z2-7]+/);
    expect(otpauthUri).toContain("period=30");
    expect(otpauthUri).toContain("digits=6");
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await call("/api/v1/me/mfa", { token: first.json.token })).json).toEqual({ status: "enabled", recoveryCodesLeft: 10 });

    const challenged = await login(org.email, org.password);
    expect(challenged.status).toBe(200);
    expect(challenged.json).toMatchObject({ mfaRequired: true, enrol: false });
    expect(challenged.json.token).toBeUndefined();
    // The next step's code (within the ±1 window; the current one was used to enrol).
    const done = await call("/api/v1/login/mfa", {
      method: "POST",
      body: { mfaToken: challenged.json.mfaToken, code: await totp(secret, Date.now(), 1) },
    });
    expect(done.status).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: done.json.token })).status).toBe(200);
    expect((await auditEventsOf(org, "user.mfa_enrolled")).length).toBe(1);
    const logins = await auditEventsOf(org, "user.login");
    expect(logins.some((e) => e.reason === "password+totp")).toBe(true);
  });

  it("a recovery code signs in once, and is audited", async () => {
    const org = await seedOrg("mfa");
    const { recoveryCodes } = await enrolMfa((await login(org.email, org.password)).json.token);
    const challenged = await login(org.email, org.password);
    const code = recoveryCodes[3] as string;
    const done = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: challenged.json.mfaToken, recoveryCode: code.toUpperCase() } });
    expect(done.status).toBe(200);
    expect((await call("/api/v1/me/mfa", { token: done.json.token })).json.recoveryCodesLeft).toBe(9);
    expect((await auditEventsOf(org, "user.mfa_recovery_code_used")).length).toBe(1);
  });

  it("removing the authenticator needs a current code, and is audited", async () => {
    const org = await seedOrg("mfa");
    const session = (await login(org.email, org.password)).json.token;
    const { secret } = await enrolMfa(session);
    expect((await call("/api/v1/me/mfa/disable", { method: "POST", token: session, body: { code: "000000" } })).status).toBe(401);
    const removed = await call("/api/v1/me/mfa/disable", { method: "POST", token: session, body: { code: await totp(secret, Date.now(), 1) } });
    expect(removed.status).toBe(204);
    expect((await login(org.email, org.password)).json.token).toBeTruthy();
    expect((await auditEventsOf(org, "user.mfa_removed")).length).toBe(1);
  });

  it("an org requiring MFA makes a member without one enrol during login", async () => {
    const org = await seedOrg("mfa");
    const member = await seedMember(org, "member");
    // The owner turns the rule on from a session that has a second factor.
    const ownerSession = (await login(org.email, org.password)).json.token;
    await enrolMfa(ownerSession);
    const rule = await call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body: { requireMfa: true } });
    expect(rule.status).toBe(200);
    expect(rule.json).toMatchObject({ requireMfa: true, requireSso: false });

    const challenged = await login(member.email, member.password);
    expect(challenged.json).toMatchObject({ mfaRequired: true, enrol: true });
    const enrol = await call("/api/v1/login/mfa/enroll", { method: "POST", body: { mfaToken: challenged.json.mfaToken } });
    expect(enrol.status).toBe(200);
    const done = await call("/api/v1/login/mfa", {
      method: "POST",
      body: { mfaToken: challenged.json.mfaToken, code: await totp(enrol.json.secret) },
    });
    expect(done.status).toBe(200);
    expect(done.json.recoveryCodes).toHaveLength(10);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: done.json.token })).status).toBe(200);
    // While the org requires it, the member cannot remove it.
    const removal = await call("/api/v1/me/mfa/disable", {
      method: "POST",
      token: done.json.token,
      body: { code: await totp(enrol.json.secret, Date.now(), 1) },
    });
    expect(removal.status).toBe(409);
  });
});
