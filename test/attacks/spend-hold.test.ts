// Attack class: a spend hold that is not an upper bound. Each burst below is shaped so a provider
// bills more than the old estimate held (CJK text, n choices, no or a misplaced output limit,
// images, tools); the fake provider (`fake-max-usage`) reports the most a real provider could
// bill for the request, and the agent's limit must still never be passed. Calls whose cost cannot
// be bounded before they are made are refused: 400, nothing sent, nothing charged.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { SeededOrg } from "../workers/support/api.js";
import { LLM_PATHS, agentLimit, costByAgent, errorCode, limitLive, llmCall, llmOrg, marker, newAgent, providerCalls } from "./support.js";

let org: SeededOrg;

beforeAll(async () => {
  org = await llmOrg("atk-hold");
});

const CJK = "漢字仮名交じり文".repeat(250); // 2,000 characters, 6,000 UTF-8 bytes

interface Burst {
  path: string;
  body: (mark: string) => Record<string, unknown>;
  count: number;
  limitMicros: number;
  keyed?: boolean;
}

/** Sends `count` concurrent calls for a new agent under an agent limit, and checks the limit held. */
async function burst({ path, body, count, limitMicros, keyed }: Burst) {
  const agent = await newAgent(org);
  const limitId = await agentLimit(org, agent.id, limitMicros);
  const mark = marker("hold");
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => llmCall(agent.token, path, body(mark), keyed ? { "idempotency-key": `${mark}-${i}` } : {})),
  );
  const ok = answers.filter((a) => a.status === 200).length;
  const refused = answers.filter((a) => a.status === 429);
  // Every call either went through or was refused for spend, in the provider's format.
  expect(ok + refused.length, JSON.stringify(answers.map((a) => [a.status, a.text.slice(0, 200)]))).toBe(count);
  for (const r of refused) expect(errorCode(r)).toBe("spend_limit");
  const live = await limitLive(org, limitId);
  expect(live.spentMicros).toBeLessThanOrEqual(limitMicros);
  // Refused calls never reached the provider.
  expect(await providerCalls(mark)).toBe(ok);
  return { ok, refused: refused.length, live };
}

const chat = (content: unknown, extra: Record<string, unknown> = {}) => ({
  model: "fake-max-usage",
  messages: [{ role: "user", content }],
  ...extra,
});

