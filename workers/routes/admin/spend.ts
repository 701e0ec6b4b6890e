// Spend admin API: model prices (overrides and fallback), spend limits, and usage totals.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { ID_PREFIX, PageQuerySchema, page } from "../../../schema/api.js";
import {
  DEFAULT_THRESHOLDS,
  DefaultPriceSchema,
  LimitCreateSchema,
  LimitSchema,
  LimitUpdateSchema,
  PriceCreateSchema,
  PriceSchema,
  PriceUpdateSchema,
  UsageQuerySchema,
  UsageSchema,
} from "../../../schema/spend.js";
import { type OrgAccess, assertFound, conflictOnUnique, orgAccess, pathId, requireRole } from "../../authz/org-access.js";
import { iso, makeDb } from "../../data/db.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { type LimitRow, type PriceRow, SpendData } from "../../data/spend-data.js";
import { AppError } from "../../errors.js";
import type { AppEnv } from "../../http/context.js";
import { cutOverLimit } from "../../agents/withdrawal.js";
import { flushQueuedSettles, flushSpendLedger, pushSpendConfig, spendStatus } from "../../spend/client.js";
import { retireLeasesOf } from "../../spend/credit.js";
import { DEFAULT_PRICES } from "../../spend/pricing.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

/**
 * Pushes a price or limit change to the org's spend object; this isolate's leases of the org stop
 * being drawn on (new calls go to the DO, under the new limits), and calls in flight past a
 * lowered limit end at once, with those other isolates draw from leases taken before the change.
 */
async function applySpendConfig(c: Context<AppEnv>, orgId: string) {
  retireLeasesOf(c.env, orgId, c.executionCtx);
  const over = await pushSpendConfig(c.env, orgId);
  if (over.length) await cutOverLimit(c.env, orgId, over, (p) => c.executionCtx.waitUntil(p));
}

export const spendRoutes = adminRouter();
const priceParams = itemParams("priceId");
const limitParams = itemParams("limitId");
const unavailable = { 503: errors[400] } as const;

const priceView = (p: PriceRow) => ({
  id: p.id,
  orgId: p.orgId,
  model: p.model,
  inputMicrosPerMTok: p.inputMicrosPerMTok,
  outputMicrosPerMTok: p.outputMicrosPerMTok,
  cachedMicrosPerMTok: p.cachedMicrosPerMTok,
  createdAt: iso(p.createdAt),
});

const limitView = (l: LimitRow) => ({
  id: l.id,
  orgId: l.orgId,
  scope: l.scope,
  scopeId: l.scopeId,
  period: l.period,
  limitMicros: l.limitMicros,
  thresholds: z.array(z.number().int()).catch([]).parse(JSON.parse(l.thresholds)),
  createdAt: iso(l.createdAt),
});

const spend = (c: Context<AppEnv>, access: OrgAccess) => new SpendData(makeDb(c.env.DB), access.orgId);

