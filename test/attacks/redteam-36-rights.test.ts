// Red team 36 (rights): "a subagent never holds more than its parent" after the change that bounds
// admin rotations (revivals) by the parent's limit inside the write, narrows minted subagents' tools
// by id, and ends calls when their token lapses. Every attack goes through the public HTTP API.
// Each test asserts the SAFE behaviour: a failing test is a confirmed break; "(control)" tests probe
// a rule expected to hold.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { slowJsonPost } from "./support/slow-body.js";
import { callable, gate, grantedTool, listedTools, me, mint, rotate, sleep } from "./support/subagents.js";
import { type SeededOrg, call } from "../workers/support/api.js";
import type { FakeHost } from "../workers/support/fake-host.js";
import { lapseSession, sandboxedAgent } from "../workers/support/sandboxed.js";
import { ALLOW_SUBAGENTS, attachPolicy, chat, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

const endSub = (parentToken: string, id: string) => call(`/agent/v1/subagents/${id}`, { method: "DELETE", token: parentToken });
const getAgent = (org: SeededOrg, id: string) => call(`/api/v1/orgs/${org.orgId}/agents/${id}`, { token: org.apiKey });
const admin = (org: SeededOrg, path: string, method: string, body?: unknown) =>
  call(`/api/v1/orgs/${org.orgId}${path}`, { method, token: org.apiKey, ...(body === undefined ? {} : { body }) });

/** Subagents of the parent as the database holds them (id, team, project, status). */
async function subagentRows(orgId: string, parentId: string) {
  const rows = await env.DB.prepare("SELECT id, team_id, project_id, status FROM agents WHERE org_id = ? AND parent_agent_id = ?")
    .bind(orgId, parentId)
    .all<{ id: string; team_id: string | null; project_id: string | null; status: string }>();
  return rows.results;
}

/** How many of these tokens can act now (GET /agent/v1/me answers 200). */
async function acting(tokens: string[]) {
  let n = 0;
  for (const t of tokens) if ((await me(t)).status === 200) n++;
  return n;
}

/** A mint (or another POST) whose JSON body is uploaded slowly, sent by `send()`: authenticated at once, read only then. */
const slowMint = (token: string, body: Record<string, unknown>, path = "/agent/v1/subagents") => slowJsonPost(token, body, path);

// ── 1. re-placing the parent while it mints ─────────────────────────────────
describe("red team 36: a subagent placed outside its parent's team (parent moved while minting)", () => {
  it("A1: parent moved to team B while it (and an admin) mint subagents: every subagent ends in team B, and none spends past team B's limit", async () => {
    const strays: Array<Record<string, unknown>> = [];
    let consequence: Record<string, unknown> | null = null;
    for (let round = 0; round < 8 && strays.length === 0; round++) {
      const org = await fakeProviderOrg(`rt36-move-${round}`);
      const teamA = await create(org, "teams", { name: `rt36-a-${round}-${Date.now()}` });
      const teamB = await create(org, "teams", { name: `rt36-b-${round}-${Date.now()}` });
      const parent = await createAgent(org, { name: "p", teamId: teamA.id });
      await attachPolicy(org, gate({ maxSubagents: 200 }), { scope: "agent", id: parent.id });
      // Existing subagents make the move's per-subagent loop (after it read the list) longer.
      for (let i = 0; i < 6; i++) expect((await mint(parent.token, { name: `pre${i}` })).status).toBe(201);
      // Warm the token and row caches, as on a busy edge.
      await me(parent.token);
      const moving = admin(org, `/agents/${parent.id}`, "PATCH", { teamId: teamB.id });
      const mints = Array.from({ length: 14 }, (_, i) =>
        sleep(i * 2).then(() =>
          i % 2 === 0 ? mint(parent.token, { name: `race${i}` }) : admin(org, "/agents", "POST", { name: `adm${i}`, parentAgentId: parent.id }),
        ),
      );
      const [moved, ...made] = await Promise.all([moving, ...mints]);
      expect(moved.status, moved.text).toBe(200);
      const rows = await subagentRows(org.orgId, parent.id);
      const wrong = rows.filter((r) => r.team_id !== teamB.id);
      if (wrong.length > 0) {
        strays.push({ round, wrong: wrong.length, of: rows.length, statuses: made.map((m) => m.status) });
        // What it buys: team B's limit is used up (the parent is refused), the stray subagent (team A) still spends.
        const stray = made.find((m) => m.status === 201 && wrong.some((w) => w.id === m.json.id));
        const lim = await admin(org, "/limits", "POST", { scope: "team", scopeId: teamB.id, period: "total", limitMicros: 1 });
        expect(lim.status, lim.text).toBe(201);
        const byParent = await chat(parent.token, "gpt-test", "hello");
        const byStray = stray ? await chat(stray.json.token, "gpt-test", "hello") : null;
        consequence = {
          parent: byParent.status,
          stray: byStray?.status ?? null,
          strayTeam: stray ? (await getAgent(org, stray.json.id)).json.teamId : null,
        };
      }
    }
    expect({ strays, consequence }).toEqual({ strays: [], consequence: null });
  }, 120_000);
});

// ── 2. the parent's policy changed between the mint and the use ──────────────
describe("red team 36: the parent's limit lowered after its subagents were minted", () => {
  // Left open by design (README, agent API): a lowered limit bounds new mints and every revival (rotation, resume), as a lowered
  // spend limit bounds new spend; subagents already live when it is lowered act until an admin or their parent ends them.
  it.skip("A2: maxSubagents lowered 3 → 1 while the parent is suspended, then resumed: no more than one subagent acts", async () => {
    const org = await fakeProviderOrg("rt36-lower");
    const parent = await createAgent(org, { name: "p" });
    const pol = await attachPolicy(org, gate({ maxSubagents: 3 }), { scope: "agent", id: parent.id });
    const subs = [];
    for (let i = 0; i < 3; i++) {
      const s = await mint(parent.token, { name: `s${i}` });
      expect(s.status, s.text).toBe(201);
      subs.push(s.json.token as string);
    }
    expect((await admin(org, `/agents/${parent.id}/suspend`, "POST", { reason: "limit review" })).status).toBeLessThan(300);
    const patched = await admin(org, `/policies/${pol}`, "PATCH", { autonomyGate: { allowSubagents: true, maxSubagents: 1 } });
    expect(patched.status, patched.text).toBe(200);
    expect((await admin(org, `/agents/${parent.id}/resume`, "POST")).status).toBeLessThan(300);
    // A fourth is refused (the limit is read), yet the three minted before still act.
    const fourth = await mint(parent.token, { name: "s3" });
    expect({ fourth: fourth.status, acting: await acting(subs) }).toEqual({ fourth: 409, acting: 1 });
  });

  it("A3 (control): the parent's policy withdraws a tool after the mint: the subagent loses it at its next call (tools ∩ parent)", async () => {
    const org = await fakeProviderOrg("rt36-tool-later");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    await grantedTool(org, "t-a", { scope: "agent", id: parent.id });
    await grantedTool(org, "t-b", { scope: "agent", id: parent.id });
    const sub = await mint(parent.token, { name: "s" });
    expect(sub.status, sub.text).toBe(201);
    // An admin then attaches a wide tools list to the subagent and grants t-b to it directly.
    await attachPolicy(org, { name: "wide", tools: ["t-a", "t-b"] }, { scope: "agent", id: sub.json.id });
    await attachPolicy(org, { name: "parent-narrow", toolsWithin: ["t-a"] }, { scope: "agent", id: parent.id });
    expect({ listed: await listedTools(sub.json.token), tb: await callable(sub.json.token, "t-b") }).toEqual({ listed: ["t-a"], tb: false });
  });
});

// ── 3. revivals racing the parent's own end-and-mint ─────────────────────────
describe("red team 36: admin rotations racing the parent's end-and-mint", () => {
  it("A4 (control): the parent ends its live subagent and mints another while an admin rotates the ended one (limit 1): at most one acts", async () => {
    const over: Array<Record<string, unknown>> = [];
    for (let round = 0; round < 10 && over.length === 0; round++) {
      const org = await fakeProviderOrg(`rt36-end-rot-${round}`);
      const parent = await createAgent(org, { name: "p" });
      await attachPolicy(org, gate({ maxSubagents: 1 }), { scope: "agent", id: parent.id });
      const s1 = await mint(parent.token, { name: "s1" });
      expect(s1.status, s1.text).toBe(201);
      await getAgent(org, s1.json.id);
      await me(parent.token);
      const [r, n] = await Promise.all([
        sleep((round % 5) * 3).then(() => rotate(org, s1.json.id)),
        endSub(parent.token, s1.json.id).then(() => mint(parent.token, { name: "s2" })),
      ]);
      const tokens = [r.status < 300 ? r.json.token : null, n.status === 201 ? n.json.token : null].filter((t): t is string => !!t);
      const nActing = await acting(tokens);
      if (nActing > 1) over.push({ round, rotate: r.status, mint: n.status, acting: nActing });
    }
    expect(over).toEqual([]);
  }, 120_000);

  it("A5 (control): 6 parallel rotations of one revoked subagent with 6 parallel mints (limit 2): never more than 2 act", async () => {
    const org = await fakeProviderOrg("rt36-burst");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, gate({ maxSubagents: 2 }), { scope: "agent", id: parent.id });
    const dead = [];
    for (let i = 0; i < 3; i++) {
      const s = await mint(parent.token, { name: `d${i}` });
      expect(s.status).toBe(201);
      expect((await endSub(parent.token, s.json.id)).status).toBe(204);
      dead.push(s.json.id as string);
    }
    const done = await Promise.all([
      ...dead.flatMap((id) => [rotate(org, id), rotate(org, id)]),
      ...Array.from({ length: 6 }, (_, i) => mint(parent.token, { name: `m${i}` })),
    ]);
    const tokens = done.filter((d) => d.status === 201).map((d) => d.json.token as string);
    expect(await acting(tokens)).toBeLessThanOrEqual(2);
  }, 60_000);
});

