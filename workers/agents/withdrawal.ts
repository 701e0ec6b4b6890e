// Ending work already running: each call in flight watches its agent's AgentWatch object and is
// aborted (upstream fetch cancelled, stream closed with a terminal event) as soon as its agent
// is suspended, its token withdrawn, or a spend limit it counts against is reached.
//
// The watch costs the hot path nothing: it starts only once a call has run for WATCH_AFTER_MS
// (the Worker var of that name, default 200 ms; calls shorter than that are over before a
// withdrawal could matter), and it is one pending RPC per call, never a round trip per chunk.
// See README.md in this folder.
import { notifyDecision } from "../autonomy/approval-waiter.js";
import { makeDb } from "../data/db.js";
import { OrgData } from "../data/org-data.js";
import { PlatformData } from "../data/platform-data.js";
import { ToolStore } from "../data/tool-store.js";
import { AppError } from "../errors.js";
import { tokenNeverLapses } from "../identity/tokens.js";
import { killSandboxesOf } from "../sandboxes/service.js";
import type { WithdrawReason } from "./agent-watch.js";
import { forgetAgents } from "./rows.js";
import { chainOf, rightsOf } from "./service.js";
import { type AgentRights, decideEgressFor } from "./rights.js";
import { egressRefusal } from "../egress/authorise.js";
import { usableTools } from "../tools/access.js";
import type { HeldCall } from "../../schema/tools.js";

/** A call still running after this long starts watching; a withdrawal reaches it within about this plus one round trip. */
export const WATCH_AFTER_MS = 200;

/** The deployment's `WATCH_AFTER_MS` var (a whole number of ms, 0 = watch from the start), else the default. */
export function watchAfterMs(env: Pick<Env, "WATCH_AFTER_MS">): number {
  const raw = env.WATCH_AFTER_MS;
  if (raw === undefined || raw.trim() === "") return WATCH_AFTER_MS;
  const ms = Number(raw);
  return Number.isInteger(ms) && ms >= 0 && ms <= 60_000 ? ms : WATCH_AFTER_MS;
}

export interface CallWatch {
  /** Aborted, with the AppError to answer, when the call must end. */
  readonly signal: AbortSignal;
  /** The call is over: stop watching. */
  end(): void;
}

const ERRORS: Record<WithdrawReason, () => AppError> = {
  agent_suspended: () => new AppError("agent_suspended", "the agent was suspended; its calls in flight were ended"),
  token_revoked: () => new AppError("unauthorized", "the agent token was revoked; its calls in flight were ended"),
  spend_limit: () => new AppError("spend_limit", "a spend limit this call counts against was reached; the call was ended"),
};

const TOKEN_LAPSED = () => new AppError("unauthorized", "the agent token expired (its sandbox session ended); its calls in flight were ended");
/** How long after a token's expiry its calls are looked at again, and the longest single wait (timers are re-armed past it). */
const LAPSE_SLACK_MS = 50;
const MAX_TIMER_MS = 60 * 60_000;

/** The AppError a withdrawn call answers with. */
export function withdrawnError(reason: WithdrawReason): AppError {
  return ERRORS[reason]();
}

const watchOf = (env: Env, agentId: string) => env.AGENT_WATCH.get(env.AGENT_WATCH.idFromName(agentId));

/**
 * Starts watching a call of `agentId` made with `tokenId` once it has run `watchAfterMs(env)`.
 * `end()` releases the wait at the agent's object (through `waitUntil`, off the answer's path).
 * `leaseTakenAt`: an LLM call drawn from the isolate's spend lease says when that lease was
 * granted, so a spend cut made after it ends the call (the lease predates the lowered limit).
 */
