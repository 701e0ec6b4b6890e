// The effective policy of an agent: every policy attached to its org, team, project and itself, merged into one JSON value (cacheable in KV).
import { z } from "zod";
import { PiiExitsSchema } from "../../schema/pii.js";
import { type IsolationLevel, IsolationLevelSchema, stricterIsolation } from "../../schema/sandbox.js";
import { PII_ACTIONS, POLICY_SCOPES, type PiiAction, type PolicyDocument, type PolicyScope } from "../../schema/policy.js";
import { mergePiiExits } from "../pii/outbound.js";

export const RuleRefSchema = z.object({
  policyId: z.string(),
  policyVersion: z.number().int(),
  scope: z.enum(POLICY_SCOPES),
  /** Position of the rule in the policy's `egress` array. */
  index: z.number().int().nonnegative(),
});
export type RuleRef = z.infer<typeof RuleRefSchema>;

export const EffectiveRuleSchema = RuleRefSchema.extend({
  host: z.string(),
  methods: z.array(z.string()).nullable(),
  paths: z.array(z.string()).nullable(),
  ports: z.array(z.number().int()).nullable(),
  credential: z.string().optional(),
  credentialOverHttp: z.boolean().optional(),
  route: z.string().optional(),
});
export type EffectiveRule = z.infer<typeof EffectiveRuleSchema>;

export const EffectivePiiSchema = z.object({
  /** Strictest action per category over all policies: block > redact > mask > allow. */
  categories: z.record(z.string(), z.enum(PII_ACTIONS)),
  /** True only when every policy with a PII section that sets `restore` sets it true. */
  restore: z.boolean(),
  /** "open" only when every policy with a PII section says "open"; closed is the default. */
  failMode: z.enum(["closed", "open"]),
  /** Regions whose national phone formats are tried first: every policy's, in order. */
  phoneRegions: z.array(z.string()).optional(),
});
export type EffectivePii = z.infer<typeof EffectivePiiSchema>;

export const EffectivePolicySchema = z.object({
  sources: z.array(z.object({ id: z.string(), version: z.number().int(), scope: z.enum(POLICY_SCOPES), name: z.string() })),
  egress: z.object({ allow: z.array(EffectiveRuleSchema), deny: z.array(EffectiveRuleSchema) }),
  /** Null when no attached policy has a PII section (the PII module applies its default). */
  pii: EffectivePiiSchema.nullable(),
  /** PII rules of the other exits, strictest per category (workers/pii/outbound.ts); null when no policy has any. */
  piiExits: PiiExitsSchema.nullable().default(null),
  /** Null means unrestricted: no attached policy lists models. Otherwise the union of the lists. */
  models: z.array(z.string()).nullable(),
  /** Same rule as models. */
  tools: z.array(z.string()).nullable(),
  /** Lists a tool must also be on, each (policies' `toolsWithin`: narrowings, never widened by another policy). */
  toolsWithin: z.array(z.array(z.string())).default([]),
  autonomyGates: z.array(z.object({ policyId: z.string(), gate: z.record(z.string(), z.unknown()) })),
  /** The weakest isolation a sandbox may have: the strictest any attached policy requires (null: none). */
  minIsolation: IsolationLevelSchema.nullable(),
});
export type EffectivePolicy = z.infer<typeof EffectivePolicySchema>;

export interface AttachedPolicy {
  id: string;
  version: number;
  scope: PolicyScope;
  /** Already validated by PolicyDocumentSchema (parse rows read from D1 before calling). */
  doc: PolicyDocument;
}

const PII_RANK: Record<PiiAction, number> = { allow: 0, mask: 1, redact: 2, block: 3 };
const isPiiAction = (value: unknown): value is PiiAction => typeof value === "string" && (PII_ACTIONS as readonly string[]).includes(value);

const SCOPE_ORDER: Record<PolicyScope, number> = { org: 0, team: 1, project: 2, agent: 3 };

/**
 * Merges attached policies. Egress: allow rules are the union, deny rules the union (a
 * matching deny always wins, see decideEgress), nothing matching means deny. PII: strictest
 * action per category, fail-closed unless all agree on open. Models and tools: union of the
 * lists that exist; unrestricted only when no policy lists any.
 */
export function computeEffectivePolicy(docs: readonly AttachedPolicy[]): EffectivePolicy {
  // Stable order (org → agent, then id) so the cached value and tie-breaks do not depend on query order.
  const ordered = [...docs].sort((a, b) => SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] || a.id.localeCompare(b.id));
  const allow: EffectiveRule[] = [];
  const deny: EffectiveRule[] = [];
  let pii: EffectivePii | null = null;
  let restoreVotes: boolean[] = [];
  let models: Set<string> | null = null;
  let tools: Set<string> | null = null;
  const toolsWithin: string[][] = [];
  const autonomyGates: EffectivePolicy["autonomyGates"] = [];
  let minIsolation: IsolationLevel | null = null;

  for (const { id, version, scope, doc } of ordered) {
    doc.egress.forEach((rule, index) => {
      const effective: EffectiveRule = {
        policyId: id,
        policyVersion: version,
        scope,
        index,
        host: rule.host,
        methods: rule.methods ?? null,
        paths: rule.paths ?? null,
        ports: rule.ports ?? null,
        ...(rule.credential !== undefined ? { credential: rule.credential } : {}),
        ...(rule.credentialOverHttp === true ? { credentialOverHttp: true } : {}),
        ...(rule.route !== undefined ? { route: rule.route } : {}),
      };
      (rule.deny === true ? deny : allow).push(effective);
    });

    if (doc.pii !== undefined) {
      const merged: EffectivePii = pii ?? { categories: {}, restore: false, failMode: "open" };
      for (const [key, value] of Object.entries(doc.pii)) {
        if (key === "restore" || key === "failMode" || key === "phoneRegions") continue;
        if (!isPiiAction(value)) continue;
        const current = merged.categories[key];
        if (current === undefined || PII_RANK[value] > PII_RANK[current]) merged.categories[key] = value;
      }
      // A PII section without an explicit "open" counts as closed, the platform default.
      if (doc.pii.failMode !== "open") merged.failMode = "closed";
      if (typeof doc.pii.restore === "boolean") restoreVotes = [...restoreVotes, doc.pii.restore];
      if (doc.pii.phoneRegions?.length) merged.phoneRegions = [...new Set([...(merged.phoneRegions ?? []), ...doc.pii.phoneRegions])];
      pii = merged;
    }

    if (doc.models !== undefined) {
      models ??= new Set();
      for (const m of doc.models) models.add(m);
    }
    if (doc.tools !== undefined) {
      tools ??= new Set();
      for (const t of doc.tools) tools.add(t);
    }
    if (doc.toolsWithin !== undefined) toolsWithin.push([...doc.toolsWithin].sort());
    if (doc.autonomyGate !== undefined) autonomyGates.push({ policyId: id, gate: doc.autonomyGate });
    minIsolation = stricterIsolation(minIsolation, doc.sandbox?.minIsolation ?? null);
  }

  if (pii !== null) pii.restore = restoreVotes.length > 0 && restoreVotes.every(Boolean);

  return {
    sources: ordered.map(({ id, version, scope, doc }) => ({ id, version, scope, name: doc.name })),
    egress: { allow, deny },
    pii,
    piiExits: mergePiiExits(ordered.map(({ doc }) => doc.piiExits)),
    models: models === null ? null : [...models].sort(),
    tools: tools === null ? null : [...tools].sort(),
    toolsWithin,
    autonomyGates,
    minIsolation,
  };
}
