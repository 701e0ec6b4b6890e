// Red team (fix16i): session-minted subagents. A subagent minted with a sandbox session token
// minting its own subagent; a mint racing the sandbox's end; the host revoked; a held call of the
// subagent when the sandbox ends; a tool grant revoked while a call is held.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createSubagent } from "../../workers/agents/lifecycle.js";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { call } from "../workers/support/api.js";
import type { FakeHost } from "../workers/support/fake-host.js";
import { sandboxedAgent, sessionRequestOf } from "../workers/support/sandboxed.js";
import { attachPolicy, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { pendingApproval, targetRequests, toolCall } from "../workers/support/tools.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const me = (token: string) => call("/agent/v1/me", { token });
const port = Number(new URL(env.TEST_TARGET_URL).port);
const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

const boxed = (label: string, autonomy = 3) => sandboxedAgent(label, hosts, { autonomy });

describe("red team fix16i: session-minted subagents", () => {
  it("a session-minted subagent cannot mint its own subagent (flat hierarchy)", async () => {
    const { sandbox } = await boxed("rt-sess-subsub");
    const sub = await call("/agent/v1/subagents", { method: "POST", token: sandbox.token, body: { name: "s1" } });
    expect(sub.status, sub.text).toBe(201);
    const subsub = await call("/agent/v1/subagents", { method: "POST", token: sub.json.token, body: { name: "s2" } });
    expect(subsub.status).toBeGreaterThanOrEqual(400);
  });

  it("mints racing the sandbox's exit: no minted token outlives the session", async () => {
    const { host, sandbox } = await boxed("rt-sess-race");
    const mints = Array.from({ length: 6 }, (_, i) => call("/agent/v1/subagents", { method: "POST", token: sandbox.token, body: { name: `r${i}` } }));
    await sleep(5);
    host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    const done = await Promise.all(mints);
    for (let i = 0; i < 100 && (await me(sandbox.token)).status !== 401; i++) await sleep(20);
    await sleep(500);
    const alive: number[] = [];
    for (const m of done) if (m.status === 201 && (await me(m.json.token)).status === 200) alive.push(1);
    console.log("race: minted", done.filter((d) => d.status === 201).length, "of", done.length);
    expect({ alive: alive.length }).toEqual({ alive: 0 });
  });

  it("a mint authenticated while the session lived but carried out after it ended (a loaded edge): refused, no token outlives the session", async () => {
    // The public race above, made deterministic: the request's authentication and rights are
    // taken while the session lives, then the sandbox ends before the subagent is written.
    const { org, host, agent, sandbox } = await boxed("rt-sess-late");
    const late = await sessionRequestOf(org.orgId, agent.id, sandbox.sandboxId);
    host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    for (let i = 0; i < 100 && (await me(sandbox.token)).status !== 401; i++) await sleep(20);
    const minted = await createSubagent(env, late.rights, { name: "late" }, late.tokenId).then(
      (c) => c,
      (e: { status?: number }) => e,
    );
    const token = "token" in minted ? minted.token.token : null;
    expect({ minted: token !== null, alive: token ? (await me(token)).status : null }).toEqual({ minted: false, alive: null });
    const subagents = await new OrgData(makeDb(env.DB), org.orgId).subagents(agent.id);
    expect(subagents.map((a) => a.name)).not.toContain("late");
  });

  it("mints sent right after the sandbox's exit report (auth cache still warm): none outlives the session", async () => {
    const { host, sandbox } = await boxed("rt-sess-after");
    expect((await me(sandbox.token)).status).toBe(200);
    host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    const done = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call("/agent/v1/subagents", { method: "POST", token: sandbox.token, body: { name: `q${i}` } })),
    );
    for (let i = 0; i < 100 && (await me(sandbox.token)).status !== 401; i++) await sleep(20);
    await sleep(500);
    let alive = 0;
    for (const m of done) if (m.status === 201 && (await me(m.json.token)).status === 200) alive++;
    console.log("after-exit: minted", done.filter((d) => d.status === 201).length);
    expect({ alive }).toEqual({ alive: 0 });
  });

  it("the host is revoked: the session-minted subagent's token stops", async () => {
    const { org, host, sandbox } = await boxed("rt-sess-hostrevoke");
    const sub = await call("/agent/v1/subagents", { method: "POST", token: sandbox.token, body: { name: "s1" } });
    expect(sub.status, sub.text).toBe(201);
    const del = await call(`/api/v1/orgs/${org.orgId}/hosts/${host.hostId}`, { method: "DELETE", token: org.apiKey });
    expect(del.status, del.text).toBeLessThan(300);
    await sleep(500);
    expect({ session: (await me(sandbox.token)).status, sub: (await me(sub.json.token)).status }).toEqual({ session: 401, sub: 401 });
  });

  it("a tool grant is revoked while the agent's tool call waits for approval; a late approve still runs it", async () => {
    const org = await fakeProviderOrg("rt-grant-revoke");
    const tool = await create(org, "tools", {
      name: "create_ticket",
      description: "Open a ticket",
      inputSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
      method: "POST",
      url: `${env.TEST_TARGET_URL}/tickets/{title}`,
    });
    await attachPolicy(org, { name: "target", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "org" });
    const agent = await createAgent(org, { name: "a", autonomy: 1 });
    const g = await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
    const title = `grant-${crypto.randomUUID().slice(0, 8)}`;
    const pending = toolCall(agent.token, "create_ticket", { title });
    const approval = await pendingApproval(org, agent.id);
    const del = await call(`/api/v1/orgs/${org.orgId}/tools/${tool.id}/grants/${g.id}`, { method: "DELETE", token: org.apiKey });
    expect(del.status, del.text).toBeLessThan(300);
    await sleep(300);
    const late = await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/approve`, { method: "POST", token: org.apiKey, body: {} });
    const answer = await pending;
    await sleep(200);
    const posted = (await targetRequests(2000)).filter((r) => r.method === "POST" && r.path === `/tickets/${title}`).length;
    expect({ lateApprove: late.status, ran: answer.json?.result?.isError === false, posted }).toEqual({ lateApprove: 409, ran: false, posted: 0 });
  });
});
