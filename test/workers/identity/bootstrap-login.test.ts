// Bootstrap once, login, logout, and refusal of every forged or misused session token.
import { env } from "cloudflare:workers";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { LOGIN_FAILURES_PER_ACCOUNT } from "../../../workers/identity/login-throttle.js";
import { describe, expect, it } from "vitest";
import { SESSION_AUDIENCE, SESSION_ISSUER, SESSION_TYP } from "../../../workers/identity/sessions.js";
import { base64ToBytes } from "../../../workers/identity/crypto.js";
import { call, expectErrorShape, seedOrg } from "../support/api.js";

const bootstrapBody = { orgName: "Acme", email: "first@acme.test", password: "correct horse battery" };

describe("bootstrap", () => {
  it("refuses a missing or wrong bootstrap token", async () => {
    const none = await call("/api/v1/bootstrap", { method: "POST", body: bootstrapBody });
    expect(none.status).toBe(401);
    expectErrorShape(none);
    const wrong = await call("/api/v1/bootstrap", { method: "POST", token: "nope", body: bootstrapBody });
    expect(wrong.status).toBe(401);
  });

  it("validates the body", async () => {
    const bad = await call("/api/v1/bootstrap", { method: "POST", token: env.BOOTSTRAP_TOKEN, body: { ...bootstrapBody, password: "short" } });
    expect(bad.status).toBe(400);
    expectErrorShape(bad);
    expect(bad.text).not.toContain("short");
  });

  it("creates the org, owner and admin key once, then answers 409", async () => {
    const first = await call("/api/v1/bootstrap", { method: "POST", token: env.BOOTSTRAP_TOKEN, body: bootstrapBody });
    expect(first.status).toBe(201);
    expect(first.json).toEqual({
      orgId: expect.stringMatching(/^org_/),
      userId: expect.stringMatching(/^usr_/),
      apiKey: expect.stringMatching(/^pal_admin_/),
    });

    const me = await call("/api/v1/me", { token: first.json.apiKey });
    expect(me.status).toBe(200);
    expect(me.json.orgs).toEqual([expect.objectContaining({ id: first.json.orgId, role: "owner", name: "Acme" })]);

    const again = await call("/api/v1/bootstrap", {
      method: "POST",
      token: env.BOOTSTRAP_TOKEN,
      body: { ...bootstrapBody, email: "second@acme.test" },
    });
    expect(again.status).toBe(409);
    expectErrorShape(again);
  });
});

async function signingKey() {
  return base64ToBytes(env.SESSION_SIGNING_KEY);
}

async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key?: Uint8Array) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: "forged-jti-0123456789abcdef", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: SESSION_TYP, ...header })
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key ?? (await signingKey()));
}

const b64url = (s: string) => btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