// ── 4. tools narrowing: by id vs by name ─────────────────────────────────────
describe("red team 36: the mint's tools narrowing", () => {
  it("A7 (control): a tools list naming a tool by its id (not its name) at the mint is refused, and the subagent never gets a tool the parent lacks", async () => {
    const org = await fakeProviderOrg("rt36-byid");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    const ta = await grantedTool(org, "t-a", { scope: "agent", id: parent.id });
    const other = await createAgent(org, { name: "o" });
    await grantedTool(org, "t-secret", { scope: "agent", id: other.id });
    const byId = await mint(parent.token, { name: "x", tools: [ta] });
    const foreign = await mint(parent.token, { name: "y", tools: ["t-a", "t-secret"] });
    const ok = await mint(parent.token, { name: "z", tools: ["t-a"] });
    expect(ok.status, ok.text).toBe(201);
    // An admin grants the foreign tool to the subagent itself and widens its tools list.
    const secretId = (await admin(org, "/tools", "GET")).json.items.find((t: { name: string }) => t.name === "t-secret").id;
    await admin(org, `/tools/${secretId}/grants`, "POST", { scope: "agent", id: ok.json.id });
    await attachPolicy(org, { name: "sub-wide", tools: ["t-a", "t-secret"], toolsWithin: ["t-a", "t-secret"] }, { scope: "agent", id: ok.json.id });
    expect({
      byId: [400, 403].includes(byId.status),
      foreign: foreign.status,
      listed: await listedTools(ok.json.token),
      secret: await callable(ok.json.token, "t-secret"),
    }).toEqual({ byId: true, foreign: 403, listed: ["t-a"], secret: false });
  });
});

