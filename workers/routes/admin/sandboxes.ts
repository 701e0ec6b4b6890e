// Managed sandboxes: start an agent's command on a connected host of a pool, watch it, stop it.
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ID_PREFIX, SandboxCreateSchema, SandboxListQuerySchema, SandboxSchema, page } from "../../../schema/api.js";
import { type OrgAccess, assertFound, orgAccess, pathId } from "../../authz/org-access.js";
import { iso, makeDb } from "../../data/db.js";
import { HostStore, type SandboxRow } from "../../data/host-store.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { memberScope, requireAgentAdmin, visibleAgent } from "../../agents/lifecycle.js";
import { AppError, notFound } from "../../errors.js";
import { runtimeDetails, sendCommand, startSandbox } from "../../sandboxes/service.js";
import { endSandboxSession } from "../../sandboxes/sessions.js";
import { adminRouter, body, errors, itemParams, json, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const sandboxRoutes = adminRouter();

async function view(store: HostStore, row: SandboxRow) {
  const pool = await store.pool(row.poolId);
  return {
    id: row.id,
    orgId: row.orgId,
    agentId: row.agentId,
    hostId: row.hostId,
    pool: pool?.name ?? row.poolId,
    command: JSON.parse(row.command) as string[],
    isolation: row.isolation,
    image: row.image,
    imageDigest: row.imageDigest,
    driver: row.driver,
    accelerator: row.accelerator,
    state: row.state,
    exitCode: row.exitCode,
    reason: row.reason,
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

sandboxRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/sandboxes",
    summary: "Start an agent's command in a sandbox on a connected host of the pool",
    security,
    request: { params: orgParams, ...body(SandboxCreateSchema) },
    responses: { 201: json(SandboxSchema, "started"), ...errors, 503: errors[400] },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const input = c.req.valid("json");
    const agent = await visibleAgent(access, input.agentId);
    await requireAgentAdmin(access, agent);
    const started = await startSandbox(c.env, { agent, edgeOrigin: new URL(c.req.url).origin, createdBy: access.userId, input });
    const details = started.ok ? { command: input.command, ...runtimeDetails(started.row) } : { ok: false, isolation: started.row.isolation };
    await auditAdmin(c, access, "sandbox.start", { type: "sandbox", id: started.row.id }, { agentId: agent.id, hostId: started.hostId, ...details });
    if (!started.ok) throw new AppError("unavailable", `the host could not start the sandbox: ${started.error}`);
    return c.json(await view(new HostStore(makeDb(c.env.DB), access.orgId), started.row), 201);
  },
);

sandboxRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/sandboxes",
    security,
    request: { params: orgParams, query: SandboxListQuerySchema },
    responses: { 200: json(page(SandboxSchema), "sandboxes"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    const store = new HostStore(makeDb(c.env.DB), access.orgId);
    const paged = toPage(await store.listSandboxes(q, decodeCursor(q.cursor), q.agentId, await memberScope(access)), q.limit, (r) => r);
    return c.json({ items: await Promise.all(paged.items.map((r) => view(store, r))), nextCursor: paged.nextCursor }, 200);
  },
);

const sandboxParams = itemParams("sandboxId");

/** The sandbox if the caller sees its agent; otherwise 404, as if it did not exist. */
async function sandboxOf(access: OrgAccess, store: HostStore, raw: string) {
  const sandbox = assertFound(await store.sandbox(pathId(ID_PREFIX.sandbox, raw, "sandbox")), "sandbox");
  await visibleAgent(access, sandbox.agentId).catch(() => {
    throw notFound("sandbox");
  });
  return sandbox;
}

sandboxRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/sandboxes/{sandboxId}",
    security,
    request: { params: sandboxParams },
    responses: { 200: json(SandboxSchema, "the sandbox"), ...errors },
  }),
  async (c) => {
    const { orgId, sandboxId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const store = new HostStore(makeDb(c.env.DB), access.orgId);
    return c.json(await view(store, await sandboxOf(access, store, sandboxId)), 200);
  },
);

const StopSchema = z.strictObject({ force: z.boolean().default(false), graceSeconds: z.number().int().min(0).max(600).default(5) });

sandboxRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/sandboxes/{sandboxId}/stop",
    summary: "Stop (SIGTERM, then SIGKILL after the grace period) or, with force, kill at once",
    security,
    request: { params: sandboxParams, ...body(StopSchema) },
    responses: { 200: json(SandboxSchema, "stopping"), ...errors },
  }),
  async (c) => {
    const { orgId, sandboxId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const store = new HostStore(makeDb(c.env.DB), access.orgId);
    const sandbox = await sandboxOf(access, store, sandboxId);
    const agent = await visibleAgent(access, sandbox.agentId);
    await requireAgentAdmin(access, agent);
    const input = c.req.valid("json");
    if (sandbox.hostId && ["pending", "starting", "running"].includes(sandbox.state)) {
      await sendCommand(
        c.env,
        sandbox.hostId,
        input.force
          ? { op: "sandbox.kill", sandboxId: sandbox.id }
          : { op: "sandbox.stop", sandboxId: sandbox.id, graceMs: input.graceSeconds * 1000 },
      ).catch(() => undefined);
    }
    await endSandboxSession(c.env, access.orgId, sandbox);
    const updated = assertFound(
      await store.updateSandbox(sandbox.id, { state: "stopped", reason: input.force ? "killed by a user" : "stopped by a user" }),
      "sandbox",
    );
    await auditAdmin(
      c,
      access,
      input.force ? "sandbox.kill" : "sandbox.stop",
      { type: "sandbox", id: sandbox.id },
      { agentId: agent.id, ...runtimeDetails(sandbox) },
    );
    return c.json(await view(store, updated), 200);
  },
);
