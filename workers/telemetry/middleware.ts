// The gateway's tracing middleware (after requireAgent): for an org that exports traces and a
// sampled call, the request runs inside a server span continuing the caller's traceparent.
// An org without telemetry costs one cached lookup.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/context.js";
import { telemetryConfigOf } from "./config.js";
import { TelemetryScope, sampled } from "./scope.js";
import { inSpan, reasonOf } from "./span.js";
import { TRACEPARENT_HEADER, parseTraceparent } from "./traceparent.js";

/** `route`: the span's low-cardinality route (never the egress target, which can carry a query credential). */
export function traced(route: (c: Context<AppEnv>) => string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { orgId, agentId } = c.get("agent");
    const config = await telemetryConfigOf(c.env, orgId);
    if (!config || !sampled(config)) return next();
    const scope = new TelemetryScope(c.env, config, c.executionCtx);
    const httpRoute = route(c);
    const span = scope.serverSpan(parseTraceparent(c.req.header(TRACEPARENT_HEADER)), `${c.req.method} ${httpRoute}`, {
      "http.request.method": c.req.method,
      "http.route": httpRoute,
      "url.scheme": "https",
      "palisade.org.id": orgId,
      "palisade.agent.id": agentId,
      "palisade.request.id": c.get("traceId"),
    });
    try {
      await inSpan(span, () => next());
    } finally {
      const status = c.res.status;
      span.set({ "http.response.status_code": status });
      if (c.error) span.fail(reasonOf(c.error));
      else if (status >= 400) span.fail(String(status));
      span.end();
    }
  };
}
