// POST …/policies/replay: real egress requests made through the gateway are replayed through an
// edited policy; the counts, the agents reached (subagents included, others not) and each
// decision match what explain/dry-run says for the same draft; only the org's admins may ask.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, expectErrorShape, seedMember, seedOrg } from "../support/api.js";

const target = new URL(env.TEST_TARGET_URL);
const port = Number(target.port);
const base = `http://127.0.0.1:${port}`;

let org: SeededOrg;
let other: SeededOrg;
let policyId = "";
let agentId = "";
let subagentId = "";
let outsiderId = "";
const rule = (paths: string[], methods = ["GET"]) => ({ host: "127.0.0.1", ports: [port], methods, paths });
const doc = (paths: string[]) => ({ name: "reader", egress: [rule(paths)] });

async function egress(token: string, method: string, path: string) {
  const res = await call(`/egress/${base}${path}`, { method, token });
  return res.status;
}

const replay = (body: Record<string, unknown>, token = org.apiKey, orgId = org.orgId) =>
  call(`/api/v1/orgs/${orgId}/policies/replay`, { method: "POST", token, body });

async function waitForAudit(count: number) {
  for (let i = 0; i < 50; i++) {
    const res = await call(`/api/v1/orgs/${org.orgId}/audit?action=egress.request&limit=200`, { token: org.apiKey });
    if (res.json.items.length >= count) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("egress events did not arrive");
}

beforeAll(async () => {
  org = await seedOrg("replay");
  other = await seedOrg("replay-other");
  const t = org.apiKey;
  const created = await call(`/api/v1/orgs/${org.orgId}/policies`, { method: "POST", token: t, body: doc(["/repos/**", "/search"]) });
  expect(created.status).toBe(201);
  policyId = created.json.id;
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "replayer" } });
  agentId = agent.json.id;
  expect(
    (await call(`/api/v1/orgs/${org.orgId}/policies/${policyId}/attach`, { method: "POST", token: t, body: { scope: "agent", id: agentId } })).status,
  ).toBe(201);
  // An agent the policy does not reach: its requests are not replayed.
  const outsider = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "outsider" } });
  outsiderId = outsider.json.id;
  const sub = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "replayer-helper", parentAgentId: agentId } });
  expect(sub.status).toBe(201);
  subagentId = sub.json.id;
  // The subagent needs its own policy too (its rights are the intersection with its parent's).
  const own = await call(`/api/v1/orgs/${org.orgId}/policies`, { method: "POST", token: t, body: { name: "helper", egress: [rule(["/**"])] } });
  await call(`/api/v1/orgs/${org.orgId}/policies/${own.json.id}/attach`, { method: "POST", token: t, body: { scope: "agent", id: subagentId } });

  // Real requests through the gateway: 3 allowed, 1 denied (no rule), by the agent; 1 allowed by the subagent; 2 by the outsider (denied).
  expect(await egress(agent.json.token, "GET", "/repos/acme/one")).toBe(200);
  expect(await egress(agent.json.token, "GET", "/repos/acme/two")).toBe(200);
  expect(await egress(agent.json.token, "GET", "/search")).toBe(200);
  expect(await egress(agent.json.token, "DELETE", "/repos/acme/one")).toBe(403);
  expect(await egress(sub.json.token, "GET", "/search")).toBe(200);
  expect(await egress(outsider.json.token, "GET", "/search")).toBe(403);
  expect(await egress(outsider.json.token, "GET", "/repos/x")).toBe(403);
  await waitForAudit(7);
});

