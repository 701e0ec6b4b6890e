// The one outbound executor: every HTTP request an agent makes, through /egress/* or an HTTP
// tool, crosses this pipeline hop by hop — the agent's egress decision (its whole chain), the
// destination check, the autonomy gate, credentials stripped then injected server-side, the
// upstream fetch (direct or through a host pool), and the credential scrubbed from the answer.
import type { AgentRights } from "../agents/rights.js";
import { decideEgressFor } from "../agents/rights.js";
import { recordAudit } from "../audit/audit.js";
import { type CallWatch, watchCall, withdrawalOf } from "../agents/withdrawal.js";
import { passGate } from "../autonomy/gate.js";
import { egressRefusal, ruleRef } from "./authorise.js";
import type { CredentialRow } from "../data/policy-store.js";
import type { ToolRow } from "../data/tool-store.js";
import { AppError } from "../errors.js";
import type { EgressDecision } from "../policy/decide.js";
import { connectedHostOf, tunnelOf } from "../sandboxes/service.js";
import { credentialRowsOf, injectOf, openCredentialCached } from "../vault/credentials.js";
import { credentialHeaderName, injectCredential, stripClientAuth } from "../vault/inject.js";
import { type ScrubbedSecret, type Scrubber, StreamScrubber, injectedSecrets, probeIn, scrubBytes, scrubHeaders, scrubberFor } from "./scrub.js";
import { decodedForScan } from "./content-decoding.js";
import { tokenKindOf } from "../identity/tokens.js";
import { type ExitAudit, checkExit } from "../pii/exit-check.js";
import { assertPublicDestination, resolveRedirect, sameOrigin } from "./url-safety.js";
import { exitPiiAttributes, httpClientAttributes } from "../telemetry/genai.js";
import { SpanKind, activeSpan, withSpan } from "../telemetry/span.js";
import { TRACEPARENT_HEADER } from "../telemetry/traceparent.js";

const MAX_REDIRECTS = 5;
export const RULE_HEADER = "x-palisade-egress-rule";
const UPSTREAM_TIMEOUT_MS = 30_000;

/** Request headers never forwarded: hop-by-hop, routing, encodings, and what only the edge may set. */
const DROP_REQUEST = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "accept-encoding",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
  "forwarded",
  "x-api-key",
]);
const DROP_RESPONSE = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-authenticate", "trailer", "te", "content-length"]);

/**
 * The encodings the gateway asks upstreams for, whatever the agent asked: workerd's fetch decodes
 * both before the body reaches the scrubber. A host relays bytes as they came, so routed hops ask
 * for none. An answer in any other encoding cannot be scanned for an injected secret and is
 * refused when one was injected.
 */
const DIRECT_ACCEPT_ENCODING = "gzip, br";
const RELAYED_ACCEPT_ENCODING = "identity";
/** A Transfer-Encoding that frames the body and changes none of its bytes. */
const CHUNKED_ONLY = /^\s*chunked\s*$/i;
/** Exactly the Content-Encoding values workerd's fetch decodes (one coding, lower case). */
const DECODED_BY_FETCH = new Set(["gzip", "br"]);

export interface OutboundContext {
  env: Env;
  rights: AgentRights;
  /** The token the call was made with: revoking it ends the call. */
  tokenId: string;
  traceId: string;
  waitUntil(promise: Promise<unknown>): void;
}

export interface OutboundRequest {
  method: string;
  url: URL;
  /** The client's headers (egress) or the tool's; hop-by-hop and credential headers are dropped here. */
  headers: Headers;
  body: Uint8Array | string | null;
}

/**
 * egress: an allow rule is required at every hop, the rule's credential is injected, each hop
 * passes the autonomy gate, redirects are followed (each hop decided again).
 * tool: the tool's grant authorises its URL (explicit deny rules still refuse it), the tool's
 * own credential is injected, the gate already ran for the tool call, redirects are returned.
 */
export type OutboundMode = { kind: "egress" } | { kind: "tool"; tool: ToolRow };

export function forwardableHeaders(incoming: Headers): Headers {
  const out = new Headers();
  incoming.forEach((value, name) => {
    const n = name.toLowerCase();
    if (DROP_REQUEST.has(n) || n.startsWith("cf-") || n.startsWith("x-palisade-")) return;
    out.set(name, value);
  });
  return out;
}

/**
 * The header fields the agent itself sets, for the personal-data scan: all but those dropped
 * before forwarding and the Palisade token it authenticates with. Authorization, Cookie and
 * credential headers are scanned although they are replaced: they are the agent's data. The
 * injected credential is added later and never scanned, so no finding can describe it.
 */