// ── prices ─────────────────────────────────────────────────────────────────
spendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/prices",
    summary: 'The org\'s price overrides (model "*" is the fallback for models without a price)',
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(PriceSchema), "prices"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    return c.json(toPage(await spend(c, access).listPrices(q, decodeCursor(q.cursor)), q.limit, priceView), 200);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/prices/defaults",
    summary: "Built-in list prices, used when the org has no override",
    security,
    request: { params: orgParams },
    responses: { 200: json(z.object({ items: z.array(DefaultPriceSchema) }), "built-in prices"), ...errors },
  }),
  async (c) => {
    await orgAccess(c, c.req.valid("param").orgId);
    const items = Object.entries(DEFAULT_PRICES).map(([model, p]) => ({ model, ...p }));
    return c.json({ items }, 200);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/prices",
    security,
    request: { params: orgParams, ...body(PriceCreateSchema) },
    responses: { 201: json(PriceSchema, "created"), ...errors, 409: errors[400], ...unavailable },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const input = c.req.valid("json");
    const price = await spend(c, access)
      .createPrice({ ...input, cachedMicrosPerMTok: input.cachedMicrosPerMTok ?? null })
      .catch((e) => conflictOnUnique(e, "this model already has a price; update it instead"));
    await auditAdmin(c, access, "price.create", { type: "price", id: price.id }, { model: price.model });
    await applySpendConfig(c, access.orgId);
    return c.json(priceView(price), 201);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/prices/{priceId}",
    security,
    request: { params: priceParams },
    responses: { 200: json(PriceSchema, "the price"), ...errors },
  }),
  async (c) => {
    const { orgId, priceId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    return c.json(priceView(assertFound(await spend(c, access).price(pathId(ID_PREFIX.price, priceId, "price")), "price")), 200);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/prices/{priceId}",
    security,
    request: { params: priceParams, ...body(PriceUpdateSchema) },
    responses: { 200: json(PriceSchema, "updated"), ...errors, ...unavailable },
  }),
  async (c) => {
    const { orgId, priceId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    requireRole(access, "admin");
    const data = spend(c, access);
    const id = pathId(ID_PREFIX.price, priceId, "price");
    const current = assertFound(await data.price(id), "price");
    const changes = Object.fromEntries(Object.entries(c.req.valid("json")).filter(([, v]) => v !== undefined));
    const updated = Object.keys(changes).length ? assertFound(await data.updatePrice(id, changes), "price") : current;
    await auditAdmin(c, access, "price.update", { type: "price", id }, { model: updated.model, fields: Object.keys(changes) });
    await applySpendConfig(c, access.orgId);
    return c.json(priceView(updated), 200);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/prices/{priceId}",
    security,
    request: { params: priceParams },
    responses: { 204: noContent, ...errors, ...unavailable },
  }),
  async (c) => {
    const { orgId, priceId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    requireRole(access, "admin");
    const id = pathId(ID_PREFIX.price, priceId, "price");
    const deleted = assertFound(await spend(c, access).deletePrice(id), "price");
    await auditAdmin(c, access, "price.delete", { type: "price", id }, { model: deleted.model });
    await applySpendConfig(c, access.orgId);
    return c.body(null, 204);
  },
);

// ── limits ─────────────────────────────────────────────────────────────────
spendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/limits",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(LimitSchema), "limits"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    return c.json(toPage(await spend(c, access).listLimits(q, decodeCursor(q.cursor)), q.limit, limitView), 200);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/limits",
    summary: "Create a limit for the org, a team or an agent, per UTC day, UTC month or in total",
    security,
    request: { params: orgParams, ...body(LimitCreateSchema) },
    responses: { 201: json(LimitSchema, "created"), ...errors, 409: errors[400], ...unavailable },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const input = c.req.valid("json");
    // The scope must be this org's team or agent; another org's id is simply not found.
    if (input.scope === "team") assertFound(await access.data.team(input.scopeId ?? ""), "team");
    if (input.scope === "agent") assertFound(await access.data.agent(input.scopeId ?? ""), "agent");
    const limit = await spend(c, access)
      .createLimit({
        scope: input.scope,
        scopeId: input.scopeId ?? null,
        period: input.period,
        limitMicros: input.limitMicros,
        thresholds: JSON.stringify(input.thresholds ?? DEFAULT_THRESHOLDS),
      })
      .catch((e) => conflictOnUnique(e, "this scope already has a limit for this period; update it instead"));
    await auditAdmin(
      c,
      access,
      "limit.create",
      { type: "limit", id: limit.id },
      {
        scope: limit.scope,
        scopeId: limit.scopeId,
        period: limit.period,
        limitMicros: limit.limitMicros,
      },
    );
    await applySpendConfig(c, access.orgId);
    return c.json(limitView(limit), 201);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/limits/{limitId}",
    security,
    request: { params: limitParams },
    responses: { 200: json(LimitSchema, "the limit"), ...errors },
  }),
  async (c) => {
    const { orgId, limitId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    return c.json(limitView(assertFound(await spend(c, access).limit(pathId(ID_PREFIX.limit, limitId, "limit")), "limit")), 200);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/limits/{limitId}",
    summary: "Change a limit's amount or thresholds; enforced from the moment this answers",
    security,
    request: { params: limitParams, ...body(LimitUpdateSchema) },
    responses: { 200: json(LimitSchema, "updated"), ...errors, ...unavailable },
  }),
  async (c) => {
    const { orgId, limitId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    requireRole(access, "admin");
    const data = spend(c, access);
    const id = pathId(ID_PREFIX.limit, limitId, "limit");
    const current = assertFound(await data.limit(id), "limit");
    const input = c.req.valid("json");
    const changes = {
      ...(input.limitMicros !== undefined ? { limitMicros: input.limitMicros } : {}),
      ...(input.thresholds !== undefined ? { thresholds: JSON.stringify(input.thresholds) } : {}),
    };
    const updated = Object.keys(changes).length ? assertFound(await data.updateLimit(id, changes), "limit") : current;
    await auditAdmin(
      c,
      access,
      "limit.update",
      { type: "limit", id },
      {
        fields: Object.keys(changes),
        fromMicros: current.limitMicros,
        toMicros: updated.limitMicros,
      },
    );
    await applySpendConfig(c, access.orgId);
    return c.json(limitView(updated), 200);
  },
);

spendRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/limits/{limitId}",
    security,
    request: { params: limitParams },
    responses: { 204: noContent, ...errors, ...unavailable },
  }),
  async (c) => {
    const { orgId, limitId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    requireRole(access, "admin");
    const id = pathId(ID_PREFIX.limit, limitId, "limit");
    const deleted = assertFound(await spend(c, access).deleteLimit(id), "limit");
    await auditAdmin(c, access, "limit.delete", { type: "limit", id }, { scope: deleted.scope, scopeId: deleted.scopeId, period: deleted.period });
    await applySpendConfig(c, access.orgId);
    return c.body(null, 204);
  },
);

// ── usage ──────────────────────────────────────────────────────────────────
const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;

spendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/usage",
    summary: "Settled spend between two UTC days, by agent, team, model and day (admins only)",
    security,
    request: { params: orgParams, query: UsageQuerySchema },
    responses: { 200: json(UsageSchema, "usage totals"), ...errors },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const q = c.req.valid("query");
    const to = q.to ?? new Date().toISOString().slice(0, 10);
    const from = q.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
    const span = (Date.parse(to) - Date.parse(from)) / DAY_MS;
    if (span < 0) throw new AppError("bad_request", "from must not be after to");
    if (span >= MAX_RANGE_DAYS) throw new AppError("bad_request", `the range is at most ${MAX_RANGE_DAYS} days`);
    await flushQueuedSettles(access.orgId);
    await flushSpendLedger(c.env, access.orgId);
    const data = spend(c, access);
    const [total, byAgent, byTeam, byModel, byDay] = await Promise.all([
      data.usageTotals(from, to, null),
      data.usageTotals(from, to, "agentId"),
      data.usageTotals(from, to, "teamId"),
      data.usageTotals(from, to, "model"),
      data.usageTotals(from, to, "day"),
    ]);
    const strip = <T extends { key: unknown }>({ key: _key, ...rest }: T) => rest;
    return c.json(
      {
        from,
        to,
        total: strip(total[0] ?? { key: null, costMicros: 0, inputTokens: 0, outputTokens: 0, calls: 0 }),
        byAgent: byAgent.map((r) => ({ agentId: String(r.key), ...strip(r) })),
        byTeam: byTeam.map((r) => ({ teamId: r.key === null ? null : String(r.key), ...strip(r) })),
        byModel: byModel.map((r) => ({ model: String(r.key), ...strip(r) })),
        byDay: byDay.map((r) => ({ day: String(r.key), ...strip(r) })),
      },
      200,
    );
  },
);

spendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/usage/limits",
    summary: "Live spend against every limit in its current UTC window (settled and reserved)",
    security,
    request: { params: orgParams },
    responses: {
      200: json(
        z.object({
          items: z.array(
            LimitSchema.omit({ orgId: true, createdAt: true }).extend({
              window: z.string(),
              spentMicros: z.number().int(),
              reservedMicros: z.number().int(),
            }),
          ),
        }),
        "limit status",
      ),
      ...errors,
      ...unavailable,
    },
  }),
  async (c) => {
    const access = await orgAccess(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    await flushQueuedSettles(access.orgId);
    return c.json({ items: await spendStatus(c.env, access.orgId) }, 200);
  },
);
