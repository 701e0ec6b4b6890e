// Attack class: personal data given as a JSON number rather than a string in an LLM request (an
// Anthropic tool_use input, OpenAI tool-call arguments, a nested array), where a walk that reads
// only strings never looks. Under `block` every variant answers 422 pii_blocked and the provider
// sees nothing; under `mask` the number reaches the provider as its placeholder string; ordinary
// numbers (max_tokens, counts, prices, timestamps) pass unchanged.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let org: SeededOrg;
let blockToken: string;
let maskToken: string;

beforeAll(async () => {
  org = await fakeProviderOrg("pii-numbers");
  const blocker = await createAgent(org, { name: "numbers-block" });
  await attachPolicy(
    org,
    { name: "numbers block", pii: { credit_card: "block", phone: "block", tax_id: "block", iban: "block" } },
    { scope: "agent", id: blocker.id },
  );
  blockToken = blocker.token;
  const masker = await createAgent(org, { name: "numbers-mask" });
  await attachPolicy(org, { name: "numbers mask", pii: { credit_card: "mask", phone: "mask", tax_id: "mask" } }, { scope: "agent", id: masker.id });
  maskToken = masker.token;
});

/** A Luhn-valid Visa number not used by any other test, so the provider's log can be searched for it. */
function freshCard(): string {
  const body = `4${Array.from({ length: 14 }, () => Math.floor(Math.random() * 10)).join("")}`;
  for (let d = 0; d < 10; d++) {
    const digits = body + d;
    let sum = 0;
    for (let i = 0; i < 16; i++) {
      let x = Number(digits[15 - i]);
      if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return digits;
  }
  throw new Error("unreachable");
}

async function providerSaw(needle: string): Promise<string[]> {
  const url = `${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${encodeURIComponent(needle)}`;
  return ((await (await fetch(url)).json()) as Array<{ body: string }>).map((r) => r.body);
}

const anthropic = (token: string, body: Record<string, unknown>) =>
  call("/llm/anthropic/v1/messages", { method: "POST", token, body: { model: "claude-test", max_tokens: 1024, ...body } });
const openai = (token: string, body: Record<string, unknown>) =>
  call("/llm/openai/v1/chat/completions", { method: "POST", token, body: { model: "gpt-test", ...body } });

const toolUse = (input: unknown) => [
  { role: "user", content: "pay the invoice" },
  { role: "assistant", content: [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "pay", input }] },
  { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: "ok" }] },
];
const toolCall = (args: string) => [
  { role: "user", content: "pay the invoice" },
  {
    role: "assistant",
    content: null,
    tool_calls: [{ id: "call_Ab12Cd34Ef56Gh78Ij90Kl", type: "function", function: { name: "pay", arguments: args } }],
  },
  { role: "tool", tool_call_id: "call_Ab12Cd34Ef56Gh78Ij90Kl", content: "ok" },
];

async function expectRefused(res: { status: number; text: string; json: any }, needle: string) {
  expect(res.status, res.text.slice(0, 300)).toBe(422);
  expect(res.json.error.code).toBe("pii_blocked");
  expect(res.text).not.toContain(needle);
  expect(await providerSaw(needle)).toEqual([]);
}

describe("attack: a card or phone number as a JSON number reaches the provider", () => {
  it("a card as a number in an Anthropic tool_use input, plain and streaming", async () => {
    for (const stream of [false, true]) {
      const card = freshCard();
      await expectRefused(await anthropic(blockToken, { stream, messages: toolUse({ card: Number(card) }) }), card);
    }
  });

  it("a card as a negative number and inside a nested array", async () => {
    const variants: Array<(card: string) => unknown> = [(card) => ({ card: -Number(card) }), (card) => ({ rows: [[1, { n: Number(card) }]] })];
    for (const make of variants) {
      const card = freshCard();
      await expectRefused(await anthropic(blockToken, { messages: toolUse(make(card)) }), card);
    }
  });

  it("a card written in exponent form in the raw request body (41111111111111110e-1, 4.111111111111111e15)", async () => {
    for (const write of [(c: string) => `${c}0e-1`, (c: string) => `${c[0]}.${c.slice(1)}e15`]) {
      const card = freshCard();
      const raw = JSON.stringify({ model: "claude-test", max_tokens: 64, messages: toolUse({ card: "CARD" }) }).replace('"CARD"', write(card));
      const res = await call("/llm/anthropic/v1/messages", {
        method: "POST",
        token: blockToken,
        headers: { "content-type": "application/json" },
        rawBody: raw,
      });
      await expectRefused(res, card);
    }
  });

  it("a card as a number inside OpenAI tool_calls arguments, plain and in exponent forms", async () => {
    for (const write of [(c: string) => c, (c: string) => `${c}0e-1`, (c: string) => `${c}000e-3`, (c: string) => `0.0${c}e17`]) {
      const card = freshCard();
      await expectRefused(await openai(blockToken, { messages: toolCall(`{"card":${write(card)}}`) }), card);
    }
  });

  it("a phone number (tax id shaped) as a number in a tool_use input", async () => {
    const res = await anthropic(blockToken, { messages: toolUse({ phone: 14155550123 }) });
    expect(res.status, res.text.slice(0, 300)).toBe(422);
    expect(await providerSaw("14155550123")).toEqual([]);
  });
});

describe("mask: the number is replaced by its placeholder", () => {
  it("a card number in a tool_use input reaches the provider as <CARD_1>", async () => {
    const card = freshCard();
    const res = await anthropic(maskToken, { messages: toolUse({ card: Number(card), qty: 3 }) });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(await providerSaw(card)).toEqual([]);
    const seen = await providerSaw("<CARD_1>");
    expect(seen.some((b) => b.includes('"card":"<CARD_1>"') && b.includes('"qty":3'))).toBe(true);
  });
});

describe("control: ordinary numbers pass unchanged", () => {
  it("max_tokens, counts, prices, timestamps, ids and embedding values as numbers are sent as they are", async () => {
    const marker = `nums${Math.random().toString(36).slice(2, 10)}`;
    const input = {
      marker,
      qty: 3,
      price: 19.99,
      at: 1733300000000,
      order: 12345678,
      values: [2632, 9146, 9316, 1030, 205, 9153, 9773, 1902],
      // An embedding's fractions are no ids, whatever their ten digits spell.
      embedding: [-0.3121074388, 0.2527855287, 0.812092566775, -0.2032213319],
    };
    const res = await anthropic(blockToken, { messages: toolUse(input) });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const [body] = await providerSaw(marker);
    expect(JSON.parse(body ?? "{}").messages[1].content[0].input).toEqual(input);
  });
});
