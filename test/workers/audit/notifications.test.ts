// Notifications through the admin API and the org's AuditLog: a Slack-compatible webhook (a local
// receiver) hears about held calls, spend thresholds and limits and suspensions, once each and in
// order, and nothing else; failures are retried; the URL, a credential, is never shown back.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordAudit } from "../../../workers/audit/audit.js";
import { call, seedMember, seedOrg, unique } from "../support/api.js";
import { createAgent } from "../support/fixtures.js";
import { auditStub } from "./support.js";

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

async function received(tag: string): Promise<string[]> {
  const all = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=500`)).json()) as Received[];
  return all.filter((r) => r.path.startsWith(`/sink/${tag}`)).map((r) => (JSON.parse(r.body) as { text: string }).text);
}

async function deliver(orgId: string) {
  const stub = auditStub(orgId);
  await stub.flush();
  return stub.deliverNotifications();
}

const webhook = (tag: string, query = "") => `${env.TEST_TARGET_URL}/sink/${tag}${query}`;

describe("notifications", () => {
  it("posts held calls, spend thresholds and limits, and suspensions, in order and only those", async () => {
    const org = await seedOrg("notify");
    const tag = unique("n");
    // History before the webhook is set does not notify.
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "agent", id: "agt_before" },
      action: "approval.request",
      resource: { type: "approval", id: "apr_before" },
      result: "success",
    });
    const put = await call(`/api/v1/orgs/${org.orgId}/notifications`, { method: "PUT", token: org.apiKey, body: { webhookUrl: webhook(tag) } });
    expect(put.status).toBe(200);
    expect(put.json.webhookHost).toBe(new URL(env.TEST_TARGET_URL).host);
    expect(put.text).not.toContain(tag);

    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "agent", id: "agt_held" },
      action: "approval.request",
      resource: { type: "approval", id: "apr_1" },
      result: "success",
      details: { kind: "egress", subject: "POST https://api.example.com/v1/payments" },
    });
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "agent", id: "agt_held" },
      action: "egress.request",
      resource: { type: "url", id: "https://api.example.com/v1/list" },
      result: "allowed",
    });
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "system", id: "spend" },
      action: "spend.threshold",
      resource: { type: "limit", id: "lim_1" },
      result: "success",
      details: { scope: "agent", scopeId: "agt_held", period: "day", threshold: 80, limitMicros: 5_000_000, spentMicros: 4_100_000 },
    });
    const agent = await createAgent(org, { name: unique("notified") });
    const suspended = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, {
      method: "POST",
      token: org.apiKey,
      body: { reason: "leaking data" },
    });
    expect(suspended.status).toBe(200);

    const status = await deliver(org.orgId);
    expect(status).toMatchObject({ failures: 0, lastError: null });
    const texts = await received(tag);
    expect(texts).toHaveLength(3);
    expect(texts[0]).toContain("Agent agt_held is waiting for approval of its egress call (POST https://api.example.com/v1/payments)");
    expect(texts[0]).toContain("apr_1");
    expect(texts[1]).toContain("reached 80% of its day limit ($4.10 of $5.00)");
    expect(texts[2]).toContain(`Agent ${agent.id} was suspended`);
    expect(texts[2]).toContain("leaking data");
    expect(texts.join("\n")).not.toContain("apr_before");

    // Delivered once: another run sends nothing new.
    await deliver(org.orgId);
    expect(await received(tag)).toHaveLength(3);
  });

  it("retries a refused post after a backoff", async () => {
    const org = await seedOrg("notify-retry");
    const tag = unique("n");
    await call(`/api/v1/orgs/${org.orgId}/notifications`, { method: "PUT", token: org.apiKey, body: { webhookUrl: webhook(tag, "?fail=1") } });
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "system", id: "spend" },
      action: "spend.limit_reached",
      resource: { type: "limit", id: "lim_2" },
      result: "denied",
      details: { scope: "org", scopeId: null, period: "month", limitMicros: 100_000_000 },
    });
    const failed = await deliver(org.orgId);
    expect(failed).toMatchObject({ failures: 1, lastError: "webhook answered 503" });
    await new Promise((r) => setTimeout(r, Math.max(0, (failed.nextAttemptAt ?? 0) - Date.now()) + 50));
    const ok = await deliver(org.orgId);
    expect(ok).toMatchObject({ failures: 0, lastError: null });
    const texts = await received(tag);
    expect(texts).toHaveLength(2); // the refused one and its retry
    expect(texts[1]).toContain("Spend limit reached for org (month, $100.00): new calls are refused.");
  });

  it("refuses private, metadata and non-https webhooks and members; tests a webhook on request", async () => {
    const org = await seedOrg("notify-bad");
    for (const webhookUrl of ["http://169.254.169.254/hook", "ftp://hooks.example.com/x", "https://u:p@hooks.example.com/x", "nope"]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/notifications`, { method: "PUT", token: org.apiKey, body: { webhookUrl } });
      expect(res.status, webhookUrl).toBe(400);
      expect(res.text).not.toContain("u:p@");
    }
    const member = await seedMember(org, "member");
    const refused = await call(`/api/v1/orgs/${org.orgId}/notifications`, {
      method: "PUT",
      token: member.apiKey,
      body: { webhookUrl: webhook("x") },
    });
    expect(refused.status).toBe(403);
    const status = await call(`/api/v1/orgs/${org.orgId}/notifications`, { token: org.apiKey });
    expect(status.json.webhookHost).toBeNull();

    const tag = unique("n");
    const test = await call(`/api/v1/orgs/${org.orgId}/notifications/test`, {
      method: "POST",
      token: org.apiKey,
      body: { webhookUrl: webhook(tag) },
    });
    expect(test.status).toBe(200);
    expect((await received(tag))[0]).toContain("Palisade test notification");
    const down = await call(`/api/v1/orgs/${org.orgId}/notifications/test`, {
      method: "POST",
      token: org.apiKey,
      body: { webhookUrl: webhook(unique("n"), "?fail=5") },
    });
    expect(down.status).toBe(502);
    expect(down.json.error.message).toContain("503");
  });
});
