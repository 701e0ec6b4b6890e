// Attacks through SCIM's payloads: unknown attributes injected at any depth and by any PATCH form,
// role escalation (roles, groups, admin-looking attributes), taking over an account that another
// org shares, and malformed PATCH paths. Each is refused in SCIM's error format with nothing changed.
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg, unique } from "../workers/support/api.js";
import { PATCH, USER, entraUser, oktaUser, scim, scimTokenFor } from "../workers/support/scim.js";

let org: SeededOrg;
let token: string;
let userId: string;
let email: string;

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

async function unchanged() {
  const now = await scim(token, `/Users/${userId}`);
  expect(now.json).toMatchObject({ userName: email, active: true, displayName: "Sam Lee" });
  const member = (await call(`/api/v1/orgs/${org.orgId}/members`, { token: org.apiKey })).json.items.find((m: { id: string }) => m.id === userId);
  expect(member.role).toBe("member");
}

beforeAll(async () => {
  org = await seedOrg("scim-inj");
  token = await scimTokenFor(org);
  email = `${unique("victim")}@example.test`;
  userId = (await scim(token, "/Users", "POST", oktaUser(email))).json.id;
});

describe("SCIM injection of unknown attributes", () => {
  it.each([
    ["a top-level attribute", { isAdmin: true }],
    ["a role attribute", { role: "owner" }],
    ["a nested name attribute", { name: { givenName: "A", evil: "x" } }],
    ["an attribute inside emails", { emails: [{ value: "x@example.test", type: "work", verified: true }] }],
    ["an unknown extension attribute", { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { clearance: "top" } }],
    ["an unknown schema's object", { "urn:example:params:scim:schemas:extension:palisade:2.0:User": { role: "owner" } }],
  ])("PUT with %s is refused (400) with nothing changed", async (_label, extra) => {
    const res = await scim(token, `/Users/${userId}`, "PUT", { ...oktaUser(email), ...extra, name: { ...(extra as { name?: object }).name } });
    expect(res.status).toBe(400);
    expect(["invalidSyntax", "invalidValue"]).toContain(res.json.scimType);
    await unchanged();
  });

  it.each([
    ["a path to an unknown attribute", patch({ op: "add", path: "isAdmin", value: true })],
    ["a pathless value with an unknown key", patch({ op: "replace", value: { displayName: "Changed", isAdmin: true } })],
    ["a sub-attribute path that is unknown", patch({ op: "Replace", path: "name.clearance", value: "top" })],
    [
      "an extension path to an unknown attribute",
      patch({ op: "Add", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:clearance", value: "top" }),
    ],
    [
      "a good operation followed by a bad one",
      patch({ op: "replace", path: "displayName", value: "Changed" }, { op: "add", path: "superuser", value: true }),
    ],
  ])("PATCH with %s is refused with nothing changed", async (_label, body) => {
    const res = await scim(token, `/Users/${userId}`, "PATCH", body);
    expect(res.status).toBe(400);
    await unchanged();
  });

  it("POST with an unknown attribute creates nobody", async () => {
    const newEmail = `${unique("ghost")}@example.test`;
    const res = await scim(token, "/Users", "POST", { ...entraUser(newEmail), isAdmin: true });
    expect(res.status).toBe(400);
    expect((await scim(token, `/Users?filter=${encodeURIComponent(`userName eq "${newEmail}"`)}`)).json.totalResults).toBe(0);
  });
});

describe("role escalation through SCIM", () => {
  it.each([
    ["roles on create", "POST", () => ({ ...oktaUser(`${unique("esc")}@example.test`), roles: [{ value: "owner", primary: true }] })],
    ["roles on replace", "PUT", () => ({ ...oktaUser(email), roles: [{ value: "admin" }] })],
    ["groups on replace", "PUT", () => ({ ...oktaUser(email), groups: [{ value: "team_x" }] })],
  ])("%s is refused", async (_label, method, body) => {
    const res = await scim(token, method === "POST" ? "/Users" : `/Users/${userId}`, method, body());
    expect(res.status).toBe(400);
    await unchanged();
  });

  it.each([
    ["add roles", patch({ op: "add", path: "roles", value: [{ value: "owner" }] })],
    ["replace roles pathless", patch({ op: "replace", value: { roles: [{ value: "admin" }] } })],
    ["a filtered roles path", patch({ op: "Add", path: 'roles[value eq "owner"].primary', value: true })],
  ])("PATCH that tries to %s is refused", async (_label, body) => {
    const res = await scim(token, `/Users/${userId}`, "PATCH", body);
    expect(res.status).toBe(400);
    await unchanged();
  });

  it("SCIM cannot deactivate or delete the org's last owner (locking the org)", async () => {
    expect((await scim(token, `/Users/${org.ownerId}`, "PATCH", patch({ op: "replace", path: "active", value: false }))).status).toBe(400);
    expect((await scim(token, `/Users/${org.ownerId}`, "DELETE")).status).toBe(400);
    expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: org.apiKey })).status).toBe(200);
  });
});

