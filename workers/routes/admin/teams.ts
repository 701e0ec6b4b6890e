// Teams, team membership and projects.
import { createRoute } from "@hono/zod-openapi";
import {
  ID_PREFIX,
  PageQuerySchema,
  ProjectCreateSchema,
  ProjectSchema,
  ProjectUpdateSchema,
  TeamCreateSchema,
  TeamMemberAddSchema,
  TeamMemberSchema,
  TeamSchema,
  TeamUpdateSchema,
  page,
} from "../../../schema/api.js";
import { assertFound, conflictOnUnique, orgAccess, pathId, requireRole, requireTeamAdmin } from "../../authz/org-access.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin, projectView, teamView } from "./views.js";
import { z } from "zod";

export const teamRoutes = adminRouter();
const teamParams = itemParams("teamId");

teamRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/teams",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(TeamSchema), "teams"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    return c.json(toPage(await access.data.listTeams(q, decodeCursor(q.cursor)), q.limit, teamView), 200);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/teams",
    security,
    request: { params: orgParams, ...body(TeamCreateSchema) },
    responses: { 201: json(TeamSchema, "created"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const team = await access.data.createTeam(c.req.valid("json").name).catch((e) => conflictOnUnique(e, "a team with this name exists"));
    await auditAdmin(c, access, "team.create", { type: "team", id: team.id });
    return c.json(teamView(team), 201);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/teams/{teamId}",
    security,
    request: { params: teamParams },
    responses: { 200: json(TeamSchema, "the team"), ...errors },
  }),
  async (c) => {
    const { orgId, teamId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const team = assertFound(await access.data.team(pathId(ID_PREFIX.team, teamId, "team")), "team");
    return c.json(teamView(team), 200);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/teams/{teamId}",
    security,
    request: { params: teamParams, ...body(TeamUpdateSchema) },
    responses: { 200: json(TeamSchema, "updated"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, teamId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const id = pathId(ID_PREFIX.team, teamId, "team");
    assertFound(await access.data.team(id), "team");
    await requireTeamAdmin(access, id);
    const patch = c.req.valid("json");
    const team = assertFound(
      patch.name
        ? await access.data.updateTeam(id, patch).catch((e) => conflictOnUnique(e, "a team with this name exists"))
        : await access.data.team(id),
      "team",
    );
    await auditAdmin(c, access, "team.update", { type: "team", id });
    return c.json(teamView(team), 200);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/teams/{teamId}",
    security,
    request: { params: teamParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, teamId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const id = pathId(ID_PREFIX.team, teamId, "team");
    assertFound(await access.data.team(id), "team");
    requireRole(access, "admin");
    await access.data.deleteTeam(id);
    await auditAdmin(c, access, "team.delete", { type: "team", id });
    return c.body(null, 204);
  },
);

// ── team members ───────────────────────────────────────────────────────────
teamRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/teams/{teamId}/members",
    security,
    request: { params: teamParams },
    responses: { 200: json(page(TeamMemberSchema), "team members"), ...errors },
  }),
  async (c) => {
    const { orgId, teamId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const id = pathId(ID_PREFIX.team, teamId, "team");
    assertFound(await access.data.team(id), "team");
    return c.json({ items: await access.data.listTeamMembers(id), nextCursor: null }, 200);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/teams/{teamId}/members",
    summary: "Add an org member to the team, or change their team role",
    security,
    request: { params: teamParams, ...body(TeamMemberAddSchema) },
    responses: { 201: json(TeamMemberSchema, "added"), ...errors },
  }),
  async (c) => {
    const { orgId, teamId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const id = pathId(ID_PREFIX.team, teamId, "team");
    assertFound(await access.data.team(id), "team");
    await requireTeamAdmin(access, id);
    const input = c.req.valid("json");
    assertFound(await access.data.membership(input.userId), "member");
    await access.data.setTeamMember(id, input.userId, input.role);
    const member = (await access.data.listTeamMembers(id)).find((m) => m.userId === input.userId);
    await auditAdmin(c, access, "team.member.set", { type: "team", id }, { userId: input.userId, role: input.role });
    return c.json(assertFound(member, "member"), 201);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/teams/{teamId}/members/{userId}",
    security,
    request: { params: teamParams.extend({ userId: z.string() }) },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, teamId, userId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const id = pathId(ID_PREFIX.team, teamId, "team");
    assertFound(await access.data.team(id), "team");
    await requireTeamAdmin(access, id);
    assertFound(await access.data.removeTeamMember(id, pathId(ID_PREFIX.user, userId, "member")), "member");
    await auditAdmin(c, access, "team.member.remove", { type: "team", id }, { userId });
    return c.body(null, 204);
  },
);

// ── projects ───────────────────────────────────────────────────────────────
const projectParams = itemParams("projectId");

teamRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/projects",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(ProjectSchema), "projects"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    return c.json(toPage(await access.data.listProjects(q, decodeCursor(q.cursor)), q.limit, projectView), 200);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/projects",
    security,
    request: { params: orgParams, ...body(ProjectCreateSchema) },
    responses: { 201: json(ProjectSchema, "created"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const input = c.req.valid("json");
    if (input.teamId) assertFound(await access.data.team(input.teamId), "team");
    await requireTeamAdmin(access, input.teamId);
    const project = await access.data
      .createProject({ name: input.name, teamId: input.teamId ?? null })
      .catch((e) => conflictOnUnique(e, "a project with this name exists"));
    await auditAdmin(c, access, "project.create", { type: "project", id: project.id });
    return c.json(projectView(project), 201);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/projects/{projectId}",
    security,
    request: { params: projectParams },
    responses: { 200: json(ProjectSchema, "the project"), ...errors },
  }),
  async (c) => {
    const { orgId, projectId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const project = assertFound(await access.data.project(pathId(ID_PREFIX.project, projectId, "project")), "project");
    return c.json(projectView(project), 200);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/projects/{projectId}",
    security,
    request: { params: projectParams, ...body(ProjectUpdateSchema) },
    responses: { 200: json(ProjectSchema, "updated"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, projectId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const id = pathId(ID_PREFIX.project, projectId, "project");
    const current = assertFound(await access.data.project(id), "project");
    await requireTeamAdmin(access, current.teamId);
    const patch = c.req.valid("json");
    if (patch.teamId) {
      assertFound(await access.data.team(patch.teamId), "team");
      await requireTeamAdmin(access, patch.teamId);
    }
    const hasChanges = patch.name !== undefined || patch.teamId !== undefined;
    const project = assertFound(
      hasChanges ? await access.data.updateProject(id, patch).catch((e) => conflictOnUnique(e, "a project with this name exists")) : current,
      "project",
    );
    await auditAdmin(c, access, "project.update", { type: "project", id });
    return c.json(projectView(project), 200);
  },
);

teamRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/projects/{projectId}",
    security,
    request: { params: projectParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, projectId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const id = pathId(ID_PREFIX.project, projectId, "project");
    const current = assertFound(await access.data.project(id), "project");
    await requireTeamAdmin(access, current.teamId);
    await access.data.deleteProject(id);
    await auditAdmin(c, access, "project.delete", { type: "project", id });
    return c.body(null, 204);
  },
);
