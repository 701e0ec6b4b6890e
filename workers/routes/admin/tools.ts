// The tool registry (HTTP tools, upstream MCP servers and their imported tools) and tool grants.
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ID_PREFIX, PageQuerySchema, page } from "../../../schema/api.js";
import { ToolCreateSchema, ToolGrantCreateSchema, ToolGrantSchema, ToolSchema, ToolUpdateSchema } from "../../../schema/tools.js";
import { memberScope } from "../../agents/lifecycle.js";
import { type OrgAccess, assertFound, conflictOnUnique, orgAccess, pathId, requireRole } from "../../authz/org-access.js";
import { iso, isoOrNull, makeDb } from "../../data/db.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { PolicyStore } from "../../data/policy-store.js";
import { type ToolGrantRow, type ToolRow, ToolStore } from "../../data/tool-store.js";
import { AppError } from "../../errors.js";
import { schemaProblem } from "../../tools/arguments.js";
import { importUpstreamTools, pinOf } from "../../tools/upstream.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const toolRoutes = adminRouter();

function toolView(row: ToolRow, credentialName: string | null) {
  return {
    id: row.id,
    orgId: row.orgId,
    kind: row.kind,
    name: row.name,
    description: row.description,
    inputSchema: row.inputSchema ? z.record(z.string(), z.unknown()).parse(JSON.parse(row.inputSchema)) : null,
    method: row.method,
    url: row.url,
    credential: credentialName,
    credentialOverHttp: row.credentialOverHttp,
    mutating: row.mutating,
    serverId: row.serverId,
    approved: row.approved,
    quarantinedAt: isoOrNull(row.quarantinedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const grantView = (g: ToolGrantRow) => ({ id: g.id, toolId: g.toolId, scope: g.scope, scopeId: g.scopeId, createdAt: iso(g.createdAt) });

async function stores(c: Parameters<typeof orgAccess>[0], orgId: string) {
  const access = await orgAccess(c, orgId);
  const db = makeDb(c.env.DB);
  return { access, tools: new ToolStore(db, access.orgId), policies: new PolicyStore(db, access.orgId) };
}

async function view(policies: PolicyStore, row: ToolRow) {
  return toolView(row, row.credentialId ? ((await policies.credential(row.credentialId))?.name ?? null) : null);
}

async function credentialId(policies: PolicyStore, name: string | undefined | null): Promise<string | null> {
  if (!name) return null;
  const cred = await policies.credentialByName(name);
  if (!cred) throw new AppError("validation_failed", "credential: no credential of this org has that name");
  return cred.id;
}

function checkSchema(schema: Record<string, unknown>) {
  const problem = schemaProblem(schema);
  if (problem)
    throw new AppError("validation_failed", "inputSchema: not a usable JSON Schema", {
      details: { issues: [{ path: "inputSchema", message: "cannot be compiled" }] },
    });
}

toolRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/tools",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(ToolSchema), "tools"), ...errors },
  }),
  async (c) => {
    const { tools, policies } = await stores(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    const paged = toPage(await tools.listTools(q, decodeCursor(q.cursor)), q.limit, (r) => r);
    return c.json({ items: await Promise.all(paged.items.map((r) => view(policies, r))), nextCursor: paged.nextCursor }, 200);
  },
);

toolRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/tools",
    summary: "Register an HTTP tool, or an upstream MCP server whose tools are then imported",
    security,
    request: { params: orgParams, ...body(ToolCreateSchema) },
    responses: { 201: json(ToolSchema, "created"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { access, tools, policies } = await stores(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const input = c.req.valid("json");
    const cred = await credentialId(policies, input.credential);
    const common = {
      name: input.name,
      description: input.description,
      credentialId: cred,
      credentialOverHttp: input.credentialOverHttp ?? false,
      serverId: null,
      approved: true,
      definitionHash: null,
      quarantinedAt: null,
      createdBy: access.userId,
    };
    let values: Omit<ToolRow, "id" | "orgId" | "createdAt" | "updatedAt">;
    if ("mcpUrl" in input) {
      values = { ...common, kind: "mcp_server", inputSchema: null, method: null, url: input.mcpUrl, mutating: true };
    } else {
      checkSchema(input.inputSchema);
      values = {
        ...common,
        kind: "http",
        inputSchema: JSON.stringify(input.inputSchema),
        method: input.method,
        url: input.url,
        mutating: input.mutating ?? !(input.method === "GET" || input.method === "HEAD"),
      };
    }
    const row = await tools.insertTool(values).catch((e) => conflictOnUnique(e, "a tool with this name exists"));
    await auditAdmin(c, access, "tool.create", { type: "tool", id: row.id }, { kind: row.kind, name: row.name, mutating: row.mutating });
    return c.json(await view(policies, row), 201);
  },
);

const toolParams = itemParams("toolId");
const found = async (s: ToolStore, raw: string) => assertFound(await s.tool(pathId(ID_PREFIX.tool, raw, "tool")), "tool");

toolRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/tools/{toolId}",
    security,
    request: { params: toolParams },
    responses: { 200: json(ToolSchema, "the tool"), ...errors },
  }),
  async (c) => {
    const { orgId, toolId } = c.req.valid("param");
    const { tools, policies } = await stores(c, orgId);
    return c.json(await view(policies, await found(tools, toolId)), 200);
  },
);

toolRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/tools/{toolId}",
    summary: "Edit a tool; approve or withdraw an imported MCP tool",
    security,
    request: { params: toolParams, ...body(ToolUpdateSchema) },
    responses: { 200: json(ToolSchema, "updated"), ...errors },
  }),
  async (c) => {
    const { orgId, toolId } = c.req.valid("param");
    const { access, tools, policies } = await stores(c, orgId);
    requireRole(access, "admin");
    const current = await found(tools, toolId);
    const input = c.req.valid("json");
    if (input.inputSchema) checkSchema(input.inputSchema);
    if (current.kind === "mcp_tool" && (input.inputSchema || input.description !== undefined))
      throw new AppError("validation_failed", "an imported tool's description and schema come from its server");
    // Approving an imported tool pins the definition it has now; a later change upstream quarantines it.
    const pin =
      current.kind === "mcp_tool" && input.approved === true
        ? await pinOf(current, assertFound(await tools.tool(current.serverId ?? ""), "server"))
        : undefined;
    const patch = {
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.inputSchema ? { inputSchema: JSON.stringify(input.inputSchema) } : {}),
      ...(input.credential !== undefined ? { credentialId: await credentialId(policies, input.credential) } : {}),
      ...(input.mutating !== undefined ? { mutating: input.mutating } : {}),
      ...(input.credentialOverHttp !== undefined ? { credentialOverHttp: input.credentialOverHttp } : {}),
      ...(input.approved !== undefined ? { approved: input.approved } : {}),
      ...(pin !== undefined ? { definitionHash: pin, quarantinedAt: null } : {}),
    };
    const row = Object.keys(patch).length ? assertFound(await tools.updateTool(current.id, patch), "tool") : current;
    await auditAdmin(
      c,
      access,
      input.approved === true ? "tool.approve" : "tool.update",
      { type: "tool", id: current.id },
      { fields: Object.keys(input) },
    );
    return c.json(await view(policies, row), 200);
  },
);

toolRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/tools/{toolId}",
    security,
    request: { params: toolParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, toolId } = c.req.valid("param");
    const { access, tools } = await stores(c, orgId);
    requireRole(access, "admin");
    const current = await found(tools, toolId);
    await tools.removeTool(current.id);
    await auditAdmin(c, access, "tool.delete", { type: "tool", id: current.id }, { name: current.name });
    return c.body(null, 204);
  },
);

toolRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/tools/{toolId}/import",
    summary: "Import (or refresh) an upstream MCP server's tools; each must then be approved",
    security,
    request: { params: toolParams },
    responses: { 200: json(z.object({ items: z.array(ToolSchema) }), "imported tools"), ...errors },
  }),
  async (c) => {
    const { orgId, toolId } = c.req.valid("param");
    const { access, tools, policies } = await stores(c, orgId);
    requireRole(access, "admin");
    const server = await found(tools, toolId);
    if (server.kind !== "mcp_server") throw new AppError("bad_request", "only an MCP server's tools can be imported");
    const rows = await importUpstreamTools(c.env, server, access.userId);
    await auditAdmin(c, access, "tool.import", { type: "tool", id: server.id }, { imported: rows.length });
    return c.json({ items: await Promise.all(rows.map((r) => view(policies, r))) }, 200);
  },
);

// ── grants ─────────────────────────────────────────────────────────────────
async function assertGrantTarget(access: OrgAccess, scope: "team" | "project" | "agent", id: string) {
  const prefix = scope === "team" ? ID_PREFIX.team : scope === "project" ? ID_PREFIX.project : ID_PREFIX.agent;
  const checked = pathId(prefix, id, scope);
  const row =
    scope === "team" ? await access.data.team(checked) : scope === "project" ? await access.data.project(checked) : await access.data.agent(checked);
  assertFound(row, scope);
}

toolRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/tools/{toolId}/grants",
    security,
    request: { params: toolParams },
    responses: { 200: json(z.object({ items: z.array(ToolGrantSchema) }), "grants"), ...errors },
  }),
  async (c) => {
    const { orgId, toolId } = c.req.valid("param");
    const { access, tools } = await stores(c, orgId);
    const tool = await found(tools, toolId);
    return c.json({ items: (await tools.grants(tool.id, await memberScope(access))).map(grantView) }, 200);
  },
);

toolRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/tools/{toolId}/grants",
    summary: "Grant the tool to a team, project or agent",
    security,
    request: { params: toolParams, ...body(ToolGrantCreateSchema) },
    responses: { 201: json(ToolGrantSchema, "granted"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, toolId } = c.req.valid("param");
    const { access, tools } = await stores(c, orgId);
    requireRole(access, "admin");
    const tool = await found(tools, toolId);
    const input = c.req.valid("json");
    await assertGrantTarget(access, input.scope, input.id);
    const row = await tools.grant(tool.id, input.scope, input.id);
    if (!row) throw new AppError("conflict", "the tool is already granted there");
    await auditAdmin(c, access, "tool.grant", { type: "tool", id: tool.id }, { scope: input.scope, scopeId: input.id });
    return c.json(grantView(row), 201);
  },
);

toolRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/tools/{toolId}/grants/{grantId}",
    security,
    request: { params: toolParams.extend({ grantId: z.string() }) },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, toolId, grantId } = c.req.valid("param");
    const { access, tools } = await stores(c, orgId);
    requireRole(access, "admin");
    const tool = await found(tools, toolId);
    const row = assertFound(await tools.revokeGrant(tool.id, pathId(ID_PREFIX.toolGrant, grantId, "grant")), "grant");
    await auditAdmin(c, access, "tool.revoke_grant", { type: "tool", id: tool.id }, { scope: row.scope, scopeId: row.scopeId });
    return c.body(null, 204);
  },
);
