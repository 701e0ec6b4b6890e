// Red team (issue 18): stopping running work. Held approvals of a revoked or rotated token, who may
// suspend and resume, and agents that come back to life through another door.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedMember } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, chat, create, createAgent, fakeProviderOrg, mintSubagent } from "../workers/support/fixtures.js";
import { pendingApproval, targetRequests, toolCall } from "../workers/support/tools.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const port = Number(new URL(env.TEST_TARGET_URL).port);

const posts = async (path: string) => (await targetRequests(2000)).filter((r) => r.method === "POST" && r.path === path).length;

async function approvalsOrg(label: string) {
  const org = await fakeProviderOrg(label);
  const tool = await create(org, "tools", {
    name: "create_ticket",
    description: "Open a ticket",
    inputSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/tickets/{title}`,
  });
  await attachPolicy(org, { name: "target", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "org" });
  const agent = await createAgent(org, { name: `${label}-agent`, autonomy: 1 });
  await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
  return { org, agent };
}

async function approvalStatus(org: SeededOrg, id: string): Promise<string> {
  const res = await call(`/api/v1/orgs/${org.orgId}/approvals/${id}`, { token: org.apiKey });
  return res.json?.status ?? `http ${res.status}`;
}

describe("redteam 18: a held approval outlives the token that asked for it", () => {
  for (const how of ["revoke", "rotate"] as const) {
    it(`${how}: the tool call held for approval ends within a second, and approving it later runs nothing`, async () => {
      const { org, agent } = await approvalsOrg(`rt18-held-${how}`);
      const title = `held-${how}-${crypto.randomUUID().slice(0, 8)}`;
      const path = `/tickets/${title}`;
      const pending = toolCall(agent.token, "create_ticket", { title });
      let settled = false;
      void pending.then(() => (settled = true));
      const approval = await pendingApproval(org, agent.id);

      const res = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, {
        method: how === "revoke" ? "DELETE" : "POST",
        token: org.apiKey,
      });
      expect([200, 201, 204]).toContain(res.status);
      await sleep(1200);
      const afterSecond = { callEnded: settled, approval: await approvalStatus(org, approval.id) };

      // An approver who did not hear about the incident approves the request in the queue.
      const decided = await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/approve`, { method: "POST", token: org.apiKey, body: {} });
      const answer = await pending;
      await sleep(200);
      const reached = await posts(path);
      expect({
        ...afterSecond,
        approveStatus: decided.status,
        toolCallSucceeded: answer.status === 200 && answer.json?.result?.isError === false,
        upstreamPosts: reached,
      }).toEqual({ callEnded: true, approval: "denied", approveStatus: 409, toolCallSucceeded: false, upstreamPosts: 0 });
    });
  }

  it("revoke: a POST egress request held for approval ends within a second, and approving it later sends nothing", async () => {
    const { org, agent } = await approvalsOrg("rt18-held-egress");
    const path = `/tickets/egress-${crypto.randomUUID().slice(0, 8)}`;
    const pending = call(`/egress/${env.TEST_TARGET_URL}${path}`, { method: "POST", token: agent.token, body: { a: 1 } });
    let settled = false;
    void pending.then(() => (settled = true));
    const approval = await pendingApproval(org, agent.id);
    const res = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, { method: "DELETE", token: org.apiKey });
    expect([200, 204]).toContain(res.status);
    await sleep(1200);
    const afterSecond = { callEnded: settled, approval: await approvalStatus(org, approval.id) };
    const decided = await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/approve`, { method: "POST", token: org.apiKey, body: {} });
    const answer = await pending;
    await sleep(200);
    expect({ ...afterSecond, approveStatus: decided.status, answer: answer.status, upstreamPosts: await posts(path) }).toEqual({
      callEnded: true,
      approval: "denied",
      approveStatus: 409,
      answer: 401,
      upstreamPosts: 0,
    });
  });

  it("suspend: the held tool call is denied and approving it afterwards runs nothing (control)", async () => {
    const { org, agent } = await approvalsOrg("rt18-held-suspend");
    const title = `held-suspend-${crypto.randomUUID().slice(0, 8)}`;
    const pending = toolCall(agent.token, "create_ticket", { title });
    const approval = await pendingApproval(org, agent.id);
    const res = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, {
      method: "POST",
      token: org.apiKey,
      body: { reason: "incident" },
    });
    expect(res.status, res.text).toBe(200);
    const decided = await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/approve`, { method: "POST", token: org.apiKey, body: {} });
    await pending;
    expect({ approve: decided.status, posts: await posts(`/tickets/${title}`) }).toEqual({ approve: 409, posts: 0 });
  });
});