// ── 5. session-minted subagents ───────────────────────────────────────────────
describe("red team 36: session-minted subagents and the limit", () => {
  it("A8 (control): a session subagent lapses, the parent mints another; concurrent admin rotations of the lapsed one never bring it back", async () => {
    const { org, sandbox, agent } = await sandboxedAgent("rt36-lapse", hosts, { policy: gate({ maxSubagents: 1 }) });
    const s1 = await mint(sandbox.token, { name: "s1" });
    expect(s1.status, s1.text).toBe(201);
    await lapseSession(sandbox.sandboxId);
    const s2 = await mint(agent.token, { name: "s2" });
    expect(s2.status, s2.text).toBe(201);
    const rs = await Promise.all(Array.from({ length: 4 }, () => rotate(org, s1.json.id)));
    const tokens = [s2.json.token as string, ...rs.filter((r) => r.status === 201).map((r) => r.json.token as string)];
    expect({ statuses: rs.map((r) => r.status), acting: await acting(tokens) }).toEqual({ statuses: [409, 409, 409, 409], acting: 1 });
  }, 60_000);
});

// ── 6. a mint authenticated before the parent changed, completed after (slow request body) ──
describe("red team 36: a mint whose body arrives after the parent changed (rights read at authentication)", () => {
  async function mintingParent(label: string, extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}) {
    const org = await fakeProviderOrg(label);
    const teamA = await create(org, "teams", { name: `${label}-a-${Date.now()}` });
    const teamB = await create(org, "teams", { name: `${label}-b-${Date.now()}` });
    const parent = await createAgent(org, { name: "p", teamId: teamA.id, autonomy: 4 });
    const policyId = await attachPolicy(org, gate(extra), { scope: "agent", id: parent.id });
    const slow = slowMint(parent.token, { name: "late", ...body });
    await sleep(150); // authenticated; the handler now waits for the body
    return { org, teamA, teamB, parent, policyId, slow };
  }

  it("B1: the parent is suspended while its mint uploads: the mint is refused and no subagent is written", async () => {
    const { org, parent, slow } = await mintingParent("rt36-slow-susp");
    const s = await admin(org, `/agents/${parent.id}/suspend`, "POST", { reason: "incident" });
    expect(s.status, s.text).toBeLessThan(300);
    const r = await slow.send();
    const rows = await subagentRows(org.orgId, parent.id);
    expect({ status: r.status, rows: rows.length }).toEqual({ status: 403, rows: 0 });
  });

  it("B1b: ...and once the parent is resumed, the subagent minted while it was suspended acts", async () => {
    const { org, parent, slow } = await mintingParent("rt36-slow-susp2");
    expect((await admin(org, `/agents/${parent.id}/suspend`, "POST", { reason: "incident" })).status).toBeLessThan(300);
    const r = await slow.send();
    expect((await admin(org, `/agents/${parent.id}/resume`, "POST")).status).toBeLessThan(300);
    const actsAfterResume = r.status === 201 ? (await me(r.json.token)).status : null;
    expect({ status: r.status, actsAfterResume }).toEqual({ status: 403, actsAfterResume: null });
  });

  it("B2: the parent's policy withdraws allowSubagents while its mint uploads: refused, nothing written", async () => {
    const { org, parent, policyId, slow } = await mintingParent("rt36-slow-allow");
    const p = await admin(org, `/policies/${policyId}`, "PATCH", { autonomyGate: { allowSubagents: false } });
    expect(p.status, p.text).toBe(200);
    expect((await mint(parent.token, { name: "fresh" })).status).toBe(403); // a new mint is refused
    const r = await slow.send();
    const rows = await subagentRows(org.orgId, parent.id);
    expect({ status: r.status, rows: rows.length, acts: r.status === 201 ? (await me(r.json.token)).status : null }).toEqual({
      status: 403,
      rows: 0,
      acts: null,
    });
  });

  it("B3: the parent is moved to team B while its mint uploads: the subagent lives in team B and team B's spend limit binds it", async () => {
    const { org, teamB, parent, slow } = await mintingParent("rt36-slow-move");
    const moved = await admin(org, `/agents/${parent.id}`, "PATCH", { teamId: teamB.id });
    expect(moved.status, moved.text).toBe(200);
    const r = await slow.send();
    expect(r.status, r.text).toBe(201);
    const lim = await admin(org, "/limits", "POST", { scope: "team", scopeId: teamB.id, period: "total", limitMicros: 1 });
    expect(lim.status, lim.text).toBe(201);
    const byParent = await chat(parent.token, "gpt-test", "hello");
    const bySub = await chat(r.json.token, "gpt-test", "hello");
    expect({ subTeam: (await getAgent(org, r.json.id)).json.teamId, parentLlm: byParent.status, subLlm: bySub.status }).toEqual({
      subTeam: teamB.id,
      parentLlm: 429,
      subLlm: 429,
    });
  });

  it("B4: the parent's autonomy is lowered 4 → 2 while its mint uploads: the subagent is not stored above its parent", async () => {
    const { org, parent, slow } = await mintingParent("rt36-slow-autonomy");
    const low = await admin(org, `/agents/${parent.id}`, "PATCH", { autonomy: 2 });
    expect(low.status, low.text).toBe(200);
    const r = await slow.send();
    const sub = r.status === 201 ? (await getAgent(org, r.json.id)).json : null;
    expect(sub === null || sub.autonomy <= 2).toBe(true);
  });

  it("B5 (control): the parent's limit lowered to 0 while its mint uploads: refused (409), nothing written", async () => {
    const { org, parent, policyId, slow } = await mintingParent("rt36-slow-limit", { maxSubagents: 3 });
    const p = await admin(org, `/policies/${policyId}`, "PATCH", { autonomyGate: { allowSubagents: true, maxSubagents: 0 } });
    expect(p.status, p.text).toBe(200);
    const r = await slow.send();
    expect({ status: r.status, rows: (await subagentRows(org.orgId, parent.id)).length }).toEqual({ status: 409, rows: 0 });
  });

  it("B6 (control): the parent's token rotated, or its org suspended, while its mint uploads: refused, nothing written", async () => {
    const a = await mintingParent("rt36-slow-rot");
    expect((await rotate(a.org, a.parent.id)).status).toBe(201);
    const ra = await a.slow.send();
    const b = await mintingParent("rt36-slow-orgoff");
    expect((await admin(b.org, "/suspend", "POST", { reason: "incident" })).status).toBeLessThan(300);
    const rb = await b.slow.send();
    expect({
      rotated: [ra.status, (await subagentRows(a.org.orgId, a.parent.id)).length],
      orgOff: [rb.status >= 400, (await subagentRows(b.org.orgId, b.parent.id)).length],
    }).toEqual({ rotated: [401, 0], orgOff: [true, 0] });
  });

  it("B7 (control): the parent loses tool t-b while its mint (tools [t-b]) uploads: the subagent can never call t-b", async () => {
    const { org, parent, slow } = await mintingParent("rt36-slow-tool", {}, { tools: ["t-b"] });
    // (tools registered after the request was authenticated: the mint's check reads grants from D1)
    await grantedTool(org, "t-b", { scope: "agent", id: parent.id });
    await attachPolicy(org, { name: "p-within", toolsWithin: ["t-zzz"] }, { scope: "agent", id: parent.id });
    const r = await slow.send();
    const tb = r.status === 201 ? await callable(r.json.token, "t-b") : false;
    expect(tb).toBe(false);
  });
});

describe("red team 36: a subagent's LLM call whose body arrives after its parent lost the model", () => {
  it("B8: the parent's models list narrowed (gpt-test withdrawn) while its subagent's chat body uploads: the call is refused (403)", async () => {
    const org = await fakeProviderOrg("rt36-slow-llm");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    const models = await attachPolicy(org, { name: "parent-models", models: ["gpt-test"] }, { scope: "agent", id: parent.id });
    const sub = await mint(parent.token, { name: "s" });
    expect(sub.status, sub.text).toBe(201);
    const slow = slowMint(
      sub.json.token,
      { model: "gpt-test", max_tokens: 8, messages: [{ role: "user", content: "hi" }] },
      "/llm/openai/v1/chat/completions",
    );
    await sleep(150);
    const p = await admin(org, `/policies/${models}`, "PATCH", { models: ["other-model"] });
    expect(p.status, p.text).toBe(200);
    const fresh = await chat(sub.json.token, "gpt-test", "hi");
    const r = await slow.send();
    expect({ fresh: fresh.status, late: r.status }).toEqual({ fresh: 403, late: 403 });
  });
});
