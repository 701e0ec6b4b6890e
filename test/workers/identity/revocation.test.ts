// Revocation reaches isolates that cached a token: their entry expires within the cache window.
import { env } from "cloudflare:workers";
import { afterEach, expect, it, vi } from "vitest";
import { TOKEN_CACHE_TTL_MS } from "../../../workers/identity/tokens.js";
import { sha256Hex } from "../../../workers/identity/crypto.js";
import { call, seedOrg } from "../support/api.js";

afterEach(() => vi.useRealTimers());

it("refuses a token revoked elsewhere once this isolate's cache entry expires (< 5 s)", async () => {
  expect(TOKEN_CACHE_TTL_MS).toBeLessThan(5_000);
  const org = await seedOrg();
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "a" } });
  expect((await call("/agent/v1/me", { token: agent.json.token })).status).toBe(200);

  // Another location revokes: D1 changes, but this isolate's cache is not told.
  await env.DB.prepare("UPDATE tokens SET revoked_at = ? WHERE sha256 = ?")
    .bind(Date.now(), await sha256Hex(agent.json.token))
    .run();

  // Within the window the cached answer stands (this is what makes lookups cheap)...
  expect((await call("/agent/v1/me", { token: agent.json.token })).status).toBe(200);
  // ...and once the window has passed, D1 (the source of truth) is asked again.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + TOKEN_CACHE_TTL_MS + 10);
  expect((await call("/agent/v1/me", { token: agent.json.token })).status).toBe(401);
});

it("refuses a token revoked through the API immediately in the same isolate", async () => {
  const org = await seedOrg();
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "a" } });
  expect((await call("/agent/v1/me", { token: agent.json.token })).status).toBe(200);
  await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/token`, { method: "DELETE", token: org.apiKey });
  expect((await call("/agent/v1/me", { token: agent.json.token })).status).toBe(401);
});
