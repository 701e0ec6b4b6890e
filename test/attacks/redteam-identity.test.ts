// Red team (s7, issue 21 identity): cross-org reach, revocation, token confusion, ID-token checks,
// MFA bypass, audit and bad input, through the Worker's public entry only. A FAILING test here is
// an attack that WORKS against the product (the expectation is what a correct platform does).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { BASE, type SeededOrg, call, seedMember, seedOrg, unique } from "../workers/support/api.js";
import {
  REDIRECT_URI,
  authorizeByHand,
  listWith,
  oauthTokens,
  sessionOf as passwordSession,
  tokenRequest,
  workerFetch,
} from "../workers/support/oauth.js";
import { ERROR, GROUP, PATCH, linkedMember, oktaUser, scim, scimTokenFor } from "../workers/support/scim.js";
import { callback, configureSso, enrolMfa, fakeCallbackUrl, fakeCode, sessionOf, startLogin, totp, uniqueDomain } from "../workers/support/sso.js";

async function fakeSsoLogin(orgId: string, email: string, fault = "none") {
  const started = await startLogin(`org=${orgId}`);
  const cb = fakeCallbackUrl(started, fakeCode(started, { fault, email, sub: `sub-${email}` }));
  const res = await callback(cb, started.ssoCookie);
  return { res, session: sessionOf(res), started, cb };
}

async function agentOf(org: SeededOrg, body: Record<string, unknown> = {}) {
  const res = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: unique("agt"), ...body } });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id as string, token: res.json.token as string };
}

async function team(org: SeededOrg, name = unique("team")) {
  const res = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name } });
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
}

