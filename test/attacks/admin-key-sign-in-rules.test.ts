// Attack class: getting past an org's sign-in rules (require SSO, require MFA) with an admin API
// key minted by a weaker sign-in — before the rule, by another org's provider, by a key, or
// before keys recorded their sign-in at all. Keys are judged at every use by the org's rules as
// they are now, exactly like sessions.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { mintToken } from "../../workers/identity/tokens.js";
import { type SeededOrg, call, expectErrorShape, seedMember, seedOrg, unique } from "../workers/support/api.js";
import { callback, configureSso, enrolMfa, fakeCallbackUrl, fakeCode, sessionOf, startLogin, totp, uniqueDomain } from "../workers/support/sso.js";

const setRules = (org: SeededOrg, body: Record<string, unknown>) =>
  call(`/api/v1/orgs/${org.orgId}/login-policy`, { method: "PATCH", token: org.apiKey, body });
const mint = (org: SeededOrg, token: string) => call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token, body: { name: "k" } });
const readAgents = (org: SeededOrg, token: string) => call(`/api/v1/orgs/${org.orgId}/agents`, { token });
const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });

/** An SSO session at `orgId`'s (misbehaving but valid) provider for `email`. */
async function ssoSession(orgId: string, email: string): Promise<string> {
  const started = await startLogin(`org=${orgId}`);
  const res = await callback(fakeCallbackUrl(started, fakeCode(started, { fault: "none", email })), started.ssoCookie);
  expect(res.status).toBe(200);
  const session = sessionOf(res);
  if (!session) throw new Error("no session");
  return session;
}

async function orgWithSso(label: string) {
  const org = await seedOrg(label);
  const domain = uniqueDomain(label);
  await configureSso(org, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL, defaultRole: "admin" });
  return { org, domain };
}

/** A member who signs in with password + TOTP; returns that session. */
async function mfaSession(org: SeededOrg) {
  const member = await seedMember(org, "admin");
  const { secret } = await enrolMfa(member.session);
  const first = await login(member.email, member.password);
  const second = await call("/api/v1/login/mfa", {
    method: "POST",
    body: { mfaToken: first.json.mfaToken, code: await totp(secret, Date.now(), 1) },
  });
  expect(second.status).toBe(200);
  return { member, session: second.json.token as string };
}

