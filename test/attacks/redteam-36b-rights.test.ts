// Red team 36b (rights after the body): the change makes every agent route that reads a body read
// the agent's rights again once it has arrived (rightsAfterBody), inserts subagents from the parent's
// row inside the INSERT, and moves/lowers a parent's subagents in the parent's own batch. Every attack
// goes through the public HTTP API (exports.default.fetch, as a client would). Each test asserts the
// SAFE behaviour: a failing test is a confirmed break; "(control)" tests probe rules expected to hold.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { slowRequest } from "./support/slow-body.js";
import { type SeededOrg, call, seedOrg, unique } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { oauthTokens, sessionOf } from "../workers/support/oauth.js";
import { rpc } from "../workers/support/tools.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const admin = (org: SeededOrg, path: string, method: string, body?: unknown) =>
  call(`/api/v1/orgs/${org.orgId}${path}`, { method, token: org.apiKey, ...(body === undefined ? {} : { body }) });
const port = new URL(env.TEST_TARGET_URL).port;

const jsonHeaders = (token: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  "content-type": "application/json",
  ...extra,
});
const mcpHeaders = (token: string) => jsonHeaders(token, { accept: "application/json, text/event-stream" });

/** Requests the egress target saw whose path or body contains `marker`. */
async function targetHits(marker: string): Promise<number> {
  const res = await fetch(`${env.TEST_TARGET_URL}/__requests?last=500&contains=${encodeURIComponent(marker)}`);
  return ((await res.json()) as unknown[]).length;
}
/** Requests the fake model provider saw whose body contains `marker`. */
async function providerHits(marker: string): Promise<number> {
  const res = await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=200&contains=${encodeURIComponent(marker)}`);
  return ((await res.json()) as unknown[]).length;
}

async function httpTool(org: SeededOrg, name: string, path: string, grantTo: string, extra: Record<string, unknown> = {}) {
  const t = await admin(org, "/tools", "POST", {
    name,
    description: name,
    inputSchema: { type: "object" },
    method: "GET",
    url: `${env.TEST_TARGET_URL}${path}`,
    ...extra,
  });
  expect(t.status, t.text).toBe(201);
  const g = await admin(org, `/tools/${t.json.id}/grants`, "POST", { scope: "agent", id: grantTo });
  expect(g.status, g.text).toBe(201);
  return t.json.id as string;
}

const toolCallBody = (name: string, id = 7) => JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } });
const chatBody = (marker: string, model = "gpt-test") => JSON.stringify({ model, max_tokens: 8, messages: [{ role: "user", content: marker }] });

// ── 1. OAuth MCP clients: authorised by their own middleware, never read again ──────────────
describe("red team 36b: a desktop MCP client (OAuth) whose tools/call body arrives after a withdrawal", () => {
  async function oauthAgent(label: string) {
    const org = await seedOrg(label);
    const agent = await createAgent(org, { name: "desk", autonomy: 5 });
    const marker = unique("rt36b-oauth");
    await httpTool(org, "desk_read", `/${marker}/item`, agent.id);
    const session = await sessionOf(org.email, org.password);
    const { access } = await oauthTokens(session, agent.id);
    // The grant works before anything changes.
    const ok = await rpc(access, JSON.parse(toolCallBody("desk_read")));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json?.error, ok.text).toBeUndefined();
    return { org, agent, marker, access, before: await targetHits(marker) };
  }

  it("C1: the agent is suspended while a desktop client's tools/call uploads: refused (403 agent_suspended), the tool never runs", async () => {
    const { org, agent, marker, access, before } = await oauthAgent("rt36b-oauth-susp");
    const slow = slowRequest("/mcp", "POST", mcpHeaders(access));
    await sleep(150);
    const s = await admin(org, `/agents/${agent.id}/suspend`, "POST", { reason: "incident" });
    expect(s.status, s.text).toBe(200);
    const fresh = await rpc(access, JSON.parse(toolCallBody("desk_read")));
    const r = await slow.send(toolCallBody("desk_read"));
    const ran = (await targetHits(marker)) - before;
    expect({ fresh: fresh.status, late: r.status, toolRan: ran }).toEqual({ fresh: 403, late: 403, toolRan: 0 });
  });

  it("C2: a deny rule for the tool's destination is attached while a desktop client's tools/call uploads: the tool never runs", async () => {
    const { org, agent, marker, access, before } = await oauthAgent("rt36b-oauth-deny");
    const slow = slowRequest("/mcp", "POST", mcpHeaders(access));
    await sleep(150);
    await attachPolicy(
      org,
      { name: "deny-desk", egress: [{ host: "127.0.0.1", paths: [`/${marker}/**`], deny: true }] },
      { scope: "agent", id: agent.id },
    );
    const fresh = await rpc(access, JSON.parse(toolCallBody("desk_read")));
    const r = await slow.send(toolCallBody("desk_read"));
    const ran = (await targetHits(marker)) - before;
    expect({ freshDenied: fresh.json?.error !== undefined, lateDenied: r.json?.error !== undefined || r.status >= 400, toolRan: ran }).toEqual({
      freshDenied: true,
      lateDenied: true,
      toolRan: 0,
    });
  });

  it("C3 (control): the same two withdrawals with a pal_agent_ token on /mcp: refused, the tool never runs", async () => {
    const org = await seedOrg("rt36b-mcp-token");
    const agent = await createAgent(org, { name: "tok", autonomy: 5 });
    const marker = unique("rt36b-mcptok");
    await httpTool(org, "tok_read", `/${marker}/item`, agent.id);
    const slowDeny = slowRequest("/mcp", "POST", mcpHeaders(agent.token));
    await sleep(150);
    await attachPolicy(
      org,
      { name: "deny-tok", egress: [{ host: "127.0.0.1", paths: [`/${marker}/**`], deny: true }] },
      { scope: "agent", id: agent.id },
    );
    const denied = await slowDeny.send(toolCallBody("tok_read"));
    const slowSusp = slowRequest("/mcp", "POST", mcpHeaders(agent.token));
    await sleep(150);
    expect((await admin(org, `/agents/${agent.id}/suspend`, "POST", { reason: "x" })).status).toBe(200);
    const suspended = await slowSusp.send(toolCallBody("tok_read"));
    expect({ denied: denied.json?.error?.code ?? denied.status, suspended: suspended.status, ran: await targetHits(marker) }).toEqual({
      denied: -32010,
      suspended: 403,
      ran: 0,
    });
  });
});

// ── 2. LLM: what the route read before the body ─────────────────────────────
describe("red team 36b: an LLM call whose body arrives after the org withdrew the provider", () => {
  it("L1: the OpenAI provider is deleted while a chat body uploads: the call is not sent to the deleted provider", async () => {
    const org = await fakeProviderOrg("rt36b-prov-del");
    const agent = await createAgent(org, { name: "a" });
    const providers = (await admin(org, "/providers", "GET")).json.items as Array<{ id: string; kind: string }>;
    const openai = providers.find((p) => p.kind === "openai");
    expect(openai).toBeDefined();
    const marker = unique("rt36b-provdel");
    const slow = slowRequest("/llm/openai/v1/chat/completions", "POST", jsonHeaders(agent.token));
    await sleep(150);
    const d = await admin(org, `/providers/${openai!.id}`, "DELETE");
    expect(d.status, d.text).toBe(204);
    const fresh = await call("/llm/openai/v1/chat/completions", { method: "POST", token: agent.token, body: JSON.parse(chatBody("fresh")) });
    const r = await slow.send(chatBody(marker));
    expect({ fresh: fresh.status, late: r.status, providerSaw: await providerHits(marker) }).toEqual({ fresh: 404, late: 404, providerSaw: 0 });
  });

  it("L2: the provider's models list is narrowed (gpt-test withdrawn) while a chat body uploads: the model is not called", async () => {
    const org = await fakeProviderOrg("rt36b-prov-models");
    const agent = await createAgent(org, { name: "a" });
    const providers = (await admin(org, "/providers", "GET")).json.items as Array<{ id: string; kind: string }>;
    const openai = providers.find((p) => p.kind === "openai")!;
    const marker = unique("rt36b-provmod");
    const slow = slowRequest("/llm/openai/v1/chat/completions", "POST", jsonHeaders(agent.token));
    await sleep(150);
    const p = await admin(org, `/providers/${openai.id}`, "PATCH", { models: ["only-this-model"] });
    expect(p.status, p.text).toBe(200);
    const r = await slow.send(chatBody(marker));
    expect({ late: r.status, providerSaw: await providerHits(marker) }).toEqual({ late: 404, providerSaw: 0 });
  });

  it("L3 (control): a subagent's Anthropic messages body arrives after its parent was suspended: 403 in Anthropic's format, no provider call", async () => {
    const org = await fakeProviderOrg("rt36b-anth-parent");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    const sub = await call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: "s" } });
    expect(sub.status, sub.text).toBe(201);
    const marker = unique("rt36b-anth");
    const slow = slowRequest("/llm/anthropic/v1/messages", "POST", {
      "x-api-key": sub.json.token,
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
    });
    await sleep(150);
    expect((await admin(org, `/agents/${parent.id}/suspend`, "POST", { reason: "x" })).status).toBe(200);
    const r = await slow.send(chatBody(marker, "claude-test"));
    expect({ status: r.status, type: r.json?.type, providerSaw: await providerHits(marker) }).toEqual({ status: 403, type: "error", providerSaw: 0 });
  });

  it("L4 (control): fresh-read error codes: agent deleted → 401, org suspended → 403 agent_suspended, token rotated → 401 (never 500)", async () => {
    const org = await fakeProviderOrg("rt36b-codes");
    const a = await createAgent(org, { name: "a" });
    const b = await createAgent(org, { name: "b" });
    const c = await createAgent(org, { name: "c" });
    const sa = slowRequest("/llm/openai/v1/chat/completions", "POST", jsonHeaders(a.token));
    const sb = slowRequest(`/egress/${env.TEST_TARGET_URL}/rt36b-codes`, "POST", jsonHeaders(b.token));
    const sc = slowRequest("/agent/v1/memory/k1", "PUT", jsonHeaders(c.token));
    await sleep(250);
    expect((await admin(org, `/agents/${a.id}`, "DELETE")).status).toBeLessThan(300);
    expect((await admin(org, `/agents/${c.id}/token`, "POST")).status).toBe(201);
    expect((await admin(org, "/suspend", "POST", { reason: "incident" })).status).toBeLessThan(300);
    const [ra, rb, rc] = await Promise.all([sa.send(chatBody("x")), sb.send("{}"), sc.send(JSON.stringify({ value: "v" }))]);
    expect({ deleted: ra.status, orgOff: [rb.status, rb.json?.error?.code], rotated: rc.status }).toEqual({
      deleted: 401,
      orgOff: [403, "agent_suspended"],
      rotated: 401,
    });
  });
});

// ── 3. egress with bodies ───────────────────────────────────────────────────
describe("red team 36b: egress with a body that arrives after the rule or token was withdrawn", () => {
  async function egressAgent(label: string) {
    const org = await seedOrg(label);
    const agent = await createAgent(org, { name: "e", autonomy: 5 });
    const marker = unique("rt36b-eg");
    const policyId = await attachPolicy(
      org,
      {
        name: "put-ok",
        egress: [{ host: "127.0.0.1", ports: [Number(port)], methods: ["GET", "PUT", "POST", "PATCH", "DELETE"], paths: [`/${marker}/**`] }],
      },
      { scope: "agent", id: agent.id },
    );
    return { org, agent, marker, policyId };
  }

  it("E1: the PUT rule is withdrawn (policy edited) while a PUT body uploads slowly (>200 ms): 403, the target never sees it", async () => {
    const { org, agent, marker, policyId } = await egressAgent("rt36b-eg-put");
    const slow = slowRequest(`/egress/${env.TEST_TARGET_URL}/${marker}/x`, "PUT", jsonHeaders(agent.token));
    await slow.write('{"part":');
    await sleep(150);
    const p = await admin(org, `/policies/${policyId}`, "PATCH", {
      egress: [{ host: "127.0.0.1", ports: [Number(port)], methods: ["GET"], paths: [`/${marker}/**`] }],
    });
    expect(p.status, p.text).toBe(200);
    await sleep(100);
    const r = await slow.send('"one"}');
    expect({ status: r.status, hits: await targetHits(marker) }).toEqual({ status: 403, hits: 0 });
  });

  it("E2: the rule is withdrawn and the body arrives just under WATCH_AFTER_MS (cached path): 403, the target never sees it", async () => {
    const { org, agent, marker, policyId } = await egressAgent("rt36b-eg-fast");
    const slow = slowRequest(`/egress/${env.TEST_TARGET_URL}/${marker}/x`, "PATCH", jsonHeaders(agent.token));
    const p = await admin(org, `/policies/${policyId}`, "PATCH", { egress: [] });
    expect(p.status, p.text).toBe(200);
    const r = await slow.send('{"a":1}');
    expect({ status: r.status, hits: await targetHits(marker) }).toEqual({ status: 403, hits: 0 });
  });

  it("E3: the token is revoked while a DELETE-with-body uploads: 401, the target never sees it", async () => {
    const { org, agent, marker } = await egressAgent("rt36b-eg-del");
    const slow = slowRequest(`/egress/${env.TEST_TARGET_URL}/${marker}/x`, "DELETE", jsonHeaders(agent.token));
    await sleep(150);
    expect((await admin(org, `/agents/${agent.id}/token`, "DELETE")).status).toBeLessThan(300);
    const r = await slow.send('{"bye":true}');
    expect({ status: r.status, hits: await targetHits(marker) }).toEqual({ status: 401, hits: 0 });
  });
});

// ── 4. the agent API's bodies: memory, threads, messages ───────────────────
describe("red team 36b: memory and thread writes whose body arrives after a suspension", () => {
  it("M1 (control): memory PUT and a thread message uploaded across a suspension: 403, nothing written", async () => {
    const org = await seedOrg("rt36b-mem");
    const agent = await createAgent(org, { name: "m" });
    const thread = await call("/agent/v1/threads", { method: "POST", token: agent.token, body: { userId: org.ownerId, title: "t" } });
    expect(thread.status, thread.text).toBe(201);
    const mem = slowRequest("/agent/v1/memory/late-key", "PUT", jsonHeaders(agent.token));
    const msg = slowRequest(`/agent/v1/threads/${thread.json.id}/messages`, "POST", jsonHeaders(agent.token));
    await sleep(150);
    expect((await admin(org, `/agents/${agent.id}/suspend`, "POST", { reason: "x" })).status).toBe(200);
    const [rm, rt] = await Promise.all([
      mem.send(JSON.stringify({ value: "late" })),
      msg.send(JSON.stringify({ role: "assistant", content: "late msg" })),
    ]);
    expect((await admin(org, `/agents/${agent.id}/resume`, "POST")).status).toBe(200);
    const stored = await call("/agent/v1/memory/late-key", { token: agent.token });
    const msgs = await call(`/agent/v1/threads/${thread.json.id}/messages`, { token: agent.token });
    expect({ mem: rm.status, msg: rt.status, stored: stored.status, messages: msgs.json?.items?.length }).toEqual({
      mem: 403,
      msg: 403,
      stored: 404,
      messages: 0,
    });
  });
});

// ── 5. normal clients: bodies in parts, empty, chunked ──────────────────────
describe("red team 36b: the re-read does not break normal clients", () => {
  it("N1: bodies sent in parts over ~300 ms (chunked) by a healthy agent succeed on memory, LLM, egress and MCP", async () => {
    const org = await fakeProviderOrg("rt36b-normal");
    const agent = await createAgent(org, { name: "n", autonomy: 5 });
    const marker = unique("rt36b-norm");
    await attachPolicy(
      org,
      { name: "post-ok", egress: [{ host: "127.0.0.1", ports: [Number(port)], methods: ["POST"], paths: [`/${marker}/**`] }] },
      {
        scope: "agent",
        id: agent.id,
      },
    );
    async function inParts(path: string, method: string, headers: Record<string, string>, text: string) {
      const s = slowRequest(path, method, headers);
      const half = Math.floor(text.length / 2);
      await s.write(text.slice(0, half));
      await sleep(150);
      await s.write(text.slice(half, half + 1));
      await sleep(150);
      return s.send(text.slice(half + 1));
    }
    const mem = await inParts("/agent/v1/memory/parts", "PUT", jsonHeaders(agent.token), JSON.stringify({ value: "v" }));
    const llm = await inParts("/llm/openai/v1/chat/completions", "POST", jsonHeaders(agent.token), chatBody("hello"));
    const eg = await inParts(`/egress/${env.TEST_TARGET_URL}/${marker}/p`, "POST", jsonHeaders(agent.token), '{"x":1}');
    const mcp = await inParts("/mcp", "POST", mcpHeaders(agent.token), JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }));
    expect({ mem: mem.status, llm: llm.status, eg: eg.status, mcp: mcp.status }).toEqual({ mem: 200, llm: 200, eg: 200, mcp: 200 });
  });

  it("N2: empty bodies (Content-Length 0 and a closed empty stream) answer 4xx, never 500, on every body route; egress POST with no body passes", async () => {
    const org = await fakeProviderOrg("rt36b-empty");
    const agent = await createAgent(org, { name: "n", autonomy: 5 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: agent.id });
    const marker = unique("rt36b-empty");
    await attachPolicy(
      org,
      { name: "post-ok", egress: [{ host: "127.0.0.1", ports: [Number(port)], methods: ["POST"], paths: [`/${marker}/**`] }] },
      {
        scope: "agent",
        id: agent.id,
      },
    );
    const routes: Array<[string, string]> = [
      ["/agent/v1/subagents", "POST"],
      ["/agent/v1/memory/k", "PUT"],
      ["/agent/v1/threads", "POST"],
      ["/llm/openai/v1/chat/completions", "POST"],
      ["/llm/anthropic/v1/messages", "POST"],
      ["/mcp", "POST"],
    ];
    const out: Record<string, number[]> = {};
    for (const [path, method] of routes) {
      const zero = await call(path, {
        method,
        token: agent.token,
        rawBody: "",
        headers: { "content-type": "application/json", "content-length": "0", accept: "application/json, text/event-stream" },
      });
      const s = slowRequest(path, method, mcpHeaders(agent.token));
      await sleep(220);
      const empty = await s.send("");
      out[path] = [zero.status, empty.status];
    }
    const bad = Object.entries(out).filter(([, s]) => s.some((x) => x >= 500 || x < 400));
    const eg = await call(`/egress/${env.TEST_TARGET_URL}/${marker}/e`, {
      method: "POST",
      token: agent.token,
      rawBody: "",
      headers: { "content-length": "0" },
    });
    expect({ bad, egress: eg.status }).toEqual({ bad: [], egress: 200 });
  });

  it("N3: a desktop MCP client (OAuth) whose tools/list body arrives late is still served", async () => {
    const org = await seedOrg("rt36b-oauth-ok");
    const agent = await createAgent(org, { name: "desk" });
    const session = await sessionOf(org.email, org.password);
    const { access } = await oauthTokens(session, agent.id);
    const s = slowRequest("/mcp", "POST", mcpHeaders(access));
    await sleep(250);
    const r = await s.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }));
    expect({ status: r.status, tools: Array.isArray(r.json?.result?.tools) }).toEqual({ status: 200, tools: true });
  });
});

// ── 6. the admin path to a subagent and the move batch ─────────────────────
describe("red team 36b: subagents written by admins and parents changed by admins", () => {
  it("S1 (control): POST /agents with parentAgentId under a suspended parent → 409, nothing written; resumed → 201 in the parent's team", async () => {
    const org = await seedOrg("rt36b-adm-susp");
    const team = await create(org, "teams", { name: unique("t") });
    const parent = await createAgent(org, { name: "p", teamId: team.id, autonomy: 4 });
    expect((await admin(org, `/agents/${parent.id}/suspend`, "POST", { reason: "x" })).status).toBe(200);
    const refused = await admin(org, "/agents", "POST", { name: "s", parentAgentId: parent.id });
    const rowsWhileSuspended = (await env.DB.prepare("SELECT COUNT(*) AS n FROM agents WHERE parent_agent_id = ?")
      .bind(parent.id)
      .first<{ n: number }>())!.n;
    expect((await admin(org, `/agents/${parent.id}/resume`, "POST")).status).toBe(200);
    const ok = await admin(org, "/agents", "POST", { name: "s2", parentAgentId: parent.id, autonomy: 4 });
    const above = await admin(org, "/agents", "POST", { name: "s3", parentAgentId: parent.id, autonomy: 5 });
    const grand = ok.status === 201 ? await admin(org, "/agents", "POST", { name: "g", parentAgentId: ok.json.id }) : null;
    expect({
      refused: refused.status,
      rowsWhileSuspended,
      ok: [ok.status, ok.json?.teamId],
      above: above.status,
      grand: grand?.status,
    }).toEqual({ refused: 409, rowsWhileSuspended: 0, ok: [201, team.id], above: 403, grand: 403 });
  });

  it("S2: an admin raises a subagent's autonomy while another lowers its parent: the subagent is never stored above its parent", async () => {
    const strays: Array<Record<string, unknown>> = [];
    for (let round = 0; round < 12 && strays.length === 0; round++) {
      const org = await seedOrg(`rt36b-aut-${round}`);
      const parent = await createAgent(org, { name: "p", autonomy: 5 });
      const sub = await createAgent(org, { name: "s", parentAgentId: parent.id, autonomy: 1 });
      const [raise, lower] = await Promise.all([
        sleep(round % 4).then(() => admin(org, `/agents/${sub.id}`, "PATCH", { autonomy: 5 })),
        sleep((round >> 2) % 3).then(() => admin(org, `/agents/${parent.id}`, "PATCH", { autonomy: 1 })),
      ]);
      const rows = await env.DB.prepare("SELECT id, autonomy FROM agents WHERE id IN (?, ?)")
        .bind(parent.id, sub.id)
        .all<{ id: string; autonomy: number }>();
      const p = rows.results.find((r) => r.id === parent.id)!.autonomy;
      const s = rows.results.find((r) => r.id === sub.id)!.autonomy;
      if (s > p) strays.push({ round, raise: raise.status, lower: lower.status, parent: p, sub: s });
    }
    expect(strays).toEqual([]);
  }, 120_000);

  it("S3 (control): a subagent cannot be moved, nor raised above its parent, nor does a parent's rename or raise change its subagents", async () => {
    const org = await seedOrg("rt36b-patch-sub");
    const teamA = await create(org, "teams", { name: unique("a") });
    const teamB = await create(org, "teams", { name: unique("b") });
    const parent = await createAgent(org, { name: "p", teamId: teamA.id, autonomy: 3 });
    const sub = await createAgent(org, { name: "s", parentAgentId: parent.id, autonomy: 2 });
    const move = await admin(org, `/agents/${sub.id}`, "PATCH", { teamId: teamB.id });
    const unteam = await admin(org, `/agents/${sub.id}`, "PATCH", { teamId: null });
    const raise = await admin(org, `/agents/${sub.id}`, "PATCH", { autonomy: 4 });
    const rename = await admin(org, `/agents/${parent.id}`, "PATCH", { name: "p2", autonomy: 5 });
    const after = (await admin(org, `/agents/${sub.id}`, "GET")).json;
    expect({
      move: move.status,
      unteam: unteam.status,
      raise: raise.status,
      rename: rename.status,
      sub: [after.teamId, after.autonomy, after.name],
    }).toEqual({
      move: 403,
      unteam: 403,
      raise: 403,
      rename: 200,
      sub: [teamA.id, 2, "s"],
    });
  });

  it("S4: mints with a tools list racing the parent's suspension leave no orphan narrowing policy and no live subagent", async () => {
    const org = await seedOrg("rt36b-mint-race");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, { name: "gate", autonomyGate: { allowSubagents: true, maxSubagents: 50 } }, { scope: "agent", id: parent.id });
    await httpTool(org, "race_tool", `/${unique("rt36b-race")}/t`, parent.id);
    const mints = Array.from({ length: 10 }, (_, i) =>
      sleep(i * 3).then(() => call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: `m${i}`, tools: ["race_tool"] } })),
    );
    const susp = sleep(12).then(() => admin(org, `/agents/${parent.id}/suspend`, "POST", { reason: "x" }));
    const done = await Promise.all([...mints, susp]);
    const statuses = done.slice(0, 10).map((d) => d.status);
    const server = statuses.filter((s) => s >= 500);
    const policies = await env.DB.prepare("SELECT name FROM policies WHERE org_id = ? AND name LIKE 'subagent-%'")
      .bind(org.orgId)
      .all<{ name: string }>();
    const agents = await env.DB.prepare("SELECT id FROM agents WHERE parent_agent_id = ?").bind(parent.id).all<{ id: string }>();
    const ids = new Set(agents.results.map((a) => a.id));
    const orphans = policies.results.filter((p) => !ids.has(p.name.slice("subagent-".length)));
    expect({ server, orphans: orphans.length, minted201: statuses.filter((s) => s === 201).length === agents.results.length }).toEqual({
      server: [],
      orphans: 0,
      minted201: true,
    });
  }, 60_000);
});
