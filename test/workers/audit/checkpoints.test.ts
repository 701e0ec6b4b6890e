// Signed audit checkpoints through the admin API, the public JWKS and the cron handler: a JWS
// (EdDSA) over the org's last stored event that verifies with the published key and matches the
// chain; written again only when the chain moved; admins only.
import { createScheduledController, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { recordAudit } from "../../../workers/audit/audit.js";
import worker from "../../../workers/index.js";
import { call, seedMember, seedOrg } from "../support/api.js";
import { storedEvents } from "./support.js";

async function events(orgId: string, count: number) {
  for (let i = 0; i < count; i++) {
    await recordAudit(env, {
      orgId,
      actor: { type: "system", id: "checkpoint-test" },
      action: "sandbox.start",
      resource: { type: "sandbox", id: `sbx_${i}` },
      result: "success",
    });
  }
}

describe("audit checkpoints", () => {
  it("signs the chain head with the published key, and a verifier finds the signed hash on that event", async () => {
    const org = await seedOrg("cp");
    await events(org.orgId, 7);
    const made = await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints`, { method: "POST", token: org.apiKey });
    expect(made.status).toBe(201);
    const jwks = await call("/api/v1/audit/checkpoint-keys");
    expect(jwks.status).toBe(200);
    expect(jwks.json.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(jwks.json.keys[0].d).toBeUndefined();

    const latest = await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints/latest`, { token: org.apiKey });
    expect(latest.status).toBe(200);
    expect(latest.json.jws).toBe(made.json.jws);
    const { payload, protectedHeader } = await compactVerify(latest.json.jws, createLocalJWKSet(jwks.json), { algorithms: ["EdDSA"] });
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", typ: "palisade-audit-checkpoint+jws", kid: jwks.json.keys[0].kid });
    const signed = JSON.parse(new TextDecoder().decode(payload));
    const rows = await storedEvents(org.orgId);
    const at = rows.find((r) => r.seq === signed.seq);
    expect(signed).toMatchObject({ v: 1, orgId: org.orgId, seq: made.json.seq, hash: at?.hash });
    expect(signed.seq).toBeGreaterThanOrEqual(7);

    // A second request with no new event stores nothing new.
    const again = await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints`, { method: "POST", token: org.apiKey });
    expect([200, 201]).toContain(again.status);
    const bySeq = await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints/${made.json.seq}`, { token: org.apiKey });
    expect(bySeq.json.jws).toBe(made.json.jws);
  });

  it("the cron writes one for every org whose chain moved, listed newest first", async () => {
    const a = await seedOrg("cp-cron-a");
    const b = await seedOrg("cp-cron-b");
    await events(a.orgId, 3);
    await events(b.orgId, 2);
    const run = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/10 * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
    };
    await run();
    const first = await call(`/api/v1/orgs/${a.orgId}/audit/checkpoints`, { token: a.apiKey });
    expect(first.json.items.length).toBe(1);
    expect((await call(`/api/v1/orgs/${b.orgId}/audit/checkpoints/latest`, { token: b.apiKey })).status).toBe(200);

    await run(); // nothing moved
    expect((await call(`/api/v1/orgs/${a.orgId}/audit/checkpoints`, { token: a.apiKey })).json.items.length).toBe(1);
    await events(a.orgId, 2);
    await run();
    const listed = await call(`/api/v1/orgs/${a.orgId}/audit/checkpoints?limit=10`, { token: a.apiKey });
    expect(listed.json.items.length).toBe(2);
    const [newest, older] = listed.json.items;
    expect(newest.seq).toBeGreaterThan(older.seq);
    const page = await call(`/api/v1/orgs/${a.orgId}/audit/checkpoints?beforeSeq=${newest.seq}`, { token: a.apiKey });
    expect(page.json.items.map((c: { seq: number }) => c.seq)).toEqual([older.seq]);
    expect(decodeProtectedHeader((await call(`/api/v1/orgs/${a.orgId}/audit/checkpoints/latest`, { token: a.apiKey })).json.jws).alg).toBe("EdDSA");
  });

  it("refuses members, other orgs' admins and bad selectors", async () => {
    const org = await seedOrg("cp-authz");
    const other = await seedOrg("cp-other");
    await events(org.orgId, 1);
    const member = await seedMember(org, "member");
    expect((await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints`, { method: "POST", token: member.apiKey })).status).toBe(403);
    // Another org is not shown to exist.
    expect((await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints/latest`, { token: other.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints/../../x`, { token: org.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints/nope`, { token: org.apiKey })).status).toBe(400);
    expect((await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints/99999`, { token: org.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/orgs/${org.orgId}/audit/checkpoints?limit=0`, { token: org.apiKey })).status).toBe(400);
  });
});
