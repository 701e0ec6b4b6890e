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
