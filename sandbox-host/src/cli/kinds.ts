// The kinds `palisade apply` manages: for each, the document spec (built from the API's own zod
// schemas in schema/), how live objects read back as specs, and the API calls that create, update
// and delete them, each returning the call that undoes it (apply rolls back with those).
import { z } from "zod";
import { AgentCreateSchema, AgentCreatedSchema, AgentSchema, ProjectSchema, TeamSchema } from "../../../schema/api.js";
import { CredentialCreateSchema, CredentialSchema, InjectSpecSchema, ProviderCreateSchema, ProviderSchema } from "../../../schema/credentials.js";
import { POLICY_SCOPES, PolicyDocumentSchema, PolicyViewSchema } from "../../../schema/policy.js";
import {
  DEFAULT_THRESHOLDS,
  LIMIT_PERIODS,
  LIMIT_SCOPES,
  LimitCreateSchema,
  LimitSchema,
  ModelNameSchema,
  PriceCreateSchema,
  PriceSchema,
} from "../../../schema/spend.js";
import {
  HttpToolCreateSchema,
  McpServerCreateSchema,
  TOOL_GRANT_SCOPES,
  ToolGrantSchema,
  ToolNameSchema,
  ToolSchema,
} from "../../../schema/tools.js";
import { type Api, CliError } from "./client.js";

export const API_VERSION = "palisade.dev/v1";

/** Undoes one applied change; null when it cannot be undone (a deleted or rewritten secret). */
export type Undo = (() => Promise<void>) | null;

/** Names of the org's objects that documents refer to, resolved to ids (kept current while applying). */
export class Refs {
  readonly ids = {
    team: new Map<string, string>(),
    project: new Map<string, string>(),
    agent: new Map<string, string>(),
    tool: new Map<string, string>(),
  };

  static async load(api: Api, org: string): Promise<Refs> {
    const refs = new Refs();
    const base = orgPath(org);
    const [teams, projects, agents, tools] = await Promise.all([
      api.list(`${base}/teams`, TeamSchema),
      api.list(`${base}/projects`, ProjectSchema),
      api.list(`${base}/agents`, AgentSchema),
      api.list(`${base}/tools`, ToolSchema),
    ]);
    for (const t of teams) refs.ids.team.set(t.name, t.id);
    for (const p of projects) refs.ids.project.set(p.name, p.id);
    for (const a of agents) refs.ids.agent.set(a.name, a.id);
    for (const t of tools) refs.ids.tool.set(t.name, t.id);
    return refs;
  }

  id(kind: keyof Refs["ids"], name: string): string {
    const id = this.ids[kind].get(name);
    if (id === undefined) throw new CliError(1, `no ${kind} named ${name}`);
    return id;
  }

  name(kind: keyof Refs["ids"], id: string): string {
    for (const [name, value] of this.ids[kind]) if (value === id) return name;
    return id;
  }
}

export interface Ctx {
  api: Api;
  org: string;
  refs: Refs;
}

/** An object as it stands on the server, read back in document form. */
export interface Live {
  id: string;
  name: string;
  spec: Record<string, unknown>;
  /** What `describe` prints besides the spec (ids, versions, times). */
  status: Record<string, unknown>;
}

export interface KindDef {
  kind: string;
  /** The word of `palisade get <plural>`; `aliases` are accepted too. */
  plural: string;
  aliases: string[];
  /** Creation order: lower first; deletes run in the reverse order. */
  order: number;
  spec: z.ZodType<Record<string, unknown>>;
  /** Checks metadata.name beyond the generic name rule (a price is named by its model). */
  nameSchema?: z.ZodType<string>;
  /** Which object a document stands for; the name, except for kinds named by their content. */
  key(name: string, spec: Record<string, unknown>): string;
  /** The part of a spec that the server holds (what apply compares). */
  comparable(spec: Record<string, unknown>): unknown;
  list(ctx: Ctx): Promise<Live[]>;
  create(ctx: Ctx, name: string, spec: Record<string, unknown>, secret: string | undefined): Promise<Undo>;
  /** Null when the change cannot be made in place (the reason is thrown as a CliError at plan time). */
  update(ctx: Ctx, live: Live, spec: Record<string, unknown>, secret: string | undefined): Promise<Undo>;
  /** Why an update is impossible (e.g. a provider's kind), or null. */
  immutable?(live: Live, spec: Record<string, unknown>): string | null;
  remove(ctx: Ctx, live: Live): Promise<Undo>;
  /** Deleting one cannot be undone (a secret, an agent's identity): such deletes run last. */
  finalDelete?: true;
  columns: { headers: string[]; row(live: Live): (string | number | boolean | null)[] };
}

