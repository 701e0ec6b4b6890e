// The OAuth 2.1 authorization server for MCP clients, built on @cloudflare/workers-oauth-provider
// (Cloudflare's implementation of the MCP authorization spec: RFC 8414 metadata, RFC 7591
// registration, S256 PKCE only, RFC 8707 resource binding, tokens stored hashed in OAUTH_KV).
// The issuer is the deployment's origin (PUBLIC_ORIGIN, else the request's); the protected
// resource is `<origin>/mcp`. One server per origin, built once per isolate.
import { OAuthAuthorizationServer, type OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { z } from "zod";
import { AuthMethodSchema } from "../../schema/api.js";

/** The only scope: use the MCP gateway as the chosen agent, on the person's behalf. */
export const MCP_SCOPE = "mcp";
export const AUTHORIZE_PATH = "/oauth/authorize";
export const TOKEN_PATH = "/oauth/token";
export const REGISTER_PATH = "/oauth/register";
export const MCP_PATH = "/mcp";

/**
 * What a grant binds, fixed at consent: the person, the org, the agent they chose, and how the
 * person signed in to consent (`amr`, `ssoOrg`; absent in grants made before it was recorded,
 * which count as password only), judged against the org's rules on every call.
 */
export const GrantPropsSchema = z.strictObject({
  orgId: z.string(),
  userId: z.string(),
  agentId: z.string(),
  amr: z.array(AuthMethodSchema).min(1).optional(),
  ssoOrg: z.string().optional(),
});
export type GrantProps = z.infer<typeof GrantPropsSchema>;

/** The metadata stored in clear beside a grant (props are encrypted): what revocation filters on. */
export const GrantMetadataSchema = z.object({ orgId: z.string(), agentId: z.string() });

const servers = new Map<string, OAuthAuthorizationServer<Env>>();
const MAX_SERVERS = 16;

/** The origin tokens are issued for: the configured public origin, or the one the request came to. */
export function issuerOrigin(env: Env, requestUrl: string): string {
  const configured = env.PUBLIC_ORIGIN;
  return configured ? new URL(configured).origin : new URL(requestUrl).origin;
}

export function authorizationServer(origin: string): OAuthAuthorizationServer<Env> {
  let server = servers.get(origin);
  if (!server) {
    server = new OAuthAuthorizationServer<Env>({
      issuer: origin,
      resources: [`${origin}${MCP_PATH}`],
      defaultResource: `${origin}${MCP_PATH}`,
      authorizeEndpoint: `${origin}${AUTHORIZE_PATH}`,
      tokenEndpoint: `${origin}${TOKEN_PATH}`,
      clientRegistrationEndpoint: `${origin}${REGISTER_PATH}`,
      scopesSupported: [MCP_SCOPE],
      accessTokenTTL: 3600,
      refreshTokenTTL: 30 * 86_400,
      onError: ({ status, code, internal }) => {
        if (status >= 500) console.error("oauth: server error", { code, internal });
      },
    });
    if (servers.size >= MAX_SERVERS) servers.delete(servers.keys().next().value as string);
    servers.set(origin, server);
  }
  return server;
}

export function oauthApi(env: Env, origin: string): OAuthHelpers {
  return authorizationServer(origin).getOAuthApi(env);
}

/**
 * Grants live in OAUTH_KV under the person's id whatever the issuer, so any server instance can
 * list and revoke them: the configured origin's, else one already built, else a placeholder.
 */
function storageApi(env: Env): OAuthHelpers {
  const configured = env.PUBLIC_ORIGIN;
  const origin = configured ? new URL(configured).origin : (servers.keys().next().value ?? "https://localhost");
  return oauthApi(env, origin);
}

/** Revokes a person's grants in an org (every grant without one), optionally only those for one agent. Returns how many. */
export async function revokeGrantsOf(env: Env, userId: string, filter: { orgId?: string; agentId?: string } = {}): Promise<number> {
  const api = storageApi(env);
  let cursor: string | undefined;
  let revoked = 0;
  do {
    const page = await api.listUserGrants(userId, cursor ? { cursor, limit: 100 } : { limit: 100 });
    for (const grant of page.items) {
      const meta = GrantMetadataSchema.safeParse(grant.metadata);
      if (filter.orgId !== undefined && (!meta.success || meta.data.orgId !== filter.orgId)) continue;
      if (filter.agentId && (!meta.success || meta.data.agentId !== filter.agentId)) continue;
      await api.revokeGrant(grant.id, userId);
      revoked++;
    }
    cursor = page.cursor;
  } while (cursor);
  return revoked;
}

export interface GrantView {
  id: string;
  clientId: string;
  agentId: string;
  scope: string[];
  createdAt: string;
  expiresAt: string | null;
}

/** The person's grants for agents of one org. */
export async function grantsOf(env: Env, userId: string, orgId: string): Promise<GrantView[]> {
  const api = storageApi(env);
  const out: GrantView[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.listUserGrants(userId, cursor ? { cursor, limit: 100 } : { limit: 100 });
    for (const grant of page.items) {
      const meta = GrantMetadataSchema.safeParse(grant.metadata);
      if (!meta.success || meta.data.orgId !== orgId) continue;
      out.push({
        id: grant.id,
        clientId: grant.clientId,
        agentId: meta.data.agentId,
        scope: grant.scope,
        createdAt: new Date(grant.createdAt * 1000).toISOString(),
        expiresAt: grant.expiresAt ? new Date(grant.expiresAt * 1000).toISOString() : null,
      });
    }
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** Revokes one of the person's grants in the org; false when they hold no such grant there. */
export async function revokeGrant(env: Env, userId: string, orgId: string, grantId: string): Promise<boolean> {
  const grant = (await grantsOf(env, userId, orgId)).find((g) => g.id === grantId);
  if (!grant) return false;
  await storageApi(env).revokeGrant(grant.id, userId);
  return true;
}
