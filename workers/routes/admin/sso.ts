// Single sign-on and MFA routes: the public SSO flow (discover, start, callback), the second step
// of a password login, the caller's own authenticator, and an org's SSO settings and sign-in rules.
import { createRoute } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { iso, makeDb } from "../../data/db.js";
import { LoginData } from "../../data/login-data.js";
import { SsoStore } from "../../data/sso-store.js";
import { AppError, badRequest, conflict, notFound, unauthorized } from "../../errors.js";
import { ErrorSchema, LoginResponseSchema } from "../../../schema/api.js";
import {
  LoginPolicySchema,
  LoginPolicyUpdateSchema,
  MfaCodeSchema,
  MfaEnrolmentSchema,
  MfaLoginEnrolRequestSchema,
  MfaLoginRequestSchema,
  MfaStatusSchema,
  RecoveryCodesSchema,
  SsoCallbackQuerySchema,
  SsoConfigResponseSchema,
  SsoConfigSchema,
  SsoDiscoverQuerySchema,
  SsoDiscoverResponseSchema,
  SsoStartQuerySchema,
} from "../../../schema/sso.js";
import { assertFound, orgAccess, requireRole } from "../../authz/org-access.js";
import { requireUser } from "../../identity/authenticate.js";
import { auditLogin, secondFactorLogin } from "../../identity/login.js";
import { forgetLoginPolicy, passwordRulesFor } from "../../identity/login-policy.js";
import { checkTotp, confirmEnrolment, mfaStatus, removeFactor, startEnrolment } from "../../identity/mfa.js";
import { addressCounter, throttle } from "../../identity/login-throttle.js";
import { verifyMfaChallenge } from "../../identity/sessions.js";
import {
  SSO_COOKIE,
  SSO_LOGIN_TTL_SECONDS,
  completeSsoLogin,
  mappingsOf,
  putSsoConfig,
  redirectUriFor,
  ssoOrgFor,
  startSsoLogin,
} from "../../identity/sso.js";
import { PlatformData } from "../../data/platform-data.js";
import { sessionAnswer } from "./identity.js";
import { adminRouter, body, errors, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const ssoRoutes = adminRouter();

const origin = (url: string) => new URL(url).origin;
const redirect = { description: "redirect (Location header)" } as const;

// ── the public single sign-on flow ─────────────────────────────────────────
ssoRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sso/discover",
    summary: "The organization whose identity provider signs in this e-mail's domain, if any",
    request: { query: SsoDiscoverQuerySchema },
    responses: { 200: json(SsoDiscoverResponseSchema, "the provider, or null"), ...errors },
  }),
  async (c) => {
    const { email } = c.req.valid("query");
    let orgId: string;
    try {
      orgId = await ssoOrgFor(c.env, { email });
    } catch (error) {
      if (error instanceof AppError && error.code === "not_found") return c.json({ sso: null }, 200);
      throw error;
    }
    const provider = assertFound(await new SsoStore(makeDb(c.env.DB), orgId).provider(), "single sign-on");
    return c.json({ sso: { orgId, displayName: provider.displayName, startUrl: `/api/v1/sso/start?org=${orgId}` } }, 200);
  },
);

ssoRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sso/start",
    summary: "Start signing in with the org's identity provider (redirects the browser there)",
    request: { query: SsoStartQuerySchema },
    responses: { 302: redirect, ...errors, 429: json(ErrorSchema, "too many sign-ins started; see Retry-After") },
  }),
  async (c) => {
    const address = c.req.header("cf-connecting-ip");
    await throttle(c.env, addressCounter("sso_start_address", address), "sign-in");
    const orgId = await ssoOrgFor(c.env, c.req.valid("query"));
    await throttle(c.env, [{ kind: "sso_start_org", value: orgId }], "sign-in");
    const started = await startSsoLogin(c.env, orgId, origin(c.req.url));
    // Lax: the provider's redirect back is a cross-site top-level GET, which must carry it.
    setCookie(c, SSO_COOKIE, started.verifier, { path: "/", httpOnly: true, secure: true, sameSite: "Lax", maxAge: SSO_LOGIN_TTL_SECONDS });
    c.header("cache-control", "no-store");
    return c.redirect(started.location, 302);
  },
);

ssoRoutes.openapi(
  createRoute({
    method: "get",
    path: "/sso/callback",
    summary: "The identity provider's redirect back: ends in a dashboard session",
    request: { query: SsoCallbackQuerySchema },
    responses: {
      200: { description: "signed in: session cookies set, the page moves on to the dashboard" },
      ...errors,
      429: json(ErrorSchema, "too many sign-ins; see Retry-After"),
    },
  }),
  async (c) => {
    await throttle(c.env, addressCounter("sso_callback_address", c.req.header("cf-connecting-ip")), "sign-in");
    const query = c.req.valid("query");
    const verifier = getCookie(c, SSO_COOKIE);
    deleteCookie(c, SSO_COOKIE, { path: "/", secure: true });
    const session = await completeSsoLogin(c.env, c.executionCtx, { ...query, verifier, origin: origin(c.req.url) });
    sessionAnswer(c, session);
    c.header("cache-control", "no-store");
    // A page of our own moves on to the dashboard: a navigation it starts is same-site, so the
    // SameSite=Strict session cookie goes with it (a redirect chain begun at the provider would not).
    return c.html('<!doctype html><meta http-equiv="refresh" content="0;url=/"><title>Signed in</title><a href="/">Continue</a>', 200);
  },
);

