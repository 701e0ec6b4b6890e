// Attack class: flooding the unauthenticated single sign-on endpoints — /sso/start from one
// address (each start writes a pending login and sends a browser to the org's provider), the same
// org from many addresses, and /sso/callback with made-up states. Each is rate-limited by the
// LoginGuard counters (per address, per org): 429 with Retry-After, nothing started.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RATE_LIMITS } from "../../workers/identity/login-guard.js";
import { call, expectErrorShape, seedOrg } from "../workers/support/api.js";
import { configureSso, startRaw, uniqueDomain } from "../workers/support/sso.js";

let n = 0;
/** A fresh client address per test (counters are keyed by address). */
const freshIpv4 = () => `198.18.${Math.floor(Math.random() * 250)}.${(n++ % 250) + 1}`;
const freshIpv6 = () => `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${(n++).toString(16)}::1`;

async function ssoOrg(label: string) {
  const org = await seedOrg(label);
  const domain = uniqueDomain(label);
  await configureSso(org, { domains: [domain], issuer: env.TEST_FAKE_IDP_URL });
  return { org, domain };
}

function expectRateLimited(res: { status: number; headers: Headers; json: any }) {
  expect(res.status).toBe(429);
  expectErrorShape(res);
  expect(res.json.error.code).toBe("rate_limited");
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(res.headers.getSetCookie().some((c) => c.startsWith("__Host-pal_sso="))).toBe(false);
  expect(res.headers.get("location")).toBeNull();
}

describe("attack: flooding /sso/start", () => {
  it("one address starting sign-ins in a loop is refused with 429 + Retry-After once over its limit; others are not", async () => {
    const { org } = await ssoOrg("ssoflood");
    const ip = freshIpv4();
    const limit = RATE_LIMITS.sso_start_address.limit;
    for (let i = 0; i < limit; i++) expect((await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": ip })).status).toBe(302);
    expectRateLimited(await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": ip }));
    // The same address through ?email= (same org) and for another org is refused too: the limit is the address's.
    const other = await ssoOrg("ssoflood2");
    expectRateLimited(await startRaw(`org=${other.org.orgId}`, { "cf-connecting-ip": ip }));
    expectRateLimited(await startRaw(`email=${encodeURIComponent(`x@${other.domain}`)}`, { "cf-connecting-ip": ip }));
    // Another address is unaffected.
    expect((await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": freshIpv4() })).status).toBe(302);
  });

  it("an IPv6 address spelled in another case counts as the same address", async () => {
    const { org } = await ssoOrg("ssoflood6");
    const ip = freshIpv6();
    const limit = RATE_LIMITS.sso_start_address.limit;
    for (let i = 0; i < limit; i++) {
      const spelled = i % 2 ? ip.toUpperCase() : ` ${ip} `;
      expect((await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": spelled })).status).toBe(302);
    }
    expectRateLimited(await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": ip }));
  });

  it("unknown orgs still use up the address's starts (probing for orgs is not free)", async () => {
    const ip = freshIpv4();
    const limit = RATE_LIMITS.sso_start_address.limit;
    for (let i = 0; i < limit; i++) {
      const res = await startRaw(`email=${encodeURIComponent(`x@${uniqueDomain("none")}`)}`, { "cf-connecting-ip": ip });
      expect(res.status).toBe(404);
    }
    expectRateLimited(await startRaw(`email=${encodeURIComponent(`x@${uniqueDomain("none")}`)}`, { "cf-connecting-ip": ip }));
  });

  it("many addresses flooding one org are refused once the org's limit is used up", async () => {
    const { org } = await ssoOrg("ssofloodorg");
    const limit = RATE_LIMITS.sso_start_org.limit;
    const perAddress = RATE_LIMITS.sso_start_address.limit;
    let sent = 0;
    while (sent < limit) {
      const ip = freshIpv4();
      const batch = Math.min(perAddress, limit - sent);
      const results = await Promise.all(Array.from({ length: batch }, () => startRaw(`org=${org.orgId}`, { "cf-connecting-ip": ip })));
      for (const r of results) expect(r.status).toBe(302);
      sent += batch;
    }
    expectRateLimited(await startRaw(`org=${org.orgId}`, { "cf-connecting-ip": freshIpv4() }));
    // Another org's sign-in is not affected.
    const { org: other } = await ssoOrg("ssofloodother");
    expect((await startRaw(`org=${other.orgId}`, { "cf-connecting-ip": freshIpv4() })).status).toBe(302);
  });
});

describe("attack: flooding /sso/callback", () => {
  it("made-up states from one address are refused with 429 once over its limit, before any lookup", async () => {
    const ip = freshIpv4();
    const limit = RATE_LIMITS.sso_callback_address.limit;
    for (let i = 0; i < limit; i++) {
      const res = await call(`/api/v1/sso/callback?code=x&state=guess-${i}`, { headers: { "cf-connecting-ip": ip } });
      expect(res.status).toBe(400);
    }
    const refused = await call("/api/v1/sso/callback?code=x&state=guess-last", { headers: { "cf-connecting-ip": ip } });
    expectRateLimited(refused);
    expect((await call("/api/v1/sso/callback?code=x&state=guess-other", { headers: { "cf-connecting-ip": freshIpv4() } })).status).toBe(400);
  });
});
