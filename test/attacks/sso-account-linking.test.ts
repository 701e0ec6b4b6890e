// Attack class: taking over an existing Palisade account (or squatting its domain) through an
// org's own identity provider. Every test drives the Worker's public entry and a real IdP
// (the fake provider signs valid ID tokens asserting whatever e-mail the test names).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { PlatformData } from "../../workers/data/platform-data.js";
import { hashPassword } from "../../workers/identity/passwords.js";
import { mintToken } from "../../workers/identity/tokens.js";
import { OIDC_CLIENT } from "../support/secrets.js";
import { type SeededOrg, call, seedOrg, unique } from "../workers/support/api.js";
import { callback, configureSso, fakeCallbackUrl, fakeCode, sessionOf, startLogin, uniqueDomain } from "../workers/support/sso.js";

/** An org owned by `owner@<domain>` (a password account on the domain: it vouches for the domain). */
async function seedOrgOnDomain(domain: string, local = "owner"): Promise<SeededOrg> {
  const email = `${local}@${domain}`;
  const password = `pw-${unique("secret")}-Zz9!`;
  const platform = new PlatformData(makeDb(env.DB));
  const user = await platform.insertUser(email, await hashPassword(password));
  const org = await platform.createOrg(unique("org"), user.id);
  const key = await mintToken("admin");
  await new OrgData(makeDb(env.DB), org.id).insertToken("admin", user.id, { ...key, name: "seed" });
  return { orgId: org.id, ownerId: user.id, email, password, apiKey: key.token };
}

async function ssoAs(orgId: string, email: string, sub = unique("sub")) {
  const started = await startLogin(`org=${orgId}`);
  const res = await callback(fakeCallbackUrl(started, fakeCode(started, { fault: "none", email, sub })), started.ssoCookie);
  return { res, session: sessionOf(res) };
}

async function auditReasons(org: SeededOrg): Promise<string[]> {
  const res = await call(`/api/v1/orgs/${org.orgId}/audit?limit=200`, { token: org.apiKey });
  return (res.json.items as Array<{ reason?: string | null }>).map((e) => e.reason ?? "");
}

describe("attack: account takeover by e-mail linking", () => {
  it("an org's IdP asserting an existing account of a non-member (same e-mail, any case) gets 401 and no session", async () => {
    // The account's own org has configured nothing; an unvouched org can still claim a domain
    // nobody holds, and its IdP then asserts the account's e-mail (as written, and in odd case).
    const squatted = uniqueDomain("unclaimed");
    const victim2 = await seedOrgOnDomain(squatted, "ceo");
    const evil2 = await seedOrg("evil");
    await configureSso(evil2, { domains: [squatted], issuer: env.TEST_FAKE_IDP_URL });
    for (const email of [victim2.email, victim2.email.toUpperCase()]) {
      const { res, session } = await ssoAs(evil2.orgId, email);
      expect(res.status, email).toBe(401);
      expect(session, email).toBeUndefined();
    }
    expect(await auditReasons(evil2)).toContain("sso_account_exists_elsewhere");
    // The victim's org never sees a member added, and the victim's account stays its own.
    expect((await new OrgData(makeDb(env.DB), evil2.orgId).membership(victim2.ownerId)) ?? null).toBeNull();
  });

  it("a member of the org is linked to the org's IdP (the org admitted them); a new e-mail is created just in time", async () => {
    const domain = uniqueDomain("own");
    const org = await seedOrgOnDomain(domain);
    await configureSso(org, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });
    const member = await ssoAs(org.orgId, org.email);
    expect(member.res.status).toBe(200);
    expect((await call("/api/v1/me", { token: member.session })).json.user.id).toBe(org.ownerId);
    const fresh = await ssoAs(org.orgId, `new-${unique("p")}@${domain}`);
    expect(fresh.res.status).toBe(200);
    expect((await call("/api/v1/me", { token: fresh.session })).json.user.id).not.toBe(org.ownerId);
  });

  it("a member of org A signing in through org B's IdP (B admitted nobody) cannot reach A, nor satisfy A's require-MFA", async () => {
    const domain = uniqueDomain("shared");
    const a = await seedOrgOnDomain(domain);
    const b = await seedOrg("b");
    await configureSso(b, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });
    expect((await call(`/api/v1/orgs/${a.orgId}/login-policy`, { method: "PATCH", token: a.apiKey, body: { requireMfa: true } })).status).toBe(200);
    const { res, session } = await ssoAs(b.orgId, a.email);
    expect(res.status).toBe(401);
    expect(session).toBeUndefined();
  });
});

describe("attack: domain squatting", () => {
  it("a squatter's claim of a domain gives way to the org whose owner holds an account on it", async () => {
    const domain = uniqueDomain("sq");
    const evil = await seedOrg("evil");
    await configureSso(evil, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });
    const real = await seedOrgOnDomain(domain);
    await configureSso(real, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });
    const evilNow = await call(`/api/v1/orgs/${evil.orgId}/sso`, { token: evil.apiKey });
    expect(evilNow.status).toBe(200);
    expect(evilNow.json.allowedDomains).not.toContain(domain);
    expect((await call(`/api/v1/orgs/${real.orgId}/sso`, { token: real.apiKey })).json.allowedDomains).toContain(domain);
    // The squatter cannot take it back: the real owner's claim is vouched.
    const retake = await call(`/api/v1/orgs/${evil.orgId}/sso`, {
      method: "PUT",
      token: evil.apiKey,
      body: { ...ssoBody(), allowedDomains: [domain] },
    });
    expect(retake.status).toBe(409);
    expect(await auditReasons(evil)).toContain("claimed_by_vouched_org");
  });

  it("a subdomain, or a parent, of another org's domain cannot be claimed (409); a vouched parent owner takes a squatted subdomain", async () => {
    const base = uniqueDomain("parent");
    const holder = await seedOrg("holder");
    await configureSso(holder, { domains: [`hq.${base}`], issuer: env.TEST_FAKE_IDP_URL });
    const other = await seedOrg("other");
    for (const domain of [`hq.${base}`, `eu.hq.${base}`, `a.b.hq.${base}`, base]) {
      const put = await call(`/api/v1/orgs/${other.orgId}/sso`, {
        method: "PUT",
        token: other.apiKey,
        body: { ...ssoBody(), allowedDomains: [domain] },
      });
      expect(put.status, domain).toBe(409);
    }
    const realParent = uniqueDomain("corp");
    await configureSso(other, { domains: [`mail.${realParent}`], issuer: env.TEST_FAKE_IDP_URL });
    const real = await seedOrgOnDomain(realParent);
    await configureSso(real, { domains: [realParent], issuer: env.TEST_FAKE_IDP_URL });
    expect((await call(`/api/v1/orgs/${other.orgId}/sso`, { token: other.apiKey })).json.allowedDomains ?? []).not.toContain(`mail.${realParent}`);
  });
});

function ssoBody() {
  return { displayName: "IdP", issuer: env.TEST_FAKE_IDP_URL, clientId: OIDC_CLIENT.clientId, clientSecret: OIDC_CLIENT.clientSecret };
}
