// Attack class: crossing orgs through SSO — an e-mail outside the org's allowed domains, an
// identity provider of another org asserting this org's people, claiming another org's domain,
// and reading or changing another org's SSO settings.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, seedMember, seedOrg } from "../workers/support/api.js";
import { callback, configureSso, fakeCallbackUrl, fakeCode, sessionOf, ssoLogin, startLogin, uniqueDomain } from "../workers/support/sso.js";

describe("attack: SSO across org boundaries", () => {
  it("an e-mail whose domain the org did not allow is refused (no user, no membership)", async () => {
    const org = await seedOrg("ssoten");
    await configureSso(org, { domains: [uniqueDomain()] });
    const outsider = `out@${uniqueDomain("gmail")}`;
    const { res, session } = await ssoLogin(org.orgId, outsider);
    expect(res.status).toBe(403);
    expectErrorShape(res);
    expect(session).toBeUndefined();
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(outsider).first()).toBeNull();
  });

  it("org A's provider cannot sign in org B's people, even when both use the same provider", async () => {
    const a = await seedOrg("ssoten");
    const b = await seedOrg("ssoten");
    const domainA = uniqueDomain("a");
    const domainB = uniqueDomain("b");
    await configureSso(a, { domains: [domainA] });
    await configureSso(b, { domains: [domainB] });
    // B's existing member signs in through A's flow.
    const { res, session } = await ssoLogin(a.orgId, `boss@${domainB}`);
    expect(res.status).toBe(403);
    expect(session).toBeUndefined();
    // And an org A login never adds anyone to org B.
    const ok = await ssoLogin(a.orgId, `ann@${domainA}`);
    const me = await call("/api/v1/me", { token: ok.session });
    expect(me.json.orgs.map((o: { id: string }) => o.id)).toEqual([a.orgId]);
    expect((await call(`/api/v1/orgs/${b.orgId}/agents`, { token: ok.session })).status).toBe(404);
  });

  it("a malicious org's provider asserting a victim org's existing account is refused by the domain rule", async () => {
    const victim = await seedOrg("ssoten");
    const evil = await seedOrg("ssoten");
    await configureSso(evil, { domains: [uniqueDomain("evil")], issuer: env.TEST_FAKE_IDP_URL });
    const started = await startLogin(`org=${evil.orgId}`);
    const res = await callback(fakeCallbackUrl(started, fakeCode(started, { fault: "none", email: victim.email })), started.ssoCookie);
    expect(res.status).toBe(403);
    expect(sessionOf(res)).toBeUndefined();
  });

  it("a domain another org claimed cannot be claimed again (sign-in would pick the wrong org)", async () => {
    const a = await seedOrg("ssoten");
    const b = await seedOrg("ssoten");
    const domain = uniqueDomain();
    await configureSso(a, { domains: [domain] });
    await expect(configureSso(b, { domains: [domain] })).rejects.toThrow(/409/);
    const found = await call(`/api/v1/sso/discover?email=x%40${domain}`);
    expect(found.json.sso.orgId).toBe(a.orgId);
  });

  it("another org's SSO settings can be neither read nor changed; members and admins cannot change their own", async () => {
    const a = await seedOrg("ssoten");
    const b = await seedOrg("ssoten");
    await configureSso(b, { domains: [uniqueDomain()] });
    expect((await call(`/api/v1/orgs/${b.orgId}/sso`, { token: a.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/orgs/${b.orgId}/sso`, { method: "DELETE", token: a.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/orgs/${b.orgId}/login-policy`, { method: "PATCH", token: a.apiKey, body: { requireSso: false } })).status).toBe(404);
    const admin = await seedMember(b, "admin");
    expect((await call(`/api/v1/orgs/${b.orgId}/sso`, { method: "DELETE", token: admin.apiKey })).status).toBe(403);
    expect((await call(`/api/v1/orgs/${b.orgId}/login-policy`, { method: "PATCH", token: admin.apiKey, body: { requireSso: false } })).status).toBe(
      403,
    );
    // The secret itself is never returned.
    const view = await call(`/api/v1/orgs/${b.orgId}/sso`, { token: b.apiKey });
    expect(view.text).not.toContain("oidc-client-secret");
  });

  it("an unknown org or one without SSO has no sign-in to start", async () => {
    const a = await seedOrg("ssoten");
    const res = await call(`/api/v1/sso/start?org=${a.orgId}`);
    expect(res.status).toBe(404);
    expect((await call("/api/v1/sso/start?org=org_00000000000000000000000000")).status).toBe(404);
  });
});
