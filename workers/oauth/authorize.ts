// The authorize step of OAuth for desktop MCP clients: the person signs in (their dashboard
// session, or the sign-in form here, then back), then chooses which agent the client acts as,
// among the agents they may use (workers/agents/usable-by.ts) in orgs whose sign-in rules their
// sign-in meets (workers/identity/login-policy.ts). The grant binds person, org, agent and how the
// person signed in; the library (workers/oauth/server.ts) validates the client, redirect URI and PKCE, and
// binds the consent form to this browser.
import { AuthorizationError, type AuthRequest } from "@cloudflare/workers-oauth-provider";
import type { Context } from "hono";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { loadAgent } from "../agents/rows.js";
import { agentsUsableBy, mayUseAgent, personInOrg } from "../agents/usable-by.js";
import { recordAudit } from "../audit/audit.js";
import { makeDb } from "../data/db.js";
import type { Role } from "../data/org-data.js";
import { PlatformData } from "../data/platform-data.js";
import { AppError } from "../errors.js";
import type { AppEnv } from "../http/context.js";
import { passwordLogin } from "../identity/login.js";
import { type UnmetRule, unmetOrgRule } from "../identity/login-policy.js";
import { CSRF_COOKIE, SESSION_COOKIE, type SignIn, verifySession } from "../identity/sessions.js";
import { ID_PATTERN } from "../ids.js";
import { AUTHORIZE_PATH, MCP_SCOPE, issuerOrigin, oauthApi } from "./server.js";

/** Own pages, no script at all: forms post to this origin only, and nobody may frame them. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string, status = 200, headers?: Headers): Response {
  const all = new Headers(headers);
  all.set("content-type", "text/html; charset=utf-8");
  all.set("content-security-policy", PAGE_CSP);
  all.set("x-frame-options", "DENY");
  all.set("cache-control", "no-store");
  all.set("referrer-policy", "no-referrer");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Palisade</title></head><body style="font-family:sans-serif;max-width:36rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return new Response(html, { status, headers: all });
}

const errorPage = (status: number, message: string) => page("Cannot connect this client", `<p>${escapeHtml(message)}</p>`, status);

/** The signed-in person from the dashboard session cookie, and how they signed in; or null. */
async function signedIn(c: Context<AppEnv>): Promise<(SignIn & { userId: string }) | null> {
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie) return null;
  const session = await verifySession(c.env, cookie);
  return session ? { userId: session.userId, amr: session.amr, ssoOrgId: session.ssoOrgId } : null;
}

/** Why a sign-in may not grant access to an org's agents, in words for the consent page. */
const RULE_REFUSAL: Record<UnmetRule, string> = {
  sso_required:
    "requires single sign-on: sign in with your identity provider on the dashboard (this site's home page) in another tab, then reload this page",
  mfa_required:
    "requires multi-factor authentication: sign in with your authenticator on the dashboard (this site's home page) in another tab, then reload this page",
};

/**
 * Splits the agents a person may use into those of orgs whose sign-in rules this sign-in meets
 * (the same decision as every admin request: `unmetOrgRule`) and the orgs it does not.
 */
async function agentsUnderOrgRules(env: Env, who: SignIn & { userId: string }) {
  const usable = await agentsUsableBy(env, who.userId);
  const unmetByOrg = new Map<string, UnmetRule | undefined>();
  for (const orgId of new Set(usable.map((a) => a.orgId))) {
    const person = await personInOrg(env, orgId, who.userId);
    unmetByOrg.set(orgId, person ? await unmetOrgRule(env, orgId, who, person.role) : "sso_required");
  }
  const allowed = usable.filter((a) => unmetByOrg.get(a.orgId) === undefined);
  const blocked = new Map<string, { orgName: string; rule: UnmetRule }>();
  for (const a of usable) {
    const rule = unmetByOrg.get(a.orgId);
    if (rule) blocked.set(a.orgId, { orgName: a.orgName, rule });
  }
  return { allowed, blocked: [...blocked.values()] };
}

async function parseRequest(c: Context<AppEnv>): Promise<AuthRequest | Response> {
  try {
    return await oauthApi(c.env, issuerOrigin(c.env, c.req.url)).parseAuthRequest(c.req.raw);
  } catch (error) {
    // The client or its redirect URI could not be trusted: never redirect, say why here.
    if (error instanceof AuthorizationError) return errorPage(400, error.description ?? "invalid authorization request");
    if (error instanceof Error) return errorPage(400, error.message.slice(0, 200));
    throw error;
  }
}

function signInPage(returnTo: string, problem?: string) {
  return page(
    "Sign in to Palisade",
    `${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ""}<p>An MCP client asks to act for you. Sign in first.</p>
<form method="post" action="${AUTHORIZE_PATH}/sign-in">
<input type="hidden" name="return" value="${escapeHtml(returnTo)}">
<p><label>E-mail <input name="email" type="email" autocomplete="username" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p></form>`,
    problem ? 401 : 200,
  );
}

