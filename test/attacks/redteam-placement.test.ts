// Red team (claim 2): "a team admin cannot move agents (PATCH teamId/projectId) into
// teams/projects they do not administer". A project without a team is administered by org admins
// only (README: "projects: org admin or admin of the project's team"), yet a team admin can put
// an agent of their team into it — and the agent picks up that project's tool grants and policies.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedMember, seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";
import { targetRequests, toolCall } from "../workers/support/tools.js";

let org: SeededOrg;
let teamX: string;
let orgProject: string;
let adminX: Awaited<ReturnType<typeof seedMember>>;
let toolName: string;
const port = Number(new URL(env.TEST_TARGET_URL).port);

beforeAll(async () => {
  org = await seedOrg("rt-placement");
  teamX = (await create(org, "teams", { name: "team-x" })).id;
  // An org-level project (no team): only org admins administer it. It holds a privileged tool and an egress policy.
  orgProject = (await create(org, "projects", { name: "finance-org-project" })).id;
  toolName = `rt-payroll-${Math.random().toString(36).slice(2, 8)}`;
  const tool = await create(org, "tools", {
    name: toolName,
    description: "payroll export",
    inputSchema: { type: "object" },
    method: "GET",
    url: `${env.TEST_TARGET_URL}/rt-payroll`,
  });
  await create(org, `tools/${tool.id}/grants`, { scope: "project", id: orgProject });
  await attachPolicy(
    org,
    { name: "finance-egress", egress: [{ host: "127.0.0.1", ports: [port], paths: ["/rt-finance/**"] }] },
    {
      scope: "project",
      id: orgProject,
    },
  );
  adminX = await seedMember(org, "member");
  await create(org, `teams/${teamX}/members`, { userId: adminX.userId, role: "admin" });
});

describe("redteam: a team admin and a project no team owns", () => {
  it("control: the team admin cannot administer the org-level project itself", async () => {
    const res = await call(`/api/v1/orgs/${org.orgId}/projects/${orgProject}`, { method: "PATCH", token: adminX.apiKey, body: { name: "mine" } });
    expect(res.status).toBe(403);
  });

  it("refuses to create an agent of team X inside the org-level project", async () => {
    const res = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: adminX.apiKey,
      body: { name: "x-into-org-project", teamId: teamX, projectId: orgProject, autonomy: 5 },
    });
    expect(res.status, res.text).toBe(403);
  });

  it("refuses to PATCH an agent of team X into the org-level project (and the agent gains nothing)", async () => {
    const own = await createAgent(org, { name: "x-mover", teamId: teamX, autonomy: 5 }, adminX.apiKey);
    const before = await call("/mcp", {
      method: "POST",
      token: own.token,
      rawBody: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    });
    expect(before.text).not.toContain(toolName);
    const res = await call(`/api/v1/orgs/${org.orgId}/agents/${own.id}`, { method: "PATCH", token: adminX.apiKey, body: { projectId: orgProject } });
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const called = await toolCall(own.token, toolName, { marker });
    const egress = await call(`/egress/${env.TEST_TARGET_URL}/rt-finance/ledger?${marker}`, { token: own.token });
    const reached = (await targetRequests(200)).filter((r) => r.path.includes(marker)).map((r) => r.path);
    expect({ patch: res.status, reached }, `tool call: ${called.text.slice(0, 160)} | egress: ${egress.status}`).toEqual({ patch: 403, reached: [] });
  });
});
