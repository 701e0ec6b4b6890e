// What an agent may do: its effective rights, computed once per call from the agent and every
// ancestor up its parent chain. The gateway (/llm, /egress, /mcp, tools), sandboxes, explain and
// dry-run all decide through this module, so they cannot disagree.
import type { PiiAction } from "../../schema/policy.js";
import { stricterIsolation } from "../../schema/sandbox.js";
import { type GateSettings, effectiveLevel, gateSettings } from "../autonomy/levels.js";
import type { AgentRow } from "../data/org-data.js";
import { type EgressDecision, type EgressRequest, decideEgress } from "../policy/decide.js";
import type { EffectivePii, EffectivePolicy } from "../policy/effective.js";
import { mergePiiExits } from "../pii/outbound.js";

/** One agent of the chain with its own effective policy (what is attached to it, its team, project and org). */
export interface RightsLink {
  agent: AgentRow;
  policy: EffectivePolicy;
}

export interface AgentRights {
  /** The calling agent. */
  agent: AgentRow;
  /** The agent first, then its parent (and so on): every link must allow a call. */
  chain: readonly RightsLink[];
  /**
   * The sections that merge by intersection over the chain, in the shape the engines take:
   * models (intersection of the lists), tools lists (intersection), PII (the stricter action per
   * category), autonomy gates (all of them). Egress is NOT merged here: use `decideEgressFor`.
   */
  policy: EffectivePolicy;
  /** The level the agent acts at: the lowest autonomy of the chain, capped by every gate. */
  level: number;
  gate: GateSettings;
}

const PII_RANK: Record<PiiAction, number> = { allow: 0, mask: 1, redact: 2, block: 3 };
/** The engine's action for a category a PII section does not name, and for an agent without any. */
const UNNAMED_PII_ACTION: PiiAction = "mask";

/** The PII section an agent without any attached PII policy runs under (the engine's defaults). */
const DEFAULT_PII: EffectivePii = { categories: {}, restore: true, failMode: "closed" };

/** Stricter of two PII sections: per category the higher action, restore only if both restore, closed if either is. */
function stricterPii(a: EffectivePii | null, b: EffectivePii | null): EffectivePii | null {
  if (a === null && b === null) return null;
  const x = a ?? DEFAULT_PII;
  const y = b ?? DEFAULT_PII;
  const categories: Record<string, PiiAction> = {};
  for (const category of new Set([...Object.keys(x.categories), ...Object.keys(y.categories)])) {
    const ax = x.categories[category] ?? UNNAMED_PII_ACTION;
    const ay = y.categories[category] ?? UNNAMED_PII_ACTION;
    categories[category] = PII_RANK[ax] >= PII_RANK[ay] ? ax : ay;
  }
  return { categories, restore: x.restore && y.restore, failMode: x.failMode === "open" && y.failMode === "open" ? "open" : "closed" };
}

/** Intersection of two optional lists, where null means unrestricted. */
function intersect(a: string[] | null, b: string[] | null): string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  const keep = new Set(b);
  return a.filter((x) => keep.has(x));
}

/** Merges a chain of links (agent first) into the rights the agent acts with. Pure. */
export function mergeRights(chain: readonly RightsLink[]): AgentRights {
  const [self, ...ancestors] = chain;
  if (self === undefined) throw new Error("a rights chain needs at least the agent itself");
  let policy: EffectivePolicy = self.policy;
  for (const { policy: up } of ancestors) {
    policy = {
      sources: [...policy.sources, ...up.sources],
      egress: policy.egress,
      pii: stricterPii(policy.pii, up.pii),
      piiExits: mergePiiExits([policy.piiExits ?? undefined, up.piiExits ?? undefined]),
      models: intersect(policy.models, up.models),
      tools: intersect(policy.tools, up.tools),
      toolsWithin: [...policy.toolsWithin, ...up.toolsWithin],
      autonomyGates: [...policy.autonomyGates, ...up.autonomyGates],
      // A subagent's sandboxes are at least as isolated as its parent's must be.
      minIsolation: stricterIsolation(policy.minIsolation, up.minIsolation),
    };
  }
  const gate = gateSettings(policy);
  // A subagent never creates subagents (flat hierarchy), whatever its policies say.
  if (ancestors.length > 0) gate.allowSubagents = false;
  const lowest = Math.min(...chain.map((link) => link.agent.autonomy));
  return { agent: self.agent, chain, policy, level: effectiveLevel(lowest, gate), gate };
}

const refName = (decision: EgressDecision) =>
  decision.rule ? `policy ${decision.rule.policyId} v${decision.rule.policyVersion} (${decision.rule.scope}) rule #${decision.rule.index}` : "";

/** How strongly a denial refuses: an explicit deny or an ambiguous request outranks "no rule allows it". */
const DENIAL_RANK: Partial<Record<EgressDecision["reason"], number>> = {
  invalid_request: 4,
  denied_by_rule: 3,
  credential_transport: 2,
  no_matching_rule: 1,
};

/**
 * One egress request against the chain: every link must allow it and a deny anywhere wins (of
 * several denials, the strongest: an explicit deny rule of the parent is reported even when the
 * subagent itself had no matching rule, so a granted tool is refused for it too). The rule,
 * credential and route that apply are those of the top of the chain (the parent's decision), so
 * a subagent never injects a credential its parent would not.
 */
export function decideEgressFor(rights: { chain: readonly Pick<RightsLink, "policy">[] }, request: EgressRequest): EgressDecision {
  const decisions = rights.chain.map((link) => decideEgress(link.policy, request));
  const first = decisions[0];
  if (first === undefined) throw new Error("a rights chain needs at least the agent itself");
  if (decisions.length === 1) return first;
  const rank = (d: EgressDecision) => (d.allowed ? 0 : (DENIAL_RANK[d.reason] ?? 1));
  // The strongest denial along the chain; of equals, the one nearest the agent.
  let strongest = -1;
  decisions.forEach((d, i) => {
    if (rank(d) > 0 && (strongest === -1 || rank(d) > rank(decisions[strongest] as EgressDecision))) strongest = i;
  });
  if (strongest === 0) return first;
  if (strongest > 0) {
    const denied = decisions[strongest] as EgressDecision;
    return { ...denied, explanation: `Denied: a subagent cannot reach what its parent cannot. ${denied.explanation}` };
  }
  const top = decisions[decisions.length - 1] as EgressDecision;
  if (top === first) return first;
  return { ...top, explanation: `${top.explanation} The subagent's own policy allows it too (${refName(first)}).` };
}

/** Whether the model may be called: every link's list (when it has one) names it. */
export function allowsModel(rights: Pick<AgentRights, "policy">, model: string): boolean {
  return rights.policy.models === null || rights.policy.models.includes(model);
}