describe("login and sessions", () => {
  it("logs in, uses the session as Bearer, and logs out", async () => {
    const org = await seedOrg();
    const login = await call("/api/v1/login", { method: "POST", body: { email: org.email, password: org.password } });
    expect(login.status).toBe(200);
    expect(login.json.token.split(".")).toHaveLength(3);
    expect(login.headers.get("set-cookie")).toMatch(/__Host-pal_session=.*HttpOnly/i);

    const me = await call("/api/v1/me", { token: login.json.token });
    expect(me.status).toBe(200);
    expect(me.json.user.email).toBe(org.email);

    expect((await call("/api/v1/logout", { method: "POST", token: login.json.token })).status).toBe(204);
    expect((await call("/api/v1/me", { token: login.json.token })).status).toBe(401);
  });

  it("refuses a wrong password and an unknown user the same way", async () => {
    const org = await seedOrg();
    const wrong = await call("/api/v1/login", { method: "POST", body: { email: org.email, password: "not-the-password" } });
    const unknown = await call("/api/v1/login", { method: "POST", body: { email: "ghost@example.test", password: "whatever-123" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
  });

  it("throttles password guessing per account: 429 after 10 failures, even for the right password; a success starts the count again", async () => {
    const org = await seedOrg();
    const login = (password: string, email = org.email) => call("/api/v1/login", { method: "POST", body: { email, password } });
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT - 1; i++) expect((await login(`wrong-password-${i}`)).status).toBe(401);
    expect((await login(org.password)).status).toBe(200);
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT; i++) expect((await login(`wrong-password-${i}`)).status).toBe(401);
    const blocked = await login(org.password);
    expect(blocked.status).toBe(429);
    expect(blocked.json.error).toMatchObject({ code: "rate_limited" });
    expect(JSON.stringify(blocked.json)).not.toContain(org.password);
    // Another account is unaffected (the per-address counter is tested in test/attacks/login-guessing).
    const other = await seedOrg();
    expect((await login(other.password, other.email)).status).toBe(200);
  });

  it("refuses forged, tampered, expired and misdirected tokens", async () => {
    const org = await seedOrg();
    const login = await call("/api/v1/login", { method: "POST", body: { email: org.email, password: org.password } });
    const real: string = login.json.token;
    const [h, p, s] = real.split(".") as [string, string, string];
    const payload = JSON.parse(atob(p.replaceAll("-", "+").replaceAll("_", "/")));
    const now = Math.floor(Date.now() / 1000);
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const rsaPublicJwk = await exportJWK(rsa.publicKey);

    const attempts: Record<string, string> = {
      "alg none": `${b64url(JSON.stringify({ alg: "none", typ: SESSION_TYP }))}.${p}.`,
      "alg NoNe": `${b64url(JSON.stringify({ alg: "NoNe", typ: SESSION_TYP }))}.${p}.`,
      "altered payload": `${h}.${b64url(JSON.stringify({ ...payload, sub: "usr_00000000000000000000000000" }))}.${s}`,
      "wrong key": await forge({ sub: payload.sub, jti: payload.jti }, {}, new TextEncoder().encode("another-key-another-key-another-key!!")),
      "RS256 signed with an attacker key": await new SignJWT({ sub: payload.sub, jti: payload.jti })
        .setProtectedHeader({ alg: "RS256", typ: SESSION_TYP, jwk: rsaPublicJwk })
        .setIssuer(SESSION_ISSUER)
        .setAudience(SESSION_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(rsa.privateKey),
      "HS256 keyed with a public key": await forge(
        { sub: payload.sub, jti: payload.jti },
        {},
        new TextEncoder().encode(JSON.stringify(rsaPublicJwk)),
      ),
      "wrong audience": await new SignJWT({ sub: payload.sub, jti: payload.jti })
        .setProtectedHeader({ alg: "HS256", typ: SESSION_TYP })
        .setIssuer(SESSION_ISSUER)
        .setAudience("palisade:something-else")
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(await signingKey()),
      "wrong issuer": await new SignJWT({ sub: payload.sub, jti: payload.jti })
        .setProtectedHeader({ alg: "HS256", typ: SESSION_TYP })
        .setIssuer("evil")
        .setAudience(SESSION_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(await signingKey()),
      "wrong typ": await forge({ sub: payload.sub, jti: payload.jti }, { typ: "JWT" }),
      expired: await new SignJWT({ sub: payload.sub, jti: payload.jti })
        .setProtectedHeader({ alg: "HS256", typ: SESSION_TYP })
        .setIssuer(SESSION_ISSUER)
        .setAudience(SESSION_AUDIENCE)
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 3600)
        .sign(await signingKey()),
      "valid signature, session never issued": await forge({ sub: payload.sub }),
      garbage: "not.a.jwt",
    };
    for (const [name, token] of Object.entries(attempts)) {
      const res = await call("/api/v1/me", { token });
      expect(res.status, name).toBe(401);
      expectErrorShape(res);
    }
    // The genuine token still works after all that.
    expect((await call("/api/v1/me", { token: real })).status).toBe(200);
  });

  it("requires the CSRF token for cookie-authenticated writes", async () => {
    const org = await seedOrg();
    const login = await call("/api/v1/login", { method: "POST", body: { email: org.email, password: org.password } });
    const cookie = `__Host-pal_session=${login.json.token}`;
    const path = `/api/v1/orgs/${org.orgId}/teams`;
    const read = await call(path, { headers: { cookie } });
    expect(read.status).toBe(200);

    const noCsrf = await call(path, { method: "POST", headers: { cookie }, body: { name: "t1" } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error.code).toBe("csrf_failed");

    const crossOrigin = await call(path, {
      method: "POST",
      headers: { cookie, "x-csrf-token": login.json.csrfToken, origin: "https://evil.example" },
      body: { name: "t1" },
    });
    expect(crossOrigin.status).toBe(403);

    const ok = await call(path, { method: "POST", headers: { cookie, "x-csrf-token": login.json.csrfToken }, body: { name: "t1" } });
    expect(ok.status).toBe(201);
  });
});
