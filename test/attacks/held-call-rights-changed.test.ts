// Attack class: a call held for approval runs after the rights that let it through were narrowed
// while it waited. Each variant holds a call (autonomy 1), changes the policy or the tool's
// standing another way, then approves: the approve answers 409, the call is refused, and nothing
// reaches the target.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { attachPolicy, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { pendingApproval, targetRequests, toolCall } from "../workers/support/tools.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const port = Number(new URL(env.TEST_TARGET_URL).port);
const reached = async (path: string) => (await targetRequests(2000)).filter((r) => r.path === path).length;
const approve = (org: SeededOrg, id: string) =>
  call(`/api/v1/orgs/${org.orgId}/approvals/${id}/approve`, { method: "POST", token: org.apiKey, body: {} });
const patchPolicy = (org: SeededOrg, id: string, body: Record<string, unknown>) =>
  call(`/api/v1/orgs/${org.orgId}/policies/${id}`, { method: "PATCH", token: org.apiKey, body });

async function toolOrg(label: string) {
  const org = await fakeProviderOrg(label);
  const tool = await create(org, "tools", {
    name: "create_ticket",
    description: "Open a ticket",
    inputSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/tickets/{title}`,
  });
  const policyId = await attachPolicy(org, { name: "target", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "org" });
  const agent = await createAgent(org, { name: "a", autonomy: 1 });
  await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
  return { org, agent, policyId };
}

describe("attack: a held call runs after its rights were narrowed while it waited", () => {
  it("attack: egress POST overriding to DELETE is held; the policy drops DELETE; a late approve would run the DELETE", async () => {
    const org = await fakeProviderOrg("held-narrow-override");
    const policyId = await attachPolicy(
      org,
      { name: "target", egress: [{ host: "127.0.0.1", ports: [port], methods: ["POST", "DELETE"] }] },
      { scope: "org" },
    );
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    const path = `/tickets/override-${crypto.randomUUID().slice(0, 8)}`;
    const pending = call(`/egress/${env.TEST_TARGET_URL}${path}`, {
      method: "POST",
      token: agent.token,
      body: { a: 1 },
      headers: { "x-http-method-override": "DELETE" },
    });
    const approval = await pendingApproval(org, agent.id);
    expect((await patchPolicy(org, policyId, { egress: [{ host: "127.0.0.1", ports: [port], methods: ["POST"] }] })).status).toBe(200);
    const late = await approve(org, approval.id);
    const answer = await pending;
    await sleep(200);
    expect({ late: late.status, answer: answer.status, error: answer.json?.error?.code, reached: await reached(path) }).toEqual({
      late: 409,
      answer: 403,
      error: "policy_denied",
      reached: 0,
    });
  });

  it("attack: a tool call is held; a deny rule for its destination is attached; a late approve would still call it", async () => {
    const { org, agent } = await toolOrg("held-tool-deny");
    const title = `deny-${crypto.randomUUID().slice(0, 8)}`;
    const pending = toolCall(agent.token, "create_ticket", { title });
    const approval = await pendingApproval(org, agent.id);
    await attachPolicy(
      org,
      { name: "no tickets", egress: [{ host: "127.0.0.1", paths: ["/tickets/**"], deny: true }] },
      { scope: "agent", id: agent.id },
    );
    const late = await approve(org, approval.id);
    const answer = await pending;
    await sleep(200);
    expect({ late: late.status, ran: answer.json?.result?.isError === false, reached: await reached(`/tickets/${title}`) }).toEqual({
      late: 409,
      ran: false,
      reached: 0,
    });
  });

  it("attack: a tool call is held; the policy's tools list stops naming the tool; a late approve would still call it", async () => {
    const { org, agent, policyId } = await toolOrg("held-tool-list");
    const title = `list-${crypto.randomUUID().slice(0, 8)}`;
    const pending = toolCall(agent.token, "create_ticket", { title });
    const approval = await pendingApproval(org, agent.id);
    expect((await patchPolicy(org, policyId, { tools: ["some_other_tool"] })).status).toBe(200);
    const late = await approve(org, approval.id);
    const answer = await pending;
    await sleep(200);
    const status = (await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}`, { token: org.apiKey })).json?.status;
    expect({ late: late.status, status, ran: answer.json?.result?.isError === false, reached: await reached(`/tickets/${title}`) }).toEqual({
      late: 409,
      status: "denied",
      ran: false,
      reached: 0,
    });
  });

  it("control: a held call whose rights did not change still runs once approved", async () => {
    const { org, agent } = await toolOrg("held-unchanged");
    const title = `ok-${crypto.randomUUID().slice(0, 8)}`;
    const pending = toolCall(agent.token, "create_ticket", { title });
    const approval = await pendingApproval(org, agent.id);
    const late = await approve(org, approval.id);
    const answer = await pending;
    expect({ late: late.status, ran: answer.json?.result?.isError === false, reached: await reached(`/tickets/${title}`) }).toEqual({
      late: 200,
      ran: true,
      reached: 1,
    });
  });
});
