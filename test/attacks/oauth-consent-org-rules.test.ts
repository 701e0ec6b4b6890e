// Attack class: granting an MCP client access to an org's agents with a sign-in the org does not
// accept — a password-only session in an org requiring MFA or SSO, an SSO session of another
// org's provider — at the consent page, by posting the form directly, or by a grant made before
// the rule. The consent step applies the org's rules (the same decision as the admin API):
// refused with a page saying why, nothing granted; old grants stop working at /mcp.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { type SeededOrg, auditEventsOf, call, seedMember, seedOrg, unique } from "../workers/support/api.js";
import { REDIRECT_URI, authorizeUrl, listWith, oauthTokens, openConsent, pkce, registerClient, submitConsent } from "../workers/support/oauth.js";
import { callback, configureSso, fakeCallbackUrl, fakeCode, sessionOf, startLogin, uniqueDomain } from "../workers/support/sso.js";

const setRules = (org: SeededOrg, body: Record<string, unknown>) =>
  call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body });

async function orgWithAgent(label: string) {
  const org = await seedOrg(label);
  const domain = uniqueDomain(label);
  await configureSso(org, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL, defaultRole: "admin" });
  const agentId = (await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: unique("agent") } })).json
    .id as string;
  return { org, domain, agentId };
}

async function ssoSession(orgId: string, email: string): Promise<string> {
  const started = await startLogin(`org=${orgId}`);
  const res = await callback(fakeCallbackUrl(started, fakeCode(started, { fault: "none", email })), started.ssoCookie);
  const session = sessionOf(res);
  if (!session) throw new Error(`sso login: ${res.status}`);
  return session;
}

async function consentPage(session: string) {
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
  return openConsent(url, session);
}

async function expectRefusedConsent(session: string, agentId: string, why: RegExp) {
  const page = await consentPage(session);
  expect(page.status).toBe(200);
  // The org's agent is not offered, and the page says why.
  expect(page.html).not.toContain(`value="${agentId}"`);
  expect(page.html).toMatch(why);
  // Posting the agent anyway (the form is only a suggestion) is refused, nothing granted.
  const answer = await submitConsent(page, session, { action: "approve", agent: agentId });
  expect(answer.status).toBe(403);
  expect(answer.headers.get("location")).toBeNull();
  const html = await answer.text();
  expect(html).toMatch(why);
  expect(html).toMatch(/Nothing was granted/);
}

describe("attack: consenting with a sign-in the org does not accept", () => {
  it("a password-only session in an org that requires MFA cannot grant a client its agents", async () => {
    const { org, agentId } = await orgWithAgent("consentmfa");
    const admin = await seedMember(org, "admin");
    expect((await setRules(org, { requireMfa: true })).status).toBe(200);
    await expectRefusedConsent(admin.session, agentId, /multi-factor authentication/);
    const denied = await auditEventsOf(org, "oauth.grant.create");
    expect(denied.some((e) => e.result === "denied" && e.reason === "mfa_required" && e.actor.id === admin.userId)).toBe(true);
    expect(denied.some((e) => e.result === "success" && e.actor.id === admin.userId)).toBe(false);
  });

  it("a password-only session in an org that requires SSO cannot grant a client its agents", async () => {
    const { org, agentId } = await orgWithAgent("consentsso");
    const admin = await seedMember(org, "admin");
    expect((await setRules(org, { requireSso: true })).status).toBe(200);
    await expectRefusedConsent(admin.session, agentId, /single sign-on/);
  });

  it("an SSO session of another org's provider does not meet the org's require-SSO at consent", async () => {
    const a = await orgWithAgent("consenta");
    const b = await orgWithAgent("consentb");
    const session = await ssoSession(a.org.orgId, `${unique("p")}@${a.domain}`);
    const userId = (await call("/api/v1/me", { token: session })).json.user.id as string;
    await new OrgData(makeDb(env.DB), b.org.orgId).addMember(userId, "admin");
    expect((await setRules(b.org, { requireSso: true })).status).toBe(200);
    await expectRefusedConsent(session, b.agentId, /single sign-on/);
    // The same session still grants org A's agent (A's rules are met).
    const granted = await oauthTokens(session, a.agentId);
    expect((await listWith(granted.access)).status).toBe(200);
  });

  it("a consent page opened before the rule, submitted after it, is refused", async () => {
    const { org, agentId } = await orgWithAgent("consentrace");
    const admin = await seedMember(org, "admin");
    const page = await consentPage(admin.session);
    expect(page.html).toContain(`value="${agentId}"`);
    expect((await setRules(org, { requireMfa: true })).status).toBe(200);
    const answer = await submitConsent(page, admin.session, { action: "approve", agent: agentId });
    expect(answer.status).toBe(403);
    expect(answer.headers.get("location")).toBeNull();
  });

  it("an SSO session of the org's own provider still grants (the rules are met)", async () => {
    const { org, domain, agentId } = await orgWithAgent("consentok");
    expect((await setRules(org, { requireSso: true, requireMfa: true })).status).toBe(200);
    const session = await ssoSession(org.orgId, `${unique("p")}@${domain}`);
    const granted = await oauthTokens(session, agentId);
    expect((await listWith(granted.access)).status).toBe(200);
  });

  it("a grant a password session made before the rule stops working at /mcp once the rule is on (and again when it is off)", async () => {
    const { org, agentId } = await orgWithAgent("consentold");
    const admin = await seedMember(org, "admin");
    const granted = await oauthTokens(admin.session, agentId);
    expect((await listWith(granted.access)).status).toBe(200);
    expect((await setRules(org, { requireMfa: true })).status).toBe(200);
    const refused = await listWith(granted.access);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/invalid_token/);
    expect(await refused.text()).toMatch(/multi-factor/);
    expect((await setRules(org, { requireMfa: false })).status).toBe(200);
    expect((await listWith(granted.access)).status).toBe(200);
  });
});
