// Attack class: redirect URI tricks — a start that asks for another redirect URI, a start made
// under a spoofed Host (its redirect URI is not registered, so the real provider refuses it), and
// a callback arriving at another origin than the login was started for.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedOrg } from "../workers/support/api.js";
import { callback, configureSso, signInAtProvider, sessionOf, startLogin, startRaw, uniqueDomain } from "../workers/support/sso.js";

async function orgWithSso() {
  const org = await seedOrg("ssouri");
  const domain = uniqueDomain();
  await configureSso(org, { domains: [domain] });
  return { org, domain };
}

describe("attack: redirect URI tricks", () => {
  it("the start takes no redirect_uri (or return URL) from the caller", async () => {
    const { org } = await orgWithSso();
    for (const extra of ["redirect_uri=https%3A%2F%2Fevil.example%2Fcb", "return_to=https%3A%2F%2Fevil.example", "next=%2F%2Fevil.example"]) {
      expect((await startRaw(`org=${org.orgId}&${extra}`)).status, extra).toBe(400);
    }
    const started = await startLogin(`org=${org.orgId}`);
    expect(started.location.searchParams.get("redirect_uri")).toBe("https://palisade.test/api/v1/sso/callback");
  });

  it("a start under a spoofed Host asks for an unregistered redirect URI, which the provider refuses", async () => {
    const { org, domain } = await orgWithSso();
    const res = await exports.default.fetch(new Request(`https://evil.example/api/v1/sso/start?org=${org.orgId}`, { redirect: "manual" }));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.searchParams.get("redirect_uri")).toBe("https://evil.example/api/v1/sso/callback");
    await expect(signInAtProvider(location.toString(), `x@${domain}`)).rejects.toThrow(/provider answered 400/);
  });

  it("a callback at another origin than the login's redirect URI is refused", async () => {
    const { org, domain } = await orgWithSso();
    const started = await startLogin(`org=${org.orgId}`);
    const round = await signInAtProvider(started.location.toString(), `x@${domain}`);
    const elsewhere = await exports.default.fetch(
      new Request(`https://other.example${round.callbackUrl.pathname}${round.callbackUrl.search}`, {
        headers: { cookie: `__Host-pal_sso=${started.ssoCookie}` },
      }),
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.getSetCookie().some((c) => c.startsWith("__Host-pal_session="))).toBe(false);
    // The login was used up by the refused attempt: it cannot be finished afterwards either.
    expect((await callback(round.callbackUrl, started.ssoCookie)).status).toBe(400);
  });

  it("the callback answers no redirect the caller could steer (it always moves on to /)", async () => {
    const { org, domain } = await orgWithSso();
    const started = await startLogin(`org=${org.orgId}`);
    const round = await signInAtProvider(started.location.toString(), `x@${domain}`);
    const steered = new URL(round.callbackUrl);
    steered.searchParams.set("next", "https://evil.example/");
    const res = await callback(steered, started.ssoCookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('content="0;url=/"');
    expect(res.text).not.toContain("evil.example");
    expect(sessionOf(res)).toBeTruthy();
  });
});
