// ANY /egress/<absolute-url>: the agent's way to reach HTTP systems. An adapter: parse the
// target and body, then the outbound pipeline (workers/egress/pipeline.ts) decides and sends.
import { Hono } from "hono";
import { sendOutbound } from "../../egress/pipeline.js";
import { parseEgressTarget } from "../../egress/url-safety.js";
import type { AppEnv } from "../../http/context.js";
import { readLimitedBytes } from "../../http/middleware.js";
import { agentCallContext, requireAgent, rightsAfterBody } from "../../identity/authenticate.js";
import { traced } from "../../telemetry/middleware.js";

export const EGRESS_BODY_LIMIT = 10 * 1024 * 1024;
const PREFIX = "/egress/";

export function egressGateway() {
  const egress = new Hono<AppEnv>();
  egress.use("*", requireAgent);
  // The route, never the target: its query can hold a credential.
  egress.use(
    "*",
    traced(() => "/egress/*"),
  );
  egress.all("/*", async (c) => {
    const outer = new URL(c.req.url);
    const url = parseEgressTarget(outer.pathname.slice(outer.pathname.indexOf(PREFIX) + PREFIX.length) + outer.search);
    const method = c.req.method.toUpperCase();
    const body = method === "GET" || method === "HEAD" ? null : await readLimitedBytes(c.req.raw, EGRESS_BODY_LIMIT);
    await rightsAfterBody(c);
    const ctx = agentCallContext(c);
    return sendOutbound(ctx, { method, url, headers: c.req.raw.headers, body }, { kind: "egress" });
  });
  return egress;
}
