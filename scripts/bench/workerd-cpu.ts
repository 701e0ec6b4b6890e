// CPU time used so far by the workerd processes started under this Node process, from /proc
// (user and system, in ms): the machine is shared, so CPU per operation says more than wall time.
import { readdirSync, readFileSync } from "node:fs";

export function workerdCpu(): { userMs: number; sysMs: number } | null {
  try {
    const procs = new Map<number, { ppid: number; comm: string; user: number; sys: number }>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const close = stat.lastIndexOf(")");
        const fields = stat.slice(close + 2).split(" ");
        procs.set(Number(entry), {
          comm: stat.slice(stat.indexOf("(") + 1, close),
          ppid: Number(fields[1]),
          user: Number(fields[11]),
          sys: Number(fields[12]),
        });
      } catch {
        // the process ended while we looked
      }
    }
    const mine = (pid: number): boolean => {
      for (let p = procs.get(pid)?.ppid; p; p = procs.get(p)?.ppid) if (p === process.pid) return true;
      return false;
    };
    let user = 0;
    let sys = 0;
    for (const [pid, p] of procs) {
      if (p.comm !== "workerd" || !mine(pid)) continue;
      user += p.user;
      sys += p.sys;
    }
    // USER_HZ is 100 on Linux.
    return { userMs: user * 10, sysMs: sys * 10 };
  } catch {
    return null;
  }
}

/**
 * Waits until the workerd processes are nearly idle: a load phase leaves background work (audit
 * events and ledger rows still going to D1) that would otherwise run during the next phase.
 * Returns the milliseconds waited (at most maxMs; without /proc it does not wait).
 */
export async function workerdQuiet(maxMs = 15_000, windowMs = 300, idleShare = 0.03): Promise<number> {
  const started = performance.now();
  for (;;) {
    const before = workerdCpu();
    if (before === null) return 0;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const after = workerdCpu();
    if (after === null) return 0;
    const busy = after.userMs + after.sysMs - before.userMs - before.sysMs;
    const waited = performance.now() - started;
    if (busy <= windowMs * idleShare || waited >= maxMs) return Math.round(waited);
  }
}
