// Provider request building, error mapping, usage extraction, JSON restoration and cost
// estimates, inside workerd.
import { describe, expect, it } from "vitest";
import { scrubText } from "../../../workers/egress/scrub.js";
import { AppError } from "../../../workers/errors.js";
import {
  buildUpstreamRequest,
  endpointOf,
  PROVIDER_TOOL_TOKENS,
  requestShape,
  spendEstimate,
  TOOL_PROMPT_TOKENS,
  utf8Length,
  anthropicUsageOf,
  extractUsage,
  mergeAnthropicCounts,
  fetchUpstream,
  llmErrorResponse,
  mapUpstreamError,
  readTextWithin,
  restoreJsonText,
  searchOf,
  UpstreamDeadline,
  upstreamUrl,
} from "../../../workers/llm/index.js";
import type { RestorerFactory } from "../../../workers/llm/types.js";
import { createRestorer } from "../../../workers/pii/index.js";
import { placeholderRestorer } from "../../support/llm-restorer.js";

const KEY = "sk-provider-key-abcdefghijklmnop";

function agentRequest(headers: Record<string, string>): Request {
  return new Request("https://edge.example/llm/x/v1/chat/completions", { method: "POST", headers, body: "{}" });
}

describe("buildUpstreamRequest", () => {
  const agentHeaders = {
    authorization: "Bearer pal_agent_secret",
    "x-api-key": "pal_agent_secret",
    cookie: "session=abc",
    connection: "keep-alive, x-custom",
    "keep-alive": "timeout=5",
    te: "trailers",
    "x-forwarded-for": "10.0.0.1",
    "content-type": "application/json",
    accept: "text/event-stream",
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "tools-2024",
    "openai-beta": "assistants=v2",
  };

  it("injects the OpenAI key as Bearer and drops the agent's credentials and hop-by-hop headers", () => {
    const req = buildUpstreamRequest(
      agentRequest(agentHeaders),
      { kind: "openai", baseUrl: "https://api.openai.com/v1", apiKey: KEY },
      { path: "/v1/chat/completions", body: '{"a":1}' },
    );
    expect(req.url).toBe("https://api.openai.com/v1/chat/completions");
    expect(req.headers.get("authorization")).toBe(`Bearer ${KEY}`);
    for (const h of ["x-api-key", "cookie", "connection", "keep-alive", "te", "x-forwarded-for"]) expect(req.headers.get(h), h).toBeNull();
    for (const h of ["content-type", "accept", "anthropic-beta", "openai-beta"])
      expect(req.headers.get(h), h).toBe(agentHeaders[h as keyof typeof agentHeaders]);
    expect(req.redirect).toBe("manual");
  });

  it("injects the Anthropic key as x-api-key, never Authorization, with a default version", () => {
    const req = buildUpstreamRequest(
      agentRequest({ authorization: "Bearer pal_agent_secret" }),
      { kind: "anthropic", baseUrl: "https://api.anthropic.com", apiKey: KEY },
      { path: "/v1/messages", body: "{}" },
    );
    expect(req.url).toBe("https://api.anthropic.com/v1/messages");
    expect(req.headers.get("x-api-key")).toBe(KEY);
    expect(req.headers.get("authorization")).toBeNull();
    expect(req.headers.get("anthropic-version")).toBe("2023-06-01");
    expect(req.headers.get("content-type")).toBe("application/json");
  });

  it("joins base URLs and paths with a single /v1 and keeps a path prefix", () => {
    expect(upstreamUrl("http://127.0.0.1:8788", "/v1/models").href).toBe("http://127.0.0.1:8788/v1/models");
    expect(upstreamUrl("https://gw.example/openai/v1/", "/v1/responses", "?x=1").href).toBe("https://gw.example/openai/v1/responses?x=1");
    expect(upstreamUrl("https://gw.example/openai", "/v1/responses").href).toBe("https://gw.example/openai/v1/responses");
  });

  it("sends to the URL upstreamUrl joins, the same on every call and with any query, for paths that need encoding", () => {
    const bases = ["https://api.openai.com/v1", "https://gw.example/openai/v1/", "http://127.0.0.1:8788"];
    // Hono hands the route a decoded path: "?", "#", "%" and spaces in it stay part of the path.
    const paths = ["/v1/chat/completions", "/v1/a b/%2F?x=1#frag", "/v1/ü/../c", "v1/models"];
    for (const baseUrl of bases)
      for (const path of paths)
        for (const search of ["", "?limit=2&after=a%20b", "?"]) {
          const expected = upstreamUrl(baseUrl, path, search).href;
          for (let call = 0; call < 2; call++) {
            const req = buildUpstreamRequest(agentRequest({}), { kind: "openai", baseUrl, apiKey: KEY }, { path, body: "{}", search });
            expect(req.url, `${baseUrl} ${path} ${search}`).toBe(expected);
          }
        }
  });

  it("reads an agent URL's query as URL.search does, parsing only a URL that has one", () => {
    for (const url of [
      "https://edge.example/llm/openai/v1/models",
      "https://edge.example/llm/openai/v1/models?",
      "https://edge.example/llm/openai/v1/models?limit=2&x=a b",
      "https://edge.example/llm/openai/v1/models#frag",
      "https://edge.example/llm/openai/v1/models?q=1#frag",
    ])
      expect(searchOf(url), url).toBe(new URL(url).search);
  });

  it("maps agent paths to endpoints", () => {
    expect(endpointOf("openai", "/v1/chat/completions")).toBe("chat");
    expect(endpointOf("openai", "/v1/responses")).toBe("responses");
    expect(endpointOf("openai", "/v1/models")).toBe("models");
    expect(endpointOf("anthropic", "/v1/messages")).toBe("messages");
    expect(endpointOf("anthropic", "/v1/chat/completions")).toBeNull();
    expect(endpointOf("openai", "/v1/files")).toBeNull();
  });
});

