// Single sign-on against a real OpenID provider (oidc-provider, started by the tests): the whole
// browser-style flow ends in a dashboard session; just-in-time users, group mapping, the audit.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { auditEventsOf, call, seedOrg, unique } from "../support/api.js";
import { ID_TOKEN_VARIANTS } from "../../support/fake-idp.js";
import { OIDC_CLIENT } from "../../support/secrets.js";
import { callback, configureSso, fakeCallbackUrl, fakeCode, sessionOf, ssoLogin, startLogin, startRaw, uniqueDomain } from "../support/sso.js";

describe("SSO with a real OpenID provider", () => {
  it("signs a new person in through login and consent pages, provisioning them just in time", async () => {
    const org = await seedOrg("sso");
    const domain = uniqueDomain();
    const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "eng" } });
    await configureSso(org, {
      domains: [domain],
      groupMappings: [
        { group: "admins", role: "admin" },
        { group: "eng", teamId: team.json.id },
      ],
    });

    const email = `ana+admins+eng@${domain}`;
    const { started, round, res, session } = await ssoLogin(org.orgId, email);
    // PKCE S256, state and nonce on the authorization request; the exact registered redirect URI.
    expect(started.location.origin).toBe(env.TEST_OIDC_PROVIDER_URL);
    expect(started.location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(started.location.searchParams.get("state")).toMatch(/^[\w-]{43}$/);
    expect(started.location.searchParams.get("nonce")).toMatch(/^[\w-]{43}$/);
    expect(started.location.searchParams.get("redirect_uri")).toBe("https://palisade.test/api/v1/sso/callback");
    expect(round.prompts).toEqual(["login", "consent"]);
    expect(res.status).toBe(200);
    expect(res.text).toContain('http-equiv="refresh"');
    expect(session).toBeTruthy();

    const me = await call("/api/v1/me", { token: session });
    expect(me.status).toBe(200);
    expect(me.json.user.email).toBe(email);
    expect(me.json.orgs.map((o: { id: string; role: string }) => [o.id, o.role])).toEqual([[org.orgId, "admin"]]);
    const members = await call(`/api/v1/orgs/${org.orgId}/teams/${team.json.id}/members`, { token: org.apiKey });
    expect(members.json.items ?? members.json).toEqual(expect.arrayContaining([expect.objectContaining({ email })]));
    // The session opens the admin API.
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: session })).status).toBe(200);

    const jit = await auditEventsOf(org, "user.jit_provisioned");
    expect(jit).toHaveLength(1);
    const logins = await auditEventsOf(org, "user.login");
    expect(logins.some((e) => e.result === "success" && e.reason === "sso" && e.actor.id === me.json.user.id)).toBe(true);
  });

  it("signs the same person in again without a second account, and links an existing account by e-mail", async () => {
    const org = await seedOrg("sso");
    const domain = uniqueDomain();
    await configureSso(org, { domains: [domain] });
    const email = `bo@${domain}`;
    const first = await ssoLogin(org.orgId, email);
    const second = await ssoLogin(org.orgId, email);
    const a = await call("/api/v1/me", { token: first.session });
    const b = await call("/api/v1/me", { token: second.session });
    expect(a.json.user.id).toBe(b.json.user.id);
    expect(a.json.orgs[0].role).toBe("member");
    expect(await auditEventsOf(org, "user.jit_provisioned")).toHaveLength(1);
  });

  it("starts from an e-mail (its domain finds the org) and the dashboard can discover the button", async () => {
    const org = await seedOrg("sso");
    const domain = uniqueDomain();
    await configureSso(org, { domains: [domain], displayName: "Okta" });
    const found = await call(`/api/v1/sso/discover?email=${encodeURIComponent(`x@${domain}`)}`);
    expect(found.json).toEqual({ sso: { orgId: org.orgId, displayName: "Okta", startUrl: `/api/v1/sso/start?org=${org.orgId}` } });
    expect((await call(`/api/v1/sso/discover?email=${encodeURIComponent(`x@${unique("none")}.test`)}`)).json).toEqual({ sso: null });
    const start = await startRaw(`email=${encodeURIComponent(`x@${domain}`)}`);
    expect(start.status).toBe(302);
  });

  it("logout is audited", async () => {
    const org = await seedOrg("sso");
    const domain = uniqueDomain();
    await configureSso(org, { domains: [domain] });
    const { session } = await ssoLogin(org.orgId, `cy@${domain}`);
    expect((await call("/api/v1/logout", { method: "POST", token: session })).status).toBe(204);
    expect((await call("/api/v1/me", { token: session })).status).toBe(401);
    expect((await auditEventsOf(org, "user.logout")).length).toBe(1);
  });
});

