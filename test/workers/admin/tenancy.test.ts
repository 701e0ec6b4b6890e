// Cross-tenant matrix over every org-scoped endpoint of the OpenAPI document, and role checks.
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, expectErrorShape, seedMember, seedOrg } from "../support/api.js";
import { toolFixtures } from "../support/tools.js";

interface OrgFixture extends SeededOrg {
  ids: Record<string, string>;
  names: string[];
}

/** An org with one of everything, so every path parameter has a real id to probe with. */
async function fixture(label: string): Promise<OrgFixture> {
  const org = await seedOrg(label);
  const t = org.apiKey;
  const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: t, body: { name: `${label}-team` } });
  const project = await call(`/api/v1/orgs/${org.orgId}/projects`, {
    method: "POST",
    token: t,
    body: { name: `${label}-project`, teamId: team.json.id },
  });
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: `${label}-agent`, teamId: team.json.id } });
  const key = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: t, body: { name: `${label}-key` } });
  const credential = await call(`/api/v1/orgs/${org.orgId}/credentials`, {
    method: "POST",
    token: t,
    body: { name: `${label}-cred`, secret: `${label}-secret-value`, inject: { type: "bearer" } },
  });
  const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, {
    method: "POST",
    token: t,
    body: { name: `${label}-policy`, egress: [{ host: `${label}.example.com`, credential: `${label}-cred` }] },
  });
  const provider = await call(`/api/v1/orgs/${org.orgId}/providers`, {
    method: "POST",
    token: t,
    body: { name: `${label}-provider`, kind: "openai", baseUrl: "https://llm.example.com/v1", credential: `${label}-cred` },
  });
  const enrollment = await call(`/api/v1/orgs/${org.orgId}/hosts`, { method: "POST", token: t, body: { pool: `${label}-pool` } });
  const host = await call("/api/v1/hosts/enroll", { method: "POST", token: enrollment.json.enrollmentToken, body: { name: `${label}-host` } });
  const price = await call(`/api/v1/orgs/${org.orgId}/prices`, {
    method: "POST",
    token: t,
    body: { model: `${label}-model`, inputMicrosPerMTok: 1, outputMicrosPerMTok: 2 },
  });
  const limit = await call(`/api/v1/orgs/${org.orgId}/limits`, {
    method: "POST",
    token: t,
    body: { scope: "agent", scopeId: agent.json.id, period: "day", limitMicros: 1_000 },
  });
  const invitation = await call(`/api/v1/orgs/${org.orgId}/members`, {
    method: "POST",
    token: t,
    body: { email: `${label}-invitee@example.test`, role: "member" },
  });
  for (const r of [team, project, agent, key, credential, policy, provider, enrollment, host, price, limit, invitation])
    expect(r.status, r.text).toBe(201);
  const tools = await toolFixtures(org, label, agent.json.id);
  return {
    ...org,
    ids: {
      orgId: org.orgId,
      teamId: team.json.id,
      projectId: project.json.id,
      agentId: agent.json.id,
      keyId: key.json.id,
      userId: org.ownerId,
      credentialId: credential.json.id,
      policyId: policy.json.id,
      providerId: provider.json.id,
      hostId: host.json.hostId,
      // No host is connected in these tests, so no sandbox can exist: a well-formed unknown id.
      sandboxId: "sbx_00000000000000000000000000",
      priceId: price.json.id,
      limitId: limit.json.id,
      invitationId: invitation.json.id,
      which: "latest",
      ...tools.ids,
    },
    names: [
      ...tools.names,
      `${label}-team`,
      `${label}-project`,
      `${label}-agent`,
      `${label}-key`,
      `${label}-cred`,
      `${label}-secret-value`,
      `${label}-policy`,
      `${label}-provider`,
      `${label}-pool`,
      `${label}-host`,
      `${label}-model`,
      `${label}-invitee@example.test`,
      org.email,
    ],
  };
}

