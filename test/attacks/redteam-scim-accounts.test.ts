// Red team: SCIM used by one org against accounts that belong (or will belong) to other orgs.
// Accounts are global (one e-mail, one password, sessions serving every org), while a SCIM token
// is one org's. These attacks use only org A's own SCIM token and public endpoints.
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedMember, seedOrg, unique } from "../workers/support/api.js";
import { entraUser, oktaUser, PATCH, scim, scimTokenFor } from "../workers/support/scim.js";

let a: SeededOrg; // the attacker's org: its owner holds org A's SCIM token
let b: SeededOrg; // the victim's org
let tokenA: string;
let tokenB: string;

const ATTACKER_PW = "Attacker-Chosen-Pw-123!";
const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });

beforeAll(async () => {
  a = await seedOrg("red-scim-a");
  b = await seedOrg("red-scim-b");
  tokenA = await scimTokenFor(a);
  tokenB = await scimTokenFor(b);
});

describe("pre-provisioning another org's future person (account pre-hijack)", () => {
  it("org A squats victim@ with its own password; org B's IdP later provisions the same e-mail; A signs in to org B as the person", async () => {
    const email = `${unique("newhire")}@example.test`;
    // 1. Org A's SCIM creates the account first, with a password org A chose, then leaves no trace in A.
    // Fix: SCIM never sets a password (400 invalidValue); without one the squatted account has no credential.
    const squat = await scim(tokenA, "/Users", "POST", { ...oktaUser(email), password: ATTACKER_PW });
    expect(squat.status, squat.text).toBe(400);
    expect(squat.json.scimType).toBe("invalidValue");
    const bare = await scim(tokenA, "/Users", "POST", oktaUser(email));
    expect(bare.status, bare.text).toBe(201);
    expect((await scim(tokenA, `/Users/${bare.json.id}`, "DELETE")).status).toBe(204);
    // 2. Org B's identity provider (Entra sends no password) provisions its new hire. Fix: an existing
    // account that is not a member is never adopted by SCIM (409 uniqueness; org B invites it).
    const provisioned = await scim(tokenB, "/Users", "POST", entraUser(email));
    expect(provisioned.status, provisioned.text).toBe(409);
    // 3. Org A's owner signs in as the person with the password A chose and opens org B.
    const session = await login(email, ATTACKER_PW);
    // Expected: the account org B provisioned cannot be entered with a password another org set.
    const inB = session.status === 200 ? (await call(`/api/v1/orgs/${b.orgId}/agents`, { token: session.json.token })).status : session.status;
    expect({ login: session.status, orgBAgents: inB }, "org A's password opens org B as the provisioned person").toEqual({
      login: 401,
      orgBAgents: 401,
    });
  });

  it("the same squat through a rename: A renames its own member to the future e-mail", async () => {
    const email = `${unique("rename-newhire")}@example.test`;
    // SCIM refuses passwords, so A's own member has none to carry over.
    expect((await scim(tokenA, "/Users", "POST", { ...oktaUser(`${unique("own")}@example.test`), password: ATTACKER_PW })).status).toBe(400);
    const own = await scim(tokenA, "/Users", "POST", oktaUser(`${unique("own")}@example.test`));
    expect(own.status).toBe(201);
    const renamed = await scim(tokenA, `/Users/${own.json.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "userName", value: email }],
    });
    expect(renamed.status, renamed.text).toBe(200);
    await scim(tokenA, `/Users/${own.json.id}`, "DELETE");
    // The renamed account exists and is not org B's: B's SCIM is told so (409) instead of adopting it.
    expect((await scim(tokenB, "/Users", "POST", entraUser(email))).status).toBe(409);
    const session = await login(email, ATTACKER_PW);
    expect(session.status, "org A's password opens the account org B provisioned").not.toBe(200);
  });

  it("a squatted e-mail cannot be claimed by the real person invited by org B (denial of onboarding)", async () => {
    const email = `${unique("invitee")}@example.test`;
    expect((await scim(tokenA, "/Users", "POST", { ...oktaUser(email), password: ATTACKER_PW })).status).toBe(400);
    // The squat that remains: a password-less account A created and then deleted (it belongs to no org).
    const squat = await scim(tokenA, "/Users", "POST", oktaUser(email));
    expect(squat.status).toBe(201);
    expect((await scim(tokenA, `/Users/${squat.json.id}`, "DELETE")).status).toBe(204);
    const invite = await call(`/api/v1/orgs/${b.orgId}/members`, { method: "POST", token: b.apiKey, body: { email, role: "member" } });
    expect(invite.status, invite.text).toBe(201);
    // The real person has the invitation link but not org A's password.
    const accept = await call("/api/v1/invitations/accept", { method: "POST", body: { token: invite.json.token, password: "Real-Person-Pw-456!" } });
    // 200, not 201: the account existed (the acceptance gave it its first password, it created none).
    expect(accept.status, `the real person cannot join org B: ${accept.text}`).toBe(200);
    expect((await login(email, "Real-Person-Pw-456!")).status).toBe(200);
  });

  it("an invitation link never sets the first password of a password-less account that is a member of another org", async () => {
    const email = `${unique("kept-squat")}@example.test`;
    expect((await scim(tokenA, "/Users", "POST", oktaUser(email))).status).toBe(201);
    const invite = await call(`/api/v1/orgs/${b.orgId}/members`, { method: "POST", token: b.apiKey, body: { email, role: "member" } });
    expect(invite.status, invite.text).toBe(201);
    // Whoever holds the link (org B's admins see it too) must sign in as the account (org A's SSO) to accept.
    const accept = await call("/api/v1/invitations/accept", { method: "POST", body: { token: invite.json.token, password: "Link-Holder-Pw-789!" } });
    expect(accept.status, accept.text).toBe(401);
    expect((await login(email, "Link-Holder-Pw-789!")).status).toBe(401);
  });
});

describe("org A's SCIM reaching a person of org B", () => {
  it("org A adds org B's owner to org A without any invitation (spec: members who already have an account are invited, not added)", async () => {
    const victim = await seedOrg("red-scim-victim");
    const res = await scim(tokenA, "/Users", "POST", oktaUser(victim.email));
    // Expected: an existing account is not made a member of another org without its consent.
    expect(res.status, `existing account added directly: ${res.text}`).not.toBe(201);
  });

  it("org A deactivating its 'member' signs org B's owner out of org B (sessions are global)", async () => {
    const victim = await seedOrg("red-scim-signout");
    const browser = await login(victim.email, victim.password);
    expect(browser.status).toBe(200);
    const session = browser.json.token as string;
    expect((await call(`/api/v1/orgs/${victim.orgId}/agents`, { token: session })).status).toBe(200);

    const added = await scim(tokenA, "/Users", "POST", oktaUser(victim.email));
    if (added.status !== 201) return; // refused above: nothing more to try
    for (let i = 0; i < 2; i++) {
      const off = await scim(tokenA, `/Users/${added.json.id}`, "PATCH", {
        schemas: [PATCH],
        Operations: [{ op: "replace", path: "active", value: false }],
      });
      expect(off.status, off.text).toBe(200);
      await scim(tokenA, `/Users/${added.json.id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: true }] });
    }
    // Expected: org A's decision about its own membership leaves the person's session in org B alone.
    const after = await call(`/api/v1/orgs/${victim.orgId}/agents`, { token: session });
    expect(after.status, "org B's owner was signed out by org A's SCIM").toBe(200);
  });

  it("org A's SCIM DELETE of the shared person also signs them out of org B", async () => {
    const victim = await seedOrg("red-scim-signout2");
    const session = (await login(victim.email, victim.password)).json.token as string;
    const added = await scim(tokenA, "/Users", "POST", oktaUser(victim.email));
    if (added.status !== 201) return;
    expect((await scim(tokenA, `/Users/${added.json.id}`, "DELETE")).status).toBe(204);
    expect((await call(`/api/v1/orgs/${victim.orgId}/agents`, { token: session })).status, "signed out of org B").toBe(200);
  });

  it("the account probe: org A learns whether an e-mail has an account anywhere on the platform", async () => {
    const victim = await seedOrg("red-scim-probe");
    const fresh = `${unique("nobody")}@example.test`;
    const existing = await scim(tokenA, "/Users", "POST", { ...oktaUser(victim.email), password: ATTACKER_PW });
    const created = await scim(tokenA, "/Users", "POST", { ...oktaUser(fresh), password: ATTACKER_PW });
    // Fix: a password is refused before any account is looked up, the same way for both.
    expect(existing.status).toBe(400);
    expect(created.status).toBe(400);
    expect(existing.json).toEqual(created.json);
    // The password A sent is taken for a new account and ignored for an existing one: a login tells them apart.
    const probeExisting = (await login(victim.email, ATTACKER_PW)).status;
    const probeFresh = (await login(fresh, ATTACKER_PW)).status;
    expect(probeExisting, "existing vs new account distinguishable").toBe(probeFresh);
  });
});

