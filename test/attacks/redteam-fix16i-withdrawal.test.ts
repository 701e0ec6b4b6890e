// Red team (fix16i): held calls whose right to run changed while they waited, other than by the
// token: the egress rule / policy or tool grant is removed, the tool is deleted, the approve races
// the revoke, the org is suspended. And session-minted subagents that outlive their sandbox.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { type FakeHost, connectFakeHost, startSandbox } from "../workers/support/fake-host.js";
import { ALLOW_SUBAGENTS, attachPolicy, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { pendingApproval, targetRequests, toolCall } from "../workers/support/tools.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const port = Number(new URL(env.TEST_TARGET_URL).port);
const posts = async (path: string) => (await targetRequests(2000)).filter((r) => r.method === "POST" && r.path === path).length;
const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

async function heldOrg(label: string) {
  const org = await fakeProviderOrg(label);
  const tool = await create(org, "tools", {
    name: "create_ticket",
    description: "Open a ticket",
    inputSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/tickets/{title}`,
  });
  const policyId = await attachPolicy(org, { name: "target", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "org" });
  return { org, toolId: tool.id as string, policyId };
}
const approve = (org: SeededOrg, id: string) =>
  call(`/api/v1/orgs/${org.orgId}/approvals/${id}/approve`, { method: "POST", token: org.apiKey, body: {} });

describe("red team fix16i: approved calls re-checked only for token and chain", () => {
  it("egress POST held for approval; the admin deletes the only egress policy; a late approve lets it reach the target", async () => {
    const { org, policyId } = await heldOrg("rt-held-policy-del");
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    const path = `/tickets/pol-${crypto.randomUUID().slice(0, 8)}`;
    const pending = call(`/egress/${env.TEST_TARGET_URL}${path}`, { method: "POST", token: agent.token, body: { a: 1 } });
    const approval = await pendingApproval(org, agent.id);
    const del = await call(`/api/v1/orgs/${org.orgId}/policies/${policyId}`, { method: "DELETE", token: org.apiKey });
    expect(del.status, del.text).toBeLessThan(300);
    await sleep(300);
    // Control: a fresh POST is now refused by policy.
    const fresh = await call(`/egress/${env.TEST_TARGET_URL}/tickets/fresh`, { method: "POST", token: agent.token, body: {} });
    const late = await approve(org, approval.id);
    const answer = await pending;
    await sleep(200);
    expect({ freshStatus: fresh.status, lateApprove: late.status, answer: answer.status, posts: await posts(path) }).toEqual({
      freshStatus: 403,
      lateApprove: 409,
      answer: 403,
      posts: 0,
    });
  });

  it("egress POST held for approval; the admin narrows the policy to GET only; a late approve still POSTs", async () => {
    const { org, policyId } = await heldOrg("rt-held-policy-narrow");
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    const path = `/tickets/narrow-${crypto.randomUUID().slice(0, 8)}`;
    const pending = call(`/egress/${env.TEST_TARGET_URL}${path}`, { method: "POST", token: agent.token, body: { a: 1 } });
    const approval = await pendingApproval(org, agent.id);
    const patch = await call(`/api/v1/orgs/${org.orgId}/policies/${policyId}`, {
      method: "PATCH",
      token: org.apiKey,
      body: { egress: [{ host: "127.0.0.1", ports: [port], methods: ["GET"] }] },
    });
    expect(patch.status, patch.text).toBe(200);
    await sleep(300);
    const fresh = await call(`/egress/${env.TEST_TARGET_URL}/tickets/fresh2`, { method: "POST", token: agent.token, body: {} });
    const late = await approve(org, approval.id);
    const answer = await pending;
    await sleep(200);
    expect({ freshStatus: fresh.status, lateApprove: late.status, answerOk: answer.status < 300, posts: await posts(path) }).toEqual({
      freshStatus: 403,
      lateApprove: 409,
      answerOk: false,
      posts: 0,
    });
  });

  it("MCP tool call held for approval; the admin deletes the tool; a late approve runs it anyway", async () => {
    const { org, toolId } = await heldOrg("rt-held-tool-del");
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    await create(org, `tools/${toolId}/grants`, { scope: "agent", id: agent.id });
    const title = `tdel-${crypto.randomUUID().slice(0, 8)}`;
    const pending = toolCall(agent.token, "create_ticket", { title });
    const approval = await pendingApproval(org, agent.id);
    const del = await call(`/api/v1/orgs/${org.orgId}/tools/${toolId}`, { method: "DELETE", token: org.apiKey });
    expect(del.status, del.text).toBeLessThan(300);
    await sleep(300);
    const late = await approve(org, approval.id);
    const answer = await pending;
    await sleep(200);
    expect({ lateApprove: late.status, ran: answer.json?.result?.isError === false, posts: await posts(`/tickets/${title}`) }).toEqual({
      lateApprove: 409,
      ran: false,
      posts: 0,
    });
  });

  it("approve and revoke race (sent together): the held egress POST reaches the target only as its answer says, once at most", async () => {
    // Sent together, either may land first: an approve that lands first lets the POST go (it was
    // approved while the token was good); a revoke that lands first ends it. A revoke that lands
    // while the POST is already on its way ends the call in flight: the target may have it, and
    // the agent is told exactly that. What must never happen is a POST the agent is told was
    // refused (by a check), or a second one.
    const { org } = await heldOrg("rt-held-race");
    const outcomes: { answered: boolean; posts: number; message: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const agent = await createAgent(org, { name: `a${i}`, autonomy: 1 });
      const path = `/tickets/race-${crypto.randomUUID().slice(0, 8)}`;
      const pending = call(`/egress/${env.TEST_TARGET_URL}${path}`, { method: "POST", token: agent.token, body: { a: 1 } });
      const approval = await pendingApproval(org, agent.id);
      await Promise.all([
        approve(org, approval.id),
        call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, { method: "DELETE", token: org.apiKey }),
      ]);
      // A revoke landing while the answer streams ends the body mid-read: the agent is told through the stream's error.
      const answer = await pending.catch((e: unknown) => ({ status: 0, json: { error: { message: e instanceof Error ? e.message : String(e) } } }));
      await sleep(100);
      outcomes.push({
        answered: answer.status > 0 && answer.status < 300,
        posts: await posts(path),
        message: String(answer.json?.error?.message ?? ""),
      });
    }
    for (const o of outcomes) {
      if (o.answered) expect(o.posts).toBe(1);
      else if (o.posts > 0)
        expect(o.message, "a POST that went out is answered as ended in flight, not refused").toMatch(/calls in flight were ended/);
      expect(o.posts).toBeLessThanOrEqual(1);
    }
  });

  it("revoke lands before the approve: the held egress POST never reaches the target", async () => {
    const { org } = await heldOrg("rt-held-revoke-first");
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    const path = `/tickets/revoked-${crypto.randomUUID().slice(0, 8)}`;
    const pending = call(`/egress/${env.TEST_TARGET_URL}${path}`, { method: "POST", token: agent.token, body: { a: 1 } });
    const approval = await pendingApproval(org, agent.id);
    const revoked = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, { method: "DELETE", token: org.apiKey });
    await approve(org, approval.id);
    const answer = await pending;
    await sleep(100);
    expect({ revoked: revoked.status < 300, answerOk: answer.status < 300, posts: await posts(path) }).toEqual({
      revoked: true,
      answerOk: false,
      posts: 0,
    });
  });

  it("org suspended while an egress POST is held; approve after: nothing reaches the target", async () => {
    const { org } = await heldOrg("rt-held-org");
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    const path = `/tickets/org-${crypto.randomUUID().slice(0, 8)}`;
    const pending = call(`/egress/${env.TEST_TARGET_URL}${path}`, { method: "POST", token: agent.token, body: { a: 1 } });
    const approval = await pendingApproval(org, agent.id);
    const s = await call(`/api/v1/orgs/${org.orgId}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "incident" } });
    await approve(org, approval.id);
    const answer = await pending;
    await sleep(200);
    expect({ suspend: s.status < 300, answerOk: answer.status < 300, posts: await posts(path) }).toEqual({
      suspend: true,
      answerOk: false,
      posts: 0,
    });
  });
});

