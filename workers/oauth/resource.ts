// /mcp as an OAuth protected resource (RFC 9728) for desktop MCP clients. The library's
// OAuthResourceServer publishes the metadata, answers a request without a token with the
// `WWW-Authenticate: Bearer resource_metadata=…` challenge and validates the token's audience;
// then, on every call, the person and the agent of the grant are checked again (an active member
// who may still use that agent, an agent with live rights), so revoking either ends access at once.
import { OAuthResourceServer } from "@cloudflare/workers-oauth-provider";
import type { Context } from "hono";
import { Hono } from "hono";
import { loadAgent } from "../agents/rows.js";
import { rightsOf } from "../agents/service.js";
import { mayUseAgent, personInOrg } from "../agents/usable-by.js";
import { AppError } from "../errors.js";
import type { AppEnv } from "../http/context.js";
import { handleError } from "../http/errors.js";
import { securityHeaders, traceId } from "../http/middleware.js";
import { mcpRoutes } from "../mcp/route.js";
import { toolsVisibleToPerson } from "../tools/access.js";
import { unmetOrgRule } from "../identity/login-policy.js";
import { type GrantProps, GrantPropsSchema, MCP_PATH, MCP_SCOPE, authorizationServer, issuerOrigin } from "./server.js";
import { makeDb } from "../data/db.js";
import { OrgData } from "../data/org-data.js";

const PRM_PATH = "/.well-known/oauth-protected-resource";

/** The MCP routes behind OAuth: the grant's person and agent are resolved before any of them. */
function oauthMcpApp() {
  const app = new Hono<AppEnv>();
  app.use("*", traceId, securityHeaders);
  app.onError(handleError);
  app.use("*", async (c, next) => {
    const ctx = c.executionCtx as ExecutionContext & { props?: unknown; auth?: { audience: string; token: string } };
    const props = GrantPropsSchema.safeParse(ctx.props);
    if (!props.success) return invalidToken(c, "the token carries no grant");
    const refused = await resolveGrant(c, props.data, false);
    if (refused) return invalidToken(c, refused);
    // After the request's body (rightsAfterBody): the same checks again, so a slow body cannot outrun a revocation.
    c.set("reauthorise", async (fresh) => {
      const again = await resolveGrant(c, props.data, fresh);
      if (again) throw new AppError("unauthorized", again);
    });
    return next();
  });
  const mcp = new Hono<AppEnv>();
  mcpRoutes(mcp);
  app.route(MCP_PATH, mcp);
  return app;
}

/**
 * Puts the grant's agent, its rights and the person on the context, checked as they are now (`fresh`: the agent and its
 * rights from D1 past every cache); why the grant no longer holds otherwise. A suspended agent throws (403).
 */
async function resolveGrant(c: Context<AppEnv>, grant: GrantProps, fresh: boolean): Promise<string | null> {
  const { orgId, userId, agentId } = grant;
  const person = await personInOrg(c.env, orgId, userId);
  const agent = !person ? undefined : fresh ? await new OrgData(makeDb(c.env.DB), orgId).agent(agentId) : await loadAgent(c.env.DB, orgId, agentId);
  if (!person || !agent || !mayUseAgent(person, agent)) return "the grant's person or agent was revoked";
  // The consenting sign-in against the org's rules as they are now (a grant from before a rule is refused).
  const signIn = { userId, amr: grant.amr ?? ["pwd" as const], ssoOrgId: grant.ssoOrg };
  const unmet = await unmetOrgRule(c.env, orgId, signIn, person.role);
  if (unmet) return `the organization requires ${unmet === "sso_required" ? "single sign-on" : "multi-factor authentication"}; connect again`;
  const rights = await rightsOf(c.env, agent, { fresh });
  if (!rights.ok) {
    if (rights.code === "suspended") throw new AppError("agent_suspended", `${rights.reason}; new calls are refused until it is resumed`);
    return "the grant's agent was revoked";
  }
  // Calls are watched under the grant: a token of the agent is not what the person holds.
  c.set("agent", { kind: "agent", agentId: agent.id, orgId, tokenId: `oauth:${userId}`, agent });
  c.set("rights", rights.rights);
  c.set("rightsReadAt", Date.now());
  c.set("onBehalfOf", { userId, visibleToolIds: await toolsVisibleToPerson(c.env, person, agent) });
  return null;
}

function invalidToken(c: Context<AppEnv>, description: string) {
  const origin = issuerOrigin(c.env, c.req.url);
  return c.json({ error: "invalid_token", error_description: description }, 401, {
    "www-authenticate": `Bearer realm="OAuth", error="invalid_token", error_description="${description}", resource_metadata="${origin}${PRM_PATH}${MCP_PATH}"`,
  });
}

const resourceServers = new Map<string, OAuthResourceServer<Env>>();
// Built on first use: mcp/route.ts imports this module, so building at import time would run
// mcpRoutes before route.ts has finished loading (an import cycle).
let app: Hono<AppEnv> | undefined;

function resourceServer(origin: string): OAuthResourceServer<Env> {
  let server = resourceServers.get(origin);
  if (!server) {
    const resource = `${origin}${MCP_PATH}`;
    server = new OAuthResourceServer<Env>({
      resourceMetadata: { resource, authorization_servers: [origin], resource_name: "Palisade MCP gateway" },
      requiredScopes: [MCP_SCOPE],
      validateToken: (env) => (res, token) => authorizationServer(origin).validateToken(res, token, env),
      handler: {
        fetch: (request, env, ctx) => {
          app ??= oauthMcpApp();
          return app.fetch(request, env, ctx);
        },
      },
    });
    if (resourceServers.size >= 16) resourceServers.delete(resourceServers.keys().next().value as string);
    resourceServers.set(origin, server);
  }
  return server;
}

/** /mcp for a request without a Palisade token: challenge, or serve the OAuth grant's agent. */
export function serveOAuthMcp(c: Context<AppEnv>): Promise<Response> {
  return resourceServer(issuerOrigin(c.env, c.req.url)).fetch(c.req.raw, c.env, c.executionCtx as ExecutionContext);
}

/** RFC 9728 metadata, at the path-suffixed URL for /mcp and at the bare well-known URL. */
export function serveResourceMetadata(c: Context<AppEnv>): Promise<Response> {
  const origin = issuerOrigin(c.env, c.req.url);
  const url = new URL(c.req.url);
  const request = url.pathname === PRM_PATH ? new Request(`${url.origin}${PRM_PATH}${MCP_PATH}`, c.req.raw) : c.req.raw;
  return resourceServer(origin).fetch(request, c.env, c.executionCtx as ExecutionContext);
}
