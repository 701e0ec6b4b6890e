// Attack class: a team admin (or a plain member) reaches another team's agents through the admin
// API — by hanging a subagent under them, by moving an agent into their project, or by reading
// lists that were never filtered by team.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { HostStore } from "../../workers/data/host-store.js";
import { type SeededOrg, call, seedMember, seedOrg } from "../workers/support/api.js";
import { create, createAgent } from "../workers/support/fixtures.js";

let org: SeededOrg;
let teamX: string;
let teamY: string;
let projectY: string;
let agentY: string;
let adminX: Awaited<ReturnType<typeof seedMember>>;
let memberX: Awaited<ReturnType<typeof seedMember>>;

async function agentsNamed(name: string) {
  const res = await call(`/api/v1/orgs/${org.orgId}/agents?limit=200`, { token: org.apiKey });
  return (res.json.items as Array<{ name: string }>).filter((a) => a.name === name);
}

beforeAll(async () => {
  org = await seedOrg("teams");
  teamX = (await create(org, "teams", { name: "team-x" })).id;
  teamY = (await create(org, "teams", { name: "team-y" })).id;
  projectY = (await create(org, "projects", { name: "project-y", teamId: teamY })).id;
  agentY = (await createAgent(org, { name: "y-agent", teamId: teamY, projectId: projectY })).id;
  adminX = await seedMember(org, "member");
  memberX = await seedMember(org, "member");
  await create(org, `teams/${teamX}/members`, { userId: adminX.userId, role: "admin" });
  await create(org, `teams/${teamX}/members`, { userId: memberX.userId, role: "member" });
});

describe("a team admin cannot reach another team's agent through subagents", () => {
  for (const [variant, extra] of [
    ["naming its own team", () => ({ teamId: teamX })],
    ["naming no team", () => ({})],
    ["naming the parent's team", () => ({ teamId: teamY })],
    ["naming its own team and the parent's project", () => ({ teamId: teamX, projectId: projectY })],
  ] as const) {
    it(`refuses a subagent under team Y's agent, ${variant} (403, or 404 when Y's agent is not theirs to see; nothing created)`, async () => {
      const name = `hijack-${variant.replaceAll(" ", "-")}`;
      const res = await call(`/api/v1/orgs/${org.orgId}/agents`, {
        method: "POST",
        token: adminX.apiKey,
        body: { name, parentAgentId: agentY, ...extra() },
      });
      expect([403, 404]).toContain(res.status);
      expect(await agentsNamed(name)).toHaveLength(0);
    });
  }

  it("refuses (403) a team admin who can see team Y's agent as a plain member of Y", async () => {
    const teamW = (await create(org, "teams", { name: "team-w" })).id;
    const agentW = (await createAgent(org, { name: "w-agent", teamId: teamW })).id;
    await create(org, `teams/${teamW}/members`, { userId: adminX.userId, role: "member" });
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agentW}`, { token: adminX.apiKey })).status).toBe(200);
    for (const extra of [{}, { teamId: teamX }, { teamId: teamW }]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/agents`, {
        method: "POST",
        token: adminX.apiKey,
        body: { name: "w-hijack", parentAgentId: agentW, ...extra },
      });
      expect(res.status).toBe(403);
      expect(res.json.error.message).toMatch(/admin/);
    }
    expect(await agentsNamed("w-hijack")).toHaveLength(0);
  });

  it("puts an org admin's subagent in its parent's team and project, whatever the request names", async () => {
    const res = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "y-child", parentAgentId: agentY, teamId: teamX },
    });
    expect(res.status).toBe(403);
    const ok = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "y-child", parentAgentId: agentY },
    });
    expect(ok.status).toBe(201);
    expect(ok.json.teamId).toBe(teamY);
    expect(ok.json.projectId).toBe(projectY);
  });
});

