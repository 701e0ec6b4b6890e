// Red team 34 (red-rights): a subagent's rights after the change that makes a mint's `tools` list a
// narrowing (`toolsWithin`), stops lapsed subagents counting against maxSubagents, refuses an admin
// rotation of a subagent past its parent's limit, and ends calls in flight when their token lapses.
// Each test asserts the SECURE behaviour: a failing test is a confirmed break; "(control)" tests
// probe a rule that is expected to hold.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { call } from "../workers/support/api.js";
import { type FakeHost, startSandbox } from "../workers/support/fake-host.js";
import { lapseSession, sandboxedAgent } from "../workers/support/sandboxed.js";
import { ALLOW_SUBAGENTS, attachPolicy, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { toolCall } from "../workers/support/tools.js";
import { callable, gate, grantedTool, listedTools, me, mint, rotate, sleep } from "./support/subagents.js";

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

const endSub = (parentToken: string, id: string) => call(`/agent/v1/subagents/${id}`, { method: "DELETE", token: parentToken });
const live = (orgId: string, parentId: string) => new OrgData(makeDb(env.DB), orgId).liveSubagents(parentId);

async function rowsOf(orgId: string) {
  const agents = await env.DB.prepare("SELECT id FROM agents WHERE org_id = ?").bind(orgId).all();
  const policies = await env.DB.prepare("SELECT id FROM policies WHERE org_id = ?").bind(orgId).all();
  const tokens = await env.DB.prepare("SELECT id FROM tokens WHERE org_id = ? AND kind = 'agent'").bind(orgId).all();
  return { agents: agents.results.length, policies: policies.results.length, tokens: tokens.results.length };
}

/** A parent limited to `max` live subagents, with `dead` subagents it minted and then ended (revoked). */
async function parentWithDeadSubagents(label: string, max: number, dead: number) {
  const org = await fakeProviderOrg(label);
  const parent = await createAgent(org, { name: "p" });
  await attachPolicy(org, gate({ maxSubagents: max }), { scope: "agent", id: parent.id });
  const ids: string[] = [];
  for (let i = 0; i < dead; i++) {
    const s = await mint(parent.token, { name: `dead${i}` });
    expect(s.status, s.text).toBe(201);
    expect((await endSub(parent.token, s.json.id)).status).toBe(204);
    ids.push(s.json.id);
  }
  return { org, parent, dead: ids };
}

// ── (3) maxSubagents and admin rotations ────────────────────────────────────
describe("red team 34: an admin rotation reviving subagents past maxSubagents", () => {
  it("R0 (control): one rotation of a revoked subagent while the parent is at its limit (1) answers 409 and writes no token", async () => {
    const { org, parent, dead } = await parentWithDeadSubagents("rt34-rot-ctl", 1, 1);
    const s2 = await mint(parent.token, { name: "s2" });
    expect(s2.status, s2.text).toBe(201);
    const before = await rowsOf(org.orgId);
    const r = await rotate(org, dead[0] as string);
    expect({ status: r.status, code: r.json?.error?.code, live: await live(org.orgId, parent.id), rows: await rowsOf(org.orgId) }).toEqual({
      status: 409,
      code: "conflict",
      live: 1,
      rows: before,
    });
  });

  it("R1: 8 concurrent admin rotations of 8 revoked subagents of a parent with maxSubagents 1 (none live): at most one comes back", async () => {
    // The rotation counts the live subagents, then writes the token and the status in later statements (no bound in the write).
    const over: Array<Record<string, unknown>> = [];
    for (let round = 0; round < 10 && over.length === 0; round++) {
      const { org, parent, dead } = await parentWithDeadSubagents(`rt34-rot-race-${round}`, 1, 8);
      expect(await live(org.orgId, parent.id)).toBe(0);
      // Warm caches (admin key, agent rows, policies) so the rotations run side by side, as on a busy edge.
      for (const id of dead) await call(`/api/v1/orgs/${org.orgId}/agents/${id}`, { token: org.apiKey });
      await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}`, { token: org.apiKey });
      const done = await Promise.all(dead.map((id) => rotate(org, id)));
      const revived = done.filter((d) => d.status < 300);
      const acting: number[] = [];
      for (const d of revived) acting.push((await me(d.json.token)).status);
      const n = await live(org.orgId, parent.id);
      if (revived.length > 1 || n > 1) over.push({ round, statuses: done.map((d) => d.status), acting, live: n });
    }
    expect(over).toEqual([]);
    // Ten rounds of eight rotations: ~5 s alone, past 30 s while the node project loads both cores (what is checked is the count).
  }, 120_000);

  it("R2: an admin rotation of a revoked subagent racing the parent's own mint (maxSubagents 1): the parent never ends with 2 live subagents", async () => {
    const over: Array<Record<string, unknown>> = [];
    // The mint is sent 0..90 ms after the rotation, to land between the rotation's count and its write.
    for (let round = 0; round < 16 && over.length === 0; round++) {
      const { org, parent, dead } = await parentWithDeadSubagents(`rt34-rot-mint-${round}`, 1, 1);
      await call(`/api/v1/orgs/${org.orgId}/agents/${dead[0]}`, { token: org.apiKey });
      await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}`, { token: org.apiKey });
      const [r, m] = await Promise.all([rotate(org, dead[0] as string), sleep((round % 8) * 4).then(() => mint(parent.token, { name: "fresh" }))]);
      const n = await live(org.orgId, parent.id);
      if (n > 1) {
        over.push({
          round,
          rotate: r.status,
          mint: m.status,
          live: n,
          acting: [r.status < 300 ? (await me(r.json.token)).status : null, m.status === 201 ? (await me(m.json.token)).status : null],
        });
      }
    }
    expect(over).toEqual([]);
  }, 120_000);

  it("R3: suspend the parent, rotate its revoked subagents (limit skipped: 'the parent cannot act'), resume it: more live subagents than maxSubagents", async () => {
    const { org, parent, dead } = await parentWithDeadSubagents("rt34-rot-suspend", 1, 3);
    const s = await mint(parent.token, { name: "current" });
    expect(s.status, s.text).toBe(201);
    const suspended = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/suspend`, {
      method: "POST",
      token: org.apiKey,
      body: { reason: "maintenance" },
    });
    expect(suspended.status, suspended.text).toBeLessThan(300);
    const rotations = [];
    for (const id of dead) rotations.push(await rotate(org, id));
    const resumed = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/resume`, { method: "POST", token: org.apiKey });
    expect(resumed.status, resumed.text).toBeLessThan(300);
    await sleep(50);
    const acting = [];
    for (const r of rotations) acting.push(r.status < 300 ? (await me(r.json.token)).status : r.status);
    acting.push((await me(s.json.token)).status);
    const n = await live(org.orgId, parent.id);
    // Secure: the parent (limit 1) never has more than one subagent able to act once it can act again.
    expect({ live: n, acting: acting.filter((x) => x === 200).length }).toEqual({ live: 1, acting: 1 });
  });

  it("R3b: the same through an org suspension (owner switch): rotations while the org is off, then the org resumes over the limit", async () => {
    const { org, parent, dead } = await parentWithDeadSubagents("rt34-rot-orgoff", 1, 2);
    const s = await mint(parent.token, { name: "current" });
    expect(s.status, s.text).toBe(201);
    const off = await call(`/api/v1/orgs/${org.orgId}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "incident" } });
    expect(off.status, off.text).toBeLessThan(300);
    const rotations = [];
    for (const id of dead) rotations.push(await rotate(org, id));
    const on = await call(`/api/v1/orgs/${org.orgId}/resume`, { method: "POST", token: org.apiKey });
    expect(on.status, on.text).toBeLessThan(300);
    await sleep(4_500); // the org switch is cached per isolate
    const acting = [];
    for (const r of rotations) acting.push(r.status < 300 ? (await me(r.json.token)).status : r.status);
    acting.push((await me(s.json.token)).status);
    const n = await live(org.orgId, parent.id);
    expect({ live: n, acting: acting.filter((x) => x === 200).length }).toEqual({ live: 1, acting: 1 });
  }, 30_000);

  it("R3c: the parent's token revoked (its subagents with it), every subagent rotated: no more than maxSubagents get a token", async () => {
    const { org, parent, dead } = await parentWithDeadSubagents("rt34-rot-revoked", 1, 2);
    const revoked = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/token`, { method: "DELETE", token: org.apiKey });
    expect(revoked.status, revoked.text).toBeLessThan(300);
    const rotations = [];
    for (const id of dead) rotations.push((await rotate(org, id)).status);
    expect({ rotations, live: await live(org.orgId, parent.id) }).toEqual({ rotations: [201, 409], live: 1 });
  });

  it("R4 (control): the parent's plain token rotated (its subagents withdrawn), then every subagent rotated one by one: at most maxSubagents come back", async () => {
    const org = await fakeProviderOrg("rt34-rot-parent");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, gate({ maxSubagents: 2 }), { scope: "agent", id: parent.id });
    const subs = [];
    for (let i = 0; i < 2; i++) subs.push(await mint(parent.token, { name: `s${i}` }));
    const rp = await rotate(org, parent.id);
    expect(rp.status, rp.text).toBeLessThan(300);
    const more = await mint(rp.json.token, { name: "s-new" });
    expect(more.status, more.text).toBe(201);
    const statuses = [];
    for (const s of subs) statuses.push((await rotate(org, s.json.id)).status);
    expect({ statuses, live: await live(org.orgId, parent.id) }).toEqual({ statuses: [201, 409], live: 2 });
  });
});

