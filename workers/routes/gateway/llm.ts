// /llm/openai/v1/* and /llm/anthropic/v1/*: the agent's OpenAI- and Anthropic-compatible model
// endpoints. Errors are answered in the provider's own format so the official SDKs surface them.
import type { Context } from "hono";
import { Hono } from "hono";
import type { ProviderRow } from "../../data/policy-store.js";
import { AppError } from "../../errors.js";
import { assertPublicDestination } from "../../egress/url-safety.js";
import type { AppEnv } from "../../http/context.js";
import { toAppError } from "../../http/errors.js";
import { readLimited } from "../../http/middleware.js";
import { requireAgent, rightsAfterBody } from "../../identity/authenticate.js";
import {
  buildUpstreamRequest,
  endpointOf,
  fetchUpstream,
  llmErrorResponse,
  mapUpstreamError,
  readTextWithin,
  UpstreamDeadline,
  restoreJsonText,
  restoreSseStream,
  searchOf,
  sseHeaders,
  toUpstreamAppError,
  type LlmEndpoint,
  type ProviderKind,
  type Usage,
} from "../../llm/index.js";
import { type LlmCall, prepareLlmCall } from "../../llm/call.js";
import { allowedModels, modelsOf, pickProvider, providersOf, upstreamModels } from "../../llm/providers.js";
import { allowsModel } from "../../agents/rights.js";
import { type CallWatch, watchCall, withdrawalOf } from "../../agents/withdrawal.js";
import { credentialRowsOf, openCredentialCached } from "../../vault/credentials.js";
import { emptyResponseMeta, noteResponse } from "../../llm/response-meta.js";
import { exportedName, inputContent, outputContent, requestAttributes, responseAttributes, serverAttributes } from "../../telemetry/genai.js";
import { traced } from "../../telemetry/middleware.js";
import { SpanKind, type TraceSpan, withSpan } from "../../telemetry/span.js";
import { TRACEPARENT_HEADER } from "../../telemetry/traceparent.js";

/** Prompts are documents, not uploads: 4 MB is far above any model's context window in text. */
export const LLM_BODY_LIMIT = 4 * 1024 * 1024;
/** Headers and (not streamed) the whole body within this; a stream then has an idle limit instead. */
const UPSTREAM_TIMEOUT_MS = 120_000;
const STREAM_IDLE_TIMEOUT_MS = 60_000;

const kindOf = (c: Context): ProviderKind => (c.req.path.startsWith("/llm/anthropic") ? "anthropic" : "openai");

function modelsResponse(kind: ProviderKind, models: string[]): Response {
  if (kind === "openai") {
    return Response.json({ object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "palisade" })) });
  }
  return Response.json({
    data: models.map((id) => ({ type: "model", id, display_name: id, created_at: "1970-01-01T00:00:00Z" })),
    has_more: false,
    first_id: models[0] ?? null,
    last_id: models.at(-1) ?? null,
  });
}