describe("upstream errors", () => {
  it("maps an unreachable provider to upstream_error and a slow one to upstream_timeout", async () => {
    const refused = await fetchUpstream(new Request("http://127.0.0.1:1/v1/models"), { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(refused instanceof AppError ? refused.code : refused).toBe("upstream_error");
    const never = await fetchUpstream(new Request("http://127.0.0.1:1/"), { timeoutMs: 20, fetcher: () => new Promise<Response>(() => {}) }).catch(
      (e: unknown) => e,
    );
    expect(never instanceof AppError ? never.code : never).toBe("upstream_timeout");
  });

  it("holds headers and body to one shared deadline: a body that stalls after quick headers times out and the request is aborted", async () => {
    const abort = new AbortController();
    const deadline = new UpstreamDeadline(50, abort);
    const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('{"partial":')) });
    const response = await fetchUpstream(new Request("http://127.0.0.1:1/"), { deadline, abort, fetcher: async () => new Response(stalled) });
    const err = await readTextWithin(response, deadline).catch((e: unknown) => e);
    deadline.clear();
    expect(err instanceof AppError ? err.code : err).toBe("upstream_timeout");
    expect(abort.signal.aborted).toBe(true);
  });

  it("passes a provider 400 through in its format, with the key scrubbed", async () => {
    const upstream = Response.json(
      { error: { message: `bad request for key ${KEY}`, type: "invalid_request_error", code: "bad_param", param: "x" } },
      { status: 400 },
    );
    const res = await mapUpstreamError("openai", upstream, [KEY]);
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).not.toContain(KEY);
    expect(JSON.parse(text)).toEqual({
      error: { message: "bad request for key [REDACTED]", type: "invalid_request_error", code: "bad_param", param: null },
    });
  });

  it("keeps 429 and its retry-after, and turns 401 and 5xx into 502 in Anthropic's format", async () => {
    const limited = await mapUpstreamError(
      "anthropic",
      Response.json({ type: "error", error: { type: "rate_limit_error", message: "slow down" } }, { status: 429, headers: { "retry-after": "7" } }),
      [KEY],
    );
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "7"]);
    expect(await limited.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: "slow down" } });
    for (const status of [401, 403, 500, 529]) {
      const res = await mapUpstreamError("anthropic", new Response(`invalid key ${KEY}`, { status }), [KEY]);
      const text = await res.text();
      expect(res.status).toBe(502);
      expect(text).not.toContain(KEY);
      expect(JSON.parse(text)).toMatchObject({ type: "error", error: { type: "api_error", code: "upstream_error" } });
    }
  });

  it("renders contract errors in each provider's format with the contract code", async () => {
    const err = new AppError("upstream_timeout", "too slow");
    const openai = llmErrorResponse("openai", err);
    expect([openai.status, await openai.json()]).toEqual([
      504,
      { error: { message: "too slow", type: "upstream_timeout", code: "upstream_timeout", param: null } },
    ]);
    const anthropic = llmErrorResponse("anthropic", err);
    expect(await anthropic.json()).toEqual({ type: "error", error: { type: "timeout_error", code: "upstream_timeout", message: "too slow" } });
  });

  it("scrubs a provider message that echoes the key in another spelling (upper case)", async () => {
    const upstream = Response.json(
      { error: { message: `Incorrect API key provided: ${KEY.toUpperCase()}.`, type: "invalid_request_error" } },
      { status: 400 },
    );
    const json = (await (await mapUpstreamError("openai", upstream, [KEY])).json()) as { error: { message: string } };
    expect(json.error.message).toBe("Incorrect API key provided: [REDACTED].");
  });

  it("scrubs raw and URL-encoded forms of a secret", () => {
    expect(scrubText(`a ${KEY} b ${encodeURIComponent("k+/=y-secret")}`, [KEY, "k+/=y-secret"])).toBe("a [REDACTED] b [REDACTED]");
  });
});

