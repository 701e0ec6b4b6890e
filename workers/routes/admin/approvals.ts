// Approvals held by the autonomy gate: listed, approved or denied by org admins or the agent's team admins.
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ID_PREFIX } from "../../../schema/api.js";
import { page } from "../../../schema/api.js";
import { ApprovalDecisionSchema, ApprovalQuerySchema, ApprovalSchema } from "../../../schema/tools.js";
import { type OrgAccess, assertFound, hasRole, orgAccess, pathId, requireTeamAdmin } from "../../authz/org-access.js";
import { iso, isoOrNull, makeDb } from "../../data/db.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { type ApprovalRow, ToolStore } from "../../data/tool-store.js";
import { AppError } from "../../errors.js";
import { decideHeldCall } from "../../autonomy/gate.js";
import { adminRouter, body, errors, itemParams, json, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const approvalRoutes = adminRouter();

const Details = z.record(z.string(), z.unknown());

/** A pending approval past its time reads as expired even before the waiting call marks it. */
export function approvalView(row: ApprovalRow, now = Date.now()) {
  const status = row.status === "pending" && row.expiresAt <= now ? "expired" : row.status;
  return {
    id: row.id,
    orgId: row.orgId,
    agentId: row.agentId,
    kind: row.kind,
    subject: row.subject,
    details: row.details ? Details.parse(JSON.parse(row.details)) : null,
    status,
    reason: row.reason,
    expiresAt: iso(row.expiresAt),
    decidedBy: row.decidedBy,
    decidedAt: isoOrNull(row.decidedAt),
    createdAt: iso(row.createdAt),
  };
}

/** Org admins see every approval; team admins those of their teams' agents; members none. */
async function approverScope(access: OrgAccess): Promise<string[] | undefined> {
  if (hasRole(access, "admin")) return undefined;
  const teams = (await access.data.teamsOfUser(access.userId)).filter((t) => t.role === "admin").map((t) => t.teamId);
  if (teams.length === 0) throw new AppError("forbidden", "requires the admin role in this org or a team");
  const visible: string[] = [];
  for (const teamId of teams) {
    const agents = await access.data.listAgents({ limit: 1000 }, undefined, { userId: "", teamIds: [teamId] });
    visible.push(...agents.map((a) => a.id));
  }
  return visible;
}

approvalRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/approvals",
    summary: "Calls waiting for (or decided by) a person",
    security,
    request: { params: orgParams, query: ApprovalQuerySchema },
    responses: { 200: json(page(ApprovalSchema), "approvals"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const scope = await approverScope(access);
    const q = c.req.valid("query");
    const now = Date.now();
    const rows = await new ToolStore(makeDb(c.env.DB), access.orgId).listApprovals(q, decodeCursor(q.cursor), q.status, scope, now);
    return c.json(
      toPage(rows, q.limit, (r) => approvalView(r, now)),
      200,
    );
  },
);

const approvalParams = itemParams("approvalId");

async function loadApproval(c: Parameters<typeof orgAccess>[0], orgId: string, rawId: string) {
  const access = await orgAccess(c, orgId);
  const store = new ToolStore(makeDb(c.env.DB), access.orgId);
  const row = assertFound(await store.approval(pathId(ID_PREFIX.approval, rawId, "approval")), "approval");
  const scope = await approverScope(access);
  if (scope && !scope.includes(row.agentId)) throw new AppError("not_found", "approval not found");
  return { access, store, row };
}

approvalRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/approvals/{approvalId}",
    security,
    request: { params: approvalParams },
    responses: { 200: json(ApprovalSchema, "the approval"), ...errors },
  }),
  async (c) => {
    const { orgId, approvalId } = c.req.valid("param");
    const { row } = await loadApproval(c, orgId, approvalId);
    return c.json(approvalView(row), 200);
  },
);

for (const decision of ["approve", "deny"] as const) {
  approvalRoutes.openapi(
    createRoute({
      method: "post",
      path: `/orgs/{orgId}/approvals/{approvalId}/${decision}`,
      summary: decision === "approve" ? "Let the held call run" : "Refuse the held call",
      security,
      request: { params: approvalParams, ...body(ApprovalDecisionSchema) },
      responses: { 200: json(ApprovalSchema, "decided"), ...errors, 409: errors[400] },
    }),
    async (c) => {
      const { orgId, approvalId } = c.req.valid("param");
      const { access, store, row } = await loadApproval(c, orgId, approvalId);
      const agent = await access.data.agent(row.agentId);
      await requireTeamAdmin(access, agent?.teamId);
      const status = decision === "approve" ? "approved" : "denied";
      const decided = await decideHeldCall(c.env, store, row, status, access.userId, c.req.valid("json").reason ?? null);
      if (!decided) throw new AppError("conflict", "the approval was already decided, has expired, or its call may no longer act");
      await auditAdmin(
        c,
        access,
        `approval.${decision}`,
        { type: "approval", id: row.id },
        { agentId: row.agentId, kind: row.kind, subject: row.subject },
      );
      return c.json(approvalView(decided), 200);
    },
  );
}