export function llmGateway() {
  const llm = new Hono<AppEnv>();
  // SDKs only understand their provider's error format, so every failure is rendered in it.
  llm.onError((error, c) => llmErrorResponse(kindOf(c), toAppError(error)));
  llm.notFound((c) => llmErrorResponse(kindOf(c), new AppError("not_found", "no such model endpoint")));
  llm.use("*", requireAgent);
  // Known endpoints by path, anything else as one route (a path is the agent's to choose).
  llm.use(
    "*",
    traced((c) => {
      const kind = kindOf(c);
      return endpointOf(kind, c.req.path.slice(`/llm/${kind}`.length)) ? c.req.path : `/llm/${kind}/*`;
    }),
  );

  llm.all("/:kind{openai|anthropic}/*", async (c) => {
    const kind = c.req.param("kind") as ProviderKind;
    const path = c.req.path.slice(`/llm/${kind}`.length);
    const endpoint = endpointOf(kind, path);
    if (!endpoint) throw new AppError("not_found", "no such model endpoint");
    const rights = c.get("rights");
    const { agent, policy } = rights;
    const providersNow = async () => (await providersOf(c.env, agent.orgId)).filter((p) => p.kind === kind);

    if (endpoint === "models") {
      if (c.req.method !== "GET") throw new AppError("method_not_allowed", "use GET for models");
      const providers = await providersNow();
      // Providers that accept any model are asked for their own list; policy narrows the union.
      const open = providers.filter((p) => modelsOf(p) === null);
      const asked = await Promise.all(
        open.map(async (p) => {
          const credential = (await credentialRowsOf(c.env, p.orgId)).find((r) => r.id === p.credentialId);
          if (!credential) return [];
          return upstreamModels(p, (await openCredentialCached(c.env, credential)).secret, c.env.ALLOW_PRIVATE_UPSTREAMS === "true");
        }),
      );
      const listed = allowedModels(providers, policy.models);
      const fromUpstream = asked.flat().filter((m) => allowsModel(rights, m));
      return modelsResponse(kind, [...new Set([...listed, ...fromUpstream])].sort());
    }
    if (c.req.method !== "POST") throw new AppError("method_not_allowed", "use POST");

    const text = await readLimited(c.req.raw, LLM_BODY_LIMIT);
    await rightsAfterBody(c);
    // Read after the body too: a provider removed, narrowed or moved while it uploaded is not called.
    const providers = await providersNow();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AppError("invalid_json", "request body is not valid JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new AppError("bad_request", "request body must be a JSON object");
    const model = (body as Record<string, unknown>).model;
    if (typeof model !== "string" || model.length === 0 || model.length > 200) throw new AppError("bad_request", "model: required string");
    // The span opens before the policy check; the model is named in it only when the policy allows it.
    const describe = () => {
      const shownModel = exportedName(model, allowsModel(c.get("rights"), model));
      return { name: `chat ${shownModel}`, attributes: requestAttributes(kind, shownModel, body as Record<string, unknown>) };
    };
    return withSpan(SpanKind.client, describe, (span) => callModel(c, span, kind, endpoint, model, body as Record<string, unknown>, providers, path));
  });
  return llm;
}

/** One model call inside its GenAI span: policy, the prepared (masked, held) call, the provider. */
async function callModel(
  c: Context<AppEnv>,
  span: TraceSpan,
  kind: ProviderKind,
  endpoint: Exclude<LlmEndpoint, "models">,
  model: string,
  body: Record<string, unknown>,
  providers: ProviderRow[],
  path: string,
): Promise<Response> {
  const rights = c.get("rights");
  if (!allowsModel(rights, model)) throw new AppError("policy_denied", `model ${JSON.stringify(model)} is not allowed by policy`);
  const provider = pickProvider(providers, model);
  if (!provider) throw new AppError("not_found", `model ${JSON.stringify(model)} is not available`);
  // Built only for a span that records them: the server's attributes parse the provider's URL.
  if (span.recording) span.set(serverAttributes(provider.baseUrl));

  const call = await prepareLlmCall(c.env, {
    rights,
    kind,
    endpoint,
    model,
    body,
    traceId: c.get("traceId"),
    idempotencyKey: c.req.header("idempotency-key") ?? null,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  if (span.includeContent) {
    const sent = call.upstreamBody;
    span.defer(() => inputContent(sent));
  }
  try {
    return await forward(c, call, kind, endpoint, provider, path, span);
  } catch (error) {
    await call.fail(toUpstreamAppError(error));
    throw error;
  }
}

/** The span's response attributes from the provider's (masked) answer; its text only when the org opted in, masked again. */
function describeAnswer(span: TraceSpan, textBody: string, usage: Usage | null) {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(textBody);
  } catch {
    // restoreJsonText already refused an answer that is not JSON.
  }
  const meta = emptyResponseMeta();
  noteResponse(meta, parsed);
  span.set(responseAttributes(meta, usage));
  if (span.includeContent) span.defer(() => outputContent(parsed));
}

/** Provider base URLs that passed the destination check (a pure function of the URL and the setting). */
const checkedBases = new Set<string>();

function checkProviderDestination(env: Env, baseUrl: string) {
  const allowPrivate = env.ALLOW_PRIVATE_UPSTREAMS === "true";
  const key = `${allowPrivate}\u0000${baseUrl}`;
  if (checkedBases.has(key)) return;
  assertPublicDestination(new URL(baseUrl), { allowPrivate });
  if (checkedBases.size > 1_000) checkedBases.clear();
  checkedBases.add(key);
}

async function forward(
  c: Context<AppEnv>,
  call: LlmCall,
  kind: ProviderKind,
  endpoint: LlmEndpoint,
  provider: ProviderRow,
  path: string,
  span: TraceSpan,
): Promise<Response> {
  checkProviderDestination(c.env, provider.baseUrl);
  const credential = (await credentialRowsOf(c.env, provider.orgId)).find((r) => r.id === provider.credentialId);
  if (!credential) throw new AppError("upstream_error", "the provider's credential is missing");
  const apiKey = (await openCredentialCached(c.env, credential)).secret;
  const abort = new AbortController();
  const upstreamRequest = buildUpstreamRequest(
    c.req.raw,
    { kind, baseUrl: provider.baseUrl, apiKey },
    { path, body: call.upstreamBody, search: searchOf(c.req.url), signal: abort.signal },
  );
  // The provider's work continues the call's span (only when the call is traced).
  if (span.traceparent) upstreamRequest.headers.set(TRACEPARENT_HEADER, span.traceparent);
  // One deadline for the headers and, unless streamed, the body.
  const deadline = new UpstreamDeadline(UPSTREAM_TIMEOUT_MS, abort);
  // A withdrawal of the agent (suspension, revoked token) cancels the provider request at once.
  const watch = watchCall(c.env, c.get("agent").agentId, c.get("agent").tokenId, (p) => c.executionCtx.waitUntil(p), call.leaseTakenAt);
  const cancel = () => abort.abort();
  watch.signal.addEventListener("abort", cancel, { once: true });
  let streaming = false;
  call.sending();
  try {
    const response = await exchange(
      c,
      call,
      kind,
      endpoint,
      apiKey,
      await fetchUpstream(upstreamRequest, { deadline, abort }),
      deadline,
      watch,
      span,
    );
    streaming = response.headers.get("content-type")?.startsWith("text/event-stream") === true;
    return response;
  } catch (error) {
    throw withdrawalOf(watch.signal) ?? error;
  } finally {
    deadline.clear();
    // A stream keeps its watch until it ends; it stops cancelling the request and ends its own body.
    watch.signal.removeEventListener("abort", cancel);
    if (!streaming) watch.end();
  }
}

async function exchange(
  c: Context<AppEnv>,
  call: LlmCall,
  kind: ProviderKind,
  endpoint: LlmEndpoint,
  apiKey: string,
  response: Response,
  deadline: UpstreamDeadline,
  watch: CallWatch,
  span: TraceSpan,
): Promise<Response> {
  if (!response.ok) {
    deadline.clear();
    const mapped = await mapUpstreamError(kind, response, [apiKey]);
    const code = mapped.status >= 500 ? "upstream_error" : "bad_request";
    span.set({ "palisade.upstream.status_code": response.status });
    span.fail(code);
    await call.fail(new AppError(code, `provider answered ${response.status}`));
    return mapped;
  }
  const streamEndpoint = endpoint === "models" ? null : endpoint;
  if (streamEndpoint && (response.headers.get("content-type") ?? "").includes("text/event-stream") && response.body) {
    deadline.clear();
    const { body, result } = restoreSseStream(response.body, {
      endpoint: streamEndpoint,
      restorers: call.restorers,
      idleTimeoutMs: STREAM_IDLE_TIMEOUT_MS,
      hideUsageChunk: call.streamUsageAdded,
      withdrawn: watch.signal,
    });
    span.keepOpen();
    c.executionCtx.waitUntil(
      result.then(async (r) => {
        watch.end();
        // A stream ended early is charged what it produced; a stream the provider finished (or cut) on its usage or hold.
        const early = r.outcome === "cancelled" || r.outcome === "withdrawn";
        const usage = early ? call.producedUsage(r.usage, r.producedBytes) : r.usage;
        try {
          await call.finish(usage, { streamed: true, outcome: r.outcome, error: r.outcome === "withdrawn" ? withdrawalOf(watch.signal) : null });
        } finally {
          if (span.recording) span.set({ ...responseAttributes(r.meta, r.usage), "palisade.llm.outcome": r.outcome });
          if (r.outcome !== "completed")
            span.fail(r.outcome === "withdrawn" ? (withdrawalOf(watch.signal)?.code ?? "withdrawn") : `stream_${r.outcome}`);
          span.end();
        }
      }),
    );
    return new Response(body, { status: 200, headers: sseHeaders() });
  }
  const textBody = await readTextWithin(response, deadline);
  const restored = restoreJsonText(endpoint, textBody, call.restorers);
  if (span.recording) describeAnswer(span, textBody, restored.usage);
  await call.finish(restored.usage, { streamed: false, outcome: "completed" });
  return new Response(restored.text, { status: response.status, headers: { "content-type": "application/json" } });
}
