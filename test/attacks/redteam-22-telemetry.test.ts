// Red team, issue 22 (OpenTelemetry export): personal data or agent-chosen text reaching the
// org's collector by default (includeContent off), through attributes other than the content
// attributes: url.full (the egress/tool path), the model name (span name and gen_ai.request.model),
// and traceparent handling (malformed, huge, sampling flags).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { attachPolicy, chat, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { toolCall } from "../workers/support/tools.js";
import { configureTelemetry, exportsOf, receivedSpans } from "../workers/telemetry/support.js";

const EMAIL = "victim.person@example.com";
const CARD = "4111111111111111";
const SSN = "123-45-6789";
const target = new URL(env.TEST_TARGET_URL);

let org: SeededOrg;
let agent: { id: string; token: string };

beforeAll(async () => {
  org = await fakeProviderOrg("rt22otel");
  await create(org, "credentials", { name: "rt-target", secret: "tgt_secret_rt22_0123456789", inject: { type: "bearer" } });
  await attachPolicy(
    org,
    {
      name: "rt22-egress",
      egress: [{ host: target.hostname, ports: [Number(target.port)], paths: ["/rt22/**"], credential: "rt-target", credentialOverHttp: true }],
      models: ["gpt-4o-mini"],
    },
    { scope: "org" },
  );
  agent = await createAgent(org, { name: "rt22-bot", autonomy: 5 });
});

describe("PII outside the content attributes, includeContent off (the default)", () => {
  it("an e-mail, card number and SSN in the egress URL path do not reach the collector (url.full)", async () => {
    const tag = await configureTelemetry(org);
    const path = `/rt22/customers/${encodeURIComponent(EMAIL)}/card/${CARD}/ssn/${SSN}`;
    const res = await call(`/egress/${env.TEST_TARGET_URL}${path}`, { token: agent.token });
    expect(res.status).toBe(200);
    await receivedSpans(tag, (s) => s.some((x) => x.kind === 3));
    const everything = decodeURIComponent(JSON.stringify(await exportsOf(tag)));
    // The default export is meant to hold no personal data; these three are found by the PII engine.
    expect(everything).not.toContain(EMAIL);
    expect(everything).not.toContain(CARD);
    expect(everything).not.toContain(SSN);
  });

  it("a refused egress path (the agent fully controls it) does not carry PII to the collector either", async () => {
    const tag = await configureTelemetry(org);
    const res = await call(`/egress/${env.TEST_TARGET_URL}/not-allowed/${encodeURIComponent(EMAIL)}/${CARD}`, { token: agent.token });
    expect(res.status).toBe(403);
    await receivedSpans(tag, (s) => s.some((x) => x.kind === 3));
    const everything = decodeURIComponent(JSON.stringify(await exportsOf(tag)));
    expect(everything).not.toContain(EMAIL);
    expect(everything).not.toContain(CARD);
  });

  it("a model name carrying prompt text/PII (refused by policy) is not exported in the span name or gen_ai.request.model", async () => {
    const tag = await configureTelemetry(org);
    const model = `Summarise salary of ${EMAIL} card ${CARD}`;
    const res = await chat(agent.token, model, "hello");
    expect(res.status).toBe(403);
    await receivedSpans(tag, (s) => s.some((x) => x.kind === 3));
    const everything = JSON.stringify(await exportsOf(tag));
    expect(everything).not.toContain(EMAIL);
    expect(everything).not.toContain(CARD);
  });
});