const orgPath = (org: string) => `/api/v1/orgs/${encodeURIComponent(org)}`;
const itemPath = (ctx: Ctx, collection: string, id: string) => `${orgPath(ctx.org)}/${collection}/${encodeURIComponent(id)}`;
const anything = z.unknown();

/** The JSON form of a value: drops undefined fields, so comparisons see what the API sees. */
export function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Removes the fields whose value is null or undefined (the API's "not set"). */
function present(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined));
}

function crud(
  collection: string,
  updateBody: (spec: Record<string, unknown>) => Record<string, unknown>,
): Pick<KindDef, "update" | "remove"> & { del(ctx: Ctx, id: string): Promise<void> } {
  const del = async (ctx: Ctx, id: string) => {
    await ctx.api.call("DELETE", itemPath(ctx, collection, id), anything);
  };
  return {
    del,
    async update(ctx, live, spec) {
      await ctx.api.call("PATCH", itemPath(ctx, collection, live.id), anything, updateBody(spec));
      return async () => {
        await ctx.api.call("PATCH", itemPath(ctx, collection, live.id), anything, updateBody(live.spec));
      };
    },
    async remove(ctx, live) {
      await del(ctx, live.id);
      return null;
    },
  };
}

// ── teams ───────────────────────────────────────────────────────────────────
const team: KindDef = {
  kind: "Team",
  plural: "teams",
  aliases: ["team"],
  order: 0,
  spec: z.strictObject({}),
  key: (name) => name,
  comparable: () => ({}),
  async list(ctx) {
    const teams = await ctx.api.list(`${orgPath(ctx.org)}/teams`, TeamSchema);
    return teams.map((t) => ({ id: t.id, name: t.name, spec: {}, status: { id: t.id, createdAt: t.createdAt } }));
  },
  async create(ctx, name) {
    const t = await ctx.api.call("POST", `${orgPath(ctx.org)}/teams`, TeamSchema, { name });
    ctx.refs.ids.team.set(name, t.id);
    return async () => {
      await ctx.api.call("DELETE", itemPath(ctx, "teams", t.id), anything);
    };
  },
  async update() {
    return async () => {};
  },
  async remove(ctx, live) {
    await ctx.api.call("DELETE", itemPath(ctx, "teams", live.id), anything);
    return async () => {
      await team.create(ctx, live.name, {}, undefined);
    };
  },
  columns: { headers: ["NAME", "ID"], row: (l) => [l.name, l.id] },
};

// ── credentials ─────────────────────────────────────────────────────────────
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Where a credential's secret comes from when apply writes it: never the document itself. */
export const ValueFromSchema = z.union([
  z.strictObject({ env: z.string().regex(ENV_NAME, "an environment variable name") }),
  z.strictObject({ stdin: z.literal(true) }),
]);
const { name: _credentialName, secret: _secret, ...credentialFields } = CredentialCreateSchema.shape;
const CredentialSpecSchema = z.strictObject({ ...credentialFields, valueFrom: ValueFromSchema });

