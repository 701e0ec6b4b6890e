// Attack class: a path that common servers (Tomcat, Spring, Jetty, IIS) read as /admin/… but that
// is spelled so a `/admin/**` deny rule does not see it: path parameters, encoded semicolons,
// trailing dots and spaces, case, percent-encoded letters, full-width letters.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, createAgent } from "../workers/support/fixtures.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };

const SPELLINGS = [
  "/admin;jsessionid=x/users",
  "/admin;/users",
  "/admin%3Bx/users",
  "/admin%3b/users",
  "/admin./users",
  "/admin../users",
  "/admin%2e/users",
  "/admin%20/users",
  "/admin.%20/users",
  "/admin%20%20/users",
  "/ADMIN/users",
  "/AdMiN;x=1/users",
  "/adm%69n/users",
  "/%61dmin/users",
  "/%EF%BD%81dmin/users",
  "/admin/users;x",
  "/admin",
  "/admin;",
  "/admin.",
];

async function targetSaw(marker: string) {
  const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=200`)).json()) as Array<{ path: string }>;
  return seen.some((r) => r.path.includes(marker));
}

beforeAll(async () => {
  org = await seedOrg("deny-path");
  agent = await createAgent(org, { name: "prober", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "open-but-admin",
      egress: [
        { host: "127.0.0.1", ports: [port] },
        { host: "127.0.0.1", paths: ["/admin/**"], deny: true },
      ],
    },
    { scope: "agent", id: agent.id },
  );
});

describe("a /admin/** deny rule holds against every spelling servers normalise to /admin", () => {
  it("lets ordinary paths through (control)", async () => {
    expect((await call(`/egress/${env.TEST_TARGET_URL}/public/page`, { token: agent.token })).status).toBe(200);
  });

  for (const spelling of SPELLINGS) {
    it(`refuses ${spelling}, and explain says denied too`, async () => {
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const url = `${env.TEST_TARGET_URL}${spelling}?${marker}`;
      const res = await call(`/egress/${url}`, { token: agent.token });
      expect(res.status, res.text).toBe(403);
      expect(res.json.error.code).toBe("policy_denied");
      expect(await targetSaw(marker)).toBe(false);
      const explained = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/explain`, {
        method: "POST",
        token: org.apiKey,
        body: { method: "GET", url },
      });
      expect(explained.json.allowed).toBe(false);
    });
  }
});

// An encoded slash is one segment to most servers and a separator to others: the path is read
// both ways, and a deny rule matching either reading refuses it.
describe("a /admin/** deny rule holds against encoded slashes and backslashes", () => {
  for (const spelling of [
    "/admin%2Fusers",
    "/ADMIN%5Cusers",
    "/admin;x%2Fusers",
    "/public%2F..%2Fadmin/users",
    "/%2Fadmin/users",
    "/public%2F%2Fadmin",
  ]) {
    it(`refuses ${spelling}`, async () => {
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const res = await call(`/egress/${env.TEST_TARGET_URL}${spelling}?${marker}`, { token: agent.token });
      expect(res.status, res.text).toBe(403);
      expect(await targetSaw(marker)).toBe(false);
    });
  }

  it("delivers an encoded slash both readings allow, as written (GitLab's /projects/group%2Fproject)", async () => {
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const res = await call(`/egress/${env.TEST_TARGET_URL}/api/v4/projects/group%2Fproject/issues?${marker}`, { token: agent.token });
    expect(res.status, res.text).toBe(200);
    const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=200`)).json()) as Array<{ path: string }>;
    expect(seen.find((r) => r.path.includes(marker))?.path).toContain("/projects/group%2Fproject/issues");
  });
});