function agentHeaders(incoming: Headers): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  incoming.forEach((value, name) => {
    const n = name.toLowerCase();
    if (DROP_REQUEST.has(n) || n.startsWith("cf-") || n.startsWith("x-palisade-")) return;
    if (n === "authorization" && tokenKindOf(/^Bearer\s+(\S+)\s*$/i.exec(value)?.[1] ?? "") !== undefined) return;
    out.push([n, value]);
  });
  return out;
}

/** Header names the org's credentials are injected into: a client value for any of them is dropped. */
function credentialHeaders(rows: CredentialRow[]): string[] {
  return rows.flatMap((row) => {
    const header = credentialHeaderName(injectOf(row));
    return header ? [header] : [];
  });
}

function auditHop(
  ctx: OutboundContext,
  decision: EgressDecision,
  hop: number,
  outcome: { status?: number; error?: string; pii?: ExitAudit; probe?: boolean } = {},
) {
  const { agent } = ctx.rights;
  void recordAudit(
    ctx.env,
    {
      orgId: agent.orgId,
      actor: { type: "agent", id: agent.id },
      action: "egress.request",
      resource: { type: "egress", id: decision.target?.host ?? null },
      result: !decision.allowed ? "denied" : outcome.error ? "error" : "allowed",
      reason: ruleRef(decision) ?? decision.reason,
      traceId: ctx.traceId,
      // The target path but never the query: an injected query credential lives there.
      details: {
        ...(decision.target ?? {}),
        hop,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.pii ? { pii: outcome.pii } : {}),
        ...(decision.credential ? { credential: decision.credential } : {}),
        // The agent's request held a long run of the credential it was injected with: it knows or guessed part of it.
        ...(outcome.probe ? { probe: "credential" } : {}),
      },
    },
    { waitUntil: ctx.waitUntil },
  );
}

async function fetchDirect(url: URL, init: RequestInit, withdrawn: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.any([AbortSignal.timeout(UPSTREAM_TIMEOUT_MS), withdrawn]) });
  } catch (error) {
    const withdrawal = withdrawalOf(withdrawn);
    if (withdrawal) throw withdrawal;
    throw upstreamFailure(error, "the upstream did not answer in time", "the upstream could not be reached");
  }
}

/** A failed fetch or body read as the error it answers: the deadline's (or an abort's) 504, else 502. */
function upstreamFailure(error: unknown, timedOut: string, failed: string): AppError {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return new AppError("upstream_timeout", timedOut);
  return new AppError("upstream_error", failed, { cause: error });
}

/**
 * Through a connected host of the pool named by the rule (`pool:<name>`), inside the customer's
 * network. A withdrawal answers the agent at once; the host's own request runs to its timeout.
 */
async function fetchThroughPool(
  env: Env,
  orgId: string,
  route: string,
  url: URL,
  method: string,
  headers: Headers,
  body: OutboundRequest["body"],
  withdrawn: AbortSignal,
) {
  const host = await connectedHostOf(env, orgId, route.slice("pool:".length));
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const abandoned = new Promise<never>((_, reject) => withdrawn.addEventListener("abort", () => reject(withdrawalOf(withdrawn)), { once: true }));
  try {
    return await Promise.race([
      tunnelOf(env, host.id).forward({ method, url: url.href, headers: [...headers], body: bytes }, { headTimeoutMs: UPSTREAM_TIMEOUT_MS }),
      abandoned,
    ]);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === "upstream_timeout") throw new AppError("upstream_timeout", "the host's target did not answer in time");
    if (code === "unavailable") throw new AppError("unavailable", `no sandbox host of ${route} is connected`);
    throw new AppError("upstream_error", "the request through the sandbox host failed", { cause: error });
  }
}

const isRedirect = (status: number) => status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

const OVERRIDE_HEADERS = ["x-http-method-override", "x-http-method", "x-method-override"];
const FORM_TYPE = /^application\/x-www-form-urlencoded/i;

/**
 * The method an upstream framework may act on instead of the request's own: an override header
 * (Express, ASP.NET, Google APIs), or `_method` in the query or a form body (Rails, Laravel,
 * Symfony). Null when there is none.
 */
