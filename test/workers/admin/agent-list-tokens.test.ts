// The agent list carries each agent's active token prefix (the dashboard shows token status
// from it): set after create and rotate, null once revoked, never the token itself.
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../support/api.js";

describe("agent list token prefixes", () => {
  it("follows create, rotate and revoke", async () => {
    const org = await seedOrg("prefixes");
    const base = `/api/v1/orgs/${org.orgId}/agents`;
    const a = await call(base, { method: "POST", token: org.apiKey, body: { name: "a" } });
    const b = await call(base, { method: "POST", token: org.apiKey, body: { name: "b" } });
    expect(a.status).toBe(201);
    const prefixOf = async (id: string) => {
      const list = await call(`${base}?limit=200`, { token: org.apiKey });
      expect(list.status).toBe(200);
      expect(list.text).not.toContain(a.json.token);
      return list.json.items.find((x: { id: string }) => x.id === id)?.tokenPrefix;
    };
    expect(await prefixOf(a.json.id)).toBe(a.json.tokenPrefix);
    expect(a.json.token.startsWith(a.json.tokenPrefix)).toBe(true);

    const rotated = await call(`${base}/${a.json.id}/token`, { method: "POST", token: org.apiKey });
    expect(await prefixOf(a.json.id)).toBe(rotated.json.prefix);

    expect((await call(`${base}/${a.json.id}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect(await prefixOf(a.json.id)).toBeNull();
    expect(await prefixOf(b.json.id)).toBe(b.json.tokenPrefix);
  });
});
