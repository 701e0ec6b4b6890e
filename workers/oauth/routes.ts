// OAuth routes of the Worker: discovery documents, the authorization server's own endpoints
// (token, registration; served by the library) and the authorize pages (ours).
import { type Context, Hono } from "hono";
import { CLIENT_REGISTRATION_BODY_LIMIT, ClientRegistrationBoundsSchema, MAX_REDIRECT_URIS } from "../../schema/oauth.js";
import type { AppEnv } from "../http/context.js";
import { readLimitedBytes } from "../http/middleware.js";
import { addressCounter, throttle } from "../identity/login-throttle.js";
import { authorizeRoutes } from "./authorize.js";
import { serveResourceMetadata } from "./resource.js";
import { AUTHORIZE_PATH, REGISTER_PATH, TOKEN_PATH, authorizationServer, issuerOrigin } from "./server.js";

/** RFC 7591's error answer for client metadata refused before the library sees it. */
const registrationRefused = (c: Context<AppEnv>, status: 400 | 413, description: string) =>
  c.json({ error: "invalid_client_metadata", error_description: description }, status, { "cache-control": "no-store" });

export function oauthRoutes() {
  const routes = new Hono<AppEnv>();
  const library = (c: Context<AppEnv>) =>
    authorizationServer(issuerOrigin(c.env, c.req.url)).fetch(c.req.raw, c.env, c.executionCtx as ExecutionContext);
  routes.all("/.well-known/oauth-protected-resource", serveResourceMetadata);
  routes.all("/.well-known/oauth-protected-resource/*", serveResourceMetadata);
  routes.all("/.well-known/oauth-authorization-server", library);
  routes.all("/.well-known/oauth-authorization-server/*", library);
  routes.all(TOKEN_PATH, library);
  routes.post(REGISTER_PATH, async (c) => {
    // Registration is anonymous, and each one is stored for 90 days: bounded per client address.
    await throttle(c.env, addressCounter("oauth_register_address", c.req.header("cf-connecting-ip")), "client registration");
    const bytes = await readLimitedBytes(c.req.raw, CLIENT_REGISTRATION_BODY_LIMIT).catch(() => null);
    if (!bytes) return registrationRefused(c, 413, `client metadata exceeds ${CLIENT_REGISTRATION_BODY_LIMIT} bytes`);
    let metadata: unknown;
    try {
      metadata = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    } catch {
      return registrationRefused(c, 400, "client metadata must be a JSON object");
    }
    const bounded = ClientRegistrationBoundsSchema.safeParse(metadata);
    if (!bounded.success) {
      const at = bounded.error.issues[0]?.path.join(".") || "body";
      return registrationRefused(c, 400, `${at}: out of bounds (at most ${MAX_REDIRECT_URIS} redirect_uris, client_name up to 200 characters)`);
    }
    // The library reads the body again: hand it the bytes already read.
    const request = new Request(c.req.raw.url, { method: "POST", headers: c.req.raw.headers, body: bytes });
    return authorizationServer(issuerOrigin(c.env, c.req.url)).fetch(request, c.env, c.executionCtx as ExecutionContext);
  });
  routes.all(REGISTER_PATH, library);
  routes.route(AUTHORIZE_PATH, authorizeRoutes());
  return routes;
}
