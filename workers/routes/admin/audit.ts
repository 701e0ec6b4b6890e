// Reading the audit trail of an org (admins only).
import { createRoute } from "@hono/zod-openapi";
import { AuditEventSchema, AuditQuerySchema, page } from "../../../schema/api.js";
import { orgAccess, requireRole } from "../../authz/org-access.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { AppError } from "../../errors.js";
import { adminRouter, errors, json, orgParams, security } from "./kit.js";
import { auditView } from "./views.js";

export const auditRoutes = adminRouter();

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/audit",
    security,
    request: { params: orgParams, query: AuditQuerySchema },
    responses: { 200: json(page(AuditEventSchema), "events, oldest first"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const q = c.req.valid("query");
    const fromMs = q.from ? Date.parse(q.from) : undefined;
    const toMs = q.to ? Date.parse(q.to) : undefined;
    if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new AppError("bad_request", "from must not be after to");
    const rows = await access.data.listAudit(q, { ...q, after: decodeCursor(q.cursor), fromMs, toMs });
    return c.json(toPage(rows, q.limit, auditView), 200);
  },
);
