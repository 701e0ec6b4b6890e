// Admin API keys (pal_admin_…): each belongs to one user in one org, acts with their role, and is
// judged by the org's sign-in rules as the session that minted it would be.
import { createRoute } from "@hono/zod-openapi";
import { ApiKeyCreateSchema, ApiKeyCreatedSchema, ApiKeySchema, ID_PREFIX, PageQuerySchema, page } from "../../../schema/api.js";
import { assertFound, hasRole, orgAccess, pathId } from "../../authz/org-access.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { forbidden } from "../../errors.js";
import { forgetTokens, mintToken } from "../../identity/tokens.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { apiKeyView, auditAdmin } from "./views.js";

export const apiKeyRoutes = adminRouter();

apiKeyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/api-keys",
    summary: "The caller's keys (admins see every key of the org)",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(ApiKeySchema), "keys"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    const mine = hasRole(access, "admin") ? undefined : access.userId;
    return c.json(toPage(await access.data.listTokens("admin", q, decodeCursor(q.cursor), mine), q.limit, apiKeyView), 200);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/api-keys",
    summary: "Issue a pal_admin_ key for the caller in this org (shown once)",
    security,
    request: { params: orgParams, ...body(ApiKeyCreateSchema) },
    responses: { 201: json(ApiKeyCreatedSchema, "created"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const key = await mintToken("admin");
    // The key carries the caller's sign-in (a key minted by a key inherits it): org rules judge it by that.
    const { amr, ssoOrgId } = access.principal;
    const row = await access.data.insertToken(
      "admin",
      access.userId,
      { sha256: key.sha256, prefix: key.prefix, name: c.req.valid("json").name },
      { amr, ssoOrgId },
    );
    await auditAdmin(c, access, "api_key.create", { type: "api_key", id: row.id });
    return c.json({ ...apiKeyView(row), key: key.token }, 201);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/api-keys/{keyId}",
    security,
    request: { params: itemParams("keyId") },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, keyId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const key = assertFound(await access.data.token("admin", pathId(ID_PREFIX.token, keyId, "api key")), "api key");
    if (key.subjectId !== access.userId && !hasRole(access, "admin")) throw forbidden();
    const revoked = await access.data.revokeTokenById("admin", key.id);
    if (revoked) forgetTokens([revoked.sha256]);
    await auditAdmin(c, access, "api_key.revoke", { type: "api_key", id: key.id });
    return c.body(null, 204);
  },
);