describe("attack: a burst of calls the old hold under-counted settles above the limit", () => {
  it("CJK text (about one token per character, not four) in chat completions", async () => {
    const r = await burst({ path: LLM_PATHS.chat, body: (m) => chat(`${m} ${CJK}`, { max_tokens: 100 }), count: 30, limitMicros: 60_000 });
    expect(r.ok).toBeGreaterThan(0);
  });

  it("CJK text in Anthropic messages", async () => {
    const r = await burst({
      path: LLM_PATHS.messages,
      body: (m) => chat(`${m} ${CJK}`, { max_tokens: 100 }),
      count: 30,
      limitMicros: 60_000,
    });
    expect(r.ok).toBeGreaterThan(0);
  });

  it("CJK text with an Idempotency-Key per call (holds at the org's object, not a lease)", async () => {
    const r = await burst({
      path: LLM_PATHS.chat,
      body: (m) => chat(`${m} ${CJK}`, { max_tokens: 100 }),
      count: 20,
      limitMicros: 60_000,
      keyed: true,
    });
    expect(r.ok).toBeGreaterThan(0);
  });

  it("50 concurrent streams against a limit worth about 10 of them never settle above it", async () => {
    const one = { model: "fake-max-usage", stream: true, max_tokens: 200, messages: [{ role: "user", content: "stream me" }] };
    // 1 µ$ per token: each stream holds its prompt bytes plus 200 output tokens, about 400 µ$.
    const { ok, refused } = await burst({
      path: LLM_PATHS.chat,
      body: (m) => ({ ...one, messages: [{ role: "user", content: `${m} stream me` }] }),
      count: 50,
      limitMicros: 10 * 400,
    });
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it("n choices multiply the output", async () => {
    const r = await burst({ path: LLM_PATHS.chat, body: (m) => chat(m, { max_tokens: 200, n: 16 }), count: 30, limitMicros: 40_000 });
    expect(r.ok).toBeGreaterThan(0);
  });

  it("best_of multiplies the output too", async () => {
    await burst({ path: LLM_PATHS.chat, body: (m) => chat(m, { max_tokens: 200, best_of: 16 }), count: 30, limitMicros: 40_000 });
  });

  it("no output limit at all (the provider may write up to the model's maximum)", async () => {
    await burst({ path: LLM_PATHS.chat, body: (m) => chat(m), count: 8, limitMicros: 400_000 });
  });

  it("an output limit in a field the endpoint ignores (max_tokens on the Responses API)", async () => {
    await burst({ path: LLM_PATHS.responses, body: (m) => ({ model: "fake-max-usage", input: m, max_tokens: 16 }), count: 8, limitMicros: 400_000 });
  });

  it("images by URL, billed by the provider far above their bytes", async () => {
    const image = (i: number) => ({ type: "image_url", image_url: { url: `https://img.example/${i}.png`, detail: "high" } });
    const r = await burst({
      path: LLM_PATHS.chat,
      body: (m) => chat([{ type: "text", text: m }, image(1), image(2)], { max_tokens: 16 }),
      count: 10,
      limitMicros: 500_000,
    });
    expect(r.ok).toBeGreaterThan(0);
  });

  it("images in Responses input and in an Anthropic tool result", async () => {
    await burst({
      path: LLM_PATHS.responses,
      body: (m) => ({
        model: "fake-max-usage",
        max_output_tokens: 16,
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: m },
              { type: "input_image", image_url: "https://img.example/a.png" },
            ],
          },
        ],
      }),
      count: 10,
      limitMicros: 300_000,
    });
    await burst({
      path: LLM_PATHS.messages,
      body: (m) => ({
        model: "fake-max-usage",
        max_tokens: 16,
        messages: [
          { role: "user", content: m },
          { role: "assistant", content: [{ type: "tool_use", id: "tu_1", name: "shot", input: {} }] },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "tu_1", content: [{ type: "image", source: { type: "url", url: "https://img.example/b.png" } }] },
            ],
          },
        ],
      }),
      count: 10,
      limitMicros: 300_000,
    });
  });

  it("tool definitions, which add a hidden tool-use prompt", async () => {
    const r = await burst({
      path: LLM_PATHS.messages,
      body: (m) => ({
        model: "fake-max-usage",
        max_tokens: 16,
        tools: [{ name: "lookup", description: "d", input_schema: { type: "object", properties: {} } }],
        messages: [{ role: "user", content: m }],
      }),
      count: 20,
      limitMicros: 5_000,
    });
    expect(r.ok).toBeGreaterThan(0);
  });
});

describe("attack: cache writes billed above the input price", () => {
  it("Anthropic prompt caching is charged as billed (writes at up to twice the input price) and stays under the limit", async () => {
    const agent = await newAgent(org);
    const limitMicros = 40_000;
    const limitId = await agentLimit(org, agent.id, limitMicros);
    const mark = marker("cache");
    const body = {
      model: "fake-max-usage",
      max_tokens: 100,
      system: [{ type: "text", text: `${mark} ${"policy text ".repeat(300)}`, cache_control: { type: "ephemeral", ttl: "1h" } }],
      messages: [{ role: "user", content: mark }],
    };
    const answers = await Promise.all(Array.from({ length: 12 }, () => llmCall(agent.token, LLM_PATHS.messages, body)));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length + answers.filter((a) => a.status === 429).length).toBe(answers.length);
    // What the provider billed, in input-price tokens: reads and plain input once, 1-hour writes twice.
    const billed = ok.reduce((sum, a) => {
      const u = a.json.usage;
      return sum + u.input_tokens + u.cache_read_input_tokens + 2 * u.cache_creation_input_tokens + u.output_tokens;
    }, 0);
    expect(ok[0]!.json.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect((await costByAgent(org)).get(agent.id)).toBe(billed);
    expect((await limitLive(org, limitId)).spentMicros).toBeLessThanOrEqual(limitMicros);
  });
});

