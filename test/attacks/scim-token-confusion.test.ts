// Attacks on SCIM's credential: an org's SCIM token used on another org's users and groups, a
// SCIM token used on the admin API (and admin keys, sessions and agent tokens used on SCIM), a
// rotated or revoked SCIM token, and who may issue one.
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedMember, seedOrg, unique } from "../workers/support/api.js";
import { oktaUser, scim, scimTokenFor } from "../workers/support/scim.js";

let a: SeededOrg;
let b: SeededOrg;
let tokenA: string;
let tokenB: string;
let userB: string;
let groupB: string;

beforeAll(async () => {
  a = await seedOrg("scim-a");
  b = await seedOrg("scim-b");
  tokenA = await scimTokenFor(a);
  tokenB = await scimTokenFor(b);
  userB = (await scim(tokenB, "/Users", "POST", oktaUser(`${unique("b-user")}@example.test`))).json.id;
  groupB = (
    await scim(tokenB, "/Groups", "POST", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: unique("b-group"),
      members: [{ value: userB }],
    })
  ).json.id;
});

describe("SCIM token of another org", () => {
  it("reads nothing of the other org: its users and groups are not found, lists hold only its own", async () => {
    expect((await scim(tokenA, `/Users/${userB}`)).status).toBe(404);
    expect((await scim(tokenA, `/Groups/${groupB}`)).status).toBe(404);
    expect((await scim(tokenA, `/Users/${b.ownerId}`)).status).toBe(404);
    const list = await scim(tokenA, "/Users?count=200");
    expect(list.json.Resources.map((r: { id: string }) => r.id)).not.toContain(userB);
    const byName = await scim(tokenA, `/Users?filter=${encodeURIComponent(`userName eq "${b.email}"`)}`);
    expect(byName.json.totalResults).toBe(0);
  });

  it("changes nothing of the other org: PUT, PATCH and DELETE on its ids are not found", async () => {
    const patch = { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] };
    expect((await scim(tokenA, `/Users/${userB}`, "PATCH", patch)).status).toBe(404);
    expect((await scim(tokenA, `/Users/${userB}`, "PUT", oktaUser("x@example.test"))).status).toBe(404);
    expect((await scim(tokenA, `/Users/${userB}`, "DELETE")).status).toBe(404);
    expect((await scim(tokenA, `/Groups/${groupB}`, "DELETE")).status).toBe(404);
    const still = await scim(tokenB, `/Users/${userB}`);
    expect(still.json.active).toBe(true);
    expect((await scim(tokenB, `/Groups/${groupB}`)).status).toBe(200);
  });

  it("cannot put another org's user into its own group", async () => {
    const res = await scim(tokenA, "/Groups", "POST", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: unique("grab"),
      members: [{ value: userB }],
    });
    expect(res.status).toBe(400);
    expect(res.json.scimType).toBe("invalidValue");
  });
});

describe("SCIM token on the admin API, and other credentials on SCIM", () => {
  it.each([
    ["its own org", () => `/api/v1/orgs/${a.orgId}/teams`],
    ["its own org's members", () => `/api/v1/orgs/${a.orgId}/members`],
    ["the caller's identity", () => "/api/v1/me"],
  ])("a SCIM token opens nothing on the admin API: %s", async (_label, path) => {
    const res = await call(path(), { token: tokenA });
    expect(res.status).toBe(401);
  });

  it("a SCIM token is not an agent token at the gateways", async () => {
    for (const path of ["/agent/v1/me", "/llm/openai/v1/models"]) expect((await call(path, { token: tokenA })).status).toBe(401);
  });

  it("admin keys, sessions and agent tokens open nothing on SCIM", async () => {
    const login = await call("/api/v1/login", { method: "POST", body: { email: a.email, password: a.password } });
    const agent = await call(`/api/v1/orgs/${a.orgId}/agents`, { method: "POST", token: a.apiKey, body: { name: "scim-probe" } });
    for (const token of [a.apiKey, login.json.token, agent.json.token]) {
      const res = await scim(token, "/Users");
      expect(res.status).toBe(401);
      expect(res.json.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
    }
    // The session cookie does not open SCIM either.
    const cookie = await call("/scim/v2/Users", { headers: { cookie: `__Host-pal_session=${login.json.token}` } });
    expect(cookie.status).toBe(401);
  });
});

describe("rotated, revoked and unauthorised SCIM tokens", () => {
  it("a rotated token stops working at once; a revoked one too", async () => {
    const org = await seedOrg("scim-rot");
    const first = await scimTokenFor(org);
    expect((await scim(first, "/Users")).status).toBe(200);
    const second = await scimTokenFor(org);
    expect((await scim(first, "/Users")).status).toBe(401);
    expect((await scim(second, "/Users")).status).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/scim/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await scim(second, "/Users")).status).toBe(401);
  });

  it("only an owner issues the token; an admin, a member and another org's owner cannot", async () => {
    const admin = await seedMember(a, "admin");
    const member = await seedMember(a, "member");
    expect((await call(`/api/v1/orgs/${a.orgId}/scim/token`, { method: "POST", token: admin.apiKey })).status).toBe(403);
    expect((await call(`/api/v1/orgs/${a.orgId}/scim/token`, { method: "POST", token: member.apiKey })).status).toBe(403);
    expect((await call(`/api/v1/orgs/${a.orgId}/scim/token`, { method: "POST", token: b.apiKey })).status).toBe(404);
    expect((await scim(tokenA, "/Users")).status).toBe(200);
  });

  it.each([
    ["a made-up token with the right prefix", "pal_scim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["an over-long token", `pal_scim_${"x".repeat(5000)}`],
    ["a token with the prefix cut", "scim_token"],
  ])("%s is refused in SCIM's error format", async (_label, token) => {
    const res = await scim(token, "/Users");
    expect(res.status).toBe(401);
    expect(res.json.status).toBe("401");
  });
});
