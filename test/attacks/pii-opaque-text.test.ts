// Attack class: written text placed in a field the proxy treats as provider-issued and opaque
// (a thinking block's `signature`, a reasoning item's `encrypted_content`, a `redacted_thinking`
// block's `data`), where only the pattern detectors look, so names and addresses pass under a
// policy that blocks them. A provider-issued value never holds whitespace; one that does is read as
// content. Each variant must answer 422 pii_blocked with the provider unreached; real opaque
// values still pass.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let org: SeededOrg;
let token: string;
const PATIENT = "Patient John Smith of 221B Baker Street, London NW1 6XE";

beforeAll(async () => {
  org = await fakeProviderOrg("pii-opaque-text");
  const agent = await createAgent(org, { name: "opaque-strict" });
  await attachPolicy(org, { name: "opaque strict", pii: { person: "block", address: "block", email: "block" } }, { scope: "agent", id: agent.id });
  token = agent.token;
});

// A digit keeps the marker from reading as a word: "hello opttsmpcnc" can be a greeted name.
const mark = () => `op${Math.random().toString(36).slice(2, 10)}9`;

async function providerSaw(needle: string): Promise<string[]> {
  const url = `${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${encodeURIComponent(needle)}`;
  return ((await (await fetch(url)).json()) as Array<{ body: string }>).map((r) => r.body);
}

const messages = (body: Record<string, unknown>) =>
  call("/llm/anthropic/v1/messages", { method: "POST", token, body: { model: "claude-test", max_tokens: 64, ...body } });
const responses = (body: Record<string, unknown>) =>
  call("/llm/openai/v1/responses", { method: "POST", token, body: { model: "gpt-test", ...body } });

async function expectRefused(res: { status: number; text: string }, m: string) {
  expect(res.status, res.text.slice(0, 300)).toBe(422);
  expect(res.text).not.toContain("John Smith");
  expect(await providerSaw(m)).toEqual([]);
}

describe("attack: names and addresses written into opaque fields reach the provider", () => {
  it("a thinking block's signature holding a sentence", async () => {
    const m = mark();
    const assistant = {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "ok", signature: `${PATIENT} (ref ${m})` },
        { type: "text", text: "hi" },
      ],
    };
    await expectRefused(await messages({ messages: [{ role: "user", content: `hello ${m}` }, assistant, { role: "user", content: "go on" }] }), m);
  });

  it("a redacted_thinking block's data holding a sentence", async () => {
    const m = mark();
    const assistant = {
      role: "assistant",
      content: [
        { type: "redacted_thinking", data: `${PATIENT}, ref ${m}` },
        { type: "text", text: "hi" },
      ],
    };
    await expectRefused(await messages({ messages: [{ role: "user", content: `hello ${m}` }, assistant, { role: "user", content: "go on" }] }), m);
  });

  it("a Responses reasoning item's encrypted_content holding a sentence and an e-mail split from it", async () => {
    const m = mark();
    const reasoning = { type: "reasoning", id: "rs_0a1b2c3d4e5f6a7b8c9d0e1f", summary: [], encrypted_content: `${PATIENT}; note ${m}` };
    await expectRefused(await responses({ input: [reasoning, { role: "user", content: `go on ${m}` }] }), m);
  });
});

describe("control: provider-issued opaque values pass", () => {
  it("a real-looking signature, redacted_thinking data and encrypted_content are forwarded unchanged", async () => {
    const m = mark();
    const signature = "EqQBCgIYAhIMaB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO1pQ3rS5tU7vW9xY1zA3bC5dE7==";
    const res = await messages({
      messages: [
        { role: "user", content: `hello ${m}` },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "ok", signature },
            { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP" },
            { type: "text", text: "hi" },
          ],
        },
        { role: "user", content: "go on" },
      ],
    });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const [body] = await providerSaw(m);
    expect(body).toContain(signature);
  });
});
