// The egress decision turned into a refusal: what the pipeline runs on every hop and the held-call
// re-check runs again right before an approved call executes (workers/agents/withdrawal.ts).
import { AppError } from "../errors.js";
import type { EgressDecision } from "../policy/decide.js";

/** The rule that decided, as audit reasons and the answer's header name it. */
export const ruleRef = (decision: EgressDecision) =>
  decision.rule ? `policy:${decision.rule.policyId}@v${decision.rule.policyVersion}#${decision.rule.index}` : undefined;

/** A granted tool's destination is refused only by an explicit deny rule, an ambiguous URL or an inactive agent. */
export const refusesTool = (decision: EgressDecision) =>
  decision.reason === "denied_by_rule" ||
  decision.reason === "invalid_request" ||
  decision.reason === "agent_inactive" ||
  decision.reason === "agent_suspended";

/** The hop's decision under the mode: egress needs an allow rule; a granted tool only a lack of explicit denial. */
export function egressRefusal(kind: "egress" | "tool", decision: EgressDecision): AppError | null {
  const refused = kind === "egress" ? !decision.allowed : refusesTool(decision);
  if (!refused) return null;
  const message = kind === "egress" ? decision.explanation : "policy denies this tool's destination";
  const rule = ruleRef(decision);
  return new AppError("policy_denied", message, { details: { reason: decision.reason, ...(rule && kind === "egress" ? { rule } : {}) } });
}
