// Autonomy gate end to end: at level 1 a mutating tool call and a non-GET egress request wait for a
// person; approval lets them through, denial and expiry refuse them; level 5 runs at once; policy wins at every level.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, expectErrorShape, seedMember, seedOrg } from "../support/api.js";
import { auditOf, pendingApproval, targetRequests, toolCall } from "../support/tools.js";

const target = new URL(env.TEST_TARGET_URL);
const port = Number(target.port);
let org: SeededOrg;
let createToolId: string;

async function agentAt(autonomy: number, name: string) {
  const res = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name, autonomy } });
  expect(res.status, res.text).toBe(201);
  const id = res.json.id as string;
  for (const toolId of [createToolId]) {
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/tools/${toolId}/grants`, { method: "POST", token: org.apiKey, body: { scope: "agent", id } })).status,
    ).toBe(201);
  }
  return { id, token: res.json.token as string };
}

async function attachToAgent(agentId: string, policy: Record<string, unknown>) {
  const created = await call(`/api/v1/orgs/${org.orgId}/policies`, { method: "POST", token: org.apiKey, body: policy });
  expect(created.status, created.text).toBe(201);
  expect(
    (
      await call(`/api/v1/orgs/${org.orgId}/policies/${created.json.id}/attach`, {
        method: "POST",
        token: org.apiKey,
        body: { scope: "agent", id: agentId },
      })
    ).status,
  ).toBe(201);
}

const posts = async (path: string) => (await targetRequests()).filter((r) => r.method === "POST" && r.path === path).length;

beforeAll(async () => {
  org = await seedOrg("autonomy");
  const tool = await call(`/api/v1/orgs/${org.orgId}/tools`, {
    method: "POST",
    token: org.apiKey,
    body: {
      name: "create_ticket",
      description: "Open a ticket",
      inputSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
      method: "POST",
      url: `${env.TEST_TARGET_URL}/tickets/{title}`,
    },
  });
  expect(tool.status, tool.text).toBe(201);
  expect(tool.json.mutating).toBe(true);
  createToolId = tool.json.id;
  // Org-wide: egress to the target with any method, and a deny rule nothing can pass.
  await call(`/api/v1/orgs/${org.orgId}/policies`, {
    method: "POST",
    token: org.apiKey,
    body: {
      name: "target",
      egress: [
        { host: "127.0.0.1", ports: [port] },
        { host: "127.0.0.1", paths: ["/forbidden/**"], deny: true },
      ],
    },
  }).then(async (p) => {
    expect(p.status, p.text).toBe(201);
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/policies/${p.json.id}/attach`, { method: "POST", token: org.apiKey, body: { scope: "org" } })).status,
    ).toBe(201);
  });
});

