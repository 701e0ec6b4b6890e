// Red team (claim 3): "deny rules match paths as Tomcat/Spring/Jetty/IIS read them (;params, %3B,
// trailing dots/spaces, case, full-width letters)". Spellings the claim's readers treat as the
// denied path that the gateway's matcher does not: a trailing slash (Spring MVC 5 and Express
// match `/admin/` to `/admin` by default), Java's per-character case folding (İ, ı), and the
// method-override header that servers read as the method.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, createAgent } from "../workers/support/fixtures.js";
import { targetRequests } from "../workers/support/tools.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };

async function reached(marker: string) {
  return (await targetRequests(300)).some((r) => r.path.includes(marker));
}

beforeAll(async () => {
  org = await seedOrg("rt-deny-paths");
  agent = await createAgent(org, { name: "rt-prober", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "open-but-admin",
      egress: [
        { host: "127.0.0.1", ports: [port] },
        { host: "127.0.0.1", paths: ["/admin"], deny: true },
        { host: "127.0.0.1", paths: ["/users/*"], deny: true },
        { host: "127.0.0.1", paths: ["/orders/**"], methods: ["DELETE"], deny: true },
      ],
    },
    { scope: "agent", id: agent.id },
  );
});

describe("redteam: deny rules without a trailing **", () => {
  it("control: /admin and /users/42 are denied", async () => {
    for (const p of ["/admin", "/users/42", "/ADMIN", "/admin;x", "/users/42."]) {
      const res = await call(`/egress/${env.TEST_TARGET_URL}${p}`, { token: agent.token });
      expect(res.status, p).toBe(403);
    }
  });

  for (const spelling of ["/admin/", "/admin;x/", "/users/42/", "/ADMIN/", "/admin/."]) {
    it(`refuses ${spelling} (a trailing slash servers route to the denied resource)`, async () => {
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const url = `${env.TEST_TARGET_URL}${spelling}?${marker}`;
      const res = await call(`/egress/${url}`, { token: agent.token });
      expect(await reached(marker), `status ${res.status}`).toBe(false);
    });
  }
});

describe("redteam: case folding as Java reads it", () => {
  // Character.toLowerCase('İ') == 'i' and Character.toUpperCase('ı') == 'I': Spring's
  // case-insensitive matching and String.equalsIgnoreCase read both as /admin.
  for (const spelling of ["/adm%C4%B0n", "/adm%C4%B1n"]) {
    it(`refuses ${spelling}`, async () => {
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const res = await call(`/egress/${env.TEST_TARGET_URL}${spelling}?${marker}`, { token: agent.token });
      expect(await reached(marker), `status ${res.status}`).toBe(false);
    });
  }
});

describe("redteam: the method a server reads", () => {
  it("refuses a POST that tells the upstream it is a DELETE (X-HTTP-Method-Override) under a DELETE deny rule", async () => {
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const res = await call(`/egress/${env.TEST_TARGET_URL}/orders/7?${marker}`, {
      method: "POST",
      token: agent.token,
      rawBody: "{}",
      headers: { "x-http-method-override": "DELETE", "content-type": "application/json" },
    });
    const seen = (await targetRequests(300)).find((r) => r.path.includes(marker));
    expect(seen?.headers["x-http-method-override"], `status ${res.status}`).toBeUndefined();
  });
});

describe("redteam: the autonomy gate and the method a server reads", () => {
  it("holds a DELETE spelled as POST + X-HTTP-Method-Override at level 3 (DELETE waits for a human)", async () => {
    const gated = await createAgent(org, { name: "rt-level3", autonomy: 3 });
    await attachPolicy(org, { name: "open", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "agent", id: gated.id });
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const res = await Promise.race([
      call(`/egress/${env.TEST_TARGET_URL}/orders/9?${marker}`, {
        method: "POST",
        token: gated.token,
        rawBody: "{}",
        headers: { "x-http-method-override": "DELETE", "content-type": "application/json" },
      }),
      new Promise<null>((r) => setTimeout(() => r(null), 1500)),
    ]);
    const seen = (await targetRequests(300)).find((r) => r.path.includes(marker));
    expect({ ranWithoutApproval: res !== null && res.status === 200, overrideSent: seen?.headers["x-http-method-override"] ?? null }).toEqual({
      ranWithoutApproval: false,
      overrideSent: null,
    });
  });
});

describe("redteam: full-width dots under the gateway's own NFKC reading", () => {
  // The gateway folds full-width letters (NFKC) because servers do; under the same reading
  // `．．` is `..`, so /public/．．/admin/x is /admin/x — yet no dot-segment check sees it.
  it("refuses /public/．．/admin/x under a /admin/** deny rule", async () => {
    const agent2 = await createAgent(org, { name: "rt-fullwidth", autonomy: 5 });
    await attachPolicy(
      org,
      {
        name: "fw",
        egress: [
          { host: "127.0.0.1", ports: [port] },
          { host: "127.0.0.1", paths: ["/admin/**"], deny: true },
        ],
      },
      { scope: "agent", id: agent2.id },
    );
    expect((await call(`/egress/${env.TEST_TARGET_URL}/%EF%BD%81dmin/x`, { token: agent2.token })).status).toBe(403);
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const res = await call(`/egress/${env.TEST_TARGET_URL}/public/%EF%BC%8E%EF%BC%8E/admin/x?${marker}`, { token: agent2.token });
    expect(await reached(marker), `status ${res.status}`).toBe(false);
  });
});