/** The variable `get -o yaml` names for a credential's secret (the secret itself is never readable). */
export const secretEnvName = (name: string) => `PALISADE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

const credentialCrud = crud("credentials", (spec) => ({ inject: spec.inject }));
const credential: KindDef = {
  kind: "Credential",
  plural: "credentials",
  aliases: ["credential", "creds"],
  order: 1,
  spec: CredentialSpecSchema,
  nameSchema: CredentialCreateSchema.shape.name,
  key: (name) => name,
  // The secret cannot be read back; apply compares the injection and writes the secret on create
  // (or with --rotate-secrets).
  comparable: (spec) => plain(spec.inject),
  async list(ctx) {
    const items = await ctx.api.list(`${orgPath(ctx.org)}/credentials`, CredentialSchema);
    return items.map((c) => ({
      id: c.id,
      name: c.name,
      spec: { inject: c.inject, valueFrom: { env: secretEnvName(c.name) } },
      status: { id: c.id, keyVersion: c.keyVersion, createdAt: c.createdAt, updatedAt: c.updatedAt },
    }));
  },
  async create(ctx, name, spec, secret) {
    if (secret === undefined) throw new CliError(1, `credential/${name}: no secret value`);
    const c = await ctx.api.call("POST", `${orgPath(ctx.org)}/credentials`, CredentialSchema, { name, secret, inject: spec.inject });
    return () => credentialCrud.del(ctx, c.id);
  },
  async update(ctx, live, spec, secret) {
    const path = itemPath(ctx, "credentials", live.id);
    await ctx.api.call("PATCH", path, anything, { inject: spec.inject, ...(secret === undefined ? {} : { secret }) });
    // A rewritten secret cannot be put back: the old value was never readable.
    if (secret !== undefined) return null;
    return async () => {
      await ctx.api.call("PATCH", path, anything, { inject: live.spec.inject });
    };
  },
  remove: credentialCrud.remove,
  finalDelete: true,
  columns: {
    headers: ["NAME", "INJECT", "KEY VERSION", "ID"],
    row: (l) => [l.name, InjectSpecSchema.parse(l.spec.inject).type, String(l.status.keyVersion), l.id],
  },
};

// ── providers ───────────────────────────────────────────────────────────────
const { name: _providerName, ...providerFields } = ProviderCreateSchema.shape;
const providerCrud = crud("providers", (spec) => ({ baseUrl: spec.baseUrl, credential: spec.credential, models: spec.models ?? null }));
const provider: KindDef = {
  kind: "Provider",
  plural: "providers",
  aliases: ["provider"],
  order: 2,
  spec: z.strictObject(providerFields),
  nameSchema: ProviderCreateSchema.shape.name,
  key: (name) => name,
  comparable: (spec) => plain(present(spec)),
  async list(ctx) {
    const items = await ctx.api.list(`${orgPath(ctx.org)}/providers`, ProviderSchema);
    return items.map((p) => ({
      id: p.id,
      name: p.name,
      spec: present({ kind: p.kind, baseUrl: p.baseUrl, credential: p.credential, models: p.models }),
      status: { id: p.id, createdAt: p.createdAt, updatedAt: p.updatedAt },
    }));
  },
  async create(ctx, name, spec) {
    const p = await ctx.api.call("POST", `${orgPath(ctx.org)}/providers`, ProviderSchema, { name, ...spec });
    return () => providerCrud.del(ctx, p.id);
  },
  immutable: (live, spec) => (live.spec.kind !== spec.kind ? "a provider's kind cannot change; delete it first" : null),
  update: providerCrud.update,
  async remove(ctx, live) {
    await providerCrud.del(ctx, live.id);
    return async () => {
      await provider.create(ctx, live.name, live.spec, undefined);
    };
  },
  columns: {
    headers: ["NAME", "KIND", "BASE URL", "CREDENTIAL", "ID"],
    row: (l) => [l.name, String(l.spec.kind), String(l.spec.baseUrl), String(l.spec.credential), l.id],
  },
};

// ── prices (named by their model) ───────────────────────────────────────────
const { model: _model, ...priceFields } = PriceCreateSchema.shape;
const priceCrud = crud("prices", (spec) => ({
  inputMicrosPerMTok: spec.inputMicrosPerMTok,
  outputMicrosPerMTok: spec.outputMicrosPerMTok,
  cachedMicrosPerMTok: spec.cachedMicrosPerMTok ?? null,
}));
const price: KindDef = {
  kind: "Price",
  plural: "prices",
  aliases: ["price"],
  order: 2,
  spec: z.strictObject(priceFields),
  nameSchema: ModelNameSchema,
  key: (name) => name,
  comparable: (spec) => plain(present(spec)),
  async list(ctx) {
    const items = await ctx.api.list(`${orgPath(ctx.org)}/prices`, PriceSchema);
    return items.map((p) => ({
      id: p.id,
      name: p.model,
      spec: present({
        inputMicrosPerMTok: p.inputMicrosPerMTok,
        outputMicrosPerMTok: p.outputMicrosPerMTok,
        cachedMicrosPerMTok: p.cachedMicrosPerMTok,
      }),
      status: { id: p.id, createdAt: p.createdAt },
    }));
  },
  async create(ctx, name, spec) {
    const p = await ctx.api.call("POST", `${orgPath(ctx.org)}/prices`, PriceSchema, { model: name, ...spec });
    return () => priceCrud.del(ctx, p.id);
  },
  update: priceCrud.update,
  async remove(ctx, live) {
    await priceCrud.del(ctx, live.id);
    return async () => {
      await price.create(ctx, live.name, live.spec, undefined);
    };
  },
  columns: {
    headers: ["MODEL", "INPUT µ$/MTOK", "OUTPUT µ$/MTOK", "CACHED µ$/MTOK", "ID"],
    row: (l) => [
      l.name,
      Number(l.spec.inputMicrosPerMTok),
      Number(l.spec.outputMicrosPerMTok),
      (l.spec.cachedMicrosPerMTok as number | undefined) ?? null,
      l.id,
    ],
  },
};

// ── tools ───────────────────────────────────────────────────────────────────
const { name: _httpName, ...httpToolFields } = HttpToolCreateSchema.shape;
const { name: _mcpName, ...mcpServerFields } = McpServerCreateSchema.shape;
const HttpToolSpecSchema = z.strictObject(httpToolFields);
const McpServerSpecSchema = z.strictObject(mcpServerFields);
// An MCP server is the document with `mcpUrl`; checking against that one shape names the wrong field precisely.
const ToolSpecSchema = z.unknown().transform((value, ctx) => {
  const isMcp = typeof value === "object" && value !== null && "mcpUrl" in value;
  const result = (isMcp ? McpServerSpecSchema : HttpToolSpecSchema).safeParse(value);
  if (result.success) return result.data as Record<string, unknown>;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue } as z.core.$ZodRawIssue);
  return z.NEVER;
});

/** The tool as the server reads it back: defaults filled in (description, mutating), false flags left out. */
function toolComparable(spec: Record<string, unknown>): unknown {
  const http = typeof spec.method === "string";
  const mutating = http ? (spec.mutating ?? !["GET", "HEAD"].includes(String(spec.method))) : undefined;
  return plain(
    present({ ...spec, description: spec.description ?? "", mutating, credentialOverHttp: spec.credentialOverHttp === true ? true : undefined }),
  );
}
const toolUpdate = (spec: Record<string, unknown>) => ({
  description: spec.description ?? "",
  ...(spec.inputSchema === undefined ? {} : { inputSchema: spec.inputSchema }),
  credential: spec.credential ?? null,
  credentialOverHttp: spec.credentialOverHttp === true,
  ...(typeof spec.method === "string" ? { mutating: spec.mutating ?? !["GET", "HEAD"].includes(spec.method) } : {}),
});
const toolCrud = crud("tools", toolUpdate);
const tool: KindDef = {
  kind: "Tool",
  plural: "tools",
  aliases: ["tool"],
  order: 3,
  spec: ToolSpecSchema,
  nameSchema: ToolNameSchema,
  key: (name) => name,
  comparable: toolComparable,
  async list(ctx) {
    const items = await ctx.api.list(`${orgPath(ctx.org)}/tools`, ToolSchema);
    // Tools imported from an MCP server belong to that server's object, not to documents.
    return items
      .filter((t) => t.kind !== "mcp_tool")
      .map((t) => ({
        id: t.id,
        name: t.name,
        spec:
          t.kind === "http"
            ? (toolComparable({
                description: t.description,
                inputSchema: t.inputSchema,
                method: t.method,
                url: t.url,
                credential: t.credential,
                credentialOverHttp: t.credentialOverHttp,
                mutating: t.mutating,
              }) as Record<string, unknown>)
            : (toolComparable({
                description: t.description,
                mcpUrl: t.url,
                credential: t.credential,
                credentialOverHttp: t.credentialOverHttp,
              }) as Record<string, unknown>),
        status: { id: t.id, kind: t.kind, approved: t.approved, quarantinedAt: t.quarantinedAt, createdAt: t.createdAt, updatedAt: t.updatedAt },
      }));
  },
  async create(ctx, name, spec) {
    const t = await ctx.api.call("POST", `${orgPath(ctx.org)}/tools`, ToolSchema, { name, ...spec });
    ctx.refs.ids.tool.set(name, t.id);
    return () => toolCrud.del(ctx, t.id);
  },
  immutable(live, spec) {
    for (const field of ["method", "url", "mcpUrl"])
      if (live.spec[field] !== spec[field]) return `a tool's ${field} cannot change in place; delete the tool first (its grants go with it)`;
    return null;
  },
  update: toolCrud.update,
  async remove(ctx, live) {
    await toolCrud.del(ctx, live.id);
    return async () => {
      await tool.create(ctx, live.name, live.spec, undefined);
    };
  },
  columns: {
    headers: ["NAME", "KIND", "METHOD", "URL", "ID"],
    row: (l) => [l.name, String(l.status.kind), (l.spec.method as string | undefined) ?? null, String(l.spec.url ?? l.spec.mcpUrl), l.id],
  },
};

