// Attack class: learning another org's names, people or activity through the security console's
// read models — the name lookup, names joined into audit lists, the statistics and the policy
// replay — by planting foreign ids, asking with a foreign key, or asking as a plain member.
// Every variant must come back with nothing of the other org: no name, no email, no count.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../workers/audit/audit.js";
import { type SeededOrg, call, seedMember, seedOrg } from "../workers/support/api.js";

let victim: SeededOrg;
let attacker: SeededOrg;
let victimAgent = "";
let victimPolicy = "";
const SECRET_NAME = "victim-payroll-bot";

beforeAll(async () => {
  victim = await seedOrg("victim");
  attacker = await seedOrg("attacker");
  const agent = await call(`/api/v1/orgs/${victim.orgId}/agents`, { method: "POST", token: victim.apiKey, body: { name: SECRET_NAME } });
  victimAgent = agent.json.id;
  const policy = await call(`/api/v1/orgs/${victim.orgId}/policies`, {
    method: "POST",
    token: victim.apiKey,
    body: { name: "victim-finance-egress", egress: [{ host: "payroll.example.com" }] },
  });
  victimPolicy = policy.json.id;
  await recordAudit(env, {
    orgId: victim.orgId,
    actor: { type: "agent", id: victimAgent },
    action: "egress.request",
    resource: { type: "egress", id: "payroll.example.com" },
    result: "denied",
    reason: "no_matching_rule",
    details: { method: "GET", scheme: "https", host: "payroll.example.com", port: 443, path: "/salaries" },
  });
});

const leaks = (text: string) => [SECRET_NAME, victim.email, "victim-finance-egress", "payroll"].filter((s) => text.includes(s));

describe("console read models across orgs", () => {
  it("name lookup of foreign ids planted in the attacker's own org answers nothing", async () => {
    const ids = [victimAgent, victimPolicy, victim.ownerId, victim.orgId].join(",");
    const res = await call(`/api/v1/orgs/${attacker.orgId}/names?ids=${ids}`, { token: attacker.apiKey });
    expect(res.status).toBe(200);
    expect(res.json.names).toEqual({});
    expect(leaks(res.text)).toEqual([]);
  });

  it("foreign ids written into the attacker's own audit trail are never named in its list", async () => {
    // An agent of the attacker's org can put any id into its own events (e.g. as a resource id).
    for (const id of [victimAgent, victim.ownerId, victimPolicy])
      await recordAudit(env, {
        orgId: attacker.orgId,
        actor: { type: id === victim.ownerId ? "user" : "agent", id },
        action: "probe.name",
        resource: { type: "agent", id },
        result: "success",
      });
    const res = await call(`/api/v1/orgs/${attacker.orgId}/audit?action=probe.name&order=desc`, { token: attacker.apiKey });
    expect(res.status).toBe(200);
    expect(res.json.items).toHaveLength(3);
    for (const e of res.json.items) expect([e.actorName, e.resourceName]).toEqual([null, null]);
    expect(leaks(res.text)).toEqual([]);
    // Text search cannot reach into the other org's rows either.
    const search = await call(`/api/v1/orgs/${attacker.orgId}/audit?q=payroll`, { token: attacker.apiKey });
    expect(search.json.items).toEqual([]);
  });

  it("the victim's names, stats and replay answer 404 to the attacker's key, whatever is asked", async () => {
    const attempts = [
      call(`/api/v1/orgs/${victim.orgId}/names?ids=${victimAgent}`, { token: attacker.apiKey }),
      call(`/api/v1/orgs/${victim.orgId}/stats?window=30d`, { token: attacker.apiKey }),
      call(`/api/v1/orgs/${victim.orgId}/audit?order=desc&q=payroll`, { token: attacker.apiKey }),
      call(`/api/v1/orgs/${victim.orgId}/policies/replay`, {
        method: "POST",
        token: attacker.apiKey,
        body: { policyId: victimPolicy, draft: { name: "x", egress: [] } },
      }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(leaks(res.text)).toEqual([]);
    }
  });

  it("replaying in the attacker's org with the victim's policy or agent finds nothing", async () => {
    const draft = { name: "x", egress: [{ host: "payroll.example.com" }] };
    for (const body of [
      { policyId: victimPolicy, draft },
      { agentId: victimAgent, draft },
    ]) {
      const res = await call(`/api/v1/orgs/${attacker.orgId}/policies/replay`, { method: "POST", token: attacker.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(404);
      expect(leaks(res.text)).toEqual([]);
    }
  });

  it("a plain member of the victim's org reads no names, stats or replays (admins only)", async () => {
    const member = await seedMember(victim, "member");
    const attempts = [
      call(`/api/v1/orgs/${victim.orgId}/names?ids=${victimAgent}`, { token: member.apiKey }),
      call(`/api/v1/orgs/${victim.orgId}/stats`, { token: member.apiKey }),
      call(`/api/v1/orgs/${victim.orgId}/policies/replay`, {
        method: "POST",
        token: member.apiKey,
        body: { policyId: victimPolicy, draft: { name: "x", egress: [] } },
      }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(leaks(res.text)).toEqual([]);
    }
    // The stats the victim's admin reads do count the event (the figures are real, just not shared).
    const own = await call(`/api/v1/orgs/${victim.orgId}/stats`, { token: victim.apiKey });
    expect(own.json.totals.denied).toBe(1);
    const theirs = await call(`/api/v1/orgs/${attacker.orgId}/stats`, { token: attacker.apiKey });
    expect(theirs.json.totals).toEqual({ calls: 0, denied: 0, piiDetections: 0 });
  });
});