describe("attack: calls whose cost cannot be bounded before they are made", () => {
  const refusals: Array<[string, keyof typeof LLM_PATHS, (m: string) => Record<string, unknown>]> = [
    ["stored context by previous_response_id", "responses", (m) => ({ model: "fake-model", input: m, previous_response_id: "resp_123" })],
    ["stored context by conversation", "responses", (m) => ({ model: "fake-model", input: m, conversation: "conv_123" })],
    ["a stored prompt template", "responses", (m) => ({ model: "fake-model", input: m, prompt: { id: "pmpt_123" } })],
    [
      "an item_reference to a stored item",
      "responses",
      (m) => ({
        model: "fake-model",
        input: [
          { type: "item_reference", id: "msg_123" },
          { role: "user", content: m },
        ],
      }),
    ],
    ["a server-side web search tool (Responses)", "responses", (m) => ({ model: "fake-model", input: m, tools: [{ type: "web_search" }] })],
    [
      "a code interpreter tool",
      "responses",
      (m) => ({ model: "fake-model", input: m, tools: [{ type: "code_interpreter", container: { type: "auto" } }] }),
    ],
    ["web search options (chat)", "chat", (m) => chat(m, { model: "fake-model", web_search_options: {} })],
    [
      "an Anthropic server tool",
      "messages",
      (m) => ({
        model: "fake-model",
        max_tokens: 16,
        messages: [{ role: "user", content: m }],
        tools: [{ type: "web_search_20250305", name: "web_search" }],
      }),
    ],
    [
      "an Anthropic MCP connector",
      "messages",
      (m) => ({
        model: "fake-model",
        max_tokens: 16,
        messages: [{ role: "user", content: m }],
        mcp_servers: [{ type: "url", url: "https://mcp.example", name: "x" }],
      }),
    ],
    [
      "a file part by id (chat)",
      "chat",
      (m) =>
        chat(
          [
            { type: "text", text: m },
            { type: "file", file: { file_id: "file-abc" } },
          ],
          { model: "fake-model" },
        ),
    ],
    [
      "an input_file by URL (Responses)",
      "responses",
      (m) => ({
        model: "fake-model",
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: m },
              { type: "input_file", file_url: "https://files.example/a.pdf" },
            ],
          },
        ],
      }),
    ],
    [
      "a PDF document (Anthropic)",
      "messages",
      (m) => ({
        model: "fake-model",
        max_tokens: 16,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: m },
              { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" } },
            ],
          },
        ],
      }),
    ],
    [
      "audio input",
      "chat",
      (m) =>
        chat(
          [
            { type: "text", text: m },
            { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
          ],
          { model: "fake-model" },
        ),
    ],
    ["audio output", "chat", (m) => chat(m, { model: "fake-model", modalities: ["text", "audio"], audio: { voice: "alloy", format: "wav" } })],
    ["n as a string a lenient server would read as a number", "chat", (m) => chat(m, { model: "fake-model", n: "64" })],
    ["an output limit as a string", "chat", (m) => chat(m, { model: "fake-model", max_tokens: "100000" })],
    ["a priority service tier, billed above list price", "chat", (m) => chat(m, { model: "fake-model", service_tier: "priority" })],
  ];
  it.each(refusals)("%s is refused with 400, never sent and never charged", async (_name, endpoint, body) => {
    const agent = await newAgent(org);
    const limitId = await agentLimit(org, agent.id, 1_000_000_000);
    const mark = marker("unbounded");
    const answer = await llmCall(agent.token, LLM_PATHS[endpoint], body(mark));
    expect(answer.status, answer.text).toBe(400);
    expect(errorCode(answer)).toBe("bad_request");
    expect(answer.text).not.toContain(mark);
    expect(await providerCalls(mark)).toBe(0);
    expect(await limitLive(org, limitId)).toMatchObject({ spentMicros: 0, reservedMicros: 0 });
  });
});

describe("usage always arrives", () => {
  it("a chat stream that did not ask for usage is charged what the provider reports, not its whole hold", async () => {
    const agent = await newAgent(org);
    const mark = marker("stream-usage");
    const body = { model: "fake-model", max_tokens: 5_000, messages: [{ role: "user", content: mark }] };
    // The same call without streaming shows what the fake bills for it.
    const plain = await llmCall(agent.token, LLM_PATHS.chat, body);
    const billed = plain.json.usage.prompt_tokens + plain.json.usage.completion_tokens;
    const streamed = await llmCall(agent.token, LLM_PATHS.chat, { ...body, stream: true });
    expect(streamed.status).toBe(200);
    const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?contains=${mark}`)).json()) as Array<{ body: string }>;
    expect(JSON.parse(seen[1]!.body).stream_options).toEqual({ include_usage: true });
    // The agent gets the stream it asked for: without the usage chunk it did not ask for.
    expect(streamed.text).toContain("[DONE]");
    expect(streamed.text).not.toContain('"usage"');
    // Both calls settled on the provider's usage (1 µ$ a token), far below the 5,000-token hold.
    expect((await costByAgent(org)).get(agent.id)).toBe(2 * billed);
    // An agent that asks for usage gets it.
    const asked = await llmCall(agent.token, LLM_PATHS.chat, { ...body, stream: true, stream_options: { include_usage: true } });
    expect(asked.text).toContain('"usage"');
  });
});