/** Valid bodies, so a refusal proves authorization, not validation. */
function sampleBody(method: string, path: string, ids: Record<string, string>): unknown {
  if (method === "get" || method === "delete") return undefined;
  if (path.endsWith("/teams/{teamId}/members")) return { userId: ids.userId, role: "member" };
  if (path.endsWith("/members")) return { email: "new-person@example.test", role: "member", password: "long-enough-password" };
  if (path.endsWith("/members/{userId}")) return { role: "admin" };
  if (path.endsWith("/token") || path.endsWith("/rotate-keys")) return undefined;
  if (path.endsWith("/hosts")) return { pool: "probe-pool" };
  if (path.endsWith("/sandboxes")) return { agentId: ids.agentId, pool: "alpha-pool", command: ["true"] };
  if (path.endsWith("/stop")) return { force: true };
  if (path.endsWith("/suspend")) return { reason: "probe" };
  if (path.endsWith("/resume")) return undefined;
  if (path.endsWith("/pii-lists")) return { allow: ["S3"], deny: [] };
  if (path.endsWith("/credentials")) return { name: "probe-cred", secret: "probe-secret", inject: { type: "bearer" } };
  if (path.endsWith("/credentials/{credentialId}")) return { secret: "new-probe-secret" };
  if (path.endsWith("/providers")) return { name: "p", kind: "openai", baseUrl: "https://x.example.com", credential: "alpha-cred" };
  if (path.endsWith("/providers/{providerId}")) return { name: "renamed" };
  if (path.endsWith("/policies")) return { name: "probe-policy", egress: [] };
  if (path.endsWith("/policies/{policyId}")) return { egress: [] };
  if (path.endsWith("/attach") || path.endsWith("/detach")) return { scope: "org" };
  if (path.endsWith("/dry-run"))
    return {
      draft: { name: "d", egress: [] },
      policyId: ids.policyId,
      agentId: ids.agentId,
      request: { method: "GET", url: "https://x.example.com/" },
    };
  if (path.endsWith("/policies/replay")) return { draft: { name: "d", egress: [] }, policyId: ids.policyId };
  if (path.endsWith("/explain")) return { method: "GET", url: "https://alpha.example.com/" };
  if (path.endsWith("/audit/retention")) return { days: 30 };
  if (path.endsWith("/sso"))
    return {
      displayName: "Probe",
      issuer: "https://idp.example.com",
      clientId: "c",
      clientSecretCredential: "alpha-cred",
      allowedDomains: ["probe.example"],
    };
  if (path.endsWith("/login-policy")) return { requireMfa: false };
  if (path.endsWith("/audit/sink")) return { url: "https://siem.example.com/in" };
  if (path.endsWith("/audit/checkpoints")) return undefined;
  if (path.endsWith("/notifications") || path.endsWith("/notifications/test")) return { webhookUrl: "https://hooks.example.com/in" };
  if (path.endsWith("/telemetry")) return { endpoint: "https://otel.example.com/v1/traces", headers: { "x-api-key": "probe-otlp-key" } };
  if (path.endsWith("/agents")) return { name: "probe-agent" };
  if (path.endsWith("/tools")) return { name: "probe-tool", inputSchema: { type: "object" }, method: "GET", url: "https://x.example.com/a" };
  if (path.endsWith("/tools/{toolId}")) return { description: "changed" };
  if (path.endsWith("/grants")) return { scope: "agent", id: ids.agentId };
  if (path.endsWith("/import")) return undefined;
  if (path.endsWith("/approve") || path.endsWith("/deny")) return {};
  if (path.endsWith("/guides")) return { content: "probe guide" };
  if (path.endsWith("/guides/{guideId}")) return { content: "probe guide v2" };
  if (path.endsWith("/projects")) return { name: "probe-project" };
  if (path.endsWith("/prices")) return { model: "probe-model", inputMicrosPerMTok: 1, outputMicrosPerMTok: 1 };
  if (path.endsWith("/prices/{priceId}")) return { inputMicrosPerMTok: 5 };
  // A limit on A's own agent: B must not be able to set it, nor learn that the agent exists.
  if (path.endsWith("/limits")) return { scope: "agent", scopeId: ids.agentId, period: "month", limitMicros: 0 };
  if (path.endsWith("/limits/{limitId}")) return { limitMicros: 0 };
  return { name: "probe-name" };
}

let specPaths: Record<string, Record<string, unknown>> = {};
let a: OrgFixture;
let b: OrgFixture;

beforeAll(async () => {
  a = await fixture("alpha");
  b = await fixture("bravo");
  const doc = await call("/api/v1/openapi.json");
  expect(doc.status).toBe(200);
  specPaths = doc.json.paths;
});

function fill(path: string, ids: Record<string, string>) {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const id = ids[name];
    if (!id) throw new Error(`the tenancy matrix has no fixture id for {${name}} in ${path}: add one`);
    return id;
  });
}