describe("autonomy level 1", () => {
  it("holds a mutating tool call until an admin approves it, then runs it once", async () => {
    const agent = await agentAt(1, "careful-approve");
    const before = await posts("/tickets/approve-me");
    const pending = toolCall(agent.token, "create_ticket", { title: "approve-me" });
    const approval = await pendingApproval(org, agent.id);
    expect(approval.kind).toBe("tool");
    expect(approval.subject).toBe("create_ticket");
    // Nothing reached the upstream while the call waited.
    expect(await posts("/tickets/approve-me")).toBe(before);
    const decided = await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/approve`, { method: "POST", token: org.apiKey, body: {} });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.json.status).toBe("approved");
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.json.result.isError).toBe(false);
    expect(await posts("/tickets/approve-me")).toBe(before + 1);
    // Deciding twice is a conflict.
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/deny`, { method: "POST", token: org.apiKey, body: {} })).status).toBe(409);
    const story = [...(await auditOf(org, "approval.request")), ...(await auditOf(org, "approval.approve")), ...(await auditOf(org, "tool.call"))];
    expect(story.some((e) => e.action === "approval.request" && e.resource.id === approval.id)).toBe(true);
    expect(story.some((e) => e.action === "approval.approve" && e.resource.id === approval.id && e.actor.type === "user")).toBe(true);
    expect(story.some((e) => e.action === "tool.call" && e.result === "success" && e.details.approvalId === approval.id)).toBe(true);
  });

  it("refuses the call when an admin denies it, and nothing is sent", async () => {
    const agent = await agentAt(1, "careful-deny");
    const before = await posts("/tickets/deny-me");
    const pending = toolCall(agent.token, "create_ticket", { title: "deny-me" });
    const approval = await pendingApproval(org, agent.id);
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/deny`, { method: "POST", token: org.apiKey, body: { reason: "not today" } }))
        .status,
    ).toBe(200);
    const res = await pending;
    expect(res.json.error.code).toBe(-32011);
    expect(res.json.error.message).toContain("denied");
    expect(await posts("/tickets/deny-me")).toBe(before);
    expect((await auditOf(org, "approval.refused_call")).some((e) => e.resource.id === approval.id)).toBe(true);
  });

  it("refuses the call when nobody decides before it expires", async () => {
    const agent = await agentAt(1, "careful-expire");
    await attachToAgent(agent.id, { name: "quick-expiry", egress: [], autonomyGate: { timeoutSeconds: 1 } });
    const before = await posts("/tickets/expire-me");
    const res = await toolCall(agent.token, "create_ticket", { title: "expire-me" });
    expect(res.json.error.code).toBe(-32012);
    expect(res.json.error.message).toMatch(/nobody approved/);
    expect(await posts("/tickets/expire-me")).toBe(before);
    const listed = await call(`/api/v1/orgs/${org.orgId}/approvals?status=expired&limit=200`, { token: org.apiKey });
    const mine = (listed.json.items as Array<Record<string, any>>).find((a) => a.agentId === agent.id);
    expect(mine?.status).toBe("expired");
    // Too late to approve it now.
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals/${mine?.id}/approve`, { method: "POST", token: org.apiKey, body: {} })).status).toBe(409);
  });

  it("holds a non-GET egress request but lets a GET through", async () => {
    const agent = await agentAt(1, "careful-egress");
    const get = await call(`/egress/${env.TEST_TARGET_URL}/read-freely`, { token: agent.token });
    expect(get.status).toBe(200);
    const before = await posts("/write-egress");
    const pending = call(`/egress/${env.TEST_TARGET_URL}/write-egress`, { method: "POST", token: agent.token, body: { x: 1 } });
    const approval = await pendingApproval(org, agent.id);
    expect(approval.kind).toBe("egress");
    expect(approval.subject).toBe("POST 127.0.0.1/write-egress");
    expect(await posts("/write-egress")).toBe(before);
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/deny`, { method: "POST", token: org.apiKey, body: {} })).status).toBe(200);
    const res = await pending;
    expect(res.status).toBe(403);
    expectErrorShape(res);
    expect(res.json.error.code).toBe("approval_denied");
    expect(await posts("/write-egress")).toBe(before);

    const again = call(`/egress/${env.TEST_TARGET_URL}/write-egress`, { method: "POST", token: agent.token, body: { x: 2 } });
    const second = await pendingApproval(org, agent.id);
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals/${second.id}/approve`, { method: "POST", token: org.apiKey, body: {} })).status).toBe(
      200,
    );
    expect((await again).status).toBe(200);
    expect(await posts("/write-egress")).toBe(before + 1);
  });
});

