// Attack class: using the org's OpenTelemetry export as a server-side request forgery. An owner
// (or someone holding an owner's key) points the OTLP endpoint at cloud metadata, the edge's own
// network or a redirecting collector so the edge's exporter POSTs there. The endpoint follows the
// audit sink's push-target rule (one shared rule), checked when set and again at every send.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { TelemetryStore } from "../../workers/data/telemetry-store.js";
import { assertTelemetryEndpoint } from "../../workers/telemetry/config.js";
import { call, seedMember, seedOrg } from "../workers/support/api.js";
import { chat, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { configureTelemetry, exportsOf } from "../workers/telemetry/support.js";

const put = (orgId: string, token: string, body: Record<string, unknown>) => call(`/api/v1/orgs/${orgId}/telemetry`, { method: "PUT", token, body });

async function statusAfter(orgId: string, token: string, until: (s: Record<string, any>) => boolean) {
  let status: Record<string, any> = {};
  for (let i = 0; i < 100; i++) {
    status = (await call(`/api/v1/orgs/${orgId}/telemetry`, { token })).json;
    if (until(status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return status;
}

describe("OTLP endpoint SSRF", () => {
  it("metadata, link-local, multicast and encoded forms of them are refused through the API, and nothing is stored", async () => {
    const org = await seedOrg("otel-ssrf");
    const endpoints = [
      "http://169.254.169.254/latest/meta-data",
      "https://169.254.169.254/v1/traces",
      "http://2852039166/v1/traces",
      "http://0xa9fea9fe/v1/traces",
      "http://0251.0376.0251.0376/v1/traces",
      "http://[::ffff:169.254.169.254]/v1/traces",
      "http://[::ffff:a9fe:a9fe]/v1/traces",
      "http://[fd00:ec2::254]/v1/traces",
      "http://metadata.google.internal/computeMetadata/v1/",
      "https://224.0.0.1/v1/traces",
      "https://255.255.255.255/v1/traces",
    ];
    for (const endpoint of endpoints) {
      const res = await put(org.orgId, org.apiKey, { endpoint });
      expect(res.status, endpoint).toBe(400);
      expect(res.json.error.code, endpoint).toBe("validation_failed");
    }
    const status = await call(`/api/v1/orgs/${org.orgId}/telemetry`, { token: org.apiKey });
    expect(status.json.configured).toBe(false);
  });

  it("schemes other than https, user info, queries and fragments are refused without echoing them", async () => {
    const org = await seedOrg("otel-ssrf-shape");
    for (const endpoint of [
      "file:///etc/passwd",
      "ftp://collector.example.com/v1/traces",
      "javascript:alert(1)",
      "gopher://collector.example.com/_POST",
      "https://user:pa55word@collector.example.com/v1/traces",
      "https://collector.example.com/v1/traces?api_key=leaky-query-key",
      "https://collector.example.com/v1/traces#frag",
      "not a url",
      "//collector.example.com/v1/traces",
    ]) {
      const res = await put(org.orgId, org.apiKey, { endpoint });
      expect(res.status, endpoint).toBe(400);
      expect(res.text).not.toContain("pa55word");
      expect(res.text).not.toContain("leaky-query-key");
    }
  });

  it("private, loopback and internal addresses are refused by the shared rule wherever private upstreams are not allowed", () => {
    for (const endpoint of [
      "https://127.0.0.1/v1/traces",
      "https://localhost/v1/traces",
      "https://10.0.0.5/v1/traces",
      "https://172.16.3.4/v1/traces",
      "https://192.168.1.1/v1/traces",
      "https://[::1]/v1/traces",
      "https://0.0.0.0/v1/traces",
      "https://100.64.0.1/v1/traces",
      "https://[fc00::1]/v1/traces",
      "http://collector.example.com/v1/traces",
    ]) {
      expect(() => assertTelemetryEndpoint(endpoint, false), endpoint).toThrow();
    }
    expect(assertTelemetryEndpoint("https://collector.example.com", false).toString()).toBe("https://collector.example.com/v1/traces");
    expect(assertTelemetryEndpoint("https://collector.example.com/otlp/v1/traces", false).pathname).toBe("/otlp/v1/traces");
  });

  it("an endpoint stored before the rule refused it is checked again at send: nothing is sent, the spans count as dropped", async () => {
    const org = await fakeProviderOrg("otel-ssrf-send");
    const agent = await createAgent(org, { name: "ssrf-bot" });
    // As if written when the rule allowed it: straight into the store.
    await new TelemetryStore(makeDb(env.DB), org.orgId).save({
      endpoint: "http://169.254.169.254/v1/traces",
      headersCiphertext: null,
      headersIv: null,
      headersKeyVersion: null,
      headerNames: "[]",
      includeContent: false,
      sampleRatio: 1,
    });
    expect((await chat(agent.token, "gpt-test", "hello")).status).toBe(200);
    const status = await statusAfter(org.orgId, org.apiKey, (s) => s.droppedSpans > 0);
    expect(status.droppedSpans).toBeGreaterThan(0);
    expect(status.lastError).toMatch(/refused destination/);
  });

  it("a collector answering with a redirect is not followed", async () => {
    const org = await fakeProviderOrg("otel-ssrf-redirect");
    const agent = await createAgent(org, { name: "redirect-bot" });
    const tag = await configureTelemetry(org, {}, "/redirect");
    expect((await chat(agent.token, "gpt-test", "hello")).status).toBe(200);
    const status = await statusAfter(org.orgId, org.apiKey, (s) => s.droppedSpans > 0);
    expect(status.lastError).toMatch(/307/);
    expect(await exportsOf(`${tag}-followed`)).toEqual([]);
    expect((await exportsOf(tag)).length).toBe(1);
  });

  it("only owners set or remove the export; other orgs cannot see it", async () => {
    const org = await seedOrg("otel-ssrf-roles");
    const admin = await seedMember(org, "admin");
    const member = await seedMember(org, "member");
    const body = { endpoint: "https://collector.example.com/v1/traces" };
    expect((await put(org.orgId, admin.apiKey, body)).status).toBe(403);
    expect((await put(org.orgId, member.apiKey, body)).status).toBe(403);
    expect((await call(`/api/v1/orgs/${org.orgId}/telemetry`, { method: "DELETE", token: admin.apiKey })).status).toBe(403);
    expect((await call(`/api/v1/orgs/${org.orgId}/telemetry`, { token: member.apiKey })).status).toBe(403);
    const other = await seedOrg("otel-ssrf-other");
    expect((await put(org.orgId, other.apiKey, body)).status).toBe(404);
    expect((await call(`/api/v1/orgs/${org.orgId}/telemetry`, { token: other.apiKey })).status).toBe(404);
  });
});
