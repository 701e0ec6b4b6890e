// Durable Object, one per approval: holds the waiting call without polling D1 and wakes it when a user decides.
import { DurableObject } from "cloudflare:workers";

export type WaitOutcome = "approved" | "denied" | "timeout";
type Decision = "approved" | "denied";

/** A decision is kept this long after it is made, then the object clears its storage. */
const KEEP_MS = 60 * 60 * 1000;

export class ApprovalWaiter extends DurableObject<Env> {
  private waiters = new Set<(outcome: Decision) => void>();

  /** Resolves with the decision, or "timeout" after timeoutMs; a decision made earlier returns at once. */
  async wait(timeoutMs: number): Promise<WaitOutcome> {
    const decided = await this.ctx.storage.get<Decision>("decision");
    if (decided) return decided;
    return new Promise<WaitOutcome>((resolve) => {
      const waiter = (outcome: Decision) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(outcome);
      };
      const timer = setTimeout(
        () => {
          this.waiters.delete(waiter);
          resolve("timeout");
        },
        Math.max(0, timeoutMs),
      );
      this.waiters.add(waiter);
    });
  }

  async decide(decision: Decision): Promise<void> {
    await this.ctx.storage.put("decision", decision);
    await this.ctx.storage.setAlarm(Date.now() + KEEP_MS);
    for (const waiter of [...this.waiters]) waiter(decision);
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

/** Wakes the held call after a decision (D1 already updated). */
export async function notifyDecision(env: Env, approvalId: string, decision: Decision) {
  await env.APPROVALS.get(env.APPROVALS.idFromName(approvalId)).decide(decision);
}
