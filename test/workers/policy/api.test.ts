// Policy API: versions, attachments, effective policy, "why was this denied?" and dry runs.
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../support/api.js";

describe("policy API", () => {
  it("versions every change and applies attachments at each scope", async () => {
    const org = await seedOrg("pol");
    const t = org.apiKey;
    const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: t, body: { name: "t" } });
    const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "a", teamId: team.json.id } });
    const other = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "b" } });

    const created = await call(`/api/v1/orgs/${org.orgId}/policies`, {
      method: "POST",
      token: t,
      body: { name: "gh", egress: [{ host: "API.Example.TEST", methods: ["get"], paths: ["/repos/**"] }] },
    });
    expect(created.status).toBe(201);
    expect(created.json.version).toBe(1);
    expect(created.json.egress[0]).toMatchObject({ host: "api.example.test", methods: ["GET"] });

    const attach = await call(`/api/v1/orgs/${org.orgId}/policies/${created.json.id}/attach`, {
      method: "POST",
      token: t,
      body: { scope: "team", id: team.json.id },
    });
    expect(attach.status).toBe(201);

    const probe = { method: "GET", url: "https://api.example.test/repos/acme/x" };
    const allowed = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/explain`, { method: "POST", token: t, body: probe });
    expect(allowed.json).toMatchObject({
      allowed: true,
      reason: "allowed_by_rule",
      rule: { policyId: created.json.id, policyVersion: 1, scope: "team", index: 0 },
    });
    const notInTeam = await call(`/api/v1/orgs/${org.orgId}/agents/${other.json.id}/explain`, { method: "POST", token: t, body: probe });
    expect(notInTeam.json).toMatchObject({ allowed: false, reason: "no_matching_rule" });

    const post = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/explain`, {
      method: "POST",
      token: t,
      body: { ...probe, method: "POST" },
    });
    expect(post.json.allowed).toBe(false);
    expect(post.json.explanation).toMatch(/method/i);

    const updated = await call(`/api/v1/orgs/${org.orgId}/policies/${created.json.id}`, {
      method: "PATCH",
      token: t,
      body: { expectedVersion: 1, egress: [{ host: "api.example.test", methods: ["GET", "POST"], paths: ["/repos/**"] }] },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.version).toBe(2);
    const stale = await call(`/api/v1/orgs/${org.orgId}/policies/${created.json.id}`, {
      method: "PATCH",
      token: t,
      body: { expectedVersion: 1, egress: [] },
    });
    expect(stale.status).toBe(409);

    const versions = await call(`/api/v1/orgs/${org.orgId}/policies/${created.json.id}/versions`, { token: t });
    expect(versions.json.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const effective = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/effective-policy`, { token: t });
    expect(effective.json.sources).toEqual([expect.objectContaining({ id: created.json.id, version: 2, scope: "team" })]);
    expect(effective.json.egress.allow[0].methods).toEqual(["GET", "POST"]);
  });

  it("lets a deny anywhere win and dry-runs a draft without saving it", async () => {
    const org = await seedOrg("dry");
    const t = org.apiKey;
    const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "a" } });
    const allow = await call(`/api/v1/orgs/${org.orgId}/policies`, {
      method: "POST",
      token: t,
      body: { name: "allow", egress: [{ host: "*.example.test" }] },
    });
    await call(`/api/v1/orgs/${org.orgId}/policies/${allow.json.id}/attach`, {
      method: "POST",
      token: t,
      body: { scope: "agent", id: agent.json.id },
    });

    const dry = await call(`/api/v1/orgs/${org.orgId}/policies/dry-run`, {
      method: "POST",
      token: t,
      body: {
        draft: { name: "block-admin", egress: [{ host: "admin.example.test", deny: true }] },
        agentId: agent.json.id,
        request: { method: "GET", url: "https://admin.example.test/" },
      },
    });
    expect(dry.status).toBe(200);
    expect(dry.json.decision).toMatchObject({ allowed: false, reason: "denied_by_rule" });
    // Nothing saved: the agent still reaches it.
    const live = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/explain`, {
      method: "POST",
      token: t,
      body: { method: "GET", url: "https://admin.example.test/" },
    });
    expect(live.json.allowed).toBe(true);
    const list = await call(`/api/v1/orgs/${org.orgId}/policies`, { token: t });
    expect(list.json.items).toHaveLength(1);
  });

  it("refuses invalid policy documents with the reason, saving nothing", async () => {
    const org = await seedOrg("bad");
    const bad = [
      { name: "x", egress: [{ host: "*" }] },
      { name: "x", egress: [{ host: "*.com" }] },
      { name: "x", egress: [{ host: "https://api.example.test" }] },
      { name: "x", egress: [{ host: "a.example.test", paths: ["repos/**"] }] },
      { name: "x", egress: [{ host: "a.example.test", paths: ["/a/b*c"] }] },
      { name: "x", egress: [{ host: "a.example.test", methods: ["GE T"] }] },
      { name: "x", egress: [{ host: "a.example.test", route: "elsewhere" }] },
      { name: "x", egress: [{ host: "a.example.test", unknownField: 1 }] },
      { name: "x", egress: [{ host: "a.example.test", credential: "nope" }] },
      { name: "x", egress: "all" },
    ];
    for (const body of bad) {
      const res = await call(`/api/v1/orgs/${org.orgId}/policies`, { method: "POST", token: org.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.message.length).toBeGreaterThan(5);
    }
    expect((await call(`/api/v1/orgs/${org.orgId}/policies`, { token: org.apiKey })).json.items).toEqual([]);
  });
});