describe("SSO configuration and provider variants", () => {
  it("takes the client secret inline (kept in the vault, never returned) and refuses tokens without a verified email claim", async () => {
    const org = await seedOrg("sso");
    const domain = uniqueDomain();
    const put = await call(`/api/v1/orgs/${org.orgId}/sso`, {
      method: "PUT",
      token: org.apiKey,
      body: {
        displayName: "Entra",
        issuer: env.TEST_FAKE_IDP_URL,
        clientId: OIDC_CLIENT.clientId,
        clientSecret: OIDC_CLIENT.clientSecret,
        allowedDomains: [domain],
      },
    });
    expect(put.status).toBe(200);
    expect(put.json.clientSecretCredential).toBe("sso-client-secret");
    expect(put.json.redirectUri).toBe("https://palisade.test/api/v1/sso/callback");
    expect(put.text).not.toContain(OIDC_CLIENT.clientSecret);
    expect((await auditEventsOf(org, "sso.configure")).length).toBe(1);
    // An ID token without `email` + `email_verified: true` (a UPN only, or no verification) is refused.
    for (const fault of ID_TOKEN_VARIANTS) {
      const started = await startLogin(`org=${org.orgId}`);
      const res = await callback(fakeCallbackUrl(started, fakeCode(started, { fault, email: `${fault}@${domain}` })), started.ssoCookie);
      expect(res.status, fault).toBe(401);
      expect(sessionOf(res), fault).toBeUndefined();
    }
    const started = await startLogin(`org=${org.orgId}`);
    const res = await callback(fakeCallbackUrl(started, fakeCode(started, { fault: "none", email: `ann@${domain}` })), started.ssoCookie);
    expect(res.status).toBe(200);
    expect((await call("/api/v1/me", { token: sessionOf(res) })).json.user.email).toBe(`ann@${domain}`);
  });

  it("refuses bad configuration with 400 and changes nothing", async () => {
    const org = await seedOrg("sso");
    const base = { displayName: "X", issuer: env.TEST_OIDC_PROVIDER_URL, clientId: "c", clientSecret: "s", allowedDomains: [uniqueDomain()] };
    const bad = [
      { ...base, issuer: "not a url" },
      { ...base, issuer: "http://169.254.169.254/latest" },
      { ...base, issuer: `${env.TEST_OIDC_PROVIDER_URL}/elsewhere` },
      { ...base, allowedDomains: [] },
      { ...base, allowedDomains: ["not a domain"] },
      { ...base, clientSecret: undefined },
      { ...base, groupMappings: [{ group: "g" }] },
      { ...base, groupMappings: [{ group: "g", role: "owner" }] },
      { ...base, groupMappings: [{ group: "g", teamId: "team_00000000000000000000000000" }] },
      { ...base, unknownField: 1 },
    ];
    for (const body of bad) {
      const res = await call(`/api/v1/orgs/${org.orgId}/sso`, { method: "PUT", token: org.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.text).not.toContain('"s"');
    }
    expect((await call(`/api/v1/orgs/${org.orgId}/sso`, { token: org.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/orgs/${org.orgId}/credentials`, { token: org.apiKey })).json.items).toEqual([]);
  });
});