// ── tool grants (named by tool, scope and grantee) ──────────────────────────
const GrantSpecSchema = z.strictObject({ tool: ToolNameSchema, scope: z.enum(TOOL_GRANT_SCOPES), target: z.string().min(1).max(120) });
const grantKey = (spec: Record<string, unknown>) => `${String(spec.tool)}.${String(spec.scope)}.${String(spec.target)}`;
const grantPath = (ctx: Ctx, toolName: string) => `${itemPath(ctx, "tools", ctx.refs.id("tool", toolName))}/grants`;
const grant: KindDef = {
  kind: "Grant",
  plural: "grants",
  aliases: ["grant"],
  order: 4,
  spec: GrantSpecSchema,
  key: (_name, spec) => grantKey(spec),
  comparable: (spec) => plain(spec),
  async list(ctx) {
    const out: Live[] = [];
    for (const [toolName, toolId] of ctx.refs.ids.tool) {
      const grants = await ctx.api.list(`${itemPath(ctx, "tools", toolId)}/grants`, ToolGrantSchema);
      for (const g of grants) {
        const spec = { tool: toolName, scope: g.scope, target: ctx.refs.name(g.scope, g.scopeId) };
        out.push({ id: g.id, name: grantKey(spec), spec, status: { id: g.id, toolId, scopeId: g.scopeId, createdAt: g.createdAt } });
      }
    }
    return out;
  },
  async create(ctx, _name, spec) {
    const scope = z.enum(TOOL_GRANT_SCOPES).parse(spec.scope);
    const path = grantPath(ctx, String(spec.tool));
    const g = await ctx.api.call("POST", path, ToolGrantSchema, { scope, id: ctx.refs.id(scope, String(spec.target)) });
    return async () => {
      await ctx.api.call("DELETE", `${path}/${encodeURIComponent(g.id)}`, anything);
    };
  },
  async update() {
    return async () => {};
  },
  async remove(ctx, live) {
    await ctx.api.call("DELETE", `${grantPath(ctx, String(live.spec.tool))}/${encodeURIComponent(live.id)}`, anything);
    return async () => {
      await grant.create(ctx, live.name, live.spec, undefined);
    };
  },
  columns: { headers: ["TOOL", "SCOPE", "TARGET", "ID"], row: (l) => [String(l.spec.tool), String(l.spec.scope), String(l.spec.target), l.id] },
};

