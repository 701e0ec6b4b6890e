// Red team 33b (red-mint2): subagent mints after the change that checks the minting token inside
// the subagent-writing transaction and binds session-minted subagents to their session.
// A failing test is a confirmed break; tests named "(control)" probe a rule that is expected to hold.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { gate, me, mint, rotate, sleep } from "./support/subagents.js";
import { createSubagent } from "../../workers/agents/lifecycle.js";
import { rightsOf } from "../../workers/agents/service.js";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { type SeededOrg, call } from "../workers/support/api.js";
import { type FakeHost, startSandbox } from "../workers/support/fake-host.js";
import { lapseSession, sandboxedAgent } from "../workers/support/sandboxed.js";
import { ALLOW_SUBAGENTS, attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { rpc } from "../workers/support/tools.js";

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

const boxed = (label: string, policy: Record<string, unknown> = ALLOW_SUBAGENTS) => sandboxedAgent(label, hosts, { policy });

async function rowsOf(orgId: string) {
  const agents = await env.DB.prepare("SELECT id, parent_agent_id, status FROM agents WHERE org_id = ?")
    .bind(orgId)
    .all<{ id: string; status: string }>();
  const policies = await env.DB.prepare("SELECT id, name FROM policies WHERE org_id = ? AND name LIKE 'subagent-%'").bind(orgId).all();
  const tokens = await env.DB.prepare("SELECT id FROM tokens WHERE org_id = ? AND kind = 'agent'").bind(orgId).all();
  return { agents: agents.results.length, policies: policies.results.length, tokens: tokens.results.length };
}

async function tool(org: SeededOrg, name: string, agentId: string) {
  const t = await call(`/api/v1/orgs/${org.orgId}/tools`, {
    method: "POST",
    token: org.apiKey,
    body: { name, description: name, inputSchema: { type: "object" }, method: "GET", url: `https://${name}.example.com/items` },
  });
  expect(t.status, t.text).toBe(201);
  const g = await call(`/api/v1/orgs/${org.orgId}/tools/${t.json.id}/grants`, {
    method: "POST",
    token: org.apiKey,
    body: { scope: "agent", id: agentId },
  });
  expect(g.status, g.text).toBe(201);
  return t.json.id as string;
}

const listed = async (token: string) =>
  (((await rpc(token, { jsonrpc: "2.0", id: 1, method: "tools/list" })).json?.result?.tools ?? []) as Array<{ name: string }>)
    .map((t) => t.name)
    .sort();

describe("red team 33b: a subagent's tools narrowing", () => {
  it("B1 (control): with no other tools list, a subagent minted with tools ['t-a'] sees only t-a", async () => {
    const org = await fakeProviderOrg("rt33b-narrow-ctl");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    await tool(org, "t-a", parent.id);
    await tool(org, "t-b", parent.id);
    expect(await listed(parent.token)).toEqual(["t-a", "t-b"]);
    const sub = await mint(parent.token, { name: "s", tools: ["t-a"] });
    expect(sub.status, sub.text).toBe(201);
    expect(await listed(sub.json.token)).toEqual(["t-a"]);
  });

  it("B1: an org policy with a tools list (the parent may use t-a and t-b): the subagent minted with tools ['t-a'] also gets t-b", async () => {
    // The narrowing is a policy attached to the subagent; effective policies take the UNION of every
    // attached `tools` list (workers/policy/effective.ts), so any org/team/project list widens it back.
    const org = await fakeProviderOrg("rt33b-narrow");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    await tool(org, "t-a", parent.id);
    await tool(org, "t-b", parent.id);
    await attachPolicy(org, { name: "org-tools", tools: ["t-a", "t-b"] }, { scope: "org" });
    expect(await listed(parent.token)).toEqual(["t-a", "t-b"]);
    const sub = await mint(parent.token, { name: "s", tools: ["t-a"] });
    expect(sub.status, sub.text).toBe(201);
    expect(await listed(sub.json.token)).toEqual(["t-a"]);
  });

  it("B1b: tools [] (no tools at all) under an org policy with a tools list: the subagent still gets every tool", async () => {
    const org = await fakeProviderOrg("rt33b-narrow-empty");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    await tool(org, "t-a", parent.id);
    await attachPolicy(org, { name: "org-tools", tools: ["t-a"] }, { scope: "org" });
    const sub = await mint(parent.token, { name: "s", tools: [] });
    expect(sub.status, sub.text).toBe(201);
    expect(await listed(sub.json.token)).toEqual([]);
  });
});

describe("red team 33b: maxSubagents", () => {
  it("B2 (control): 16 concurrent mints against maxSubagents 3 write at most 3, the rest 409 with the contract shape", async () => {
    const org = await fakeProviderOrg("rt33b-limit-race");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, gate({ maxSubagents: 3 }), { scope: "agent", id: parent.id });
    const done = await Promise.all(Array.from({ length: 16 }, (_, i) => mint(parent.token, { name: `s${i}`, tools: [] })));
    const ok = done.filter((d) => d.status === 201).length;
    const refused = done.filter((d) => d.status === 409 && d.json?.error?.code === "conflict").length;
    const rows = await rowsOf(org.orgId);
    expect({ ok, refused, agents: rows.agents, policies: rows.policies }).toEqual({ ok: 3, refused: 13, agents: 4, policies: 3 });
  });

  it("B3: an admin rotation revives a revoked subagent past its parent's maxSubagents (1): two live subagents", async () => {
    const org = await fakeProviderOrg("rt33b-limit-revive");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, gate({ maxSubagents: 1 }), { scope: "agent", id: parent.id });
    const s1 = await mint(parent.token, { name: "s1" });
    expect(s1.status, s1.text).toBe(201);
    const ended = await call(`/agent/v1/subagents/${s1.json.id}`, { method: "DELETE", token: parent.token });
    expect(ended.status).toBe(204);
    const s2 = await mint(parent.token, { name: "s2" });
    expect(s2.status, s2.text).toBe(201);
    const revived = await rotate(org, s1.json.id);
    const liveNow = revived.status < 300 ? [(await me(revived.json.token)).status, (await me(s2.json.token)).status] : null;
    const data = new OrgData(makeDb(env.DB), org.orgId);
    console.log("B3", { rotate: revived.status, liveNow, live: await data.liveSubagents(parent.id) });
    // Expected: the rotation is refused (409, limit) or at least does not leave the parent over its limit.
    expect({ overLimit: (await data.liveSubagents(parent.id)) > 1, liveNow: liveNow?.every((s) => s === 200) ?? false }).toEqual({
      overLimit: false,
      liveNow: false,
    });
  });

  it("B4: session-minted subagents whose session lapsed (they can never act again) still fill the parent's maxSubagents", async () => {
    const { org, host, agent, sandbox } = await boxed("rt33b-limit-lapse", gate({ maxSubagents: 1 }));
    const s1 = await mint(sandbox.token, { name: "s1" });
    expect(s1.status, s1.text).toBe(201);
    await lapseSession(sandbox.sandboxId);
    expect((await me(s1.json.token)).status).toBe(401);
    // A new sandbox of the parent: a new session, and the lapsed subagent can do nothing.
    const next = await startSandbox(org, host, agent.id, "onprem");
    const s2 = await mint(next.token, { name: "s2" });
    expect({ status: s2.status, body: s2.status === 201 ? "ok" : s2.json?.error?.message }).toEqual({ status: 201, body: "ok" });
  }, 60_000);
});

