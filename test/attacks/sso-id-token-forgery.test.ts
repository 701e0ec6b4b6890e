// Attack class: a forged or misdirected ID token — wrong issuer, another client's audience,
// several audiences without azp, expired or not yet valid, signed by another key, unsigned
// (alg none), HS256 keyed with the provider's public key, a wrong or missing nonce, an unverified
// e-mail. The misbehaving provider (jose-signed) returns each; none may sign anyone in.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ID_TOKEN_FAULTS } from "../support/fake-idp.js";
import { call, expectErrorShape, seedOrg } from "../workers/support/api.js";
import { callback, configureSso, fakeCallbackUrl, fakeCode, sessionOf, startLogin, uniqueDomain } from "../workers/support/sso.js";

describe("attack: forged ID tokens", async () => {
  const org = await seedOrg("ssotok");
  const domain = uniqueDomain();
  await configureSso(org, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });

  for (const fault of ID_TOKEN_FAULTS.filter((f) => f !== "none")) {
    it(`an ID token with ${fault} is refused and provisions nobody`, async () => {
      const started = await startLogin(`org=${org.orgId}`);
      const email = `${fault.replace(/_/g, "-")}@${domain}`;
      const res = await callback(fakeCallbackUrl(started, fakeCode(started, { fault, email })), started.ssoCookie);
      expect(res.status).toBe(401);
      expectErrorShape(res);
      // One generic message; the reason stays in the logs.
      expect(res.json.error.message).toBe("sign-in with the identity provider failed");
      expect(sessionOf(res)).toBeUndefined();
      const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first();
      expect(user).toBeNull();
    });
  }

  it("the same provider's good token does sign in (the refusals above are the faults, not the setup)", async () => {
    const started = await startLogin(`org=${org.orgId}`);
    const res = await callback(fakeCallbackUrl(started, fakeCode(started, { fault: "none", email: `good@${domain}` })), started.ssoCookie);
    expect(res.status).toBe(200);
    expect((await call("/api/v1/me", { token: sessionOf(res) })).json.user.email).toBe(`good@${domain}`);
  });

  it("a nonce from another login in flight is refused", async () => {
    const mine = await startLogin(`org=${org.orgId}`);
    const other = await startLogin(`org=${org.orgId}`);
    const code = fakeCode(mine, { fault: "none", email: `nonce@${domain}`, nonce: other.location.searchParams.get("nonce") ?? "" });
    const res = await callback(fakeCallbackUrl(mine, code), mine.ssoCookie);
    expect(res.status).toBe(401);
    expect(sessionOf(res)).toBeUndefined();
  });
});
