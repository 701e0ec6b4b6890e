// The egress gateway end to end: policy decisions, credential injection, redirects, SSRF
// refusal, scrubbing and audit, against a real local HTTP target.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, auditEventsOf, call, expectErrorShape, seedOrg } from "../support/api.js";

const SECRET = "ghp_S3cretValue0123456789abcdefABCDEF";
const QUERY_SECRET = "qk_AnotherSecret_998877665544";
const target = new URL(env.TEST_TARGET_URL);
const port = Number(target.port);

let org: SeededOrg;
let agentToken: string;

async function received(last = 5): Promise<Array<{ method: string; path: string; headers: Record<string, string> }>> {
  const res = await fetch(`${env.TEST_TARGET_URL}/__requests?last=${last}`);
  return (await res.json()) as Array<{ method: string; path: string; headers: Record<string, string> }>;
}

beforeAll(async () => {
  org = await seedOrg("egress");
  const t = org.apiKey;
  expect(
    (
      await call(`/api/v1/orgs/${org.orgId}/credentials`, {
        method: "POST",
        token: t,
        body: { name: "gh", secret: SECRET, inject: { type: "bearer" } },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await call(`/api/v1/orgs/${org.orgId}/credentials`, {
        method: "POST",
        token: t,
        body: { name: "qk", secret: QUERY_SECRET, inject: { type: "query", name: "api_key" } },
      })
    ).status,
  ).toBe(201);
  const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, {
    method: "POST",
    token: t,
    body: {
      name: "github-readonly",
      egress: [
        {
          host: "127.0.0.1",
          ports: [port],
          methods: ["GET"],
          paths: ["/repos/acme/**", "/reflect", "/redirect"],
          credential: "gh",
          credentialOverHttp: true,
        },
        { host: "127.0.0.1", ports: [port], methods: ["GET"], paths: ["/search"], credential: "qk", credentialOverHttp: true },
        { host: "localhost", ports: [port], methods: ["GET"], paths: ["/repos/**"], credential: "gh", credentialOverHttp: true },
        { host: "169.254.169.254", methods: ["GET"] },
        { host: "127.0.0.1", paths: ["/repos/acme/secret/**"], deny: true },
      ],
    },
  });
  expect(policy.status).toBe(201);
  expect(
    (await call(`/api/v1/orgs/${org.orgId}/policies/${policy.json.id}/attach`, { method: "POST", token: t, body: { scope: "org" } })).status,
  ).toBe(201);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "egress-bot" } });
  agentToken = agent.json.token;
});

