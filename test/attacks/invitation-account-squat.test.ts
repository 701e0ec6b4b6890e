// Attack class: binding an e-mail address to a password nobody proved the address for, so the
// org that did it keeps the address (its password opens it, the real person cannot join another
// org): an inviter-chosen password accepted by the inviter itself, the inviter's own link accepted
// with its own password, and SCIM renaming a password-holding member to someone else's address.
import { describe, expect, it } from "vitest";
import { call, seedMember, seedOrg, unique } from "../workers/support/api.js";
import { PATCH, oktaUser, scim, scimTokenFor } from "../workers/support/scim.js";
import { uniqueDomain } from "../workers/support/sso.js";

const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });
const accept = (token: string, password?: string) =>
  call("/api/v1/invitations/accept", { method: "POST", body: password ? { token, password } : { token } });
const invite = async (org: { orgId: string; apiKey: string }, email: string, password?: string) => {
  const res = await call(`/api/v1/orgs/${org.orgId}/members`, {
    method: "POST",
    token: org.apiKey,
    body: { email, role: "member", ...(password ? { password } : {}) },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.token as string;
};
const hireAddress = () => `${unique("hire")}@${uniqueDomain("bcorp")}`;
const REAL_PASSWORD = "Real-Hire-Own-Pw-123!";

describe("attack: squatting an address through an invitation", () => {
  it("inviter-chosen password, accepted by the inviter, member removed: the real hire joins B and A's password is dead", async () => {
    const a = await seedOrg("squat-a");
    const b = await seedOrg("squat-b");
    const hire = hireAddress();
    const squatPw = "Attacker-Chosen-Pw-1!";
    const took = await accept(await invite(a, hire, squatPw));
    expect(took.status, took.text).toBe(201);
    const squatSession = (await login(hire, squatPw)).json.token as string;
    expect((await call(`/api/v1/orgs/${a.orgId}/members/${took.json.userId}`, { method: "DELETE", token: a.apiKey })).status).toBeLessThan(300);
    const joined = await accept(await invite(b, hire), REAL_PASSWORD);
    expect(joined.status, joined.text).toBeLessThan(300);
    expect(joined.json.orgId).toBe(b.orgId);
    expect((await login(hire, squatPw)).status).toBe(401);
    expect((await call("/api/v1/me", { token: squatSession })).status).toBe(401);
    expect((await login(hire, REAL_PASSWORD)).status).toBe(200);
  });

  it("inviter-chosen password, the squatter kept as a member of A: another org's invitation cannot take the account (an org that keeps a member holds its address); nothing changes", async () => {
    const a = await seedOrg("squat-a");
    const b = await seedOrg("squat-b");
    const hire = hireAddress();
    const squatPw = "Attacker-Chosen-Pw-2!";
    const took = await accept(await invite(a, hire, squatPw));
    expect(took.status, took.text).toBe(201);
    const squatSession = (await login(hire, squatPw)).json.token as string;
    const key = await call(`/api/v1/orgs/${a.orgId}/api-keys`, { method: "POST", token: squatSession, body: { name: "k" } });
    expect(key.status, key.text).toBe(201);
    const joined = await accept(await invite(b, hire), REAL_PASSWORD);
    expect(joined.status, joined.text).toBe(401);
    expect((await login(hire, REAL_PASSWORD)).status).toBe(401);
    expect((await login(hire, squatPw)).status).toBe(200);
    expect((await call("/api/v1/me", { token: squatSession })).status).toBe(200);
    expect((await call(`/api/v1/orgs/${a.orgId}/agents`, { token: key.json.key })).status).toBe(200);
    // The invitation was not used up by the refusal: once A lets the member go, it takes the address.
    expect((await call(`/api/v1/orgs/${a.orgId}/members/${took.json.userId}`, { method: "DELETE", token: a.apiKey })).status).toBeLessThan(300);
  });

  it("a member an org only deactivated (SCIM) or an owner of another org with a provisional password is in an org: neither is taken over", async () => {
    const a = await seedOrg("squat-a");
    const b = await seedOrg("squat-b");
    const owner = hireAddress();
    expect((await accept(await invite(a, owner, "Admin-Chosen-Owner-Pw-7!"))).status).toBe(201);
    for (const pw of [REAL_PASSWORD, "Another-Own-Pw-7!"]) expect((await accept(await invite(b, owner), pw)).status).toBe(401);
    expect((await login(owner, "Admin-Chosen-Owner-Pw-7!")).status).toBe(200);
    const member = hireAddress();
    expect((await accept(await invite(a, member), "Member-Own-Pw-8!")).status).toBe(201);
    const token = await scimTokenFor(a);
    const linked = await scim(token, "/Users", "POST", oktaUser(member));
    expect(linked.status, linked.text).toBe(201);
    const off = await scim(token, `/Users/${linked.json.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(off.status, off.text).toBe(200);
    expect((await accept(await invite(b, member), "Grab-Pw-8!")).status).toBe(401);
    expect((await login(member, "Grab-Pw-8!")).status).toBe(401);
  });

  it("a takeover ends the old holder's MFA challenge and leaves no org-less moment: a second taker right after is refused", async () => {
    const a = await seedOrg("squat-a");
    const b = await seedOrg("squat-b");
    const c = await seedOrg("squat-c");
    const hire = hireAddress();
    const squatPw = "Attacker-Chosen-Pw-9!";
    const took = await accept(await invite(a, hire, squatPw));
    expect(took.status, took.text).toBe(201);
    // A requires MFA: the squatter's password yields a challenge (enrol pending) and keeps it.
    expect((await call(`/api/v1/orgs/${a.orgId}/login-policy`, { method: "PATCH", token: a.apiKey, body: { requireMfa: true } })).status).toBe(200);
    const challenge = (await login(hire, squatPw)).json.mfaToken as string;
    expect(challenge).toBeTruthy();
    expect((await call(`/api/v1/orgs/${a.orgId}/members/${took.json.userId}`, { method: "DELETE", token: a.apiKey })).status).toBeLessThan(300);
    const [tb, tc] = [await invite(b, hire), await invite(c, hire)];
    expect((await accept(tb, REAL_PASSWORD)).status).toBe(200);
    expect((await accept(tc, "Second-Taker-Pw-9!")).status).toBe(401);
    expect((await call("/api/v1/login/mfa/enroll", { method: "POST", body: { mfaToken: challenge } })).status).toBe(401);
    expect((await call("/api/v1/login/mfa", { method: "POST", body: { mfaToken: challenge, code: "123456" } })).status).toBe(401);
    expect((await login(hire, REAL_PASSWORD)).status).toBe(200);
  });

  it("the inviter accepts its own link with a password of its choosing, then removes the member: the address is free again", async () => {
    const a = await seedOrg("squat-a");
    const b = await seedOrg("squat-b");
    const hire = hireAddress();
    const took = await accept(await invite(a, hire), "Attacker-Typed-Pw-3!");
    expect(took.status, took.text).toBe(201);
    expect((await call(`/api/v1/orgs/${a.orgId}/members/${took.json.userId}`, { method: "DELETE", token: a.apiKey })).status).toBeLessThan(300);
    expect((await accept(await invite(b, hire), REAL_PASSWORD)).status).toBeLessThan(300);
    expect((await login(hire, "Attacker-Typed-Pw-3!")).status).toBe(401);
    expect((await login(hire, REAL_PASSWORD)).status).toBe(200);
  });

  it("a reclaim needs the person's own password: an invitation carrying an inviter-chosen password cannot take over an account", async () => {
    const a = await seedOrg("squat-a");
    const b = await seedOrg("squat-b");
    const hire = hireAddress();
    expect((await accept(await invite(a, hire, "First-Inviter-Pw-4!"))).status).toBe(201);
    const again = await accept(await invite(b, hire, "Second-Inviter-Pw-4!"));
    expect(again.status).toBe(401);
    expect((await login(hire, "First-Inviter-Pw-4!")).status).toBe(200);
    expect((await login(hire, "Second-Inviter-Pw-4!")).status).toBe(401);
  });

  it("another org cannot take over a member who chose their own password: accepting its invitation without signing in is refused", async () => {
    const a = await seedOrg("squat-a");
    const b = await seedOrg("squat-b");
    const person = hireAddress();
    expect((await accept(await invite(a, person), "Person-Own-Pw-5!")).status).toBe(201);
    const grab = await accept(await invite(b, person), "Org-B-Grab-Pw-5!");
    expect(grab.status).toBe(401);
    expect((await login(person, "Person-Own-Pw-5!")).status).toBe(200);
    expect((await login(person, "Org-B-Grab-Pw-5!")).status).toBe(401);
    // Nor can B take over the bootstrap owner of A.
    const owner = await accept(await invite(b, a.email), "Org-B-Grab-Pw-6!");
    expect(owner.status).toBe(401);
    expect((await login(a.email, a.password)).status).toBe(200);
  });
});

describe("attack: squatting an address through a SCIM rename", () => {
  async function passwordMemberLinked(label: string) {
    const org = await seedOrg(label);
    const token = await scimTokenFor(org);
    const member = await seedMember(org, "member");
    const link = await scim(token, "/Users", "POST", oktaUser(member.email));
    expect(link.status, link.text).toBe(201);
    return { org, token, member };
  }

  it("PATCH userName, PATCH the work e-mail (Entra form) and PUT of a password-holding member are refused, nothing written", async () => {
    const { token, member } = await passwordMemberLinked("scimsq");
    const hire = hireAddress();
    const attempts = [
      ["PATCH", { schemas: [PATCH], Operations: [{ op: "replace", path: "userName", value: hire }] }],
      ["PATCH", { schemas: [PATCH], Operations: [{ op: "replace", value: { userName: hire } }] }],
      ["PATCH", { schemas: [PATCH], Operations: [{ op: "replace", path: 'emails[type eq "work"].value', value: hire }] }],
      ["PUT", oktaUser(hire)],
    ] as const;
    for (const [method, body] of attempts) {
      const res = await scim(token, `/Users/${member.userId}`, method, body);
      expect(res.status, `${method} ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.json.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
    }
    expect((await scim(token, `/Users/${member.userId}`)).json.userName).toBe(member.email);
    expect((await login(hire, member.password)).status).toBe(401);
    expect((await login(member.email, member.password)).status).toBe(200);
    // Deleting the user afterwards frees nothing at the hire's address.
    expect((await scim(token, `/Users/${member.userId}`, "DELETE")).status).toBe(204);
    expect((await login(hire, member.password)).status).toBe(401);
  });

  it("a SCIM-provisioned member without a password can still be renamed (the provider owns that identity)", async () => {
    const org = await seedOrg("scimsq");
    const token = await scimTokenFor(org);
    const created = await scim(token, "/Users", "POST", oktaUser(`${unique("prov")}@example.test`));
    expect(created.status, created.text).toBe(201);
    const renamed = `${unique("renamed")}@example.test`;
    const res = await scim(token, `/Users/${created.json.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "userName", value: renamed }],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.userName).toBe(renamed);
  });
});
