// Builds the Worker's app once: route groups for the admin API, agent gateway, tunnel and dashboard.
import { Hono } from "hono";
import { AppError } from "./errors.js";
import type { AppEnv } from "./http/context.js";
import { handleError } from "./http/errors.js";
import { securityHeaders, traceId } from "./http/middleware.js";
import { adminApi } from "./routes/admin/index.js";
import { dashboardRoutes } from "./routes/dashboard/index.js";
import { egressGateway } from "./routes/gateway/egress.js";
import { agentGateway } from "./routes/gateway/index.js";
import { llmGateway } from "./routes/gateway/llm.js";
import { tunnelRoute } from "./routes/tunnel.js";
import { mcpGateway } from "./mcp/route.js";
import { oauthRoutes } from "./oauth/routes.js";
import { scimRoutes } from "./scim/route.js";

export function buildApp() {
  const app = new Hono<AppEnv>();
  app.use("*", traceId, securityHeaders);
  app.onError(handleError);
  app.notFound(() => {
    throw new AppError("not_found", "no such route");
  });
  app.route("/api/v1", adminApi());
  app.route("/agent/v1", agentGateway());
  app.route("/egress", egressGateway());
  app.route("/llm", llmGateway());
  app.route("/tunnel", tunnelRoute());
  app.route("/mcp", mcpGateway());
  app.route("/scim/v2", scimRoutes());
  app.route("/", oauthRoutes());
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.route("/", dashboardRoutes());
  return app;
}
