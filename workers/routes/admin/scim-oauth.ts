// The org's SCIM token (owners: issue or rotate, shown once; revoke) and a person's OAuth grants
// to desktop MCP clients (list, revoke).
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ScimTokenSchema } from "../../../schema/scim.js";
import { orgAccess, requireRole } from "../../authz/org-access.js";
import { notFound } from "../../errors.js";
import { forgetTokens, mintToken } from "../../identity/tokens.js";
import { grantsOf, revokeGrant } from "../../oauth/server.js";
import { adminRouter, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const scimOAuthRoutes = adminRouter();

scimOAuthRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/scim/token",
    summary: "Issue (or rotate) the org's SCIM bearer token, shown once; the previous one stops working (owner)",
    security,
    request: { params: orgParams },
    responses: { 201: json(ScimTokenSchema, "the new token"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "owner");
    const token = await mintToken("scim");
    // One SCIM token per org: its subject is the org itself.
    const previous = await access.data.replaceToken("scim", access.orgId, { sha256: token.sha256, prefix: token.prefix, name: "scim" });
    forgetTokens(previous.map((t) => t.sha256));
    await auditAdmin(c, access, "scim.token.issue", { type: "org", id: access.orgId }, { rotated: previous.length > 0 });
    return c.json({ token: token.token, prefix: token.prefix, baseUrl: `${new URL(c.req.url).origin}/scim/v2` }, 201);
  },
);

scimOAuthRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/scim/token",
    summary: "Revoke the org's SCIM token (owner)",
    security,
    request: { params: orgParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "owner");
    forgetTokens((await access.data.revokeTokens("scim", [access.orgId])).map((t) => t.sha256));
    await auditAdmin(c, access, "scim.token.revoke", { type: "org", id: access.orgId });
    return c.body(null, 204);
  },
);

const GrantSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  agentId: z.string(),
  scope: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});

scimOAuthRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/oauth/grants",
    summary: "The caller's OAuth grants to MCP clients for this org's agents",
    security,
    request: { params: orgParams },
    responses: { 200: json(z.object({ items: z.array(GrantSchema), nextCursor: z.null() }), "grants"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    return c.json({ items: await grantsOf(c.env, access.userId, access.orgId), nextCursor: null }, 200);
  },
);

scimOAuthRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/oauth/grants/{grantId}",
    summary: "Revoke one of the caller's OAuth grants: the client's tokens stop working at once",
    security,
    request: { params: itemParams("grantId") },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, grantId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    if (grantId.length > 200 || !(await revokeGrant(c.env, access.userId, access.orgId, grantId))) throw notFound("grant");
    await auditAdmin(c, access, "oauth.grant.revoke", { type: "oauth_grant", id: grantId.slice(0, 80) });
    return c.body(null, 204);
  },
);
