// A real host daemon (tunnel, proxy, workspaces, driver) against the local fake edge, for escape tests.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { SandboxStartCommand, SandboxStatus } from "../../../schema/tunnel.js";
import { type HostDaemon, startHostDaemon } from "../../../sandbox-host/src/daemon/host.js";
import { writeHostState } from "../../../sandbox-host/src/daemon/state.js";
import { ImageStore } from "../../../sandbox-host/src/images/store.js";
import type { SandboxDriver } from "../../../sandbox-host/src/sandbox/types.js";
import { writeOciLayout } from "../../support/images.js";
import { AGENT_TOKEN, type FakeEdge, HOST_CREDENTIAL, ORG_ID, startEdge } from "../daemon/fake-edge.js";

export interface TestHost {
  edge: FakeEdge;
  daemon: HostDaemon;
  stateDir: string;
  /** Starts a command over the tunnel and resolves with its final status. */
  run(agentId: string, command: string[], over?: Partial<SandboxStartCommand>): Promise<SandboxStatus & { ack: unknown }>;
  /** Starts a command and resolves with the ack only (the sandbox keeps running). */
  start(agentId: string, command: string[], over?: Partial<SandboxStartCommand>): Promise<{ sandboxId: string; ack: unknown }>;
  stop(): Promise<void>;
}

let seq = 0;

export interface TestHostOptions {
  /** Where the state dir goes (below /tmp is the layout that used to copy the CA into workspaces). */
  stateDirParent?: string;
  workspaceQuotaBytes?: number;
  /** An image layer (tar) imported on the host as `escape-tools:1`, which every command then runs (microvm). */
  imageLayer?: Buffer;
}

export async function startTestHost(driver: SandboxDriver, opts: TestHostOptions = {}): Promise<TestHost> {
  const edge = await startEdge();
  const stateDir = await mkdtemp(path.join(opts.stateDirParent ?? "/var/tmp", "palisade-escape-host-"));
  await chmod(stateDir, 0o711);
  await writeHostState(stateDir, {
    edgeUrl: edge.url,
    hostId: "host_1",
    orgId: ORG_ID,
    pool: "default",
    name: "escape-test",
    credential: HOST_CREDENTIAL,
    enrolledAt: new Date().toISOString(),
  });
  const daemon = await startHostDaemon({
    stateDir,
    driverInstance: driver,
    log: () => undefined,
    backoff: { baseMs: 50, maxMs: 200 },
    ...(opts.workspaceQuotaBytes === undefined ? {} : { workspaceQuotaBytes: opts.workspaceQuotaBytes }),
  });
  await edge.mux();
  let image: string | undefined;
  if (opts.imageLayer) {
    const layout = path.join(stateDir, "tools-layout");
    await writeOciLayout(layout, [opts.imageLayer], { name: "escape-tools:1", env: ["PATH=/usr/bin:/bin:/usr/sbin:/sbin", "PERL_BADLANG=0"] });
    await new ImageStore(path.join(stateDir, "images")).import(layout, { names: ["escape-tools:1"] });
    image = "escape-tools:1";
  }
  const command = (agentId: string, cmd: string[], over: Partial<SandboxStartCommand>): SandboxStartCommand => ({
    op: "sandbox.start",
    sandboxId: `esc${process.pid}-${++seq}`,
    agentId,
    command: cmd,
    env: {},
    agentToken: AGENT_TOKEN,
    limits: { memoryBytes: 256 << 20, pids: 128 },
    // The edge names the level; the one this host's driver gives.
    isolation: driver.isolation,
    ...(image ? { image } : {}),
    ...over,
  });
  const start = async (agentId: string, cmd: string[], over: Partial<SandboxStartCommand> = {}) => {
    const c = command(agentId, cmd, over);
    const ack = await (await edge.mux()).command(c);
    return { sandboxId: c.sandboxId, ack };
  };
  return {
    edge,
    daemon,
    stateDir,
    start,
    run: async (agentId, cmd, over = {}) => {
      const { sandboxId, ack } = await start(agentId, cmd, over);
      if (!(ack as { ok?: boolean }).ok) return { sandboxId, state: "failed", at: Date.now(), ack };
      const end = await edge.waitStatus((s) => s.sandboxId === sandboxId && (s.state === "exited" || s.state === "failed"));
      return { ...end, ack };
    },
    stop: async () => {
      await daemon.stop();
      await edge.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
