// Red team s9 (false blocks): under `credit_card: block`, the new split-card check
// (splitCardAcross: any consecutive digit runs from two or more strings totalling 13-19 digits,
// first digit 2-6, Luhn) refuses ordinary numeric requests: about one in ten windows passes Luhn,
// and a request with a handful of numbers has dozens of windows. Measured with random values
// (seeded): 177/200 order bodies, 86/200 bodies of ten integers refused on egress, 133/200
// six-turn sales chats on the LLM proxy, 68/200 tool calls with eight integers. Under `email: block`,
// the cross-string join ("python" + "@app.route(...)" = "python@app.route") refuses code with a
// dotted Python decorator at the start of a string after one ending in a letter. Each test below
// is one such ordinary request, which must go through; a failing test is a false block.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { attachPolicy, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { toolCall } from "../workers/support/tools.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };
let tool: string;

beforeAll(async () => {
  org = await fakeProviderOrg("rt9-false");
  agent = await createAgent(org, { name: "rt9-false", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "rt9-cards",
      egress: [{ host: "127.0.0.1", ports: [port] }],
      pii: { credit_card: "block", email: "block" },
      piiExits: { egress: { credit_card: "block", email: "block" }, toolArguments: { credit_card: "block", email: "block" } },
    },
    { scope: "agent", id: agent.id },
  );
  tool = `rt9stats-${Math.random().toString(36).slice(2, 8)}`;
  const t = await create(org, "tools", {
    name: tool,
    description: "stats",
    inputSchema: { type: "object" },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/rt9-stats`,
  });
  await create(org, `tools/${t.id}/grants`, { scope: "agent", id: agent.id });
});

describe("false blocks under credit_card: block", () => {
  it("clean: a six-turn sales chat with unit counts is sent to the provider", async () => {
    const messages = [
      { role: "user", content: "Region 1 sold 76235 units in week 49." },
      { role: "assistant", content: "Noted: 2584 units." },
      { role: "user", content: "Region 5 sold 43420 units in week 47." },
      { role: "assistant", content: "Noted: 67328 units." },
      { role: "user", content: "Region 5 sold 3404 units in week 25." },
      { role: "assistant", content: "Noted: 53570 units." },
    ];
    const res = await call("/llm/openai/v1/chat/completions", { method: "POST", token: agent.token, body: { model: "gpt-test", messages } });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });

  it("clean: an order JSON body (SKUs, quantities, prices) is sent through egress", async () => {
    const body =
      '{"order":23805,"rows":[{"sku":"SKU-573","qty":10,"price":"264.18"},{"sku":"SKU-911","qty":5,"price":"189.20"},{"sku":"SKU-327","qty":25,"price":"107.58"},{"sku":"SKU-842","qty":21,"price":"111.21"},{"sku":"SKU-319","qty":11,"price":"874.17"},{"sku":"SKU-801","qty":19,"price":"743.13"}]}';
    const res = await call(`/egress/${env.TEST_TARGET_URL}/orders`, {
      method: "POST",
      token: agent.token,
      headers: { "content-type": "application/json" },
      rawBody: body,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });

  it("clean: a metrics JSON body of ten latencies is sent through egress", async () => {
    const body = '{"metric":"latency_ms","values":[73942,33774,79389,19221,57987,23376,20895,78757,87130,84398]}';
    const res = await call(`/egress/${env.TEST_TARGET_URL}/metrics`, {
      method: "POST",
      token: agent.token,
      headers: { "content-type": "application/json" },
      rawBody: body,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });

  it("clean: a tool call with eight integers reaches the tool", async () => {
    const res = await toolCall(agent.token, tool, { values: [2632, 9146, 9316, 1030, 205, 9153, 9773, 1902] });
    expect(res.json?.error, res.text.slice(0, 300)).toBeUndefined();
  });

  it("clean: a coding agent's tool_use writing a Flask handler (language: python, code: @app.route…) is sent to the provider", async () => {
    const code = "@app.route('/health')\ndef health():\n    return 'ok'\n";
    const res = await call("/llm/anthropic/v1/messages", {
      method: "POST",
      token: agent.token,
      body: {
        model: "claude-test",
        max_tokens: 64,
        messages: [
          { role: "user", content: "add a health endpoint" },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "write_file", input: { language: "python", code } }],
          },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: "written" }] },
        ],
      },
    });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });

  it("clean: two chat turns, the second starting with a Python decorator, are sent to the provider", async () => {
    const messages = [
      { role: "user", content: "Show me the Flask decorator for the route in python" },
      { role: "assistant", content: "@app.route('/') is the decorator." },
    ];
    const res = await call("/llm/openai/v1/chat/completions", { method: "POST", token: agent.token, body: { model: "gpt-test", messages } });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });

  it("clean: a tool call with a Python dataclass snippet reaches the tool", async () => {
    const res = await toolCall(agent.token, tool, { lang: "python", code: "@dataclasses.dataclass\nclass A:\n    x: int\n" });
    expect(res.json?.error, res.text.slice(0, 300)).toBeUndefined();
  });
});