// ── (2) lapsed subagents and the limit ───────────────────────────────────────
describe("red team 34: lapsed session subagents, renewal and the limit", () => {
  it("L0 (control): a session subagent lapsed, the parent mints another; the host's renewal and an admin rotation do not bring the lapsed one back", async () => {
    const { org, host, agent, sandbox } = await sandboxedAgent("rt34-lapse-revive", hosts, { policy: gate({ maxSubagents: 1 }) });
    const s1 = await mint(sandbox.token, { name: "s1" });
    expect(s1.status, s1.text).toBe(201);
    await lapseSession(sandbox.sandboxId);
    const next = await startSandbox(org, host, agent.id, "onprem");
    host.report(next.sandboxId, "running");
    const s2 = await mint(next.token, { name: "s2" });
    expect(s2.status, s2.text).toBe(201);
    host.report(sandbox.sandboxId, "running");
    host.send({ t: "pong" });
    await sleep(300);
    const r = await rotate(org, s1.json.id);
    await sleep(4_500);
    expect({ s1: (await me(s1.json.token)).status, rotate: r.status, live: await live(org.orgId, agent.id) }).toEqual({
      s1: 401,
      rotate: 409,
      live: 1,
    });
  }, 60_000);
});

// ── (1) the tools narrowing ─────────────────────────────────────────────────
describe("red team 34: a subagent's tools narrowing (toolsWithin)", () => {
  async function narrowed(label: string) {
    const org = await fakeProviderOrg(label);
    const team = await create(org, "teams", { name: `${label}-team` });
    const project = await create(org, "projects", { name: `${label}-proj`, teamId: team.id });
    const parent = await createAgent(org, { name: "p", teamId: team.id, projectId: project.id });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    const ta = await grantedTool(org, "t-a", { scope: "agent", id: parent.id });
    const tb = await grantedTool(org, "t-b", { scope: "team", id: team.id });
    const tc = await grantedTool(org, "t-c", { scope: "project", id: project.id });
    return { org, team, project, parent, ids: { ta, tb, tc } };
  }

  it("T1 (control): org, team and project tools lists, grants at every scope and a direct grant to the subagent: it lists and calls only t-a", async () => {
    const { org, team, project, parent, ids } = await narrowed("rt34-narrow");
    await attachPolicy(org, { name: "org-tools", tools: ["t-a", "t-b", "t-c"] }, { scope: "org" });
    await attachPolicy(org, { name: "team-tools", tools: ["t-b", ids.tc] }, { scope: "team", id: team.id });
    await attachPolicy(org, { name: "proj-tools", tools: ["t-c"] }, { scope: "project", id: project.id });
    expect(await listedTools(parent.token)).toEqual(["t-a", "t-b", "t-c"]);
    const sub = await mint(parent.token, { name: "s", tools: ["t-a"] });
    expect(sub.status, sub.text).toBe(201);
    // The admin grants t-b straight to the subagent and gives it a tools list of its own.
    const g = await call(`/api/v1/orgs/${org.orgId}/tools/${ids.tb}/grants`, {
      method: "POST",
      token: org.apiKey,
      body: { scope: "agent", id: sub.json.id },
    });
    expect(g.status, g.text).toBe(201);
    await attachPolicy(org, { name: "sub-tools", tools: ["t-b", "t-c", ids.tb] }, { scope: "agent", id: sub.json.id });
    expect({
      listed: await listedTools(sub.json.token),
      tb: await callable(sub.json.token, "t-b"),
      tc: await callable(sub.json.token, "t-c"),
    }).toEqual({
      listed: ["t-a"],
      tb: false,
      tc: false,
    });
  });

  it("T2 (control): the narrowing policy edited through PATCH (tools list added, name changed): the subagent is still held within t-a", async () => {
    const { org, parent, ids } = await narrowed("rt34-narrow-patch");
    const sub = await mint(parent.token, { name: "s", tools: ["t-a"] });
    expect(sub.status, sub.text).toBe(201);
    const pol = await env.DB.prepare("SELECT id FROM policies WHERE org_id = ? AND name = ?")
      .bind(org.orgId, `subagent-${sub.json.id}`)
      .first<{ id: string }>();
    expect(pol).toBeTruthy();
    const patched = await call(`/api/v1/orgs/${org.orgId}/policies/${pol?.id}`, {
      method: "PATCH",
      token: org.apiKey,
      body: { name: "renamed", tools: ["t-a", "t-b", "t-c"] },
    });
    expect(patched.status, patched.text).toBe(200);
    // The narrowing names the tool the parent chose by its id (T6).
    expect({ listed: await listedTools(sub.json.token), view: patched.json.toolsWithin }).toEqual({ listed: ["t-a"], view: [ids.ta] });
  });

  it("T3 (control): tool names spelt otherwise at the mint (case, spaces, homoglyph, zero-width, the id) are refused with 400/403 and write nothing", async () => {
    const { org, parent, ids } = await narrowed("rt34-narrow-names");
    const before = await rowsOf(org.orgId);
    const got: Record<string, number> = {};
    for (const name of ["T-A", " t-a", "t-a ", "t\u2010a", "t-a\u200b", "ｔ-a", ids.tb, "t-a\n", "*", "t-%"]) {
      got[JSON.stringify(name)] = (await mint(parent.token, { name: "x", tools: [name] })).status;
    }
    const wrong = Object.entries(got).filter(([, s]) => s !== 400 && s !== 403);
    expect({ wrong, rows: await rowsOf(org.orgId) }).toEqual({ wrong: [], rows: before });
  });

  it("T4 (control): tools [] gives the subagent no tool at all, whatever the org's tools list and grants", async () => {
    const { org, parent } = await narrowed("rt34-narrow-empty");
    await attachPolicy(org, { name: "org-tools", tools: ["t-a", "t-b", "t-c"] }, { scope: "org" });
    const sub = await mint(parent.token, { name: "s", tools: [] });
    expect(sub.status, sub.text).toBe(201);
    expect({ listed: await listedTools(sub.json.token), ta: await callable(sub.json.token, "t-a") }).toEqual({ listed: [], ta: false });
  });

  it("T5 (control): a tool the parent loses after the mint is gone for the subagent too (narrowing ∩ parent at every call)", async () => {
    const { org, parent, ids } = await narrowed("rt34-narrow-parent-loses");
    const sub = await mint(parent.token, { name: "s", tools: ["t-a", "t-b"] });
    expect(sub.status, sub.text).toBe(201);
    await attachPolicy(org, { name: "p-within", toolsWithin: ["t-a"] }, { scope: "agent", id: parent.id });
    expect({ parent: await listedTools(parent.token), sub: await listedTools(sub.json.token), tb: await callable(sub.json.token, "t-b") }).toEqual({
      parent: ["t-a"],
      sub: ["t-a"],
      tb: false,
    });
    void ids;
  });

  it("a mint with a tools list refused at the parent's limit leaves nothing behind: no subagent, token nor narrowing policy", async () => {
    const org = await fakeProviderOrg("rt34-narrow-limit");
    const parent = await createAgent(org, { name: "p" });
    await attachPolicy(org, gate({ maxSubagents: 1 }), { scope: "agent", id: parent.id });
    await grantedTool(org, "t-a", { scope: "agent", id: parent.id });
    expect((await mint(parent.token, { name: "first", tools: ["t-a"] })).status).toBe(201);
    const before = await rowsOf(org.orgId);
    const refused = await mint(parent.token, { name: "second", tools: ["t-a"] });
    expect({ status: refused.status, rows: await rowsOf(org.orgId) }).toEqual({ status: 409, rows: before });
  });

  it("T6: a tool removed and registered again under the same name (another URL): the narrowed subagent gets the new tool (the narrowing binds names, not tools)", async () => {
    const { org, parent, ids } = await narrowed("rt34-narrow-rebind");
    const sub = await mint(parent.token, { name: "s", tools: ["t-a"] });
    expect(sub.status, sub.text).toBe(201);
    const del = await call(`/api/v1/orgs/${org.orgId}/tools/${ids.ta}`, { method: "DELETE", token: org.apiKey });
    expect(del.status, del.text).toBeLessThan(300);
    // A different tool (mutating, other target) takes the name; the parent is granted it.
    const fresh = await grantedTool(
      org,
      "t-a",
      { scope: "agent", id: parent.id },
      { method: "DELETE", url: `${env.TEST_TARGET_URL}/tool/other`, mutating: true },
    );
    // Secure reading: the parent narrowed the subagent to the tool it saw at the mint, not to whatever later bears the name.
    expect({ parent: await listedTools(parent.token), sub: await listedTools(sub.json.token) }).toEqual({ parent: ["t-a", "t-b", "t-c"], sub: [] });
    expect(fresh).not.toBe(ids.ta);
  });
});