describe("cross-tenant matrix", () => {
  it("covers a meaningful number of org-scoped operations", () => {
    const ops = Object.entries(specPaths)
      .filter(([p]) => p.includes("{orgId}"))
      .flatMap(([, m]) => Object.keys(m));
    expect(ops.length).toBeGreaterThanOrEqual(25);
  });

  it("answers 404 (or 403) to org B for every org-scoped endpoint of org A, leaking nothing", async () => {
    for (const [path, methods] of Object.entries(specPaths)) {
      if (!path.includes("{orgId}")) continue;
      for (const method of Object.keys(methods)) {
        const url = `/api/v1${fill(path, a.ids)}`;
        // B's owner, with B's admin key (bound to org B) and with a session (all of B's orgs).
        const res = await call(url, { method: method.toUpperCase(), token: b.apiKey, body: sampleBody(method, path, a.ids) });
        const label = `${method.toUpperCase()} ${path}`;
        expect([403, 404], label).toContain(res.status);
        expectErrorShape(res);
        for (const secretish of [...Object.values(a.ids), ...a.names]) expect(res.text, label).not.toContain(secretish);
      }
    }
    // A's resources are intact.
    const agent = await call(`/api/v1/orgs/${a.orgId}/agents/${a.ids.agentId}`, { token: a.apiKey });
    expect(agent.status).toBe(200);
    expect(agent.json.name).toBe("alpha-agent");
    // A's spend settings are untouched.
    const limit = await call(`/api/v1/orgs/${a.orgId}/limits/${a.ids.limitId}`, { token: a.apiKey });
    expect(limit.json.limitMicros).toBe(1_000);
    const price = await call(`/api/v1/orgs/${a.orgId}/prices/${a.ids.priceId}`, { token: a.apiKey });
    expect(price.json.inputMicrosPerMTok).toBe(1);
    expect((await call(`/api/v1/orgs/${a.orgId}/limits`, { token: a.apiKey })).json.items).toHaveLength(1);
  });

  it("refuses B's ids inside A's requests", async () => {
    const res = await call(`/api/v1/orgs/${a.orgId}/agents`, { method: "POST", token: a.apiKey, body: { name: "x", teamId: b.ids.teamId } });
    expect(res.status).toBe(404);
    const parent = await call(`/api/v1/orgs/${a.orgId}/agents`, {
      method: "POST",
      token: a.apiKey,
      body: { name: "x", parentAgentId: b.ids.agentId },
    });
    expect(parent.status).toBe(404);
    const teamMember = await call(`/api/v1/orgs/${a.orgId}/teams/${a.ids.teamId}/members`, {
      method: "POST",
      token: a.apiKey,
      body: { userId: b.ownerId, role: "member" },
    });
    expect(teamMember.status).toBe(404);
    const limit = await call(`/api/v1/orgs/${a.orgId}/limits`, {
      method: "POST",
      token: a.apiKey,
      body: { scope: "agent", scopeId: b.ids.agentId, period: "day", limitMicros: 1 },
    });
    expect(limit.status).toBe(404);
    const teamLimit = await call(`/api/v1/orgs/${a.orgId}/limits`, {
      method: "POST",
      token: a.apiKey,
      body: { scope: "team", scopeId: b.ids.teamId, period: "day", limitMicros: 1 },
    });
    expect(teamLimit.status).toBe(404);
  });
});

describe("roles", () => {
  it("refuses admin actions to a plain member with 403 on every mutating endpoint", async () => {
    const member = await seedMember(a, "member");
    for (const [path, methods] of Object.entries(specPaths)) {
      if (!path.includes("{orgId}")) continue;
      for (const method of Object.keys(methods)) {
        if (method === "get") continue;
        // A member may manage their own API keys and leave the org themselves.
        if (path.includes("/api-keys") && method === "post") continue;
        const ids = { ...a.ids };
        const res = await call(`/api/v1${fill(path, ids)}`, {
          method: method.toUpperCase(),
          token: member.apiKey,
          body: sampleBody(method, path, ids),
        });
        expect([403, 404], `${method.toUpperCase()} ${path}`).toContain(res.status);
      }
    }
    // The org, its team and its agent are all still there.
    expect((await call(`/api/v1/orgs/${a.orgId}/teams/${a.ids.teamId}`, { token: a.apiKey })).status).toBe(200);
    expect((await call(`/api/v1/orgs/${a.orgId}`, { token: a.apiKey })).status).toBe(200);
  });

  it("lets a member read but hides agents outside their teams", async () => {
    const member = await seedMember(a, "member");
    const teams = await call(`/api/v1/orgs/${a.orgId}/teams`, { token: member.apiKey });
    expect(teams.status).toBe(200);
    const agents = await call(`/api/v1/orgs/${a.orgId}/agents`, { token: member.apiKey });
    expect(agents.json.items).toEqual([]);
    expect((await call(`/api/v1/orgs/${a.orgId}/agents/${a.ids.agentId}`, { token: member.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/orgs/${a.orgId}/audit`, { token: member.apiKey })).status).toBe(403);
  });

  it("lets a team admin manage their team's agents but not other teams", async () => {
    const lead = await seedMember(a, "member");
    expect(
      (
        await call(`/api/v1/orgs/${a.orgId}/teams/${a.ids.teamId}/members`, {
          method: "POST",
          token: a.apiKey,
          body: { userId: lead.userId, role: "admin" },
        })
      ).status,
    ).toBe(201);
    const created = await call(`/api/v1/orgs/${a.orgId}/agents`, {
      method: "POST",
      token: lead.apiKey,
      body: { name: "team-bot", teamId: a.ids.teamId },
    });
    expect(created.status).toBe(201);
    const other = await call(`/api/v1/orgs/${a.orgId}/teams`, { method: "POST", token: a.apiKey, body: { name: "other-team" } });
    const refused = await call(`/api/v1/orgs/${a.orgId}/agents`, { method: "POST", token: lead.apiKey, body: { name: "x", teamId: other.json.id } });
    expect(refused.status).toBe(403);
    const noTeam = await call(`/api/v1/orgs/${a.orgId}/agents`, { method: "POST", token: lead.apiKey, body: { name: "x" } });
    expect(noTeam.status).toBe(403);
  });

  it("keeps at least one owner", async () => {
    const res = await call(`/api/v1/orgs/${a.orgId}/members/${a.ownerId}`, { method: "PATCH", token: a.apiKey, body: { role: "admin" } });
    expect(res.status).toBe(409);
  });
});
