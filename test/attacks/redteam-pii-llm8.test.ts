// Red team s8, topic 1 (LLM proxy): a policy blocks e-mail, phone, card, IBAN and secrets. Each
// variant tries to get one such value to the model provider; each must answer 422 pii_blocked
// and the provider must receive nothing carrying the test's marker.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { FAKE_LLM_KEY } from "../support/secrets.js";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";

let org: SeededOrg;
let agentToken: string;

async function providerSaw(marker: string): Promise<string[]> {
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?contains=${encodeURIComponent(marker)}`)).json()) as Array<{ body: string }>;
  return seen.map((r) => r.body);
}

beforeAll(async () => {
  org = await seedOrg("rt8-llm");
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
    name: "rt8 block",
    egress: [],
    pii: {
      email: "block",
      phone: "block",
      credit_card: "block",
      iban: "block",
      secret: "block",
      person: "allow",
      organization: "allow",
      location: "allow",
      address: "allow",
    },
  });
  const attached = await call(`/api/v1/orgs/${org.orgId}/policies/${policy.id}/attach`, { method: "POST", token: t, body: { scope: "org" } });
  expect(attached.status, attached.text).toBe(201);
  agentToken = (await post("agents", { name: "rt8-bot" })).token;
});

const mark = () => `rt${Math.random().toString(36).slice(2)}`;
const chat = (body: Record<string, unknown>) =>
  call("/llm/openai/v1/chat/completions", { method: "POST", token: agentToken, body: { model: "gpt-test", ...body } });
const messages = (body: Record<string, unknown>) =>
  call("/llm/anthropic/v1/messages", { method: "POST", token: agentToken, body: { model: "claude-test", max_tokens: 64, ...body } });

async function expectRefused(send: (m: string) => Promise<{ status: number; text: string }>, value: string) {
  const m = mark();
  const res = await send(m);
  const saw = (await providerSaw(m)).filter((b) => b.includes(value));
  expect(res.status, `${res.status}; provider received the value: ${saw.length > 0} ${saw[0]?.slice(0, 300) ?? ""}`).toBe(422);
  expect(saw.length).toBe(0);
}

describe("HELD controls", () => {
  it("an IBAN in a plain user message is refused", async () => {
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} DE89370400440532013000` }] }), "DE89370400440532013000");
  });
  it("a GitHub token in a plain user message is refused", async () => {
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8` }] }), "ghp_A1b2");
  });
  it("e-mail with a small commercial at (U+FE6B) and soft hyphens is refused", async () => {
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} ja\u00adne.roe\ufe6bexa\u200bmple.org` }] }), "example.org");
  });
  it("a card in an Anthropic system block is refused", async () => {
    await expectRefused(
      (m) => messages({ system: [{ type: "text", text: `${m} card 4111 1111 1111 1111` }], messages: [{ role: "user", content: "hi" }] }),
      "4111 1111",
    );
  });
});

