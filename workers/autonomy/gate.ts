// The approval gate: a call that needs a human at the agent's autonomy level is recorded as an
// approval and held (on its Durable Object) until a user approves, denies, or it expires.
import { recordAudit } from "../audit/audit.js";
import { makeDb } from "../data/db.js";
import type { AgentRights } from "../agents/rights.js";
import { HeldCallSchema, type HeldCall } from "../../schema/tools.js";
import { denyHeldApprovals, heldCallRefusal, unlessWithdrawn, withdrawalOf, withdrawnSince } from "../agents/withdrawal.js";
import { type ApprovalRow, ToolStore } from "../data/tool-store.js";
import { AppError } from "../errors.js";
import { notifyDecision } from "./approval-waiter.js";
import { type GateSubject, approvalReason } from "./levels.js";

export interface GateContext {
  env: Env;
  rights: AgentRights;
  /** The token the call was made with: withdrawing it denies the call's approval. */
  tokenId: string;
  traceId: string;
  /** The call's watch (workers/agents/withdrawal.ts): a withdrawal ends the wait at once. */
  withdrawn?: AbortSignal | undefined;
  waitUntil(promise: Promise<unknown>): void;
}

export interface GateResult {
  level: number;
  /** Set when the call waited and was approved. */
  approvalId?: string;
}

function subjectText(subject: GateSubject, target?: string): string {
  return subject.kind === "tool" ? subject.tool : `${subject.method} ${target ?? subject.host}`;
}

/**
 * Lets the call through at once, or holds it until decided. Throws approval_denied or
 * approval_expired; never runs for a call that policy already refused (callers check policy first).
 * `call` is what will run: an approved call is decided again from it (heldCallRefusal) when approved
 * and before it runs. `target` is a safe description for the approver (host and path, never a query string).
 */
export async function passGate(
  ctx: GateContext,
  subject: GateSubject,
  call: HeldCall,
  details: Record<string, unknown> = {},
  target?: string,
): Promise<GateResult> {
  const { level, gate: settings, agent } = ctx.rights;
  const reason = approvalReason(level, subject, settings);
  if (reason === null) return { level };

  const store = new ToolStore(makeDb(ctx.env.DB), agent.orgId);
  const row = await store.insertApproval({
    agentId: agent.id,
    kind: subject.kind,
    subject: subjectText(subject, target),
    details: JSON.stringify({ ...details, level, reason, call }),
    expiresAt: Date.now() + settings.timeoutMs,
    traceId: ctx.traceId,
    tokenId: ctx.tokenId,
  });
  if (!row) throw new AppError("internal", "approval insert returned nothing");
  await audit(ctx, row, "approval.request", "success", reason);

  const stub = ctx.env.APPROVALS.get(ctx.env.APPROVALS.idFromName(row.id));
  let outcome: Awaited<ReturnType<typeof stub.wait>>;
  try {
    outcome = await unlessWithdrawn(stub.wait(row.expiresAt - Date.now()), ctx.withdrawn);
  } catch (error) {
    // The call was withdrawn while it waited: its approval is denied (unless decided first) and the call ends.
    const withdrawal = withdrawalOf(ctx.withdrawn);
    if (!withdrawal) throw error;
    await denyHeldApprovals(ctx.env, agent.orgId, { ids: [row.id] }, `withdrawn: ${withdrawal.code}`);
    await audit(ctx, row, "approval.refused_call", "denied", `withdrawn:${withdrawal.code}`);
    throw withdrawal;
  }
  // D1 is the source of truth: a decision racing the timeout is settled by the conditional update.
  let final: ApprovalRow | undefined = outcome === "timeout" ? await store.expireApproval(row.id) : undefined;
  final ??= await store.approval(row.id);
  const status = final?.status ?? "expired";
  if (status === "approved") {
    // The wait may have outlived the call's right to act (token, chain, policy, tool grant):
    // decided again, from D1, right before it runs.
    const refusal = await heldCallRefusal(ctx.env, agent.orgId, agent.id, ctx.tokenId, call);
    if (refusal) {
      await audit(ctx, row, "approval.refused_call", "denied", `withdrawn:${refusal.code}`);
      throw refusal;
    }
    return { level, approvalId: row.id };
  }
  if (status === "denied") {
    // Denied by the platform (no person decided): the withdrawal that caused it is the answer.
    const withdrawn =
      withdrawalOf(ctx.withdrawn) ?? (final?.decidedBy ? null : await heldCallRefusal(ctx.env, agent.orgId, agent.id, ctx.tokenId, call));
    if (withdrawn) {
      await audit(ctx, row, "approval.refused_call", "denied", `withdrawn:${withdrawn.code}`);
      throw withdrawn;
    }
    await audit(ctx, row, "approval.refused_call", "denied", "approval:denied");
    throw new AppError("approval_denied", `a person denied this call (approval ${row.id})`, { details: { approvalId: row.id } });
  }
  // Still "pending" here means the wait ended early (object reset): treat as expired, fail closed.
  if (status === "pending") await store.expireApproval(row.id, row.expiresAt);
  await audit(ctx, row, "approval.expire", "denied", "approval:expired");
  throw new AppError(
    "approval_expired",
    `nobody approved this call within ${Math.round(settings.timeoutMs / 1000)} s (approval ${row.id}); ask a person to approve it and retry`,
    {
      details: { approvalId: row.id },
    },
  );
}

function audit(ctx: GateContext, row: ApprovalRow, action: string, result: "success" | "denied", reason: string) {
  return recordAudit(ctx.env, {
    orgId: ctx.rights.agent.orgId,
    actor: { type: "agent", id: ctx.rights.agent.id },
    action,
    resource: { type: "approval", id: row.id },
    result,
    reason,
    traceId: ctx.traceId,
    details: { kind: row.kind, subject: row.subject },
  });
}

/**
 * A person's decision on a held call: recorded if the approval is still pending and unexpired
 * (the first decision wins; undefined otherwise), then the call is woken. An approval whose call
 * may no longer run (its token was withdrawn, its agent suspended, its policy, tool or grant
 * changed: heldCallRefusal) is denied instead, and the approver gets undefined too: there is
 * nothing left to approve.
 */
export async function decideHeldCall(
  env: Env,
  store: ToolStore,
  row: ApprovalRow,
  decision: "approved" | "denied",
  userId: string,
  reason: string | null,
): Promise<ApprovalRow | undefined> {
  if (decision === "approved" && row.tokenId) {
    const call = heldCallOf(row);
    const refusal = call
      ? await heldCallRefusal(env, row.orgId, row.agentId, row.tokenId, call)
      : await withdrawnSince(env, row.orgId, row.agentId, row.tokenId);
    if (refusal) {
      await denyHeldApprovals(env, row.orgId, { ids: [row.id] }, `no longer allowed: ${refusal.code}`);
      return undefined;
    }
  }
  const decided = await store.decideApproval(row.id, decision, userId, reason);
  if (decided) await notifyDecision(env, row.id, decision);
  return decided;
}

/** The held call stored with an approval, if it has one (approvals recorded before it was kept have none). */
function heldCallOf(row: ApprovalRow): HeldCall | null {
  if (!row.details) return null;
  try {
    const parsed = HeldCallSchema.safeParse((JSON.parse(row.details) as { call?: unknown }).call);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
