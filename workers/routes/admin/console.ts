// The security console's read models (admins): org statistics over a window and the replay of
// recent audited requests through a draft policy. Operations live in workers/console and
// workers/agents/replay.ts; these routes parse, authorise, call and serialise.
import { createRoute } from "@hono/zod-openapi";
import {
  NamesQuerySchema,
  NamesSchema,
  PolicyReplayResultSchema,
  PolicyReplaySchema,
  StatsQuerySchema,
  StatsSchema,
} from "../../../schema/console.js";
import { replayPolicy } from "../../agents/replay.js";
import { assertFound, orgAccess, requireRole } from "../../authz/org-access.js";
import { orgStats } from "../../console/stats.js";
import { makeDb } from "../../data/db.js";
import { NameData } from "../../data/name-data.js";
import { PolicyStore } from "../../data/policy-store.js";
import { adminRouter, body, errors, json, orgParams, security } from "./kit.js";

export const consoleRoutes = adminRouter();

consoleRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/stats",
    summary: "Calls, refusals by reason, PII found by category, approvals waiting and spend over 24 h or 30 d (admins)",
    security,
    request: { params: orgParams, query: StatsQuerySchema },
    responses: { 200: json(StatsSchema, "aggregates of the window"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    // The figures come from the audit trail, which is for admins only.
    requireRole(access, "admin");
    return c.json(await orgStats(c.env, access.orgId, c.req.valid("query").window), 200);
  },
);

consoleRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/policies/replay",
    summary: "Replay the latest audited requests of the agents a draft policy reaches through the draft, without saving it (admins)",
    security,
    request: { params: orgParams, ...body(PolicyReplaySchema) },
    responses: { 200: json(PolicyReplayResultSchema, "what the draft would have decided"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const input = c.req.valid("json");
    if (input.policyId) assertFound(await new PolicyStore(makeDb(c.env.DB), access.orgId).get(input.policyId), "policy");
    return c.json(await replayPolicy(c.env, access.orgId, input), 200);
  },
);

consoleRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/names",
    summary: "Current names of up to 100 ids of the org (admins): agents, teams, projects, policies, tools, members…",
    security,
    request: { params: orgParams, query: NamesQuerySchema },
    responses: { 200: json(NamesSchema, "names by id"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    // Names span every team of the org (members' emails too): admins only, as the audit trail is.
    requireRole(access, "admin");
    const names = await new NameData(makeDb(c.env.DB), access.orgId).names(c.req.valid("query").ids?.split(",") ?? []);
    return c.json({ names: Object.fromEntries(names) }, 200);
  },
);
