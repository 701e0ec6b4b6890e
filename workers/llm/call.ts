// One LLM call's policy work around the wire layer: mask PII in the request (fail-closed),
// add the Agent Guide, reserve spend, then settle or release and audit exactly once.
import { type AuditEvent, recordAudit } from "../audit/audit.js";
import type { AgentRights } from "../agents/rights.js";
import { AppError } from "../errors.js";
import type { EffectivePolicy } from "../policy/effective.js";
import { type PiiLists, PiiPolicySchema, type PiiPolicy } from "../../schema/pii.js";
import { PiiBudgetError, createMasker, maskJsonStrings, restorerFactory, type JsonValue, type MaskerOptions } from "../pii/index.js";
import { piiListsOf } from "../pii/lists.js";
import { guidePromptFor } from "../tools/guide.js";
import { stopSandboxesOverLimit } from "../sandboxes/service.js";
import { type CallHold, holdForCall, leaseTakenAt, releaseCall, retireLeasesOf, settleCall } from "../spend/credit.js";
import { requestFingerprint } from "../spend/fingerprint.js";
import { modelLimitsFor } from "../spend/pricing.js";
import { requestShape, spendEstimate, utf8Length } from "./estimate.js";
import { identityRestorer, isObject, type LlmEndpoint, type ProviderKind, type RestorerFactory, type Usage } from "./index.js";
import { withStreamUsage } from "./upstream.js";
import { piiAttributes } from "../telemetry/genai.js";
import { activeSpan } from "../telemetry/span.js";

export interface LlmCallInput {
  /** The caller's rights: its agent, and the policy merged along its parent chain. */
  rights: AgentRights;
  kind: ProviderKind;
  endpoint: Exclude<LlmEndpoint, "models">;
  model: string;
  body: Record<string, unknown>;
  traceId: string;
  idempotencyKey: string | null;
  /** Lets work outlive the response (stopping sandboxes when a limit is reached). */
  waitUntil(promise: Promise<unknown>): void;
}

export interface LlmCall {
  /** The request body as the provider will see it (masked, guide added). */
  upstreamBody: string;
  /** Restores placeholders in the response text, per choice/block. */
  restorers: RestorerFactory;
  /** The proxy asked for stream usage the agent did not ask for (its usage chunk is not passed on). */
  streamUsageAdded: boolean;
  /** When the spend lease this call draws on was granted (null: a reservation of its own); the call's watch needs it. */
  leaseTakenAt: number | null;
  /**
   * Settles the call. `error`: the platform ended it (a suspension, a revoked token, a reached
   * limit), recorded as the audit event's reason.
   */
  finish(usage: Usage | null, info: { streamed: boolean; outcome: string; error?: AppError | null }): Promise<void>;
  /** The request is being handed to the provider: from here a failure spends the call's idempotency key. */
  sending(): void;
  fail(error: AppError): Promise<void>;
  /**
   * What a stream ended early (the agent went away, or the platform ended it) is charged:
   * the provider's usage where it reported some, else the prompt's bound, and at least one
   * output token per byte of text sent — what was produced, not the whole hold.
   */
  producedUsage(reported: Usage | null, producedBytes: number): Usage;
}

/** The engine's PII policy and its text (the key under which a guide was found clean). */
interface CompiledPii {
  policy: PiiPolicy;
  key: string;
}

const DEFAULT_PII: CompiledPii = { policy: {}, key: "{}" };

/** Per effective policy object: an agent's cached policy (one per policy version) is parsed once, not per call. */
const compiledPii = new WeakMap<EffectivePolicy, CompiledPii>();

/** The effective policy's PII section in the engine's shape; none attached = the engine's defaults. */
function piiPolicyOf(policy: EffectivePolicy): CompiledPii {
  if (!policy.pii) return DEFAULT_PII;
  const hit = compiledPii.get(policy);
  if (hit) return hit;
  const { categories, restore, failMode, phoneRegions } = policy.pii;
  const parsed = PiiPolicySchema.parse({
    ...categories,
    restore,
    failMode,
    ...(phoneRegions?.length ? { phoneRegions: phoneRegions.slice(0, 50) } : {}),
  });
  const compiled = { policy: parsed, key: JSON.stringify(parsed) };
  compiledPii.set(policy, compiled);
  return compiled;
}

