// One LLM call's policy work around the wire layer: mask PII in the request (fail-closed),
// add the Agent Guide, reserve spend, then settle or release and audit exactly once.
import { recordAudit } from "../audit/audit.js";
import type { AgentRow } from "../data/org-data.js";
import { AppError } from "../errors.js";
import type { EffectivePolicy } from "../policy/effective.js";
import { PiiPolicySchema, type PiiPolicy } from "../../schema/pii.js";
import { PiiBudgetError, createMasker, createRestorer, maskJsonStrings, type JsonValue } from "../pii/index.js";
import { piiListsOf } from "../pii/lists.js";
import { identityRestorer, type LlmEndpoint, type ProviderKind, type RestorerFactory, type Usage } from "./index.js";

export interface LlmCallInput {
  agent: AgentRow;
  kind: ProviderKind;
  endpoint: Exclude<LlmEndpoint, "models">;
  model: string;
  body: Record<string, unknown>;
  policy: EffectivePolicy;
  traceId: string;
  idempotencyKey: string | null;
}

export interface LlmCall {
  /** The request body as the provider will see it (masked, guide added). */
  upstreamBody: string;
  /** Restores placeholders in the response text, per choice/block. */
  restorers: RestorerFactory;
  finish(usage: Usage | null, info: { streamed: boolean; outcome: string }): Promise<void>;
  fail(error: AppError): Promise<void>;
}

/** The effective policy's PII section in the engine's shape; none attached = the engine's defaults. */
function piiPolicyOf(policy: EffectivePolicy): PiiPolicy {
  if (!policy.pii) return {};
  return PiiPolicySchema.parse({ ...policy.pii.categories, restore: policy.pii.restore, failMode: policy.pii.failMode });
}

export async function prepareLlmCall(env: Env, input: LlmCallInput): Promise<LlmCall> {
  let done = false;
  const audit = (result: "success" | "error", details: Record<string, unknown>, reason?: string) =>
    recordAudit(env, {
      orgId: input.agent.orgId,
      actor: { type: "agent", id: input.agent.id },
      action: "llm.request",
      resource: { type: "model", id: input.model },
      result,
      traceId: input.traceId,
      ...(reason ? { reason } : {}),
      details: { kind: input.kind, endpoint: input.endpoint, ...details },
    });

  // PII: every string (values, keys, tool arguments) masked before anything leaves the edge.
  const masker = createMasker(piiPolicyOf(input.policy), await piiListsOf(env, input.agent.orgId));
  let body: JsonValue = input.body as JsonValue;
  let piiFailure: string | null = null;
  try {
    body = maskJsonStrings(body, masker);
  } catch (error) {
    if (!(error instanceof PiiBudgetError)) throw error;
    if (masker.failMode === "closed") {
      await audit("error", { pii: { failed: error.reason } }, "pii_check_failed");
      done = true;
      throw new AppError("pii_blocked", "the request could not be checked for personal data and was refused (fail-closed)", { details: { reason: error.reason } });
    }
    piiFailure = error.reason;
  }
  const pii = masker.result();
  if (pii.blockedCategories.length > 0) {
    done = true;
    await audit("error", { pii: { counts: pii.counts, blocked: pii.blockedCategories } }, "pii_blocked");
    throw new AppError("pii_blocked", `the request contains personal data this policy blocks: ${pii.blockedCategories.join(", ")}`, {
      details: { categories: pii.blockedCategories },
    });
  }
  const piiAudit = { counts: pii.counts, ...(piiFailure ? { failedOpen: piiFailure } : {}) };
  const restorers: RestorerFactory = masker.restores && Object.keys(pii.mapping).length > 0 ? () => createRestorer(pii.mapping) : identityRestorer;

  return {
    upstreamBody: JSON.stringify(body),
    restorers,
    async finish(usage, info) {
      if (done) return;
      done = true;
      await audit("success", { usage, streamed: info.streamed, outcome: info.outcome, pii: piiAudit });
    },
    async fail(error) {
      if (done) return;
      done = true;
      await audit("error", { error: error.code, pii: piiAudit }, error.code);
    },
  };
}
