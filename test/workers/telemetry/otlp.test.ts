// OpenTelemetry export end to end: an org's LLM calls (OpenAI and Anthropic, streamed and not),
// egress calls and MCP tool calls reach a local OTLP/HTTP receiver as GenAI/HTTP spans, parented
// on the caller's traceparent, with no prompt content unless the org opts in (then masked), and
// a receiver that is down never touches the agent's call.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { FAKE_LLM_KEY } from "../../support/secrets.js";
import { type SeededOrg, call } from "../support/api.js";
import { attachPolicy, chat, create, createAgent, fakeProviderOrg } from "../support/fixtures.js";
import { toolCall } from "../support/tools.js";
import { type ReceivedSpan, configureTelemetry, exportsOf, receivedSpans } from "./support.js";

const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";
const PROMPT = `Summarise the quarterly plan for ${EMAIL}, card ${CARD}, codeword heliotrope-7.`;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const target = new URL(env.TEST_TARGET_URL);

let org: SeededOrg;
let agent: { id: string; token: string };

async function providerSaw(last = 1): Promise<Array<{ path: string; headers: Record<string, string>; body: string }>> {
  return (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=${last}`)).json()) as Array<{
    path: string;
    headers: Record<string, string>;
    body: string;
  }>;
}

const byName = (spans: ReceivedSpan[], name: string) => spans.find((s) => s.name === name);

beforeAll(async () => {
  org = await fakeProviderOrg("otel");
  await create(org, "credentials", { name: "otel-target", secret: "tgt_secret_0123456789abcdef", inject: { type: "bearer" } });
  await attachPolicy(
    org,
    {
      name: "otel-egress",
      egress: [
        {
          host: target.hostname,
          ports: [Number(target.port)],
          paths: ["/otel/**", "/items/**"],
          credential: "otel-target",
          credentialOverHttp: true,
        },
      ],
    },
    { scope: "org" },
  );
  agent = await createAgent(org, { name: "otel-bot", autonomy: 5 });
});

describe("LLM spans", () => {
  it("a chat call continues the caller's traceparent: server span, GenAI client span, and the provider sees the child", async () => {
    const tag = await configureTelemetry(org);
    const res = await call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: agent.token,
      headers: { traceparent: TRACEPARENT },
      body: { model: "gpt-test", messages: [{ role: "user", content: PROMPT }], max_tokens: 32, temperature: 0.5 },
    });
    expect(res.status, res.text).toBe(200);
    const [seen] = await providerSaw(1);

    const spans = await receivedSpans(tag, (s) => s.some((x) => x.name === "chat gpt-test"));
    const server = byName(spans, "POST /llm/openai/v1/chat/completions");
    const llm = byName(spans, "chat gpt-test");
    expect(server?.traceId).toBe(TRACE_ID);
    expect(server?.parentSpanId).toBe(PARENT_ID);
    expect(server?.kind).toBe(2);
    expect(llm?.traceId).toBe(TRACE_ID);
    expect(llm?.parentSpanId).toBe(server?.spanId);
    expect(llm?.kind).toBe(3);
    expect(seen?.headers.traceparent).toBe(`00-${TRACE_ID}-${llm?.spanId}-01`);

    expect(llm?.attrs).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-test",
      "gen_ai.request.max_tokens": 32,
      "gen_ai.request.temperature": 0.5,
      "gen_ai.response.model": "gpt-test",
      "gen_ai.response.finish_reasons": ["stop"],
      "server.address": "127.0.0.1",
      "palisade.decision": "allowed",
      "palisade.pii.categories": expect.arrayContaining(["email", "credit_card"]),
      "palisade.pii.email.count": 1,
    });
    expect(llm?.attrs["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(llm?.attrs["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(llm?.attrs["palisade.cost.micros"]).toBeGreaterThan(0);
    expect(llm?.status.code).toBe(0);
    expect(server?.attrs).toMatchObject({ "palisade.org.id": org.orgId, "palisade.agent.id": agent.id, "http.response.status_code": 200 });
    expect(server?.resource["service.name"]).toBe("palisade-edge");
    expect(Number(llm?.endTimeUnixNano)).toBeGreaterThanOrEqual(Number(llm?.startTimeUnixNano));
    expect(llm?.startTimeUnixNano).toMatch(/^\d+000000$/);

    // No content by default: neither the prompt nor any masked value nor the keys reach the collector.
    const everything = JSON.stringify(await exportsOf(tag));
    for (const leaked of ["quarterly plan", "heliotrope", EMAIL, CARD, "4111", "<EMAIL_1>", agent.token, FAKE_LLM_KEY]) {
      expect(everything).not.toContain(leaked);
    }
    const exported = await exportsOf(tag);
    expect(exported[0]?.headers["content-type"]).toBe("application/json");
  });

  it("a streamed chat call is one span ended with the stream, with usage and finish reasons", async () => {
    const tag = await configureTelemetry(org);
    const res = await call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: agent.token,
      body: { model: "gpt-test", stream: true, messages: [{ role: "user", content: PROMPT }], max_tokens: 32 },
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain("[DONE]");
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.name === "chat gpt-test"));
    const llm = byName(spans, "chat gpt-test");
    const server = spans.find((s) => s.kind === 2);
    // A new trace: no traceparent came in.
    expect(server?.parentSpanId ?? "").toBe("");
    expect(server?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(llm?.parentSpanId).toBe(server?.spanId);
    expect(llm?.attrs).toMatchObject({
      "palisade.llm.stream": true,
      "palisade.llm.outcome": "completed",
      "gen_ai.response.model": "gpt-test",
      "gen_ai.response.finish_reasons": ["stop"],
    });
    expect(llm?.attrs["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(JSON.stringify(await exportsOf(tag))).not.toContain("heliotrope");
  });

  it("an Anthropic messages call, streamed, names its provider", async () => {
    const tag = await configureTelemetry(org);
    const res = await call("/llm/anthropic/v1/messages", {
      method: "POST",
      token: agent.token,
      headers: { "anthropic-version": "2023-06-01" },
      body: { model: "claude-test", stream: true, max_tokens: 64, messages: [{ role: "user", content: PROMPT }] },
    });
    expect(res.status, res.text).toBe(200);
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.name === "chat claude-test"));
    const llm = byName(spans, "chat claude-test");
    expect(llm?.attrs).toMatchObject({
      "gen_ai.provider.name": "anthropic",
      "gen_ai.response.model": "claude-test",
      "palisade.llm.outcome": "completed",
    });
    expect(llm?.attrs["gen_ai.response.finish_reasons"]).toEqual(["end_turn"]);
    expect(llm?.attrs["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
  });

  it("a model the policy refuses is an error span with the reason code and decision denied", async () => {
    const denied = await fakeProviderOrg("otel-deny");
    await attachPolicy(denied, { name: "only-mini", models: ["gpt-mini"] }, { scope: "org" });
    const bot = await createAgent(denied, { name: "deny-bot" });
    const tag = await configureTelemetry(denied);
    const res = await chat(bot.token, "gpt-test", "hello");
    expect(res.status).toBe(403);
    const spans = await receivedSpans(tag, (s) => s.length >= 2);
    // The agent chose a model the policy does not allow: its name is not exported.
    const llm = byName(spans, "chat unknown");
    expect(llm?.status).toEqual({ code: 2, message: "policy_denied" });
    expect(llm?.attrs).toMatchObject({ "error.type": "policy_denied", "palisade.decision": "denied", "gen_ai.request.model": "unknown" });
    expect(spans.find((s) => s.kind === 2)?.status.code).toBe(2);
  });

  it("with includeContent the prompt and answer are exported masked, never with the values", async () => {
    const opted = await fakeProviderOrg("otel-content");
    const bot = await createAgent(opted, { name: "content-bot" });
    const tag = await configureTelemetry(opted, { includeContent: true });
    const res = await chat(bot.token, "gpt-test", PROMPT);
    expect(res.status).toBe(200);
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.name === "chat gpt-test"));
    const llm = byName(spans, "chat gpt-test");
    const input = String(llm?.attrs["gen_ai.input.messages"]);
    expect(input).toContain("heliotrope");
    expect(input).toMatch(/<EMAIL_\d+>/);
    expect(llm?.attrs["gen_ai.output.messages"]).toBeTypeOf("string");
    const everything = JSON.stringify(await exportsOf(tag));
    for (const leaked of [EMAIL, CARD, "4111"]) expect(everything).not.toContain(leaked);
  });
});

describe("egress and tool spans", () => {
  it("an egress call is an HTTP client span without the query, and the target sees it as parent", async () => {
    const tag = await configureTelemetry(org);
    const res = await call(`/egress/${env.TEST_TARGET_URL}/otel/thing?api_key=query-secret-1&q=${encodeURIComponent(EMAIL)}`, {
      token: agent.token,
      headers: { traceparent: TRACEPARENT },
    });
    expect(res.status).toBe(200);
    const received = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=20`)).json()) as Array<{
      path: string;
      headers: Record<string, string>;
    }>;
    const upstream = received.filter((r) => r.path.startsWith("/otel/thing")).at(-1);

    const spans = await receivedSpans(tag, (s) => s.some((x) => x.kind === 3));
    const server = spans.find((s) => s.kind === 2);
    const client = spans.find((s) => s.kind === 3);
    expect(server?.name).toBe("GET /egress/*");
    expect(server?.parentSpanId).toBe(PARENT_ID);
    expect(client?.name).toBe("GET");
    expect(client?.parentSpanId).toBe(server?.spanId);
    expect(client?.attrs).toMatchObject({
      "http.request.method": "GET",
      "url.full": `${env.TEST_TARGET_URL}/otel/thing`,
      "server.address": "127.0.0.1",
      "server.port": Number(target.port),
      "http.response.status_code": 200,
      "palisade.decision": "allowed",
      "palisade.egress.kind": "egress",
    });
    expect(upstream?.headers.traceparent).toBe(`00-${TRACE_ID}-${client?.spanId}-01`);
    const everything = JSON.stringify(await exportsOf(tag));
    for (const leaked of ["query-secret-1", EMAIL, "tgt_secret", agent.token]) expect(everything).not.toContain(leaked);
  });

  it("an egress call the policy refuses is an error span with the reason", async () => {
    const tag = await configureTelemetry(org);
    const res = await call(`/egress/${env.TEST_TARGET_URL}/elsewhere`, { token: agent.token });
    expect(res.status).toBe(403);
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.kind === 3));
    const client = spans.find((s) => s.kind === 3);
    expect(client?.status).toEqual({ code: 2, message: "policy_denied" });
    expect(client?.attrs["palisade.decision"]).toBe("denied");
  });

  it("an MCP tool call is an execute_tool span with the HTTP call beneath it", async () => {
    const tool = await create(org, "tools", {
      name: "otel_item",
      description: "Read an item",
      inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
      method: "GET",
      url: `${env.TEST_TARGET_URL}/items/{id}`,
      credential: "otel-target",
      credentialOverHttp: true,
    });
    await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
    const tag = await configureTelemetry(org);
    const res = await toolCall(agent.token, "otel_item", { id: "42" });
    expect(res.status, res.text).toBe(200);
    expect(res.json.result?.isError).toBe(false);
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.name === "execute_tool otel_item") && s.some((x) => x.kind === 3));
    const server = byName(spans, "POST /mcp");
    const toolSpan = byName(spans, "execute_tool otel_item");
    const http = spans.find((s) => s.kind === 3);
    expect(toolSpan?.parentSpanId).toBe(server?.spanId);
    expect(http?.parentSpanId).toBe(toolSpan?.spanId);
    expect(toolSpan?.attrs).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "otel_item",
      "palisade.tool.id": tool.id,
      "palisade.decision": "allowed",
    });
    expect(http?.attrs).toMatchObject({
      // The tool's URL template, not the URL its arguments filled.
      "url.full": `${env.TEST_TARGET_URL}/items/{id}`,
      "palisade.egress.kind": "tool",
      "http.response.status_code": 200,
    });
  });

  it("a call to a tool the agent may not use is a denied execute_tool span", async () => {
    const tag = await configureTelemetry(org);
    const res = await toolCall(agent.token, "no_such_tool", {});
    expect(res.status).toBe(200);
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.name.startsWith("execute_tool")));
    const toolSpan = spans.find((s) => s.name.startsWith("execute_tool"));
    expect(toolSpan?.status).toEqual({ code: 2, message: "unknown_tool" });
    expect(toolSpan?.attrs["palisade.decision"]).toBe("denied");
  });
});

