// Attack class: an intercepted authorization code, and PKCE downgrade. A code taken from a
// victim's redirect is useless without the victim's PKCE verifier (it lives in the victim's
// cookie, never in a URL); a code is good once; the flow is S256 whatever the request asks.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape, seedOrg } from "../workers/support/api.js";
import { OIDC_CLIENT } from "../support/secrets.js";
import {
  callback,
  configureSso,
  fakeCallbackUrl,
  fakeCode,
  signInAtProvider,
  sessionOf,
  startLogin,
  startRaw,
  uniqueDomain,
} from "../workers/support/sso.js";

async function orgWithSso(issuer?: string) {
  const org = await seedOrg("ssoatk");
  const domain = uniqueDomain();
  await configureSso(org, { domains: [domain], ...(issuer ? { issuer } : {}) });
  return { org, domain };
}

describe("attack: authorization code interception and PKCE downgrade", () => {
  it("an intercepted code redeemed in the attacker's own login fails PKCE at the real provider", async () => {
    const { org, domain } = await orgWithSso();
    const victim = await startLogin(`org=${org.orgId}`);
    const victimRound = await signInAtProvider(victim.location.toString(), `vic@${domain}`);
    const stolenCode = victimRound.callbackUrl.searchParams.get("code") ?? "";
    // The attacker's own login in flight: their state and cookie, the victim's code.
    const attacker = await startLogin(`org=${org.orgId}`);
    const forged = new URL(OIDC_CLIENT.redirectUri);
    forged.searchParams.set("code", stolenCode);
    forged.searchParams.set("state", attacker.location.searchParams.get("state") ?? "");
    const res = await callback(forged, attacker.ssoCookie);
    expect(res.status).toBe(401);
    expectErrorShape(res);
    expect(sessionOf(res)).toBeUndefined();
  });

  it("a code already redeemed cannot be redeemed again through a new login", async () => {
    const { org, domain } = await orgWithSso();
    const started = await startLogin(`org=${org.orgId}`);
    const round = await signInAtProvider(started.location.toString(), `vic@${domain}`);
    expect((await callback(round.callbackUrl, started.ssoCookie)).status).toBe(200);
    const again = await startLogin(`org=${org.orgId}`);
    const forged = new URL(round.callbackUrl);
    forged.searchParams.set("state", again.location.searchParams.get("state") ?? "");
    const res = await callback(forged, again.ssoCookie);
    expect(res.status).toBe(401);
    expect(sessionOf(res)).toBeUndefined();
  });

  it("the fake provider's token endpoint sees the S256 verifier; a wrong verifier is refused there", async () => {
    const { org, domain } = await orgWithSso(env.TEST_FAKE_IDP_URL);
    const started = await startLogin(`org=${org.orgId}`);
    expect(started.location.searchParams.get("code_challenge_method")).toBe("S256");
    // The verifier is never in the authorization URL.
    expect(started.location.toString()).not.toContain(started.ssoCookie);
    const okCode = fakeCode(started, { fault: "none", email: `a@${domain}` });
    expect((await callback(fakeCallbackUrl(started, okCode), started.ssoCookie)).status).toBe(200);
    // A code bound to another challenge (an attacker's) fails PKCE.
    const second = await startLogin(`org=${org.orgId}`);
    const wrongChallenge = fakeCode({ ...second, location: started.location }, { fault: "none", email: `b@${domain}` });
    expect((await callback(fakeCallbackUrl(second, wrongChallenge), second.ssoCookie)).status).toBe(401);
  });

  it("PKCE downgrade: the start refuses extra parameters such as code_challenge_method=plain", async () => {
    const { org } = await orgWithSso();
    for (const extra of [
      "code_challenge_method=plain",
      "code_challenge=abc",
      "redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
      "nonce=fixed",
      "state=fixed",
    ]) {
      const res = await startRaw(`org=${org.orgId}&${extra}`);
      expect(res.status, extra).toBe(400);
    }
  });

  it("PKCE downgrade: a provider offering only plain cannot be configured", async () => {
    const org = await seedOrg("ssoatk");
    await expect(configureSso(org, { domains: [uniqueDomain()], issuer: `${env.TEST_FAKE_IDP_URL}/plain-only` })).rejects.toThrow(/400/);
    expect((await call(`/api/v1/orgs/${org.orgId}/sso`, { token: org.apiKey })).status).toBe(404);
  });
});