const auditText = async (org: SeededOrg) => (await call(`/api/v1/orgs/${org.orgId}/audit?limit=200`, { token: org.apiKey })).text;

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: org sign-in rules reached through OAuth consent", () => {
  it("require-SSO org B: a session from org A's IdP consents a desktop MCP client to B's agent and /mcp serves it", async () => {
    const domainA = uniqueDomain("rid-a");
    const domainB = uniqueDomain("rid-b");
    const a = await seedOrg("rid-a");
    const b = await seedOrg("rid-b");
    await configureSso(a, { domains: [domainA], issuer: env.TEST_FAKE_IDP_URL });
    await configureSso(b, { domains: [domainB], issuer: env.TEST_OIDC_PROVIDER_URL });
    expect((await call(`/api/v1/orgs/${b.orgId}/login-policy`, { method: "PATCH", token: b.apiKey, body: { requireSso: true } })).status).toBe(200);
    // A contractor in both orgs (admin in B) signs in through org A's IdP only.
    const first = await fakeSsoLogin(a.orgId, `contractor@${domainA}`);
    expect(first.res.status, first.res.text).toBe(200);
    const session = first.session as string;
    const userId = (await call("/api/v1/me", { token: session })).json.user.id as string;
    await new OrgData(makeDb(env.DB), b.orgId).addMember(userId, "admin");
    // The admin API of B refuses this session (fixed earlier) ...
    const adminApi = await call(`/api/v1/orgs/${b.orgId}/agents`, { token: session });
    expect(adminApi.json?.error?.code).toBe("sso_required");
    // ... but the OAuth consent page offers B's agents and mints a grant, and /mcp serves it.
    const agentB = await agentOf(b);
    const auth = await authorizeByHand(session, agentB.id);
    let mcpStatus: number | undefined;
    if (auth.code) {
      const tok = await tokenRequest({
        grant_type: "authorization_code",
        code: auth.code,
        redirect_uri: REDIRECT_URI,
        client_id: auth.clientId,
        code_verifier: auth.verifier,
        resource: `${BASE}/mcp`,
      });
      mcpStatus = (await listWith(tok.json.access_token)).status;
    }
    // Expected: no code for B's agent (sso_required), nothing served. Actual: code issued, /mcp 200.
    expect({ code: auth.code !== undefined, mcp: mcpStatus }).toEqual({ code: false, mcp: undefined });
  });

  it("require-SSO switched on after the grant: the OAuth token (and its refresh) keeps serving /mcp to a password-only person", async () => {
    const domain = uniqueDomain("rid-late");
    const org = await seedOrg("rid-late");
    await configureSso(org, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });
    const admin = await seedMember(org, "admin");
    const agent = await agentOf(org);
    const tokens = await oauthTokens(await passwordSession(admin.email, admin.password), agent.id);
    expect((await call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body: { requireSso: true } })).status).toBe(
      200,
    );
    // The password session is now refused on the admin API; the OAuth client goes on.
    const refreshed = await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh, client_id: tokens.clientId });
    const mcp = (await listWith(tokens.access)).status;
    const mcpAfterRefresh = refreshed.status === 200 ? (await listWith(refreshed.json.access_token)).status : refreshed.status;
    expect({ mcp, mcpAfterRefresh }).toEqual({ mcp: 401, mcpAfterRefresh: 401 });
  });
});

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: OAuth codes, refresh tokens and revocation", () => {
  it("a replayed authorization code is refused, and the tokens issued from it are revoked (OAuth 2.1 §4.1.3)", async () => {
    const org = await seedOrg("rid-code");
    const agent = await agentOf(org);
    const session = await passwordSession(org.email, org.password);
    const auth = await authorizeByHand(session, agent.id);
    const params = {
      grant_type: "authorization_code",
      code: auth.code as string,
      redirect_uri: REDIRECT_URI,
      client_id: auth.clientId,
      code_verifier: auth.verifier,
      resource: `${BASE}/mcp`,
    };
    const first = await tokenRequest(params);
    expect(first.status).toBe(200);
    const replay = await tokenRequest(params);
    expect(replay.status).toBe(400);
    expect(replay.json?.error).toBe("invalid_grant");
    // An intercepted code was replayed: the first exchange's token should die with it.
    expect((await listWith(first.json.access_token)).status).toBe(401);
  });

  it("an old refresh token, replayed after rotation, is refused", async () => {
    const org = await seedOrg("rid-rt");
    const agent = await agentOf(org);
    const t = await oauthTokens(await passwordSession(org.email, org.password), agent.id);
    const r1 = await tokenRequest({ grant_type: "refresh_token", refresh_token: t.refresh, client_id: t.clientId });
    expect(r1.status, r1.text).toBe(200);
    const r2 = await tokenRequest({ grant_type: "refresh_token", refresh_token: r1.json.refresh_token, client_id: t.clientId });
    expect(r2.status, r2.text).toBe(200);
    // The first refresh token has been rotated twice: a thief holding it gets nothing.
    const stale = await tokenRequest({ grant_type: "refresh_token", refresh_token: t.refresh, client_id: t.clientId });
    expect(stale.status).toBe(400);
  });

  it("a refresh token is bound to its client: another registered client cannot use it", async () => {
    const org = await seedOrg("rid-rtc");
    const agent = await agentOf(org);
    const t = await oauthTokens(await passwordSession(org.email, org.password), agent.id);
    const other = await authorizeByHand(await passwordSession(org.email, org.password), agent.id);
    const stolen = await tokenRequest({ grant_type: "refresh_token", refresh_token: t.refresh, client_id: other.clientId });
    expect(stolen.status).not.toBe(200);
  });

  it("SCIM deactivation ends the OAuth access token, its refresh token, and reactivation does not revive them", async () => {
    const org = await seedOrg("rid-deact");
    const tokenScim = await scimTokenFor(org);
    const person = await linkedMember(org, tokenScim);
    const teamId = await team(org);
    await call(`/api/v1/orgs/${org.orgId}/teams/${teamId}/members`, {
      method: "POST",
      token: org.apiKey,
      body: { userId: person.id, role: "member" },
    });
    const agent = await agentOf(org, { teamId });
    const t = await oauthTokens(await passwordSession(person.email, person.password), agent.id);
    expect((await listWith(t.access)).status).toBe(200);
    const off = await scim(tokenScim, `/Users/${person.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    expect(off.status, off.text).toBe(200);
    expect((await listWith(t.access)).status).toBe(401);
    expect((await tokenRequest({ grant_type: "refresh_token", refresh_token: t.refresh, client_id: t.clientId })).status).not.toBe(200);
    const on = await scim(tokenScim, `/Users/${person.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "active", value: true }],
    });
    expect(on.status, on.text).toBe(200);
    expect((await listWith(t.access)).status).toBe(401);
    expect((await tokenRequest({ grant_type: "refresh_token", refresh_token: t.refresh, client_id: t.clientId })).status).not.toBe(200);
  });

  it("deleting the agent or revoking the grant ends the client; a member cannot revoke or list another member's grants", async () => {
    const org = await seedOrg("rid-rev");
    const agent = await agentOf(org);
    const t = await oauthTokens(await passwordSession(org.email, org.password), agent.id);
    const grants = await call(`/api/v1/orgs/${org.orgId}/oauth/grants`, { token: org.apiKey });
    expect(grants.status).toBe(200);
    const grantId = grants.json.items[0].id as string;
    const other = await seedMember(org, "admin");
    expect((await call(`/api/v1/orgs/${org.orgId}/oauth/grants`, { token: other.apiKey })).json.items).toEqual([]);
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/oauth/grants/${encodeURIComponent(grantId)}`, { method: "DELETE", token: other.apiKey })).status,
    ).toBe(404);
    expect((await listWith(t.access)).status).toBe(200);
    const del = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}`, { method: "DELETE", token: org.apiKey });
    expect(del.status, del.text).toBeLessThan(300);
    expect((await listWith(t.access)).status).toBe(401);
    const r = await tokenRequest({ grant_type: "refresh_token", refresh_token: t.refresh, client_id: t.clientId });
    if (r.status === 200) expect((await listWith(r.json.access_token)).status).toBe(401);
  });

  it("an admin demoted to member loses the grant to another team's agent at once; a logged-out session cannot consent", async () => {
    const org = await seedOrg("rid-demote");
    const other = await team(org);
    const agent = await agentOf(org, { teamId: other });
    const admin = await seedMember(org, "admin");
    const t = await oauthTokens(await passwordSession(admin.email, admin.password), agent.id);
    expect((await listWith(t.access)).status).toBe(200);
    const demote = await call(`/api/v1/orgs/${org.orgId}/members/${admin.userId}`, { method: "PATCH", token: org.apiKey, body: { role: "member" } });
    expect(demote.status, demote.text).toBe(200);
    expect((await listWith(t.access)).status).toBe(401);
    const r = await tokenRequest({ grant_type: "refresh_token", refresh_token: t.refresh, client_id: t.clientId });
    if (r.status === 200) expect((await listWith(r.json.access_token)).status).toBe(401);
    // Logout ends the session for the consent page too.
    const s = await passwordSession(org.email, org.password);
    expect((await call("/api/v1/logout", { method: "POST", token: s })).status).toBe(204);
    const auth = await authorizeByHand(s, agent.id);
    expect(auth.code).toBeUndefined();
    expect(auth.page.html).toContain("Sign in");
  });

  it("consent to an agent of an org the person is not in, or a subagent, is refused", async () => {
    const a = await seedOrg("rid-xa");
    const b = await seedOrg("rid-xb");
    const agentB = await agentOf(b);
    const session = await passwordSession(a.email, a.password);
    const auth = await authorizeByHand(session, agentB.id);
    expect(auth.code).toBeUndefined();
    expect(auth.response?.status).toBe(403);
  });
});

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: token confusion", () => {
  it("each credential opens only its own surface", async () => {
    const org = await seedOrg("rid-conf");
    const agent = await agentOf(org);
    const session = await passwordSession(org.email, org.password);
    const oauth = await oauthTokens(session, agent.id);
    const scimToken = await scimTokenFor(org);
    // OAuth access / refresh token on the admin API and the agent API.
    for (const t of [oauth.access, oauth.refresh]) {
      expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: t })).status).toBe(401);
      expect((await call("/api/v1/me", { token: t })).status).toBe(401);
      expect((await call("/agent/v1/subagents", { method: "POST", token: t, body: { name: "x" } })).status).toBe(401);
      const s = await scim(t, "/Users");
      expect(s.status).toBe(401);
      expect(s.json.schemas).toEqual([ERROR]);
    }
    // Session, admin key and SCIM token on /mcp.
    for (const t of [session, org.apiKey, scimToken]) expect((await listWith(t)).status, t.slice(0, 12)).toBe(401);
    // SCIM token on the admin API; admin key and session on SCIM.
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: scimToken })).status).toBe(401);
    expect((await call("/api/v1/me", { token: scimToken })).status).toBe(401);
    for (const t of [session, org.apiKey, agent.token]) expect((await scim(t, "/Users")).status).toBe(401);
  });
});

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: SCIM across orgs", () => {
  it("org A's SCIM token cannot read, change, delete or fill org B's teams, nor put B's people into A's groups", async () => {
    const a = await seedOrg("rid-sa");
    const b = await seedOrg("rid-sb");
    const tokenA = await scimTokenFor(a);
    const teamB = await team(b);
    const memberB = await seedMember(b, "member");
    for (const [method, body] of [
      ["GET", undefined],
      ["PUT", { schemas: [GROUP], displayName: "owned" }],
      ["PATCH", { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: a.ownerId }] }] }],
      ["DELETE", undefined],
    ] as const) {
      const res = await scim(tokenA, `/Groups/${teamB}`, method, body);
      expect(res.status, `${method} ${res.text}`).toBe(404);
      expect(res.json.schemas).toEqual([ERROR]);
    }
    expect((await call(`/api/v1/orgs/${b.orgId}/teams/${teamB}`, { token: b.apiKey })).status).toBe(200);
    const create = await scim(tokenA, "/Groups", "POST", { schemas: [GROUP], displayName: unique("g"), members: [{ value: memberB.userId }] });
    expect(create.status).toBe(400);
    expect(create.json.schemas).toEqual([ERROR]);
    // A patch adding B's person alongside a valid rename writes nothing at all.
    const g = await scim(tokenA, "/Groups", "POST", { schemas: [GROUP], displayName: unique("g") });
    expect(g.status).toBe(201);
    const mixed = await scim(tokenA, `/Groups/${g.json.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [
        { op: "replace", path: "displayName", value: "renamed-by-attack" },
        { op: "add", path: "members", value: [{ value: memberB.userId }] },
      ],
    });
    expect(mixed.status).toBe(400);
    expect((await scim(tokenA, `/Groups/${g.json.id}`)).json.displayName).toBe(g.json.displayName);
    // B's users are invisible to A's SCIM.
    expect((await scim(tokenA, `/Users/${memberB.userId}`)).status).toBe(404);
    const filtered = await scim(tokenA, `/Users?filter=${encodeURIComponent(`userName eq "${memberB.email}"`)}`);
    expect(filtered.json.totalResults).toBe(0);
  });

  it("a person in both orgs: A's SCIM can neither rename nor delete them out of B, and A's group cannot reach B's teams", async () => {
    const a = await seedOrg("rid-both-a");
    const b = await seedOrg("rid-both-b");
    const tokenA = await scimTokenFor(a);
    const person = await seedMember(b, "admin");
    await new OrgData(makeDb(env.DB), a.orgId).addMember(person.userId, "member");
    const link = await scim(tokenA, "/Users", "POST", oktaUser(person.email));
    expect(link.status, link.text).toBe(201);
    const rename = await scim(tokenA, `/Users/${person.userId}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "userName", value: `${unique("x")}@example.test` }],
    });
    expect(rename.status).toBe(400);
    expect((await scim(tokenA, `/Users/${person.userId}`, "DELETE")).status).toBe(204);
    // Still B's admin, with B's admin key working.
    expect((await call(`/api/v1/orgs/${b.orgId}/agents`, { token: person.apiKey })).status).toBe(200);
  });

  it("SCIM errors come in SCIM's format (bad JSON, wrong type, unknown endpoint, unknown id)", async () => {
    const org = await seedOrg("rid-serr");
    const token = await scimTokenFor(org);
    const bad = await call("/scim/v2/Users", { method: "POST", token, rawBody: "{not json", headers: { "content-type": "application/scim+json" } });
    const type = await call("/scim/v2/Users", { method: "POST", token, rawBody: "{}", headers: { "content-type": "text/plain" } });
    const none = await scim(token, "/Nope");
    const id = await scim(token, "/Users/usr_00000000000000000000000000");
    const weird = await scim(token, "/Users/%00..%2f");
    for (const r of [bad, type, none, id, weird]) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.json?.schemas, r.text).toEqual([ERROR]);
      expect(r.json.status).toBe(String(r.status));
    }
  });
});

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: ID-token checks and the SSO callback", () => {
  it("forged, mis-addressed or replayed ID tokens give no session", async () => {
    const domain = uniqueDomain("rid-idt");
    const org = await seedOrg("rid-idt");
    await configureSso(org, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });
    for (const fault of [
      "alg_none",
      "hs256_public_key",
      "wrong_key",
      "wrong_aud",
      "extra_aud_no_azp",
      "wrong_iss",
      "wrong_nonce",
      "no_nonce",
      "expired",
    ]) {
      const r = await fakeSsoLogin(org.orgId, `p-${fault.replace(/_/g, "")}@${domain}`, fault);
      expect(r.session, fault).toBeUndefined();
      expect(r.res.status, fault).toBeGreaterThanOrEqual(400);
    }
    const ok = await fakeSsoLogin(org.orgId, `good@${domain}`);
    expect(ok.res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const trail = await auditText(org);
    expect(trail).toContain("sso");
    expect(trail.includes(ok.cb.searchParams.get("code") as string), "the authorization code is in the audit trail").toBe(false);
    expect(trail.includes(ok.started.ssoCookie), "the PKCE verifier is in the audit trail").toBe(false);
    // The same callback (code + state) replayed with the same browser cookie.
    const replay = await callback(ok.cb, ok.started.ssoCookie);
    expect(sessionOf(replay)).toBeUndefined();
    // Another login's state with this code (nonce bound to the first login).
    const other = await startLogin(`org=${org.orgId}`);
    const swapped = await callback(fakeCallbackUrl(other, fakeCode(ok.started, { fault: "none", email: `good@${domain}` })), other.ssoCookie);
    expect(sessionOf(swapped)).toBeUndefined();
  });
});

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: MFA", () => {
  it("a TOTP code and a recovery code work once; disabling needs a session and a fresh code; API keys cannot manage the factor", async () => {
    const org = await seedOrg("rid-mfa");
    const session = await passwordSession(org.email, org.password);
    const { secret, confirmedCode, recoveryCodes } = await enrolMfa(session);
    // API key cannot start, confirm or disable.
    expect((await call("/api/v1/me/mfa", { method: "POST", token: org.apiKey })).status).toBe(403);
    expect((await call("/api/v1/me/mfa/disable", { method: "POST", token: org.apiKey, body: { code: await totp(secret) } })).status).toBe(403);
    // Login: the step used at confirm cannot be replayed; a recovery code works once.
    const challenge = async () =>
      (await call("/api/v1/login", { method: "POST", body: { email: org.email, password: org.password } })).json.mfaToken as string;
    const replayed = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: await challenge(), code: confirmedCode } });
    expect(replayed.status).toBe(401);
    const rc = recoveryCodes[0] as string;
    expect((await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: await challenge(), recoveryCode: rc } })).status).toBe(200);
    expect((await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: await challenge(), recoveryCode: rc.toUpperCase() } })).status).toBe(
      401,
    );
    // The previous step's code (window) cannot be used after the current step was taken.
    expect(
      (await call("/api/v1/me/mfa/disable", { method: "POST", token: session, body: { code: await totp(secret, Date.now(), -1) } })).status,
    ).toBe(401);
    // Enrolment cannot be restarted over an enabled factor (no silent replacement from a stolen session).
    expect((await call("/api/v1/me/mfa", { method: "POST", token: session })).status).toBe(409);
  });

  it("an MFA challenge (mfaToken) already spent on a session mints a second session with another factor (not single-use)", async () => {
    const org = await seedOrg("rid-mfa-ch");
    const session = await passwordSession(org.email, org.password);
    const { recoveryCodes } = await enrolMfa(session);
    const ch = (await call("/api/v1/login", { method: "POST", body: { email: org.email, password: org.password } })).json.mfaToken as string;
    const first = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: ch, recoveryCode: recoveryCodes[1] } });
    expect(first.status).toBe(200);
    // The challenge stands for one password entry; once it produced a session it should be spent.
    const second = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: ch, recoveryCode: recoveryCodes[2] } });
    expect(second.status, "the spent challenge minted another session").toBe(401);
  });

  it("the enrolment endpoint of a login challenge cannot replace an enabled authenticator", async () => {
    const org = await seedOrg("rid-mfa2");
    const session = await passwordSession(org.email, org.password);
    await enrolMfa(session);
    const login = await call("/api/v1/login", { method: "POST", body: { email: org.email, password: org.password } });
    expect(login.json.mfaRequired).toBe(true);
    const enrol = await call("/api/v1/login/mfa/enroll", { method: "POST", body: { mfaToken: login.json.mfaToken } });
    expect(enrol.status).toBe(409);
  });
});

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: audit", () => {
  it("SCIM token issue, SCIM writes, OAuth consent and revoke are audited, and no token or secret is in the trail", async () => {
    const org = await seedOrg("rid-aud");
    const scimToken = await scimTokenFor(org);
    const created = await scim(scimToken, "/Users", "POST", oktaUser(`${unique("aud")}@example.test`));
    expect(created.status).toBe(201);
    const agent = await agentOf(org);
    const t = await oauthTokens(await passwordSession(org.email, org.password), agent.id);
    const grants = await call(`/api/v1/orgs/${org.orgId}/oauth/grants`, { token: org.apiKey });
    await call(`/api/v1/orgs/${org.orgId}/oauth/grants/${encodeURIComponent(grants.json.items[0].id)}`, { method: "DELETE", token: org.apiKey });
    await new Promise((r) => setTimeout(r, 300));
    const text = await auditText(org);
    for (const action of ["scim.token.issue", "scim.user.create", "oauth.grant.create", "oauth.grant.revoke"]) expect(text, action).toContain(action);
    for (const secret of [scimToken, t.access, t.refresh, org.password, scimToken.slice(-20), t.access.split(":").pop() as string]) {
      expect(text.includes(secret), secret.slice(0, 10)).toBe(false);
    }
  });
});

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: tools seen through an OAuth grant", () => {
  it("a member sees only the agent's tools granted to their own teams, projects or the agent, never a tool of another team's project", async () => {
    const org = await seedOrg("rid-tools");
    const t1 = await team(org);
    const t2 = await team(org);
    const p2 = await call(`/api/v1/orgs/${org.orgId}/projects`, { method: "POST", token: org.apiKey, body: { name: unique("p"), teamId: t2 } });
    expect(p2.status, p2.text).toBe(201);
    const member = await seedMember(org, "member");
    await call(`/api/v1/orgs/${org.orgId}/teams/${t1}/members`, {
      method: "POST",
      token: org.apiKey,
      body: { userId: member.userId, role: "member" },
    });
    let agent = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: unique("agt"), teamId: t1, projectId: p2.json.id },
    });
    if (agent.status !== 201)
      agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: unique("agt"), teamId: t1 } });
    expect(agent.status, agent.text).toBe(201);
    const mk = async (label: string, scope: string, id: string) => {
      const tool = await call(`/api/v1/orgs/${org.orgId}/tools`, {
        method: "POST",
        token: org.apiKey,
        body: { name: label, description: label, inputSchema: { type: "object" }, method: "GET", url: `https://${label}.example.com/x` },
      });
      expect(tool.status, tool.text).toBe(201);
      const g = await call(`/api/v1/orgs/${org.orgId}/tools/${tool.json.id}/grants`, { method: "POST", token: org.apiKey, body: { scope, id } });
      expect(g.status, g.text).toBe(201);
    };
    const tag = unique("t").replace(/[^a-z0-9]/g, "");
    await mk(`${tag}-team1`, "team", t1);
    await mk(`${tag}-agent`, "agent", agent.json.id);
    await mk(`${tag}-team2`, "team", t2);
    await mk(`${tag}-proj2`, "project", p2.json.id);
    const own = await listWith(agent.json.token);
    const ownNames = ((await own.json()) as any).result.tools.map((x: { name: string }) => x.name).filter((n: string) => n.startsWith(tag));
    const t = await oauthTokens(await passwordSession(member.email, member.password), agent.json.id);
    const res = await listWith(t.access);
    expect(res.status).toBe(200);
    const names = ((await res.json()) as any).result.tools.map((x: { name: string }) => x.name).filter((n: string) => n.startsWith(tag));
    expect(names.sort(), `agent itself sees ${ownNames.join(",")}`).toEqual(
      [`${tag}-agent`, `${tag}-team1`].filter((n) => ownNames.includes(n)).sort(),
    );
  });
});