// ── spend limits (named by scope, grantee and period) ───────────────────────
const { scopeId: _scopeId, ...limitFields } = LimitCreateSchema.shape;
const LimitSpecSchema = z
  .strictObject({ ...limitFields, team: z.string().min(1).max(120).optional(), agent: z.string().min(1).max(120).optional() })
  .superRefine((v, ctx) => {
    for (const field of ["team", "agent"] as const) {
      if ((v.scope === field) !== (v[field] !== undefined))
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: v.scope === field ? `a ${field} limit names its ${field}` : `only a ${field} limit names a ${field}`,
        });
    }
  });
const limitKey = (spec: Record<string, unknown>) => [spec.scope, spec.team ?? spec.agent, spec.period].filter((p) => p !== undefined).join(".");
const limitComparable = (spec: Record<string, unknown>) => plain({ ...spec, thresholds: spec.thresholds ?? DEFAULT_THRESHOLDS });
const limitCrud = crud("limits", (spec) => ({ limitMicros: spec.limitMicros, thresholds: spec.thresholds ?? DEFAULT_THRESHOLDS }));
const limit: KindDef = {
  kind: "Limit",
  plural: "limits",
  aliases: ["limit"],
  order: 4,
  spec: LimitSpecSchema,
  key: (_name, spec) => limitKey(spec),
  comparable: limitComparable,
  async list(ctx) {
    const items = await ctx.api.list(`${orgPath(ctx.org)}/limits`, LimitSchema);
    return items.map((l) => {
      const spec = present({
        scope: l.scope,
        team: l.scope === "team" && l.scopeId ? ctx.refs.name("team", l.scopeId) : undefined,
        agent: l.scope === "agent" && l.scopeId ? ctx.refs.name("agent", l.scopeId) : undefined,
        period: l.period,
        limitMicros: l.limitMicros,
        thresholds: l.thresholds,
      });
      return { id: l.id, name: limitKey(spec), spec, status: { id: l.id, scopeId: l.scopeId, createdAt: l.createdAt } };
    });
  },
  async create(ctx, _name, spec) {
    const scope = z.enum(LIMIT_SCOPES).parse(spec.scope);
    const scopeId =
      scope === "team" ? ctx.refs.id("team", String(spec.team)) : scope === "agent" ? ctx.refs.id("agent", String(spec.agent)) : undefined;
    const l = await ctx.api.call("POST", `${orgPath(ctx.org)}/limits`, LimitSchema, {
      scope,
      ...(scopeId === undefined ? {} : { scopeId }),
      period: z.enum(LIMIT_PERIODS).parse(spec.period),
      limitMicros: spec.limitMicros,
      ...(spec.thresholds === undefined ? {} : { thresholds: spec.thresholds }),
    });
    return () => limitCrud.del(ctx, l.id);
  },
  update: limitCrud.update,
  async remove(ctx, live) {
    await limitCrud.del(ctx, live.id);
    return async () => {
      await limit.create(ctx, live.name, live.spec, undefined);
    };
  },
  columns: {
    headers: ["NAME", "SCOPE", "FOR", "PERIOD", "LIMIT µ$", "ID"],
    row: (l) => [
      l.name,
      String(l.spec.scope),
      (l.spec.team ?? l.spec.agent ?? null) as string | null,
      String(l.spec.period),
      Number(l.spec.limitMicros),
      l.id,
    ],
  },
};

