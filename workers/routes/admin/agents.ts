// Agents (and subagents) and their tokens: created with a token shown once, rotated, revoked.
import { createRoute } from "@hono/zod-openapi";
import {
  AgentCreateSchema,
  AgentCreatedSchema,
  AgentSchema,
  AgentUpdateSchema,
  ID_PREFIX,
  PageQuerySchema,
  TokenIssuedSchema,
  page,
} from "../../../schema/api.js";
import { type OrgAccess, assertFound, hasRole, orgAccess, pathId, requireTeamAdmin } from "../../authz/org-access.js";
import type { AgentRow } from "../../data/org-data.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { AppError, notFound } from "../../errors.js";
import { forgetAgents } from "../../identity/authenticate.js";
import { killSandboxesOf } from "../../sandboxes/service.js";
import { endSandboxSessionsOf } from "../../sandboxes/sessions.js";
import { forgetTokens, mintToken } from "../../identity/tokens.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { agentView, auditAdmin } from "./views.js";

export const agentRoutes = adminRouter();
const agentParams = itemParams("agentId");

/** A plain member sees the agents of their teams and the ones they created. */
async function visibility(access: OrgAccess) {
  if (hasRole(access, "admin")) return undefined;
  const teams = await access.data.teamsOfUser(access.userId);
  return { userId: access.userId, teamIds: teams.map((t) => t.teamId) };
}

/** The agent if the caller may see it; otherwise 404, as if it did not exist. */
export async function visibleAgent(access: OrgAccess, rawId: string): Promise<AgentRow> {
  const agent = assertFound(await access.data.agent(pathId(ID_PREFIX.agent, rawId, "agent")), "agent");
  const scope = await visibility(access);
  if (scope && agent.createdBy !== scope.userId && !(agent.teamId && scope.teamIds.includes(agent.teamId))) {
    throw notFound("agent");
  }
  return agent;
}

async function tokenPrefix(access: OrgAccess, agentId: string) {
  return (await access.data.activeTokens("agent", agentId))[0]?.prefix ?? null;
}

agentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/agents",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(AgentSchema), "agents"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    const rows = await access.data.listAgents(q, decodeCursor(q.cursor), await visibility(access));
    const prefixes = await access.data.activeTokenPrefixes(
      "agent",
      rows.map((a) => a.id),
    );
    return c.json(
      toPage(rows, q.limit, (a) => agentView(a, prefixes.get(a.id) ?? null)),
      200,
    );
  },
);

agentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/agents",
    summary: "Create an agent; the response carries its token, shown only this once",
    security,
    request: { params: orgParams, ...body(AgentCreateSchema) },
    responses: { 201: json(AgentCreatedSchema, "created"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const input = c.req.valid("json");
    let teamId = input.teamId ?? null;
    let autonomy = input.autonomy;
    if (input.parentAgentId) {
      const parent = assertFound(await access.data.agent(input.parentAgentId), "parent agent");
      if (parent.parentAgentId) throw new AppError("bad_request", "a subagent cannot have subagents");
      if (parent.status !== "active") throw new AppError("bad_request", "the parent agent is revoked");
      // A subagent never gets more than its parent.
      if (autonomy > parent.autonomy) throw new AppError("bad_request", "autonomy: cannot exceed the parent's");
      teamId ??= parent.teamId;
      autonomy = Math.min(autonomy, parent.autonomy);
    }
    if (teamId) assertFound(await access.data.team(teamId), "team");
    if (input.projectId) {
      const project = assertFound(await access.data.project(input.projectId), "project");
      if (project.teamId) await requireTeamAdmin(access, project.teamId);
    }
    await requireTeamAdmin(access, teamId);

    const token = await mintToken("agent");
    const agent = await access.data.createAgentWithToken(
      {
        name: input.name,
        teamId,
        projectId: input.projectId ?? null,
        parentAgentId: input.parentAgentId ?? null,
        autonomy,
        createdBy: access.userId,
      },
      token,
    );
    await auditAdmin(c, access, "agent.create", { type: "agent", id: agent.id }, { autonomy, parentAgentId: agent.parentAgentId });
    return c.json({ ...agentView(agent, token.prefix), token: token.token }, 201);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/agents/{agentId}",
    security,
    request: { params: agentParams },
    responses: { 200: json(AgentSchema, "the agent"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const agent = await visibleAgent(access, agentId);
    return c.json(agentView(agent, await tokenPrefix(access, agent.id)), 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/agents/{agentId}",
    security,
    request: { params: agentParams, ...body(AgentUpdateSchema) },
    responses: { 200: json(AgentSchema, "updated"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const agent = await visibleAgent(access, agentId);
    await requireTeamAdmin(access, agent.teamId);
    const patch = c.req.valid("json");
    if (patch.teamId) {
      assertFound(await access.data.team(patch.teamId), "team");
      await requireTeamAdmin(access, patch.teamId);
    }
    if (patch.projectId) assertFound(await access.data.project(patch.projectId), "project");
    if (patch.autonomy !== undefined && agent.parentAgentId) {
      const parent = await access.data.agent(agent.parentAgentId);
      if (parent && patch.autonomy > parent.autonomy) throw new AppError("bad_request", "autonomy: cannot exceed the parent's");
    }
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const updated = Object.keys(changes).length ? await access.data.updateAgent(agent.id, changes) : agent;
    forgetAgents([agent.id]);
    await auditAdmin(c, access, "agent.update", { type: "agent", id: agent.id }, { fields: Object.keys(changes) });
    return c.json(agentView(assertFound(updated, "agent"), await tokenPrefix(access, agent.id)), 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/agents/{agentId}",
    summary: "Delete the agent and its subagents; their tokens stop working at once",
    security,
    request: { params: agentParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const agent = await visibleAgent(access, agentId);
    await requireTeamAdmin(access, agent.teamId);
    const subjects = [agent.id, ...(await access.data.subagents(agent.id)).map((a) => a.id)];
    const hashes = (await Promise.all(subjects.map((s) => access.data.activeTokens("agent", s)))).flat().map((t) => t.sha256);
    // End their sandboxes first (the rows go with the agents).
    await killSandboxesOf(c.env, access.orgId, subjects, "agent deleted");
    await access.data.deleteAgent(agent.id);
    forgetTokens(hashes);
    forgetAgents(subjects);
    await auditAdmin(c, access, "agent.delete", { type: "agent", id: agent.id }, { subagents: subjects.length - 1 });
    return c.body(null, 204);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/agents/{agentId}/token",
    summary: "Rotate: issue a new token (shown once); the old one is refused from now on",
    security,
    request: { params: agentParams },
    responses: { 201: json(TokenIssuedSchema, "new token"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const agent = await visibleAgent(access, agentId);
    await requireTeamAdmin(access, agent.teamId);
    const token = await mintToken("agent");
    forgetTokens(await access.data.replaceToken("agent", agent.id, token));
    // Sandbox sessions (its own and its subagents') end with the old token; the sandboxes too.
    const family = [agent.id, ...(await access.data.subagents(agent.id)).map((a) => a.id)];
    await endSandboxSessionsOf(c.env, access.orgId, family);
    c.executionCtx.waitUntil(killSandboxesOf(c.env, access.orgId, family, "token rotated"));
    await auditAdmin(c, access, "agent.token.rotate", { type: "agent", id: agent.id });
    return c.json({ token: token.token, prefix: token.prefix }, 201);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/agents/{agentId}/token",
    summary: "Revoke the agent's token (and its subagents' tokens)",
    security,
    request: { params: agentParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const agent = await visibleAgent(access, agentId);
    await requireTeamAdmin(access, agent.teamId);
    const subagents = (await access.data.subagents(agent.id)).map((a) => a.id);
    forgetTokens(await access.data.revokeTokens("agent", [agent.id, ...subagents]));
    // Revocation also ends every running sandbox of the agent and its subagents.
    c.executionCtx.waitUntil(killSandboxesOf(c.env, access.orgId, [agent.id, ...subagents], "token revoked"));
    await auditAdmin(c, access, "agent.token.revoke", { type: "agent", id: agent.id }, { subagents: subagents.length });
    return c.body(null, 204);
  },
);