describe("approvers", () => {
  it("lets a team admin see and decide the approvals of their team's agents only", async () => {
    const lead = await seedMember(org, "member");
    const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "support" } });
    expect(
      (
        await call(`/api/v1/orgs/${org.orgId}/teams/${team.json.id}/members`, {
          method: "POST",
          token: org.apiKey,
          body: { userId: lead.userId, role: "admin" },
        })
      ).status,
    ).toBe(201);
    const teamAgent = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "team-bot", autonomy: 1, teamId: team.json.id },
    });
    expect(
      (
        await call(`/api/v1/orgs/${org.orgId}/tools/${createToolId}/grants`, {
          method: "POST",
          token: org.apiKey,
          body: { scope: "agent", id: teamAgent.json.id },
        })
      ).status,
    ).toBe(201);
    const outsider = await agentAt(1, "outside-team");
    const mine = toolCall(teamAgent.json.token, "create_ticket", { title: "team" });
    const theirs = toolCall(outsider.token, "create_ticket", { title: "outside" });
    const a1 = await pendingApproval(org, teamAgent.json.id);
    const a2 = await pendingApproval(org, outsider.id);
    const visible = await call(`/api/v1/orgs/${org.orgId}/approvals?status=pending&limit=200`, { token: lead.apiKey });
    expect((visible.json.items as Array<{ id: string }>).map((a) => a.id)).toEqual([a1.id]);
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals/${a2.id}/approve`, { method: "POST", token: lead.apiKey, body: {} })).status).toBe(404);
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals/${a1.id}/approve`, { method: "POST", token: lead.apiKey, body: {} })).status).toBe(200);
    expect((await mine).json.result.isError).toBe(false);
    await call(`/api/v1/orgs/${org.orgId}/approvals/${a2.id}/deny`, { method: "POST", token: org.apiKey, body: {} });
    expect((await theirs).json.error.code).toBe(-32011);
  });
});

describe("autonomy level 5 and hard boundaries", () => {
  it("runs a mutating tool call and a POST at once", async () => {
    const agent = await agentAt(5, "free");
    const res = await toolCall(agent.token, "create_ticket", { title: "at-once" });
    expect(res.json.result.isError).toBe(false);
    expect((await call(`/egress/${env.TEST_TARGET_URL}/at-once`, { method: "POST", token: agent.token, body: {} })).status).toBe(200);
    const pending = await call(`/api/v1/orgs/${org.orgId}/approvals?status=pending&limit=200`, { token: org.apiKey });
    expect((pending.json.items as Array<{ agentId: string }>).some((a) => a.agentId === agent.id)).toBe(false);
  });

  it("never lets a call pass what policy denies, whatever the level", async () => {
    for (const level of [1, 3, 5]) {
      const agent = await agentAt(level, `bounded-${level}`);
      const denied = await call(`/egress/${env.TEST_TARGET_URL}/forbidden/x`, { method: "POST", token: agent.token, body: {} });
      expect(denied.status).toBe(403);
      expect(denied.json.error.code).toBe("policy_denied");
      const elsewhere = await call(`/egress/https://not-allowed.example.com/`, { token: agent.token });
      expect(elsewhere.json.error.code).toBe("policy_denied");
      // A tools list in a policy hides the tool from the agent at every level.
      await attachToAgent(agent.id, { name: `only-other-tools-${level}`, egress: [], tools: ["some_other_tool"] });
      const refused = await toolCall(agent.token, "create_ticket", { title: "x" });
      expect(refused.json.error.code).toBe(-32602);
    }
    const pending = await call(`/api/v1/orgs/${org.orgId}/approvals?status=pending&limit=200`, { token: org.apiKey });
    expect((pending.json.items as Array<{ subject: string }>).some((a) => a.subject.includes("forbidden"))).toBe(false);
  });

  it("keeps policy approve lists and maxLevel even at level 5", async () => {
    const agent = await agentAt(5, "capped");
    await attachToAgent(agent.id, { name: "cap-to-1", egress: [], autonomyGate: { maxLevel: 1, timeoutSeconds: 1 } });
    const capped = await call(`/egress/${env.TEST_TARGET_URL}/capped`, { method: "POST", token: agent.token, body: {} });
    expect(capped.json.error.code).toBe("approval_expired");
  });

  it("lets only admins (or the agent's team admins) decide", async () => {
    const agent = await agentAt(1, "member-cannot-decide");
    const member = await seedMember(org, "member");
    const pending = toolCall(agent.token, "create_ticket", { title: "member" });
    const approval = await pendingApproval(org, agent.id);
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals`, { token: member.apiKey })).status).toBe(403);
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/approve`, { method: "POST", token: member.apiKey, body: {} })).status,
    ).toBe(403);
    // The agent itself cannot approve its own call.
    expect((await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/approve`, { method: "POST", token: agent.token, body: {} })).status).toBe(
      403,
    );
    await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/deny`, { method: "POST", token: org.apiKey, body: {} });
    expect((await pending).json.error.code).toBe(-32011);
  });
});
