// Attack class: reading back the OTLP export's secrets. The collector's API key travels in the
// export headers; an admin, a stolen read-only key or a log reader tries to get it back through
// the API's answers, error messages, the audit trail or the spans themselves. Header values are
// sealed in the vault and only the exporter opens them.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FAKE_LLM_KEY } from "../support/secrets.js";
import { call, seedMember, seedOrg } from "../workers/support/api.js";
import { chat, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { exportsOf, receivedSpans } from "../workers/telemetry/support.js";

const KEY = "otlp-key-7f3a9c1e5b2d4f6a8c0e";
const TEAM = "hc-team-secret-0042";

describe("OTLP header secret echo", () => {
  it("header values never come back: not in the PUT answer, GET, the audit trail or the raw row shown", async () => {
    const org = await seedOrg("otel-echo");
    const put = await call(`/api/v1/orgs/${org.orgId}/telemetry`, {
      method: "PUT",
      token: org.apiKey,
      body: { endpoint: "https://collector.example.com/v1/traces", headers: { Authorization: `Bearer ${KEY}`, "x-honeycomb-team": TEAM } },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json.headerNames).toEqual(["authorization", "x-honeycomb-team"]);
    const admin = await seedMember(org, "admin");
    const get = await call(`/api/v1/orgs/${org.orgId}/telemetry`, { token: admin.apiKey });
    expect(get.status).toBe(200);
    const audit = await call(`/api/v1/orgs/${org.orgId}/audit?action=telemetry.set&limit=50`, { token: org.apiKey });
    expect(audit.json.items.length).toBe(1);
    const exported = await call(`/api/v1/orgs/${org.orgId}/audit/export?format=ndjson`, { token: org.apiKey });
    for (const text of [put.text, get.text, audit.text, exported.text]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(TEAM);
      expect(text).not.toContain("ciphertext");
    }
  });

  it("a header value that cannot be sent (CR/LF injection, non-ASCII) is refused without echoing it", async () => {
    const org = await seedOrg("otel-echo-bad");
    const cases: Array<Record<string, string>> = [
      { authorization: `Bearer ${KEY}\r\nx-injected: 1` },
      { authorization: `Bearer ${KEY}\n` },
      { authorization: `Bearer ${KEY}é` },
      { "bad header": KEY },
      { "content-type": KEY },
      { Host: KEY },
      { authorization: "" },
    ];
    for (const headers of cases) {
      const res = await call(`/api/v1/orgs/${org.orgId}/telemetry`, {
        method: "PUT",
        token: org.apiKey,
        body: { endpoint: "https://collector.example.com/v1/traces", headers },
      });
      expect(res.status, JSON.stringify(Object.keys(headers))).toBe(400);
      expect(res.text).not.toContain(KEY);
    }
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-h${i}`, "v"]));
    const res = await call(`/api/v1/orgs/${org.orgId}/telemetry`, {
      method: "PUT",
      token: org.apiKey,
      body: { endpoint: "https://collector.example.com/v1/traces", headers: tooMany },
    });
    expect(res.status).toBe(400);
    expect((await call(`/api/v1/orgs/${org.orgId}/telemetry`, { token: org.apiKey })).json.configured).toBe(false);
  });

  it("the collector gets its headers; the spans carry no token, provider key or header value", async () => {
    const org = await fakeProviderOrg("otel-echo-spans");
    const agent = await createAgent(org, { name: "echo-bot" });
    const tag = `otlp-echo-${Date.now().toString(36)}`;
    const put = await call(`/api/v1/orgs/${org.orgId}/telemetry`, {
      method: "PUT",
      token: org.apiKey,
      body: { endpoint: `${env.TEST_TARGET_URL}/otlp/${tag}/v1/traces`, headers: { authorization: `Bearer ${KEY}` }, includeContent: true },
    });
    expect(put.status).toBe(200);
    // The agent tries to plant the secrets where content is exported.
    expect((await chat(agent.token, "gpt-test", `my token ${agent.token} and ${FAKE_LLM_KEY} and ${KEY}`)).status).toBe(200);
    await receivedSpans(tag, (s) => s.some((x) => x.name === "chat gpt-test"));
    const [first] = await exportsOf(tag);
    expect(first?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(first?.body).not.toContain(agent.token);
    expect(first?.body).not.toContain(FAKE_LLM_KEY);
    expect(first?.body).not.toContain(KEY);
  });
});
