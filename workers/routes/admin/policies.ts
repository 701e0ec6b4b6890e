// Policies: versioned documents attached to the org, teams, projects or agents; the effective
// policy of an agent; explanations of decisions and dry runs of drafts before saving.
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ID_PREFIX, PageQuerySchema, page } from "../../../schema/api.js";
import { PiiListsSchema } from "../../../schema/pii.js";
import { forgetPiiLists } from "../../pii/lists.js";
import {
  EgressDecisionSchema,
  EgressProbeSchema,
  PolicyAttachSchema,
  PolicyDocumentSchema,
  PolicyDryRunSchema,
  PolicyUpdateSchema,
  PolicyViewSchema,
  type PolicyDocument,
} from "../../../schema/policy.js";
import { type OrgAccess, assertFound, conflictOnUnique, orgAccess, pathId, requireRole } from "../../authz/org-access.js";
import { iso, makeDb } from "../../data/db.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { PolicyStore, type PolicyRow } from "../../data/policy-store.js";
import { AppError, conflict } from "../../errors.js";
import { EffectivePolicySchema, computeEffectivePolicy } from "../../policy/effective.js";
import { invalidatePolicies, parseStoredDoc } from "../../policy/service.js";
import { visibleAgent } from "../../agents/lifecycle.js";
import { type RightsResult, decideForResult, draftOnly, rightsOf, rightsWithDraft } from "../../agents/service.js";
import { parseEgressTarget } from "../../egress/url-safety.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";

export const policyRoutes = adminRouter();

async function policyStore(c: Parameters<typeof orgAccess>[0], orgId: string) {
  const access = await orgAccess(c, orgId);
  return { access, store: new PolicyStore(makeDb(c.env.DB), access.orgId) };
}

async function view(s: PolicyStore, row: PolicyRow) {
  const doc = parseStoredDoc(row);
  return {
    id: row.id,
    orgId: row.orgId,
    version: row.version,
    ...doc,
    name: row.name,
    attachments: (await s.attachments(row.id)).map((a) => ({ scope: a.scope, id: a.scopeId })),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Credentials named by a policy must exist in the same org (a foreign or unknown one is a 400). */
async function assertCredentialsExist(s: PolicyStore, doc: PolicyDocument) {
  const names = [...new Set(doc.egress.flatMap((r) => (r.credential ? [r.credential] : [])))];
  const found = new Set((await s.credentialsByNames(names)).map((c) => c.name));
  const missing = names.filter((n) => !found.has(n));
  if (missing.length) {
    throw new AppError("validation_failed", `egress: unknown credential ${missing.map((m) => JSON.stringify(m)).join(", ")}`);
  }
}

const stored = (doc: PolicyDocument) => JSON.stringify(doc);

policyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/policies",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(PolicyViewSchema), "policies"), ...errors },
  }),
  async (c) => {
    const { store: s } = await policyStore(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    const paged = toPage(await s.list(q, decodeCursor(q.cursor)), q.limit, (r) => r);
    return c.json({ items: await Promise.all(paged.items.map((r) => view(s, r))), nextCursor: paged.nextCursor }, 200);
  },
);

policyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/policies",
    summary: "Create a policy (version 1); attach it to take effect",
    security,
    request: { params: orgParams, ...body(PolicyDocumentSchema) },
    responses: { 201: json(PolicyViewSchema, "created"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { access, store: s } = await policyStore(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const doc = c.req.valid("json");
    await assertCredentialsExist(s, doc);
    const row = await s.create(doc.name, stored(doc), access.userId).catch((e) => conflictOnUnique(e, "a policy with this name exists"));
    const created = assertFound(row, "policy");
    await auditAdmin(c, access, "policy.create", { type: "policy", id: created.id }, { version: 1, rules: doc.egress.length });
    return c.json(await view(s, created), 201);
  },
);

const policyParams = itemParams("policyId");

async function policyOf(s: PolicyStore, raw: string) {
  return assertFound(await s.get(pathId(ID_PREFIX.policy, raw, "policy")), "policy");
}

policyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/policies/{policyId}",
    security,
    request: { params: policyParams },
    responses: { 200: json(PolicyViewSchema, "the policy"), ...errors },
  }),
  async (c) => {
    const { orgId, policyId } = c.req.valid("param");
    const { store: s } = await policyStore(c, orgId);
    return c.json(await view(s, await policyOf(s, policyId)), 200);
  },
);

policyRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/policies/{policyId}",
    summary: "Save a new version (fields given replace the current ones)",
    security,
    request: { params: policyParams, ...body(PolicyUpdateSchema) },
    responses: { 200: json(PolicyViewSchema, "new version"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, policyId } = c.req.valid("param");
    const { access, store: s } = await policyStore(c, orgId);
    requireRole(access, "admin");
    const current = await policyOf(s, policyId);
    const { expectedVersion, ...patch } = c.req.valid("json");
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw conflict(`the policy is at version ${current.version}`);
    const merged: Record<string, unknown> = { ...parseStoredDoc(current), name: current.name };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else if (v !== undefined) merged[k] = v;
    }
    // Re-validate the whole document: a patch must not produce a document create would refuse.
    const doc = PolicyDocumentSchema.parse(merged);
    await assertCredentialsExist(s, doc);
    const row = await s
      .update(current.id, current.version, doc.name, stored(doc), access.userId)
      .catch((e) => conflictOnUnique(e, "a policy with this name exists"));
    if (!row) throw conflict("the policy changed meanwhile; retry");
    invalidatePolicies(access.orgId);
    await auditAdmin(c, access, "policy.update", { type: "policy", id: current.id }, { version: row.version, fields: Object.keys(patch) });
    return c.json(await view(s, row), 200);
  },
);

policyRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/policies/{policyId}",
    security,
    request: { params: policyParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, policyId } = c.req.valid("param");
    const { access, store: s } = await policyStore(c, orgId);
    requireRole(access, "admin");
    const current = await policyOf(s, policyId);
    await s.remove(current.id);
    invalidatePolicies(access.orgId);
    await auditAdmin(c, access, "policy.delete", { type: "policy", id: current.id }, { version: current.version });
    return c.body(null, 204);
  },
);

const VersionSchema = z.object({
  version: z.number().int(),
  createdBy: z.string(),
  createdAt: z.string(),
  document: z.record(z.string(), z.unknown()),
});

policyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/policies/{policyId}/versions",
    summary: "Every saved version, newest first",
    security,
    request: { params: policyParams },
    responses: { 200: json(page(VersionSchema), "versions"), ...errors },
  }),
  async (c) => {
    const { orgId, policyId } = c.req.valid("param");
    const { store: s } = await policyStore(c, orgId);
    const current = await policyOf(s, policyId);
    const items = (await s.versions(current.id)).map((v) => ({
      version: v.version,
      createdBy: v.createdBy,
      createdAt: iso(v.createdAt),
      document: JSON.parse(v.doc) as Record<string, unknown>,
    }));
    return c.json({ items, nextCursor: null }, 200);
  },
);

// ── attachments ────────────────────────────────────────────────────────────
const AttachmentSchema = z.object({ policyId: z.string(), scope: z.string(), id: z.string() });

async function attachTarget(access: OrgAccess, scope: z.infer<typeof PolicyAttachSchema>["scope"], id: string | undefined) {
  switch (scope) {
    case "org":
      return access.orgId;
    case "team":
      return assertFound(await access.data.team(pathId(ID_PREFIX.team, id ?? "", "team")), "team").id;
    case "project":
      return assertFound(await access.data.project(pathId(ID_PREFIX.project, id ?? "", "project")), "project").id;
    case "agent":
      return assertFound(await access.data.agent(pathId(ID_PREFIX.agent, id ?? "", "agent")), "agent").id;
  }
}

policyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/policies/{policyId}/attach",
    summary: "Attach the policy to the org, a team, a project or an agent",
    security,
    request: { params: policyParams, ...body(PolicyAttachSchema) },
    responses: { 201: json(AttachmentSchema, "attached"), ...errors },
  }),
  async (c) => {
    const { orgId, policyId } = c.req.valid("param");
    const { access, store: s } = await policyStore(c, orgId);
    requireRole(access, "admin");
    const policy = await policyOf(s, policyId);
    const input = c.req.valid("json");
    const target = await attachTarget(access, input.scope, input.id);
    await s.attach(policy.id, input.scope, target);
    invalidatePolicies(access.orgId);
    await auditAdmin(c, access, "policy.attach", { type: "policy", id: policy.id }, { scope: input.scope, target });
    return c.json({ policyId: policy.id, scope: input.scope, id: target }, 201);
  },
);

policyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/policies/{policyId}/detach",
    security,
    request: { params: policyParams, ...body(PolicyAttachSchema) },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, policyId } = c.req.valid("param");
    const { access, store: s } = await policyStore(c, orgId);
    requireRole(access, "admin");
    const policy = await policyOf(s, policyId);
    const input = c.req.valid("json");
    const target = input.scope === "org" ? access.orgId : (input.id ?? "");
    assertFound(await s.detach(policy.id, input.scope, target), "attachment");
    invalidatePolicies(access.orgId);
    await auditAdmin(c, access, "policy.detach", { type: "policy", id: policy.id }, { scope: input.scope, target });
    return c.body(null, 204);
  },
);

// ── effective policy, explanations and dry runs ────────────────────────────
const agentParams = itemParams("agentId");

const AgentEffectivePolicySchema = EffectivePolicySchema.extend({
  /** The level the agent acts at now (the lowest of its chain, capped by every gate). */
  level: z.number().int(),
  /** For a subagent, what its parent's own policies allow: each call must pass both. */
  parents: z.array(z.object({ agentId: z.string(), egress: EffectivePolicySchema.shape.egress })),
});