describe("SCIM surface (held expectations)", () => {
  it("filter injection and odd filters are refused as invalidFilter, never as a 500", async () => {
    for (const f of [
      `userName eq "x" or "1" eq "1"`,
      `userName eq "x\\" or userName ne \\""`,
      `userName pr`,
      `userName co "@"`,
      `password eq "x"`,
      `userName eq "${"a".repeat(5000)}"`,
      `userName eq "\\u0000"`,
    ]) {
      const res = await scim(tokenA, `/Users?filter=${encodeURIComponent(f)}`);
      expect(res.status, f).toBeLessThan(500);
      if (res.status === 200) expect(res.json.totalResults, f).toBe(0);
    }
  });

  it("paging with absurd numbers stays inside the org and never 500s", async () => {
    for (const q of ["startIndex=-5&count=-1", "startIndex=999999999999&count=5", "count=100000", "startIndex=abc", "count=1e9"]) {
      const res = await scim(tokenA, `/Users?${q}`);
      expect(res.status, q).toBeLessThan(500);
      for (const r of res.json?.Resources ?? []) expect(r.id).not.toBe(b.ownerId);
    }
  });

  it("a huge body is refused with 413 and a deep PATCH is refused without a 500", async () => {
    const big = { ...oktaUser(`${unique("big")}@example.test`), displayName: "x".repeat(300 * 1024) };
    const res = await scim(tokenA, "/Users", "POST", big);
    expect(res.status).toBe(413);
    const own = (await scim(tokenA, "/Users", "POST", oktaUser(`${unique("deep")}@example.test`))).json.id;
    const ops = Array.from({ length: 3000 }, (_, i) => ({ op: "add", path: "phoneNumbers", value: [{ value: `+1${i}`, type: "work" }] }));
    const patch = await scim(tokenA, `/Users/${own}`, "PATCH", { schemas: [PATCH], Operations: ops });
    expect(patch.status).toBeLessThan(500);
  });

  it("group PATCH cannot add another org's person or reach another org's team", async () => {
    const team = (await call(`/api/v1/orgs/${b.orgId}/teams`, { method: "POST", token: b.apiKey, body: { name: unique("bteam") } })).json.id;
    const g = await scim(tokenA, "/Groups", "POST", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: unique("ag") });
    expect(g.status).toBe(201);
    const add = await scim(tokenA, `/Groups/${g.json.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "add", path: "members", value: [{ value: b.ownerId }] }],
    });
    expect(add.status).toBe(400);
    const other = await scim(tokenA, `/Groups/${team}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "displayName", value: "pwned" }],
    });
    expect(other.status).toBe(404);
  });

  it("PATCH cannot make a member admin or owner through roles, userType or an extension", async () => {
    const own = (await scim(tokenA, "/Users", "POST", oktaUser(`${unique("esc")}@example.test`))).json.id;
    for (const op of [
      { op: "add", path: "roles", value: [{ value: "owner", primary: true }] },
      { op: "replace", path: "userType", value: "owner" },
      { op: "replace", value: { roles: [{ value: "admin" }] } },
      { op: "add", path: 'roles[value eq "admin"].primary', value: true },
      { op: "replace", path: "urn:ietf:params:scim:schemas:extension:palisade:2.0:User:role", value: "owner" },
    ]) {
      await scim(tokenA, `/Users/${own}`, "PATCH", { schemas: [PATCH], Operations: [op] });
    }
    const members = (await call(`/api/v1/orgs/${a.orgId}/members`, { token: a.apiKey })).json.items;
    expect(members.find((m: { id: string }) => m.id === own)?.role).toBe("member");
  });

  it("a SCIM group named like an existing team is a SCIM error, not a 500", async () => {
    const name = unique("dup-team");
    expect((await call(`/api/v1/orgs/${a.orgId}/teams`, { method: "POST", token: a.apiKey, body: { name } })).status).toBe(201);
    const res = await scim(tokenA, "/Groups", "POST", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: name });
    expect(res.status, res.text).toBeLessThan(500);
  });

  it("a person SCIM deactivated in org A no longer sees org A in /me or /orgs", async () => {
    // SCIM sets no passwords: the person is a member of A (with a password) and also of B.
    const person = await seedMember(a, "member");
    const inB = await call(`/api/v1/orgs/${b.orgId}/members`, { method: "POST", token: b.apiKey, body: { email: person.email, role: "member" } });
    const s0 = (await login(person.email, person.password)).json.token as string;
    expect([200, 201]).toContain((await call("/api/v1/invitations/accept", { method: "POST", token: s0, body: { token: inB.json.token } })).status);
    const off = await scim(tokenA, `/Users/${person.userId}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    expect(off.status, off.text).toBe(200);
    const s = (await login(person.email, person.password)).json.token as string;
    for (const path of ["/api/v1/me", "/api/v1/orgs"]) {
      const res = await call(path, { token: s });
      const ids = (path.endsWith("/me") ? res.json.orgs : res.json.items).map((o: { id: string }) => o.id);
      expect(ids, `${path}: deactivated org still listed with its role`).not.toContain(a.orgId);
      expect(ids, path).toContain(b.orgId);
    }
  });

  it("a group of 150 people (an ordinary Entra/Okta group) provisions without a 500", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const u = await scim(tokenA, "/Users", "POST", oktaUser(`${unique("bulk")}@example.test`));
      expect(u.status).toBe(201);
      ids.push(u.json.id);
    }
    const g = await scim(tokenA, "/Groups", "POST", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: unique("big-group"),
      members: ids.map((value) => ({ value })),
    });
    expect(g.status, g.text.slice(0, 300)).toBe(201);
    const put = await scim(tokenA, `/Groups/${g.json.id}`, "PUT", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: g.json.displayName,
      members: ids.slice(0, 140).map((value) => ({ value })),
    });
    expect(put.status, put.text.slice(0, 300)).toBe(200);
  });

  it("removing a leaver from a team of 101+ people through SCIM PATCH works (else the leaver keeps the team's agents)", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push((await scim(tokenA, "/Users", "POST", oktaUser(`${unique("team101")}@example.test`))).json.id);
    const g = await scim(tokenA, "/Groups", "POST", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: unique("grow-group"),
      members: ids.slice(0, 90).map((value) => ({ value })),
    });
    expect(g.status).toBe(201);
    // The team grows through the admin API (people added by hand), as teams do.
    for (const userId of ids.slice(90)) {
      const add = await call(`/api/v1/orgs/${a.orgId}/teams/${g.json.id}/members`, {
        method: "POST",
        token: a.apiKey,
        body: { userId, role: "member" },
      });
      expect(add.status).toBe(201);
    }
    const leaver = ids[0] as string;
    const res = await scim(tokenA, `/Groups/${g.json.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "remove", path: `members[value eq "${leaver}"]` }],
    });
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    const members = (await scim(tokenA, `/Groups/${g.json.id}`)).json.members.map((m: { value: string }) => m.value);
    expect(members, "the leaver is still in the team").not.toContain(leaver);
  });
});

