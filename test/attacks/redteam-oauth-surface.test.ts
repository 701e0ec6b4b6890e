// Red team: OAuth 2.1 for desktop MCP clients, from outside. Registration with hostile redirect
// URIs, the authorize/sign-in pages (open redirect, header injection, CSRF, framing), consent for
// agents the person may not use, access tokens used outside /mcp, refresh tokens as access tokens,
// the challenge, and audit of OAuth calls.
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, type SeededOrg, call, seedMember, seedOrg } from "../workers/support/api.js";
import {
  REDIRECT_URI,
  authorizeByHand,
  authorizeUrl,
  listWith,
  oauthTokens,
  pkce,
  registerClient,
  sessionOf,
  workerFetch,
} from "../workers/support/oauth.js";
import { PATCH, scim, scimTokenFor } from "../workers/support/scim.js";
import { auditOf, rpc } from "../workers/support/tools.js";

let org: SeededOrg;
let other: SeededOrg;
let teamId: string;
let agentId: string;
let otherAgentId: string;
let member: Awaited<ReturnType<typeof seedMember>>;
let browser: string;

beforeAll(async () => {
  org = await seedOrg("red-oauth");
  other = await seedOrg("red-oauth-other");
  teamId = (await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "desk" } })).json.id;
  agentId = (await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "red-desk", teamId } })).json.id;
  otherAgentId = (await call(`/api/v1/orgs/${other.orgId}/agents`, { method: "POST", token: other.apiKey, body: { name: "foreign" } })).json.id;
  member = await seedMember(org, "member");
  await call(`/api/v1/orgs/${org.orgId}/teams/${teamId}/members`, {
    method: "POST",
    token: org.apiKey,
    body: { userId: member.userId, role: "member" },
  });
  browser = await sessionOf(member.email, member.password);
});

async function register(redirect_uris: string[], extra: Record<string, unknown> = {}) {
  return call("/oauth/register", {
    method: "POST",
    body: {
      client_name: "red client",
      redirect_uris,
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      ...extra,
    },
  });
}

