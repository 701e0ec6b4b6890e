// Child of redteam-orphan.test.ts: a host daemon as `palisade host run --driver oci` runs it (its
// ids in <state>/ids), one long sandbox started over the tunnel; then it waits to be killed.
// argv: stateDir agentId sandboxId. Prints one JSON line once the sandbox runs.
import { startHostDaemon } from "../../../sandbox-host/src/daemon/host.js";
import { writeHostState } from "../../../sandbox-host/src/daemon/state.js";
import { AGENT_TOKEN, HOST_CREDENTIAL, ORG_ID, startEdge } from "../daemon/fake-edge.js";

const [stateDir, agentId, sandboxId] = process.argv.slice(2) as [string, string, string];
const edge = await startEdge();
await writeHostState(stateDir, {
  edgeUrl: edge.url,
  hostId: "host_1",
  orgId: ORG_ID,
  pool: "default",
  name: "r17",
  credential: HOST_CREDENTIAL,
  enrolledAt: new Date().toISOString(),
});
await startHostDaemon({ stateDir, driver: "oci", log: () => undefined, workspaceQuotaBytes: 32 << 20, backoff: { baseMs: 50, maxMs: 200 } });
const ack = await (await edge.mux()).command({
  op: "sandbox.start",
  sandboxId,
  agentId,
  command: ["/bin/sleep", "300"],
  env: {},
  agentToken: AGENT_TOKEN,
  limits: { memoryBytes: 64 << 20, pids: 16 },
});
await edge.waitStatus((s) => s.sandboxId === sandboxId && s.state === "running");
process.stdout.write(`${JSON.stringify({ ack })}\n`);
setInterval(() => undefined, 60_000);