describe("locking the org out through SCIM", () => {
  it("with two owners, SCIM deactivates one, then the other: the org has no active owner left", async () => {
    const org = await seedOrg("red-scim-lock");
    const second = await seedMember(org, "owner");
    const token = await scimTokenFor(org);
    const off = (id: string) =>
      scim(token, `/Users/${id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: false }] });
    expect((await off(second.userId)).status).toBe(200);
    const last = await off(org.ownerId);
    // Expected: the last *active* owner cannot be deactivated (the deactivated one still counts as an owner).
    expect(last.status, "the org's last active owner was deactivated").toBe(400);
    const stillOwner = await call(`/api/v1/orgs/${org.orgId}/members`, { token: org.apiKey });
    expect(stillOwner.status, "nobody can manage the org any more").toBe(200);
  });

  it("with two owners, SCIM deactivates one and deletes the other", async () => {
    const org = await seedOrg("red-scim-lock2");
    const second = await seedMember(org, "owner");
    const token = await scimTokenFor(org);
    expect(
      (await scim(token, `/Users/${second.userId}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: false }] }))
        .status,
    ).toBe(200);
    const del = await scim(token, `/Users/${org.ownerId}`, "DELETE");
    expect(del.status, "the last active owner was deleted").toBe(400);
  });
});

