// Red team, issue 21 fixes (third round): admin keys judged by their minting sign-in, invitation
// reclaim of provisional / org-less accounts, one session per MFA challenge, SSO/OAuth rate limits.
// A test FAILS while its attack works; passing tests are attacks that held.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { RATE_LIMITS } from "../../workers/identity/login-guard.js";
import { issueSession } from "../../workers/identity/sessions.js";
import { auditEventsOf, call, seedOrg, unique } from "../workers/support/api.js";
import {
  REDIRECT_URI,
  authorizeUrl,
  listWith,
  oauthTokens,
  openConsent,
  pkce,
  registerClient,
  submitConsent,
  tokenRequest,
} from "../workers/support/oauth.js";
import { PATCH, oktaUser, scim, scimTokenFor } from "../workers/support/scim.js";
import {
  callback,
  configureSso,
  enrolMfa,
  fakeCallbackUrl,
  fakeCode,
  sessionOf,
  startLogin,
  startRaw,
  totp,
  uniqueDomain,
} from "../workers/support/sso.js";

const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });
const accept = (token: string, password?: string) =>
  call("/api/v1/invitations/accept", { method: "POST", body: password ? { token, password } : { token } });
async function invite(org: { orgId: string; apiKey: string }, email: string, opts: { password?: string; role?: string } = {}) {
  const res = await call(`/api/v1/orgs/${org.orgId}/members`, {
    method: "POST",
    token: org.apiKey,
    body: { email, role: opts.role ?? "member", ...(opts.password ? { password: opts.password } : {}) },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.token as string;
}
async function memberIdOf(org: { orgId: string; apiKey: string }, email: string): Promise<string> {
  const res = await call(`/api/v1/orgs/${org.orgId}/members`, { token: org.apiKey });
  expect(res.status, res.text).toBe(200);
  const found = (res.json.items as Array<{ id: string; email: string }>).find((m) => m.email === email);
  expect(found).toBeTruthy();
  return found?.id as string;
}
const address = () => `${unique("person")}@${uniqueDomain("victim")}`;
const ATTACKER_PW = "Attacker-Own-Pw-123!";
const VICTIM_PW = "Victim-Own-Pw-456!";

describe("reclaim: what the old holder keeps", () => {
  it("an MFA challenge the old holder took before the reclaim enrols a new authenticator and mints a session on the reclaimed account", async () => {
    const a = await seedOrg("rt21b-squat");
    const b = await seedOrg("rt21b-real");
    const hire = address();
    const squatPw = "Squatter-Chosen-Pw-1!";
    expect((await accept(await invite(a, hire, { password: squatPw }))).status).toBeLessThan(300);
    // The squatter (who knows the provisional password) enables MFA, then keeps a fresh challenge at hand.
    await enrolMfa((await login(hire, squatPw)).json.token);
    const pending = await login(hire, squatPw);
    expect(pending.status, pending.text).toBe(200);
    const mfaToken = pending.json.mfaToken as string;
    expect(mfaToken).toBeTruthy();
    // A removes the member (only an account in no org can be taken over by an invitation).
    expect((await call(`/api/v1/orgs/${a.orgId}/members/${await memberIdOf(a, hire)}`, { method: "DELETE", token: a.apiKey })).status).toBeLessThan(
      300,
    );
    // The real person reclaims the address with their own password through org B.
    const joined = await accept(await invite(b, hire), VICTIM_PW);
    expect(joined.status, joined.text).toBeLessThan(300);
    // The old holder's challenge: the reclaim deleted the authenticator, so "enrol" opens a fresh one.
    const enrol = await call("/api/v1/login/mfa/enroll", { method: "POST", body: { mfaToken } });
    let stolen: { status: number; text: string; json: any } = enrol;
    let orgBAccess = 0;
    if (enrol.status === 200) {
      stolen = await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken, code: await totp(enrol.json.secret) } });
      if (stolen.status === 200) orgBAccess = (await call(`/api/v1/orgs/${b.orgId}/agents`, { token: stolen.json.token })).status;
    }
    expect(
      { enrol: enrol.status, session: stolen.status, orgBAgents: orgBAccess },
      "old holder's pre-reclaim MFA challenge must be dead after the reclaim",
    ).toEqual({ enrol: 401, session: 401, orgBAgents: 0 });
  });

  it("a SCIM-deactivated member with a password of their own is 'in no org': an outsider org takes the account, and reactivation hands it the org", async () => {
    const x = await seedOrg("rt21b-x");
    const y = await seedOrg("rt21b-y");
    const victim = address();
    // The victim accepts X's invitation with their own password (not provisional).
    const joined = await accept(await invite(x, victim), VICTIM_PW);
    expect(joined.status, joined.text).toBeLessThan(300);
    const token = await scimTokenFor(x);
    const linked = await scim(token, "/Users", "POST", oktaUser(victim));
    expect(linked.status, linked.text).toBe(201);
    const off = await scim(token, `/Users/${linked.json.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(off.status, off.text).toBe(200);
    // An outsider (admin of Y) invites the victim's address and accepts the link itself with its own password.
    const took = await accept(await invite(y, victim), ATTACKER_PW);
    let inX = 0;
    if (took.status < 300) {
      const on = await scim(token, `/Users/${linked.json.id}`, "PATCH", {
        schemas: [PATCH],
        Operations: [{ op: "replace", value: { active: true } }],
      });
      const s = await login(victim, ATTACKER_PW);
      if (s.status === 200 && on.status === 200) inX = (await call(`/api/v1/orgs/${x.orgId}/agents`, { token: s.json.token })).status;
    }
    expect(
      { reclaim: took.status, attackerInXAfterReactivation: inX, victimLogin: (await login(victim, VICTIM_PW)).status },
      "a member X only deactivated relies on their password: the link must not replace it",
    ).toEqual({ reclaim: 401, attackerInXAfterReactivation: 0, victimLogin: 200 });
  });

  it("an outsider org evicts the sole owner of another org (provisional password, which nobody can change): the org is left ownerless", async () => {
    const x = await seedOrg("rt21b-sole");
    const y = await seedOrg("rt21b-evil");
    const ownerB = address();
    // X's bootstrap owner invites B as owner with a password it chose; B accepts with the token (provisional).
    const acc = await accept(await invite(x, ownerB, { password: "Admin-Chosen-Pw-9!", role: "owner" }));
    expect(acc.status, acc.text).toBeLessThan(300);
    const bSession = (await login(ownerB, "Admin-Chosen-Pw-9!")).json.token as string;
    // The first owner leaves; B is the sole owner and has no API to replace the provisional password.
    const left = await call(`/api/v1/orgs/${x.orgId}/members/${x.ownerId}`, { method: "DELETE", token: bSession });
    expect(left.status, left.text).toBeLessThan(300);
    // Any admin of any org: invite B's address, accept the token itself with a password it types.
    const took = await accept(await invite(y, ownerB), ATTACKER_PW);
    const owners = await new OrgData(makeDb(env.DB), x.orgId).countActiveOwners();
    const bInX = (await call(`/api/v1/orgs/${x.orgId}/agents`, { token: (await login(ownerB, ATTACKER_PW)).json?.token })).status;
    expect(
      { reclaim: took.status, ownersLeftInX: owners, bSessionStillWorks: (await call("/api/v1/me", { token: bSession })).status },
      "another org must not be able to end X's last owner's membership",
    ).toEqual({ reclaim: 401, ownersLeftInX: 1, bSessionStillWorks: 200 });
    expect(bInX).not.toBe(200);
  });

  it("a JIT SSO account removed from its org, then claimed by an outsider's link: the SSO link survives and the next SSO sign-in hands the outsider the org", async () => {
    const x = await seedOrg("rt21b-jit-x");
    const domain = uniqueDomain("rt21b-jit");
    await configureSso(x, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });
    const agentsOfX = (await call(`/api/v1/orgs/${x.orgId}/agents`, { method: "POST", token: x.apiKey, body: { name: unique("agent") } })).status;
    expect(agentsOfX).toBe(201);
    const person = `${unique("p")}@${domain}`;
    const sso = async () => {
      const started = await startLogin(`org=${x.orgId}`);
      return sessionOf(
        await callback(fakeCallbackUrl(started, fakeCode(started, { fault: "none", email: person, sub: `sub-${person}` })), started.ssoCookie),
      );
    };
    const first = await sso();
    expect(first).toBeTruthy();
    const userId = (await call("/api/v1/me", { token: first })).json.user.id as string;
    expect(userId).toBeTruthy();
    // X removes the member (offboarding, a re-org): the account is in no org and has no password.
    const removed = await call(`/api/v1/orgs/${x.orgId}/members/${userId}`, { method: "DELETE", token: x.apiKey });
    expect(removed.status, removed.text).toBeLessThan(300);
    // An outsider claims the address through its own invitation, with its own password.
    const y = await seedOrg("rt21b-jit-y");
    const took = await accept(await invite(y, person), ATTACKER_PW);
    expect(took.status, took.text).toBeLessThan(300);
    // Did the earlier holder keep a session on the account the outsider now holds (and its org Y)?
    const oldSessionInY = (await call(`/api/v1/orgs/${y.orgId}/agents`, { token: first })).status;
    // The person signs in through X's provider again (the provider still knows them).
    const again = await sso();
    const attacker = await login(person, ATTACKER_PW);
    const attackerInX =
      attacker.status === 200 ? (await call(`/api/v1/orgs/${x.orgId}/agents`, { token: attacker.json.token })).status : attacker.status;
    const ssoInY = again ? (await call(`/api/v1/orgs/${y.orgId}/agents`, { token: again })).status : 0;
    expect(
      { oldSessionInY, attackerInX, ssoPersonInY: ssoInY },
      "the claimed account must carry neither the old SSO link nor the old sessions",
    ).toEqual({ oldSessionInY: 401, attackerInX: 404, ssoPersonInY: 0 });
  });

  it("race: the reclaimer signs in while the old memberships are being ended and acts in the victim's orgs", async () => {
    const hire = address();
    const provisional = "Prov-Pw-Window-1!";
    const orgs: Array<{ orgId: string; apiKey: string }> = [];
    const first = await seedOrg("rt21b-win-0");
    expect((await accept(await invite(first, hire, { password: provisional, role: "owner" }))).status).toBeLessThan(300);
    orgs.push(first);
    const s0 = (await login(hire, provisional)).json.token as string;
    for (let i = 1; i < 5; i++) {
      const o = await seedOrg(`rt21b-win-${i}`);
      const t = await invite(o, hire, { role: "owner" });
      expect((await call("/api/v1/invitations/accept", { method: "POST", token: s0, body: { token: t } })).status).toBeLessThan(300);
      orgs.push(o);
    }
    const y = await seedOrg("rt21b-win-y");
    const ty = await invite(y, hire);
    let done = false;
    const footholds: Array<{ orgId: string; token: string }> = [];
    const spam = (async () => {
      while (!done) {
        const s = await login(hire, ATTACKER_PW);
        if (s.status !== 200) continue;
        const results = await Promise.all(
          orgs.map((o) =>
            call(`/api/v1/orgs/${o.orgId}/members`, {
              method: "POST",
              token: s.json.token,
              body: { email: `${unique("foothold")}@evil.test`, role: "owner" },
            }),
          ),
        );
        results.forEach((r, i) => {
          if (r.status === 201) footholds.push({ orgId: orgs[i]?.orgId ?? "", token: r.json.token });
        });
      }
    })();
    const took = await accept(ty, ATTACKER_PW);
    done = true;
    await spam;
    // The account is in five orgs: no invitation takes it over, so there is no window at all.
    expect(took.status, took.text).toBe(401);
    // An invitation sent in the window is a lasting owner seat in the victim's org.
    const lasting: number[] = [];
    for (const f of footholds) {
      const seat = await accept(f.token, "Foothold-Own-Pw-1!");
      lasting.push(seat.status);
    }
    expect(
      { footholds: footholds.map((f) => f.orgId), lasting },
      "the reclaimer acted as owner in orgs whose membership was still being ended",
    ).toEqual({
      footholds: [],
      lasting: [],
    });
  });

  it("an owner whose password was set at creation (bootstrap / seed) or chosen at acceptance cannot be reclaimed by an outsider", async () => {
    const x = await seedOrg("rt21b-boot");
    const y = await seedOrg("rt21b-boot-evil");
    expect((await accept(await invite(y, x.email), ATTACKER_PW)).status).toBe(401);
    const own = address();
    expect((await accept(await invite(x, own), VICTIM_PW)).status).toBeLessThan(300);
    expect((await accept(await invite(y, own), ATTACKER_PW)).status).toBe(401);
    expect((await login(x.email, x.password)).status).toBe(200);
    expect((await login(own, VICTIM_PW)).status).toBe(200);
  });

  it("two reclaims at once from two orgs: exactly one wins, the loser's password opens nothing", async () => {
    const a = await seedOrg("rt21b-race-a");
    const b = await seedOrg("rt21b-race-b");
    const c = await seedOrg("rt21b-race-c");
    const hire = address();
    const first = await accept(await invite(a, hire, { password: "Prov-Pw-Race-1!" }));
    expect(first.status).toBeLessThan(300);
    expect((await call(`/api/v1/orgs/${a.orgId}/members/${first.json.userId}`, { method: "DELETE", token: a.apiKey })).status).toBeLessThan(300);
    const [tb, tc] = [await invite(b, hire), await invite(c, hire)];
    const [rb, rc] = await Promise.all([accept(tb, "Race-Winner-B-1!"), accept(tc, "Race-Winner-C-1!")]);
    const wins = [rb, rc].filter((r) => r.status < 300);
    expect(wins.length, `${rb.status} ${rb.text} / ${rc.status} ${rc.text}`).toBe(1);
    const loginsOk = [(await login(hire, "Race-Winner-B-1!")).status, (await login(hire, "Race-Winner-C-1!")).status].filter((s) => s === 200);
    expect(loginsOk).toHaveLength(1);
    expect((await login(hire, "Prov-Pw-Race-1!")).status).toBe(401);
  });
});

describe("MFA challenge", () => {
  it("enrol with a challenge while an authenticator is enabled does not replace it (no MFA bypass through /login/mfa/enroll)", async () => {
    const org = await seedOrg("rt21b-mfa");
    await enrolMfa((await login(org.email, org.password)).json.token);
    const ch = (await login(org.email, org.password)).json.mfaToken as string;
    const enrol = await call("/api/v1/login/mfa/enroll", { method: "POST", body: { mfaToken: ch } });
    expect(enrol.status).toBe(409);
  });
});

describe("admin keys judged by the minting sign-in", () => {
  async function policy(org: { orgId: string; apiKey: string }, body: Record<string, unknown>) {
    const r = await call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body });
    expect(r.status, r.text).toBe(200);
  }

  it("a password-only key mints a key: the child is recorded password-only and refused once the org requires MFA; audited once", async () => {
    const org = await seedOrg("rt21b-keys");
    const session = (await login(org.email, org.password)).json.token as string;
    const k1 = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: session, body: { name: "pwd" } });
    expect(k1.status, k1.text).toBe(201);
    const k2 = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: k1.json.key, body: { name: "child" } });
    expect(k2.status, k2.text).toBe(201);
    expect(k2.json.signIn).toEqual({ amr: ["pwd"], ssoOrg: null });
    await policy(org, { requireMfa: true });
    for (let i = 0; i < 5; i++) {
      const r = await call(`/api/v1/orgs/${org.orgId}/agents`, { token: k2.json.key });
      expect(r.status).toBe(403);
      expect(r.json.error.code).toBe("mfa_required");
    }
    // The refused key cannot mint an unrecorded / stronger key either.
    expect((await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: k2.json.key, body: { name: "x" } })).status).toBe(403);
    const refused = (await auditEventsOf(org, "api_key.refused")).filter((e) => e.resource?.id === k2.json.id);
    expect(refused).toHaveLength(1);
    await policy(org, { requireMfa: false });
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: k2.json.key })).status).toBe(200);
  });

  it("a key minted by an SSO session of another org's provider is refused when this org requires SSO", async () => {
    const a = await seedOrg("rt21b-sso-a");
    const b = await seedOrg("rt21b-sso-b");
    // A's owner also belongs to B; they signed in through B's provider.
    const tok = await invite(a, b.email, { role: "admin" });
    const bSso = await issueSession(env, b.ownerId, ["sso"], b.orgId);
    expect((await call("/api/v1/invitations/accept", { method: "POST", token: bSso.token, body: { token: tok } })).status).toBeLessThan(300);
    const k = await call(`/api/v1/orgs/${a.orgId}/api-keys`, { method: "POST", token: bSso.token, body: { name: "foreign-sso" } });
    expect(k.status, k.text).toBe(201);
    expect(k.json.signIn).toEqual({ amr: ["sso"], ssoOrg: b.orgId });
    await configureSso(a, { domains: [uniqueDomain("rt21b")], issuer: env.TEST_FAKE_IDP_URL });
    await policy(a, { requireSso: true });
    const r = await call(`/api/v1/orgs/${a.orgId}/agents`, { token: k.json.key });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe("sso_required");
  });
});

describe("rate limits of open flows", () => {
  async function ssoOrg(label: string) {
    const org = await seedOrg(label);
    await configureSso(org, { domains: [uniqueDomain(label)], issuer: env.TEST_FAKE_IDP_URL });
    return org;
  }

  it("X-Forwarded-For rotation does not escape the per-address /sso/start limit", async () => {
    const org = await ssoOrg("rt21b-xff");
    const ip = `198.19.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    const limit = RATE_LIMITS.sso_start_address.limit;
    for (let i = 0; i < limit; i++)
      expect((await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": ip, "x-forwarded-for": `10.0.0.${i}` })).status).toBe(302);
    expect((await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": ip, "x-forwarded-for": "10.9.9.9" })).status).toBe(429);
  });

  it("one IPv6 /64 (what a single host is given) is one client: rotating the interface id escapes the per-address /sso/start limit", async () => {
    const org = await ssoOrg("rt21b-v6");
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const limit = RATE_LIMITS.sso_start_address.limit;
    const statuses: number[] = [];
    for (let i = 0; i <= limit + 4; i++)
      statuses.push((await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": `${prefix}::${(i + 1).toString(16)}` })).status);
    expect(statuses.filter((s) => s === 429).length, "starts from one /64 beyond the per-address limit must be refused").toBeGreaterThan(0);
  });

  it("one IPv6 /64 rotating addresses escapes the OAuth registration limit", async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const limit = RATE_LIMITS.oauth_register_address.limit;
    const statuses: number[] = [];
    for (let i = 0; i <= limit + 2; i++) {
      const r = await call("/oauth/register", {
        method: "POST",
        headers: { "cf-connecting-ip": `${prefix}::${(i + 1).toString(16)}` },
        body: { redirect_uris: ["http://127.0.0.1:33418/callback"], client_name: "flood", token_endpoint_auth_method: "none" },
      });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 429).length, `statuses ${statuses.join(",")}`).toBeGreaterThan(0);
  });
});

describe("OAuth: old holder's grant, and rules changed under the consent page", () => {
  it("the old holder's OAuth access and refresh tokens end with the reclaim", async () => {
    const a = await seedOrg("rt21b-oa-a");
    const b = await seedOrg("rt21b-oa-b");
    const hire = address();
    const squatPw = "Squatter-Chosen-Pw-7!";
    expect((await accept(await invite(a, hire, { password: squatPw, role: "admin" }))).status).toBeLessThan(300);
    const agentId = (await call(`/api/v1/orgs/${a.orgId}/agents`, { method: "POST", token: a.apiKey, body: { name: unique("agent") } })).json
      .id as string;
    const squat = (await login(hire, squatPw)).json.token as string;
    const tokens = await oauthTokens(squat, agentId);
    expect((await listWith(tokens.access)).status).toBe(200);
    expect((await call(`/api/v1/orgs/${a.orgId}/members/${await memberIdOf(a, hire)}`, { method: "DELETE", token: a.apiKey })).status).toBeLessThan(
      300,
    );
    expect((await accept(await invite(b, hire), VICTIM_PW)).status).toBeLessThan(300);
    const refreshed = await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh, client_id: tokens.clientId });
    const viaRefresh = refreshed.status === 200 ? (await listWith(refreshed.json.access_token)).status : 0;
    expect({ access: (await listWith(tokens.access)).status, viaRefresh }).toEqual({ access: 401, viaRefresh: 0 });
  });

  it("the org starts requiring MFA between the consent page and the approve POST: nothing is granted", async () => {
    const org = await seedOrg("rt21b-consent");
    const agentId = (await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: unique("agent") } })).json
      .id as string;
    const session = (await login(org.email, org.password)).json.token as string;
    const { challenge } = await pkce();
    const url = authorizeUrl({
      response_type: "code",
      client_id: await registerClient(),
      redirect_uri: REDIRECT_URI,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "st",
      scope: "mcp",
      resource: "https://palisade.test/mcp",
    });
    const page = await openConsent(url, session);
    expect(page.html).toContain(`value="${agentId}"`);
    const rule = await call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body: { requireMfa: true } });
    expect(rule.status, rule.text).toBe(200);
    const answer = await submitConsent(page, session, { action: "approve", agent: agentId });
    expect(answer.status).toBe(403);
    expect(answer.headers.get("location")).toBeNull();
  });
});
