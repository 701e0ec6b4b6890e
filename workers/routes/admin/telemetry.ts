// An org's OpenTelemetry export (admins): set, show (header names only), remove. Spans are made
// and sent by the gateway (workers/telemetry).
import { createRoute } from "@hono/zod-openapi";
import { TelemetrySchema, TelemetryStatusSchema } from "../../../schema/api.js";
import { orgAccess, requireRole } from "../../authz/org-access.js";
import { makeDb } from "../../data/db.js";
import { type TelemetryConfigRow, TelemetryStore } from "../../data/telemetry-store.js";
import { assertTelemetryEndpoint, checkHeaders, forgetTelemetryConfig, sealHeaders } from "../../telemetry/config.js";
import { adminRouter, body, errors, json, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const telemetryRoutes = adminRouter();

function statusOf(row: TelemetryConfigRow | undefined) {
  if (!row) {
    return {
      configured: false,
      endpoint: null,
      headerNames: [],
      includeContent: false,
      sampleRatio: 0,
      droppedSpans: 0,
      lastError: null,
      updatedAt: null,
    };
  }
  return {
    configured: true,
    endpoint: row.endpoint,
    headerNames: JSON.parse(row.headerNames) as string[],
    includeContent: row.includeContent,
    sampleRatio: row.sampleRatio,
    droppedSpans: row.droppedSpans,
    lastError: row.lastError,
    updatedAt: row.updatedAt,
  };
}

telemetryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/telemetry",
    security,
    request: { params: orgParams },
    responses: { 200: json(TelemetryStatusSchema, "the export settings (header names only) and spans dropped"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    return c.json(statusOf(await new TelemetryStore(makeDb(c.env.DB), access.orgId).get()), 200);
  },
);

telemetryRoutes.openapi(
  createRoute({
    method: "put",
    path: "/orgs/{orgId}/telemetry",
    security,
    request: { params: orgParams, ...body(TelemetrySchema) },
    responses: { 200: json(TelemetryStatusSchema, "set; calls from now on are traced"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    // Owners only, as for the audit sink: this sends the org's activity (and, opted in, its prompts) elsewhere.
    requireRole(access, "owner");
    const input = c.req.valid("json");
    const endpoint = assertTelemetryEndpoint(input.endpoint, c.env.ALLOW_PRIVATE_UPSTREAMS === "true").toString();
    const headers = checkHeaders(input.headers ?? {});
    const names = Object.keys(headers);
    const sealed = names.length > 0 ? await sealHeaders(c.env, access.orgId, headers) : null;
    const row = await new TelemetryStore(makeDb(c.env.DB), access.orgId).save({
      endpoint,
      headersCiphertext: sealed?.ciphertext ?? null,
      headersIv: sealed?.iv ?? null,
      headersKeyVersion: sealed?.keyVersion ?? null,
      headerNames: JSON.stringify(names),
      includeContent: input.includeContent,
      sampleRatio: input.sampleRatio,
    });
    forgetTelemetryConfig(access.orgId);
    await auditAdmin(
      c,
      access,
      "telemetry.set",
      { type: "org", id: access.orgId },
      {
        host: new URL(endpoint).host,
        headerNames: names,
        includeContent: input.includeContent,
        sampleRatio: input.sampleRatio,
      },
    );
    return c.json(statusOf(row), 200);
  },
);

telemetryRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/telemetry",
    security,
    request: { params: orgParams },
    responses: { 200: json(TelemetryStatusSchema, "removed; nothing more is exported"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "owner");
    await new TelemetryStore(makeDb(c.env.DB), access.orgId).delete();
    forgetTelemetryConfig(access.orgId);
    await auditAdmin(c, access, "telemetry.delete", { type: "org", id: access.orgId });
    return c.json(statusOf(undefined), 200);
  },
);
