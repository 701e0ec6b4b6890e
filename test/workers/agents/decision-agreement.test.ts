// Property: for random (agent or subagent, request) pairs over a random policy set, the admin
// API's explain, its dry-run (with a saved policy's own document) and the real egress gateway
// give the same decision and name the same rule. The world outside the edge is a stub that
// answers every upstream request; everything inside the edge is real.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type SeededOrg, call, seedOrg } from "../support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, create, createAgent, mintSubagent } from "../support/fixtures.js";

const CASES = 160;
const SEED = Number(process.env.AGREEMENT_SEED ?? 20261203);

/** mulberry32: a small seeded generator, so a failing case can be replayed with AGREEMENT_SEED. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const some = <T>(items: readonly T[]): T[] => items.filter(() => random() < 0.4);

const HOSTS = ["api.example.com", "*.example.com", "files.example.org", "127.0.0.1"] as const;
const REQUEST_HOSTS = ["api.example.com", "x.api.example.com", "deep.x.example.com", "files.example.org", "other.example.net"] as const;
const GLOBS = ["/v1/**", "/v1/*/items", "/admin/**", "/public/*", "/**", "/v1/users/*"] as const;
const PATHS = ["/v1/users/7", "/v1/users/7/items", "/admin/users", "/ADMIN/users", "/public/readme", "/v1/x/items", "/", "/v2/other"] as const;
const METHODS = ["GET", "POST", "PUT", "DELETE"] as const;

function randomRule() {
  const deny = random() < 0.25;
  return {
    host: pick(HOSTS),
    ...(random() < 0.5 ? { methods: [pick(METHODS), ...some(METHODS)] } : {}),
    ...(random() < 0.7 ? { paths: [pick(GLOBS), ...(random() < 0.3 ? [pick(GLOBS)] : [])] } : {}),
    ...(deny ? { deny: true } : random() < 0.3 ? { credential: "stub-cred" } : {}),
  };
}

const randomPolicy = (i: number) => ({ name: `random-${i}`, egress: Array.from({ length: 1 + Math.floor(random() * 3) }, randomRule) });

let org: SeededOrg;
let agents: Array<{ id: string; token: string; label: string }>;
let policies: Array<{ id: string; doc: Record<string, unknown> }>;
const realFetch = globalThis.fetch;

beforeAll(async () => {
  org = await seedOrg("agreement");
  await create(org, "credentials", { name: "stub-cred", secret: "stub-secret-value-42", inject: { type: "bearer" } });
  const team = (await create(org, "teams", { name: "t" })).id as string;
  const project = (await create(org, "projects", { name: "p", teamId: team })).id as string;
  const parent = await createAgent(org, { name: "parent", teamId: team, projectId: project, autonomy: 5 });
  const sibling = await createAgent(org, { name: "sibling", teamId: team, autonomy: 5 });
  await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
  const child = await mintSubagent(parent.token, { autonomy: 5 });
  const scopes = [
    { scope: "org" as const },
    { scope: "team" as const, id: team },
    { scope: "project" as const, id: project },
    { scope: "agent" as const, id: parent.id },
    { scope: "agent" as const, id: child.id },
    { scope: "agent" as const, id: sibling.id },
  ];
  policies = [];
  for (let i = 0; i < 9; i++) {
    const doc = randomPolicy(i);
    policies.push({ id: await attachPolicy(org, doc, scopes[i % scopes.length] as (typeof scopes)[number]), doc });
  }
  // The subagent's own policy opens every host, so what its parent may not do is what decides.
  const open = { name: "child-open", egress: HOSTS.filter((h) => h !== "127.0.0.1").map((host) => ({ host })) };
  policies.push({ id: await attachPolicy(org, open, { scope: "agent", id: child.id }), doc: open });
  agents = [
    { ...parent, label: "parent" },
    { ...child, label: "subagent" },
    { ...child, label: "subagent" },
    { ...sibling, label: "sibling" },
  ];
  // Upstreams are not part of the edge: every outbound request gets a plain 200 from this stub.
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url.startsWith(env.TEST_TARGET_URL)) return realFetch(input, init);
    return new Response(`stub ${request.method} ${new URL(request.url).pathname}`, { status: 200, headers: { "x-stub": "1" } });
  });
});

afterAll(() => {
  vi.restoreAllMocks();
});

interface Verdict {
  allowed: boolean;
  rule: string | null;
}

const ruleOf = (decision: { rule?: { policyId: string; policyVersion: number; index: number } }) =>
  decision.rule ? `policy:${decision.rule.policyId}@v${decision.rule.policyVersion}#${decision.rule.index}` : null;

describe(`explain, dry-run and the gateway agree (seed ${SEED})`, () => {
  it(`on ${CASES} random (agent, request) pairs`, async () => {
    let allowed = 0;
    for (let n = 0; n < CASES; n++) {
      const agent = pick(agents);
      const method = pick(METHODS);
      const url = `https://${pick(REQUEST_HOSTS)}${pick(PATHS)}`;
      const where = `case ${n}: ${agent.label} ${method} ${url}`;

      const explained = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/explain`, {
        method: "POST",
        token: org.apiKey,
        body: { method, url },
      });
      expect(explained.status, where).toBe(200);
      const explain: Verdict = { allowed: explained.json.allowed, rule: ruleOf(explained.json) };

      const saved = pick(policies);
      const dry = await call(`/api/v1/orgs/${org.orgId}/policies/dry-run`, {
        method: "POST",
        token: org.apiKey,
        body: { draft: saved.doc, policyId: saved.id, agentId: agent.id, request: { method, url } },
      });
      expect(dry.status, where).toBe(200);
      const dryRun: Verdict = { allowed: dry.json.decision.allowed, rule: ruleOf(dry.json.decision) };

      const res = await call(`/egress/${url}`, { method, token: agent.token, ...(method === "GET" ? {} : { rawBody: "x" }) });
      const gateway: Verdict =
        res.status === 200
          ? { allowed: true, rule: res.headers.get("x-palisade-egress-rule") }
          : { allowed: false, rule: res.json?.error?.details?.rule ?? null };
      if (res.status !== 200) expect(res.status, `${where}: ${res.text}`).toBe(403);

      expect(gateway, where).toEqual(explain);
      expect(dryRun, where).toEqual(explain);
      if (explain.allowed) allowed++;
    }
    // The random policy set must exercise both outcomes, or the property says little.
    expect(allowed).toBeGreaterThan(CASES / 10);
    expect(allowed).toBeLessThan(CASES - CASES / 10);
  }, 120_000);
});
