// One LLM call's policy work around the wire layer: mask PII in the request (fail-closed),
// add the Agent Guide, reserve spend, then settle or release and audit exactly once.
import { recordAudit } from "../audit/audit.js";
import type { AgentRow } from "../data/org-data.js";
import { AppError } from "../errors.js";
import type { EffectivePolicy } from "../policy/effective.js";
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

export async function prepareLlmCall(env: Env, input: LlmCallInput): Promise<LlmCall> {
  const body = { ...input.body };
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

  return {
    upstreamBody: JSON.stringify(body),
    restorers: identityRestorer,
    async finish(usage, info) {
      if (done) return;
      done = true;
      await audit("success", { usage, streamed: info.streamed, outcome: info.outcome });
    },
    async fail(error) {
      if (done) return;
      done = true;
      await audit("error", { error: error.code }, error.code);
    },
  };
}
