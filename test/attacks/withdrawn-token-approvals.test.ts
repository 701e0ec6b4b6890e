// Attack class: a call held for approval outlives the credential that made it. The agent's token is
// rotated or revoked (or its parent's, or the sandbox session it came from ends) while a mutating
// call waits for a person; an approver who did not hear of it approves, and the call would run
// with credentials that no longer exist. Each variant asserts the held call ends, its approval is
// denied (a later approve answers 409) and nothing reaches the target.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { type SeededOrg, call } from "../workers/support/api.js";
import { type FakeHost, connectFakeHost, startSandbox } from "../workers/support/fake-host.js";
import { ALLOW_SUBAGENTS, attachPolicy, create, createAgent, fakeProviderOrg, mintSubagent } from "../workers/support/fixtures.js";
import { pendingApproval, targetRequests, toolCall } from "../workers/support/tools.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const port = Number(new URL(env.TEST_TARGET_URL).port);
const posts = async (path: string) => (await targetRequests(2000)).filter((r) => r.method === "POST" && r.path === path).length;

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

/** An org with a mutating HTTP tool and an egress rule to the local target; agents at autonomy 1 wait for a person. */
async function heldOrg(label: string) {
  const org = await fakeProviderOrg(label);
  const tool = await create(org, "tools", {
    name: "create_ticket",
    description: "Open a ticket",
    inputSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/tickets/{title}`,
  });
  await attachPolicy(org, { name: "target", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "org" });
  return { org, toolId: tool.id as string };
}

const grant = (org: SeededOrg, toolId: string, agentId: string) => create(org, `tools/${toolId}/grants`, { scope: "agent", id: agentId });
const approve = (org: SeededOrg, id: string) =>
  call(`/api/v1/orgs/${org.orgId}/approvals/${id}/approve`, { method: "POST", token: org.apiKey, body: {} });
const statusOf = async (org: SeededOrg, id: string) => (await call(`/api/v1/orgs/${org.orgId}/approvals/${id}`, { token: org.apiKey })).json?.status;

/** Runs `pending` until an approval is held, then `withdraw`; reports what happened within a second and after a late approve. */
async function heldThenWithdrawn(org: SeededOrg, agentId: string, pending: Promise<{ status: number; json?: any }>, withdraw: () => Promise<void>) {
  let settled = false;
  void pending.then(() => (settled = true));
  const approval = await pendingApproval(org, agentId);
  await withdraw();
  await sleep(1000);
  const within = { ended: settled, approval: await statusOf(org, approval.id) };
  const late = await approve(org, approval.id);
  const answer = await pending;
  await sleep(200);
  return { ...within, lateApprove: late.status, answer };
}

describe("attack: a held call runs after its credential was withdrawn", () => {
  it("attack: rotate the token while a POST egress request waits for approval", async () => {
    const { org } = await heldOrg("held-rotate-egress");
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    const path = `/tickets/rot-${crypto.randomUUID().slice(0, 8)}`;
    const r = await heldThenWithdrawn(
      org,
      agent.id,
      call(`/egress/${env.TEST_TARGET_URL}${path}`, { method: "POST", token: agent.token, body: { a: 1 } }),
      async () => {
        expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, { method: "POST", token: org.apiKey })).status).toBe(201);
      },
    );
    expect({ ...r, answer: r.answer.status, posts: await posts(path) }).toEqual({
      ended: true,
      approval: "denied",
      lateApprove: 409,
      answer: 401,
      posts: 0,
    });
  });

  it("attack: revoke the parent while its subagent's tool call waits for approval", async () => {
    const { org, toolId } = await heldOrg("held-parent");
    const parent = await createAgent(org, { name: "p", autonomy: 1 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    await grant(org, toolId, parent.id);
    const sub = await mintSubagent(parent.token);
    await grant(org, toolId, sub.id);
    const title = `sub-${crypto.randomUUID().slice(0, 8)}`;
    const r = await heldThenWithdrawn(org, sub.id, toolCall(sub.token, "create_ticket", { title }), async () => {
      expect((await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/token`, { method: "DELETE", token: org.apiKey })).status).toBeLessThan(300);
    });
    const ran = r.answer.status === 200 && r.answer.json?.result?.isError === false;
    expect({ ended: r.ended, approval: r.approval, lateApprove: r.lateApprove, ran, posts: await posts(`/tickets/${title}`) }).toEqual({
      ended: true,
      approval: "denied",
      lateApprove: 409,
      ran: false,
      posts: 0,
    });
  });

  it("attack: the sandbox whose session token made the call ends while it waits for approval", async () => {
    const { org, toolId } = await heldOrg("held-session");
    const host = await connectFakeHost(org);
    hosts.push(host);
    const agent = await createAgent(org, { name: "boxed", autonomy: 1 });
    await grant(org, toolId, agent.id);
    const sandbox = await startSandbox(org, host, agent.id);
    host.report(sandbox.sandboxId, "running");
    const title = `box-${crypto.randomUUID().slice(0, 8)}`;
    const r = await heldThenWithdrawn(org, agent.id, toolCall(sandbox.token, "create_ticket", { title }), async () => {
      host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    });
    const ran = r.answer.status === 200 && r.answer.json?.result?.isError === false;
    expect({ ended: r.ended, approval: r.approval, lateApprove: r.lateApprove, ran, posts: await posts(`/tickets/${title}`) }).toEqual({
      ended: true,
      approval: "denied",
      lateApprove: 409,
      ran: false,
      posts: 0,
    });
  });

  it("attack: a token revoked where no withdrawal reached the held call (another isolate's write) is caught by the approve and the re-check", async () => {
    const { org, toolId } = await heldOrg("held-recheck");
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    await grant(org, toolId, agent.id);
    const title = `recheck-${crypto.randomUUID().slice(0, 8)}`;
    const pending = toolCall(agent.token, "create_ticket", { title });
    const approval = await pendingApproval(org, agent.id);
    // Only D1 changes, as if the revocation ran where it could not wake this call.
    await new OrgData(makeDb(env.DB), org.orgId).revokeTokens("agent", [agent.id]);
    const late = await approve(org, approval.id);
    const answer = await pending;
    await sleep(200);
    expect({
      lateApprove: late.status,
      approval: await statusOf(org, approval.id),
      ran: answer.status === 200 && answer.json?.result?.isError === false,
      posts: await posts(`/tickets/${title}`),
    }).toEqual({ lateApprove: 409, approval: "denied", ran: false, posts: 0 });
  });
});
