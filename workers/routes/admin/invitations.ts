// Invitations: admins list and revoke their org's; the invitee accepts with the token (workers/identity/invitations.ts).
import { createRoute } from "@hono/zod-openapi";
import {
  ErrorSchema,
  ID_PREFIX,
  InvitationAcceptSchema,
  InvitationAcceptedSchema,
  InvitationSchema,
  PageQuerySchema,
  page,
} from "../../../schema/api.js";
import { orgAccess, pathId, requireRole } from "../../authz/org-access.js";
import { makeDb } from "../../data/db.js";
import { InvitationStore } from "../../data/invitation-store.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { notFound } from "../../errors.js";
import { userIfPresent } from "../../identity/authenticate.js";
import { acceptInvitation, revokeInvitation } from "../../identity/invitations.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { invitationView } from "./views.js";

export const invitationRoutes = adminRouter();

invitationRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/invitations",
    summary: "The org's invitations (pending, accepted, revoked, expired); tokens are never shown again",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(InvitationSchema), "invitations"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const q = c.req.valid("query");
    const rows = await new InvitationStore(makeDb(c.env.DB), access.orgId).list(q, decodeCursor(q.cursor));
    return c.json(toPage(rows, q.limit, invitationView), 200);
  },
);

invitationRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/invitations/{invitationId}",
    summary: "Revoke a pending invitation; its token is refused from now on",
    security,
    request: { params: itemParams("invitationId") },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, invitationId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    requireRole(access, "admin");
    if (!(await revokeInvitation(c.env, access, pathId(ID_PREFIX.invitation, invitationId, "invitation")))) throw notFound("pending invitation");
    return c.body(null, 204);
  },
);

invitationRoutes.openapi(
  createRoute({
    method: "post",
    path: "/invitations/accept",
    summary: "Accept an invitation: signed in as the invited account (200), or creating it when none exists (201)",
    security: [...security, {}],
    request: body(InvitationAcceptSchema),
    responses: {
      200: json(InvitationAcceptedSchema, "joined"),
      201: json(InvitationAcceptedSchema, "account created and joined"),
      ...errors,
      409: json(ErrorSchema, "already a member"),
    },
  }),
  async (c) => {
    const accepted = await acceptInvitation(c.env, await userIfPresent(c), c.req.valid("json"));
    const view = { orgId: accepted.orgId, userId: accepted.userId, email: accepted.email, role: accepted.role };
    return accepted.created ? c.json(view, 201) : c.json(view, 200);
  },
);
