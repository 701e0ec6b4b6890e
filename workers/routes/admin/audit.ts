// The audit trail of an org (admins): list with filters, streamed export, chain verification
// retention and the sink (a webhook the org's events are pushed to). Reads first ask the org's AuditLog to flush, so recent events show at once.
import { createRoute, z } from "@hono/zod-openapi";
import {
  AuditCheckpointParamsSchema,
  AuditCheckpointQuerySchema,
  AuditCheckpointSchema,
  AuditCheckpointSignedSchema,
  AuditEventSchema,
  AuditExportQuerySchema,
  AuditQuerySchema,
  AuditRetentionSchema,
  AuditRetentionStatusSchema,
  AuditSinkCreatedSchema,
  AuditSinkSchema,
  AuditSinkStatusSchema,
  AuditVerifySchema,
  JwksSchema,
  page,
} from "../../../schema/api.js";
import { auditLog, flushQueuedAudit } from "../../audit/audit.js";
import { checkpointJwks, listCheckpoints, readCheckpoint, writeCheckpoint } from "../../audit/checkpoints.js";
import { auditPage, decodeSeqCursor, exportStream, rowFilter } from "../../audit/query.js";
import { assertSinkUrl, newSinkSecret, sealSinkSecret } from "../../audit/sink.js";
import { orgAccess, requireRole } from "../../authz/org-access.js";
import { AppError } from "../../errors.js";
import { AuditData } from "../../data/audit-data.js";
import { makeDb } from "../../data/db.js";
import { NameData } from "../../data/name-data.js";
import { adminRouter, body, errors, json, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const auditRoutes = adminRouter();

/** Bounds the work a read does on behalf of the buffer: 20 batches of 100 events. */
const FLUSH_ON_READ_BATCHES = 20;
export const PENDING_HEADER = "x-palisade-audit-pending";

/** Flushes the org's buffer; returns how many events are still only at the edge (D1 failing). */
async function flushForRead(env: Env, orgId: string): Promise<number> {
  try {
    await flushQueuedAudit(orgId);
    return (await auditLog(env, orgId).flush(FLUSH_ON_READ_BATCHES)).pending;
  } catch (error) {
    console.error("audit flush on read failed", { error: String(error) });
    return -1;
  }
}

const pendingHeader = (pending: number) => ({ [PENDING_HEADER]: pending < 0 ? "unknown" : String(pending) });

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/audit",
    security,
    request: { params: orgParams, query: AuditQuerySchema },
    responses: {
      200: json(page(AuditEventSchema), "events in seq order (oldest first, or newest first with order=desc), with current names"),
      ...errors,
    },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const q = c.req.valid("query");
    // The cursor continues in the page's order: after its seq oldest first, before it newest first.
    const cursorSeq = decodeSeqCursor(q.cursor);
    const filter = {
      ...(await rowFilter(c.env, q)),
      afterSeq: q.order === "asc" ? Math.max(cursorSeq ?? 0, q.afterSeq ?? 0) || undefined : q.afterSeq,
      beforeSeq: q.order === "desc" ? cursorSeq : undefined,
    };
    const pending = await flushForRead(c.env, access.orgId);
    const db = makeDb(c.env.DB);
    const rows = await new AuditData(db, access.orgId).list(filter, q.limit + 1, q.order);
    const names = q.names === "true" ? await new NameData(db, access.orgId).names(rows.flatMap((r) => [r.actorId, r.resourceId])) : null;
    return c.json(
      auditPage(rows, q.limit, (id) => (id === null || names === null ? null : (names.get(id) ?? null))),
      200,
      pendingHeader(pending),
    );
  },
);

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/audit/export",
    security,
    request: { params: orgParams, query: AuditExportQuerySchema },
    responses: {
      200: {
        description: "matching events in seq order, streamed: one JSON object per line, or CSV with a header row",
        content: { "application/x-ndjson": { schema: z.string() }, "text/csv": { schema: z.string() } },
      },
      ...errors,
    },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const q = c.req.valid("query");
    const filter = await rowFilter(c.env, q);
    const pending = await flushForRead(c.env, access.orgId);
    const stream = exportStream(new AuditData(makeDb(c.env.DB), access.orgId), filter, q.format);
    return c.body(stream, 200, {
      "content-type": q.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${access.orgId}.${q.format === "csv" ? "csv" : "ndjson"}"`,
      "cache-control": "no-store",
      ...pendingHeader(pending),
    });
  },
);

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/audit/verify",
    security,
    request: { params: orgParams },
    responses: { 200: json(AuditVerifySchema, "chain check from the retention checkpoint to the last stored event"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    await flushQueuedAudit(access.orgId);
    return c.json(await auditLog(c.env, access.orgId).verify(), 200);
  },
);

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/audit/retention",
    security,
    request: { params: orgParams },
    responses: { 200: json(AuditRetentionStatusSchema, "retention setting and chain checkpoint"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    return c.json(await auditLog(c.env, access.orgId).getRetention(), 200);
  },
);

