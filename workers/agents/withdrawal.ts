// Ending work already running: each call in flight watches its agent's AgentWatch object and is
// aborted (upstream fetch cancelled, stream closed with a terminal event) as soon as its agent
// is suspended, its token withdrawn, or a spend limit it counts against is reached.
//
// The watch costs the hot path nothing: it starts only once a call has run for WATCH_AFTER_MS
// (the Worker var of that name, default 200 ms; calls shorter than that are over before a
// withdrawal could matter), and it is one pending RPC per call, never a round trip per chunk.
// See README.md in this folder.
import { AppError } from "../errors.js";
import { killSandboxesOf } from "../sandboxes/service.js";
import type { WithdrawReason } from "./agent-watch.js";

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

/** The AppError a withdrawn call answers with. */
export function withdrawnError(reason: WithdrawReason): AppError {
  return ERRORS[reason]();
}

const watchOf = (env: Env, agentId: string) => env.AGENT_WATCH.get(env.AGENT_WATCH.idFromName(agentId));

/**
 * Starts watching a call of `agentId` made with `tokenId` once it has run `watchAfterMs(env)`.
 * `end()` releases the wait at the agent's object (through `waitUntil`, off the answer's path).
 */
export function watchCall(env: Env, agentId: string, tokenId: string, waitUntil: (p: Promise<unknown>) => void): CallWatch {
  const controller = new AbortController();
  const callId = crypto.randomUUID();
  let ended = false;
  let stub: ReturnType<typeof watchOf> | null = null;
  const loop = async () => {
    stub = watchOf(env, agentId);
    while (!ended) {
      const outcome = await stub.wait(tokenId, callId).catch(() => null);
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
  const timer = setTimeout(() => void loop(), watchAfterMs(env));
  return {
    signal: controller.signal,
    end() {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
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
 * Later calls are refused by the limit itself.
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
