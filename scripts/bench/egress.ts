// Egress gateway overhead: the same local target fetched directly and through /egress/, in one run.
import { startTargetServer } from "../../test/support/target-server.js";
import { api, benchOrg, type Edge } from "./edge.js";
import { load, sequential } from "./stats.js";

export async function benchEgress(
  edge: Edge & { directUrl?(worker: string): Promise<string> },
  options: { iterations: number; durationSec: number },
) {
  const target = await startTargetServer();
  try {
    const boot = await benchOrg(edge);
    const org = boot.orgId;
    await api(edge, "POST", `/api/v1/orgs/${org}/credentials`, boot.apiKey, {
      name: "tok",
      secret: "bench-secret-token-value",
      inject: { type: "bearer" },
    });
    const policy = await api(edge, "POST", `/api/v1/orgs/${org}/policies`, boot.apiKey, {
      name: "bench",
      // The target is local plain HTTP, so the rule allows its credential over http.
      egress: [{ host: "127.0.0.1", ports: [target.port], methods: ["GET"], paths: ["/repos/**"], credential: "tok", credentialOverHttp: true }],
    });
    const agent = await api(edge, "POST", `/api/v1/orgs/${org}/agents`, boot.apiKey, { name: "bench-agent" });
    await api(edge, "POST", `/api/v1/orgs/${org}/policies/${policy.id}/attach`, boot.apiKey, { scope: "agent", id: agent.id });
    const direct = `${target.url}/repos/acme/widgets`;
    const viaEdge = `${edge.url}/egress/${direct}`;
    const auth = { authorization: `Bearer ${agent.token}` };
    // Keep the target from growing an unbounded request log during the run.
    const trim = setInterval(() => target.requests.splice(0, target.requests.length), 1000);

    const directLatency = await sequential(async () => (await fetch(direct)).arrayBuffer(), { iterations: options.iterations });
    // The same workerd forwarding without any work of its own (edge.ts relayWorker): the floor.
    const relay = edge.directUrl ? await edge.directUrl("relay").catch(() => undefined) : undefined;
    const relayHeaders = { "x-relay-to": direct };
    const relayLatency = relay
      ? await sequential(async () => (await fetch(`${relay}/`, { headers: relayHeaders })).arrayBuffer(), { iterations: options.iterations })
      : undefined;
    const edgeLatency = await sequential(
      async () => {
        const r = await fetch(viaEdge, { headers: auth });
        if (r.status !== 200) throw new Error(`egress answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
        await r.arrayBuffer();
      },
      { iterations: options.iterations },
    );
    const directLoad = await load({ url: direct, durationSec: options.durationSec });
    const edgeLoad = await load({ url: viaEdge, headers: auth, durationSec: options.durationSec });
    const relayLoad = relay ? await load({ url: `${relay}/`, headers: relayHeaders, durationSec: options.durationSec }) : undefined;
    clearInterval(trim);
    return {
      direct: { latency: directLatency, load: directLoad },
      palisade: { latency: edgeLatency, load: edgeLoad },
      addedP50Ms: Math.round((edgeLatency.p50 - directLatency.p50) * 1000) / 1000,
      addedP99Ms: Math.round((edgeLatency.p99 - directLatency.p99) * 1000) / 1000,
      ...(relayLatency && relayLoad
        ? { relay: { latency: relayLatency, load: relayLoad, addedP50Ms: Math.round((relayLatency.p50 - directLatency.p50) * 1000) / 1000 } }
        : {}),
      target: "p50 overhead < 2 ms",
    };
  } finally {
    await target.close();
  }
}