// ── policies (with where they are attached) ─────────────────────────────────
const AttachmentSchema = z
  .strictObject({ scope: z.enum(POLICY_SCOPES), name: z.string().min(1).max(120).optional() })
  .refine((a) => (a.scope === "org") === (a.name === undefined), { message: "name the team, project or agent (and nothing for org)" });
const { name: _policyName, ...policyFields } = PolicyDocumentSchema.shape;
const PolicySpecSchema = z.strictObject({ ...policyFields, attachments: z.array(AttachmentSchema).max(200).optional() });
type Attachment = z.infer<typeof AttachmentSchema>;
const attachmentKey = (a: Attachment) => `${a.scope}:${a.name ?? ""}`;
const sortedAttachments = (list: unknown): Attachment[] =>
  z
    .array(AttachmentSchema)
    .parse(list ?? [])
    .slice()
    .sort((a, b) => attachmentKey(a).localeCompare(attachmentKey(b)));
const policyComparable = (spec: Record<string, unknown>) => plain(present({ ...spec, attachments: sortedAttachments(spec.attachments) }));

function policyBody(spec: Record<string, unknown>) {
  return {
    egress: spec.egress,
    pii: spec.pii ?? null,
    piiExits: spec.piiExits ?? null,
    models: spec.models ?? null,
    tools: spec.tools ?? null,
    toolsWithin: spec.toolsWithin ?? null,
    autonomyGate: spec.autonomyGate ?? null,
  };
}