describe("red team 33b: refused mints leave nothing", () => {
  it("B5 (control): each refusal answers the contract status and shape and writes no agent, token or policy row", async () => {
    const org = await fakeProviderOrg("rt33b-refusals");
    const parent = await createAgent(org, { name: "p", autonomy: 3 });
    await attachPolicy(org, gate({ maxSubagents: 1 }), { scope: "agent", id: parent.id });
    await tool(org, "t-a", parent.id);
    const before = await rowsOf(org.orgId);
    const cases: Array<[string, unknown, number]> = [
      ["autonomy above parent", { name: "x", autonomy: 4, tools: ["t-a"] }, 403],
      ["tool not the parent's", { name: "x", tools: ["t-zzz"] }, 403],
      ["autonomy out of range", { name: "x", autonomy: 9 }, 400],
      ["unknown field", { name: "x", parentAgentId: parent.id }, 400],
      ["empty name", { name: "   " }, 400],
      ["tools not a list", { name: "x", tools: "t-a" }, 400],
    ];
    const got: Record<string, unknown> = {};
    for (const [label, body, status] of cases) {
      const res = await mint(parent.token, body as Record<string, unknown>);
      got[label] = {
        status: res.status,
        shaped: typeof res.json?.error?.code === "string" && typeof res.json?.error?.message === "string",
        want: status,
      };
    }
    const bad = await call("/agent/v1/subagents", {
      method: "POST",
      token: parent.token,
      rawBody: "{nope",
      headers: { "content-type": "application/json" },
    });
    got["not json"] = { status: bad.status, shaped: typeof bad.json?.error?.code === "string", want: 400 };
    const want = Object.fromEntries(
      Object.entries(got).map(([k, v]) => [k, { status: (v as { want: number }).want, shaped: true, want: (v as { want: number }).want }]),
    );
    expect(got).toEqual(want);
    expect(await rowsOf(org.orgId)).toEqual(before);
    // At the limit, with a tools list: 409 and nothing.
    expect((await mint(parent.token, { name: "first", tools: ["t-a"] })).status).toBe(201);
    const mid = await rowsOf(org.orgId);
    const over = await mint(parent.token, { name: "second", tools: ["t-a"] });
    expect({ status: over.status, code: over.json?.error?.code, limit: over.json?.error?.details?.limit }).toEqual({
      status: 409,
      code: "conflict",
      limit: 1,
    });
    expect(await rowsOf(org.orgId)).toEqual(mid);
  });

  it("B6 (control): a mint with a tools list overtaken by the parent's rotation: nothing written (no agent, token or policy)", async () => {
    const org = await fakeProviderOrg("rt33b-late-tools");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    await tool(org, "t-a", parent.id);
    const data = new OrgData(makeDb(env.DB), org.orgId);
    const row = await data.agent(parent.id);
    const rights = row && (await rightsOf(env, row));
    if (!rights?.ok) throw new Error("no rights");
    const old = (await data.activeTokens("agent", parent.id))[0];
    if (!old) throw new Error("no token");
    expect((await rotate(org, parent.id)).status).toBeLessThan(300);
    const before = await rowsOf(org.orgId);
    const out = await createSubagent(env, rights.rights, { name: "late", tools: ["t-a"] }, old.id).then(
      () => ({ status: 201 }),
      (e: { status?: number; code?: string }) => ({ status: e.status, code: e.code }),
    );
    expect({ out, rows: await rowsOf(org.orgId) }).toEqual({ out: { status: 401, code: "unauthorized" }, rows: before });
  });
});

