// Sandbox hosts: one-time enrollment tokens per pool, the daemon's enrollment, host status.
import { createRoute } from "@hono/zod-openapi";
import {
  HostEnrollRequestSchema,
  HostEnrolledSchema,
  HostEnrollmentCreateSchema,
  HostEnrollmentSchema,
  HostPoolSchema,
  HostSchema,
  ID_PREFIX,
  PageQuerySchema,
  page,
} from "../../../schema/api.js";
import { recordAudit } from "../../audit/audit.js";
import { assertFound, orgAccess, pathId, requireRole } from "../../authz/org-access.js";
import { iso, isoOrNull, makeDb } from "../../data/db.js";
import { type HostRow, HostStore } from "../../data/host-store.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { unauthorized } from "../../errors.js";
import { bearer } from "../../identity/authenticate.js";
import { sha256Hex } from "../../identity/crypto.js";
import { forgetTokens, lookupToken, mintToken } from "../../identity/tokens.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";
import { ISOLATION_LEVELS } from "../../../schema/sandbox.js";
import { capabilitiesOf, endSandboxesOnHost, hostLiveStatus, tunnelOf } from "../../sandboxes/service.js";

export const hostRoutes = adminRouter();

/** The D1 record joined with the live state its tunnel object holds. */
export async function hostView(env: Env, host: HostRow, pool: string) {
  const live = host.status === "active" ? await hostLiveStatus(env, host.id) : null;
  return {
    id: host.id,
    orgId: host.orgId,
    name: host.name,
    pool,
    status: host.status,
    connected: live?.connected ?? false,
    version: host.version,
    lastHeartbeatAt: isoOrNull(live?.lastHeartbeatAt ?? null),
    drivers: capabilitiesOf(host)?.drivers ?? [],
    images: capabilitiesOf(host)?.images.length ?? 0,
    createdAt: iso(host.createdAt),
  };
}

hostRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/hosts",
    summary: "Issue a one-time pal_host_ enrollment token for a host pool (created if new)",
    security,
    request: { params: orgParams, ...body(HostEnrollmentCreateSchema) },
    responses: { 201: json(HostEnrollmentSchema, "enrollment token, shown once"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const input = c.req.valid("json");
    const pool = await new HostStore(makeDb(c.env.DB), access.orgId).ensurePool(input.pool);
    const token = await mintToken("host_enrollment");
    const expiresAt = Date.now() + input.ttlMinutes * 60_000;
    await access.data.insertToken("host_enrollment", pool.id, { sha256: token.sha256, prefix: token.prefix, name: input.pool, expiresAt });
    await auditAdmin(c, access, "host.enrollment.create", { type: "host_pool", id: pool.id }, { pool: pool.name, ttlMinutes: input.ttlMinutes });
    return c.json({ pool: pool.name, poolId: pool.id, enrollmentToken: token.token, expiresAt: iso(expiresAt) }, 201);
  },
);

hostRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/hosts",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(HostSchema), "hosts with status and last heartbeat"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    const rows = await new HostStore(makeDb(c.env.DB), access.orgId).listHosts(q, decodeCursor(q.cursor));
    const paged = toPage(
      rows.map((r) => ({ ...r, id: r.host.id })),
      q.limit,
      (r) => r,
    );
    return c.json({ items: await Promise.all(paged.items.map((r) => hostView(c.env, r.host, r.pool))), nextCursor: paged.nextCursor }, 200);
  },
);

hostRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/host-pools",
    security,
    request: { params: orgParams },
    responses: { 200: json(page(HostPoolSchema), "pools"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const store = new HostStore(makeDb(c.env.DB), access.orgId);
    const rows = await store.listPools();
    const items = await Promise.all(
      rows.map(async (r) => {
        const members = await store.activeHosts(r.pool.id);
        const live = await Promise.all(members.map((h) => hostLiveStatus(c.env, h.id)));
        return {
          id: r.pool.id,
          orgId: r.pool.orgId,
          name: r.pool.name,
          hosts: Number(r.hosts),
          connected: live.filter((s) => s?.connected).length,
          isolation: ISOLATION_LEVELS.filter((level) => members.some((h) => capabilitiesOf(h)?.drivers.some((d) => d.isolation === level))),
          createdAt: iso(r.pool.createdAt),
        };
      }),
    );
    return c.json({ items, nextCursor: null }, 200);
  },
);

const hostParams = itemParams("hostId");

hostRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/hosts/{hostId}",
    security,
    request: { params: hostParams },
    responses: { 200: json(HostSchema, "the host"), ...errors },
  }),
  async (c) => {
    const { orgId, hostId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const row = assertFound(await new HostStore(makeDb(c.env.DB), access.orgId).host(pathId(ID_PREFIX.host, hostId, "host")), "host");
    return c.json(await hostView(c.env, row.host, row.pool), 200);
  },
);

hostRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/hosts/{hostId}",
    summary: "Revoke the host's credential; its tunnel is refused from then on",
    security,
    request: { params: hostParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, hostId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    requireRole(access, "admin");
    const store = new HostStore(makeDb(c.env.DB), access.orgId);
    const row = assertFound(await store.host(pathId(ID_PREFIX.host, hostId, "host")), "host");
    forgetTokens(await store.revokeHost(row.host.id));
    await endSandboxesOnHost(c.env, access.orgId, row.host.id, "host revoked");
    // Close the live tunnel too: a revoked host keeps no open session.
    c.executionCtx.waitUntil(
      tunnelOf(c.env, row.host.id)
        .disconnect("host revoked")
        .catch(() => undefined),
    );
    await auditAdmin(c, access, "host.revoke", { type: "host", id: row.host.id });
    return c.body(null, 204);
  },
);

hostRoutes.openapi(
  createRoute({
    method: "post",
    path: "/hosts/enroll",
    summary: "A sandbox host exchanges its one-time pal_host_ token for its own credential",
    security: [{ bearer: [] }],
    request: body(HostEnrollRequestSchema),
    responses: { 201: json(HostEnrolledSchema, "enrolled; the credential is shown once"), ...errors },
  }),
  async (c) => {
    const raw = bearer(c);
    const record = raw ? await lookupToken(c.env.DB, raw, "host_enrollment") : null;
    if (!raw || !record) throw unauthorized("invalid, used or expired enrollment token");
    const input = c.req.valid("json");
    const store = new HostStore(makeDb(c.env.DB), record.orgId);
    const pool = assertFound(await store.pool(record.subjectId), "host pool");
    const credential = await mintToken("host");
    const hostId = await store.enroll(record.id, pool.id, input.name, input.version ?? null, credential);
    // The token is consumed (revoked in D1) either way; drop it from this isolate's cache too.
    forgetTokens([await sha256Hex(raw)]);
    if (!hostId) throw unauthorized("invalid, used or expired enrollment token");
    await recordAudit(c.env, {
      orgId: record.orgId,
      actor: { type: "host", id: hostId },
      action: "host.enroll",
      resource: { type: "host", id: hostId },
      result: "success",
      traceId: c.get("traceId"),
      details: { pool: pool.name, name: input.name },
    });
    return c.json({ hostId, orgId: record.orgId, pool: pool.name, credential: credential.token }, 201);
  },
);