/** The rights module's refusal of an inactive agent, as an error the API can answer. */
function activeRights(result: RightsResult) {
  if (!result.ok) throw new AppError("conflict", `cannot evaluate: ${result.reason}`);
  return result.rights;
}

/** Parses the probe's URL exactly as the gateway parses an /egress target; unparseable means invalid. */
function decideProbe(result: RightsResult, probe: { method: string; url: string }) {
  let url: URL;
  try {
    url = parseEgressTarget(probe.url);
  } catch (error) {
    return { allowed: false, reason: "invalid_request", explanation: `Refused: ${error instanceof AppError ? error.message : "invalid target"}.` };
  }
  return decideForResult(result, { method: probe.method, url });
}

policyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/agents/{agentId}/effective-policy",
    summary: "The merged policy that governs the agent (for a subagent, with its parent's)",
    security,
    request: { params: agentParams },
    responses: { 200: json(AgentEffectivePolicySchema, "effective policy"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const rights = activeRights(await rightsOf(c.env, await visibleAgent(access, agentId)));
    const parents = rights.chain.slice(1).map((link) => ({ agentId: link.agent.id, egress: link.policy.egress }));
    return c.json({ ...rights.policy, level: rights.level, parents }, 200);
  },
);

policyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/agents/{agentId}/explain",
    summary: "Why would this request of the agent be allowed or denied? (the gateway's own decision)",
    security,
    request: { params: agentParams, ...body(EgressProbeSchema) },
    responses: { 200: json(EgressDecisionSchema, "the decision and its reason"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const access = await orgAccess(c, orgId);
    const agent = await visibleAgent(access, agentId);
    return c.json(decideProbe(await rightsOf(c.env, agent), c.req.valid("json")), 200);
  },
);

policyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/policies/dry-run",
    summary: "Evaluate a request against a draft policy, explained, without saving anything",
    security,
    request: { params: orgParams, ...body(PolicyDryRunSchema) },
    responses: { 200: json(z.object({ decision: EgressDecisionSchema, effective: EffectivePolicySchema }), "evaluation"), ...errors },
  }),
  async (c) => {
    const { access, store: s } = await policyStore(c, c.req.valid("param").orgId);
    const input = c.req.valid("json");
    await assertCredentialsExist(s, input.draft);
    if (input.policyId) assertFound(await s.get(input.policyId), "policy");
    const draft = { doc: input.draft, policyId: input.policyId };
    // Without an agent, the draft alone; with one, the agent's whole chain with the draft in place.
    const result: RightsResult = input.agentId
      ? await rightsWithDraft(c.env, await visibleAgent(access, input.agentId), draft)
      : { ok: true, rights: draftOnly(draft) };
    const effective = result.ok ? (result.rights.chain[0]?.policy ?? result.rights.policy) : computeEffectivePolicy([]);
    return c.json({ decision: decideProbe(result, input.request), effective }, 200);
  },
);

// ── per-org PII lists ──────────────────────────────────────────────────────
const PiiListsView = z.object({
  allow: z.array(z.string()),
  deny: z.array(z.object({ term: z.string(), category: z.string() })),
  updatedAt: z.string().nullable(),
});

policyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/pii-lists",
    summary: "Terms never treated as PII (allow) and always treated as PII (deny)",
    security,
    request: { params: orgParams },
    responses: { 200: json(PiiListsView, "the lists"), ...errors },
  }),
  async (c) => {
    const { store: s } = await policyStore(c, c.req.valid("param").orgId);
    const row = await s.piiLists();
    return c.json(
      row
        ? {
            allow: JSON.parse(row.allow) as string[],
            deny: JSON.parse(row.deny) as Array<{ term: string; category: string }>,
            updatedAt: iso(row.updatedAt),
          }
        : { allow: [], deny: [], updatedAt: null },
      200,
    );
  },
);

policyRoutes.openapi(
  createRoute({
    method: "put",
    path: "/orgs/{orgId}/pii-lists",
    summary: "Replace the org's PII allow and deny lists",
    security,
    request: { params: orgParams, ...body(PiiListsSchema) },
    responses: { 200: json(PiiListsView, "saved"), ...errors },
  }),
  async (c) => {
    const { access, store: s } = await policyStore(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const lists = c.req.valid("json");
    const row = assertFound(await s.savePiiLists(JSON.stringify(lists.allow), JSON.stringify(lists.deny)), "pii lists");
    forgetPiiLists(access.orgId);
    await auditAdmin(c, access, "pii_lists.update", { type: "org", id: access.orgId }, { allow: lists.allow.length, deny: lists.deny.length });
    return c.json({ allow: lists.allow, deny: lists.deny, updatedAt: iso(row.updatedAt) }, 200);
  },
);
