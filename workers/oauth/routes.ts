// OAuth routes of the Worker: discovery documents, the authorization server's own endpoints
// (token, registration; served by the library) and the authorize pages (ours).
import { type Context, Hono } from "hono";
import type { AppEnv } from "../http/context.js";
import { authorizeRoutes } from "./authorize.js";
import { serveResourceMetadata } from "./resource.js";
import { AUTHORIZE_PATH, REGISTER_PATH, TOKEN_PATH, authorizationServer, issuerOrigin } from "./server.js";

export function oauthRoutes() {
  const routes = new Hono<AppEnv>();
  const library = (c: Context<AppEnv>) =>
    authorizationServer(issuerOrigin(c.env, c.req.url)).fetch(c.req.raw, c.env, c.executionCtx as ExecutionContext);
  routes.all("/.well-known/oauth-protected-resource", serveResourceMetadata);
  routes.all("/.well-known/oauth-protected-resource/*", serveResourceMetadata);
  routes.all("/.well-known/oauth-authorization-server", library);
  routes.all("/.well-known/oauth-authorization-server/*", library);
  routes.all(TOKEN_PATH, library);
  routes.all(REGISTER_PATH, library);
  routes.route(AUTHORIZE_PATH, authorizeRoutes());
  return routes;
}