export function methodOverrideOf(headers: Headers, url: URL, body: OutboundRequest["body"]): string | null {
  const named = [...OVERRIDE_HEADERS.map((h) => headers.get(h)), url.searchParams.get("_method")];
  if (body !== null && FORM_TYPE.test(headers.get("content-type") ?? "")) {
    const text = typeof body === "string" ? body : new TextDecoder().decode(body);
    named.push(new URLSearchParams(text).get("_method"));
  }
  const found = named.find((m): m is string => typeof m === "string" && m.trim() !== "");
  return found === undefined ? null : found.trim().toUpperCase();
}

/** The hop's decision under the mode: egress needs an allow rule; a granted tool only a lack of explicit denial. */
function authorise(mode: OutboundMode, decision: EgressDecision): void {
  const refusal = egressRefusal(mode.kind, decision);
  if (refusal) throw refusal;
}

/**
 * Sends the request through every check; the answer's body is scrubbed of what was injected.
 * The call is watched from its start to the end of its body: a withdrawal of the agent
 * (suspension, revoked token) cancels the upstream fetch and answers with its error, or cuts a
 * body in flight.
 */
export async function sendOutbound(ctx: OutboundContext, request: OutboundRequest, mode: OutboundMode, callWatch?: CallWatch): Promise<Response> {
  return withSpan(
    SpanKind.client,
    () => ({
      name: request.method,
      attributes: httpClientAttributes(request.method, request.url, mode.kind, mode.kind === "tool" ? mode.tool.url : null),
    }),
    async () => {
      // A tool call passes the watch it started before its approval; egress starts its own here.
      const watch = callWatch ?? watchCall(ctx.env, ctx.rights.agent.id, ctx.tokenId, (p) => ctx.waitUntil(p));
      try {
        return await sendHops(ctx, request, mode, watch);
      } catch (error) {
        watch.end();
        throw withdrawalOf(watch.signal) ?? error;
      }
    },
  );
}