export async function prepareLlmCall(env: Env, input: LlmCallInput): Promise<LlmCall> {
  // The call's trace span (a no-op when the org exports no traces).
  const span = activeSpan();
  let done = false;
  let sent = false;
  const ctx = { waitUntil: input.waitUntil };
  const auditEvent = (result: "success" | "error", details: Record<string, unknown>, reason?: string): AuditEvent => ({
    orgId: input.rights.agent.orgId,
    actor: { type: "agent", id: input.rights.agent.id },
    action: "llm.request",
    resource: { type: "model", id: input.model },
    result,
    traceId: input.traceId,
    ...(reason ? { reason } : {}),
    details: { kind: input.kind, endpoint: input.endpoint, ...details },
  });
  const audit = (result: "success" | "error", details: Record<string, unknown>, reason?: string) =>
    recordAudit(env, auditEvent(result, details, reason), ctx);

  // The Agent Guide and autonomy instructions lead the system prompt; they are checked like the rest.
  const [guide, lists] = await Promise.all([cachedGuide(env, input.rights), piiListsOf(env, input.rights.agent.orgId)]);
  const { policy: piiPolicy, key: piiPolicyKey } = piiPolicyOf(input.rights.policy);
  const maskerOptions = { entityCacheScope: input.rights.agent.orgId };
  // A guide with nothing to mask under this policy (known from an earlier call of this isolate)
  // joins the body after masking, so the same text is not scanned on every call.
  const guideClean = guide.text !== null && guideIsClean(guide, piiPolicy, piiPolicyKey, lists, maskerOptions);
  const withGuide = guide.text && !guideClean ? withSystemPrompt(input.endpoint, input.body, guide.text) : input.body;

  // PII: every string (values, keys, tool arguments) masked before anything leaves the edge.
  const masker = createMasker(piiPolicy, lists, maskerOptions);
  let body: JsonValue = withGuide as JsonValue;
  let piiFailure: string | null = null;
  try {
    body = maskJsonStrings(body, masker);
    if (guide.text && guideClean && isObject(body)) body = withSystemPrompt(input.endpoint, body, guide.text) as JsonValue;
  } catch (error) {
    if (!(error instanceof PiiBudgetError)) throw error;
    if (masker.failMode === "closed") {
      await audit("error", { pii: { failed: error.reason } }, "pii_check_failed");
      done = true;
      throw new AppError("pii_blocked", "the request could not be checked for personal data and was refused (fail-closed)", {
        details: { reason: error.reason },
      });
    }
    piiFailure = error.reason;
  }
  const pii = masker.result();
  // Attributes are built only for a span that records them (most orgs export no traces).
  if (span.recording) span.set(piiAttributes(pii.counts));
  if (pii.blockedCategories.length > 0) {
    done = true;
    await audit("error", { pii: { counts: pii.counts, blocked: pii.blockedCategories } }, "pii_blocked");
    throw new AppError("pii_blocked", `the request contains personal data this policy blocks: ${pii.blockedCategories.join(", ")}`, {
      details: { categories: pii.blockedCategories },
    });
  }
  // What the call can cost beyond its bytes; a call whose cost cannot be bounded is refused
  // before any spend is held (after the PII check, so personal data is refused as such first).
  let shape: ReturnType<typeof requestShape>;
  try {
    shape = requestShape(input.endpoint, input.body);
  } catch (error) {
    done = true;
    if (error instanceof AppError) await audit("error", { spend: error.details }, "spend_unbounded");
    throw error;
  }

  const piiAudit = { ...piiFound(pii.counts), ...(piiFailure ? { failedOpen: piiFailure } : {}) };
  const restorersOf = restorerFactory(pii.mapping);
  const restorers: RestorerFactory =
    masker.restores && Object.keys(pii.mapping).length > 0
      ? Object.assign((options?: { json?: boolean }) => restorersOf({ jsonEscape: options?.json === true }), {
          rawJsonSafe: Object.values(pii.mapping).every((original) => !JSON_ESCAPED.test(original)),
        })
      : identityRestorer;
  const reported = isObject(body) ? withStreamUsage(input.endpoint, body) : body;
  const upstreamBody = JSON.stringify(reported);

  // Spend: hold an upper bound (every byte a token, images, tools, the whole output budget, per
  // choice) before the provider sees anything, from the isolate's lease on the org's budget or,
  // with an idempotency key, at the org's DO, where the key buys at most one provider call.
  let hold: CallHold;
  let promptTokensBound = 0;
  try {
    const estimate = spendEstimate(shape, utf8Length(upstreamBody), modelLimitsFor(input.model));
    const idempotency =
      input.idempotencyKey === null
        ? null
        : { key: input.idempotencyKey, fingerprint: await requestFingerprint(input.kind, input.endpoint, input.body) };
    promptTokensBound = estimate.inputTokens;
    hold = await holdForCall(env, input.rights.agent, input.model, estimate, idempotency, ctx);
  } catch (error) {
    done = true;
    const code = error instanceof AppError ? error.code : "internal";
    await audit("error", { pii: piiAudit, spend: error instanceof AppError ? error.details : undefined }, code);
    if (code === "spend_limit") input.waitUntil(stopSandboxesOverLimit(env, input.rights.agent.orgId));
    throw error;
  }
  if (hold.kind === "reservation" && hold.reservation.state === "settled") {
    done = true;
    throw new AppError("conflict", "the request with this Idempotency-Key already reached the provider and was charged; use a new key to call again");
  }

  span.set({ "palisade.decision": "allowed", ...(piiFailure ? { "palisade.pii.failed_open": piiFailure } : {}) });
  return {
    upstreamBody,
    restorers,
    streamUsageAdded: reported !== body,
    leaseTakenAt: leaseTakenAt(hold),
    sending() {
      sent = true;
    },
    async finish(usage, info) {
      if (done) return;
      done = true;
      // A lease of this isolate that a spend cut reached is not drawn on again.
      if (info.error?.code === "spend_limit") retireLeasesOf(env, input.rights.agent.orgId, ctx);
      // No usage from the provider settles on the hold, never on zero. The settle (and the audit
      // event, which carries its charge) leave after the answer, batched with other calls'.
      // Token counts under plain keys: the audit cleaner redacts keys that name tokens.
      const tokens = usage ? { input: usage.inputTokens, output: usage.outputTokens, cached: usage.cachedTokens } : null;
      const details = { usage: tokens, streamed: info.streamed, outcome: info.outcome, pii: piiAudit };
      const charged = settleCall(env, hold, usage, info.error ? auditEvent("error", details, info.error.code) : auditEvent("success", details), ctx);
      span.set({ "palisade.cost.micros": charged });
    },
    producedUsage(reported, producedBytes) {
      return {
        inputTokens: reported && reported.inputTokens > 0 ? reported.inputTokens : promptTokensBound,
        outputTokens: Math.max(reported?.outputTokens ?? 0, producedBytes),
        cachedTokens: reported?.cachedTokens ?? 0,
      };
    },
    async fail(error) {
      if (done) return;
      done = true;
      // A provider that did not answer in time had the request and may bill it: the call is
      // charged its hold, as a stream that timed out is, and its idempotency key is spent.
      // Any other failure happened before the provider billed anything: the hold is given back,
      // and once the request was sent its idempotency key stays used (one key, one provider call).
      if (error.code === "spend_limit") retireLeasesOf(env, input.rights.agent.orgId, ctx);
      if (error.code === "upstream_timeout" || WITHDRAWN_AFTER_SENDING.has(error.code)) {
        const charged = settleCall(env, hold, null, auditEvent("error", { error: error.code, usage: null, pii: piiAudit }, error.code), ctx);
        span.set({ "palisade.cost.micros": charged });
        return;
      }
      await releaseCall(env, input.rights.agent, hold, ctx, sent);
      await audit("error", { error: error.code, pii: piiAudit }, error.code);
    },
  };
}