describe("usage and JSON restoration", () => {
  it("reads chat usage the same way for plain counts and for every odd shape the schema repairs", () => {
    const cases: Array<[unknown, unknown]> = [
      [
        { prompt_tokens: 7, completion_tokens: 2 },
        { inputTokens: 7, outputTokens: 2, cachedTokens: 0 },
      ],
      [
        { prompt_tokens: 7, completion_tokens: 2, prompt_tokens_details: null },
        { inputTokens: 7, outputTokens: 2, cachedTokens: 0 },
      ],
      [
        { prompt_tokens: 7, completion_tokens: 2, prompt_tokens_details: {} },
        { inputTokens: 7, outputTokens: 2, cachedTokens: 0 },
      ],
      [
        { prompt_tokens: 7, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 3 } },
        { inputTokens: 7, outputTokens: 2, cachedTokens: 3 },
      ],
      // Out-of-range or malformed counts count as zero (the schema's catch), never as what was sent.
      [
        { prompt_tokens: 7, completion_tokens: 2, prompt_tokens_details: { cached_tokens: null } },
        { inputTokens: 7, outputTokens: 2, cachedTokens: 0 },
      ],
      [
        { prompt_tokens: 7.5, completion_tokens: -1 },
        { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
      ],
      [
        { prompt_tokens: "7", completion_tokens: 2 ** 60 },
        { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
      ],
      [{ completion_tokens: 2 }, { inputTokens: 0, outputTokens: 2, cachedTokens: 0 }],
      [
        { prompt_tokens: 7, completion_tokens: 2, prompt_tokens_details: [1] },
        { inputTokens: 7, outputTokens: 2, cachedTokens: 0 },
      ],
      [[1, 2], null],
      [null, null],
    ];
    for (const [usage, expected] of cases) expect(extractUsage("chat", { id: "x", usage })).toEqual(expected);
    expect(extractUsage("chat", [{ usage: { prompt_tokens: 1, completion_tokens: 1 } }])).toBeNull();
    expect(extractUsage("chat", "usage")).toBeNull();
  });

  const restorers = placeholderRestorer({ "<EMAIL_1>": "eve@example.net" });

  it("reads chat usage with cached tokens and restores message content", () => {
    const body = {
      choices: [{ index: 0, message: { role: "assistant", content: "to <EMAIL_1>" } }],
      usage: { prompt_tokens: 10, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 6 } },
    };
    const r = restoreJsonText("chat", JSON.stringify(body), restorers);
    expect(r.usage).toEqual({ inputTokens: 10, outputTokens: 4, cachedTokens: 6 });
    expect(r.text).toContain("to eve@example.net");
  });

  it("reads responses usage and restores output text", () => {
    const body = {
      output: [{ type: "message", content: [{ type: "output_text", text: "<EMAIL_1>!" }] }],
      usage: { input_tokens: 3, output_tokens: 2, input_tokens_details: { cached_tokens: 1 } },
    };
    const r = restoreJsonText("responses", JSON.stringify(body), restorers);
    expect(r.usage).toEqual({ inputTokens: 3, outputTokens: 2, cachedTokens: 1 });
    expect(r.text).toContain("eve@example.net!");
  });

  it("reads Anthropic usage with cache reads and restores text and tool_use input", () => {
    const body = {
      content: [
        { type: "text", text: "hi <EMAIL_1>" },
        { type: "tool_use", input: { q: "<EMAIL_1>", nested: ["<EMAIL_1>"] } },
      ],
      usage: { input_tokens: 8, output_tokens: 5, cache_read_input_tokens: 2 },
    };
    const r = restoreJsonText("messages", JSON.stringify(body), restorers);
    // Anthropic's input_tokens excludes cache reads: the prompt is both.
    expect(r.usage).toEqual({ inputTokens: 10, outputTokens: 5, cachedTokens: 2 });
    expect(r.text).toContain("hi eve@example.net");
    expect(JSON.parse(r.text).content[1].input).toEqual({ q: "eve@example.net", nested: ["eve@example.net"] });
  });

  it("restores tool-call arguments (JSON text) with the original JSON-escaped, chat and responses", () => {
    const original = 'Eve "the auditor" \\ <eve@example.net>';
    const real: RestorerFactory = (o) => createRestorer({ "<PERSON_1>": original }, { jsonEscape: o?.json === true });
    const args = JSON.stringify({ to: "<PERSON_1>", note: "for <PERSON_1>" });
    const chat = {
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "send", arguments: args } }] },
        },
      ],
    };
    const r = restoreJsonText("chat", JSON.stringify(chat), real);
    expect(JSON.parse(JSON.parse(r.text).choices[0].message.tool_calls[0].function.arguments)).toEqual({ to: original, note: `for ${original}` });
    const responses = { output: [{ type: "function_call", name: "send", call_id: "c", arguments: args }] };
    const rr = restoreJsonText("responses", JSON.stringify(responses), real);
    expect(JSON.parse(JSON.parse(rr.text).output[0].arguments)).toEqual({ to: original, note: `for ${original}` });
  });

  it("restores straight into the raw JSON when no original needs escaping, and leaves an answer without placeholders as it came", () => {
    const mapping = { "<EMAIL_1>": "eve@example.net", "<PERSON_1>": "Eve Adams" };
    const raw: RestorerFactory = Object.assign((o?: { json?: boolean }) => createRestorer(mapping, { jsonEscape: o?.json === true }), {
      rawJsonSafe: true,
    });
    const args = JSON.stringify({ to: "<EMAIL_1>", name: "<PERSON_1>" });
    const chat = {
      id: "x",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Mail <PERSON_1> at <EMAIL_1>",
            tool_calls: [{ id: "c", type: "function", function: { name: "send", arguments: args } }],
          },
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 3 },
    };
    const r = restoreJsonText("chat", JSON.stringify(chat, null, 2), raw);
    const parsed = JSON.parse(r.text);
    expect(parsed.choices[0].message.content).toBe("Mail Eve Adams at eve@example.net");
    expect(JSON.parse(parsed.choices[0].message.tool_calls[0].function.arguments)).toEqual({ to: "eve@example.net", name: "Eve Adams" });
    expect(r.text).toContain("\n  "); // the provider's own formatting is kept
    expect(r.usage).toEqual({ inputTokens: 5, outputTokens: 3, cachedTokens: 0 });
    // A \u escape could hide a placeholder from a text search: the parsed path finds it.
    const escaped = JSON.stringify(chat).replace("Mail <PERSON_1>", "Mail \\u003cPERSON_1\\u003e");
    expect(JSON.parse(restoreJsonText("chat", escaped, raw).text).choices[0].message.content).toBe("Mail Eve Adams at eve@example.net");
    const plain = JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: "nothing to restore" } }] });
    expect(restoreJsonText("chat", plain, raw).text).toBe(plain);
  });

  it("counts Anthropic cache reads as cached input and cache writes at 1.25× (5 min) or 2× (1 h, or unknown) the input price", () => {
    const usage = {
      input_tokens: 10,
      output_tokens: 7,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    };
    expect(extractUsage("messages", { usage })).toEqual({ inputTokens: 10 + 100 + 125 + 400, outputTokens: 7, cachedTokens: 100 });
    expect(extractUsage("messages", { usage: { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 9 } })).toEqual({
      inputTokens: 1 + 18,
      outputTokens: 1,
      cachedTokens: 0,
    });
    // Streamed: message_start has the input side, message_delta the output; a later event keeps what it does not repeat.
    let counts = mergeAnthropicCounts(null, { input_tokens: 5, cache_creation_input_tokens: 4, cache_creation: { ephemeral_5m_input_tokens: 4 } });
    counts = mergeAnthropicCounts(counts, { output_tokens: 30 });
    expect(counts && anthropicUsageOf(counts)).toEqual({ inputTokens: 5 + 5, outputTokens: 30, cachedTokens: 0 });
  });

  it("reports no usage when absent and refuses garbage as upstream_error", () => {
    expect(extractUsage("chat", { choices: [] })).toBeNull();
    expect(() => restoreJsonText("chat", "<html>oops", restorers)).toThrow(AppError);
  });
});