describe("egress gateway", () => {
  it("allows a matching GET and injects the credential upstream", async () => {
    const res = await call(`/egress/${env.TEST_TARGET_URL}/repos/acme/widgets?page=2`, { token: agentToken });
    expect(res.status).toBe(200);
    expect(res.json.path).toBe("/repos/acme/widgets?page=2");
    const [last] = (await received(1)).slice(-1);
    expect(last?.headers.authorization).toBe(`Bearer ${SECRET}`);
    // The echo contains the credential; the gateway scrubs it before the agent sees it.
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain(agentToken);
  });

  it("never forwards the agent's token or its own auth headers", async () => {
    const res = await call(`/egress/${env.TEST_TARGET_URL}/repos/acme/x`, {
      headers: { "x-api-key": agentToken, authorization: "Bearer client-supplied", cookie: "session=abc", "proxy-authorization": "Basic eA==" },
    });
    expect(res.status).toBe(200);
    const [last] = (await received(1)).slice(-1);
    expect(last?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(last?.headers)).not.toContain(agentToken);
    expect(last?.headers.cookie).toBeUndefined();
    expect(last?.headers["proxy-authorization"]).toBeUndefined();
  });

  it("refuses a POST, another path, another port and an explicit deny with 403 policy_denied", async () => {
    const before = (await received(500)).length;
    const cases: Array<[string, string]> = [
      ["POST", `/egress/${env.TEST_TARGET_URL}/repos/acme/widgets`],
      ["GET", `/egress/${env.TEST_TARGET_URL}/repos/other/widgets`],
      ["GET", `/egress/http://127.0.0.1:${port + 1}/repos/acme/widgets`],
      ["GET", `/egress/${env.TEST_TARGET_URL}/repos/acme/secret/keys`],
      ["GET", `/egress/${env.TEST_TARGET_URL}/repos/acme/../other/x`],
      ["GET", `/egress/${env.TEST_TARGET_URL}/repos/acme/%2e%2e/other`],
      ["GET", `/egress/https://example.com/`],
    ];
    for (const [method, path] of cases) {
      const res = await call(path, { method, token: agentToken, body: method === "POST" ? { a: 1 } : undefined });
      expect(res.status, `${method} ${path}`).toBe(403);
      expectErrorShape(res);
      expect(res.json.error.code).toBe("policy_denied");
    }
    expect((await received(500)).length).toBe(before);
  });

  it("re-checks every redirect hop and never carries the credential to another origin", async () => {
    const to = encodeURIComponent(`http://localhost:${port}/repos/acme/moved`);
    const res = await call(`/egress/${env.TEST_TARGET_URL}/redirect?to=${to}`, { token: agentToken });
    expect(res.status).toBe(200);
    const [hop1, hop2] = (await received(2)).slice(-2);
    expect(hop1?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(hop2?.path).toBe("/repos/acme/moved");
    expect(hop2?.headers.authorization).toBeUndefined();

    const denied = encodeURIComponent(`${env.TEST_TARGET_URL}/admin`);
    const refused = await call(`/egress/${env.TEST_TARGET_URL}/redirect?to=${denied}`, { token: agentToken });
    expect(refused.status).toBe(403);
  });

  it("refuses cloud metadata even when a rule allows it", async () => {
    const res = await call("/egress/http://169.254.169.254/latest/meta-data/", { token: agentToken });
    expect(res.status).toBe(403);
    expectErrorShape(res);
  });

  it("scrubs an upstream's reflection of the credential from headers and body", async () => {
    const res = await call(`/egress/${env.TEST_TARGET_URL}/reflect`, { token: agentToken });
    expect(res.status).toBe(200);
    expect(res.text).toContain("[REDACTED]");
    expect(res.text).not.toContain(SECRET);
    expect(res.headers.get("x-seen-auth")).not.toContain(SECRET);
  });

  it.each([
    ["a small answer of declared length, read whole", "declared=1"],
    ["an answer written a few bytes at a time, the credential across many chunks", "drip=1"],
  ])("scrubs the credential from %s", async (_title, query) => {
    const res = await call(`/egress/${env.TEST_TARGET_URL}/reflect?${query}`, { token: agentToken });
    expect(res.status).toBe(200);
    expect(res.text).toBe(`you sent: Bearer [REDACTED] and ?${query}`);
    expect(res.headers.get("x-seen-auth")).toBe("[REDACTED]");
  });

  it("injects query credentials and keeps them out of the audit", async () => {
    const res = await call(`/egress/${env.TEST_TARGET_URL}/search?q=x&api_key=mine`, { token: agentToken });
    expect(res.status).toBe(200);
    const [last] = (await received(1)).slice(-1);
    expect(last?.path).toBe(`/search?q=x&api_key=${QUERY_SECRET}`);
    expect(res.text).not.toContain(QUERY_SECRET);
  });

  it("records allowed and denied decisions with the deciding rule, without secrets", async () => {
    const events = await auditEventsOf(org, "egress.request");
    expect(events.some((e) => e.result === "allowed" && String(e.reason).startsWith("policy:pol_"))).toBe(true);
    expect(events.some((e) => e.result === "denied")).toBe(true);
    const dump = JSON.stringify(events);
    for (const secret of [SECRET, QUERY_SECRET, agentToken]) expect(dump).not.toContain(secret);
  });

  it("answers bad targets with 400 and missing identity with 401", async () => {
    for (const bad of [
      "ftp://example.com/x",
      "not-a-url",
      "/relative/path",
      "http://user:pw@127.0.0.1/",
      "file:///etc/passwd",
      "javascript:alert(1)",
    ]) {
      const res = await call(`/egress/${bad}`, { token: agentToken });
      expect(res.status, bad).toBe(400);
      expectErrorShape(res);
    }
    expect((await call(`/egress/${env.TEST_TARGET_URL}/repos/acme/x`)).status).toBe(401);
  });
});

describe("credentials never leave the vault", () => {
  it("is absent from every credential API answer and from the database", async () => {
    const list = await call(`/api/v1/orgs/${org.orgId}/credentials`, { token: org.apiKey });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(SECRET);
    for (const item of list.json.items) {
      const one = await call(`/api/v1/orgs/${org.orgId}/credentials/${item.id}`, { token: org.apiKey });
      expect(one.text).not.toContain(SECRET);
      expect(one.json.secret).toBeUndefined();
    }
    const rows = await env.DB.prepare("SELECT * FROM credentials").all();
    expect(JSON.stringify(rows.results)).not.toContain(SECRET);
  });

  it("refuses a policy naming a credential of another org, and saves nothing", async () => {
    const other = await seedOrg("other");
    const res = await call(`/api/v1/orgs/${other.orgId}/policies`, {
      method: "POST",
      token: other.apiKey,
      body: { name: "steal", egress: [{ host: "127.0.0.1", credential: "gh" }] },
    });
    expect(res.status).toBe(400);
    const list = await call(`/api/v1/orgs/${other.orgId}/policies`, { token: other.apiKey });
    expect(list.json.items).toEqual([]);
  });
});
