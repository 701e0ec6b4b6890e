// Attack class: a path whose slash, dot or semicolon is a compatibility character that servers
// normalising Unicode (NFKC) read as "/", "\", "." or ";" — full-width solidus U+FF0F, full-width
// reverse solidus U+FF3C, small reverse solidus U+FE68, full-width full stop U+FF0E, one dot leader
// U+2024, full-width semicolon U+FF1B. The policy already refuses full-width letters and dots
// (`/ａdmin/`, `/．．/`) for that reason, and reads an encoded "/" both ways; these spellings are
// read as one plain segment, so a deny rule, a narrow allow rule and an HTTP tool's URL template
// are walked past, and explain agrees with the proxy that they are allowed.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";
import { targetRequests, toolCall } from "../workers/support/tools.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let denyAgent: { id: string; token: string };
let narrowAgent: { id: string; token: string };

beforeAll(async () => {
  org = await seedOrg("red12-unicode-slash");
  denyAgent = await createAgent(org, { name: "deny-prober", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "open-but-admin",
      egress: [
        { host: "127.0.0.1", ports: [port] },
        { host: "127.0.0.1", paths: ["/admin/**"], deny: true },
      ],
    },
    { scope: "agent", id: denyAgent.id },
  );
  narrowAgent = await createAgent(org, { name: "narrow-prober", autonomy: 5 });
  await attachPolicy(
    org,
    { name: "one-repo-and-public", egress: [{ host: "127.0.0.1", ports: [port], paths: ["/repos/acme/*", "/public/**"] }] },
    { scope: "agent", id: narrowAgent.id },
  );
});

/** The egress answer, whether the target saw the request, and explain's verdict for the same URL. */
async function attempt(agent: { id: string; token: string }, spelling: string) {
  const marker = `m${Math.random().toString(36).slice(2)}`;
  const url = `${env.TEST_TARGET_URL}${spelling}?${marker}`;
  const res = await call(`/egress/${url}`, { token: agent.token });
  const targetSawIt = (await targetRequests(100)).some((r) => r.path.includes(marker));
  const explained = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/explain`, {
    method: "POST",
    token: org.apiKey,
    body: { method: "GET", url },
  });
  return { status: res.status, targetSawIt, explainAllowed: explained.json.allowed };
}

const REFUSED = { status: 403, targetSawIt: false, explainAllowed: false };

describe("a /admin/** deny rule holds against compatibility slashes, dots and semicolons", () => {
  it("lets ordinary paths through (control)", async () => {
    expect(await attempt(denyAgent, "/public/page")).toEqual({ status: 200, targetSawIt: true, explainAllowed: true });
  });

  for (const spelling of [
    "/admin%EF%BC%8Fusers", // admin／users
    "/ADMIN%EF%BC%8FUSERS",
    "/admin%EF%BC%BCusers", // admin＼users
    "/admin%EF%B9%A8users", // admin﹨users
    "/admin%EF%BC%8F", // admin／
    "/%EF%BC%8Fadmin/users", // ／admin/users
    "/public%EF%BC%8F..%EF%BC%8Fadmin", // public／..／admin
    "/public%EF%BC%8F%EF%BC%8E%EF%BC%8E%EF%BC%8Fadmin", // public／．．／admin
    "/public%EF%BC%8F%E2%80%A5%EF%BC%8Fadmin", // public／‥／admin
    "/admin%EF%BC%8E/users", // admin．/users: a trailing full-width dot ("/admin./users" is refused)
    "/admin%E2%80%A4/users", // admin․/users (one dot leader)
    "/admin%EF%BC%9Bx/users", // admin；x/users ("/admin;x/users" is refused)
    "/admin%EF%BC%9B%2Fusers", // admin；%2Fusers
  ]) {
    it(`refuses ${spelling}, and explain says denied too`, async () => {
      expect(await attempt(denyAgent, spelling)).toEqual(REFUSED);
    });
  }
});

describe("a narrow allow rule (`/repos/acme/*`, `/public/**`) is not left by compatibility slashes and dots", () => {
  it("allows its own paths (control)", async () => {
    expect(await attempt(narrowAgent, "/repos/acme/widgets")).toEqual({ status: 200, targetSawIt: true, explainAllowed: true });
  });

  for (const spelling of [
    "/repos/acme/w%EF%BC%8F..%EF%BC%8F..%EF%BC%8Fother", // /repos/acme/w／..／..／other → /repos/other
    "/repos/acme/%EF%BC%8E%EF%BC%8E%EF%BC%8Fother", // /repos/acme/．．／other → /repos/other
    "/repos/acme/w%EF%BC%8Fx", // two segments where the rule allows one, as "%2F" is refused
    "/public/a%EF%BC%8F..%EF%BC%8F..%EF%BC%8Fadmin", // /public/a／..／..／admin → /admin
  ]) {
    it(`refuses ${spelling}, and explain says denied too`, async () => {
      expect(await attempt(narrowAgent, spelling)).toEqual(REFUSED);
    });
  }
});

describe("an HTTP tool's path argument cannot leave the URL template through compatibility slashes", () => {
  let agent: { id: string; token: string };
  let toolName: string;
  beforeAll(async () => {
    const toolOrg = await seedOrg("red12-tool-slash");
    agent = await createAgent(toolOrg, { name: "tool-caller", autonomy: 5 });
    toolName = `notes-${Math.random().toString(36).slice(2, 8)}`;
    const tool = await create(toolOrg, "tools", {
      name: toolName,
      description: "a user's notes",
      inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
      method: "GET",
      url: `${env.TEST_TARGET_URL}/v1/users/{id}/notes`,
    });
    await create(toolOrg, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
  });

  /** The path as a server that decodes and NFKC-normalises before routing resolves it. */
  const asNormalisingServerReads = (path: string) =>
    new URL(decodeURIComponent(path.split("?")[0] ?? "").normalize("NFKC"), "http://upstream.test").pathname;

  for (const id of ["a／..／..／admin", "a＼..＼..＼admin", "a／‥／‥／admin", "．．／．．／admin"]) {
    it(`id=${JSON.stringify(id)} is refused or stays under /v1/users/`, async () => {
      const marker = `m${Math.random().toString(36).slice(2)}`;
      await toolCall(agent.token, toolName, { id, m: marker });
      const sent = (await targetRequests(50)).filter((r) => r.path.includes(marker)).map((r) => asNormalisingServerReads(r.path));
      for (const path of sent) expect(path, path).toMatch(/^\/v1\/users\/[^/]+\/notes$/);
    });
  }
});