async function sendHops(ctx: OutboundContext, request: OutboundRequest, mode: OutboundMode, watch: CallWatch): Promise<Response> {
  const { env, rights } = ctx;
  const withdrawn = watch.signal;
  const orgId = rights.agent.orgId;
  const credentials = await credentialRowsOf(env, orgId);
  const baseHeaders = stripClientAuth(forwardableHeaders(request.headers), credentialHeaders(credentials));
  // The upstream's work continues this call's span when it is traced (the caller's own traceparent otherwise passes as it came).
  const span = activeSpan();
  if (span.traceparent) baseHeaders.set(TRACEPARENT_HEADER, span.traceparent);
  const first = request.url;
  let { url, method, body } = request;
  const secrets: ScrubbedSecret[] = [];
  // Whether what the agent wrote (its URL, headers and body, and the body decoded) holds a long
  // piece of a credential injected for it: audited as a probe (scrub.ts, probeIn). Read once, on
  // the egress hop that first injects one; the agent never sees the finding.
  let probe: boolean | undefined;
  let decodedBody: Uint8Array | string | null = null;
  const agentSent = () => [
    request.url.href,
    ...[...request.headers].map(([name, value]) => `${name}: ${value}`),
    ...(request.body !== null ? [request.body] : []),
    ...(decodedBody !== null && decodedBody !== request.body ? [decodedBody] : []),
  ];
  let pii: ExitAudit = null;

  for (let hop = 0; ; hop++) {
    // A method the upstream may act on instead (X-HTTP-Method-Override, `_method`) must be allowed too.
    const override = methodOverrideOf(request.headers, url, hop === 0 ? body : null);
    const decision = decideEgressFor(rights, { method, url });
    const overridden = override !== null && override !== method ? decideEgressFor(rights, { method: override, url }) : null;
    try {
      authorise(mode, decision);
      if (overridden) authorise(mode, overridden);
    } catch (error) {
      if (mode.kind === "egress") auditHop(ctx, overridden && !overridden.allowed ? overridden : decision, hop);
      throw error;
    }
    span.set({
      "palisade.decision": "allowed",
      "palisade.egress.rule": ruleRef(decision),
      ...(hop > 0 ? httpClientAttributes(method, url, mode.kind) : {}),
    });
    // What the agent sends (its URL, headers and decoded body) is checked for personal data once,
    // on the first hop, under the policy's rules for the egress exit; a redirect's URL is the upstream's.
    if (mode.kind === "egress" && hop === 0) {
      try {
        const decoded = await decodedForScan(body, request.headers.get("content-encoding"));
        decodedBody = decoded.body;
        pii = await checkExit(env, rights, {
          exit: "egress",
          contentType: request.headers.get("content-type"),
          url,
          headers: agentHeaders(request.headers),
          ...decoded,
          // A coding that cannot be undone leaves the scan incomplete; the bytes are still read as sent (a "br" header
          // on plain JSON must not carry its card past a failMode "open" rule).
          ...("unreadable" in decoded ? { body } : {}),
        });
      } catch (error) {
        if (error instanceof AppError) auditHop(ctx, { ...decision, allowed: false, explanation: error.message }, hop, { error: error.code });
        throw error;
      }
    }
    const route = mode.kind === "egress" ? decision.route : undefined;
    // A routed hop goes into the customer's network, where private addresses are expected;
    // metadata, multicast and broadcast destinations are refused on every hop.
    assertPublicDestination(url, { allowPrivate: route !== undefined || env.ALLOW_PRIVATE_UPSTREAMS === "true" });

    // Autonomy gate after policy: it can hold an allowed request for a human, never allow a denied one.
    if (mode.kind === "egress" && decision.target) {
      const target = decision.target;
      await passGate(
        { ...ctx, withdrawn },
        { kind: "egress", method: override ?? method, host: target.host },
        { kind: "egress", method, override, url: `${url.origin}${url.pathname}` },
        { hop, scheme: target.scheme, port: target.port },
        `${target.host}${target.path}`,
      ).catch((error: unknown) => {
        if (error instanceof AppError) auditHop(ctx, { ...decision, allowed: false, explanation: error.message }, hop);
        throw error;
      });
    }

    let outbound = { headers: new Headers(baseHeaders), url };
    outbound.headers.set("accept-encoding", route ? RELAYED_ACCEPT_ENCODING : DIRECT_ACCEPT_ENCODING);
    // A credential goes only to the origin the agent (or the tool) named, never across a redirect elsewhere.
    const credentialName = mode.kind === "egress" ? decision.credential : undefined;
    const credentialRow =
      mode.kind === "tool"
        ? mode.tool.credentialId
          ? (credentials.find((r) => r.id === mode.tool.credentialId) ?? null)
          : undefined
        : credentialName !== undefined
          ? (credentials.find((r) => r.name === credentialName) ?? null)
          : undefined;
    if (credentialRow !== undefined && sameOrigin(first, url)) {
      if (credentialRow === null) {
        if (mode.kind === "egress") auditHop(ctx, { ...decision, allowed: false, explanation: "the rule's credential no longer exists" }, hop);
        throw new AppError(
          "policy_denied",
          mode.kind === "egress" ? "the credential named by the matching rule does not exist" : "the tool's credential no longer exists",
        );
      }
      if (mode.kind === "tool" && url.protocol === "http:" && !mode.tool.credentialOverHttp) {
        throw new AppError("policy_denied", "the tool's credential is sent over https only (the tool may set credentialOverHttp)");
      }
      const opened = await openCredentialCached(env, credentialRow);
      secrets.push(...injectedSecrets(opened.inject, opened.secret));
      outbound = injectCredential(outbound, opened.inject, opened.secret);
      // Ranges would let an echoing upstream hand the secret back in pieces too short to recognise.
      outbound.headers.delete("range");
      outbound.headers.delete("if-range");
    }

    if (mode.kind === "egress" && probe === undefined && secrets.length > 0) probe = probeIn(secrets, agentSent());
    let response: Response;
    try {
      response = route
        ? await fetchThroughPool(env, orgId, route, outbound.url, method, outbound.headers, body, withdrawn)
        : await fetchDirect(outbound.url, { method, headers: outbound.headers, body }, withdrawn);
    } catch (error) {
      if (mode.kind === "egress") auditHop(ctx, decision, hop, { error: error instanceof AppError ? error.code : "internal" });
      throw error;
    }
    if (mode.kind === "egress")
      auditHop(ctx, decision, hop, { status: response.status, probe: probe === true, ...(hop === 0 && pii ? { pii } : {}) });
    span.set({
      "http.response.status_code": response.status,
      "http.request.resend_count": hop > 0 ? hop : undefined,
      ...(hop === 0 ? exitPiiAttributes(pii) : {}),
    });
    if (response.status >= 400) span.fail(String(response.status));
    const location = response.headers.get("location");
    if (mode.kind === "egress" && isRedirect(response.status) && location) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new AppError("upstream_error", "too many redirects");
      url = resolveRedirect(url, location);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
        method = "GET";
        body = null;
      }
      continue;
    }
    const answer = await scrubbedAnswer(response, scrubberFor(secrets), route !== undefined, watch);
    // Which rule let the request through (the same reference explain and the audit trail give).
    const rule = ruleRef(decision);
    if (mode.kind === "egress" && rule) answer.headers.set(RULE_HEADER, rule);
    return answer;
  }
}