describe("delivery", () => {
  it("retries a collector answering 503 (Retry-After honoured) and delivers the batch", async () => {
    const tag = await configureTelemetry(org, {}, "/fail-1");
    expect((await chat(agent.token, "gpt-test", "hello")).status).toBe(200);
    // The receiver records the refused attempt too: wait for the span in both (the retry leaves later, from waitUntil).
    await receivedSpans(tag, (s) => s.filter((x) => x.name === "chat gpt-test").length >= 2);
    const attempts = await exportsOf(tag);
    expect(attempts.length).toBe(2);
    expect(attempts[0]?.body).toBe(attempts[1]?.body);
  });

  it("a collector that is down never fails the agent's call; the spans are counted as dropped", async () => {
    const down = await fakeProviderOrg("otel-down");
    const bot = await createAgent(down, { name: "down-bot" });
    // A loopback port nothing listens on (the fake host's port 9 is closed).
    const put = await call(`/api/v1/orgs/${down.orgId}/telemetry`, {
      method: "PUT",
      token: down.apiKey,
      body: { endpoint: "http://127.0.0.1:9/v1/traces" },
    });
    expect(put.status, put.text).toBe(200);
    const res = await chat(bot.token, "gpt-test", "hello");
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toBeTypeOf("string");
    let status: Record<string, any> = {};
    for (let i = 0; i < 100 && !(status.droppedSpans > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await call(`/api/v1/orgs/${down.orgId}/telemetry`, { token: down.apiKey })).json;
    }
    expect(status.droppedSpans).toBeGreaterThanOrEqual(2);
    expect(status.lastError).toMatch(/unreachable|answer/);
  });

  it("a sample ratio of 0 exports nothing, whatever the caller's traceparent says", async () => {
    const tag = await configureTelemetry(org, { sampleRatio: 0 });
    expect((await chat(agent.token, "gpt-test", "hello")).status).toBe(200);
    const [seen] = await providerSaw(1);
    expect(seen?.headers.traceparent).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(await exportsOf(tag)).toEqual([]);
  });

  it("once removed, nothing more is exported", async () => {
    const tag = await configureTelemetry(org);
    const del = await call(`/api/v1/orgs/${org.orgId}/telemetry`, { method: "DELETE", token: org.apiKey });
    expect(del.json.configured).toBe(false);
    expect((await chat(agent.token, "gpt-test", "hello")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await exportsOf(tag)).toEqual([]);
  });
});