describe("traceparent handling", () => {
  it("malformed or huge traceparents start a new trace; the caller's garbage never reaches the collector or the target", async () => {
    const tag = await configureTelemetry(org);
    const bad = [
      `00-${"a".repeat(32)}-${"b".repeat(16)}-01-${"x".repeat(8000)}`,
      `ff-${"a".repeat(32)}-${"b".repeat(16)}-01`,
      `00-${"0".repeat(32)}-${"b".repeat(16)}-01`,
      `00-${"A".repeat(32)}-${"b".repeat(16)}-01`,
      `00-${"a".repeat(32)}-${"b".repeat(16)}-01\r\nx-evil: 1`.replace(/\r\n.*/, ""),
      `01-${"c".repeat(32)}-${"d".repeat(16)}-00-${"<script>".repeat(10)}`,
    ];
    for (const tp of bad) {
      const res = await call(`/egress/${env.TEST_TARGET_URL}/rt22/tp`, { token: agent.token, headers: { traceparent: tp } });
      expect(res.status).toBe(200);
    }
    const spans = await receivedSpans(tag, (s) => s.filter((x) => x.kind === 3).length >= bad.length);
    const everything = JSON.stringify(await exportsOf(tag));
    expect(everything).not.toContain("xxxxxxxx");
    expect(everything).not.toContain("<script>");
    for (const s of spans) expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
    const received = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=50`)).json()) as Array<{
      path: string;
      headers: Record<string, string>;
    }>;
    for (const r of received.filter((x) => x.path.startsWith("/rt22/tp"))) {
      expect(r.headers.traceparent ?? "").toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  });

  it("a caller's sampled=00 flag does not switch its calls out of the org's traces", async () => {
    const tag = await configureTelemetry(org, { sampleRatio: 1 });
    const res = await call(`/egress/${env.TEST_TARGET_URL}/rt22/unsampled`, {
      token: agent.token,
      headers: { traceparent: `00-${"e".repeat(32)}-${"f".repeat(16)}-00` },
    });
    expect(res.status).toBe(200);
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.kind === 3));
    expect(spans.some((s) => s.traceId === "e".repeat(32))).toBe(true);
  });

  it("the agent token and the injected credential never appear in exported spans, even when the path echoes them", async () => {
    const tag = await configureTelemetry(org);
    const res = await call(`/egress/${env.TEST_TARGET_URL}/rt22/${agent.token}`, { token: agent.token });
    expect([200, 400, 403]).toContain(res.status);
    await receivedSpans(tag, (s) => s.some((x) => x.kind === 2));
    const everything = JSON.stringify(await exportsOf(tag));
    expect(everything).not.toContain("tgt_secret_rt22");
    expect(everything).not.toContain(agent.token);
  });
});

describe("tool calls, includeContent off", () => {
  it("a tool argument filled into the URL path (an e-mail) does not reach the collector via url.full", async () => {
    const tool = await create(org, "tools", {
      name: "rt22_customer",
      description: "Look up a customer",
      inputSchema: { type: "object", properties: { email: { type: "string" } }, required: ["email"] },
      method: "GET",
      url: `${env.TEST_TARGET_URL}/rt22/customers/{email}`,
    });
    await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
    const tag = await configureTelemetry(org);
    const res = await toolCall(agent.token, "rt22_customer", { email: EMAIL });
    expect(res.status, res.text).toBe(200);
    await receivedSpans(tag, (s) => s.some((x) => x.kind === 3));
    const everything = decodeURIComponent(JSON.stringify(await exportsOf(tag)));
    expect(everything).not.toContain(EMAIL);
  });

  it("an unknown tool name chosen by the agent (carrying PII) is not exported in the span name", async () => {
    const tag = await configureTelemetry(org);
    const res = await toolCall(agent.token, `lookup ${EMAIL} ${CARD}`, {});
    expect(res.status).toBe(200);
    await receivedSpans(tag, (s) => s.some((x) => x.name.startsWith("execute_tool")));
    const everything = JSON.stringify(await exportsOf(tag));
    expect(everything).not.toContain(EMAIL);
    expect(everything).not.toContain(CARD);
  });
});

describe("includeContent on: content masked completely", () => {
  it("PII and tokens in a prompt split by JSON-escaped characters are still masked in gen_ai.input.messages", async () => {
    const tag = await configureTelemetry(org, { includeContent: true });
    const prompt = [
      "card 4111\n1111\n1111\n1111 end",
      "card2 5500\t0000\t0000\t0004 end",
      'mail "jane.doe"@example.com and jane\u00a0doe@example.com',
      `my token ${agent.token}`,
      "ssn 123\n45\n6789",
    ].join("\n");
    const res = await chat(agent.token, "gpt-4o-mini", prompt);
    expect(res.status, res.text).toBe(200);
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.attrs["gen_ai.input.messages"] !== undefined));
    const input = String(spans.find((x) => x.attrs["gen_ai.input.messages"] !== undefined)?.attrs["gen_ai.input.messages"]);
    const text = JSON.parse(input) as unknown;
    const flat = JSON.stringify(text).replace(/\\[nt]/g, " ");
    const saw = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=1`)).json()) as Array<{ body: string }>;
    const upstream = JSON.stringify(JSON.parse(saw[0]?.body ?? "{}").messages);
    expect(flat, `provider got: ${upstream.slice(-400)}\ncollector got: ${flat.slice(-400)}`).not.toMatch(/4111 1111 1111 1111/);
    expect(flat).not.toMatch(/5500 0000 0000 0004/);
    expect(flat).not.toContain(agent.token);
    expect(flat).not.toMatch(/123 45 6789/);
  });
});