describe("red team fix16i: a session-minted subagent outlives its sandbox", () => {
  it("the admin rotates the session-minted subagent's token; the sandbox ends; the new token still acts", async () => {
    const org = await fakeProviderOrg("rt-sess-rotate");
    const host = await connectFakeHost(org);
    hosts.push(host);
    const agent = await createAgent(org, { name: "worker", autonomy: 3 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: agent.id });
    const sandbox = await startSandbox(org, host, agent.id);
    host.report(sandbox.sandboxId, "running");
    const minted = await call("/agent/v1/subagents", { method: "POST", token: sandbox.token, body: { name: "helper" } });
    expect(minted.status, minted.text).toBe(201);
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${minted.json.id}/token`, { method: "POST", token: org.apiKey });
    expect(rotated.status, rotated.text).toBe(201);
    host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    for (let i = 0; i < 100 && (await call("/agent/v1/me", { token: sandbox.token })).status !== 401; i++) await sleep(20);
    expect((await call("/agent/v1/me", { token: sandbox.token })).status).toBe(401);
    await sleep(300);
    const after = await call("/agent/v1/me", { token: rotated.json.token });
    expect({ sessionEnded: true, rotatedSubagentToken: after.status }).toEqual({ sessionEnded: true, rotatedSubagentToken: 401 });
  });

  it("after the sandbox ended (subagent revoked), rotating the subagent's token brings it back unbound", async () => {
    const org = await fakeProviderOrg("rt-sess-revive");
    const host = await connectFakeHost(org);
    hosts.push(host);
    const agent = await createAgent(org, { name: "worker", autonomy: 3 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: agent.id });
    const sandbox = await startSandbox(org, host, agent.id);
    host.report(sandbox.sandboxId, "running");
    const minted = await call("/agent/v1/subagents", { method: "POST", token: sandbox.token, body: { name: "helper" } });
    expect(minted.status, minted.text).toBe(201);
    host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    for (let i = 0; i < 100 && (await call("/agent/v1/me", { token: minted.json.token })).status !== 401; i++) await sleep(20);
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${minted.json.id}/token`, { method: "POST", token: org.apiKey });
    const after = rotated.status === 201 ? (await call("/agent/v1/me", { token: rotated.json.token })).status : rotated.status;
    expect({ revivedStatus: after }).not.toEqual({ revivedStatus: 200 });
  });
});
