// Attacks on the OAuth authorization step for desktop MCP clients: redirect URI mismatch, code
// replay, PKCE missing/plain/wrong, and consent for an agent the person may not use. Each must
// fail with no code issued (or no token), through the Worker's real entry.
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, type SeededOrg, call, seedMember, seedOrg } from "../workers/support/api.js";
import {
  REDIRECT_URI,
  authorizeByHand,
  authorizeUrl,
  listWith,
  openConsent,
  pkce,
  registerClient,
  sessionOf,
  submitConsent,
  tokenRequest,
} from "../workers/support/oauth.js";

let org: SeededOrg;
let other: SeededOrg;
let teamAgent: string;
let otherTeamAgent: string;
let foreignAgent: string;
let member: Awaited<ReturnType<typeof seedMember>>;
let memberSession: string;

beforeAll(async () => {
  org = await seedOrg("oauth-code");
  other = await seedOrg("oauth-code-other");
  const team = (await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "mine" } })).json.id;
  const elsewhere = (await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "theirs" } })).json.id;
  teamAgent = (await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "mine", teamId: team } })).json.id;
  otherTeamAgent = (
    await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "theirs", teamId: elsewhere } })
  ).json.id;
  foreignAgent = (await call(`/api/v1/orgs/${other.orgId}/agents`, { method: "POST", token: other.apiKey, body: { name: "foreign" } })).json.id;
  member = await seedMember(org, "member");
  await call(`/api/v1/orgs/${org.orgId}/teams/${team}/members`, {
    method: "POST",
    token: org.apiKey,
    body: { userId: member.userId, role: "member" },
  });
  memberSession = await sessionOf(member.email, member.password);
});

describe("redirect URI mismatch", () => {
  it.each([
    ["another host", "https://attacker.example/callback"],
    ["another path on the registered host", "http://127.0.0.1:33418/other"],
    ["a registered URI with extra query", `${REDIRECT_URI}?x=1`],
    ["a non-loopback http URI", "http://attacker.example/callback"],
  ])("authorize with %s is refused on our own page, never redirected", async (_label, redirect) => {
    const auth = await authorizeByHand(memberSession, teamAgent, { redirect_uri: redirect });
    expect(auth.page.status).toBe(400);
    expect(auth.page.handle).toBeUndefined();
    expect(auth.code).toBeUndefined();
  });

  it("a code exchanged with another redirect_uri than it was issued for gets no token", async () => {
    const auth = await authorizeByHand(memberSession, teamAgent);
    expect(auth.code).toBeTruthy();
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code: auth.code ?? "",
      redirect_uri: "http://127.0.0.1:33418/elsewhere",
      client_id: auth.clientId,
      code_verifier: auth.verifier,
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("invalid_grant");
  });
});

describe("code replay", () => {
  it("a code works once; the replay gets invalid_grant", async () => {
    const auth = await authorizeByHand(memberSession, teamAgent);
    const params = {
      grant_type: "authorization_code",
      code: auth.code ?? "",
      redirect_uri: REDIRECT_URI,
      client_id: auth.clientId,
      code_verifier: auth.verifier,
    };
    const first = await tokenRequest(params);
    expect(first.status, first.text).toBe(200);
    const replay = await tokenRequest(params);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe("invalid_grant");
  });

  it("a code issued to one client cannot be redeemed by another", async () => {
    const auth = await authorizeByHand(memberSession, teamAgent);
    const thief = await registerClient();
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code: auth.code ?? "",
      redirect_uri: REDIRECT_URI,
      client_id: thief,
      code_verifier: auth.verifier,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.json.error).toMatch(/invalid_grant|invalid_client/);
  });
});

describe("PKCE missing, plain or wrong", () => {
  it("authorize without a code_challenge is refused", async () => {
    const auth = await authorizeByHand(memberSession, teamAgent, { code_challenge: undefined, code_challenge_method: undefined });
    expect(auth.code).toBeUndefined();
    expect(auth.page.status).toBe(400);
  });

  it("authorize with the plain method is refused", async () => {
    const { verifier } = await pkce();
    const auth = await authorizeByHand(memberSession, teamAgent, { code_challenge: verifier, code_challenge_method: "plain" });
    expect(auth.code).toBeUndefined();
    expect(auth.page.status).toBe(400);
  });

  it.each([
    ["a wrong verifier", "wrong-verifier-wrong-verifier-wrong-verifier-00"],
    ["no verifier", undefined],
  ])("the token request with %s gets no token", async (_label, verifier) => {
    const auth = await authorizeByHand(memberSession, teamAgent);
    const params: Record<string, string> = {
      grant_type: "authorization_code",
      code: auth.code ?? "",
      redirect_uri: REDIRECT_URI,
      client_id: auth.clientId,
    };
    if (verifier) params.code_verifier = verifier;
    const res = await tokenRequest(params);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/invalid_grant|invalid_request/);
  });
});

describe("consent for an agent the person may not use", () => {
  it.each([
    ["an agent of a team the member is not in", () => otherTeamAgent],
    ["an agent of another org", () => foreignAgent],
    ["a malformed agent id", () => "agt_not-a-real-id"],
  ])("choosing %s is refused with no code", async (_label, agent) => {
    const auth = await authorizeByHand(memberSession, agent());
    expect(auth.page.handle).toBeTruthy();
    expect(auth.response?.status).toBeGreaterThanOrEqual(400);
    expect(auth.response?.headers.get("location")).toBeNull();
    expect(auth.code).toBeUndefined();
  });

  it("the consent page offers only the member's own agents", async () => {
    const clientId = await registerClient();
    const { challenge } = await pkce();
    const page = await openConsent(
      authorizeUrl({
        response_type: "code",
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        code_challenge: challenge,
        code_challenge_method: "S256",
        state: "s",
      }),
      memberSession,
    );
    expect(page.html).toContain(teamAgent);
    expect(page.html).not.toContain(otherTeamAgent);
    expect(page.html).not.toContain(foreignAgent);
  });

  it("a consent form posted without the browser's binding cookie, or twice, issues no code", async () => {
    const clientId = await registerClient();
    const { challenge } = await pkce();
    const url = authorizeUrl({
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "s",
    });
    const page = await openConsent(url, memberSession);
    const unbound = await submitConsent({ ...page, cookies: [] }, memberSession, { action: "approve", agent: teamAgent });
    expect(unbound.headers.get("location")).toBeNull();
    const once = await submitConsent(page, memberSession, { action: "approve", agent: teamAgent });
    expect(once.status).toBe(302);
    const twice = await submitConsent(page, memberSession, { action: "approve", agent: teamAgent });
    expect(twice.headers.get("location")).toBeNull();
  });

  it("a cross-origin consent post (CSRF) is refused", async () => {
    const clientId = await registerClient();
    const { challenge } = await pkce();
    const page = await openConsent(
      authorizeUrl({
        response_type: "code",
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        code_challenge: challenge,
        code_challenge_method: "S256",
        state: "s",
      }),
      memberSession,
    );
    const { exports } = await import("cloudflare:workers");
    const res = await exports.default.fetch(
      new Request(`${BASE}/oauth/authorize`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: "https://attacker.example",
          cookie: [`__Host-pal_session=${memberSession}`, ...page.cookies].join("; "),
        },
        body: new URLSearchParams({ handle: page.handle ?? "", action: "approve", agent: teamAgent }).toString(),
      }),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get("location")).toBeNull();
  });

  it("a forged bearer that is not an issued token is refused at /mcp", async () => {
    const res = await listWith(`${member.userId}:forged:secret`);
    expect(res.status).toBe(401);
  });
});
