// Red team (fix16i): orderings of withdrawals around a held call: suspend then resume before the
// approve, rotate twice, the parent suspended/resumed while its subagent's call is held.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, createAgent, fakeProviderOrg, mintSubagent } from "../workers/support/fixtures.js";
import { pendingApproval, targetRequests } from "../workers/support/tools.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const port = Number(new URL(env.TEST_TARGET_URL).port);
const posts = async (path: string) => (await targetRequests(2000)).filter((r) => r.method === "POST" && r.path === path).length;
const approve = (org: SeededOrg, id: string) =>
  call(`/api/v1/orgs/${org.orgId}/approvals/${id}/approve`, { method: "POST", token: org.apiKey, body: {} });
async function admin(org: SeededOrg, path: string) {
  const res = await call(`/api/v1/orgs/${org.orgId}${path}`, {
    method: "POST",
    token: org.apiKey,
    body: path.endsWith("/suspend") ? { reason: "incident" } : {},
  });
  expect(res.status, `${path}: ${res.text}`).toBeLessThan(300);
  return res;
}

async function held(label: string, sub = false) {
  const org = await fakeProviderOrg(label);
  await attachPolicy(org, { name: "target", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "org" });
  const parent = await createAgent(org, { name: "p", autonomy: 1 });
  await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
  const actor = sub ? await mintSubagent(parent.token, { autonomy: 1 }) : parent;
  const path = `/tickets/${label}-${crypto.randomUUID().slice(0, 8)}`;
  const pending = call(`/egress/${env.TEST_TARGET_URL}${path}`, { method: "POST", token: actor.token, body: { a: 1 } });
  const approval = await pendingApproval(org, actor.id);
  return { org, parent, actor, path, pending, approval };
}

describe("red team fix16i: withdrawal orderings around a held call", () => {
  it("suspend then resume the agent, then approve: the held POST does not run", async () => {
    const h = await held("rt-susp-resume");
    await admin(h.org, `/agents/${h.actor.id}/suspend`);
    await admin(h.org, `/agents/${h.actor.id}/resume`);
    const late = await approve(h.org, h.approval.id);
    const answer = await h.pending;
    await sleep(200);
    expect({ late: late.status, answer: answer.status < 300, posts: await posts(h.path) }).toEqual({ late: 409, answer: false, posts: 0 });
  });

  it("suspend 600 ms after the call was held, then resume, then approve: the held POST does not run", async () => {
    const h = await held("rt-susp-resume-late");
    await sleep(600);
    await admin(h.org, `/agents/${h.actor.id}/suspend`);
    await sleep(300);
    const status = (await call(`/api/v1/orgs/${h.org.orgId}/approvals/${h.approval.id}`, { token: h.org.apiKey })).json?.status;
    await admin(h.org, `/agents/${h.actor.id}/resume`);
    const late = await approve(h.org, h.approval.id);
    const answer = await h.pending;
    await sleep(200);
    expect({ status, late: late.status, answer: answer.status < 300, posts: await posts(h.path) }).toEqual({
      status: "denied",
      late: 409,
      answer: false,
      posts: 0,
    });
  });

  it("rotate twice, then approve with the newest token live: the held POST does not run", async () => {
    const h = await held("rt-rot2");
    await admin(h.org, `/agents/${h.actor.id}/token`);
    await admin(h.org, `/agents/${h.actor.id}/token`);
    const late = await approve(h.org, h.approval.id);
    const answer = await h.pending;
    await sleep(200);
    expect({ late: late.status, answer: answer.status < 300, posts: await posts(h.path) }).toEqual({ late: 409, answer: false, posts: 0 });
  });

  it("the parent is rotated while its subagent's POST is held; approve: it does not run", async () => {
    const h = await held("rt-parent-rot", true);
    await admin(h.org, `/agents/${h.parent.id}/token`);
    const late = await approve(h.org, h.approval.id);
    const answer = await h.pending;
    await sleep(200);
    expect({ late: late.status, answer: answer.status < 300, posts: await posts(h.path) }).toEqual({ late: 409, answer: false, posts: 0 });
  });

  it("the parent is suspended and resumed while its subagent's POST is held; approve: it does not run", async () => {
    const h = await held("rt-parent-susp", true);
    await admin(h.org, `/agents/${h.parent.id}/suspend`);
    await admin(h.org, `/agents/${h.parent.id}/resume`);
    const late = await approve(h.org, h.approval.id);
    const answer = await h.pending;
    await sleep(200);
    expect({ late: late.status, answer: answer.status < 300, posts: await posts(h.path) }).toEqual({ late: 409, answer: false, posts: 0 });
  });

  it("the org is suspended and resumed while a POST is held; approve: it does not run", async () => {
    const h = await held("rt-org-susp");
    const s = await call(`/api/v1/orgs/${h.org.orgId}/suspend`, { method: "POST", token: h.org.apiKey, body: { reason: "x" } });
    const r = await call(`/api/v1/orgs/${h.org.orgId}/resume`, { method: "POST", token: h.org.apiKey, body: {} });
    const late = await approve(h.org, h.approval.id);
    const answer = await h.pending;
    await sleep(200);
    expect({ s: s.status < 300, r: r.status < 300, late: late.status, answer: answer.status < 300, posts: await posts(h.path) }).toEqual({
      s: true,
      r: true,
      late: 409,
      answer: false,
      posts: 0,
    });
  });
});
