// SCIM from the tests' side: the org's token, requests as identity providers send them, and the
// User bodies Microsoft Entra ID and Okta send on create (from their public provisioning docs).
import { expect } from "vitest";
import { type SeededOrg, call, seedMember, unique } from "./api.js";

export const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

export async function scimTokenFor(org: SeededOrg): Promise<string> {
  const res = await call(`/api/v1/orgs/${org.orgId}/scim/token`, { method: "POST", token: org.apiKey });
  expect(res.status, res.text).toBe(201);
  expect(res.json.token).toMatch(/^pal_scim_/);
  return res.json.token;
}

export function scim(token: string, path: string, method = "GET", body?: unknown) {
  return call(`/scim/v2${path}`, {
    method,
    token,
    ...(body === undefined ? {} : { rawBody: JSON.stringify(body), headers: { "content-type": "application/scim+json" } }),
  });
}

/** The body Entra ID sends to create a user (its default attribute mappings). */
export function entraUser(email: string, externalId = crypto.randomUUID()) {
  return {
    schemas: [USER, ENTERPRISE],
    externalId,
    userName: email,
    active: true,
    displayName: "Dana Ruiz",
    title: "Engineer",
    preferredLanguage: "en-US",
    emails: [{ primary: true, type: "work", value: email }],
    meta: { resourceType: "User" },
    name: { formatted: "Dana Ruiz", familyName: "Ruiz", givenName: "Dana" },
    phoneNumbers: [{ type: "work", value: "+1 555 0100" }],
    addresses: [
      {
        type: "work",
        formatted: "1 Main St",
        streetAddress: "1 Main St",
        locality: "Springfield",
        region: "IL",
        postalCode: "62701",
        country: "US",
        primary: false,
      },
    ],
    roles: [],
    [ENTERPRISE]: { employeeNumber: "1234", department: "R&D", manager: { value: "mgr-1" } },
  };
}

/** The body Okta sends to create a user (password sync off: Palisade's SCIM refuses passwords). */
export function oktaUser(email: string, externalId = `00u${unique("okta").replace(/-/g, "")}`) {
  return {
    schemas: [USER],
    userName: email,
    name: { givenName: "Sam", familyName: "Lee" },
    emails: [{ primary: true, value: email, type: "work" }],
    displayName: "Sam Lee",
    locale: "en-US",
    externalId,
    groups: [],
    active: true,
  };
}

/**
 * A person who can sign in and whom the org's identity provider manages: invited into the org
 * (with a password), then linked by SCIM's POST /Users, as an IdP takes over existing members.
 */
export async function linkedMember(org: SeededOrg, token: string) {
  const member = await seedMember(org, "member");
  const body = oktaUser(member.email);
  const linked = await scim(token, "/Users", "POST", body);
  expect(linked.status, linked.text).toBe(201);
  expect(linked.json.id).toBe(member.userId);
  return { id: member.userId, email: member.email, password: member.password, body };
}
