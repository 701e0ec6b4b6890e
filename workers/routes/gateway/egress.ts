// ANY /egress/<absolute-url>: the agent's only way to reach HTTP systems. Every hop of a
// request is decided against the agent's effective policy (default deny), checked against
// SSRF rules, stripped of client credentials and given the rule's credential server-side.
import type { Context } from "hono";
import { Hono } from "hono";
import { recordAudit } from "../../audit/audit.js";
import { AppError } from "../../errors.js";
import { scrubHeaders, scrubSecretsStream, secretForms } from "../../egress/scrub.js";
import { assertPublicDestination, parseEgressTarget, resolveRedirect, sameOrigin } from "../../egress/url-safety.js";
import type { AppEnv } from "../../http/context.js";
import { readLimitedBytes } from "../../http/middleware.js";
import { requireAgent } from "../../identity/authenticate.js";
import { passGate } from "../../autonomy/gate.js";
import type { EgressDecision } from "../../policy/decide.js";
import { decideEgressFor } from "../../tools/access.js";
import { effectivePolicyFor } from "../../policy/service.js";
import { connectedHostOf, tunnelOf } from "../../sandboxes/service.js";
import { credentialRowsOf, injectOf, openCredentialCached } from "../../vault/credentials.js";
import type { CredentialRow } from "../../data/policy-store.js";
import { credentialHeaderName, injectCredential, stripClientAuth } from "../../vault/inject.js";

export const EGRESS_BODY_LIMIT = 10 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const UPSTREAM_TIMEOUT_MS = 30_000;

/** Request headers never forwarded: hop-by-hop, routing, and what only the edge may set. */
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
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
  "forwarded",
  "x-api-key",
]);
const DROP_RESPONSE = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-authenticate", "trailer", "te", "content-length"]);

function forwardableHeaders(incoming: Headers): Headers {
  const out = new Headers();
  incoming.forEach((value, name) => {
    const n = name.toLowerCase();
    if (DROP_REQUEST.has(n) || n.startsWith("cf-") || n.startsWith("x-palisade-")) return;
    out.set(name, value);
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

function auditDecision(c: Context<AppEnv>, decision: EgressDecision, hop: number, status?: number) {
  const { agent } = c.get("agent");
  const rule = decision.rule;
  // Batched with the isolate's other hot-path events (IsolateBatcher), off the response path.
  void recordAudit(
    c.env,
    {
      orgId: agent.orgId,
      actor: { type: "agent", id: agent.id },
      action: "egress.request",
      resource: { type: "egress", id: decision.target?.host ?? null },
      result: decision.allowed ? "allowed" : "denied",
      reason: rule ? `policy:${rule.policyId}@v${rule.policyVersion}#${rule.index}` : decision.reason,
      traceId: c.get("traceId"),
      // The target path but never the query: an injected query credential lives there.
      details: {
        ...(decision.target ?? {}),
        hop,
        ...(status !== undefined ? { status } : {}),
        ...(decision.credential ? { credential: decision.credential } : {}),
      },
    },
    c.executionCtx,
  );
}

async function fetchUpstream(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      throw new AppError("upstream_timeout", "the upstream did not answer in time");
    }
    throw new AppError("upstream_error", "the upstream could not be reached", { cause: error });
  }
}

/** Egress through a connected host of the pool named by the rule (`pool:<name>`). */
async function forwardThroughPool(
  env: Env,
  orgId: string,
  route: string,
  url: URL,
  method: string,
  headers: Headers,
  body: Uint8Array | undefined,
): Promise<Response> {
  const host = await connectedHostOf(env, orgId, route.slice("pool:".length));
  try {
    return await tunnelOf(env, host.id).forward(
      { method, url: url.href, headers: [...headers], body: body ?? null },
      { headTimeoutMs: UPSTREAM_TIMEOUT_MS },
    );
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "upstream_timeout") throw new AppError("upstream_timeout", "the host's target did not answer in time");
    if (code === "unavailable") throw new AppError("unavailable", `no sandbox host of ${route} is connected`);
    throw new AppError("upstream_error", "the request through the sandbox host failed", { cause: error });
  }
}