/** A call the platform ended (workers/agents/withdrawal.ts) after the provider had it: charged like a timeout. */
const WITHDRAWN_AFTER_SENDING = new Set(["agent_suspended", "unauthorized", "spend_limit"]);

/** Characters JSON.stringify escapes inside a string. */
const JSON_ESCAPED = /["\\\u0000-\u001f]/;

interface GuideEntry {
  text: string | null;
  expires: number;
  /** The PII policy and lists under which the text was found to hold nothing to mask. */
  clean?: { policy: string; lists: PiiLists };
}

const guideCache = new Map<string, GuideEntry>();

/** Guides change rarely; an isolate reuses one for a few seconds like the other gateway inputs. */
async function cachedGuide(env: Env, rights: AgentRights): Promise<GuideEntry> {
  const { agent } = rights;
  const now = Date.now();
  const hit = guideCache.get(agent.id);
  if (hit && hit.expires > now) return hit;
  const entry: GuideEntry = { text: await guidePromptFor(env, rights), expires: now + 4_000 };
  if (guideCache.size > 5_000) guideCache.clear();
  guideCache.set(agent.id, entry);
  return entry;
}

/**
 * Whether the guide holds nothing the policy would mask, block or count: checked once per
 * cached guide, policy and lists (the lists object is replaced whenever they are reloaded).
 * Anything found, or a check that fails, sends the guide through the masker with the body.
 */
function guideIsClean(guide: GuideEntry, policy: PiiPolicy, key: string, lists: PiiLists, options: MaskerOptions): boolean {
  if (guide.clean && guide.clean.policy === key && guide.clean.lists === lists) return true;
  if (guide.text === null) return false;
  try {
    const probe = createMasker(policy, lists, options);
    probe.maskText(guide.text);
    const found = probe.result();
    if (Object.keys(found.counts).length > 0 || found.blockedCategories.length > 0) return false;
  } catch {
    return false;
  }
  guide.clean = { policy: key, lists };
  return true;
}

/** Puts the guide first in the system prompt, in each API's own place for it. */
export function withSystemPrompt(endpoint: LlmCallInput["endpoint"], body: Record<string, unknown>, guide: string): Record<string, unknown> {
  if (endpoint === "chat") {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    return { ...body, messages: [{ role: "system", content: guide }, ...messages] };
  }
  if (endpoint === "responses") {
    const instructions = typeof body.instructions === "string" ? `${guide}\n\n${body.instructions}` : guide;
    return { ...body, instructions };
  }
  const system = body.system;
  if (Array.isArray(system)) return { ...body, system: [{ type: "text", text: guide }, ...system] };
  return { ...body, system: typeof system === "string" && system.length > 0 ? `${guide}\n\n${system}` : guide };
}

/**
 * Categories found and their counts as two parallel lists: categories are values, not keys (a
 * key named "email" or "secret" would be taken for a secret by the audit's cleaner).
 */
function piiFound(counts: Partial<Record<string, number>>) {
  const entries = Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === "number");
  return { categories: entries.map(([c]) => c), counts: entries.map(([, n]) => n) };
}
