// Authentication middleware: admin API callers (session JWT as Bearer or cookie, or a
// pal_admin_ key) and agents (pal_agent_ token as Bearer or x-api-key).
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { loadAgent } from "../agents/rows.js";
import { rightsOf } from "../agents/service.js";
import { currentRights, watchAfterMs } from "../agents/withdrawal.js";
import { AppError, unauthorized } from "../errors.js";
import type { AppEnv, UserPrincipal } from "../http/context.js";
import { CSRF_HEADER, SESSION_COOKIE, csrfValid, verifySession } from "./sessions.js";
import { lookupToken, tokenKindOf } from "./tokens.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function bearer(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Admin API identity; agents are refused here (403) whatever their token says. */
export const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("user", await authenticateUser(c));
  return next();
};

/** The user behind the request's credentials (bearer or session cookie); 401/403 if they do not hold. */
export async function authenticateUser(c: Context<AppEnv>): Promise<UserPrincipal> {
  const raw = bearer(c);
  if (raw) {
    const kind = tokenKindOf(raw);
    if (kind === "admin") {
      const record = await lookupToken(c.env.DB, raw, "admin");
      if (!record) throw unauthorized();
      return { kind: "user", userId: record.subjectId, via: "api_key", orgId: record.orgId, tokenId: record.id, ...record.signIn };
    }
    if (kind === "agent") {
      if (await lookupToken(c.env.DB, raw, "agent")) throw new AppError("forbidden", "agent tokens cannot use the admin API");
      throw unauthorized();
    }
    if (kind) throw unauthorized();
    const session = await verifySession(c.env, raw);
    if (!session) throw unauthorized("invalid or expired session");
    return { kind: "user", userId: session.userId, via: "session", jti: session.jti, cookie: false, amr: session.amr, ssoOrgId: session.ssoOrgId };
  }

  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) {
    const session = await verifySession(c.env, cookie);
    if (!session) throw unauthorized("invalid or expired session");
    if (!SAFE_METHODS.has(c.req.method)) await assertCsrf(c, session.jti);
    return { kind: "user", userId: session.userId, via: "session", jti: session.jti, cookie: true, amr: session.amr, ssoOrgId: session.ssoOrgId };
  }
  throw unauthorized();
}

/** For routes open to everyone that act differently for a signed-in user: undefined without credentials. */
export async function userIfPresent(c: Context<AppEnv>): Promise<UserPrincipal | undefined> {
  if (!bearer(c) && !getCookie(c, SESSION_COOKIE)) return undefined;
  return authenticateUser(c);
}

/** Cookie sessions must prove same-origin intent on writes: matching Origin and CSRF token. */
async function assertCsrf(c: Context<AppEnv>, jti: string) {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) throw new AppError("csrf_failed", "cross-origin request refused");
  if (!(await csrfValid(c.env, jti, c.req.header(CSRF_HEADER)))) {
    throw new AppError("csrf_failed", `missing or invalid ${CSRF_HEADER} header`);
  }
}

/**
 * The agent's own token, as `Authorization: Bearer` or `x-api-key` (SDKs differ). When both are
 * present the one that carries an agent token wins, so a client may keep its own Authorization
 * for the upstream (which the gateway strips anyway).
 */
export function agentTokenFrom(c: Context): string | undefined {
  const candidates = [c.req.header("x-api-key"), bearer(c)].filter((v): v is string => !!v);
  return candidates.find((v) => tokenKindOf(v) === "agent") ?? candidates[0];
}

/** Whether the request presents a Palisade token (pal_…) rather than an OAuth access token or nothing. */
export function carriesPalisadeToken(c: Context): boolean {
  const raw = agentTokenFrom(c);
  return raw !== undefined && tokenKindOf(raw) !== undefined;
}

export const requireAgent: MiddlewareHandler<AppEnv> = async (c, next) => {
  const raw = agentTokenFrom(c);
  if (!raw) throw unauthorized("missing agent token");
  await authenticateAgent(c, raw);
  c.set("reauthorise", (fresh) => (fresh ? reauthoriseFresh(c) : authenticateAgent(c, raw)));
  return next();
};

/** The agent's row and rights from D1 past every cache, its token checked live, on the context; or throws why not. */
async function reauthoriseFresh(c: Context<AppEnv>): Promise<void> {
  const principal = c.get("agent");
  const rights = await currentRights(c.env, principal.orgId, principal.agentId, principal.tokenId);
  if (rights instanceof AppError) throw rights;
  c.set("agent", { ...principal, agent: rights.agent });
  c.set("rights", rights);
  c.set("rightsReadAt", Date.now());
}

/** Sets the agent behind `raw` and its rights (its caches' view) on the context, or throws why it may not act. */
async function authenticateAgent(c: Context<AppEnv>, raw: string): Promise<void> {
  const record = await lookupToken(c.env.DB, raw, "agent");
  if (!record) throw unauthorized("invalid or revoked agent token");
  const agent = await loadAgent(c.env.DB, record.orgId, record.subjectId);
  if (!agent) throw unauthorized("invalid or revoked agent token");
  // The rights of the whole parent chain: a subagent of a revoked parent is refused too.
  const rights = await rightsOf(c.env, agent);
  if (!rights.ok) {
    if (rights.code === "suspended") throw new AppError("agent_suspended", `${rights.reason}; new calls are refused until it is resumed`);
    throw unauthorized("invalid or revoked agent token");
  }
  c.set("agent", { kind: "agent", agentId: agent.id, orgId: agent.orgId, tokenId: record.id, agent });
  c.set("rights", rights.rights);
  c.set("rightsReadAt", Date.now());
}

/**
 * Reads the calling agent's rights again once its request's body has arrived: the middleware read them before it, and
 * a client sending it slowly would otherwise carry them past a suspension, a policy edit or a move made meanwhile. As
 * the middleware did (this isolate's caches, which an edit here clears) when the body came soon; from D1 past every
 * cache when it came later than a call runs before it watches for withdrawal (WATCH_AFTER_MS), or `always` (a mint
 * writes rows from the parent's team, autonomy and limits, which no watch can take back). Routes call it right after
 * reading the body, before reading anything else the call depends on.
 */
export async function rightsAfterBody(c: Context<AppEnv>, options: { always?: boolean } = {}): Promise<void> {
  const reauthorise = c.get("reauthorise");
  const readAt = c.get("rightsReadAt");
  if (!reauthorise || readAt === undefined) return;
  await reauthorise(options.always === true || Date.now() - readAt >= watchAfterMs(c.env));
}

/** What a gateway operation needs of the request: the agent's rights, the token it used, the trace, and waitUntil. */
export function agentCallContext(c: Context<AppEnv>) {
  return {
    env: c.env,
    rights: c.get("rights"),
    tokenId: c.get("agent").tokenId,
    traceId: c.get("traceId"),
    waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
  };
}