export function watchCall(
  env: Env,
  agentId: string,
  tokenId: string,
  waitUntil: (p: Promise<unknown>) => void,
  leaseTakenAt: number | null = null,
): CallWatch {
  const controller = new AbortController();
  const callId = crypto.randomUUID();
  let ended = false;
  let stub: ReturnType<typeof watchOf> | null = null;
  const loop = async () => {
    stub = watchOf(env, agentId);
    while (!ended) {
      const outcome = await stub.wait(tokenId, callId, leaseTakenAt).catch(() => null);
      if (ended) return;
      // An unreachable watch object is retried after a pause rather than failing the call.
      if (outcome === null) {
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (outcome.withdrawn) {
        controller.abort(withdrawnError(outcome.reason));
        return;
      }
    }
  };
  // A token that lapses (a sandbox session's, when its host stops renewing it) ends its calls too: nothing revokes it,
  // so the watch reads its expiry and looks again when it comes (a renewal moves it on).
  let lapseTimer: ReturnType<typeof setTimeout> | undefined;
  const watchLapse = async () => {
    if (tokenNeverLapses(tokenId)) return;
    const token = await new PlatformData(makeDb(env.DB)).tokenLifetime(tokenId).catch(() => undefined);
    // A revoked token's calls are ended by the agent's watch object (with its reason); a token that never lapses has none.
    if (ended || token === undefined || token.revokedAt !== null || token.expiresAt === null) return;
    const now = Date.now();
    if (token.expiresAt <= now) {
      controller.abort(TOKEN_LAPSED());
      return;
    }
    lapseTimer = setTimeout(() => void watchLapse(), Math.min(token.expiresAt - now + LAPSE_SLACK_MS, MAX_TIMER_MS));
  };
  const timer = setTimeout(() => {
    void loop();
    void watchLapse();
  }, watchAfterMs(env));
  return {
    signal: controller.signal,
    end() {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      clearTimeout(lapseTimer);
      // Only a call that started waiting has something to release (the same stub keeps the order).
      if (stub && !controller.signal.aborted) waitUntil(stub.release(callId).catch(() => {}));
    },
  };
}

/** Ends the calls in flight of these agents (all of them, or only those made with the given tokens). */
export async function withdrawCalls(env: Env, agentIds: string[], what: { reason: WithdrawReason; tokenIds?: string[] }): Promise<number> {
  const woken = await Promise.all(
    agentIds.map((id) =>
      watchOf(env, id)
        .withdraw(what)
        .catch(() => 0),
    ),
  );
  return woken.reduce((a, b) => a + b, 0);
}

/**
 * A spend limit the agents' calls count against was passed (it was lowered below what is spent
 * and held): their calls in flight end with 429 spend_limit and their sandboxes are killed.
 * Later calls are refused by the limit itself, and those an isolate still draws from a lease
 * granted before the cut end as soon as they start watching (AgentWatch remembers the cut).
 */
export async function cutOverLimit(env: Env, orgId: string, agentIds: string[], waitUntil: (p: Promise<unknown>) => void) {
  await withdrawCalls(env, agentIds, { reason: "spend_limit" });
  waitUntil(killSandboxesOf(env, orgId, agentIds, "spend limit reached"));
}

/** Lets the agents' new calls run again after a suspension. */
export async function resumeCalls(env: Env, agentIds: string[]): Promise<void> {
  await Promise.all(agentIds.map((id) => watchOf(env, id).resume()));
}

/** The AppError carried by an aborted signal, if the abort was a withdrawal. */
export function withdrawalOf(signal: AbortSignal | undefined): AppError | null {
  return signal?.aborted && signal.reason instanceof AppError ? signal.reason : null;
}

/**
 * Denies the held approvals of the agents, of calls made with the given tokens, of the given
 * approvals, or of the whole org, and wakes their waiting calls. A decision made first wins: a
 * later approve answers 409. Returns how many were denied.
 */
export async function denyHeldApprovals(
  env: Env,
  orgId: string,
  which: Parameters<ToolStore["denyPendingApprovals"]>[0],
  why: string,
): Promise<number> {
  const denied = await new ToolStore(makeDb(env.DB), orgId).denyPendingApprovals(which, why);
  await Promise.all(denied.map((a) => notifyDecision(env, a.id, "denied").catch(() => undefined)));
  return denied.length;
}

/**
 * Whether a call made with this token may still act now, read from D1 (no cache): the token is
 * live and the agent's, and the agent, its parent and its org may act. Null if so, else the
 * error to answer. Run after anything that made a call wait (an approval) and right before it
 * executes, so a withdrawal during the wait is never outrun.
 */
export async function withdrawnSince(env: Env, orgId: string, agentId: string, tokenId: string): Promise<AppError | null> {
  const found = await liveTokenAgent(env, orgId, agentId, tokenId);
  if (found instanceof AppError) return found;
  const chain = await chainOf(env, found, { fresh: true });
  if (!chain.ok) return withdrawnError(chain.code === "suspended" ? "agent_suspended" : "token_revoked");
  return null;
}

/** The agent's row from D1 while the token is live and the agent's, else the error its calls answer. */
async function liveTokenAgent(env: Env, orgId: string, agentId: string, tokenId: string) {
  const data = new OrgData(makeDb(env.DB), orgId);
  const [token, agent] = await Promise.all([data.token("agent", tokenId), data.agent(agentId)]);
  const live = token && token.subjectId === agentId && token.revokedAt === null && (token.expiresAt === null || token.expiresAt > Date.now());
  return live && agent ? agent : withdrawnError("token_revoked");
}

/**
 * The agent's row and rights as they are now, read from D1 past every cache (withdrawnSince's checks), or the error a call
 * made with this token answers: for a decision that must not act on rights read before a withdrawal, an edit or a move.
 */
export async function currentRights(env: Env, orgId: string, agentId: string, tokenId: string): Promise<AppError | AgentRights> {
  // The token and row once; rightsOf's fresh chain is withdrawnSince's check.
  const agent = await liveTokenAgent(env, orgId, agentId, tokenId);
  if (agent instanceof AppError) return agent;
  const result = await rightsOf(env, agent, { fresh: true });
  if (!result.ok) return withdrawnError(result.code === "suspended" ? "agent_suspended" : "token_revoked");
  return result.rights;
}

/**
 * Whether a held call may still run now, decided fresh (D1, no cache) by the same checks its entry
 * point ran: the token and chain (withdrawnSince), then the agent's rights recomputed — egress
 * needs an allow rule for the method (and any override); a tool must still exist, be granted and
 * allowed along the chain, with its destination not denied. Null if it may, else the error to
 * answer. Run when a person approves it and again right before it executes.
 */
export async function heldCallRefusal(env: Env, orgId: string, agentId: string, tokenId: string, call: HeldCall): Promise<AppError | null> {
  const result = await currentRights(env, orgId, agentId, tokenId);
  if (result instanceof AppError) return result;
  const url = new URL(call.url ?? "https://invalid.invalid/");
  if (call.kind === "egress") {
    for (const method of call.override && call.override !== call.method ? [call.method, call.override] : [call.method]) {
      const refusal = egressRefusal("egress", decideEgressFor(result, { method, url }));
      if (refusal) return refusal;
    }
    return null;
  }
  const tool = (await usableTools(env, result)).find((t) => t.id === call.toolId);
  if (!tool) return new AppError("not_found", "the tool was removed or is no longer granted to this agent");
  return call.url === null ? null : egressRefusal("tool", decideEgressFor(result, { method: call.method, url }));
}

/** Resolves with `work`, or rejects with the withdrawal's error as soon as `signal` is aborted. */
export function unlessWithdrawn<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  const withdrawn = () => withdrawalOf(signal) ?? new AppError("unauthorized", "the call was withdrawn");
  if (signal.aborted) return Promise.reject(withdrawn());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(withdrawn());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A sandbox session ended and these tokens of it were revoked: their calls in flight and held
 * approvals end, and the subagents minted with the session (their only token was bound to it)
 * stop as revoked agents do, their own sandboxes included.
 */
export async function endSessionWork(
  env: Env,
  orgId: string,
  sessionAgentId: string,
  revoked: Array<{ id: string; subjectId: string }>,
  why: string,
): Promise<void> {
  if (revoked.length === 0) return;
  const tokenIds = revoked.map((t) => t.id);
  const agentIds = [...new Set(revoked.map((t) => t.subjectId))];
  const minted = agentIds.filter((id) => id !== sessionAgentId);
  if (minted.length) {
    await new OrgData(makeDb(env.DB), orgId).setAgentStatus(minted, "revoked");
    forgetAgents(minted);
  }
  await withdrawCalls(env, agentIds, { reason: "token_revoked", tokenIds });
  await denyHeldApprovals(env, orgId, { tokenIds }, why);
  if (minted.length) await killSandboxesOf(env, orgId, minted, why);
}