// ── the second step of a password login ────────────────────────────────────
ssoRoutes.openapi(
  createRoute({
    method: "post",
    path: "/login/mfa",
    summary: "Finish a password login with a TOTP code or a recovery code",
    request: body(MfaLoginRequestSchema),
    responses: {
      200: json(
        LoginResponseSchema.extend({ recoveryCodes: z.array(z.string()).optional() }),
        "session (and recovery codes after a first enrolment)",
      ),
      ...errors,
      429: errors[400],
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const result = await secondFactorLogin(c.env, c.executionCtx, {
      challenge: input.mfaToken,
      code: input.code,
      recoveryCode: input.recoveryCode,
      address: c.req.header("cf-connecting-ip") ?? null,
    });
    const answer = sessionAnswer(c, result.session);
    return c.json(result.recoveryCodes ? { ...answer, recoveryCodes: result.recoveryCodes } : answer, 200);
  },
);

ssoRoutes.openapi(
  createRoute({
    method: "post",
    path: "/login/mfa/enroll",
    summary: "During a password login an org requires MFA for: start enrolling an authenticator",
    request: body(MfaLoginEnrolRequestSchema),
    responses: { 200: json(MfaEnrolmentSchema, "the secret and its otpauth:// URI"), ...errors },
  }),
  async (c) => {
    const challenge = await verifyMfaChallenge(c.env, c.req.valid("json").mfaToken);
    if (!challenge) throw unauthorized("invalid or expired MFA challenge; sign in again");
    const { userId } = challenge;
    const user = assertFound(await new PlatformData(makeDb(c.env.DB)).user(userId), "user");
    return c.json(await startEnrolment(c.env, userId, user.email), 200);
  },
);

// ── the caller's own authenticator ─────────────────────────────────────────
ssoRoutes.use("/me/mfa", requireUser);
ssoRoutes.use("/me/mfa/*", requireUser);

/** Changing one's second factor takes a session (not an API key). */
function sessionUser(c: Parameters<typeof requireUser>[0]) {
  const user = c.get("user");
  if (user.via !== "session") throw new AppError("forbidden", "manage your authenticator from a signed-in session");
  return user;
}

ssoRoutes.openapi(
  createRoute({
    method: "get",
    path: "/me/mfa",
    summary: "Whether the caller has an authenticator, and how many recovery codes are left",
    security,
    responses: { 200: json(MfaStatusSchema, "status"), ...errors },
  }),
  async (c) => {
    const userId = c.get("user").userId;
    const [status, left] = await Promise.all([mfaStatus(c.env, userId), new LoginData(makeDb(c.env.DB)).unusedRecoveryCodes(userId)]);
    return c.json({ status, recoveryCodesLeft: left }, 200);
  },
);

ssoRoutes.openapi(
  createRoute({
    method: "post",
    path: "/me/mfa",
    summary: "Start enrolling an authenticator (TOTP); confirm with a first code",
    security,
    responses: { 200: json(MfaEnrolmentSchema, "the secret and its otpauth:// URI"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const user = sessionUser(c);
    const row = assertFound(await new PlatformData(makeDb(c.env.DB)).user(user.userId), "user");
    return c.json(await startEnrolment(c.env, user.userId, row.email), 200);
  },
);

ssoRoutes.openapi(
  createRoute({
    method: "post",
    path: "/me/mfa/confirm",
    summary: "Confirm the authenticator with a first code; returns 10 single-use recovery codes (shown once)",
    security,
    request: body(MfaCodeSchema),
    responses: { 200: json(RecoveryCodesSchema, "recovery codes"), ...errors },
  }),
  async (c) => {
    const user = sessionUser(c);
    const codes = await confirmEnrolment(c.env, user.userId, c.req.valid("json").code);
    if (!codes) throw unauthorized("invalid or already used code");
    await auditEverywhere(c.env, user.userId, "user.mfa_enrolled");
    return c.json({ recoveryCodes: codes }, 200);
  },
);

ssoRoutes.openapi(
  createRoute({
    method: "post",
    path: "/me/mfa/disable",
    summary: "Remove the caller's authenticator and recovery codes (needs a current code)",
    security,
    request: body(MfaCodeSchema),
    responses: { 204: noContent, ...errors, 409: errors[400] },
  }),
  async (c) => {
    const user = sessionUser(c);
    if ((await mfaStatus(c.env, user.userId)) !== "enabled") throw notFound("authenticator");
    if ((await passwordRulesFor(c.env, user.userId)).mfaRequired) throw conflict("an organization you belong to requires MFA");
    if (!(await checkTotp(c.env, user.userId, c.req.valid("json").code))) throw unauthorized("invalid or already used code");
    await removeFactor(c.env, user.userId);
    await auditEverywhere(c.env, user.userId, "user.mfa_removed");
    return c.body(null, 204);
  },
);

const auditEverywhere = (env: Env, userId: string, action: string) => auditLogin(env, userId, "success", "totp", null, action);

// ── an org's SSO settings and sign-in rules (owners) ────────────────────────
/** Mounted with the other /orgs routes, behind requireUser. */
export const ssoOrgRoutes = adminRouter();

function ssoView(env: Env, orgId: string, requestUrl: string) {
  return async () => {
    const store = new SsoStore(makeDb(env.DB), orgId);
    const provider = assertFound(await store.provider(), "single sign-on configuration");
    return {
      orgId,
      displayName: provider.displayName,
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecretCredential: provider.clientSecretCredential,
      allowedDomains: await store.domains(),
      groupMappings: mappingsOf(provider),
      defaultRole: provider.defaultRole,
      redirectUri: redirectUriFor(origin(requestUrl)),
      updatedAt: iso(provider.updatedAt),
    };
  };
}

ssoOrgRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/sso",
    summary: "The org's identity provider (the client secret stays in the vault)",
    security,
    request: { params: orgParams },
    responses: { 200: json(SsoConfigResponseSchema, "configuration"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    return c.json(await ssoView(c.env, access.orgId, c.req.url)(), 200);
  },
);

ssoOrgRoutes.openapi(
  createRoute({
    method: "put",
    path: "/orgs/{orgId}/sso",
    summary: "Set the org's identity provider (owners)",
    security,
    request: { params: orgParams, ...body(SsoConfigSchema) },
    responses: { 200: json(SsoConfigResponseSchema, "configuration"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "owner");
    const config = c.req.valid("json");
    await putSsoConfig(c.env, access.orgId, config);
    await auditAdmin(
      c,
      access,
      "sso.configure",
      { type: "identity_provider", id: access.orgId },
      {
        issuer: config.issuer,
        domains: config.allowedDomains.length,
        groupMappings: config.groupMappings.length,
      },
    );
    return c.json(await ssoView(c.env, access.orgId, c.req.url)(), 200);
  },
);

ssoOrgRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/sso",
    summary: "Remove the org's identity provider (owners); SSO is then no longer required",
    security,
    request: { params: orgParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "owner");
    if (!(await new SsoStore(makeDb(c.env.DB), access.orgId).deleteProvider())) throw notFound("single sign-on configuration");
    forgetLoginPolicy(access.orgId);
    await auditAdmin(c, access, "sso.remove", { type: "identity_provider", id: access.orgId });
    return c.body(null, 204);
  },
);

const policyView = (orgId: string, row: { requireSso: boolean; requireMfa: boolean; breakGlassUserId: string | null } | undefined) => ({
  orgId,
  requireSso: row?.requireSso ?? false,
  requireMfa: row?.requireMfa ?? false,
  breakGlassUserId: row?.breakGlassUserId ?? null,
});

ssoOrgRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/login-policy",
    summary: "The org's sign-in rules",
    security,
    request: { params: orgParams },
    responses: { 200: json(LoginPolicySchema, "rules"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    return c.json(policyView(access.orgId, await new SsoStore(makeDb(c.env.DB), access.orgId).loginPolicy()), 200);
  },
);

ssoOrgRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/login-policy",
    summary: "Require SSO and/or MFA for the org's members, and name the break-glass owner (owners)",
    security,
    request: { params: orgParams, ...body(LoginPolicyUpdateSchema) },
    responses: { 200: json(LoginPolicySchema, "rules"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "owner");
    const patch = c.req.valid("json");
    const store = new SsoStore(makeDb(c.env.DB), access.orgId);
    const current = policyView(access.orgId, await store.loginPolicy());
    const next = {
      requireSso: patch.requireSso ?? current.requireSso,
      requireMfa: patch.requireMfa ?? current.requireMfa,
      breakGlassUserId: patch.breakGlassUserId === undefined ? current.breakGlassUserId : patch.breakGlassUserId,
    };
    if (next.requireSso && !(await store.provider())) throw conflict("configure an identity provider before requiring single sign-on");
    if (next.breakGlassUserId !== null && (await access.data.membership(next.breakGlassUserId))?.role !== "owner") {
      throw badRequest("breakGlassUserId: must be an owner of this org", { field: "breakGlassUserId" });
    }
    const row = await store.putLoginPolicy(next);
    forgetLoginPolicy(access.orgId);
    await auditAdmin(c, access, "org.login_policy_update", { type: "org", id: access.orgId }, { ...next });
    return c.json(policyView(access.orgId, row), 200);
  },
);
