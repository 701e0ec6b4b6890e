// Attacks that keep using what a person held after SCIM deactivated or deleted them: a dashboard
// session (Bearer or cookie), an admin API key, an MCP client's OAuth access and refresh tokens,
// a new consent, and credentials from before a reactivation. All must end at once.
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg, unique } from "../workers/support/api.js";
import { authorizeByHand, listWith, oauthTokens, sessionOf, tokenRequest } from "../workers/support/oauth.js";
import { PATCH, linkedMember, scim, scimTokenFor } from "../workers/support/scim.js";

let org: SeededOrg;
let token: string;
let teamId: string;
let agentId: string;

/** A person provisioned over SCIM, in the agent's team, holding a session, an admin key and an OAuth grant. */
async function provisioned() {
  const { id, body, password } = await linkedMember(org, token);
  const group = await scim(token, `/Groups/${teamId}`, "PATCH", {
    schemas: [PATCH],
    Operations: [{ op: "add", path: "members", value: [{ value: id }] }],
  });
  expect(group.status, group.text).toBe(200);
  const session = await sessionOf(body.userName, password);
  const key = (await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: session, body: { name: "k" } })).json.key as string;
  const oauth = await oauthTokens(await sessionOf(body.userName, password), agentId);
  expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: session })).status).toBe(200);
  expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: key })).status).toBe(200);
  expect((await listWith(oauth.access)).status).toBe(200);
  return { id, body, password, session, key, oauth };
}

async function assertAllEnded(held: Awaited<ReturnType<typeof provisioned>>) {
  expect((await call("/api/v1/me", { token: held.session })).status).toBe(401);
  expect((await call("/api/v1/me", { headers: { cookie: `__Host-pal_session=${held.session}` } })).status).toBe(401);
  expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: held.key })).status).toBe(401);
  expect((await listWith(held.oauth.access)).status).toBe(401);
  const refreshed = await tokenRequest({ grant_type: "refresh_token", refresh_token: held.oauth.refresh, client_id: held.oauth.clientId });
  expect(refreshed.status).toBe(400);
}

beforeAll(async () => {
  org = await seedOrg("scim-leftovers");
  token = await scimTokenFor(org);
  teamId = (await scim(token, "/Groups", "POST", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: unique("ops") })).json.id;
  agentId = (await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "ops-agent", teamId } })).json.id;
});

describe("deactivation not ending sessions, keys or OAuth grants", () => {
  it("Entra's PATCH active \"False\" ends the session, the key and the MCP client's tokens", async () => {
    const held = await provisioned();
    const res = await scim(token, `/Users/${held.id}`, "PATCH", {
      schemas: [PATCH],
      Operations: [{ op: "Replace", path: "active", value: "False" }],
    });
    expect(res.status).toBe(200);
    await assertAllEnded(held);
  });

  it("Okta's pathless replace {active: false} ends them too", async () => {
    const held = await provisioned();
    expect(
      (await scim(token, `/Users/${held.id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] })).status,
    ).toBe(200);
    await assertAllEnded(held);
  });

  it("PUT with active false ends them", async () => {
    const held = await provisioned();
    expect((await scim(token, `/Users/${held.id}`, "PUT", { ...held.body, active: false })).status).toBe(200);
    await assertAllEnded(held);
  });

  it("DELETE ends them and the person is no longer a member", async () => {
    const held = await provisioned();
    expect((await scim(token, `/Users/${held.id}`, "DELETE")).status).toBe(204);
    await assertAllEnded(held);
    const members = (await call(`/api/v1/orgs/${org.orgId}/members`, { token: org.apiKey })).json.items as Array<{ id: string }>;
    expect(members.map((m) => m.id)).not.toContain(held.id);
  });

  it("a deactivated person signing in again can neither open the org nor consent for its agents", async () => {
    const held = await provisioned();
    await scim(token, `/Users/${held.id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: false }] });
    const again = await sessionOf(held.body.userName, held.password);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents`, { token: again })).status).toBe(404);
    const auth = await authorizeByHand(again, agentId);
    expect(auth.page.html).not.toContain(agentId);
    expect(auth.code).toBeUndefined();
  });

  it("reactivation does not bring back what deactivation ended", async () => {
    const held = await provisioned();
    await scim(token, `/Users/${held.id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: false }] });
    expect(
      (await scim(token, `/Users/${held.id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: true }] })).json
        .active,
    ).toBe(true);
    await assertAllEnded(held);
    // A new sign-in works again.
    const fresh = await sessionOf(held.body.userName, held.password);
    expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: fresh })).status).toBe(200);
  });

  it("the deactivation is audited with what it ended", async () => {
    const held = await provisioned();
    await scim(token, `/Users/${held.id}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: false }] });
    const events = (await call(`/api/v1/orgs/${org.orgId}/audit?action=user.access.revoke&resourceId=${held.id}`, { token: org.apiKey })).json.items;
    // linkedMember signs in once and makes an admin key when it joins: one more of each.
    expect(events[0]).toMatchObject({ result: "success", reason: "scim.user.deactivate", details: { signedOut: 3, adminKeys: 2, oauthGrants: 1 } });
  });
});
