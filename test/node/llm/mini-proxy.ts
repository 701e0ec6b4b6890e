// A minimal proxy built only from workers/llm, in the order the edge composes it, so the real
// SDKs can be pointed at it: mask (a string swap here) -> upstream request -> fetch -> restore.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type ProviderKind,
  type StreamResult,
  type Usage,
  buildUpstreamRequest,
  endpointOf,
  requestShape,
  spendEstimate,
  utf8Length,
  fetchUpstream,
  llmErrorResponse,
  mapUpstreamError,
  readTextWithin,
  restoreJsonText,
  restoreSseStream,
  sseHeaders,
  toUpstreamAppError,
} from "../../../workers/llm/index.js";
import { AppError } from "../../../workers/errors.js";
import { placeholderRestorer } from "../../support/llm-restorer.js";

export interface Settlement {
  kind: ProviderKind;
  estimate: { promptTokens: number; maxOutputTokens: number };
  result: StreamResult | { usage: Usage | null; completed: boolean; outcome: "json" | "error" };
}

export interface MiniProxy {
  url: string;
  settlements: Promise<Settlement>[];
  close(): Promise<void>;
}

export interface MiniProxyOptions {
  upstreamUrl: string;
  providerKey: string;
  /** planted value -> placeholder */
  mask: Record<string, string>;
  timeoutMs?: number;
  idleTimeoutMs?: number;
}

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(Buffer.isBuffer(p) ? p : Buffer.from(String(p)));
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const method = req.method ?? "GET";
  return new Request(new URL(req.url ?? "/", base), { method, headers, body: method === "GET" ? null : Buffer.concat(parts) });
}

export async function startMiniProxy(options: MiniProxyOptions): Promise<MiniProxy> {
  const settlements: Promise<Settlement>[] = [];
  const restore = Object.fromEntries(Object.entries(options.mask).map(([value, ph]) => [ph, value]));
  const restorers = placeholderRestorer(restore);

  const handle = async (agent: Request): Promise<Response> => {
    const url = new URL(agent.url);
    const match = /^\/llm\/(openai|anthropic)(\/.*)$/.exec(url.pathname);
    if (!match) return Response.json(new AppError("not_found", "no such route").toBody(), { status: 404 });
    const kind: ProviderKind = match[1] === "anthropic" ? "anthropic" : "openai";
    const path = match[2] ?? "/";
    const endpoint = endpointOf(kind, path);
    if (!endpoint) return llmErrorResponse(kind, new AppError("not_found", "no such endpoint"));
    let body: string | null = agent.method === "GET" ? null : await agent.text();
    if (body !== null) for (const [value, ph] of Object.entries(options.mask)) body = body.split(value).join(ph);
    const parsed: unknown = body ? JSON.parse(body) : null;
    const bound =
      endpoint !== "models" && typeof parsed === "object" && parsed !== null
        ? spendEstimate(requestShape(endpoint, parsed as Record<string, unknown>), utf8Length(body ?? ""), {
            maxOutputTokens: 131_072,
            imageTokens: 50_000,
          })
        : { inputTokens: 0, maxOutputTokens: 0 };
    const estimate = { promptTokens: bound.inputTokens, maxOutputTokens: bound.maxOutputTokens };
    let settle: (s: Settlement["result"]) => void = () => {};
    settlements.push(new Promise<Settlement["result"]>((r) => (settle = r)).then((result) => ({ kind, estimate, result })));
    const target = { kind, baseUrl: options.upstreamUrl, apiKey: options.providerKey };
    let upstream: Response;
    try {
      upstream = await fetchUpstream(buildUpstreamRequest(agent, target, { path, body, search: url.search }), {
        timeoutMs: options.timeoutMs ?? 5000,
      });
    } catch (err) {
      settle({ usage: null, completed: false, outcome: "error" });
      return llmErrorResponse(kind, toUpstreamAppError(err));
    }
    if (!upstream.ok) {
      settle({ usage: null, completed: false, outcome: "error" });
      return mapUpstreamError(kind, upstream, [options.providerKey]);
    }
    if (endpoint !== "models" && upstream.body && (upstream.headers.get("content-type") ?? "").includes("text/event-stream")) {
      const { body: out, result } = restoreSseStream(upstream.body, { endpoint, restorers, idleTimeoutMs: options.idleTimeoutMs ?? 5000 });
      void result.then(settle);
      return new Response(out, { status: 200, headers: sseHeaders() });
    }
    try {
      const text = await readTextWithin(upstream, options.timeoutMs ?? 5000);
      if (endpoint === "models") {
        settle({ usage: null, completed: true, outcome: "json" });
        return new Response(text, { headers: { "content-type": "application/json" } });
      }
      const restored = restoreJsonText(endpoint, text, restorers);
      settle({ usage: restored.usage, completed: true, outcome: "json" });
      return new Response(restored.text, { headers: { "content-type": "application/json" } });
    } catch (err) {
      settle({ usage: null, completed: false, outcome: "error" });
      return llmErrorResponse(kind, toUpstreamAppError(err));
    }
  };

  const server = createServer(async (req, res) => {
    const response = await handle(await toRequest(req, "http://127.0.0.1"));
    const headers: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      headers[k] = v;
    });
    res.writeHead(response.status, headers);
    if (response.body) {
      const reader = response.body.getReader();
      res.on("close", () => void reader.cancel().catch(() => {}));
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    settlements,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
