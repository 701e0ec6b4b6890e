// The launched-sandbox handle (process.ts): a SIGKILL ends the sandbox at once even when its
// launcher has not joined the sandbox's cgroup yet (a microvm or gVisor start killed during boot).
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SandboxCgroup } from "../../../sandbox-host/src/sandbox/cgroups.js";
import { launch } from "../../../sandbox-host/src/sandbox/process.js";

/** A cgroup the launcher never joined: signalling it reaches nobody. */
function unjoinedCgroup(): SandboxCgroup {
  return {
    signalAll: () => Promise.resolve(0),
    oomKilled: () => Promise.resolve(false),
    destroy: () => Promise.resolve(),
    procsFiles: [],
  } as unknown as SandboxCgroup;
}

/** A sleeping launcher run the way gVisor and the microvm run theirs: soft signals go through the runtime only. */
async function launchSleep(id: string) {
  const softSignals: string[] = [];
  const sandbox = await launch({
    id,
    file: "/bin/sleep",
    args: ["600"],
    env: {},
    cgroup: unjoinedCgroup(),
    softSignalsThroughKillAll: true,
    killAll: (signal) => {
      if (signal !== "SIGKILL") softSignals.push(signal);
    },
  });
  return { sandbox, softSignals };
}

describe("launched sandbox kill", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a SIGKILL reaches a launcher that runs the sandbox but is not in its cgroup yet", async () => {
    // Fake timers hold back the kill's delayed fallback: only an immediate kill can end the launcher.
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const { sandbox, softSignals } = await launchSleep("kill-before-join");
    sandbox.kill("SIGKILL");
    const exit = await sandbox.wait();
    expect(exit.signal).toBe("SIGKILL");
    expect(softSignals).toEqual([]);
  });

  it("a soft signal goes only through the runtime, not to the launcher", async () => {
    const { sandbox, softSignals } = await launchSleep("soft-through-runtime");
    sandbox.kill("SIGTERM", 50);
    const exit = await sandbox.wait();
    expect(softSignals).toEqual(["SIGTERM"]);
    // sleep ignores nothing, but the runtime was the only one told: the grace period's SIGKILL ended it.
    expect(exit.signal).toBe("SIGKILL");
  });
});
