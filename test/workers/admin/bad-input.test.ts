// Bad input on every endpoint answers 4xx in the contract's shape, never 500.
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, expectErrorShape, seedOrg } from "../support/api.js";
import { toolFixtures } from "../support/tools.js";

let org: SeededOrg;
let paths: Record<string, Record<string, unknown>>;
let ids: Record<string, string>;

beforeAll(async () => {
  org = await seedOrg();
  const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "t" } });
  const project = await call(`/api/v1/orgs/${org.orgId}/projects`, { method: "POST", token: org.apiKey, body: { name: "p" } });
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "a" } });
  const key = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: org.apiKey, body: { name: "k" } });
  const cred = await call(`/api/v1/orgs/${org.orgId}/credentials`, {
    method: "POST",
    token: org.apiKey,
    body: { name: "c", secret: "s3cret-value", inject: { type: "bearer" } },
  });
  const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, { method: "POST", token: org.apiKey, body: { name: "p", egress: [] } });
  const provider = await call(`/api/v1/orgs/${org.orgId}/providers`, {
    method: "POST",
    token: org.apiKey,
    body: { name: "p", kind: "anthropic", baseUrl: "https://llm.example.com", credential: "c" },
  });
  ids = {
    orgId: org.orgId,
    teamId: team.json.id,
    projectId: project.json.id,
    agentId: agent.json.id,
    keyId: key.json.id,
    userId: org.ownerId,
    credentialId: cred.json.id,
    policyId: policy.json.id,
    providerId: provider.json.id,
    hostId: "host_00000000000000000000000000",
    sandboxId: "sbx_00000000000000000000000000",
    ...(await toolFixtures(org, "bad", agent.json.id)).ids,
  };
  paths = (await call("/api/v1/openapi.json")).json.paths;
});

const fill = (path: string, values: Record<string, string>) => path.replace(/\{(\w+)\}/g, (_, n: string) => values[n] ?? "x");

const badBodies: Array<[string, BodyInit, Record<string, string>]> = [
  ["malformed JSON", "{not json", { "content-type": "application/json" }],
  ["truncated JSON", '{"name": "a"', { "content-type": "application/json" }],
  ["wrong types", JSON.stringify({ name: 42, role: ["x"], autonomy: "high", email: {}, password: 1 }), { "content-type": "application/json" }],
  [
    "unknown fields",
    JSON.stringify({ name: "n", email: "a@b.test", role: "member", password: "long-enough-pw", isAdmin: true }),
    { "content-type": "application/json" },
  ],
  ["array body", "[]", { "content-type": "application/json" }],
  ["null body", "null", { "content-type": "application/json" }],
  ["not JSON media type", "name=x", { "content-type": "application/x-www-form-urlencoded" }],
  ["huge body", JSON.stringify({ name: "x".repeat(200_000) }), { "content-type": "application/json" }],
];

describe("bad input", () => {
  it("answers every write endpoint's bad bodies with 4xx in the error shape", async () => {
    for (const [path, methods] of Object.entries(paths)) {
      for (const method of Object.keys(methods)) {
        if (method !== "post" && method !== "patch") continue;
        if (!(methods[method] as { requestBody?: unknown }).requestBody) continue; // takes no body
        for (const [label, body, headers] of badBodies) {
          const token = path === "/bootstrap" ? "test-bootstrap-token-0123456789abcdef" : org.apiKey;
          const res = await call(`/api/v1${fill(path, ids)}`, { method: method.toUpperCase(), token, rawBody: body, headers });
          const where = `${method.toUpperCase()} ${path} with ${label}`;
          expect(res.status, where).toBeGreaterThanOrEqual(400);
          expect(res.status, where).toBeLessThan(500);
          expectErrorShape(res);
          if (label === "huge body") expect(res.status, where).toBe(413);
        }
      }
    }
  });

  it("treats malformed and foreign-shaped ids as not found", async () => {
    for (const bad of [
      "nope",
      "agt_",
      "agt_../../etc",
      "team_01jd0000000000000000000000",
      "%00",
      "agt_0000000000000000000000000!",
      "a".repeat(300),
    ]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/agents/${encodeURIComponent(bad)}`, { token: org.apiKey });
      expect(res.status, bad).toBe(404);
      expectErrorShape(res);
    }
    const badOrg = await call(`/api/v1/orgs/not-an-org/agents`, { token: org.apiKey });
    expect(badOrg.status).toBe(404);
  });

  it("refuses bad pagination", async () => {
    for (const q of ["?limit=0", "?limit=100000", "?limit=abc", "?cursor=%%%", "?cursor=dGVzdA", "?unknown=1"]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/agents${q}`, { token: org.apiKey });
      expect(res.status, q).toBe(400);
      expectErrorShape(res);
    }
  });

  it("answers unknown routes with 404 in the error shape", async () => {
    const res = await call("/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expectErrorShape(res);
  });
});
