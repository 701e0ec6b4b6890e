// Attack class: forging or replaying the SSO callback — replayed state, tampered or missing
// state, a callback without the browser that started it (login CSRF), an expired login, and a
// response naming another issuer (mix-up). Each must be refused without a session.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, seedOrg } from "../workers/support/api.js";
import { callback, configureSso, signInAtProvider, sessionOf, startLogin, uniqueDomain } from "../workers/support/sso.js";

async function orgWithSso() {
  const org = await seedOrg("ssoatk");
  const domain = uniqueDomain();
  await configureSso(org, { domains: [domain] });
  return { org, domain };
}

describe("attack: SSO callback forgery and replay", () => {
  it("replaying a completed callback (same state and code) is refused", async () => {
    const { org, domain } = await orgWithSso();
    const started = await startLogin(`org=${org.orgId}`);
    const round = await signInAtProvider(started.location.toString(), `eve@${domain}`);
    const first = await callback(round.callbackUrl, started.ssoCookie);
    expect(first.status).toBe(200);
    const replay = await callback(round.callbackUrl, started.ssoCookie);
    expect(replay.status).toBe(400);
    expectErrorShape(replay);
    expect(sessionOf(replay)).toBeUndefined();
  });

  it("a tampered or missing state is refused", async () => {
    const { org, domain } = await orgWithSso();
    const started = await startLogin(`org=${org.orgId}`);
    const round = await signInAtProvider(started.location.toString(), `eve@${domain}`);
    const tampered = new URL(round.callbackUrl);
    tampered.searchParams.set("state", `${tampered.searchParams.get("state")}x`);
    expect((await callback(tampered, started.ssoCookie)).status).toBe(400);
    const missing = new URL(round.callbackUrl);
    missing.searchParams.delete("state");
    expect((await callback(missing, started.ssoCookie)).status).toBe(400);
    // The untouched callback still works: a refused forgery did not consume the real login.
    expect((await callback(round.callbackUrl, started.ssoCookie)).status).toBe(200);
  });

  it("login CSRF: a victim's browser without the login's cookie cannot be signed in to the attacker's account", async () => {
    const { org, domain } = await orgWithSso();
    // The attacker starts a login and signs in as themselves, then sends the callback link to a victim.
    const attacker = await startLogin(`org=${org.orgId}`);
    const round = await signInAtProvider(attacker.location.toString(), `mallory@${domain}`);
    const victimWithoutCookie = await callback(round.callbackUrl, null);
    expect(victimWithoutCookie.status).toBe(400);
    expect(sessionOf(victimWithoutCookie)).toBeUndefined();
    // Nor with the cookie of the victim's own (different) login in flight.
    const victim = await startLogin(`org=${org.orgId}`);
    const crossed = await callback(round.callbackUrl, victim.ssoCookie);
    expect(crossed.status).toBe(400);
    expect(sessionOf(crossed)).toBeUndefined();
  });

  it("an expired login is refused even with its cookie", async () => {
    const { org, domain } = await orgWithSso();
    const started = await startLogin(`org=${org.orgId}`);
    const round = await signInAtProvider(started.location.toString(), `eve@${domain}`);
    await env.DB.prepare("UPDATE sso_logins SET expires_at = ? WHERE org_id = ?")
      .bind(Date.now() - 1, org.orgId)
      .run();
    const res = await callback(round.callbackUrl, started.ssoCookie);
    expect(res.status).toBe(400);
    expect(sessionOf(res)).toBeUndefined();
  });

  it("mix-up: a response whose iss names another issuer is refused", async () => {
    const { org, domain } = await orgWithSso();
    const started = await startLogin(`org=${org.orgId}`);
    const round = await signInAtProvider(started.location.toString(), `eve@${domain}`);
    const mixed = new URL(round.callbackUrl);
    mixed.searchParams.set("iss", "https://evil.example");
    const res = await callback(mixed, started.ssoCookie);
    expect(res.status).toBe(401);
    expectErrorShape(res);
    expect(sessionOf(res)).toBeUndefined();
  });

  it("a provider error response (access_denied) signs nobody in", async () => {
    const { org } = await orgWithSso();
    const started = await startLogin(`org=${org.orgId}`);
    const state = started.location.searchParams.get("state") ?? "";
    const res = await call(`/api/v1/sso/callback?error=access_denied&state=${state}`, { headers: { cookie: `__Host-pal_sso=${started.ssoCookie}` } });
    expect(res.status).toBe(401);
    expect(sessionOf(res)).toBeUndefined();
  });
});
