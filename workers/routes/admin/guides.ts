// Agent Guides (org-wide and per agent): versioned, written by users only; agents never reach these routes.
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ID_PREFIX, PageQuerySchema, page } from "../../../schema/api.js";
import { GuideCreateSchema, GuideSchema, GuideUpdateSchema, GuideVersionSchema } from "../../../schema/tools.js";
import { type OrgAccess, assertFound, conflictOnUnique, orgAccess, pathId, requireRole, requireTeamAdmin } from "../../authz/org-access.js";
import { iso, makeDb } from "../../data/db.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { type GuideRow, ToolStore } from "../../data/tool-store.js";
import { AppError } from "../../errors.js";
import { ORG_GUIDE } from "../../tools/guide.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { visibleAgent } from "../../agents/lifecycle.js";
import { auditAdmin } from "./views.js";

export const guideRoutes = adminRouter();

const guideView = (g: GuideRow) => ({
  id: g.id,
  orgId: g.orgId,
  agentId: g.target === ORG_GUIDE ? null : g.target,
  version: g.version,
  content: g.content,
  updatedBy: g.updatedBy,
  createdAt: iso(g.createdAt),
  updatedAt: iso(g.updatedAt),
});

/** The org guide needs an org admin; an agent's guide its team admin (or an org admin). */
async function requireGuideWriter(access: OrgAccess, target: string) {
  if (target === ORG_GUIDE) return requireRole(access, "admin");
  const agent = assertFound(await access.data.agent(target), "agent");
  await requireTeamAdmin(access, agent.teamId);
}

async function setup(c: Parameters<typeof orgAccess>[0], orgId: string) {
  const access = await orgAccess(c, orgId);
  return { access, store: new ToolStore(makeDb(c.env.DB), access.orgId) };
}

guideRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/guides",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(GuideSchema), "guides"), ...errors },
  }),
  async (c) => {
    const { store } = await setup(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    return c.json(toPage(await store.listGuides(q, decodeCursor(q.cursor)), q.limit, guideView), 200);
  },
);

guideRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/guides",
    summary: "Create the org guide (no agentId) or an agent's guide",
    security,
    request: { params: orgParams, ...body(GuideCreateSchema) },
    responses: { 201: json(GuideSchema, "created"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { access, store } = await setup(c, c.req.valid("param").orgId);
    const input = c.req.valid("json");
    const target = input.agentId ? (await visibleAgent(access, input.agentId)).id : ORG_GUIDE;
    await requireGuideWriter(access, target);
    const row = assertFound(
      await store.createGuide(target, input.content, access.userId).catch((e) => conflictOnUnique(e, "this guide exists; PATCH it")),
      "guide",
    );
    await auditAdmin(c, access, "guide.create", { type: "guide", id: row.id }, { agentId: input.agentId ?? null, version: 1 });
    return c.json(guideView(row), 201);
  },
);

const guideParams = itemParams("guideId");
const loadGuide = async (store: ToolStore, raw: string) => assertFound(await store.guide(pathId(ID_PREFIX.guide, raw, "guide")), "guide");

guideRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/guides/{guideId}",
    security,
    request: { params: guideParams },
    responses: { 200: json(GuideSchema, "the guide"), ...errors },
  }),
  async (c) => {
    const { orgId, guideId } = c.req.valid("param");
    const { store } = await setup(c, orgId);
    return c.json(guideView(await loadGuide(store, guideId)), 200);
  },
);

guideRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/guides/{guideId}",
    summary: "Save a new version of the guide",
    security,
    request: { params: guideParams, ...body(GuideUpdateSchema) },
    responses: { 200: json(GuideSchema, "updated"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, guideId } = c.req.valid("param");
    const { access, store } = await setup(c, orgId);
    const current = await loadGuide(store, guideId);
    await requireGuideWriter(access, current.target);
    const input = c.req.valid("json");
    const expected = input.expectedVersion ?? current.version;
    const row = await store.updateGuide(current.id, expected, input.content, access.userId);
    if (!row) throw new AppError("conflict", "the guide changed since that version; reload and retry");
    await auditAdmin(c, access, "guide.update", { type: "guide", id: current.id }, { version: row.version });
    return c.json(guideView(row), 200);
  },
);

guideRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/guides/{guideId}",
    security,
    request: { params: guideParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, guideId } = c.req.valid("param");
    const { access, store } = await setup(c, orgId);
    const current = await loadGuide(store, guideId);
    await requireGuideWriter(access, current.target);
    await store.removeGuide(current.id);
    await auditAdmin(c, access, "guide.delete", { type: "guide", id: current.id });
    return c.body(null, 204);
  },
);

guideRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/guides/{guideId}/versions",
    security,
    request: { params: guideParams },
    responses: { 200: json(z.object({ items: z.array(GuideVersionSchema) }), "every saved version, newest first"), ...errors },
  }),
  async (c) => {
    const { orgId, guideId } = c.req.valid("param");
    const { store } = await setup(c, orgId);
    const guide = await loadGuide(store, guideId);
    const rows = await store.guideVersions(guide.id);
    return c.json({ items: rows.map((v) => ({ version: v.version, content: v.content, createdBy: v.createdBy, createdAt: iso(v.createdAt) })) }, 200);
  },
);
