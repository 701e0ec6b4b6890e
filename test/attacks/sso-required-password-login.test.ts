// Attack class: getting around "this org requires single sign-on" with a password — a member's
// password login, a password session from before the rule, a break-glass owner who is not an
// owner, and learning whether an account exists from the refusal.
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, seedMember, seedOrg } from "../workers/support/api.js";
import { configureSso, ssoLogin, uniqueDomain } from "../workers/support/sso.js";

async function orgRequiringSso() {
  const org = await seedOrg("ssoreq");
  const domain = uniqueDomain();
  await configureSso(org, { domains: [domain] });
  const member = await seedMember(org, "member");
  const coOwner = await seedMember(org, "owner");
  const rule = await call(`/api/v1/orgs/${org.orgId}/login-policy`, {
    method: "PATCH",
    token: org.apiKey,
    body: { requireSso: true, breakGlassUserId: org.ownerId },
  });
  expect(rule.status).toBe(200);
  return { org, domain, member, coOwner };
}

const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });

describe("attack: password login while the org requires SSO", () => {
  it("a member's correct password is refused with sso_required; SSO still works", async () => {
    const { org, domain, member } = await orgRequiringSso();
    const res = await login(member.email, member.password);
    expect(res.status).toBe(403);
    expectErrorShape(res);
    expect(res.json.error.code).toBe("sso_required");
    expect(res.json.token).toBeUndefined();
    const sso = await ssoLogin(org.orgId, `new@${domain}`);
    expect(sso.res.status).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: sso.session })).status).toBe(200);
  });

  it("an owner who is not the break-glass owner is refused too; the break-glass owner gets in", async () => {
    const { org, coOwner } = await orgRequiringSso();
    expect((await login(coOwner.email, coOwner.password)).status).toBe(403);
    const glass = await login(org.email, org.password);
    expect(glass.status).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: glass.json.token })).status).toBe(200);
  });

  it("a password session from before the rule no longer opens the org", async () => {
    const org = await seedOrg("ssoreq");
    await configureSso(org, { domains: [uniqueDomain()] });
    const member = await seedMember(org, "admin");
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: member.session })).status).toBe(200);
    await call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body: { requireSso: true } });
    const res = await call(`/api/v1/orgs/${org.orgId}/agents`, { token: member.session });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("sso_required");
  });

  it("a wrong password answers exactly like an unknown account (the rule tells a guesser nothing)", async () => {
    const { member } = await orgRequiringSso();
    const wrong = await login(member.email, "not-the-password-at-all");
    const unknown = await login(`nobody-${Date.now()}@example.test`, "not-the-password-at-all");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
  });

  it("the break-glass user must be an owner, and SSO cannot be required without a provider", async () => {
    const org = await seedOrg("ssoreq");
    const member = await seedMember(org, "member");
    const noProvider = await call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body: { requireSso: true } });
    expect(noProvider.status).toBe(409);
    await configureSso(org, { domains: [uniqueDomain()] });
    const notOwner = await call(`/api/v1/orgs/${org.orgId}/login-policy`, {
      method: "PATCH",
      token: org.apiKey,
      body: { requireSso: true, breakGlassUserId: member.userId },
    });
    expect(notOwner.status).toBe(400);
    expect((await call(`/api/v1/orgs/${org.orgId}/login-policy`, { token: org.apiKey })).json.requireSso).toBe(false);
  });
});