// ── policy documents with toolsWithin through the admin API ─────────────────
describe("red team 34: toolsWithin in admin policy documents", () => {
  it("P1 (control): malformed toolsWithin in POST …/policies answers 400 and writes no policy", async () => {
    const org = await fakeProviderOrg("rt34-pol-bad");
    const before = await rowsOf(org.orgId);
    const bad: unknown[] = [null, "t-a", [""], [1], Array.from({ length: 501 }, (_, i) => `t${i}`), ["x".repeat(129)], { 0: "t-a" }];
    const got = [];
    for (const toolsWithin of bad)
      got.push(
        (
          await call(`/api/v1/orgs/${org.orgId}/policies`, {
            method: "POST",
            token: org.apiKey,
            body: { name: `p-${got.length}`, egress: [], toolsWithin },
          })
        ).status,
      );
    expect({ got, rows: await rowsOf(org.orgId) }).toEqual({ got: bad.map(() => 400), rows: before });
  });

  it("P2: PATCH …/policies/:id edits and clears toolsWithin (a new version each), and refuses a malformed one with 400, nothing changed", async () => {
    const org = await fakeProviderOrg("rt34-pol-patch");
    const id = await attachPolicy(org, { name: "w", toolsWithin: ["t-a"] }, { scope: "org" });
    const path = `/api/v1/orgs/${org.orgId}/policies/${id}`;
    const bad = await call(path, { method: "PATCH", token: org.apiKey, body: { toolsWithin: [""] } });
    const edit = await call(path, { method: "PATCH", token: org.apiKey, body: { toolsWithin: ["t-a", "t-b"] } });
    const edited = (await call(path, { token: org.apiKey })).json;
    const clear = await call(path, { method: "PATCH", token: org.apiKey, body: { toolsWithin: null } });
    const cleared = (await call(path, { token: org.apiKey })).json;
    expect({
      bad: bad.status,
      edit: edit.status,
      edited: [edited.version, edited.toolsWithin],
      clear: clear.status,
      cleared: [cleared.version, cleared.toolsWithin],
    }).toEqual({
      bad: 400,
      edit: 200,
      edited: [2, ["t-a", "t-b"]],
      clear: 200,
      cleared: [3, undefined],
    });
  });
});

