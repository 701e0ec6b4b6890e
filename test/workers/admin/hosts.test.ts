// Host enrollment: one-time pal_host_ tokens exchanged for a host credential, status in the API.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, seedOrg } from "../support/api.js";

describe("host enrollment", () => {
  it("issues a one-time token that a daemon exchanges for its own credential", async () => {
    const org = await seedOrg("hosts");
    const enrollment = await call(`/api/v1/orgs/${org.orgId}/hosts`, { method: "POST", token: org.apiKey, body: { pool: "onprem" } });
    expect(enrollment.status).toBe(201);
    expect(enrollment.json.enrollmentToken).toMatch(/^pal_host_/);

    const enrolled = await call("/api/v1/hosts/enroll", {
      method: "POST",
      token: enrollment.json.enrollmentToken,
      body: { name: "rack-1", version: "0.1.0" },
    });
    expect(enrolled.status).toBe(201);
    expect(enrolled.json).toMatchObject({ orgId: org.orgId, pool: "onprem", hostId: expect.stringMatching(/^host_/) });
    expect(enrolled.json.credential).toMatch(/^pal_hostkey_/);

    // One time only, even for a concurrent second daemon.
    const again = await call("/api/v1/hosts/enroll", { method: "POST", token: enrollment.json.enrollmentToken, body: { name: "rack-2" } });
    expect(again.status).toBe(401);
    expectErrorShape(again);

    const hosts = await call(`/api/v1/orgs/${org.orgId}/hosts`, { token: org.apiKey });
    expect(hosts.json.items).toEqual([
      expect.objectContaining({ id: enrolled.json.hostId, name: "rack-1", pool: "onprem", status: "active", connected: false }),
    ]);
    const pools = await call(`/api/v1/orgs/${org.orgId}/host-pools`, { token: org.apiKey });
    expect(pools.json.items).toEqual([expect.objectContaining({ name: "onprem", hosts: 1, connected: 0 })]);

    const dump = JSON.stringify((await env.DB.prepare("SELECT * FROM tokens").all()).results);
    expect(dump).not.toContain(enrollment.json.enrollmentToken);
    expect(dump).not.toContain(enrolled.json.credential);
  });

  it("lets only one of two racing daemons enroll with the same token", async () => {
    const org = await seedOrg("race");
    const enrollment = await call(`/api/v1/orgs/${org.orgId}/hosts`, { method: "POST", token: org.apiKey, body: { pool: "p" } });
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => call("/api/v1/hosts/enroll", { method: "POST", token: enrollment.json.enrollmentToken, body: { name: `h${i}` } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const hosts = await call(`/api/v1/orgs/${org.orgId}/hosts`, { token: org.apiKey });
    expect(hosts.json.items).toHaveLength(1);
  });

  it("refuses expired, forged and wrong-kind tokens and bad pools", async () => {
    const org = await seedOrg("bad-hosts");
    const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "a" } });
    for (const token of ["pal_host_forged", agent.json.token, org.apiKey, "nope"]) {
      const res = await call("/api/v1/hosts/enroll", { method: "POST", token, body: { name: "x" } });
      expect(res.status).toBe(401);
    }
    for (const pool of ["", "Has Space", "../x", "a".repeat(80)]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/hosts`, { method: "POST", token: org.apiKey, body: { pool } });
      expect(res.status, pool).toBe(400);
    }
  });

  it("revokes a host credential", async () => {
    const org = await seedOrg("revoke-host");
    const enrollment = await call(`/api/v1/orgs/${org.orgId}/hosts`, { method: "POST", token: org.apiKey, body: { pool: "p" } });
    const enrolled = await call("/api/v1/hosts/enroll", { method: "POST", token: enrollment.json.enrollmentToken, body: { name: "h" } });
    expect((await call(`/api/v1/orgs/${org.orgId}/hosts/${enrolled.json.hostId}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    const host = await call(`/api/v1/orgs/${org.orgId}/hosts/${enrolled.json.hostId}`, { token: org.apiKey });
    expect(host.json.status).toBe("revoked");
  });
});