const isRedirect = (status: number) => status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

export function egressGateway() {
  const egress = new Hono<AppEnv>();
  egress.use("*", requireAgent);
  egress.all("/*", async (c) => {
    const { agent } = c.get("agent");
    const outer = new URL(c.req.url);
    const prefix = "/egress/";
    let url = parseEgressTarget(outer.pathname.slice(outer.pathname.indexOf(prefix) + prefix.length) + outer.search);
    let method = c.req.method.toUpperCase();
    let body: Uint8Array | undefined = method === "GET" || method === "HEAD" ? undefined : await readLimitedBytes(c.req.raw, EGRESS_BODY_LIMIT);

    const policy = await effectivePolicyFor(c.env, agent);
    const credentials = await credentialRowsOf(c.env, agent.orgId);
    const baseHeaders = stripClientAuth(forwardableHeaders(c.req.raw.headers), credentialHeaders(credentials));
    const first = url;
    const secrets: string[] = [];

    for (let hop = 0; ; hop++) {
      // A subagent is also held to its parent's policy (never more than its parent).
      const decision = await decideEgressFor(c.env, agent, policy, { method, url });
      if (!decision.allowed) {
        auditDecision(c, decision, hop);
        throw new AppError("policy_denied", decision.explanation, { details: { reason: decision.reason } });
      }
      // A routed rule sends the request into the customer's network through a host of the pool,
      // so private destinations are expected there; everything else must be public.
      if (!decision.route) assertPublicDestination(url, { allowPrivate: c.env.ALLOW_PRIVATE_UPSTREAMS === "true" });
      // Autonomy gate after policy: it can hold an allowed request for a human, never allow a denied one.
      const target0 = decision.target;
      if (target0) {
        try {
          await passGate(
            { env: c.env, agent, policy, traceId: c.get("traceId"), waitUntil: (p) => c.executionCtx.waitUntil(p) },
            { kind: "egress", method, host: target0.host },
            { hop, scheme: target0.scheme, port: target0.port },
            `${target0.host}${target0.path}`,
          );
        } catch (error) {
          if (error instanceof AppError) auditDecision(c, { ...decision, allowed: false, explanation: error.message }, hop);
          throw error;
        }
      }

      let target = { headers: new Headers(baseHeaders), url };
      // A credential goes only to the origin the agent asked for, never across a redirect elsewhere.
      if (decision.credential && sameOrigin(first, url)) {
        const row = credentials.find((r) => r.name === decision.credential);
        if (!row) {
          auditDecision(c, { ...decision, allowed: false, explanation: "the rule's credential no longer exists" }, hop);
          throw new AppError("policy_denied", "the credential named by the matching rule does not exist");
        }
        const opened = await openCredentialCached(c.env, row);
        secrets.push(opened.secret);
        target = injectCredential(target, opened.inject, opened.secret);
      }

      const response = decision.route
        ? await forwardThroughPool(c.env, agent.orgId, decision.route, target.url, method, target.headers, body)
        : await fetchUpstream(target.url, { method, headers: target.headers, body: body ?? null });
      auditDecision(c, decision, hop, response.status);
      const location = response.headers.get("location");
      if (isRedirect(response.status) && location) {
        if (hop >= MAX_REDIRECTS) throw new AppError("upstream_error", "too many redirects");
        await response.body?.cancel();
        url = resolveRedirect(url, location);
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      return respond(response, secrets);
    }
  });
  return egress;
}

function respond(upstream: Response, secrets: string[]): Response {
  const headers = new Headers();
  upstream.headers.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name.toLowerCase())) headers.append(name, value);
  });
  if (secrets.length === 0) return new Response(upstream.body, { status: upstream.status, headers });
  const needles = secrets.flatMap(secretForms);
  const body = upstream.body ? upstream.body.pipeThrough(scrubSecretsStream(needles)) : null;
  // The scrubbed length may differ, and encoded bodies cannot be scanned reliably.
  headers.delete("content-length");
  return new Response(body, { status: upstream.status, headers: scrubHeaders(headers, secrets) });
}
