// Suspend and resume an agent (with its subagents) or, owners only, every agent of the org at
// once. Adapters over workers/agents/lifecycle.ts, which also ends the work already running.
import { createRoute } from "@hono/zod-openapi";
import { SuspendSchema, SuspensionSchema } from "../../../schema/api.js";
import { resumeAgent, resumeOrg, suspendAgent, suspendOrg, visibleAgent } from "../../agents/lifecycle.js";
import { orgAccess } from "../../authz/org-access.js";
import { adminRouter, body, errors, itemParams, json, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const suspensionRoutes = adminRouter();
const agentParams = itemParams("agentId");

suspensionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/agents/{agentId}/suspend",
    summary: "Suspend the agent and its subagents: new calls answer 403 agent_suspended, calls in flight end within a second",
    security,
    request: { params: agentParams, ...body(SuspendSchema) },
    responses: { 200: json(SuspensionSchema, "suspended"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const agent = await visibleAgent(access, agentId);
    const { reason } = c.req.valid("json");
    const stopped = await suspendAgent(c.env, access, agent, reason, (p) => c.executionCtx.waitUntil(p));
    await auditAdmin(c, access, "agent.suspend", { type: "agent", id: agent.id }, { reason, ...stopped });
    return c.json({ suspended: true, ...stopped }, 200);
  },
);

suspensionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/agents/{agentId}/resume",
    summary: "Let a suspended agent (and its subagents) act again",
    security,
    request: { params: agentParams },
    responses: { 200: json(SuspensionSchema, "resumed"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const agent = await visibleAgent(access, agentId);
    const resumed = await resumeAgent(c.env, access, agent);
    await auditAdmin(c, access, "agent.resume", { type: "agent", id: agent.id }, resumed);
    return c.json({ suspended: false, ...resumed }, 200);
  },
);

suspensionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/suspend",
    summary: "Incident switch (owners): suspend every agent of the org at once and end their work in flight",
    security,
    request: { params: orgParams, ...body(SuspendSchema) },
    responses: { 200: json(SuspensionSchema, "suspended"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const { reason } = c.req.valid("json");
    const stopped = await suspendOrg(c.env, access, reason, (p) => c.executionCtx.waitUntil(p));
    await auditAdmin(c, access, "org.suspend", { type: "org", id: access.orgId }, { reason, ...stopped });
    return c.json({ suspended: true, ...stopped }, 200);
  },
);

suspensionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/resume",
    summary: "Lift the org-wide switch (owners); agents suspended on their own stay suspended",
    security,
    request: { params: orgParams },
    responses: { 200: json(SuspensionSchema, "resumed"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const resumed = await resumeOrg(c.env, access);
    await auditAdmin(c, access, "org.resume", { type: "org", id: access.orgId }, resumed);
    return c.json({ suspended: false, ...resumed }, 200);
  },
);
