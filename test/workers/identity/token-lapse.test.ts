// A call's lapse watch reads its token's expiry only for tokens that can lapse: a token read
// without an expiry never gets one (renewals extend only a sandbox session's expiring tokens).
import { env } from "cloudflare:workers";
import { afterEach, expect, it } from "vitest";
import { makeDb } from "../../../workers/data/db.js";
import { HostStore } from "../../../workers/data/host-store.js";
import { sha256Hex } from "../../../workers/identity/crypto.js";
import { tokenNeverLapses } from "../../../workers/identity/tokens.js";
import { call } from "../support/api.js";
import type { FakeHost } from "../support/fake-host.js";
import { sandboxedAgent } from "../support/sandboxed.js";

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

const tokenIdOf = async (raw: string) =>
  (
    await env.DB.prepare("SELECT id FROM tokens WHERE sha256 = ?")
      .bind(await sha256Hex(raw))
      .first<{ id: string }>()
  )?.id ?? "";

it("an agent's plain token is known not to lapse once read; its sandbox session token is not", async () => {
  const { agent, sandbox } = await sandboxedAgent("lapse-known", hosts);
  expect((await call("/agent/v1/me", { token: agent.token })).status).toBe(200);
  expect(tokenNeverLapses(await tokenIdOf(agent.token))).toBe(true);

  const session = await env.DB.prepare("SELECT id, expires_at FROM tokens WHERE name = ?")
    .bind(`sandbox:${sandbox.sandboxId}`)
    .first<{ id: string; expires_at: number | null }>();
  expect(session?.expires_at).toBeGreaterThan(Date.now());
  expect(tokenNeverLapses(session?.id ?? "")).toBe(false);
});

it("a host's renewal extends its session's expiring tokens and gives none to a token without an expiry", async () => {
  const { org, host, sandbox } = await sandboxedAgent("lapse-renew", hosts);
  const name = `sandbox:${sandbox.sandboxId}`;
  const session = await env.DB.prepare("SELECT id, expires_at FROM tokens WHERE name = ?").bind(name).first<{ id: string; expires_at: number }>();
  // A token of the same name that never lapses (none is made so today; the renewal must not make it lapse).
  await env.DB.prepare(
    "INSERT INTO tokens (id, org_id, kind, subject_id, sha256, prefix, name, created_at) SELECT 'tok_never', org_id, kind, subject_id, 'never-lapses', 'pal_agent_x', name, created_at FROM tokens WHERE id = ?",
  )
    .bind(session?.id ?? "")
    .run();

  const renewed = await new HostStore(makeDb(env.DB), org.orgId).renewSandboxTokens(host.hostId, () => Date.now() + 3_600_000, Date.now());
  expect(renewed).toBeGreaterThan(0);
  const after = await env.DB.prepare("SELECT id, expires_at FROM tokens WHERE name = ? ORDER BY id")
    .bind(name)
    .all<{ id: string; expires_at: number | null }>();
  const byId = new Map(after.results.map((r) => [r.id, r.expires_at]));
  expect(byId.get(session?.id ?? "")).toBeGreaterThan(session?.expires_at ?? Number.POSITIVE_INFINITY);
  expect(byId.get("tok_never")).toBeNull();
});
