// The audit sink through the admin API and the org's AuditLog: a local receiver gets every event
// once acknowledged, in chain order, as NDJSON with a valid HMAC signature; failures are retried
// from the last acknowledged seq; bad URLs and non-owners are refused and nothing is stored.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordAudit } from "../../../workers/audit/audit.js";
import { call, seedMember, seedOrg, unique } from "../support/api.js";
import { auditStub } from "./support.js";

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

async function received(tag: string): Promise<Received[]> {
  const all = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=500`)).json()) as Received[];
  return all.filter((r) => r.path.startsWith(`/sink/${tag}`));
}

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function events(orgId: string, count: number, label = "sink") {
  for (let i = 0; i < count; i++) {
    await recordAudit(env, {
      orgId,
      actor: { type: "host", id: "hst_sink" },
      action: "sandbox.start",
      resource: { type: "sandbox", id: `sbx_${label}_${i}` },
      result: "success",
    });
  }
}

async function deliver(orgId: string) {
  const stub = auditStub(orgId);
  await stub.flush();
  return stub.deliverSink();
}

const lines = (r: Received) =>
  r.body
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { seq: number; hash: string; prevHash: string; orgId: string; resourceId: string | null });

describe("audit sink", () => {
  it("delivers every event in chain order, signed, and then only what is new", async () => {
    const org = await seedOrg("sink");
    const tag = unique("t");
    const put = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, {
      method: "PUT",
      token: org.apiKey,
      body: { url: `${env.TEST_TARGET_URL}/sink/${tag}` },
    });
    expect(put.status).toBe(200);
    const secret = put.json.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    await events(org.orgId, 130);
    const status = await deliver(org.orgId);
    expect(status.failures).toBe(0);
    expect(status.ackedSeq).toBe(status.headSeq);

    // Deliveries also run from the log's alarm as events arrive, so the batches' cut varies.
    const batches = await received(tag);
    expect(batches.every((b) => lines(b).length <= 100)).toBe(true);
    const all = batches.flatMap(lines);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    for (let i = 1; i < all.length; i++) expect(all[i]?.prevHash).toBe(all[i - 1]?.hash);
    expect(all.every((e) => e.orgId === org.orgId)).toBe(true);
    expect(all.some((e) => e.resourceId === "sbx_sink_129")).toBe(true);
    for (const batch of batches) {
      expect(batch.headers["content-type"]).toBe("application/x-ndjson");
      const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(batch.headers["x-palisade-signature"] ?? "");
      expect(sig).not.toBeNull();
      const [, t, v1] = sig as RegExpExecArray;
      expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(120);
      expect(v1).toBe(await hmacHex(secret, `${t}.${batch.body}`));
      expect(v1).not.toBe(await hmacHex(`${secret}x`, `${t}.${batch.body}`));
      const range = lines(batch);
      expect(batch.headers["x-palisade-seq-range"]).toBe(`${range[0]?.seq}-${range.at(-1)?.seq}`);
    }
    // The secret is shown once: never in the status, never in the trail.
    const got = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, { token: org.apiKey });
    expect(got.status).toBe(200);
    expect(got.text).not.toContain(secret);
    expect(got.json.url).toBe(`${env.TEST_TARGET_URL}/sink/${tag}`);
    expect(batches.map((b) => b.body).join("")).not.toContain(secret);

    await events(org.orgId, 3, "later");
    await deliver(org.orgId);
    const newer = (await received(tag)).slice(batches.length).flatMap(lines);
    expect(newer.map((e) => e.seq)).toEqual([status.ackedSeq + 1, status.ackedSeq + 2, status.ackedSeq + 3]);
  });

  it("retries a refused batch after a backoff and resumes from the last acknowledged seq", async () => {
    const org = await seedOrg("sink-retry");
    const tag = unique("t");
    await events(org.orgId, 5);
    const put = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, {
      method: "PUT",
      token: org.apiKey,
      body: { url: `${env.TEST_TARGET_URL}/sink/${tag}?fail=1` },
    });
    expect(put.status).toBe(200);
    const failed = await deliver(org.orgId);
    expect(failed).toMatchObject({ ackedSeq: 0, failures: 1, lastError: "receiver answered 503" });
    expect(failed.nextAttemptAt).toBeGreaterThan(Date.now());
    // Within the backoff nothing is sent again.
    await deliver(org.orgId);
    expect((await received(tag)).length).toBe(1);

    await new Promise((r) => setTimeout(r, Math.max(0, (failed.nextAttemptAt ?? 0) - Date.now()) + 50));
    const ok = await deliver(org.orgId);
    expect(ok).toMatchObject({ failures: 0, lastError: null, nextAttemptAt: null });
    expect(ok.ackedSeq).toBe(ok.headSeq);
    const [first, second] = await received(tag);
    // At least once: the refused batch is sent again whole, from the same seq.
    expect(lines(first as Received).map((e) => e.seq)[0]).toBe(1);
    expect(lines(second as Received).map((e) => e.seq)).toEqual(Array.from({ length: ok.headSeq }, (_, i) => i + 1));

    // Replay on request: fromSeq rewinds the acknowledged position.
    const before = (await received(tag)).length;
    const replay = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, {
      method: "PUT",
      token: org.apiKey,
      body: { url: `${env.TEST_TARGET_URL}/sink/${tag}?fail=1`, fromSeq: 3 },
    });
    expect(replay.json.ackedSeq).toBe(3);
    await deliver(org.orgId);
    const replayed = (await received(tag)).slice(before).flatMap(lines);
    expect(replayed.map((e) => e.seq).slice(0, 3)).toEqual([4, 5, 6]);
  });

  it("refuses URLs that are not public https endpoints, and non-owners, storing nothing", async () => {
    const org = await seedOrg("sink-bad");
    const bad = [
      "not a url",
      "ftp://example.com/collector",
      "https://user:secret@example.com/collector",
      "https://169.254.169.254/latest",
      "http://[fd00:ec2::254]/",
      "https://224.0.0.1/",
    ];
    for (const url of bad) {
      const res = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, { method: "PUT", token: org.apiKey, body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.json.error.code).toBe("validation_failed");
      expect(res.text).not.toContain("secret@");
    }
    const unknownField = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, {
      method: "PUT",
      token: org.apiKey,
      body: { url: "https://siem.example.com/in", secret: "mine" },
    });
    expect(unknownField.status).toBe(400);
    const admin = await seedMember(org, "admin");
    const notOwner = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, {
      method: "PUT",
      token: admin.apiKey,
      body: { url: "https://siem.example.com/in" },
    });
    expect(notOwner.status).toBe(403);
    const status = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, { token: admin.apiKey });
    expect(status.status).toBe(200);
    expect(status.json.url).toBeNull();
  });

  it("stops sending once the sink is deleted", async () => {
    const org = await seedOrg("sink-delete");
    const tag = unique("t");
    await call(`/api/v1/orgs/${org.orgId}/audit/sink`, { method: "PUT", token: org.apiKey, body: { url: `${env.TEST_TARGET_URL}/sink/${tag}` } });
    await deliver(org.orgId);
    const sent = (await received(tag)).length;
    const del = await call(`/api/v1/orgs/${org.orgId}/audit/sink`, { method: "DELETE", token: org.apiKey });
    expect(del.status).toBe(200);
    expect(del.json.url).toBeNull();
    await events(org.orgId, 4, "after-delete");
    await deliver(org.orgId);
    expect((await received(tag)).length).toBe(sent);
  });
});
