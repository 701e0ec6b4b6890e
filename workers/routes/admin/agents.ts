// Agents (and subagents) and their tokens: created with a token shown once, rotated, revoked.
// Adapters over workers/agents/lifecycle.ts, which owns who may do what to which agent.
import { createRoute } from "@hono/zod-openapi";
import {
  AgentCreateSchema,
  AgentCreatedSchema,
  AgentSchema,
  AgentUpdateSchema,
  PageQuerySchema,
  TokenIssuedSchema,
  page,
} from "../../../schema/api.js";
import { createAgent, deleteAgent, memberScope, revokeToken, rotateToken, updateAgent, visibleAgent } from "../../agents/lifecycle.js";
import { type OrgAccess, orgAccess } from "../../authz/org-access.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { agentView, auditAdmin } from "./views.js";

export const agentRoutes = adminRouter();
const agentParams = itemParams("agentId");

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
    const rows = await access.data.listAgents(q, decodeCursor(q.cursor), await memberScope(access));
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
    const { agent, token } = await createAgent(c.env, access, c.req.valid("json"));
    await auditAdmin(c, access, "agent.create", { type: "agent", id: agent.id }, { autonomy: agent.autonomy, parentAgentId: agent.parentAgentId });
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
    const patch = c.req.valid("json");
    const updated = await updateAgent(access, agent, patch);
    const fields = Object.entries(patch)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    await auditAdmin(c, access, "agent.update", { type: "agent", id: agent.id }, { fields });
    return c.json(agentView(updated, await tokenPrefix(access, agent.id)), 200);
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
    const { subagents } = await deleteAgent(c.env, access, agent);
    await auditAdmin(c, access, "agent.delete", { type: "agent", id: agent.id }, { subagents });
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
    const { token, subagents } = await rotateToken(c.env, access, agent, (p) => c.executionCtx.waitUntil(p));
    await auditAdmin(c, access, "agent.token.rotate", { type: "agent", id: agent.id }, { subagents });
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
    const { subagents } = await revokeToken(c.env, access, agent, (p) => c.executionCtx.waitUntil(p));
    await auditAdmin(c, access, "agent.token.revoke", { type: "agent", id: agent.id }, { subagents });
    return c.body(null, 204);
  },
);