describe("estimates", () => {
  const limits = { maxOutputTokens: 131_072, imageTokens: 50_000 };
  const shape = (endpoint: "chat" | "responses" | "messages", body: Record<string, unknown>) => requestShape(endpoint, body);

  it("counts every UTF-8 byte of the body as a token (CJK is three bytes a character)", () => {
    const chat = shape("chat", { messages: [{ role: "user", content: "漢字" }], max_tokens: 10 });
    expect(utf8Length("漢字")).toBe(6);
    expect(spendEstimate(chat, 100, limits)).toEqual({ inputTokens: 100, maxOutputTokens: 10 });
  });

  it("counts UTF-8 bytes as TextEncoder encodes them, across the pieces a long text is encoded in", () => {
    const encoder = new TextEncoder();
    const piece = 64 * 1024;
    const texts = [
      "",
      "plain ascii",
      "é漢😀",
      // Lone surrogates encode as U+FFFD (three bytes each).
      "a\uD800b\uDC00c\uD83D",
      // A surrogate pair, a three-byte and a two-byte character straddling each piece's end.
      `${"a".repeat(piece - 1)}😀${"b".repeat(piece - 2)}漢é${"c".repeat(piece)}`,
      `${"x".repeat(piece - 1)}\uD83D`,
      "😀".repeat(piece),
      "é漢😀z".repeat(50_000),
    ];
    for (const text of texts) expect(utf8Length(text), `${text.length} characters`).toBe(encoder.encode(text).byteLength);
  });

  it("reads the output limit each endpoint honours, the larger when two are given, else the model's maximum", () => {
    expect(shape("chat", { max_completion_tokens: 50, max_tokens: 900 }).maxOutputTokens).toBe(900);
    expect(shape("chat", { max_output_tokens: 77 }).maxOutputTokens).toBeNull();
    expect(shape("responses", { max_tokens: 10 }).maxOutputTokens).toBeNull();
    expect(shape("responses", { max_output_tokens: 77 }).maxOutputTokens).toBe(77);
    expect(shape("messages", { max_tokens: 64, max_completion_tokens: 5 }).maxOutputTokens).toBe(64);
    expect(shape("chat", { max_tokens: null }).maxOutputTokens).toBeNull();
    expect(spendEstimate(shape("chat", {}), 10, limits).maxOutputTokens).toBe(131_072);
    for (const bad of ["lots", "100", 0, -1, 1.5, 1e9]) expect(() => shape("messages", { max_tokens: bad })).toThrow(AppError);
  });

  it("multiplies the whole call by n or best_of, adds images, tool prompts and predictions", () => {
    const s = shape("chat", {
      n: 3,
      max_tokens: 10,
      prediction: { type: "content", content: "abc" },
      tools: [{ type: "function", function: { name: "f" } }],
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "https://x/y.png" } },
            { type: "image_url", image_url: { url: "z" } },
          ],
        },
      ],
    });
    expect(s).toMatchObject({ choices: 3, images: 2, toolPromptTokens: TOOL_PROMPT_TOKENS });
    const prediction = utf8Length(JSON.stringify({ type: "content", content: "abc" }));
    expect(spendEstimate(s, 100, limits)).toEqual({
      inputTokens: (100 + 2 * 50_000 + TOOL_PROMPT_TOKENS) * 3,
      maxOutputTokens: (10 + prediction) * 3,
    });
    expect(shape("chat", { best_of: 5 }).choices).toBe(5);
    expect(() => shape("chat", { n: "4" })).toThrow(AppError);
    expect(() => shape("chat", { n: 500 })).toThrow(AppError);
  });

  it("refuses what it cannot bound: stored context, per-use tools, files, audio, premium tiers", () => {
    const refused: Array<["chat" | "responses" | "messages", Record<string, unknown>]> = [
      ["responses", { previous_response_id: "resp_1" }],
      ["responses", { conversation: { id: "conv_1" } }],
      ["responses", { prompt: { id: "pmpt_1" } }],
      ["responses", { input: [{ type: "item_reference", id: "msg_1" }] }],
      ["responses", { tools: [{ type: "file_search" }] }],
      ["chat", { tools: [{ type: "web_search_preview" }] }],
      ["chat", { tools: "nope" }],
      ["chat", { web_search_options: {} }],
      ["chat", { modalities: ["text", "audio"] }],
      ["chat", { messages: [{ role: "assistant", audio: { id: "audio_1" } }] }],
      ["chat", { messages: [{ role: "user", content: [{ type: "file", file: { file_data: "x" } }] }] }],
      ["messages", { messages: [{ role: "user", content: [{ type: "document", source: { type: "url", url: "https://x/a.pdf" } }] }] }],
      ["messages", { system: [{ type: "document", source: { type: "file", file_id: "f" } }] }],
      ["messages", { tools: [{ type: "code_execution_20250522", name: "c" }] }],
      ["messages", { mcp_servers: [] }],
      ["chat", { service_tier: "priority" }],
    ];
    for (const [endpoint, body] of refused) expect(() => shape(endpoint, body), JSON.stringify(body)).toThrow(AppError);
  });

  it("accepts what it can bound: function tools, Anthropic client tools, text documents, null fields", () => {
    const s = shape("messages", {
      previous_response_id: null,
      service_tier: "auto",
      tools: [
        { name: "f", input_schema: {} },
        { type: "custom", name: "g" },
        { type: "bash_20250124", name: "bash" },
      ],
      messages: [
        { role: "user", content: [{ type: "document", source: { type: "text", media_type: "text/plain", data: "hi" } }] },
        // A tool's input is the model's arbitrary JSON, not content.
        { role: "assistant", content: [{ type: "tool_use", id: "t", name: "f", input: { type: "file" } }] },
      ],
    });
    expect(s.toolPromptTokens).toBe(TOOL_PROMPT_TOKENS + PROVIDER_TOOL_TOKENS);
    expect(shape("responses", { tools: [{ type: "function", name: "f" }], input: "x" }).images).toBe(0);
  });

  it("walks deeply nested content without recursion, and refuses a worst case past the token ceiling", () => {
    let deep: unknown = { type: "image_url" };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(shape("chat", { messages: deep }).images).toBe(1);
    expect(() => spendEstimate(shape("chat", { n: 128, max_tokens: 1_000_000 }), 10, limits)).toThrow(AppError);
  });
});
