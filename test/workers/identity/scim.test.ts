// SCIM 2.0 through the Worker's entry, in the request shapes Microsoft Entra ID and Okta send
// (from their public SCIM provisioning docs): create, filter, PATCH with Operations, PUT,
// groups ↔ teams, deactivation ending a live session and an admin key, discovery and errors.
import { describe, expect, it } from "vitest";
import { auditEventsOf, call, seedOrg, unique } from "../support/api.js";
import { ENTERPRISE, ERROR, GROUP, PATCH, USER, entraUser, linkedMember, oktaUser, scim, scimTokenFor } from "../support/scim.js";

describe("SCIM Users in Entra ID's shapes", () => {
  it('creates, finds by userName and externalId, patches with Operations, and deactivates with active "False"', async () => {
    const org = await seedOrg("entra");
    const token = await scimTokenFor(org);
    const email = `${unique("dana")}@example.test`;

    // Entra first looks the user up by its matching attribute.
    const before = await scim(token, `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`);
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ totalResults: 0, Resources: [] });

    const body = entraUser(email);
    const created = await scim(token, "/Users", "POST", body);
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get("content-type")).toContain("application/scim+json");
    expect(created.json).toMatchObject({
      schemas: [USER],
      userName: email,
      externalId: body.externalId,
      active: true,
      name: { givenName: "Dana", familyName: "Ruiz" },
    });
    expect(created.json).not.toHaveProperty("password");
    const id = created.json.id as string;

    const byExternal = await scim(token, `/Users?filter=${encodeURIComponent(`externalId eq "${body.externalId}"`)}`);
    expect(byExternal.json.totalResults).toBe(1);
    expect(byExternal.json.Resources[0].id).toBe(id);

    // Entra's PATCH: capitalised ops, a path per attribute, a filtered e-mail path, booleans as strings.
    const renamed = `${unique("dana.r")}@example.test`;
    const patched = await scim(token, `/Users/${id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [
        { op: "Replace", path: "displayName", value: "Dana R." },
        { op: "Replace", path: "name.familyName", value: "Ruiz-Ortega" },
        { op: "Replace", path: 'emails[type eq "work"].value', value: renamed },
        { op: "Add", path: `${ENTERPRISE}:department`, value: "Security" },
      ],
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ displayName: "Dana R.", name: { familyName: "Ruiz-Ortega" }, userName: renamed });

    const off = await scim(token, `/Users/${id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    expect(off.status, off.text).toBe(200);
    expect(off.json.active).toBe(false);
    expect((await scim(token, `/Users/${id}`)).json.active).toBe(false);

    const on = await scim(token, `/Users/${id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "True" }] });
    expect(on.json.active).toBe(true);

    expect((await auditEventsOf(org, "scim.user.create")).length).toBe(1);
    expect((await auditEventsOf(org, "scim.user.patch")).length).toBeGreaterThanOrEqual(3);
  });

  it("pages the list with startIndex and count", async () => {
    const org = await seedOrg("paging");
    const token = await scimTokenFor(org);
    for (let i = 0; i < 3; i++) expect((await scim(token, "/Users", "POST", entraUser(`${unique("p")}@example.test`))).status).toBe(201);
    const first = await scim(token, "/Users?startIndex=1&count=2");
    expect(first.json).toMatchObject({ totalResults: 4, startIndex: 1, itemsPerPage: 2 });
    const second = await scim(token, "/Users?startIndex=3&count=2");
    expect(second.json).toMatchObject({ totalResults: 4, startIndex: 3, itemsPerPage: 2 });
    const ids = [...first.json.Resources, ...second.json.Resources].map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(4);
  });
});

describe("SCIM Users in Okta's shapes", () => {
  it("refuses a password, creates without one, replaces with PUT, deactivates with a pathless replace, and deletes", async () => {
    const org = await seedOrg("okta");
    const token = await scimTokenFor(org);
    const email = `${unique("sam")}@example.test`;
    const body = oktaUser(email);
    // Okta with password sync on: refused before anything is written.
    const withPassword = await scim(token, "/Users", "POST", { ...body, password: "1mz050nq-Okta-Pw" });
    expect(withPassword.status).toBe(400);
    expect(withPassword.json).toMatchObject({ schemas: [ERROR], status: "400", scimType: "invalidValue" });
    expect(withPassword.json.detail).toContain("SCIM does not manage passwords");
    const created = await scim(token, "/Users", "POST", body);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;

    // The account has no password: nothing signs it in but SSO or an invitation.
    expect((await call("/api/v1/login", { method: "POST", body: { email, password: "1mz050nq-Okta-Pw" } })).status).toBe(401);
    const patchPassword = await scim(token, `/Users/${id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", path: "password", value: "1mz050nq-Okta-Pw2" }],
    });
    expect(patchPassword.status).toBe(400);
    expect(patchPassword.json.scimType).toBe("invalidValue");

    const put = await scim(token, `/Users/${id}`, "PUT", {
      ...body,
      id,
      name: { givenName: "Samuel", familyName: "Lee" },
      displayName: "Samuel Lee",
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ displayName: "Samuel Lee", name: { givenName: "Samuel" } });

    const off = await scim(token, `/Users/${id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] });
    expect(off.status, off.text).toBe(200);
    expect(off.json.active).toBe(false);

    expect((await scim(token, `/Users/${id}`, "DELETE")).status).toBe(204);
    const gone = await scim(token, `/Users/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({ schemas: [ERROR], status: "404" });
  });

  it("answers a duplicate userName with 409 uniqueness", async () => {
    const org = await seedOrg("dup");
    const token = await scimTokenFor(org);
    const email = `${unique("dup")}@example.test`;
    expect((await scim(token, "/Users", "POST", oktaUser(email))).status).toBe(201);
    const again = await scim(token, "/Users", "POST", oktaUser(email));
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ schemas: [ERROR], status: "409", scimType: "uniqueness" });
  });
});