const SignInForm = z.object({
  email: z.string().max(254),
  password: z.string().max(256),
  return: z.string().max(8000).refine(isAuthorizeReturn, "return must be this origin's authorize page"),
});

// The authorize query as this page serialised it: visible ASCII without a backslash or a fragment
// (no control character or space), so the redirect header is always valid and stays on this page.
const AUTHORIZE_QUERY = /^[!-~]*$/;
const NOT_IN_RETURN = /[#\\]/;

/** A same-origin path to the authorize page, checked before any sign-in work is done. */
function isAuthorizeReturn(value: string): boolean {
  if (!value.startsWith(`${AUTHORIZE_PATH}?`) || !AUTHORIZE_QUERY.test(value) || NOT_IN_RETURN.test(value)) return false;
  const base = "https://origin.invalid";
  const url = new URL(value, base);
  return url.origin === base && url.pathname === AUTHORIZE_PATH;
}
const ConsentForm = z.object({
  handle: z.string().min(1).max(500),
  action: z.enum(["approve", "deny"]),
  agent: z.string().regex(ID_PATTERN).optional(),
});

/** A form post must come from this origin (the cookie is SameSite=Strict too). */
function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header("origin");
  return origin === undefined || origin === new URL(c.req.url).origin;
}

const SECOND_FACTOR_ON_DASHBOARD =
  "Your account uses a second factor: sign in on the dashboard (this site's home page) in another tab, then reload this page.";
const SSO_ON_DASHBOARD =
  "Your organisation signs in with single sign-on: use it on the dashboard (this site's home page) in another tab, then reload this page.";

