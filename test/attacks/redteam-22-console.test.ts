// Red team, issue 22 (security console read models): plain members reaching admin-only data,
// e-mails of removed members through names and audit lists, text-search tricks, cross-org replay,
// and whether a replay touches anything upstream.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../workers/audit/audit.js";
import { type SeededOrg, call, seedMember, seedOrg } from "../workers/support/api.js";

let org: SeededOrg;
let other: SeededOrg;
let member: Awaited<ReturnType<typeof seedMember>>;
let leaver: Awaited<ReturnType<typeof seedMember>>;
let agentId = "";
let otherAgent = "";
let otherPolicy = "";

beforeAll(async () => {
  org = await seedOrg("rt22c");
  other = await seedOrg("rt22c-other");
  member = await seedMember(org, "member");
  leaver = await seedMember(org, "admin");
  agentId = (await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "rt22c-bot" } })).json.id;
  otherAgent = (await call(`/api/v1/orgs/${other.orgId}/agents`, { method: "POST", token: other.apiKey, body: { name: "other-secret-bot" } })).json
    .id;
  otherPolicy = (
    await call(`/api/v1/orgs/${other.orgId}/policies`, {
      method: "POST",
      token: other.apiKey,
      body: { name: "other-pol", egress: [{ host: "other.example.com" }] },
    })
  ).json.id;
  for (const [o, a, host] of [
    [org.orgId, agentId, "mine.example.com"],
    [other.orgId, otherAgent, "secret-other.example.com"],
  ] as const) {
    await recordAudit(env, {
      orgId: o,
      actor: { type: "agent", id: a },
      action: "egress.request",
      resource: { type: "egress", id: host },
      result: "denied",
      reason: "no_matching_rule",
      details: { method: "GET", scheme: "https", host, port: 443, path: "/x_'\"" },
    });
  }
  // The leaver acts (an audited admin action), then is removed from the org.
  await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: leaver.apiKey, body: { name: "made-by-leaver" } });
  const removed = await call(`/api/v1/orgs/${org.orgId}/members/${leaver.userId}`, { method: "DELETE", token: org.apiKey });
  expect([200, 204]).toContain(removed.status);
});

describe("plain members", () => {
  it("cannot read stats, names, audit search or replay with their key or session", async () => {
    for (const token of [member.apiKey, member.session]) {
      const attempts = await Promise.all([
        call(`/api/v1/orgs/${org.orgId}/stats?window=30d`, { token }),
        call(`/api/v1/orgs/${org.orgId}/names?ids=${agentId},${org.ownerId}`, { token }),
        call(`/api/v1/orgs/${org.orgId}/audit?order=desc&q=example`, { token }),
        call(`/api/v1/orgs/${org.orgId}/audit?afterSeq=0`, { token }),
        call(`/api/v1/orgs/${org.orgId}/policies/replay`, { method: "POST", token, body: { agentId, draft: { name: "d", egress: [] } } }),
      ]);
      for (const res of attempts) {
        expect(res.status, res.text).toBe(403);
        expect(res.text).not.toContain(org.email);
        expect(res.text).not.toContain("mine.example.com");
      }
    }
  });
});

describe("removed members", () => {
  it("their e-mail is not resolved by names", async () => {
    const res = await call(`/api/v1/orgs/${org.orgId}/names?ids=${leaver.userId}`, { token: org.apiKey });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(leaver.email);
  });

  it("their e-mail is not joined into the audit list (actorName)", async () => {
    const res = await call(`/api/v1/orgs/${org.orgId}/audit?order=desc&actorId=${leaver.userId}`, { token: org.apiKey });
    expect(res.status).toBe(200);
    expect(res.json.items.length).toBeGreaterThan(0);
    expect(res.text).not.toContain(leaver.email);
  });

  it("a removed admin's key no longer reads stats, names or the audit trail", async () => {
    for (const path of ["stats", `names?ids=${agentId}`, "audit?order=desc"]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/${path}`, { token: leaver.apiKey });
      expect([401, 403, 404]).toContain(res.status);
    }
  });
});

describe("text search", () => {
  it("LIKE/instr metacharacters and quotes are plain text and never reach another org's rows", async () => {
    for (const q of ["%", "_", "'", '"', "%_'", "secret-other", "') OR 1=1 --", "*"]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/audit?q=${encodeURIComponent(q)}`, { token: org.apiKey });
      expect(res.status, `${q}: ${res.text}`).toBeLessThan(500);
      expect(res.text).not.toContain("secret-other");
      expect(res.text).not.toContain(other.orgId);
    }
    const pct = await call(`/api/v1/orgs/${org.orgId}/audit?q=${encodeURIComponent("zz%zz")}`, { token: org.apiKey });
    expect(pct.json.items).toEqual([]);
  });

  it("names rejects more than 100 ids and malformed ids without a 500", async () => {
    const many = Array.from({ length: 101 }, () => agentId).join(",");
    expect((await call(`/api/v1/orgs/${org.orgId}/names?ids=${many}`, { token: org.apiKey })).status).toBe(400);
    for (const ids of [`${agentId}'`, "agt_%", `${otherAgent},${otherPolicy},${other.ownerId},${other.orgId}`]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/names?ids=${encodeURIComponent(ids)}`, { token: org.apiKey });
      expect(res.status).toBeLessThan(500);
      expect(res.text).not.toContain("other-secret-bot");
      expect(res.text).not.toContain(other.email);
    }
  });
});

describe("replay", () => {
  it("another org's agent or policy is not found and nothing of its traffic is replayed", async () => {
    for (const body of [
      { agentId: otherAgent, draft: { name: "d", egress: [] } },
      { policyId: otherPolicy, draft: { name: "d", egress: [] } },
      { policyId: otherPolicy, agentId, draft: { name: "d", egress: [] } },
    ]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/policies/replay`, { method: "POST", token: org.apiKey, body });
      expect(res.status, res.text).toBe(404);
      expect(res.text).not.toContain("secret-other");
    }
  });

  it("replay of a permissive draft sends nothing upstream and saves nothing", async () => {
    const before = ((await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=2000`)).json()) as unknown[]).length;
    const res = await call(`/api/v1/orgs/${org.orgId}/policies/replay`, {
      method: "POST",
      token: org.apiKey,
      body: { agentId, draft: { name: "allow-all", egress: [{ host: "mine.example.com" }] } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.replayed).toBe(1);
    expect(res.json.newlyAllowed, res.text).toBe(1);
    expect(res.text).not.toContain("secret-other");
    const after = ((await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=2000`)).json()) as unknown[]).length;
    expect(after).toBe(before);
    const pols = await call(`/api/v1/orgs/${org.orgId}/policies`, { token: org.apiKey });
    expect(pols.text).not.toContain("allow-all");
  });
});