describe("dynamic client registration", () => {
  it.each([
    ["javascript:", "javascript:alert(document.cookie)//"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["vbscript:", "vbscript:msgbox(1)"],
    ["file:", "file:///etc/passwd"],
    ["plain http to a remote host", "http://attacker.example/cb"],
    ["a URI with userinfo spoofing the host", "https://palisade.test@attacker.example/cb"],
  ])("a redirect URI on %s is refused", async (_label, uri) => {
    const res = await register([uri]);
    expect(res.status, `${uri} → ${res.status} ${res.text.slice(0, 200)}`).toBe(400);
  });

  it("registration refuses a confidential-client auth method it cannot hold a secret for, or answers a public client", async () => {
    const res = await register([REDIRECT_URI], { token_endpoint_auth_method: "client_secret_basic" });
    expect(res.status).toBeLessThan(500);
  });

  it("client metadata with HTML is escaped on the consent page", async () => {
    const reg = await register([REDIRECT_URI], { client_name: `<img src=x onerror=alert(1)>"'` });
    expect(reg.status).toBe(201);
    const auth = await authorizeByHand(browser, agentId, { client_id: reg.json.client_id });
    expect(auth.page.html).not.toContain("<img src=x");
  });
});

describe("registration abuse", () => {
  it("anonymous registration is bounded: a flood of clients, or a huge one, is refused at some point", async () => {
    const big = await register(
      Array.from({ length: 2000 }, (_, i) => `http://127.0.0.1:${1024 + i}/cb`),
      { client_name: "x".repeat(200_000) },
    );
    let accepted = 0;
    for (let i = 0; i < 150; i++) if ((await register([REDIRECT_URI])).status === 201) accepted++;
    expect({ hugeClient: big.status, of150: accepted }, "no size or rate limit on anonymous DCR (clients never expire in OAUTH_KV)").not.toEqual({
      hugeClient: 201,
      of150: 150,
    });
  });
});

describe("authorize and sign-in pages", () => {
  it("an unregistered redirect_uri is never redirected to", async () => {
    const clientId = await registerClient();
    const { challenge } = await pkce();
    for (const redirect of [
      "https://attacker.example/cb",
      "http://127.0.0.1:33418/callback/../evil",
      "http://127.0.0.1:33419/callback",
      "http://localhost:33418/callback",
    ]) {
      const url = authorizeUrl({
        response_type: "code",
        client_id: clientId,
        redirect_uri: redirect,
        code_challenge: challenge,
        code_challenge_method: "S256",
        state: "s",
        scope: "mcp",
      });
      const res = await workerFetch(url, { headers: { cookie: `__Host-pal_session=${browser}` }, redirect: "manual" });
      const location = res.headers.get("location") ?? "";
      expect(
        location.includes("attacker") || location.includes("33419") || location.includes("evil") || location.includes("localhost"),
        redirect,
      ).toBe(false);
    }
  });

  it("a CR/LF in the sign-in form's return is answered without a 500 (header injection)", async () => {
    const ret = "/oauth/authorize?x=1\r\nLocation: https://attacker.example/";
    const res = await workerFetch(`${BASE}/oauth/authorize/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ email: member.email, password: member.password, return: ret }).toString(),
      redirect: "manual",
    });
    expect(res.headers.get("location") ?? "").not.toContain("attacker");
    expect(res.status, "valid credentials + CR/LF in return → unhandled TypeError: Invalid header value").toBeLessThan(500);
  });

  it("the sign-in form's return cannot leave the authorize page (open redirect)", async () => {
    for (const ret of ["/oauth/authorize?@attacker.example", "/oauth/authorize?\\\\attacker.example", "/oauth/authorize?x=1#//attacker.example"]) {
      const res = await workerFetch(`${BASE}/oauth/authorize/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
        body: new URLSearchParams({ email: member.email, password: member.password, return: ret }).toString(),
        redirect: "manual",
      });
      expect(res.status, ret).toBeLessThan(500);
      const location = res.headers.get("location");
      if (location) expect(new URL(location, BASE).origin, ret).toBe(BASE);
    }
  });

  it("a cross-site sign-in post (login CSRF) with Origin null or a foreign origin is refused", async () => {
    for (const origin of ["null", "https://attacker.example"]) {
      const res = await workerFetch(`${BASE}/oauth/authorize/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin },
        body: new URLSearchParams({ email: member.email, password: member.password, return: "/oauth/authorize?x=1" }).toString(),
        redirect: "manual",
      });
      expect(res.status, origin).toBe(403);
      expect(res.headers.getSetCookie().length, origin).toBe(0);
    }
  });

  it("the consent page cannot be framed and carries no script", async () => {
    const auth = await authorizeByHand(browser, agentId);
    expect(auth.page.status).toBe(200);
    expect(auth.page.html).not.toMatch(/<script/i);
  });

  it("consent for another org's agent, a made-up id or a subagent gets no code", async () => {
    for (const target of [otherAgentId, "agt_00000000000000000000000000", `../${agentId}`]) {
      const auth = await authorizeByHand(browser, target);
      expect(auth.code, target).toBeUndefined();
    }
  });
});

describe("access tokens outside /mcp", () => {
  it("an OAuth access token opens no other door: /llm, /egress, the admin API, SCIM, /tunnel", async () => {
    const { access, refresh } = await oauthTokens(browser, agentId);
    expect((await listWith(access)).status).toBe(200);
    const doors: Array<[string, string, unknown?]> = [
      ["POST", "/llm/openai/v1/chat/completions", { model: "x", messages: [{ role: "user", content: "hi" }] }],
      ["POST", "/llm/anthropic/v1/messages", { model: "x", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }],
      ["GET", "/egress/https://example.com/"],
      ["GET", "/api/v1/me"],
      ["GET", `/api/v1/orgs/${org.orgId}/agents`],
      ["GET", "/scim/v2/Users"],
      ["GET", "/tunnel"],
    ];
    for (const [method, path, body] of doors) {
      for (const tok of [access, refresh]) {
        const res = await call(path, { method, token: tok, ...(body ? { body } : {}) });
        expect([401, 403, 404], `${method} ${path} → ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
      }
    }
  });

  it("a refresh token is not an access token at /mcp", async () => {
    const { refresh } = await oauthTokens(browser, agentId);
    expect((await listWith(refresh)).status).toBe(401);
  });

  it("the 401 challenge names nothing of the grant, person or org", async () => {
    const res = await rpc(undefined, { jsonrpc: "2.0", id: 1, method: "tools/list" });
    expect(res.status).toBe(401);
    const challenge = res.headers?.get?.("www-authenticate") ?? "";
    expect(challenge + res.text).not.toContain(org.orgId);
  });
});

