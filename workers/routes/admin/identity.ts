// Bootstrap, login, logout and "who am I": the routes that establish an identity.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import {
  ErrorSchema,
  BootstrapRequestSchema,
  BootstrapResponseSchema,
  LoginRequestSchema,
  LoginResponseSchema,
  MeSchema,
} from "../../../schema/api.js";
import { MfaChallengeResponseSchema } from "../../../schema/sso.js";
import type { AppEnv } from "../../http/context.js";
import { auditLogout } from "../../identity/sso.js";
import { recordAudit } from "../../audit/audit.js";
import { iso, isoOrNull, makeDb } from "../../data/db.js";
import { OrgData } from "../../data/org-data.js";
import { PlatformData } from "../../data/platform-data.js";
import { AppError, conflict, unauthorized } from "../../errors.js";
import { bearer, requireUser } from "../../identity/authenticate.js";
import { timingSafeEqual } from "../../identity/crypto.js";
import { passwordLogin } from "../../identity/login.js";
import { hashPassword } from "../../identity/passwords.js";
import { CSRF_COOKIE, type IssuedSession, SESSION_COOKIE, revokeSession } from "../../identity/sessions.js";
import { mintToken } from "../../identity/tokens.js";
import { adminRouter, body, errors, json, noContent, security } from "./kit.js";

export const identityRoutes = adminRouter();

identityRoutes.openapi(
  createRoute({
    method: "post",
    path: "/bootstrap",
    summary: "Create the first org, its owner and an admin API key (once)",
    request: body(BootstrapRequestSchema),
    responses: { 201: json(BootstrapResponseSchema, "created"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const presented = bearer(c);
    if (!presented || !timingSafeEqual(presented, c.env.BOOTSTRAP_TOKEN)) throw unauthorized("invalid bootstrap token");
    const input = c.req.valid("json");
    const platform = new PlatformData(makeDb(c.env.DB));
    const userId = await platform.insertFirstUser(input.email, await hashPassword(input.password));
    if (!userId) throw conflict("already bootstrapped");
    try {
      const org = await platform.createOrg(input.orgName, userId);
      const key = await mintToken("admin");
      await new OrgData(makeDb(c.env.DB), org.id).insertToken("admin", userId, { ...key, name: "bootstrap" }, { amr: ["pwd"] });
      await recordAudit(c.env, {
        orgId: org.id,
        actor: { type: "user", id: userId },
        action: "org.bootstrap",
        resource: { type: "org", id: org.id },
        result: "success",
        traceId: c.get("traceId"),
      });
      return c.json({ orgId: org.id, userId, apiKey: key.token }, 201);
    } catch (error) {
      // Leave no half-bootstrapped state behind: without the user, bootstrap can be retried.
      await platform.deleteUser(userId);
      throw error;
    }
  },
);

identityRoutes.openapi(
  createRoute({
    method: "post",
    path: "/login",
    summary: "Exchange email and password for a session token (also set as a cookie), or an MFA challenge",
    request: body(LoginRequestSchema),
    responses: {
      200: json(
        z.union([LoginResponseSchema, MfaChallengeResponseSchema]),
        "session, or an MFA challenge when a second factor is enrolled or required",
      ),
      ...errors,
      429: json(ErrorSchema, "too many attempts; see Retry-After"),
    },
  }),
  async (c) => {
    const { email, password } = c.req.valid("json");
    const outcome = await passwordLogin(c.env, c.executionCtx, { email, password, address: c.req.header("cf-connecting-ip") ?? null });
    if (outcome.kind === "mfa") {
      return c.json({ mfaRequired: true as const, mfaToken: outcome.challenge, expiresAt: iso(outcome.expiresAt), enrol: outcome.enrol }, 200);
    }
    return c.json(sessionAnswer(c, outcome.session), 200);
  },
);

/** Sets the session and CSRF cookies and returns the login answer. */
export function sessionAnswer(c: Context<AppEnv>, session: IssuedSession) {
  const maxAge = Math.floor((session.expiresAt - Date.now()) / 1000);
  setCookie(c, SESSION_COOKIE, session.token, { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge });
  setCookie(c, CSRF_COOKIE, session.csrfToken, { path: "/", httpOnly: false, secure: true, sameSite: "Strict", maxAge });
  return { token: session.token, expiresAt: iso(session.expiresAt), csrfToken: session.csrfToken };
}

identityRoutes.use("/logout", requireUser);
identityRoutes.openapi(
  createRoute({
    method: "post",
    path: "/logout",
    summary: "End the current session",
    security,
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const user = c.get("user");
    if (user.via !== "session") throw new AppError("bad_request", "logout ends a session; revoke API keys instead");
    await revokeSession(c.env, user.jti);
    c.executionCtx.waitUntil(auditLogout(c.env, user.userId));
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    deleteCookie(c, CSRF_COOKIE, { path: "/", secure: true });
    return c.body(null, 204);
  },
);

identityRoutes.use("/me", requireUser);
identityRoutes.openapi(
  createRoute({
    method: "get",
    path: "/me",
    summary: "The caller and the orgs they belong to",
    security,
    responses: { 200: json(MeSchema, "the caller"), ...errors },
  }),
  async (c) => {
    const principal = c.get("user");
    const platform = new PlatformData(makeDb(c.env.DB));
    const user = await platform.user(principal.userId);
    if (!user) throw unauthorized();
    const [memberOf, adminTeams] = await Promise.all([platform.orgsOfUser(user.id), platform.adminTeamsOfUser(user.id)]);
    const orgs = memberOf
      .filter((o) => principal.via !== "api_key" || o.id === principal.orgId)
      .map((o) => ({
        ...o,
        suspendedAt: isoOrNull(o.suspendedAt),
        adminTeamIds: adminTeams.filter((t) => t.orgId === o.id).map((t) => t.teamId),
        createdAt: iso(o.createdAt),
      }));
    return c.json({ user: { id: user.id, email: user.email }, orgs }, 200);
  },
);
