// Orgs and their members.
import { createRoute } from "@hono/zod-openapi";
import {
  ID_PREFIX,
  InvitationCreatedSchema,
  MemberAddSchema,
  MemberSchema,
  MemberUpdateSchema,
  OrgCreateSchema,
  OrgSchema,
  OrgUpdateSchema,
  PageQuerySchema,
  page,
} from "../../../schema/api.js";
import { assertFound, orgAccess, pathId, requireRole } from "../../authz/org-access.js";
import { iso, isoOrNull, makeDb } from "../../data/db.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { PlatformData } from "../../data/platform-data.js";
import { conflict, forbidden } from "../../errors.js";
import { inviteMember } from "../../identity/invitations.js";
import { revokeGrantsOf } from "../../oauth/server.js";
import { forgetTokens } from "../../identity/tokens.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin, invitationView, orgView } from "./views.js";

export const orgRoutes = adminRouter();

orgRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs",
    summary: "Orgs the caller belongs to",
    security,
    responses: { 200: json(page(OrgSchema), "orgs"), ...errors },
  }),
  async (c) => {
    const principal = c.get("user");
    const rows = await new PlatformData(makeDb(c.env.DB)).orgsOfUser(principal.userId);
    const items = rows
      .filter((o) => principal.via !== "api_key" || o.id === principal.orgId)
      .map((o) => ({ ...o, suspendedAt: isoOrNull(o.suspendedAt), createdAt: iso(o.createdAt) }));
    return c.json({ items, nextCursor: null }, 200);
  },
);

orgRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs",
    summary: "Create an org owned by the caller",
    security,
    request: body(OrgCreateSchema),
    responses: { 201: json(OrgSchema, "created"), ...errors },
  }),
  async (c) => {
    const principal = c.get("user");
    if (principal.via === "api_key") throw forbidden("an org API key cannot create orgs; use a session");
    const org = await new PlatformData(makeDb(c.env.DB)).createOrg(c.req.valid("json").name, principal.userId);
    const access = await orgAccess(c, org.id);
    await auditAdmin(c, access, "org.create", { type: "org", id: org.id });
    return c.json({ id: org.id, name: org.name, role: "owner" as const, createdAt: iso(org.createdAt) }, 201);
  },
);

orgRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}",
    security,
    request: { params: orgParams },
    responses: { 200: json(OrgSchema, "the org"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const org = assertFound(await access.data.org(), "org");
    return c.json({ ...orgView(org), role: access.role }, 200);
  },
);

orgRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}",
    security,
    request: { params: orgParams, ...body(OrgUpdateSchema) },
    responses: { 200: json(OrgSchema, "updated"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const { name } = c.req.valid("json");
    const org = name ? await access.data.renameOrg(name) : await access.data.org();
    const found = assertFound(org, "org");
    await auditAdmin(c, access, "org.update", { type: "org", id: access.orgId });
    return c.json({ ...orgView(found), role: access.role }, 200);
  },
);

orgRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}",
    summary: "Delete an org and everything in it (owners only)",
    security,
    request: { params: orgParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "owner");
    await access.data.deleteOrg();
    return c.body(null, 204);
  },
);

// ── members ────────────────────────────────────────────────────────────────
orgRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/members",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(MemberSchema), "members"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    const rows = await access.data.listMembers(q, decodeCursor(q.cursor));
    return c.json(
      toPage(rows, q.limit, (m) => ({ ...m, createdAt: iso(m.createdAt) })),
      200,
    );
  },
);

orgRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/members",
    summary: "Invite someone by e-mail: the same answer whether or not the e-mail has an account",
    description:
      "Nobody joins without accepting: the answer is an invitation with a one-time token (shown once, valid 7 days) that the " +
      "invitee accepts at POST /invitations/accept, signed in as the invited account, or creating the account when none " +
      "exists (with `password` here, or the invitee's own).",
    security,
    request: { params: orgParams, ...body(MemberAddSchema) },
    responses: { 201: json(InvitationCreatedSchema, "invited"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const input = c.req.valid("json");
    if (input.role === "owner") requireRole(access, "owner");
    const { row, token } = await inviteMember(c.env, access, input);
    return c.json({ ...invitationView(row), token }, 201);
  },
);

const memberParams = itemParams("userId");

orgRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/members/{userId}",
    security,
    request: { params: memberParams },
    responses: { 200: json(MemberSchema, "the member"), ...errors },
  }),
  async (c) => {
    const { orgId, userId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    pathId(ID_PREFIX.user, userId, "member");
    const m = assertFound(await access.data.membership(userId), "member");
    const user = assertFound(await new PlatformData(makeDb(c.env.DB)).user(userId), "member");
    return c.json({ id: user.id, email: user.email, role: m.role, createdAt: iso(m.createdAt) }, 200);
  },
);

orgRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/members/{userId}",
    security,
    request: { params: memberParams, ...body(MemberUpdateSchema) },
    responses: { 200: json(MemberSchema, "updated"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, userId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    requireRole(access, "admin");
    pathId(ID_PREFIX.user, userId, "member");
    const { role } = c.req.valid("json");
    const current = assertFound(await access.data.membership(userId), "member");
    // Only owners grant or take away ownership; the last owner cannot be demoted.
    if (role === "owner" || current.role === "owner") requireRole(access, "owner");
    if (current.role === "owner" && role !== "owner" && (await access.data.countActiveOwners()) <= 1) {
      throw conflict("an org needs at least one owner");
    }
    const updated = assertFound(await access.data.setMemberRole(userId, role), "member");
    const user = assertFound(await new PlatformData(makeDb(c.env.DB)).user(userId), "member");
    await auditAdmin(c, access, "member.update", { type: "user", id: userId }, { role });
    return c.json({ id: user.id, email: user.email, role: updated.role, createdAt: iso(updated.createdAt) }, 200);
  },
);

orgRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/members/{userId}",
    security,
    request: { params: memberParams },
    responses: { 204: noContent, ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, userId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    pathId(ID_PREFIX.user, userId, "member");
    const current = assertFound(await access.data.membership(userId), "member");
    if (userId !== access.userId) requireRole(access, current.role === "owner" ? "owner" : "admin");
    if (current.role === "owner" && (await access.data.countActiveOwners()) <= 1) throw conflict("an org needs at least one owner");
    const keys = await access.data.activeTokens("admin", userId);
    await access.data.removeMember(userId);
    forgetTokens(keys.map((k) => k.sha256));
    // Their desktop MCP clients lose access too (the gateway also refuses non-members on every call).
    const oauthGrants = await revokeGrantsOf(c.env, userId, { orgId });
    await auditAdmin(c, access, "member.remove", { type: "user", id: userId }, oauthGrants ? { oauthGrants } : undefined);
    return c.body(null, 204);
  },
);