describe("SCIM Groups ↔ teams", () => {
  it("creates a group with members, adds and removes members the Entra and Okta ways, renames and deletes", async () => {
    const org = await seedOrg("groups");
    const token = await scimTokenFor(org);
    const a = (await scim(token, "/Users", "POST", oktaUser(`${unique("a")}@example.test`))).json.id as string;
    const b = (await scim(token, "/Users", "POST", entraUser(`${unique("b")}@example.test`))).json.id as string;
    const c = (await scim(token, "/Users", "POST", entraUser(`${unique("c")}@example.test`))).json.id as string;

    const created = await scim(token, "/Groups", "POST", {
      schemas: [GROUP],
      displayName: unique("Engineering"),
      externalId: "grp-1",
      members: [{ value: a }],
    });
    expect(created.status, created.text).toBe(201);
    const gid = created.json.id as string;
    expect(gid).toMatch(/^team_/);

    // The group is the team: its members are the team's.
    const ids = async () => {
      const res = await call(`/api/v1/orgs/${org.orgId}/teams/${gid}/members`, { token: org.apiKey });
      return (res.json.items as Array<{ userId: string }>).map((m) => m.userId).sort();
    };
    expect(await ids()).toEqual([a]);

    // Entra: Add members with a path; Okta: add members with a path.
    expect(
      (await scim(token, `/Groups/${gid}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Add", path: "members", value: [{ value: b }] }] }))
        .status,
    ).toBe(200);
    expect(
      (
        await scim(token, `/Groups/${gid}`, "PATCH", {
          schemas: [PATCH],
          Operations: [{ op: "add", path: "members", value: [{ value: c, display: "c" }] }],
        })
      ).status,
    ).toBe(200);
    expect(await ids()).toEqual([a, b, c].sort());

    // Okta: remove with a filtered path; Entra: remove with a value list.
    expect(
      (await scim(token, `/Groups/${gid}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "remove", path: `members[value eq "${a}"]` }] })).status,
    ).toBe(200);
    expect(
      (await scim(token, `/Groups/${gid}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Remove", path: "members", value: [{ value: b }] }] }))
        .status,
    ).toBe(200);
    expect(await ids()).toEqual([c]);

    // Okta renames with a pathless replace carrying the id.
    const name = unique("Platform");
    const renamed = await scim(token, `/Groups/${gid}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "replace", value: { id: gid, displayName: name } }],
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json).toMatchObject({ displayName: name, members: [{ value: c }] });

    const listed = await scim(token, `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`);
    expect(listed.json.totalResults).toBe(1);

    expect((await scim(token, `/Groups/${gid}`, "DELETE")).status).toBe(204);
    expect((await call(`/api/v1/orgs/${org.orgId}/teams/${gid}`, { token: org.apiKey })).status).toBe(404);
  });
});