describe("a team admin cannot move an agent into another team's reach", () => {
  it("refuses PATCH projectId into another team's project (403, unchanged)", async () => {
    const own = await createAgent(org, { name: "x-mover", teamId: teamX }, adminX.apiKey);
    const res = await call(`/api/v1/orgs/${org.orgId}/agents/${own.id}`, { method: "PATCH", token: adminX.apiKey, body: { projectId: projectY } });
    expect(res.status).toBe(403);
    const after = await call(`/api/v1/orgs/${org.orgId}/agents/${own.id}`, { token: org.apiKey });
    expect(after.json.projectId).toBeNull();
  });

  it("refuses PATCH teamId into a team the caller does not administer", async () => {
    const own = await createAgent(org, { name: "x-team-mover", teamId: teamX }, adminX.apiKey);
    const res = await call(`/api/v1/orgs/${org.orgId}/agents/${own.id}`, { method: "PATCH", token: adminX.apiKey, body: { teamId: teamY } });
    expect(res.status).toBe(403);
  });

  it("refuses create in its own team with another team's project", async () => {
    const res = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: adminX.apiKey,
      body: { name: "x-in-y", teamId: teamX, projectId: projectY },
    });
    expect(res.status).toBe(403);
  });

  it("keeps a subagent in its parent's team and project: moving the subagent is refused", async () => {
    const parent = await createAgent(org, { name: "x-parent", teamId: teamX }, adminX.apiKey);
    const child = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: adminX.apiKey,
      body: { name: "x-child", parentAgentId: parent.id },
    });
    expect(child.status).toBe(201);
    const teamZ = (await create(org, "teams", { name: "team-z" })).id;
    const moved = await call(`/api/v1/orgs/${org.orgId}/agents/${child.json.id}`, { method: "PATCH", token: org.apiKey, body: { teamId: teamZ } });
    expect([400, 403]).toContain(moved.status);
  });
});

describe("plain members see only their teams' sandboxes and grants", () => {
  it("lists sandboxes (and their command lines) of their teams' agents only", async () => {
    const agentX = (await createAgent(org, { name: "x-sandboxed", teamId: teamX })).id;
    const store = new HostStore(makeDb(env.DB), org.orgId);
    const pool = await store.ensurePool("sbx-pool");
    for (const agentId of [agentX, agentY]) {
      await store.insertSandbox({
        agentId,
        hostId: null,
        poolId: pool.id,
        command: JSON.stringify(["echo", `secret-of-${agentId}`]),
        state: "running",
        idleTimeoutMs: 1_800_000,
        createdBy: org.ownerId,
      });
    }
    const list = await call(`/api/v1/orgs/${org.orgId}/sandboxes?limit=200`, { token: memberX.apiKey });
    expect(list.status).toBe(200);
    const agents = new Set((list.json.items as Array<{ agentId: string }>).map((s) => s.agentId));
    expect(agents.has(agentX)).toBe(true);
    expect(agents.has(agentY)).toBe(false);
    expect(list.text).not.toContain(agentY);
    const bySandbox = (await call(`/api/v1/orgs/${org.orgId}/sandboxes?limit=200`, { token: org.apiKey })).json.items as Array<{
      id: string;
      agentId: string;
    }>;
    const ySandbox = bySandbox.find((s) => s.agentId === agentY);
    expect((await call(`/api/v1/orgs/${org.orgId}/sandboxes/${ySandbox?.id}`, { token: memberX.apiKey })).status).toBe(404);
    const filtered = await call(`/api/v1/orgs/${org.orgId}/sandboxes?agentId=${agentY}`, { token: memberX.apiKey });
    expect(filtered.json.items ?? []).toHaveLength(0);
  });

  it("lists tool grants of their teams (and their teams' projects and agents) only", async () => {
    const tool = await create(org, "tools", {
      name: "shared-tool",
      description: "d",
      inputSchema: { type: "object" },
      method: "GET",
      url: "https://tools.example.com/x",
    });
    await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agentY });
    await create(org, `tools/${tool.id}/grants`, { scope: "team", id: teamY });
    await create(org, `tools/${tool.id}/grants`, { scope: "project", id: projectY });
    await create(org, `tools/${tool.id}/grants`, { scope: "team", id: teamX });
    const grants = await call(`/api/v1/orgs/${org.orgId}/tools/${tool.id}/grants`, { token: memberX.apiKey });
    expect(grants.status).toBe(200);
    expect(grants.text).not.toContain(agentY);
    expect(grants.text).not.toContain(teamY);
    expect(grants.text).not.toContain(projectY);
    expect((grants.json.items as Array<{ scopeId: string }>).map((g) => g.scopeId)).toEqual([teamX]);
  });
});