export function authorizeRoutes() {
  const routes = new Hono<AppEnv>();

  routes.get("/", async (c) => {
    const parsed = await parseRequest(c);
    if (parsed instanceof Response) return parsed;
    const who = await signedIn(c);
    const url = new URL(c.req.url);
    if (!who) return signInPage(`${url.pathname}${url.search}`);

    const api = oauthApi(c.env, issuerOrigin(c.env, c.req.url));
    const { allowed: agents, blocked } = await agentsUnderOrgRules(c.env, who);
    const blockedNote = blocked
      .map(
        (b) => `<p role="note">The agents of <strong>${escapeHtml(b.orgName)}</strong> are not offered: it ${escapeHtml(RULE_REFUSAL[b.rule])}.</p>`,
      )
      .join("");
    const consent = await api.describeConsent(parsed);
    const { handle, headers } = await api.beginConsent(parsed);
    const options = agents
      .map((a) => `<option value="${escapeHtml(a.agentId)}">${escapeHtml(a.agentName)} (${escapeHtml(a.orgName)})</option>`)
      .join("");
    const body = `<p><strong>${escapeHtml(consent.clientName)}</strong> wants to use Palisade's tools on your behalf, as one of your agents.</p>
<p>It will receive its access at <strong>${escapeHtml(consent.redirectHost)}</strong>.${consent.redirectIsLoopback ? " That is a program on this computer: any local program could be listening, whatever name the client gives." : ""}</p>
${blockedNote}<form method="post" action="${AUTHORIZE_PATH}">
<input type="hidden" name="handle" value="${escapeHtml(handle)}">
${agents.length ? `<p><label>Act as <select name="agent" required>${options}</select></label></p><p><button type="submit" name="action" value="approve">Allow</button> ` : "<p>You may not use any agent. Ask an admin to add you to an agent's team.</p><p>"}<button type="submit" name="action" value="deny">Deny</button></p>
</form>`;
    return page("Connect an MCP client", body, 200, headers);
  });

  routes.post("/sign-in", async (c) => {
    if (!sameOrigin(c)) return errorPage(403, "cross-origin request refused");
    const form = SignInForm.safeParse(await c.req.parseBody());
    if (!form.success) return errorPage(400, "sign-in needs an e-mail, a password and the request to return to");
    try {
      const outcome = await passwordLogin(c.env, c.executionCtx, {
        email: form.data.email,
        password: form.data.password,
        address: c.req.header("cf-connecting-ip") ?? null,
      });
      // A second factor is finished on the dashboard's sign-in (one implementation of MFA); its
      // session cookie is this page's too, so the person comes back here signed in.
      if (outcome.kind === "mfa") return signInPage(form.data.return, SECOND_FACTOR_ON_DASHBOARD);
      const session = outcome.session;
      const maxAge = Math.floor((session.expiresAt - Date.now()) / 1000);
      setCookie(c, SESSION_COOKIE, session.token, { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge });
      setCookie(c, CSRF_COOKIE, session.csrfToken, { path: "/", httpOnly: false, secure: true, sameSite: "Strict", maxAge });
      return c.redirect(form.data.return, 303);
    } catch (error) {
      if (error instanceof AppError && error.code === "sso_required") return signInPage(form.data.return, SSO_ON_DASHBOARD);
      if (error instanceof AppError && (error.code === "unauthorized" || error.code === "rate_limited")) {
        return signInPage(form.data.return, error.code === "rate_limited" ? "Too many attempts; try again later." : "Invalid e-mail or password.");
      }
      throw error;
    }
  });

  routes.post("/", async (c) => {
    if (!sameOrigin(c)) return errorPage(403, "cross-origin request refused");
    const who = await signedIn(c);
    if (!who) return errorPage(401, "your session ended; start again from the client");
    const userId = who.userId;
    const form = ConsentForm.safeParse(await c.req.parseBody());
    if (!form.success) return errorPage(400, "the consent form is incomplete");
    const api = oauthApi(c.env, issuerOrigin(c.env, c.req.url));

    if (form.data.action === "deny") {
      try {
        const denied = await api.denyConsent(c.req.raw, form.data.handle);
        return new Response(null, { status: 302, headers: denied.headers });
      } catch (error) {
        if (error instanceof AuthorizationError) return errorPage(400, "this consent request expired or was already answered");
        throw error;
      }
    }

    // The choice is checked before the handle is used, so a refused choice can be corrected.
    const chosen = form.data.agent ? await agentFor(c.env, userId, form.data.agent) : null;
    if (!chosen) {
      await auditConsentRefused(c.env, userId);
      return errorPage(403, "you may not use this agent");
    }
    // The org's sign-in rules, as for every admin request: checked before anything is granted.
    const unmet = await unmetOrgRule(c.env, chosen.orgId, who, chosen.role);
    if (unmet) {
      await recordAudit(c.env, {
        orgId: chosen.orgId,
        actor: { type: "user", id: userId },
        action: "oauth.grant.create",
        resource: { type: "agent", id: chosen.agentId },
        result: "denied",
        reason: unmet,
        traceId: c.get("traceId"),
      });
      return errorPage(403, `This organization ${RULE_REFUSAL[unmet]}. Nothing was granted.`);
    }
    let approved: Awaited<ReturnType<typeof api.approveConsent>>;
    try {
      approved = await api.approveConsent(c.req.raw, form.data.handle, { scope: [MCP_SCOPE] });
    } catch (error) {
      if (error instanceof AuthorizationError) return errorPage(400, "this consent request expired or was already answered");
      throw error;
    }
    const { redirectTo } = await api.completeAuthorization({
      request: approved.request,
      userId,
      metadata: { orgId: chosen.orgId, agentId: chosen.agentId },
      scope: [MCP_SCOPE],
      // The consenting sign-in goes with the grant: every call checks it against the org's rules.
      props: { orgId: chosen.orgId, userId, agentId: chosen.agentId, amr: who.amr, ...(who.ssoOrgId ? { ssoOrg: who.ssoOrgId } : {}) },
    });
    await recordAudit(c.env, {
      orgId: chosen.orgId,
      actor: { type: "user", id: userId },
      action: "oauth.grant.create",
      resource: { type: "agent", id: chosen.agentId },
      result: "success",
      reason: "consent",
      traceId: c.get("traceId"),
      details: { clientId: approved.request.clientId.slice(0, 200) },
    });
    const headers = new Headers(approved.headers);
    headers.set("location", redirectTo);
    return new Response(null, { status: 302, headers });
  });
  return routes;
}

/** The agent and its org, if the person may use it (the same rule as every later call). */
async function agentFor(env: Env, userId: string, agentId: string): Promise<{ orgId: string; agentId: string; role: Role } | null> {
  const usable = await agentsUsableBy(env, userId);
  const listed = usable.find((a) => a.agentId === agentId);
  if (!listed) return null;
  const person = await personInOrg(env, listed.orgId, userId);
  const agent = await loadAgent(env.DB, listed.orgId, agentId);
  return person && agent && mayUseAgent(person, agent) ? { orgId: listed.orgId, agentId, role: person.role } : null;
}

/** A refused choice is recorded in every org of the person (the agent named may be of none of them). */
async function auditConsentRefused(env: Env, userId: string) {
  const orgs = await new PlatformData(makeDb(env.DB)).orgsOfUser(userId);
  await Promise.all(
    orgs.map((org) =>
      recordAudit(env, {
        orgId: org.id,
        actor: { type: "user", id: userId },
        action: "oauth.grant.create",
        resource: { type: "agent", id: null },
        result: "denied",
        reason: "agent_not_usable",
      }),
    ),
  );
}
