// Attack class: SSO login CSRF (login fixation). An attacker starts /sso/start in their own
// browser, signs in at the provider as themselves, and sends the victim the callback URL, hoping
// to sign the victim into the attacker's account. The state is bound to the browser that started
// the flow: a short-lived __Host- cookie (HttpOnly, Secure, SameSite=Lax) holding the PKCE
// verifier, whose SHA-256 is stored with the state and compared at the callback.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../workers/identity/crypto.js";
import { SSO_LOGIN_TTL_SECONDS } from "../../workers/identity/sso.js";
import { auditEventsOf, call, expectErrorShape, seedOrg } from "../workers/support/api.js";
import { SSO_COOKIE, callback, configureSso, signInAtProvider, sessionOf, startLogin, startRaw, uniqueDomain } from "../workers/support/sso.js";

async function orgWithSso() {
  const org = await seedOrg("ssocsrf");
  const domain = uniqueDomain("csrf");
  await configureSso(org, { domains: [domain] });
  return { org, domain };
}

/** The attacker's half: a login started in their browser and completed at the provider as them. */
async function attackerCallback(orgId: string, domain: string) {
  const attacker = await startLogin(`org=${orgId}`);
  const round = await signInAtProvider(attacker.location.toString(), `mallory@${domain}`);
  return { attacker, callbackUrl: round.callbackUrl };
}

function expectNobodySignedIn(res: { status: number; json: any; headers: Headers }) {
  expect(res.status).toBe(400);
  expectErrorShape(res);
  expect(sessionOf(res)).toBeUndefined();
  expect(res.headers.getSetCookie().some((c) => c.startsWith("__Host-pal_csrf="))).toBe(false);
}

describe("attack: SSO login CSRF", () => {
  it("the browser-binding cookie is __Host-, HttpOnly, Secure, SameSite=Lax and short-lived", async () => {
    const { org } = await orgWithSso();
    const res = await startRaw(`org=${org.orgId}`);
    expect(res.status).toBe(302);
    const line = res.headers.getSetCookie().find((c) => c.startsWith(`${SSO_COOKIE}=`)) ?? "";
    expect(line).toMatch(/;\s*HttpOnly/i);
    expect(line).toMatch(/;\s*Secure/i);
    expect(line).toMatch(/;\s*SameSite=Lax/i);
    expect(line).toMatch(/;\s*Path=\//i);
    expect(line).not.toMatch(/;\s*Domain=/i);
    const maxAge = Number(/Max-Age=(\d+)/i.exec(line)?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(SSO_LOGIN_TTL_SECONDS);
    // The state in the provider URL is not the cookie's value (the link alone carries no binding).
    const started = new URL(res.headers.get("location") ?? "");
    expect(line).not.toContain(started.searchParams.get("state") ?? "-");
  });

  it("the victim's browser, with no login of its own, opening the attacker's callback link is not signed in", async () => {
    const { org, domain } = await orgWithSso();
    const { callbackUrl } = await attackerCallback(org.orgId, domain);
    expectNobodySignedIn(await callback(callbackUrl, null));
    const refused = await auditEventsOf(org, "user.login");
    expect(refused.some((e) => e.result === "denied" && e.reason === "sso_browser_mismatch" && e.actor.id === "sso")).toBe(true);
  });

  it("the victim's browser with its own login in flight is not signed in to the attacker's account", async () => {
    const { org, domain } = await orgWithSso();
    const { callbackUrl } = await attackerCallback(org.orgId, domain);
    const victim = await startLogin(`org=${org.orgId}`);
    expectNobodySignedIn(await callback(callbackUrl, victim.ssoCookie));
  });

  it("a cookie forged from what the attacker can see (the state, or a guess at the stored hash) does not bind", async () => {
    const { org, domain } = await orgWithSso();
    const forgeries: Array<(login: Awaited<ReturnType<typeof attackerCallback>>) => Promise<string>> = [
      async (l) => l.callbackUrl.searchParams.get("state") ?? "",
      async (l) => sha256Hex(l.callbackUrl.searchParams.get("state") ?? ""),
      // The value stored beside the state, presented as the cookie: the callback hashes what it gets.
      async (l) => sha256Hex(l.attacker.ssoCookie),
      async (l) => `${l.attacker.ssoCookie}x`,
    ];
    for (const forge of forgeries) {
      const login = await attackerCallback(org.orgId, domain);
      expectNobodySignedIn(await callback(login.callbackUrl, await forge(login)));
    }
  });

  it("a refused callback burns the attacker's login: it cannot be completed afterwards even with the right cookie", async () => {
    const { org, domain } = await orgWithSso();
    const { attacker, callbackUrl } = await attackerCallback(org.orgId, domain);
    expectNobodySignedIn(await callback(callbackUrl, null));
    const late = await callback(callbackUrl, attacker.ssoCookie);
    expect(late.status).toBe(400);
    expect(sessionOf(late)).toBeUndefined();
  });

  it("control: the browser that started the login completes it", async () => {
    const { org, domain } = await orgWithSso();
    const { attacker, callbackUrl } = await attackerCallback(org.orgId, domain);
    const own = await callback(callbackUrl, attacker.ssoCookie);
    expect(own.status).toBe(200);
    const session = sessionOf(own);
    expect(session).toBeDefined();
    expect((await call("/api/v1/me", { token: session })).json.user.email).toBe(`mallory@${domain}`);
  });
});