auditRoutes.openapi(
  createRoute({
    method: "put",
    path: "/orgs/{orgId}/audit/retention",
    security,
    request: { params: orgParams, ...body(AuditRetentionSchema) },
    responses: { 200: json(AuditRetentionStatusSchema, "applied: older events are deleted now and hourly"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    // Deleting evidence is an owner's decision.
    requireRole(access, "owner");
    const { days } = c.req.valid("json");
    const status = await auditLog(c.env, access.orgId).setRetention(days);
    await auditAdmin(c, access, "audit.retention.set", { type: "org", id: access.orgId }, { days });
    return c.json(status, 200);
  },
);

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/audit/sink",
    security,
    request: { params: orgParams },
    responses: { 200: json(AuditSinkStatusSchema, "the sink and how far its receiver has acknowledged events"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    return c.json(await auditLog(c.env, access.orgId).getSink(), 200);
  },
);

auditRoutes.openapi(
  createRoute({
    method: "put",
    path: "/orgs/{orgId}/audit/sink",
    security,
    request: { params: orgParams, ...body(AuditSinkSchema) },
    responses: { 200: json(AuditSinkCreatedSchema, "set; delivery starts at once; the secret is shown this once"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    // Sending the whole trail elsewhere is an owner's decision, as deleting it is.
    requireRole(access, "owner");
    const input = c.req.valid("json");
    const url = assertSinkUrl(input.url, c.env.ALLOW_PRIVATE_UPSTREAMS === "true").toString();
    const log = auditLog(c.env, access.orgId);
    const current = await log.getSink();
    const fromSeq = input.fromSeq ?? (current.url === url ? current.ackedSeq : 0);
    const secret = newSinkSecret();
    const sealed = await sealSinkSecret(c.env, access.orgId, secret);
    const status = await log.setSink(access.orgId, { url, secret: sealed, fromSeq });
    await auditAdmin(c, access, "audit.sink.set", { type: "org", id: access.orgId }, { host: new URL(url).host, fromSeq });
    return c.json({ ...status, secret }, 200);
  },
);

auditRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/audit/sink",
    security,
    request: { params: orgParams },
    responses: { 200: json(AuditSinkStatusSchema, "removed; nothing more is sent"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "owner");
    const status = await auditLog(c.env, access.orgId).deleteSink();
    await auditAdmin(c, access, "audit.sink.delete", { type: "org", id: access.orgId });
    return c.json(status, 200);
  },
);

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/audit/checkpoint-keys",
    summary: "Public keys that sign audit checkpoints (JWKS); no credentials needed",
    responses: { 200: json(JwksSchema, "JWKS"), ...errors },
  }),
  async (c) => c.json(await checkpointJwks(c.env), 200, { "cache-control": "public, max-age=300" }),
);

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/audit/checkpoints",
    security,
    request: { params: orgParams, query: AuditCheckpointQuerySchema },
    responses: { 200: json(z.object({ items: z.array(AuditCheckpointSchema) }), "newest first"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const { limit, beforeSeq } = c.req.valid("query");
    return c.json({ items: await listCheckpoints(c.env, access.orgId, limit, beforeSeq) }, 200);
  },
);

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/audit/checkpoints/{which}",
    security,
    request: { params: AuditCheckpointParamsSchema },
    responses: { 200: json(AuditCheckpointSignedSchema, "the checkpoint and its JWS ('latest' or a seq)"), ...errors },
  }),
  async (c) => {
    const { orgId, which } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    requireRole(access, "admin");
    const checkpoint = await readCheckpoint(c.env, access.orgId, which);
    if (!checkpoint) throw new AppError("not_found", "no such checkpoint");
    return c.json(checkpoint, 200);
  },
);

auditRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/audit/checkpoints",
    security,
    request: { params: orgParams },
    responses: {
      200: json(AuditCheckpointSignedSchema, "the latest checkpoint already covers the chain's head"),
      201: json(AuditCheckpointSignedSchema, "signed and stored now"),
      ...errors,
    },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const { checkpoint, written } = await writeCheckpoint(c.env, access.orgId);
    if (!checkpoint) throw new AppError("conflict", "the org has no audit events to sign yet");
    if (written) await auditAdmin(c, access, "audit.checkpoint.write", { type: "org", id: access.orgId }, { seq: checkpoint.seq });
    return c.json(checkpoint, written ? 201 : 200);
  },
);
