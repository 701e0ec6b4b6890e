// Child of restart.test.ts: a host daemon (`palisade host run --driver <driver>`) that starts one long
// sandbox over the tunnel, prints one JSON line once it runs, then waits to be killed.
// argv: stateDir driver sandboxId
import { startHostDaemon } from "../../../sandbox-host/src/daemon/host.js";
import { writeHostState } from "../../../sandbox-host/src/daemon/state.js";
import { AGENT_TOKEN, HOST_CREDENTIAL, ORG_ID, startEdge } from "./fake-edge.js";

const [stateDir, driver, sandboxId] = process.argv.slice(2) as [string, "bwrap" | "oci" | "gvisor", string];
const edge = await startEdge();
await writeHostState(stateDir, {
  edgeUrl: edge.url,
  hostId: "host_1",
  orgId: ORG_ID,
  pool: "default",
  name: "restart",
  credential: HOST_CREDENTIAL,
  enrolledAt: new Date().toISOString(),
});
await startHostDaemon({ stateDir, driver, log: () => undefined, workspaceQuotaBytes: 32 << 20, backoff: { baseMs: 50, maxMs: 200 } });
const ack = await (await edge.mux()).command({
  op: "sandbox.start",
  sandboxId,
  agentId: "agt_before_restart",
  command: ["/bin/sh", "-c", "exec /bin/sleep 311"],
  env: {},
  agentToken: AGENT_TOKEN,
  limits: { memoryBytes: 64 << 20, pids: 16 },
  // The edge names the level; gvisor gives only its own.
  ...(driver === "gvisor" ? { isolation: "gvisor" as const } : {}),
});
await edge.waitStatus((s) => s.sandboxId === sandboxId && s.state === "running");
process.stdout.write(`${JSON.stringify({ ack })}\n`);
setInterval(() => undefined, 60_000);