describe("SCIM deactivation", () => {
  it("ends the person's live dashboard session and admin key at once", async () => {
    const org = await seedOrg("deact");
    const token = await scimTokenFor(org);
    const person = await linkedMember(org, token);
    const id = person.id;

    const login = await call("/api/v1/login", { method: "POST", body: { email: person.email, password: person.password } });
    expect(login.status).toBe(200);
    const session = login.json.token as string;
    const key = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: session, body: { name: "laptop" } });
    expect(key.status, key.text).toBe(201);
    // Both work now.
    expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: session })).status).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: key.json.key })).status).toBe(200);

    const off = await scim(token, `/Users/${id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: false }] });
    expect(off.status, off.text).toBe(200);

    expect((await call("/api/v1/me", { token: session })).status).toBe(401);
    expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: key.json.key })).status).toBe(401);
    // Signing in again opens nothing in this org.
    const again = await call("/api/v1/login", { method: "POST", body: { email: person.email, password: person.password } });
    expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: again.json.token })).status).toBe(404);

    const revoked = await auditEventsOf(org, "user.access.revoke");
    // linkedMember signed in once and made an admin key when it joined: one more of each.
    expect(revoked[0]).toMatchObject({ result: "success", details: { signedOut: 2, adminKeys: 2 } });
  });
});

describe("SCIM discovery and errors", () => {
  it("serves ServiceProviderConfig, ResourceTypes and Schemas", async () => {
    const org = await seedOrg("disco");
    const token = await scimTokenFor(org);
    const config = await scim(token, "/ServiceProviderConfig");
    expect(config.status).toBe(200);
    expect(config.json).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false } });
    const types = await scim(token, "/ResourceTypes");
    expect(types.json.Resources.map((r: { id: string }) => r.id)).toEqual(["User", "Group"]);
    const schemas = await scim(token, "/Schemas");
    expect(schemas.json.Resources.map((r: { id: string }) => r.id)).toEqual([USER, GROUP]);
  });

  it("answers bad requests in SCIM's error format with nothing changed", async () => {
    const org = await seedOrg("errs");
    const token = await scimTokenFor(org);
    const email = `${unique("e")}@example.test`;
    const badFilter = await scim(token, `/Users?filter=${encodeURIComponent('userName co "x"')}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.json).toMatchObject({ schemas: [ERROR], status: "400", scimType: "invalidFilter" });

    const notJson = await call("/scim/v2/Users", { method: "POST", token, rawBody: "{", headers: { "content-type": "application/scim+json" } });
    expect(notJson.json).toMatchObject({ status: "400", scimType: "invalidSyntax" });

    const badEmail = await scim(token, "/Users", "POST", { ...oktaUser("not-an-email") });
    expect(badEmail.json).toMatchObject({ status: "400", scimType: "invalidValue" });
    expect((await scim(token, `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`)).json.totalResults).toBe(0);

    const noAuth = await call("/scim/v2/Users");
    expect(noAuth.status).toBe(401);
    expect(noAuth.json).toMatchObject({ schemas: [ERROR], status: "401" });
  });
});