describe("BROKEN? LLM proxy", () => {
  it("attack: an IBAN as an Anthropic plain-text document source (data beside media_type is exempt)", async () => {
    await expectRefused(
      (m) =>
        messages({
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: `${m} read the document` },
                { type: "document", source: { type: "text", media_type: "text/plain", data: "DE89370400440532013000" } },
              ],
            },
          ],
        }),
      "DE89370400440532013000",
    );
  });

  it("attack: a GitHub token as tool_call_id / tool call id (shape of a provider id, exempt)", async () => {
    const tok = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    await expectRefused(
      (m) =>
        chat({
          messages: [
            { role: "user", content: `${m} hi` },
            { role: "assistant", tool_calls: [{ id: tok, type: "function", function: { name: "f", arguments: "{}" } }] },
            { role: "tool", tool_call_id: tok, content: "ok" },
          ],
        }),
      tok,
    );
  });

  it("attack: an IBAN as an Anthropic thinking block signature (exempt as an opaque blob)", async () => {
    await expectRefused(
      (m) =>
        messages({
          messages: [
            { role: "user", content: `${m} hi` },
            {
              role: "assistant",
              content: [
                { type: "thinking", thinking: "ok", signature: "DE89370400440532013000" },
                { type: "text", text: "ok" },
              ],
            },
            { role: "user", content: "go on" },
          ],
        }),
      "DE89370400440532013000",
    );
  });

  it("attack: an IBAN in tool-call arguments inside an object with a 'signature' key", async () => {
    await expectRefused(
      (m) =>
        chat({
          messages: [
            { role: "user", content: `${m} hi` },
            {
              role: "assistant",
              tool_calls: [
                { id: "call_x", type: "function", function: { name: "pay", arguments: JSON.stringify({ signature: "DE89370400440532013000" }) } },
              ],
            },
            { role: "tool", tool_call_id: "call_x", content: "ok" },
          ],
        }),
      "DE89370400440532013000",
    );
  });

  it("attack: card digits each followed by a combining low line (U+0332)", async () => {
    const card = "4111 1111 1111 1111".replace(/\d/g, (d) => `${d}\u0332`);
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} card ${card}` }] }), card);
  });

  it("attack: card digits as keycaps (digit + U+FE0F + U+20E3)", async () => {
    const card = "4111111111111111".replace(/\d/g, (d) => `${d}\ufe0f\u20e3`);
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} card ${card}` }] }), card);
  });

  it("attack: card digits as dingbat negative circled digits (no NFKC mapping)", async () => {
    const dingbat = (d: string) => (d === "0" ? "\u24ff" : String.fromCodePoint(0x2775 + Number(d)));
    const card = "4111 1111 1111 1111".replace(/\d/g, dingbat);
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} card ${card}` }] }), card);
  });

  it("attack: e-mail with an ideographic full stop (U+3002) as the dot of the domain", async () => {
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} write to jane.roe@example\u3002org` }] }), "jane.roe@example");
  });

  it("attack: e-mail spelled '(at)' and '(dot)'", async () => {
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} write to jane.roe (at) example (dot) org` }] }), "jane.roe (at)");
  });

  it("attack: a card glued to a word by a dash ('card-4111-1111-1111-1111')", async () => {
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} pay with card-4111-1111-1111-1111` }] }), "4111-1111-1111-1111");
  });

  it("attack: a card split between two messages more than 96 characters apart", async () => {
    const filler = "x".repeat(0) + "Please remember the first half above and the second half below, then join them. ".repeat(2);
    await expectRefused(
      (m) =>
        chat({
          messages: [
            { role: "user", content: `${m} first half: 4111 1111` },
            { role: "user", content: filler },
            { role: "user", content: "second half: 1111 1111" },
          ],
        }),
      "second half: 1111 1111",
    );
  });

  it("attack: a card split between a JSON key and its value inside tool-call arguments", async () => {
    await expectRefused(
      (m) =>
        chat({
          messages: [
            { role: "user", content: `${m} hi` },
            {
              role: "assistant",
              tool_calls: [{ id: "call_y", type: "function", function: { name: "pay", arguments: '{"4111 1111":"1111 1111"}' } }],
            },
            { role: "tool", tool_call_id: "call_y", content: "ok" },
          ],
        }),
      "4111 1111",
    );
  });

  it("attack: an e-mail base64-encoded in a user message", async () => {
    const b64 = btoa("jane.roe@example.org");
    await expectRefused((m) => chat({ messages: [{ role: "user", content: `${m} decode this base64 and write to it: ${b64}` }] }), b64);
  });

  it("attack: streaming request with a card in the OpenAI user message name field", async () => {
    await expectRefused(
      (m) => chat({ stream: true, messages: [{ role: "user", name: "4111111111111111", content: `${m} hi` }] }),
      "4111111111111111",
    );
  });
});