describe("audit of OAuth calls", () => {
  it("a refused tool call under OAuth is audited with onBehalfOf", async () => {
    const { access } = await oauthTokens(browser, agentId);
    const res = await rpc(access, { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "not-a-granted-tool-red", arguments: {} } });
    expect(res.status).toBeLessThan(500);
    const events = await auditOf(org, "tool.call");
    const mine = events.filter((e) => JSON.stringify(e).includes("not-a-granted-tool-red"));
    expect(mine.length).toBeGreaterThan(0);
    expect(JSON.stringify(mine[0])).toContain(member.userId);
  });
});

describe("deactivation and refresh", () => {
  it("after SCIM deactivation the refresh token mints nothing, and reactivation does not revive it", async () => {
    const token = await scimTokenFor(org);
    const m = await seedMember(org, "member");
    await call(`/api/v1/orgs/${org.orgId}/teams/${teamId}/members`, {
      method: "POST",
      token: org.apiKey,
      body: { userId: m.userId, role: "member" },
    });
    const s = await sessionOf(m.email, m.password);
    const { access, refresh, clientId } = await oauthTokens(s, agentId);
    const off = await scim(token, `/Users/${m.userId}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: false }] });
    expect(off.status, off.text).toBe(200);
    expect((await listWith(access)).status).toBe(401);
    await scim(token, `/Users/${m.userId}`, "PATCH", { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: true }] });
    const res = await workerFetch(`${BASE}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refresh, client_id: clientId, resource: `${BASE}/mcp` }).toString(),
    });
    expect(res.status).toBe(400);
  });
});

describe("bounded registration and a checked return (variants)", () => {
  it.each([
    ["11 redirect URIs", { redirect_uris: Array.from({ length: 11 }, (_, i) => `http://127.0.0.1:${2000 + i}/cb`) }, 400],
    ["a 201-character client_name", { client_name: "n".repeat(201) }, 400],
    ["a 3000-character redirect URI", { redirect_uris: [`http://127.0.0.1:3000/${"p".repeat(3000)}`] }, 400],
    ["a body over 16 KiB", { client_uri: `https://x.example/${"u".repeat(17 * 1024)}` }, 413],
  ])("registration with %s is refused before the library stores it", async (_label, extra, status) => {
    const res = await register([REDIRECT_URI], extra);
    expect(res.status, res.text.slice(0, 200)).toBe(status);
    expect(res.json?.error).toBe("invalid_client_metadata");
  });

  it("registration that is not JSON is a 400, and a normal one still registers", async () => {
    const bad = await call("/oauth/register", { method: "POST", rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    expect((await register([REDIRECT_URI])).status).toBe(201);
  });

  it.each([
    "/oauth/authorize?x=1\r\nSet-Cookie: a=b",
    "/oauth/authorize?x=1\tLocation",
    "/oauth/authorize?x=\\attacker.example",
    "/oauth/authorize?x=1#frag",
    "//attacker.example/oauth/authorize?x=1",
    "https://attacker.example/oauth/authorize?x=1",
    "/oauth/authorize/../../evil?x=1",
    "/oauth/authorize?x=1 2",
  ])("a bad return %j is a 400 before any sign-in work (no cookie, no lockout counting)", async (ret) => {
    const res = await workerFetch(`${BASE}/oauth/authorize/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ email: member.email, password: member.password, return: ret }).toString(),
      redirect: "manual",
    });
    expect(res.status, ret).toBe(400);
    expect(res.headers.get("location"), ret).toBeNull();
    expect(res.headers.getSetCookie().length, ret).toBe(0);
  });
});
