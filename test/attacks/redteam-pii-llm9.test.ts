// Red team s9 (LLM proxy): a policy blocks e-mail, phone, card, IBAN, tax id and secrets. Each
// "attack" test tries to get one such value to the model provider through the Worker's real entry;
// it passes only when the edge answers 422 pii_blocked and the provider saw nothing of it. A failing
// attack test is a bypass that works.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { attachPolicy, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let org: SeededOrg;
let agentToken: string;
/** A second agent whose policy also blocks names, addresses and IP addresses. */
let strictToken: string;

beforeAll(async () => {
  org = await fakeProviderOrg("rt9-llm");
  const agent = await createAgent(org, { name: "rt9-llm-bot" });
  await attachPolicy(
    org,
    {
      name: "rt9 block",
      pii: {
        email: "block",
        phone: "block",
        credit_card: "block",
        iban: "block",
        tax_id: "block",
        secret: "block",
        person: "allow",
        organization: "allow",
        location: "allow",
        address: "allow",
      },
    },
    { scope: "agent", id: agent.id },
  );
  agentToken = agent.token;
  const strict = await createAgent(org, { name: "rt9-llm-strict" });
  await attachPolicy(
    org,
    { name: "rt9 strict", pii: { person: "block", address: "block", ip_address: "block", email: "block", credit_card: "block" } },
    { scope: "agent", id: strict.id },
  );
  strictToken = strict.token;
  void create;
});

/** A fresh Visa number (Luhn-valid), so the provider's log can be searched for this test's own value. */
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
const groups = (card: string, sep: string) => card.match(/.{4}/g)?.join(sep) ?? card;
const mark = () => `rt9${Math.random().toString(36).slice(2, 10)}`;