async function setAttachments(ctx: Ctx, policyId: string, from: Attachment[], to: Attachment[]) {
  const before = new Set(from.map(attachmentKey));
  const after = new Set(to.map(attachmentKey));
  const target = (a: Attachment) => (a.scope === "org" ? { scope: a.scope } : { scope: a.scope, id: ctx.refs.id(a.scope, a.name ?? "") });
  for (const a of from)
    if (!after.has(attachmentKey(a))) await ctx.api.call("POST", `${itemPath(ctx, "policies", policyId)}/detach`, anything, target(a));
  for (const a of to)
    if (!before.has(attachmentKey(a))) await ctx.api.call("POST", `${itemPath(ctx, "policies", policyId)}/attach`, anything, target(a));
}

const policy: KindDef = {
  kind: "Policy",
  plural: "policies",
  aliases: ["policy", "pol"],
  order: 5,
  spec: PolicySpecSchema,
  nameSchema: PolicyDocumentSchema.shape.name,
  key: (name) => name,
  comparable: policyComparable,
  async list(ctx) {
    const items = await ctx.api.list(`${orgPath(ctx.org)}/policies`, PolicyViewSchema);
    return items.map((p) => ({
      id: p.id,
      name: p.name,
      spec: present({
        egress: p.egress,
        pii: p.pii,
        piiExits: p.piiExits,
        models: p.models,
        tools: p.tools,
        toolsWithin: p.toolsWithin,
        autonomyGate: p.autonomyGate,
        attachments: sortedAttachments(
          p.attachments.map((a) => (a.scope === "org" ? { scope: "org" } : { scope: a.scope, name: ctx.refs.name(a.scope, a.id) })),
        ),
      }),
      status: { id: p.id, version: p.version, createdAt: p.createdAt, updatedAt: p.updatedAt },
    }));
  },
  async create(ctx, name, spec) {
    const { attachments, ...doc } = spec;
    const p = await ctx.api.call("POST", `${orgPath(ctx.org)}/policies`, PolicyViewSchema, { name, ...doc });
    const undo = async () => {
      await ctx.api.call("DELETE", itemPath(ctx, "policies", p.id), anything);
    };
    try {
      await setAttachments(ctx, p.id, [], sortedAttachments(attachments));
    } catch (error) {
      await undo();
      throw error;
    }
    return undo;
  },
  async update(ctx, live, spec) {
    const path = itemPath(ctx, "policies", live.id);
    const from = sortedAttachments(live.spec.attachments);
    const to = sortedAttachments(spec.attachments);
    // expectedVersion: a change made by someone else since the plan was read fails (409) instead of being overwritten.
    await ctx.api.call("PATCH", path, anything, { ...policyBody(spec), expectedVersion: Number(live.status.version) });
    const undo = async () => {
      await ctx.api.call("PATCH", path, anything, policyBody(live.spec));
    };
    try {
      await setAttachments(ctx, live.id, from, to);
    } catch (error) {
      await undo();
      throw error;
    }
    return async () => {
      await setAttachments(ctx, live.id, to, from);
      await undo();
    };
  },
  async remove(ctx, live) {
    await ctx.api.call("DELETE", itemPath(ctx, "policies", live.id), anything);
    return async () => {
      await policy.create(ctx, live.name, live.spec, undefined);
    };
  },
  columns: {
    headers: ["NAME", "RULES", "ATTACHED TO", "VERSION", "ID"],
    row: (l) => [
      l.name,
      Array.isArray(l.spec.egress) ? l.spec.egress.length : 0,
      sortedAttachments(l.spec.attachments)
        .map((a) => (a.name ? `${a.scope}/${a.name}` : a.scope))
        .join(",") || null,
      Number(l.status.version),
      l.id,
    ],
  },
};