// ─────────────────────────────────────────────────────────────────────────────
describe("red team: SCIM rename as an account squat", () => {
  it("org A's SCIM renames its own password-holding member to org B's future hire, drops them; A's password opens the address and the real hire cannot join B", async () => {
    const a = await seedOrg("rid-sq-a");
    const b = await seedOrg("rid-sq-b");
    const tokenA = await scimTokenFor(a);
    // A's "member" is the attacker's own account: invited into A with a password the attacker chose.
    const mine = await seedMember(a, "member");
    const link = await scim(tokenA, "/Users", "POST", oktaUser(mine.email));
    expect(link.status, link.text).toBe(201);
    const hire = `${unique("newhire")}@${uniqueDomain("bcorp")}`;
    const rename = await scim(tokenA, `/Users/${mine.userId}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "userName", value: hire }],
    });
    const renamed = rename.status === 200;
    if (renamed) expect((await scim(tokenA, `/Users/${mine.userId}`, "DELETE")).status).toBe(204);
    // Later org B invites its new hire; the real person accepts with their own password.
    const invite = await call(`/api/v1/orgs/${b.orgId}/members`, { method: "POST", token: b.apiKey, body: { email: hire, role: "member" } });
    expect(invite.status, invite.text).toBe(201);
    const accept = await call("/api/v1/invitations/accept", { method: "POST", body: { token: invite.json.token, password: "Real-Hire-Pw-123!" } });
    const attacker = await call("/api/v1/login", { method: "POST", body: { email: hire, password: mine.password } });
    // Expected: the rename is refused (the password is the person's, not the org's to move), or the real
    // hire still joins B and A's password does not open the address. Actual: see the message.
    expect({ renamed, hireJoins: accept.status < 300, attackerSignsIn: attacker.status === 200 }).toEqual(
      renamed ? { renamed: true, hireJoins: true, attackerSignsIn: false } : { renamed: false, hireJoins: true, attackerSignsIn: false },
    );
  });
});

describe("red team: invitation as an account squat (no e-mail proof)", () => {
  it("org A's admin invites org B's future hire with a password A chose, accepts the link itself, removes them: A's password opens the address and the real hire cannot join B", async () => {
    const a = await seedOrg("rid-inv-a");
    const b = await seedOrg("rid-inv-b");
    const hire = `${unique("newhire")}@${uniqueDomain("bcorp")}`;
    const squatPw = "Attacker-Chosen-Pw-123!";
    const inv = await call(`/api/v1/orgs/${a.orgId}/members`, {
      method: "POST",
      token: a.apiKey,
      body: { email: hire, role: "member", password: squatPw },
    });
    expect(inv.status, inv.text).toBe(201);
    const took = await call("/api/v1/invitations/accept", { method: "POST", body: { token: inv.json.token } });
    expect(took.status, took.text).toBe(201);
    expect((await call(`/api/v1/orgs/${a.orgId}/members/${took.json.userId}`, { method: "DELETE", token: a.apiKey })).status).toBeLessThan(300);
    const invite = await call(`/api/v1/orgs/${b.orgId}/members`, { method: "POST", token: b.apiKey, body: { email: hire, role: "member" } });
    expect(invite.status, invite.text).toBe(201);
    const accept = await call("/api/v1/invitations/accept", { method: "POST", body: { token: invite.json.token, password: "Real-Hire-Pw-123!" } });
    const attacker = await call("/api/v1/login", { method: "POST", body: { email: hire, password: squatPw } });
    expect({ hireJoins: accept.status < 300, attackerSignsIn: attacker.status === 200 }).toEqual({ hireJoins: true, attackerSignsIn: false });
  });
});

describe("red team: SCIM bad input", () => {
  it("filters beyond eq, odd paging and oversize bodies are SCIM errors or clamped, never 5xx", async () => {
    const org = await seedOrg("rid-sbad");
    const token = await scimTokenFor(org);
    for (const f of ['userName eq "a" or userName pr', 'userName co "a"', 'password eq "x"', "userName eq", 'userName eq "a\\" or 1 eq 1']) {
      const r = await scim(token, `/Users?filter=${encodeURIComponent(f)}`);
      expect(r.status, f).toBe(400);
      expect(r.json.schemas).toEqual([ERROR]);
      expect(r.json.scimType, f).toBe("invalidFilter");
    }
    for (const q of ["startIndex=-5&count=-1", "startIndex=abc&count=1e9", "count=100000"]) {
      const r = await scim(token, `/Users?${q}`);
      expect(r.status, q).toBe(200);
      expect(r.json.itemsPerPage).toBeLessThanOrEqual(200);
    }
    const big = await call("/scim/v2/Users", {
      method: "POST",
      token,
      rawBody: JSON.stringify({ x: "a".repeat(300_000) }),
      headers: { "content-type": "application/scim+json" },
    });
    expect(big.status).toBe(413);
    expect(big.json.schemas).toEqual([ERROR]);
    // A PATCH whose second operation is invalid changes nothing.
    const u = await scim(token, "/Users", "POST", oktaUser(`${unique("half")}@example.test`));
    const half = await scim(token, `/Users/${u.json.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [
        { op: "replace", path: "displayName", value: "Changed" },
        { op: "replace", path: "active", value: "nope" },
      ],
    });
    expect(half.status).toBe(400);
    expect((await scim(token, `/Users/${u.json.id}`)).json.displayName).toBe(u.json.displayName);
  });
});