describe("POST …/policies/replay", () => {
  it("says how many of the last requests an edited policy would deny, and lists them", async () => {
    // The edit drops /search: the agent's and its subagent's /search calls would now be denied.
    const res = await replay({ policyId, draft: doc(["/repos/**"]) });
    expect(res.status).toBe(200);
    const r = res.json;
    expect(r).toMatchObject({ replayed: 5, deniedByDraft: 3, newlyDenied: 2, newlyAllowed: 0, agents: 2 });
    expect(r.items.map((i: { agentId: string }) => i.agentId)).not.toContain(outsiderId);
    const denied = r.items.filter((i: { draft: { allowed: boolean } }) => !i.draft.allowed);
    expect(denied.map((i: { subject: string; agentName: string }) => `${i.agentName} ${i.subject}`).sort()).toEqual([
      `replayer DELETE ${base}/repos/acme/one`,
      `replayer GET ${base}/search`,
      `replayer-helper GET ${base}/search`,
    ]);
    const seqs = r.items.map((i: { seq: number }) => i.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => b - a));
    // Unchanged policy: nothing new is denied.
    const same = (await replay({ policyId, draft: doc(["/repos/**", "/search"]) })).json;
    expect(same).toMatchObject({ replayed: 5, deniedByDraft: 1, newlyDenied: 0, newlyAllowed: 0 });
    // A wider draft allows what was denied.
    const wider = (await replay({ policyId, draft: { name: "reader", egress: [rule(["/**"], ["GET", "DELETE"])] } })).json;
    expect(wider).toMatchObject({ deniedByDraft: 0, newlyAllowed: 1 });
  });

  it("replays only the latest M requests", async () => {
    const r = (await replay({ policyId, draft: doc(["/repos/**"]), limit: 2 })).json;
    expect(r.replayed).toBe(2);
    expect(r.items).toHaveLength(2);
  });

  it("decides each request exactly as the dry-run of the same draft does (one decision module)", async () => {
    const draft = doc(["/repos/acme/one"]);
    const r = (await replay({ policyId, draft })).json;
    for (const item of r.items) {
      const [method, url] = item.subject.split(" ");
      const dry = await call(`/api/v1/orgs/${org.orgId}/policies/dry-run`, {
        method: "POST",
        token: org.apiKey,
        body: { draft, policyId, agentId: item.agentId, request: { method, url } },
      });
      expect(dry.status).toBe(200);
      expect({ allowed: item.draft.allowed, reason: item.draft.reason }, item.subject).toEqual({
        allowed: dry.json.decision.allowed,
        reason: dry.json.decision.reason,
      });
    }
  });

  it("replays a new draft for the agent named, and refuses a draft with neither policy nor agent", async () => {
    const r = (await replay({ agentId: outsiderId, draft: doc(["/search"]) })).json;
    expect(r).toMatchObject({ replayed: 2, deniedByDraft: 1, newlyAllowed: 1, agents: 1 });
    const neither = await replay({ draft: doc(["/search"]) });
    expect(neither.status).toBe(400);
    expectErrorShape(neither);
  });

  it("refuses bad input with 400 and saves nothing", async () => {
    for (const body of [
      { policyId, draft: { name: "x", egress: [{ host: "" }] } },
      { policyId, draft: doc(["/x"]), limit: 0 },
      { policyId, draft: doc(["/x"]), limit: 10_000 },
      { policyId, draft: doc(["/x"]), extra: true },
      { policyId: "pol_nope", draft: doc(["/x"]) },
    ]) {
      const res = await replay(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(res);
    }
    const saved = await call(`/api/v1/orgs/${org.orgId}/policies/${policyId}`, { token: org.apiKey });
    expect(saved.json.version).toBe(1);
  });

  it("is the org's admins' only: another org's member gets 404, a foreign policy or agent is 404, a plain member 403", async () => {
    const foreign = await replay({ policyId, draft: doc(["/x"]) }, other.apiKey);
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain("replayer");
    // The other org's own call naming this org's policy or agent finds nothing.
    expect((await replay({ policyId, draft: doc(["/x"]) }, other.apiKey, other.orgId)).status).toBe(404);
    expect((await replay({ agentId, draft: doc(["/x"]) }, other.apiKey, other.orgId)).status).toBe(404);
    const member = await seedMember(org, "member");
    const plain = await replay({ policyId, draft: doc(["/x"]) }, member.apiKey);
    expect(plain.status).toBe(403);
    expect(plain.text).not.toContain("/repos");
  });
});
