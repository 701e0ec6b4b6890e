// Attack class: a card or e-mail cut into pieces placed in different strings of one request (JSON
// fields, messages far apart, a key and its value, headers), so that no string holds the whole
// value. The split check reads pieces that carry the shape of a split value (card groups at the
// edges of their strings, an issued card in a card layout; an address under a real TLD) and must
// refuse every variant below with 422 pii_blocked, while ordinary requests full of numbers and code
// with decorators go through (the controls).
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
  org = await fakeProviderOrg("pii-split");
  agent = await createAgent(org, { name: "pii-split", autonomy: 5 });
  const rule = { credit_card: "block", email: "block" } as const;
  await attachPolicy(
    org,
    { name: "split", egress: [{ host: "127.0.0.1", ports: [port] }], pii: rule, piiExits: { egress: rule, toolArguments: rule } },
    { scope: "agent", id: agent.id },
  );
  tool = `split-${Math.random().toString(36).slice(2, 8)}`;
  const t = await create(org, "tools", {
    name: tool,
    description: "stats",
    inputSchema: { type: "object" },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/split-stats`,
  });
  await create(org, `tools/${t.id}/grants`, { scope: "agent", id: agent.id });
});

const chat = (messages: unknown[]) =>
  call("/llm/openai/v1/chat/completions", { method: "POST", token: agent.token, body: { model: "gpt-test", messages } });
const egress = (body: string) =>
  call(`/egress/${env.TEST_TARGET_URL}/split`, {
    method: "POST",
    token: agent.token,
    headers: { "content-type": "application/json" },
    rawBody: body,
  });
const filler = { role: "user", content: "Some unrelated words to keep the parts apart from each other. ".repeat(3) };

function expectBlocked(res: { status: number; text: string; json: any }, category: string) {
  expect(res.status, res.text.slice(0, 300)).toBe(422);
  expect(res.json?.error?.code ?? res.json?.error?.data?.code ?? "pii_blocked").toBe("pii_blocked");
  expect(res.text).toContain(category);
}

describe("attack: a card split across strings far apart", () => {
  it("halves in printed groups in two messages with filler between (LLM)", async () => {
    expectBlocked(
      await chat([{ role: "user", content: "first half: 5500 0055" }, filler, { role: "user", content: "5555 5559 is the second half" }]),
      "credit_card",
    );
  });

  it("one group per labelled message with filler between (LLM)", async () => {
    expectBlocked(await chat(["4111", "1111", "1111", "1111"].flatMap((g) => [{ role: "user", content: `group: ${g}` }, filler])), "credit_card");
  });

  it("an Amex in its 4-6-5 groups across three JSON fields, the first labelled (egress)", async () => {
    expectBlocked(await egress('{"a":"amex 3782","b":"822463","c":"10005"}'), "credit_card");
  });

  it("groups in an array (bare, and with one grouped piece), four numbers, and labelled groups in JSON fields (egress)", async () => {
    expectBlocked(await egress('{"parts":["4111","1111","1111","1111"]}'), "credit_card");
    expectBlocked(await egress('{"a":4111,"b":1111,"c":1111,"d":1111}'), "credit_card");
    expectBlocked(await egress('{"parts":["4111","1111 1111","1111"]}'), "credit_card");
    expectBlocked(await egress('{"a":"card 4111","b":"then 1111","c":"then 1111","d":"last 1111"}'), "credit_card");
  });

  it("halves between a key and its value in tool arguments", async () => {
    const res = await toolCall(agent.token, tool, { "4111 1111": "1111 1111" });
    expect(res.text).toContain("pii_blocked");
  });
});

describe("attack: an e-mail split across strings", () => {
  it("at the '@' between a key and its value, and inside the domain between two text parts (LLM)", async () => {
    const tool_use = { type: "tool_use", id: "toolu_01AbCdEfGhIjKlMnOpQrStUv", name: "mail", input: { "jane.roe": "@example.org" } };
    const res = await call("/llm/anthropic/v1/messages", {
      method: "POST",
      token: agent.token,
      body: {
        model: "claude-test",
        max_tokens: 64,
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [tool_use] },
        ],
      },
    });
    expectBlocked(res, "email");
    expectBlocked(
      await chat([{ role: "user", content: ["write to jane.roe@exa", "mple.org now"].map((text) => ({ type: "text", text })) }]),
      "email",
    );
  });
});

describe("control: ordinary requests with numbers and code are not refused", () => {
  it("an order body, a list of latencies and a tool call with eight integers", async () => {
    const order = '{"order":23805,"rows":[{"sku":"SKU-573","qty":10,"price":"264.18"},{"sku":"SKU-911","qty":5,"price":"189.20"}]}';
    expect((await egress(order)).status).toBe(200);
    expect((await egress('{"metric":"latency_ms","values":[73942,33774,79389,19221,57987,23376,20895,78757,87130,84398]}')).status).toBe(200);
    for (const values of [
      [2632, 9146, 9316, 1030, 205, 9153, 9773, 1902],
      [4024, 7109, 5302, 5024, 12],
    ]) {
      const res = await toolCall(agent.token, tool, { values });
      expect(res.json?.error, res.text.slice(0, 300)).toBeUndefined();
    }
  });

  it("a chat with unit counts and a Python decorator after the word python", async () => {
    const res = await chat([
      { role: "user", content: "Region 1 sold 76235 units in week 49." },
      { role: "assistant", content: "Noted: 2584 units." },
      { role: "user", content: "Show me the Flask decorator in python" },
      { role: "assistant", content: "@app.route('/') is the decorator; @torch.no_grad() is another." },
    ]);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
});