describe("red team: SCIM groups over teams it did not create", () => {
  it("a person's grant of org A cannot be revoked or listed through org B's path", async () => {
    const a = await seedOrg("rid-gx-a");
    const b = await seedOrg("rid-gx-b");
    await new OrgData(makeDb(env.DB), b.orgId).addMember(a.ownerId, "admin");
    const agent = await agentOf(a);
    const t = await oauthTokens(await passwordSession(a.email, a.password), agent.id);
    const session = await passwordSession(a.email, a.password);
    const grantId = (await call(`/api/v1/orgs/${a.orgId}/oauth/grants`, { token: session })).json.items[0].id as string;
    expect((await call(`/api/v1/orgs/${b.orgId}/oauth/grants`, { token: session })).json.items).toEqual([]);
    expect((await call(`/api/v1/orgs/${b.orgId}/oauth/grants/${encodeURIComponent(grantId)}`, { method: "DELETE", token: session })).status).toBe(
      404,
    );
    expect((await listWith(t.access)).status).toBe(200);
  });

  it("SCIM DELETE of a hand-made team that holds agents: the agents survive (not deleted with the team)", async () => {
    const org = await seedOrg("rid-gdel");
    const token = await scimTokenFor(org);
    const teamId = await team(org);
    const agent = await agentOf(org, { teamId });
    const del = await scim(token, `/Groups/${teamId}`, "DELETE");
    const after = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}`, { token: org.apiKey });
    const works = await call("/llm/openai/v1/models", { token: agent.token });
    expect({ del: del.status, agent: after.status, team: after.json?.teamId ?? null, agentToken: works.status }).toEqual({
      del: 204,
      agent: 200,
      team: null,
      agentToken: works.status,
    });
  });
});

void workerFetch;