describe("one org's SCIM ends only that org's access (a person legitimately in two orgs)", () => {
  async function personInAandB() {
    const person = await seedMember(b, "owner");
    const invited = await call(`/api/v1/orgs/${a.orgId}/members`, { method: "POST", token: a.apiKey, body: { email: person.email, role: "member" } });
    expect([200, 201]).toContain(
      (await call("/api/v1/invitations/accept", { method: "POST", token: person.session, body: { token: invited.json.token } })).status,
    );
    const linked = await scim(tokenA, "/Users", "POST", oktaUser(person.email));
    expect(linked.status, linked.text).toBe(201);
    const session = (await login(person.email, person.password)).json.token as string;
    expect((await call(`/api/v1/orgs/${a.orgId}/agents`, { token: session })).status).toBe(200);
    return { ...person, session };
  }

  for (const how of ["deactivate", "delete"] as const) {
    it(`org A's SCIM ${how} closes org A at once and leaves the person signed in to org B`, async () => {
      const person = await personInAandB();
      const res =
        how === "delete"
          ? await scim(tokenA, `/Users/${person.userId}`, "DELETE")
          : await scim(tokenA, `/Users/${person.userId}`, "PATCH", {
              schemas: [PATCH],
              Operations: [{ op: "replace", path: "active", value: false }],
            });
      expect(res.status, res.text).toBeLessThan(300);
      expect((await call(`/api/v1/orgs/${a.orgId}/agents`, { token: person.session })).status).toBe(404);
      expect((await call(`/api/v1/orgs/${b.orgId}/agents`, { token: person.session })).status).toBe(200);
      expect((await call(`/api/v1/orgs/${b.orgId}/agents`, { token: person.apiKey })).status).toBe(200);
    });
  }
});

describe("a SCIM-deactivated member is not a member for agents either", () => {
  it("an agent cannot open a thread with a person SCIM deactivated (agent-tools isMember)", async () => {
    const agentId = (await call(`/api/v1/orgs/${a.orgId}/agents`, { method: "POST", token: a.apiKey, body: { name: unique("threads") } })).json.id;
    const agentToken = (await call(`/api/v1/orgs/${a.orgId}/agents/${agentId}/token`, { method: "POST", token: a.apiKey })).json.token as string;
    const person = await seedMember(a, "member");
    const open = () => call("/agent/v1/threads", { method: "POST", token: agentToken, body: { userId: person.userId, title: "help" } });
    expect((await open()).status).toBe(201);
    const off = await scim(tokenA, `/Users/${person.userId}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    expect(off.status, off.text).toBe(200);
    expect((await open()).status).toBe(404);
  });
});