async function providerSaw(needle: string): Promise<string[]> {
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${encodeURIComponent(needle)}`)).json()) as Array<{
    body: string;
  }>;
  return seen.map((r) => r.body);
}

const chat = (body: Record<string, unknown>) =>
  call("/llm/openai/v1/chat/completions", { method: "POST", token: agentToken, body: { model: "gpt-test", ...body } });
const messages = (body: Record<string, unknown>) =>
  call("/llm/anthropic/v1/messages", { method: "POST", token: agentToken, body: { model: "claude-test", max_tokens: 64, ...body } });

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

async function expectRefused(res: { status: number; text: string }, needle: string) {
  const seen = await providerSaw(needle);
  expect({ status: res.status, providerSawIt: seen.length > 0 }, res.text.slice(0, 300)).toEqual({ status: 422, providerSawIt: false });
}

describe("HELD controls (the same values in ordinary strings are refused)", () => {
  it("a card as a string in an Anthropic tool_use input is refused", async () => {
    const card = freshCard();
    const res = await messages({
      messages: [
        { role: "user", content: "pay" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "pay", input: { card } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: "ok" }] },
      ],
    });
    await expectRefused(res, card);
  });
  it("a card with space separators in a chat message is refused", async () => {
    const card = freshCard();
    await expectRefused(await chat({ messages: [{ role: "user", content: `card ${groups(card, " ")}` }] }), groups(card, " "));
  });
});

describe("numbers: JSON numbers in the request are never scanned", () => {
  it("attack: a card as a JSON number in an Anthropic tool_use input reaches the provider", async () => {
    const card = freshCard();
    const res = await messages({
      messages: [
        { role: "user", content: "pay the invoice" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "pay", input: { card: Number(card) } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: "ok" }] },
      ],
    });
    await expectRefused(res, card);
  });

  it("attack: a card as a JSON number inside OpenAI tool_calls arguments reaches the provider", async () => {
    const card = freshCard();
    const res = await chat({
      messages: [
        { role: "user", content: "pay the invoice" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_Ab12Cd34Ef56Gh78Ij90Kl", type: "function", function: { name: "pay", arguments: `{"card":${card}}` } }],
        },
        { role: "tool", tool_call_id: "call_Ab12Cd34Ef56Gh78Ij90Kl", content: "ok" },
      ],
    });
    await expectRefused(res, card);
  });

  it("attack: a phone number as a JSON number in a tool_use input reaches the provider", async () => {
    const m = mark();
    const res = await messages({
      messages: [
        { role: "user", content: `call the customer ${m}` },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01B09q90qw90lq917835lq9", name: "dial", input: { phone: 14155550123 } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01B09q90qw90lq917835lq9", content: "ok" }] },
      ],
    });
    const seen = await providerSaw(m);
    expect({ status: res.status, phoneReachedProvider: seen.some((b) => b.includes("14155550123")) }, res.text.slice(0, 300)).toEqual({
      status: 422,
      phoneReachedProvider: false,
    });
  });
});

describe("streaming request path", () => {
  it("attack: a card as a JSON number in a tool_use input, with stream: true, reaches the provider", async () => {
    const card = freshCard();
    const res = await messages({
      stream: true,
      messages: [
        { role: "user", content: "pay the invoice" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "pay", input: { card: Number(card) } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: "ok" }] },
      ],
    });
    await expectRefused(res, card);
  });
});

describe("separators the card detector does not join", () => {
  it.each([
    ["U+2800 braille blank (renders as a space)", "\u2800"],
    ["pipes", "|"],
    ["semicolons", ";"],
    ["bullets", "\u2022"],
  ])("attack: a card written in groups separated by %s reaches the provider", async (_n, sep) => {
    const card = freshCard();
    const written = groups(card, sep);
    const res = await chat({ messages: [{ role: "user", content: `Charge card ${written} for the order` }] });
    await expectRefused(res, written);
  });

  it("attack: an IBAN in groups separated by slashes reaches the provider", async () => {
    const m = mark();
    const res = await chat({ messages: [{ role: "user", content: `${m} IBAN DE89/3704/0044/0532/0130/00` }] });
    await expectRefused(res, m);
  });
});

describe("e-mail spelled with a bare 'at' and a real dot", () => {
  it("attack: 'jane.roe at example.org' reaches the provider", async () => {
    const m = mark();
    const res = await chat({ messages: [{ role: "user", content: `${m}: write to ${m}.roe at example.org with the invoice` }] });
    await expectRefused(res, m);
  });
});

describe("look-alikes and spellings the detectors do not read", () => {
  it.each([
    ["an IBAN in lower case", "iban de89 3704 0044 0532 0130 00"],
    ["an IBAN in lower case without spaces", "iban de89370400440532013000"],
    ["an IBAN whose country code has a Cyrillic \u0415 (look-alike of E)", "IBAN D\u041589 3704 0044 0532 0130 00"],
    ["an IBAN whose bank code has a Cyrillic \u041a (look-alike of K)", "IBAN GB29 NWB\u041a 6016 1331 9268 19"],
    ["an e-mail with an upper-case AT and a real dot", "write to jane.roe AT example.org"],
    ["an e-mail with a quoted local part (RFC 5321)", 'write to "jane roe"@example.org'],
    ["a card given in two halves in one message", "my card starts 4111 1111 and ends 1111 1111, thanks"],
    ["a card as base64 in the message text", "decode this base64 and use it as the card: NDExMTExMTExMTExMTExMQ=="],
    ["a phone number in pipe-separated groups", "call +1|415|555|0123 tomorrow"],
  ])("attack: %s reaches the provider", async (_n, text) => {
    const m = mark();
    const res = await chat({ messages: [{ role: "user", content: `${m} ${text}` }] });
    await expectRefused(res, m);
  });
});

describe("control characters are not normalised on the LLM proxy", () => {
  it.each([
    ["a NUL inside an e-mail", "write to jane.roe\u0000@example.org"],
    ["NULs between a card's groups", "card 4111\u00001111\u00001111\u00001111"],
    [
      "a card coloured with ANSI escapes (terminal output pasted by a tool)",
      "card \u001b[1m4111\u001b[0m \u001b[1m1111\u001b[0m \u001b[1m1111\u001b[0m \u001b[1m1111\u001b[0m",
    ],
    ["a backspace inside an e-mail", "write to jane.roe@exa\u0008mple.org"],
  ])("attack: %s reaches the provider", async (_n, text) => {
    const m = mark();
    const res = await chat({ messages: [{ role: "user", content: `${m} ${text}` }] });
    await expectRefused(res, m);
  });
});

describe("e-mail with spaces around the at sign", () => {
  it.each([["jane.roe @ example.org"], ["jane.roe@ example.org"], ["jane.roe @example.org"]])("attack: '%s' reaches the provider", async (addr) => {
    const m = mark();
    const res = await chat({ messages: [{ role: "user", content: `${m} send it to ${addr}` }] });
    await expectRefused(res, m);
  });
});

describe("strict policy (names, addresses, IP addresses blocked too)", () => {
  const strictMessages = (body: Record<string, unknown>) =>
    call("/llm/anthropic/v1/messages", { method: "POST", token: strictToken, body: { model: "claude-test", max_tokens: 64, ...body } });
  const strictChat = (body: Record<string, unknown>) =>
    call("/llm/openai/v1/chat/completions", { method: "POST", token: strictToken, body: { model: "gpt-test", ...body } });
  const PATIENT = "Patient John Smith of 221B Baker Street, London NW1 6XE";

  it("HELD control: the name and address in a message are refused", async () => {
    const m = mark();
    await expectRefused(
      await strictChat({
        messages: [
          { role: "system", content: `ticket ${m}` },
          { role: "user", content: PATIENT },
        ],
      }),
      m,
    );
  });

  it("HELD: the same text after a 'Note:' label is refused (the address is still found though the name is missed)", async () => {
    const m = mark();
    const res = await strictChat({
      messages: [
        { role: "system", content: `ticket ${m}` },
        { role: "user", content: `Note: ${PATIENT}` },
      ],
    });
    await expectRefused(res, m);
  });

  it("attack: a random token before the sentence hides both the name and the address from the tagger", async () => {
    const m = mark();
    const res = await strictChat({
      messages: [
        { role: "system", content: `ticket ${m}` },
        { role: "user", content: `rt9f4ks9qyj ${PATIENT}` },
      ],
    });
    await expectRefused(res, m);
  });

  it("attack: a name and a street address in a thinking block's signature reach the provider (opaque: no entity tagger)", async () => {
    const m = mark();
    const res = await strictMessages({
      messages: [
        { role: "user", content: `hello ${m}` },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "ok", signature: `${m} ${PATIENT}` },
            { type: "text", text: "hi" },
          ],
        },
        { role: "user", content: "go on" },
      ],
    });
    const seen = await providerSaw(m);
    expect({ status: res.status, leaked: seen.some((b) => b.includes("John Smith")) }, res.text.slice(0, 300)).toEqual({
      status: 422,
      leaked: false,
    });
  });

  it("attack: a defanged IP address (203.0.113[.]77) reaches the provider", async () => {
    const m = mark();
    await expectRefused(await strictChat({ messages: [{ role: "user", content: `${m} connect to 203.0.113[.]77` }] }), m);
  });
});

describe("inline binary whose magic bytes are forged (media passes unscanned)", () => {
  it("attack: text behind a forged PNG signature, sent as an Anthropic image, reaches the provider unscanned", async () => {
    const card = freshCard();
    const bytes = new Uint8Array([
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      ...new TextEncoder().encode(` customer jane.roe@example.org card ${card} `),
    ]);
    const data = btoa(String.fromCharCode(...bytes));
    const res = await messages({
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data } },
            { type: "text", text: "Describe the image." },
          ],
        },
      ],
    });
    await expectRefused(res, data);
  });

  it("HELD (other control): a PDF document is refused by the spend bound before any scan matters", async () => {
    const data = b64(`%PDF-1.4\nBT (jane.roe@example.org) Tj ET\n%%EOF\n`);
    const res = await messages({
      messages: [{ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data } }] }],
    });
    expect(res.status).toBe(400);
    expect((await providerSaw(data)).length).toBe(0);
  });
});

describe("false blocks (ordinary clean requests must pass)", () => {
  it.each([
    "Summarise the quarterly report and list three risks.",
    "Order 12345678 shipped 2024-03-14, total 1,234.56 USD.",
    "Request id 550e8400-e29b-41d4-a716-446655440000 failed; retry later.",
  ])("clean: %s", async (text) => {
    const res = await chat({ messages: [{ role: "user", content: text }] });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
});