// ── (4) session-minted subagents and sandboxes ───────────────────────────────
describe("red team 34: session-minted subagents never get a sandbox of their own", () => {
  it("S1 (control): rotated by an admin while its session lives (binding kept), then given a sandbox: 409, and it still lapses with the session", async () => {
    const { org, sandbox } = await sandboxedAgent("rt34-sess-sbx", hosts, { policy: gate() });
    const s1 = await mint(sandbox.token, { name: "s1" });
    expect(s1.status, s1.text).toBe(201);
    const r = await rotate(org, s1.json.id);
    expect(r.status, r.text).toBe(201);
    const sbx = await call(`/api/v1/orgs/${org.orgId}/sandboxes`, {
      method: "POST",
      token: org.apiKey,
      body: { agentId: s1.json.id, pool: "onprem", command: ["sh"] },
    });
    await lapseSession(sandbox.sandboxId);
    expect({ sandbox: sbx.status, after: (await me(r.json.token)).status }).toEqual({ sandbox: 409, after: 401 });
  }, 60_000);
});

// ── (5) calls in flight and the token's lapse ───────────────────────────────
describe("red team 34: calls in flight past their token's lapse", () => {
  const aborted = async () => (await (await fetch(`${env.TEST_TARGET_URL}/__aborted`)).json()) as string[];

  async function lapsingSub(label: string, policy: Record<string, unknown>) {
    const ctx = await sandboxedAgent(label, hosts, { policy: gate() });
    // Org-wide, so the subagent's own link and its parent's both allow it.
    if (policy.egress) await attachPolicy(ctx.org, { name: "org-egress", egress: policy.egress }, { scope: "org" });
    const s1 = await mint(ctx.sandbox.token, { name: "s1" });
    expect(s1.status, s1.text).toBe(201);
    return { ...ctx, sub: s1.json as { id: string; token: string } };
  }
  const port = () => Number(new URL(env.TEST_TARGET_URL).port);

  it("E1 (control): a session subagent's egress in flight (slow upstream) ends within about a second of the session's lapse, upstream cancelled", async () => {
    const { sandbox, sub } = await lapsingSub("rt34-lapse-egress", { egress: [{ host: "127.0.0.1", ports: [port()] }] });
    const tag = `rt34-e1-${Date.now()}`;
    const lapsesAt = Date.now() + 1_500;
    await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE name = ?").bind(lapsesAt, `sandbox:${sandbox.sandboxId}`).run();
    const res = await call(`/egress/${env.TEST_TARGET_URL}/slow?ms=8000&tag=${tag}`, { token: sub.token });
    const late = Date.now() - lapsesAt;
    await sleep(200);
    expect({ status: res.status, soon: late < 1_500, cancelled: (await aborted()).includes(tag) }).toEqual({
      status: 401,
      soon: true,
      cancelled: true,
    });
  }, 30_000);

  it("E2 (control): the host's renewal lands just after the lapse: it does not revive the token, and the call in flight still ends", async () => {
    const { sandbox, sub, host } = await lapsingSub("rt34-lapse-renew", { egress: [{ host: "127.0.0.1", ports: [port()] }] });
    const tag = `rt34-e2-${Date.now()}`;
    const lapsesAt = Date.now() + 1_000;
    await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE name = ?").bind(lapsesAt, `sandbox:${sandbox.sandboxId}`).run();
    const inFlight = call(`/egress/${env.TEST_TARGET_URL}/slow?ms=6000&tag=${tag}`, { token: sub.token });
    await sleep(Math.max(0, lapsesAt - Date.now() + 5));
    host.report(sandbox.sandboxId, "running");
    host.send({ t: "pong" });
    const res = await inFlight;
    const late = Date.now() - lapsesAt;
    expect({ status: res.status, soon: late < 1_500 }).toEqual({ status: 401, soon: true });
  }, 30_000);

  it("E3 (control): a session subagent's MCP tools/call (HTTP tool, slow upstream) in flight ends when its token lapses", async () => {
    const ctx = await lapsingSub("rt34-lapse-mcp", {});
    const { org, agent, sandbox, sub } = ctx;
    const tag = `rt34-e3-${Date.now()}`;
    const t = await call(`/api/v1/orgs/${org.orgId}/tools`, {
      method: "POST",
      token: org.apiKey,
      body: {
        name: "slow-tool",
        description: "slow",
        inputSchema: { type: "object" },
        method: "GET",
        url: `${env.TEST_TARGET_URL}/slow?ms=8000&tag=${tag}`,
      },
    });
    expect(t.status, t.text).toBe(201);
    await call(`/api/v1/orgs/${org.orgId}/tools/${t.json.id}/grants`, { method: "POST", token: org.apiKey, body: { scope: "agent", id: agent.id } });
    const lapsesAt = Date.now() + 1_500;
    await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE name = ?").bind(lapsesAt, `sandbox:${sandbox.sandboxId}`).run();
    const res = await toolCall(sub.token, "slow-tool", {});
    const late = Date.now() - lapsesAt;
    await sleep(200);
    expect({ done: res.text.includes("slow answer"), soon: late < 1_500, cancelled: (await aborted()).includes(tag) }).toEqual({
      done: false,
      soon: true,
      cancelled: true,
    });
  }, 30_000);
});
