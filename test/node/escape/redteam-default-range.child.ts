// Child of redteam-ids.test.ts: a daemon started as `palisade host run` starts it (no --id-range),
// in a mount namespace whose /etc/passwd and /etc/group hold host accounts inside the default range.
// Prints one JSON line: whether it started and which host uid the agent got.
import { mkdtemp, readlink, rm, chmod } from "node:fs/promises";
import path from "node:path";
import { startHostDaemon } from "../../../sandbox-host/src/daemon/host.js";
import { writeHostState } from "../../../sandbox-host/src/daemon/state.js";
import { AGENT_TOKEN, HOST_CREDENTIAL, ORG_ID, startEdge } from "../daemon/fake-edge.js";

const edge = await startEdge();
const stateDir = await mkdtemp("/var/tmp/r17-default-range-");
await chmod(stateDir, 0o711);
await writeHostState(stateDir, {
  edgeUrl: edge.url,
  hostId: "host_1",
  orgId: ORG_ID,
  pool: "default",
  name: "r17",
  credential: HOST_CREDENTIAL,
  enrolledAt: new Date().toISOString(),
});
let out: Record<string, unknown> = {};
try {
  const daemon = await startHostDaemon({ stateDir, log: () => undefined, workspaceQuotaBytes: 32 << 20, backoff: { baseMs: 50, maxMs: 200 } });
  const mux = await edge.mux();
  const ack = await mux.command({
    op: "sandbox.start",
    sandboxId: `r17range${process.pid}`,
    agentId: "agt_a",
    command: ["/bin/true"],
    env: {},
    agentToken: AGENT_TOKEN,
    limits: { memoryBytes: 64 << 20, pids: 16 },
  });
  await edge.waitStatus((s) => s.sandboxId === `r17range${process.pid}` && (s.state === "exited" || s.state === "failed"));
  const agentUid = Number(await readlink(path.join(stateDir, "ids", "agents", "agt_a")).catch(() => "NaN"));
  out = { started: true, ack, agentUid };
  await daemon.stop();
} catch (e) {
  out = { started: false, error: e instanceof Error ? e.message : String(e) };
}
await edge.close();
await rm(stateDir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