describe("taking over an account another org shares", () => {
  it("neither the e-mail nor the password of an account in another org can be changed", async () => {
    const other = await seedOrg("scim-shared");
    // Provisioning another org's account here is refused (409), with or without a password: SCIM
    // never adds an existing account (it is invited) and never sets a password.
    const withPassword = await scim(token, "/Users", "POST", { ...oktaUser(other.email), password: "attacker-chosen-Pw1" });
    expect(withPassword.status, withPassword.text).toBe(400);
    expect(withPassword.json.scimType).toBe("invalidValue");
    const adopted = await scim(token, "/Users", "POST", oktaUser(other.email));
    expect(adopted.status, adopted.text).toBe(409);
    expect(adopted.json.scimType).toBe("uniqueness");
    expect((await call("/api/v1/login", { method: "POST", body: { email: other.email, password: "attacker-chosen-Pw1" } })).status).toBe(401);
    expect((await call("/api/v1/login", { method: "POST", body: { email: other.email, password: other.password } })).status).toBe(200);
    // The same person joins this org by invitation (signed in), and SCIM then links them.
    const invited = await call(`/api/v1/orgs/${org.orgId}/members`, {
      method: "POST",
      token: org.apiKey,
      body: { email: other.email, role: "member" },
    });
    const session = (await call("/api/v1/login", { method: "POST", body: { email: other.email, password: other.password } })).json.token;
    expect([200, 201]).toContain(
      (await call("/api/v1/invitations/accept", { method: "POST", token: session, body: { token: invited.json.token } })).status,
    );
    const created = await scim(token, "/Users", "POST", oktaUser(other.email));
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    expect(id).toBe(other.ownerId);
    // Renaming the shared account (its sign-in name) is refused.
    const renamed = await scim(token, `/Users/${id}`, "PATCH", patch({ op: "replace", path: "userName", value: `${unique("hijack")}@example.test` }));
    expect(renamed.status).toBe(400);
    expect(renamed.json.scimType).toBe("mutability");
    expect((await call("/api/v1/me", { token: other.apiKey })).json.user.email).toBe(other.email);
  });

  it("renaming to an e-mail another account holds is a uniqueness conflict", async () => {
    const mine = (await scim(token, "/Users", "POST", oktaUser(`${unique("own")}@example.test`))).json.id;
    const res = await scim(token, `/Users/${mine}`, "PATCH", patch({ op: "replace", path: "userName", value: org.email }));
    expect(res.status).toBe(409);
    expect(res.json.scimType).toBe("uniqueness");
  });
});

describe("malformed PATCH", () => {
  it.each([
    ["an unknown op", patch({ op: "merge", path: "displayName", value: "x" })],
    ["a remove without a path", patch({ op: "remove" })],
    ["a path with an unsupported filter", patch({ op: "replace", path: 'emails[type ne "work"].value', value: "x@example.test" })],
    ["a path with garbage", patch({ op: "replace", path: "display Name", value: "x" })],
    ["no Operations", { schemas: [PATCH] }],
    ["the wrong schema", { schemas: [USER], Operations: [{ op: "replace", path: "displayName", value: "x" }] }],
    ["active as a number", patch({ op: "replace", path: "active", value: 0 })],
  ])("%s is refused with nothing changed", async (_label, body) => {
    const res = await scim(token, `/Users/${userId}`, "PATCH", body);
    expect(res.status).toBe(400);
    expect(res.json.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
    await unchanged();
  });
});