// ── agents (top-level ones: subagents are made by their parents at run time) ─
const AgentSpecSchema = z.strictObject({
  team: z.string().min(1).max(120).optional(),
  project: z.string().min(1).max(120).optional(),
  autonomy: AgentCreateSchema.shape.autonomy,
});
const agentBody = (ctx: Ctx, spec: Record<string, unknown>) => ({
  teamId: typeof spec.team === "string" ? ctx.refs.id("team", spec.team) : null,
  projectId: typeof spec.project === "string" ? ctx.refs.id("project", spec.project) : null,
  autonomy: spec.autonomy,
});
const agent: KindDef = {
  kind: "Agent",
  plural: "agents",
  aliases: ["agent"],
  order: 1,
  spec: AgentSpecSchema,
  nameSchema: AgentCreateSchema.shape.name,
  key: (name) => name,
  comparable: (spec) => plain({ autonomy: 3, ...spec }),
  async list(ctx) {
    const agents = await ctx.api.list(`${orgPath(ctx.org)}/agents`, AgentSchema);
    return agents
      .filter((a) => a.parentAgentId === null)
      .map((a) => ({
        id: a.id,
        name: a.name,
        spec: present({
          team: a.teamId ? ctx.refs.name("team", a.teamId) : undefined,
          project: a.projectId ? ctx.refs.name("project", a.projectId) : undefined,
          autonomy: a.autonomy,
        }),
        status: { id: a.id, status: a.status, suspendedAt: a.suspendedAt, tokenPrefix: a.tokenPrefix, createdAt: a.createdAt },
      }));
  },
  async create(ctx, name, spec) {
    const { teamId, projectId, autonomy } = agentBody(ctx, spec);
    // The token the API mints here is dropped unseen: apply output goes to CI logs. Issue one
    // with `POST …/agents/:id/token` when the agent is deployed.
    const a = await ctx.api.call("POST", `${orgPath(ctx.org)}/agents`, AgentCreatedSchema, {
      name,
      ...(teamId ? { teamId } : {}),
      ...(projectId ? { projectId } : {}),
      ...(autonomy === undefined ? {} : { autonomy }),
    });
    ctx.refs.ids.agent.set(name, a.id);
    return async () => {
      await ctx.api.call("DELETE", itemPath(ctx, "agents", a.id), anything);
    };
  },
  async update(ctx, live, spec) {
    const path = itemPath(ctx, "agents", live.id);
    await ctx.api.call("PATCH", path, anything, agentBody(ctx, { autonomy: 3, ...spec }));
    return async () => {
      await ctx.api.call("PATCH", path, anything, agentBody(ctx, live.spec));
    };
  },
  async remove(ctx, live) {
    // A deleted agent's tokens and subagents are gone for good (finalDelete).
    await ctx.api.call("DELETE", itemPath(ctx, "agents", live.id), anything);
    return null;
  },
  finalDelete: true,
  columns: {
    headers: ["NAME", "TEAM", "AUTONOMY", "STATUS", "ID"],
    row: (l) => [l.name, (l.spec.team as string | undefined) ?? null, Number(l.spec.autonomy), String(l.status.status), l.id],
  },
};

/** Every kind apply manages, in creation order. */
export const KINDS: KindDef[] = [team, credential, agent, provider, price, tool, grant, limit, policy].sort((a, b) => a.order - b.order);

/** The kind a document or a `get` argument names: its kind, plural or alias, in any case. */
export function kindByWord(word: string): KindDef | undefined {
  const w = word.toLowerCase();
  return KINDS.find((k) => k.plural === w || k.aliases.includes(w) || k.kind.toLowerCase() === w);
}