describe("redteam 18: who may pull the switches", () => {
  let org: SeededOrg;
  let agentY: string;
  let adminX: Awaited<ReturnType<typeof seedMember>>;
  let orgAdmin: Awaited<ReturnType<typeof seedMember>>;

  beforeAll(async () => {
    org = await fakeProviderOrg("rt18-who");
    const teamX = (await create(org, "teams", { name: "team-x" })).id;
    const teamY = (await create(org, "teams", { name: "team-y" })).id;
    agentY = (await createAgent(org, { name: "y-agent", teamId: teamY })).id;
    adminX = await seedMember(org, "member");
    orgAdmin = await seedMember(org, "admin");
    await create(org, `teams/${teamX}/members`, { userId: adminX.userId, role: "admin" });
    // adminX can also see team Y's agents as a plain member of Y.
    await create(org, `teams/${teamY}/members`, { userId: adminX.userId, role: "member" });
  });

  it("a team admin cannot suspend or resume another team's agent, even one they can see", async () => {
    const suspend = await call(`/api/v1/orgs/${org.orgId}/agents/${agentY}/suspend`, { method: "POST", token: adminX.apiKey, body: { reason: "x" } });
    const resume = await call(`/api/v1/orgs/${org.orgId}/agents/${agentY}/resume`, { method: "POST", token: adminX.apiKey, body: {} });
    expect([suspend.status, resume.status]).toEqual([403, 403]);
  });

  it("an org admin (not owner) and a member cannot use the incident switch", async () => {
    for (const token of [orgAdmin.apiKey, adminX.apiKey]) {
      const on = await call(`/api/v1/orgs/${org.orgId}/suspend`, { method: "POST", token, body: { reason: "x" } });
      const off = await call(`/api/v1/orgs/${org.orgId}/resume`, { method: "POST", token, body: {} });
      expect([on.status, off.status]).toEqual([403, 403]);
    }
  });
});

describe("redteam 18: a suspended agent coming back through another door", () => {
  it("rotating a suspended agent's token does not lift the suspension", async () => {
    const org = await fakeProviderOrg("rt18-rotate-susp");
    const agent = await createAgent(org, { name: "a", autonomy: 5 });
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "r" } })).status,
    ).toBe(200);
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, { method: "POST", token: org.apiKey });
    expect([200, 201]).toContain(rotated.status);
    const res = await chat(rotated.json.token, "fake-model", "hello");
    expect(res.status, res.text).toBe(403);
  });

  it("resuming a subagent on its own does not let it act while its parent is suspended", async () => {
    const org = await fakeProviderOrg("rt18-sub-resume");
    const parent = await createAgent(org, { name: "p", autonomy: 5 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    const sub = await mintSubagent(parent.token);
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "r" } })).status,
    ).toBe(200);
    const resumed = await call(`/api/v1/orgs/${org.orgId}/agents/${sub.id}/resume`, { method: "POST", token: org.apiKey, body: {} });
    expect(resumed.status, resumed.text).toBe(200);
    const res = await chat(sub.token, "fake-model", "hello");
    expect(res.status, res.text).toBe(403);
  });

  it("with the org switch on, an agent created afterwards, its rotated token and its egress are all refused", async () => {
    const org = await fakeProviderOrg("rt18-org-new");
    expect((await call(`/api/v1/orgs/${org.orgId}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "incident" } })).status).toBe(200);
    const fresh = await createAgent(org, { name: "after-switch", autonomy: 5 });
    const a = await chat(fresh.token, "fake-model", "hello");
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${fresh.id}/token`, { method: "POST", token: org.apiKey });
    const b = await chat(rotated.json.token, "fake-model", "hello");
    const egress = await call(`/egress/${env.TEST_TARGET_URL}/x`, { token: rotated.json.token });
    expect([a.status, b.status, egress.status]).toEqual([403, 403, 403]);
  });

  it("a resume of the org does not resume an agent suspended on its own (new calls stay refused)", async () => {
    const org = await fakeProviderOrg("rt18-org-resume");
    const agent = await createAgent(org, { name: "a", autonomy: 5 });
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "own" } })).status,
    ).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "org" } })).status).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/resume`, { method: "POST", token: org.apiKey, body: {} })).status).toBe(200);
    const res = await chat(agent.token, "fake-model", "hello");
    expect(res.status, res.text).toBe(403);
  });
});
