// Attack class: flooding anonymous OAuth dynamic client registration (RFC 7591) — every client is
// stored for 90 days — from one address, with valid or with refused metadata. Registrations are
// rate-limited per client address (LoginGuard window): 429 with Retry-After, no client stored.
import { describe, expect, it } from "vitest";
import { RATE_LIMITS } from "../../workers/identity/login-guard.js";
import { call } from "../workers/support/api.js";

let n = 0;
const freshIp = () => `198.19.${Math.floor(Math.random() * 250)}.${(n++ % 250) + 1}`;

const REDIRECT_URI = "http://127.0.0.1:33418/callback";
const register = (ip: string, body: unknown = { client_name: "flood", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }) =>
  call("/oauth/register", { method: "POST", headers: { "cf-connecting-ip": ip }, body });

function expectRateLimited(res: { status: number; headers: Headers; json: any; text: string }) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(RATE_LIMITS.oauth_register_address.windowMs / 1000);
  expect(res.text).not.toContain("client_id");
}

describe("attack: flooding dynamic client registration", () => {
  it("one address registering clients in a loop is refused with 429 once over its hourly limit; another address is not", async () => {
    const ip = freshIp();
    const limit = RATE_LIMITS.oauth_register_address.limit;
    for (let i = 0; i < limit; i++) expect((await register(ip)).status).toBe(201);
    expectRateLimited(await register(ip));
    expect((await register(freshIp())).status).toBe(201);
  });

  it("parallel registrations from one address get exactly the limit through", async () => {
    const ip = freshIp();
    const limit = RATE_LIMITS.oauth_register_address.limit;
    const results = await Promise.all(Array.from({ length: limit + 8 }, () => register(ip)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(limit);
    for (const r of results.filter((r) => r.status !== 201)) expectRateLimited(r);
  });

  it("refused metadata counts too: probing with bad bodies does not buy fresh registrations", async () => {
    const ip = freshIp();
    const limit = RATE_LIMITS.oauth_register_address.limit;
    for (let i = 0; i < limit; i++) expect((await register(ip, { redirect_uris: "not-a-list" })).status).toBe(400);
    expectRateLimited(await register(ip));
  });
});
