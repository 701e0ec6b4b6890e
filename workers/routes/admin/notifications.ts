// An org's notification webhook (admins): set, show, remove, and send a test message. Delivery
// itself runs from the org's AuditLog (workers/audit/notify.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { NotificationsSchema, NotificationsStatusSchema } from "../../../schema/api.js";
import { auditLog } from "../../audit/audit.js";
import { assertWebhookUrl, postNotification, sealWebhookUrl } from "../../audit/notify.js";
import { orgAccess, requireRole } from "../../authz/org-access.js";
import { AppError } from "../../errors.js";
import { adminRouter, body, errors, json, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const notificationRoutes = adminRouter();

notificationRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/notifications",
    security,
    request: { params: orgParams },
    responses: { 200: json(NotificationsStatusSchema, "the webhook (host only) and its delivery state"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    return c.json(await auditLog(c.env, access.orgId).getNotifications(), 200);
  },
);

notificationRoutes.openapi(
  createRoute({
    method: "put",
    path: "/orgs/{orgId}/notifications",
    security,
    request: { params: orgParams, ...body(NotificationsSchema) },
    responses: { 200: json(NotificationsStatusSchema, "set; events from now on notify"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const url = assertWebhookUrl(c.req.valid("json").webhookUrl, c.env.ALLOW_PRIVATE_UPSTREAMS === "true");
    const sealedUrl = await sealWebhookUrl(c.env, access.orgId, url.toString());
    const status = await auditLog(c.env, access.orgId).setNotifications(access.orgId, { sealedUrl, host: url.host });
    await auditAdmin(c, access, "notifications.set", { type: "org", id: access.orgId }, { host: url.host });
    return c.json(status, 200);
  },
);

notificationRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/notifications",
    security,
    request: { params: orgParams },
    responses: { 200: json(NotificationsStatusSchema, "removed"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const status = await auditLog(c.env, access.orgId).deleteNotifications();
    await auditAdmin(c, access, "notifications.delete", { type: "org", id: access.orgId });
    return c.json(status, 200);
  },
);

notificationRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/notifications/test",
    security,
    request: { params: orgParams, ...body(NotificationsSchema) },
    responses: { 200: json(z.object({ delivered: z.literal(true) }), "the webhook accepted a test message"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const allowPrivate = c.env.ALLOW_PRIVATE_UPSTREAMS === "true";
    const url = assertWebhookUrl(c.req.valid("json").webhookUrl, allowPrivate).toString();
    const result = await postNotification(
      url,
      ":white_check_mark: Palisade test notification: this webhook will hear about held calls, spend limits and suspensions.",
      allowPrivate,
    );
    if (!result.ok) throw new AppError("upstream_error", `the webhook did not accept the message: ${result.error}`);
    return c.json({ delivered: true as const }, 200);
  },
);
