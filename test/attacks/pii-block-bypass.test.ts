// Attack class: getting personal data past a `block` PII policy on the LLM proxy by changing how
// it is written (Unicode digits, separators, encodings) or where it is put (split over content
// parts, tool-schema keys, ids, binary-looking fields). Every variant must answer 422
// pii_blocked, name the category, echo no value, and leave the provider unreached.
import Anthropic from "@anthropic-ai/sdk";
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { FAKE_LLM_KEY } from "../support/secrets.js";
import { BASE, type SeededOrg, call, seedOrg } from "../workers/support/api.js";

let org: SeededOrg;
let agentToken: string;

const workerFetch = (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init));

async function providerRequestCount(): Promise<number> {
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=1000`)).json()) as unknown[];
  return seen.length;
}

beforeAll(async () => {
  org = await seedOrg("pii-bypass");
  const t = org.apiKey;
  const post = async (what: string, body: Record<string, unknown>) => {
    const res = await call(`/api/v1/orgs/${org.orgId}/${what}`, { method: "POST", token: t, body });
    expect(res.status, res.text).toBe(201);
    return res.json;
  };
  await post("credentials", { name: "fake-key", secret: FAKE_LLM_KEY, inject: { type: "bearer" } });
  await post("providers", { name: "openai-fake", kind: "openai", baseUrl: `${env.TEST_FAKE_LLM_URL}/v1`, credential: "fake-key" });
  await post("providers", {
    name: "anthropic-fake",
    kind: "anthropic",
    baseUrl: env.TEST_FAKE_LLM_URL,
    credential: "fake-key",
    models: ["claude-test"],
  });
  await post("prices", { model: "*", inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000 });
  const policy = await post("policies", {
    name: "block everything personal",
    egress: [],
    pii: {
      email: "block",
      phone: "block",
      credit_card: "block",
      tax_id: "block",
      iban: "block",
      ip_address: "block",
      person: "allow",
      organization: "allow",
      location: "allow",
      address: "allow",
    },
  });
  const attached = await call(`/api/v1/orgs/${org.orgId}/policies/${policy.id}/attach`, { method: "POST", token: t, body: { scope: "org" } });
  expect(attached.status, attached.text).toBe(201);
  agentToken = (await post("agents", { name: "bypass-bot" })).token;
});

const chat = (body: Record<string, unknown>) =>
  call("/llm/openai/v1/chat/completions", { method: "POST", token: agentToken, body: { model: "gpt-test", ...body } });
const responses = (body: Record<string, unknown>) =>
  call("/llm/openai/v1/responses", { method: "POST", token: agentToken, body: { model: "gpt-test", ...body } });
const messages = (body: Record<string, unknown>) =>
  call("/llm/anthropic/v1/messages", { method: "POST", token: agentToken, body: { model: "claude-test", max_tokens: 64, ...body } });

/** The attack is refused: 422 pii_blocked naming the category, nothing forwarded, no value echoed. */
async function expectBlocked(send: () => Promise<{ status: number; json: any; text: string }>, category: string, secrets: string[]) {
  const before = await providerRequestCount();
  const res = await send();
  expect(res.status, res.text).toBe(422);
  expect(res.json.error.code).toBe("pii_blocked");
  expect(res.text).toContain(category);
  for (const s of secrets) expect(res.text).not.toContain(s);
  expect(await providerRequestCount()).toBe(before);
}

const user = (content: unknown) => ({ messages: [{ role: "user", content }] });

/** `ascii` with every digit written in the script whose zero is `zero`. */
const inDigits = (zero: number, ascii: string) => ascii.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));

describe("attack: card digits written with other Unicode digits", () => {
  it.each([
    ["Arabic-Indic digits", inDigits(0x660, "4111 1111 1111 1111")],
    ["extended Arabic-Indic digits", inDigits(0x6f0, "4111-1111-1111-1111")],
    ["Devanagari digits", inDigits(0x966, "4111 111111111111")],
    ["Bengali digits", inDigits(0x9e6, "4111111111111111")],
    ["Thai digits", inDigits(0xe50, "5555 5555 5555 4444")],
    ["full-width digits", inDigits(0xff10, "4111 1111 1111 1111")],
    ["mathematical bold digits", inDigits(0x1d7ce, "4111 1111 1111 1111")],
  ])("%s are read as the card they spell", async (_name, card) => {
    await expectBlocked(() => chat(user(`pay with ${card} please`)), "credit_card", [card]);
  });
});

describe("attack: card digits with dots, spaces and other separators", () => {
  it.each([
    ["dots", "4111.1111.1111.1111"],
    ["a space between every digit", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"],
    ["underscores", "4111_1111_1111_1111"],
    ["slashes", "4111/1111/1111/1111"],
    ["no-break spaces", "4111\u00a01111\u00a01111\u00a01111"],
    ["en dashes", "4111–1111–1111–1111"],
    ["zero-width spaces inside the groups", "41\u200b11 11\u200b11 1111 1111"],
    ["a 13-digit Visa", "4222222222222"],
    ["a 19-digit card", "6011000990139424009"],
  ])("%s", async (_name, card) => {
    await expectBlocked(() => chat(user(`card: ${card}`)), "credit_card", [card]);
  });
});

describe("attack: e-mail addresses behind URL and HTML encodings", () => {
  it.each([
    ["%40", "jane.doe%40example.com"],
    ["&#64;", "jane.doe&#64;example.com"],
    ["&#x40;", "jane.doe&#x40;example.com"],
    ["&commat;", "jane.doe&commat;example.com"],
    ["double-encoded %2540", "jane.doe%2540example.com"],
    ["a percent-encoded whole address", "%6A%61%6E%65%40%65%78%61%6D%70%6C%65%2E%63%6F%6D"],
    ["full-width at sign", "jane.doe＠example.com"],
  ])("%s", async (_name, email) => {
    await expectBlocked(() => chat(user(`write to ${email} today`)), "email", [email]);
  });
});

describe("attack: a value split over the content parts of one message", () => {
  it("a card over three text parts (OpenAI chat)", async () => {
    const parts = ["my card is 4111 11", "11 1111 ", "1111 thanks"].map((text) => ({ type: "text", text }));
    await expectBlocked(() => chat(user(parts)), "credit_card", ["4111"]);
  });

  it("a card over three text blocks (Anthropic messages)", async () => {
    const blocks = ["4111", "1111 1111", "1111"].map((text) => ({ type: "text", text }));
    await expectBlocked(() => messages(user(blocks)), "credit_card", ["4111"]);
  });

  it("a card over three input_text parts (OpenAI responses)", async () => {
    const content = ["pay 41", "11111111111", "111"].map((text) => ({ type: "input_text", text }));
    await expectBlocked(() => responses({ input: [{ role: "user", content }] }), "credit_card", ["4111"]);
  });

  it("an e-mail over four parts, one character at the seams", async () => {
    const parts = ["mail jane", ".doe@exa", "mple.c", "om now"].map((text) => ({ type: "text", text }));
    await expectBlocked(() => chat(user(parts)), "email", ["jane.doe"]);
  });
});

describe("attack: values placed in tool-schema property names", () => {
  it("an e-mail as a property name of an OpenAI function's parameters", async () => {
    const tools = [
      { type: "function", function: { name: "send", parameters: { type: "object", properties: { "jane.doe@example.com": { type: "string" } } } } },
    ];
    await expectBlocked(() => chat({ ...user("hi"), tools }), "email", ["jane.doe@example.com"]);
  });

  it("a card as a nested property name of an Anthropic tool's input_schema", async () => {
    const tools = [
      {
        name: "pay",
        input_schema: { type: "object", properties: { card: { type: "object", properties: { "4111 1111 1111 1111": { type: "string" } } } } },
      },
    ];
    await expectBlocked(() => messages({ ...user("hi"), tools }), "credit_card", ["4111"]);
  });

  it("an e-mail in a tool's enum and in its required list", async () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "send",
          parameters: { type: "object", properties: { to: { enum: ["jane.doe@example.com"] } }, required: ["jane@example.org"] },
        },
      },
    ];
    await expectBlocked(() => chat({ ...user("hi"), tools }), "email", ["jane.doe@example.com", "jane@example.org"]);
  });

  it("a phone number as a Responses function tool's property name", async () => {
    const tools = [{ type: "function", name: "call", parameters: { type: "object", properties: { "+1 415 555 2671": { type: "string" } } } }];
    await expectBlocked(() => responses({ input: "hi", tools }), "phone", ["555 2671"]);
  });
});

describe("attack: values placed in id and tool_call_id fields", () => {
  it("a card as an OpenAI tool call id and as the tool message's tool_call_id", async () => {
    const body = {
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", tool_calls: [{ id: "4111 1111 1111 1111", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "4111 1111 1111 1111", content: "ok" },
      ],
    };
    await expectBlocked(() => chat(body), "credit_card", ["4111"]);
  });

  it("an e-mail as an Anthropic tool_use id and tool_result tool_use_id", async () => {
    const body = {
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: [{ type: "tool_use", id: "jane.doe@example.com", name: "f", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "jane.doe@example.com", content: "ok" }] },
      ],
    };
    await expectBlocked(() => messages(body), "email", ["jane.doe@example.com"]);
  });

  it("an IBAN as a Responses function_call call_id and an item id", async () => {
    const iban = "DE89370400440532013000";
    const body = {
      input: [
        { type: "function_call", id: iban, call_id: iban, name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: iban, output: "ok" },
      ],
    };
    await expectBlocked(() => responses(body), "iban", [iban]);
  });

  it("an e-mail in previous_response_id", async () => {
    await expectBlocked(() => responses({ input: "hi", previous_response_id: "jane.doe@example.com" }), "email", ["jane.doe@example.com"]);
  });
});

describe("attack: values in the data of an object with a format key", () => {
  it("a card as OpenAI input_audio data", async () => {
    const content = [{ type: "input_audio", input_audio: { data: "4111 1111 1111 1111", format: "wav" } }];
    await expectBlocked(() => chat(user(content)), "credit_card", ["4111"]);
  });

  it("an unspaced card (base64 characters, no letter) as data", async () => {
    const content = [{ type: "input_audio", input_audio: { data: "4111111111111111", format: "mp3" } }];
    await expectBlocked(() => chat(user(content)), "credit_card", ["4111"]);
  });

  it("an e-mail as data of any object with a format key", async () => {
    await expectBlocked(() => chat({ ...user("hi"), metadata_blob: { format: "text", data: "jane.doe@example.com" } }), "email", ["jane.doe"]);
  });

  it("an e-mail in a data: URL that is not base64", async () => {
    const content = [{ type: "image_url", image_url: { url: "data:text/plain,jane.doe@example.com" } }];
    await expectBlocked(() => chat(user(content)), "email", ["jane.doe"]);
  });
});

describe("what stays exempt", () => {
  it("provider-issued ids and real base64 images pass a block-everything policy", async () => {
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    const res = await chat({
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }] },
        { role: "assistant", tool_calls: [{ id: "call_Qm3kZt9WpL2xV8nR4bYc7HdJ", type: "function", function: { name: "lookup", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_Qm3kZt9WpL2xV8nR4bYc7HdJ", content: "done" },
        { role: "user", content: "thanks" },
      ],
    });
    expect(res.status, res.text).toBe(200);
  });

  it("the official SDKs get 422 for a split card (OpenAI) and an encoded e-mail (Anthropic)", async () => {
    const openai = new OpenAI({ apiKey: agentToken, baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 0 });
    const split = openai.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: ["4111 1111", " 1111", " 1111"].map((text) => ({ type: "text" as const, text })) }],
    });
    await expect(split).rejects.toMatchObject({ status: 422 });
    const anthropic = new Anthropic({ apiKey: agentToken, baseURL: `${BASE}/llm/anthropic`, fetch: workerFetch, maxRetries: 0 });
    const encoded = anthropic.messages.create({
      model: "claude-test",
      max_tokens: 16,
      messages: [{ role: "user", content: "jane.doe&#64;example.com" }],
    });
    await expect(encoded).rejects.toMatchObject({ status: 422 });
  });
});

describe("exempt-field, Unicode-form, glued and split-value variants (issue 19)", () => {
  const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

  it("attack: an IBAN as the encrypted_content of a Responses reasoning item", async () => {
    await expectBlocked(
      () =>
        responses({
          input: [
            { type: "reasoning", id: "rs_0a1b2c3d4e5f6a7b8c9d0e1f", summary: [], encrypted_content: "DE89370400440532013000" },
            { role: "user", content: "go on" },
          ],
        }),
      "iban",
      ["DE89370400440532013000"],
    );
  });

  it("attack: an IBAN as the data of an OpenAI input_audio part (data beside format)", async () => {
    await expectBlocked(() => chat(user([{ type: "input_audio", input_audio: { data: "GB82WEST12345698765432", format: "wav" } }])), "iban", [
      "GB82WEST12345698765432",
    ]);
  });

  it("attack: an e-mail as base64 text labelled application/pdf in an Anthropic document", async () => {
    const data = b64("Send the invoice to jane.roe@example.org today.");
    await expectBlocked(() => messages(user([{ type: "document", source: { type: "base64", media_type: "application/pdf", data } }])), "email", [
      data,
    ]);
  });

  it("attack: a card in a data:text/plain;base64 URL given as an image", async () => {
    const url = `data:text/plain;base64,${b64("card 4111 1111 1111 1111")}`;
    await expectBlocked(() => chat(user([{ type: "image_url", image_url: { url } }])), "credit_card", [url]);
  });

  it("attack: a phone number as an Anthropic redacted_thinking data blob and a card as tool_use_id", async () => {
    await expectBlocked(
      () =>
        messages({
          messages: [
            { role: "user", content: "hi" },
            { role: "assistant", content: [{ type: "redacted_thinking", data: "call +44 20 7946 0958" }] },
            { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_4111111111111111", content: "ok" }] },
          ],
        }),
      "phone",
      ["7946 0958"],
    );
  });

  it("attack: card digits as parenthesised, double-circled and dingbat sans-serif digits", async () => {
    const forms = [
      (d: number) => (d === 0 ? "\u24ea" : String.fromCodePoint(0x2473 + d)),
      (d: number) => (d === 0 ? "\u24ff" : String.fromCodePoint(0x24f4 + d)),
      (d: number) => (d === 0 ? "\u{1f10b}" : String.fromCodePoint(0x277f + d)),
      (d: number) => String.fromCodePoint(0x1f101 + d),
    ];
    for (const form of forms) {
      const card = "4111 1111 1111 1111".replace(/\d/g, (d) => form(Number(d)));
      await expectBlocked(() => chat(user(`card ${card}`)), "credit_card", [card]);
    }
  });

  it("attack: card digits each wrapped in an enclosing circle (U+20DD) or a grave accent (U+0300)", async () => {
    for (const mark of ["\u20dd", "\u0300", "\ufe0e\u20e3"]) {
      const card = "5500 0055 5555 5559".replace(/\d/g, (d) => `${d}${mark}`);
      await expectBlocked(() => chat(user(`card ${card}`)), "credit_card", [card]);
    }
  });

  it("attack: e-mails with a full-width or half-width full stop, bracketed [at]/{dot}, and a mark in the local part", async () => {
    for (const email of [
      "jane.roe@example\uff0eorg",
      "jane.roe@example\uff61org",
      "jane.roe [at] example [dot] org",
      "jane.roe{at}example{dot}org",
      "jane\u0332.roe@example.org",
      "jane.roe AT example DOT org",
    ]) {
      await expectBlocked(() => chat(user(`mail ${email}`)), "email", [email]);
    }
  });

  it("attack: cards glued to words on either side", async () => {
    for (const glued of ["ref4111111111111111", "4111111111111111EOF", "acct_5500005555555559", "pay.with.4111-1111-1111-1111"]) {
      await expectBlocked(() => chat(user(`use ${glued}`)), "credit_card", [glued]);
    }
  });

  it("attack: a card one group per message, with long filler between the messages", async () => {
    const filler = { role: "user", content: "Some unrelated words to push the parts apart from each other. ".repeat(4) };
    const parts = ["4111", "1111", "1111", "1111"].flatMap((g) => [{ role: "user", content: `part: ${g}` }, filler]);
    await expectBlocked(() => chat({ messages: parts }), "credit_card", []);
  });

  it("attack: an IBAN split between a tool-schema property name and its description", async () => {
    await expectBlocked(
      () =>
        chat({
          messages: [{ role: "user", content: "hi" }],
          tools: [
            {
              type: "function",
              function: {
                name: "pay",
                parameters: { type: "object", properties: { "DE89 3704 0044": { type: "string", description: "0532 0130 00" } } },
              },
            },
          ],
        }),
      "iban",
      ["0532 0130 00"],
    );
  });

  it("attack: an e-mail split between a JSON key and its value in Anthropic tool_use input", async () => {
    await expectBlocked(
      () =>
        messages({
          messages: [
            { role: "user", content: "hi" },
            {
              role: "assistant",
              content: [{ type: "tool_use", id: "toolu_01AbCdEfGhIjKlMnOpQrStUv", name: "mail", input: { "jane.roe@": "example.org" } }],
            },
            { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01AbCdEfGhIjKlMnOpQrStUv", content: "sent" }] },
          ],
        }),
      "email",
      ["jane.roe@"],
    );
  });

  it("control: provider ids, a real thinking signature, a PNG and dates in several messages still pass", async () => {
    const png = btoa(`\x89PNG\r\n\x1a\n${"\x00\x01\x02\x03".repeat(64)}`);
    const res = await messages({
      messages: [
        { role: "user", content: "On 2024-01-05 we met; on 2025-03-07 again." },
        {
          role: "assistant",
          content: [
            {
              type: "thinking",
              thinking: "ok",
              signature: "EqQBCgIYAhIMaB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO1pQ3rS5tU7vW9xY1zA3bC5dE7==",
            },
            { type: "tool_use", id: "toolu_01AbCdEfGhIjKlMnOpQrStUv", name: "look", input: { at: "2024-06-01", count: "12" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_01AbCdEfGhIjKlMnOpQrStUv", content: "3 rows, updated 2024-06-02 10:15" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: png } },
          ],
        },
      ],
    });
    expect(res.status, res.text).toBe(200);
  });
});