async function refusals(org: SeededOrg, keyId: string) {
  // Audit writes are asynchronous: give them a moment, then read once.
  for (let i = 0; i < 30; i++) {
    const res = await call(`/api/v1/orgs/${org.orgId}/audit?action=api_key.refused&limit=200`, { token: org.apiKey });
    const mine = (res.json.items as Array<Record<string, any>>).filter((e) => e.resource?.id === keyId);
    if (mine.length || i === 29) return mine;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

describe("attack: admin key minted before a sign-in rule", () => {
  it("a key a password session minted before require-SSO is refused afterwards (403 sso_required naming the rule)", async () => {
    const { org } = await orgWithSso("keysso");
    const member = await seedMember(org, "admin");
    expect((await readAgents(org, member.apiKey)).status).toBe(200);
    expect((await setRules(org, { requireSso: true })).status).toBe(200);
    const res = await readAgents(org, member.apiKey);
    expect(res.status).toBe(403);
    expectErrorShape(res);
    expect(res.json.error.code).toBe("sso_required");
    expect(res.json.error.message).toMatch(/single sign-on/);
    expect(res.json.error.message).toMatch(/mint a new key/);
    // Writes too, not only reads: the key cannot mint itself a fresh key either.
    expect((await mint(org, member.apiKey)).status).toBe(403);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: member.apiKey, body: { name: unique("a") } })).status).toBe(403);
  });

  it("a key a password session minted before require-MFA is refused afterwards (403 mfa_required)", async () => {
    const org = await seedOrg("keymfa");
    const member = await seedMember(org, "admin");
    expect((await setRules(org, { requireMfa: true })).status).toBe(200);
    const res = await readAgents(org, member.apiKey);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("mfa_required");
    expect(res.json.error.message).toMatch(/multi-factor/);
  });

  it("a password key under both rules at once is refused", async () => {
    const { org } = await orgWithSso("keyboth");
    const member = await seedMember(org, "admin");
    expect((await setRules(org, { requireSso: true, requireMfa: true })).status).toBe(200);
    expect((await readAgents(org, member.apiKey)).status).toBe(403);
  });

  it("a key minted by password + TOTP meets require-MFA but not require-SSO", async () => {
    const { org } = await orgWithSso("keytotp");
    const { session } = await mfaSession(org);
    const key = await mint(org, session);
    expect(key.status).toBe(201);
    expect(key.json.signIn).toEqual({ amr: ["pwd", "otp"], ssoOrg: null });
    expect((await setRules(org, { requireMfa: true })).status).toBe(200);
    expect((await readAgents(org, key.json.key)).status).toBe(200);
    expect((await setRules(org, { requireSso: true })).status).toBe(200);
    const refused = await readAgents(org, key.json.key);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("sso_required");
  });

  it("a key minted by an SSO session of this org meets both rules", async () => {
    const { org, domain } = await orgWithSso("keyownsso");
    const session = await ssoSession(org.orgId, `${unique("sso")}@${domain}`);
    const key = await mint(org, session);
    expect(key.status).toBe(201);
    expect(key.json.signIn).toEqual({ amr: ["sso"], ssoOrg: org.orgId });
    expect((await setRules(org, { requireSso: true, requireMfa: true })).status).toBe(200);
    expect((await readAgents(org, key.json.key)).status).toBe(200);
  });

  it("a key minted in org B by an SSO session of org A's provider does not meet B's rules", async () => {
    const a = await orgWithSso("keya");
    const b = await orgWithSso("keyb");
    const session = await ssoSession(a.org.orgId, `${unique("contractor")}@${a.domain}`);
    const userId = (await call("/api/v1/me", { token: session })).json.user.id as string;
    await new OrgData(makeDb(env.DB), b.org.orgId).addMember(userId, "admin");
    const key = await mint(b.org, session);
    expect(key.status).toBe(201);
    expect((await setRules(b.org, { requireMfa: true })).status).toBe(200);
    expect((await readAgents(b.org, key.json.key)).json?.error?.code).toBe("mfa_required");
    expect((await setRules(b.org, { requireMfa: false, requireSso: true })).status).toBe(200);
    expect((await readAgents(b.org, key.json.key)).json?.error?.code).toBe("sso_required");
  });

  it("a key minted by a password key inherits password-only: minting keys with keys launders nothing", async () => {
    const { org } = await orgWithSso("keychain");
    const member = await seedMember(org, "admin");
    const child = await mint(org, member.apiKey);
    expect(child.status).toBe(201);
    expect(child.json.signIn).toEqual({ amr: ["pwd"], ssoOrg: null });
    expect((await setRules(org, { requireSso: true })).status).toBe(200);
    expect((await readAgents(org, child.json.key)).status).toBe(403);
    // And a key minted by a strong key stays strong.
    const strongChild = await mint(org, org.apiKey);
    expect(strongChild.json.signIn).toEqual({ amr: ["sso"], ssoOrg: org.orgId });
    expect((await readAgents(org, strongChild.json.key)).status).toBe(200);
  });

  it("a key from before sign-ins were recorded (NULL) counts as password only", async () => {
    const org = await seedOrg("keylegacy");
    const member = await seedMember(org, "admin");
    const legacy = await mintToken("admin");
    const row = await new OrgData(makeDb(env.DB), org.orgId).insertToken("admin", member.userId, { ...legacy, name: "legacy" });
    expect((await readAgents(org, legacy.token)).status).toBe(200);
    const listed = await call(`/api/v1/orgs/${org.orgId}/api-keys?limit=100`, { token: org.apiKey });
    expect(listed.json.items.find((k: { id: string }) => k.id === row.id).signIn).toBeNull();
    expect((await setRules(org, { requireMfa: true })).status).toBe(200);
    expect((await readAgents(org, legacy.token)).json?.error?.code).toBe("mfa_required");
  });

  it("a tampered record (unreadable sign-in) counts as password only, never as SSO", async () => {
    const { org } = await orgWithSso("keytamper");
    const member = await seedMember(org, "admin");
    const forged = await mintToken("admin");
    const data = new OrgData(makeDb(env.DB), org.orgId);
    // An amr that is not a list of known methods, with an sso org beside it.
    await env.DB.prepare("UPDATE tokens SET sign_in_amr = ?, sign_in_sso_org = ? WHERE id = ?")
      .bind('"sso"', org.orgId, (await data.insertToken("admin", member.userId, { ...forged, name: "forged" })).id)
      .run();
    expect((await setRules(org, { requireSso: true })).status).toBe(200);
    expect((await readAgents(org, forged.token)).status).toBe(403);
  });

  it("break-glass applies to keys by the current role: the owner's password key works until they are demoted", async () => {
    const { org } = await orgWithSso("keyglass");
    const coOwner = await seedMember(org, "owner");
    expect((await setRules(org, { requireSso: true, breakGlassUserId: coOwner.userId })).status).toBe(200);
    expect((await readAgents(org, coOwner.apiKey)).status).toBe(200);
    const demote = await call(`/api/v1/orgs/${org.orgId}/members/${coOwner.userId}`, { method: "PATCH", token: org.apiKey, body: { role: "admin" } });
    expect(demote.status).toBe(200);
    expect((await readAgents(org, coOwner.apiKey)).json?.error?.code).toBe("sso_required");
  });

  it("switching the rule off restores the key (the check is at use, nothing was swept)", async () => {
    const org = await seedOrg("keyoff");
    const member = await seedMember(org, "admin");
    await setRules(org, { requireMfa: true });
    expect((await readAgents(org, member.apiKey)).status).toBe(403);
    await setRules(org, { requireMfa: false });
    expect((await readAgents(org, member.apiKey)).status).toBe(200);
  });

  it("a flood of refused requests is audited once per key per rule", async () => {
    const { org } = await orgWithSso("keyaudit");
    const member = await seedMember(org, "admin");
    const keys = await call(`/api/v1/orgs/${org.orgId}/api-keys?limit=100`, { token: org.apiKey });
    const keyId = keys.json.items.find((k: { userId: string }) => k.userId === member.userId).id as string;
    await setRules(org, { requireMfa: true });
    await Promise.all(Array.from({ length: 8 }, () => readAgents(org, member.apiKey)));
    for (let i = 0; i < 4; i++) await readAgents(org, member.apiKey);
    const first = await refusals(org, keyId);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ action: "api_key.refused", result: "denied", reason: "mfa_required" });
    expect(JSON.stringify(first[0])).not.toContain(member.apiKey);
    // Another rule is another event, once.
    await setRules(org, { requireMfa: false, requireSso: true });
    for (let i = 0; i < 5; i++) await readAgents(org, member.apiKey);
    const both = await refusals(org, keyId);
    expect(both.map((e) => e.reason).sort()).toEqual(["mfa_required", "sso_required"]);
  });
});
