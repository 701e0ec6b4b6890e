// Durable Object, one per agent: the place where calls in flight learn, within a round trip,
// that their agent was suspended or their token withdrawn. Each watched call waits here (a
// pending RPC, like an approval) until it is over (release) or withdrawn; a withdrawal wakes the
// matching waiters at once.
import { DurableObject } from "cloudflare:workers";

export type WatchOutcome = { withdrawn: false } | { withdrawn: true; reason: WithdrawReason };
export type WithdrawReason = "agent_suspended" | "token_revoked" | "spend_limit";

/** A waiter answers `{withdrawn: false}` after this long; a call still running waits again. */
export const WATCH_WINDOW_MS = 60_000;
/** Withdrawn token ids are remembered this long, so a watch that starts late still sees them. */
const TOKEN_MEMORY_MS = 10 * 60_000;

interface Waiter {
  tokenId: string;
  wake: (outcome: WatchOutcome) => void;
}

export class AgentWatch extends DurableObject<Env> {
  /** By call id: a caller that goes away does not end its pending RPC here, so each call releases its own. */
  #waiters = new Map<string, Waiter>();
  #suspended: boolean | undefined;
  #revoked = new Map<string, number>();

  async #isSuspended(): Promise<boolean> {
    this.#suspended ??= (await this.ctx.storage.get<boolean>("suspended")) === true;
    return this.#suspended;
  }

  #tokenWithdrawn(tokenId: string): boolean {
    const until = this.#revoked.get(tokenId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#revoked.delete(tokenId);
    return false;
  }

  /** Resolves when the agent is suspended or this token withdrawn (at once if it already is), else when released or after the window. */
  async wait(tokenId: string, callId: string, windowMs = WATCH_WINDOW_MS): Promise<WatchOutcome> {
    if (await this.#isSuspended()) return { withdrawn: true, reason: "agent_suspended" };
    if (this.#tokenWithdrawn(tokenId)) return { withdrawn: true, reason: "token_revoked" };
    return new Promise<WatchOutcome>((resolve) => {
      const waiter: Waiter = {
        tokenId,
        wake: (outcome) => {
          clearTimeout(timer);
          if (this.#waiters.get(callId) === waiter) this.#waiters.delete(callId);
          resolve(outcome);
        },
      };
      const timer = setTimeout(() => waiter.wake({ withdrawn: false }), Math.min(Math.max(0, windowMs), WATCH_WINDOW_MS));
      this.#waiters.get(callId)?.wake({ withdrawn: false });
      this.#waiters.set(callId, waiter);
    });
  }

  /** The call is over: it stops waiting, so it is neither kept for the window nor counted by a withdrawal. */
  async release(callId: string): Promise<void> {
    this.#waiters.get(callId)?.wake({ withdrawn: false });
  }

  /**
   * Ends the agent's calls in flight: all of them (a suspension, which also refuses later
   * watches until resumed; or a reached spend limit, which does not), or only those made with
   * the given tokens (revocation). Returns how many calls were woken.
   */
  async withdraw(what: { reason: WithdrawReason; tokenIds?: string[] | undefined }): Promise<number> {
    if (what.reason === "agent_suspended") {
      this.#suspended = true;
      await this.ctx.storage.put("suspended", true);
    }
    const tokens = what.tokenIds ? new Set(what.tokenIds) : null;
    if (tokens) for (const id of tokens) this.#revoked.set(id, Date.now() + TOKEN_MEMORY_MS);
    let woken = 0;
    for (const waiter of [...this.#waiters.values()]) {
      if (tokens && !tokens.has(waiter.tokenId)) continue;
      waiter.wake({ withdrawn: true, reason: what.reason });
      woken++;
    }
    return woken;
  }

  async resume(): Promise<void> {
    this.#suspended = false;
    await this.ctx.storage.delete("suspended");
  }
}