describe("red team 33b: session-minted subagents and the session's end", () => {
  it("B7 (control): mints with the session token fired together with the sandbox's stop: no subagent outlives the stop", async () => {
    const { org, sandbox } = await boxed("rt33b-stop-race", gate({ maxSubagents: 100 }));
    const mints = Array.from({ length: 12 }, (_, i) => mint(sandbox.token, { name: `r${i}`, tools: [] }));
    await sleep(2);
    const stop = await call(`/api/v1/orgs/${org.orgId}/sandboxes/${sandbox.sandboxId}/stop`, {
      method: "POST",
      token: org.apiKey,
      body: { force: true },
    });
    expect(stop.status, stop.text).toBe(200);
    const done = await Promise.all(mints);
    await sleep(4_500);
    const alive: string[] = [];
    for (const m of done) if (m.status === 201 && (await me(m.json.token)).status !== 401) alive.push(m.json.id);
    const statuses = [...new Set(done.map((d) => d.status))].sort();
    expect({ alive, unexpected: statuses.filter((s) => s !== 201 && s !== 401) }).toEqual({ alive: [], unexpected: [] });
  }, 60_000);

  it("B8 (control): after the lapse, the host's 'running' report and heartbeat do not revive the session or its subagent", async () => {
    const { host, sandbox } = await boxed("rt33b-renew-lapse");
    const s1 = await mint(sandbox.token, { name: "s1" });
    expect(s1.status, s1.text).toBe(201);
    await lapseSession(sandbox.sandboxId, false);
    host.report(sandbox.sandboxId, "running");
    host.send({ t: "pong" });
    await sleep(4_500);
    expect({ session: (await me(sandbox.token)).status, sub: (await me(s1.json.token)).status }).toEqual({ session: 401, sub: 401 });
  }, 60_000);
  it("B9: a session-minted subagent's LLM stream started before the session lapses is ended when it lapses", async () => {
    const { sandbox } = await boxed("rt33b-lapse-stream");
    const s1 = await mint(sandbox.token, { name: "s1" });
    expect(s1.status, s1.text).toBe(201);
    // The host went away: the session's tokens lapse in 2 s and nothing renews them.
    const lapsesAt = Date.now() + 2_000;
    await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE name = ?").bind(lapsesAt, `sandbox:${sandbox.sandboxId}`).run();
    const answer = await call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: s1.json.token,
      body: {
        model: "gpt-4o-mini",
        max_tokens: 400,
        stream: true,
        messages: [{ role: "user", content: `go fake-fault:trickle ${"y".repeat(200)}` }],
      },
    });
    const endedAfterLapseMs = Date.now() - lapsesAt;
    // As for a revocation: the stream ends (no [DONE]) within about a second of the session's end.
    expect({ status: answer.status, done: answer.text.includes("[DONE]"), soon: endedAfterLapseMs < 2_000 }).toEqual({
      status: 200,
      done: false,
      soon: true,
    });
  }, 60_000);
});