/**
 * The upstream's answer for the agent, with every form of the injected secrets replaced in
 * headers and body, watched until its body is done. A body the gateway cannot decode (an encoding
 * fetch does not undo, or any encoding on an answer relayed by a host) is refused when a secret
 * was injected.
 */
async function scrubbedAnswer(upstream: Response, scrubber: Scrubber | null, relayed: boolean, watch: CallWatch): Promise<Response> {
  let headers = new Headers();
  upstream.headers.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name)) headers.append(name, value);
  });
  if (scrubber) {
    // Only a body fetch has decoded can be scanned: one coding it decodes, spelled as it expects
    // ("GZIP", "gzip, gzip" or two headers are passed through encoded), never on a relayed hop.
    const declared = upstream.headers.get("content-encoding");
    // A transfer coding other than chunked ("gzip, chunked") reaches the body undecoded: unscannable too.
    const transfer = upstream.headers.get("transfer-encoding");
    const scannable =
      (declared === null || declared === "identity" || (!relayed && DECODED_BY_FETCH.has(declared))) &&
      (transfer === null || CHUNKED_ONLY.test(transfer));
    // A piece of a resource (206) can hold a piece of the secret no scan would recognise.
    if (!scannable || upstream.status === 206) {
      void upstream.body?.cancel();
      throw new AppError(
        "upstream_error",
        "the upstream answered in a form the gateway cannot scan for credentials (an encoding it does not decode, or a partial body)",
      );
    }
    headers = scrubHeaders(headers, scrubber);
  }
  if (!upstream.body) {
    watch.end();
    return new Response(null, { status: upstream.status, headers });
  }
  const reader = upstream.body.getReader();
  // A small answer whose length the upstream declared is read whole first (the call is over once it
  // is held, no stream pumped chunk by chunk). The read stops past SMALL_BODY whatever the header
  // said (chunked framing wins over a Content-Length): what was read then streams on with the rest.
  const read: Uint8Array[] = [];
  if (declaresSmallBody(upstream) && (await readUpTo(reader, SMALL_BODY, read))) {
    watch.end();
    const whole = joined(read);
    return new Response(scrubber ? scrubBytes(whole, scrubber) : whole, { status: upstream.status, headers });
  }
  return new Response(watchedBody(reader, read, scrubber, watch), { status: upstream.status, headers });
}

/**
 * The answer's body as the agent reads it: chunks already read first, then the rest, scrubbed of
 * the injected secrets even where one straddles two chunks (only the longest form's length is
 * held back, so it still streams), and the call's watch ended when the body is done, cut off or
 * cancelled by the agent.
 */
function watchedBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  read: Uint8Array[],
  secrets: Scrubber | null,
  watch: CallWatch,
): ReadableStream<Uint8Array> {
  const scrubber = secrets ? new StreamScrubber(secrets) : null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const { done, value } = read.length > 0 ? { done: false as const, value: read.shift() as Uint8Array } : await reader.read();
          if (done) {
            const rest = scrubber?.flush();
            if (rest) controller.enqueue(rest);
            watch.end();
            controller.close();
            return;
          }
          const out = scrubber ? scrubber.push(value) : value;
          // A chunk held back whole (shorter than a needle) is read on with the next one.
          if (out.length > 0) {
            controller.enqueue(out);
            return;
          }
        }
      } catch (error) {
        watch.end();
        throw error;
      }
    },
    cancel(reason) {
      watch.end();
      return reader.cancel(reason);
    },
  });
}

/** The largest body read whole before it is answered. */
const SMALL_BODY = 64 * 1024;

/**
 * An answer that declares a length of at most SMALL_BODY and no content coding (fetch decodes
 * one, so its declared length would not bound what decoding yields).
 */
function declaresSmallBody(upstream: Response): boolean {
  const encoding = upstream.headers.get("content-encoding");
  if (encoding !== null && encoding !== "identity") return false;
  const declared = upstream.headers.get("content-length");
  return declared !== null && /^\d{1,6}$/.test(declared) && Number(declared) <= SMALL_BODY;
}

/**
 * Reads chunks into `into` until the body ends (true) or holds more than `limit` bytes (false);
 * read failures as the fetch's own (cut off, timed out).
 */
async function readUpTo(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number, into: Uint8Array[]): Promise<boolean> {
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      into.push(value);
      size += value.length;
      if (size > limit) return false;
    }
  } catch (error) {
    throw upstreamFailure(error, "the upstream did not finish its answer in time", "the upstream's answer was cut off");
  }
}

function joined(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
