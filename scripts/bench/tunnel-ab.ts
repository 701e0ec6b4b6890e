// Two checkouts' tunnels (the edge's EdgeMux and the host's TunnelClient, each through a local
// WebSocket) in one process, small GETs in alternating rounds: CPU per request and req/s, medians.
// On a shared machine the ratio holds where bench:tunnel's figures move between runs.
//   npx tsx scripts/bench/tunnel-ab.ts <other checkout> [rounds]
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const [otherDir, roundsArg] = process.argv.slice(2);
if (!otherDir) throw new Error("usage: tunnel-ab.ts <other checkout> [rounds]");
const rounds = Number(roundsArg ?? 8);
const REQUESTS = 6000;
const CONCURRENCY = 64;
const CRED = "pal_hostcred_bench";

const target = http.createServer((_req, res) => void res.writeHead(200, { "content-type": "text/plain" }).end("ok"));
await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;

/** One checkout's tunnel, connected; returns one small request through it. */
async function tunnelOf(dir: string): Promise<{ one: () => Promise<void>; stop: () => Promise<void> }> {
  const { TunnelClient } = (await import(
    path.resolve(dir, "sandbox-host/src/tunnel/client.ts")
  )) as typeof import("../../sandbox-host/src/tunnel/client.js");
  const { startFakeEdge } = (await import(path.resolve(dir, "test/support/tunnel-edge.ts"))) as typeof import("../../test/support/tunnel-edge.js");
  const edge = await startFakeEdge({ credential: CRED });
  const client = new TunnelClient({
    edgeUrl: edge.url,
    credential: CRED,
    handler: { start: async () => {}, stop: async () => {}, kill: async () => {} },
    log: () => {},
  });
  client.start();
  const conn = await edge.nextConnection();
  await conn.ready;
  const mux = conn.mux;
  if (!mux) throw new Error("no mux");
  return {
    one: async () => void (await (await mux.forward({ method: "GET", url: `${base}/small` })).arrayBuffer()),
    stop: async () => {
      await client.stop();
      await edge.close();
    },
  };
}

async function round(one: () => Promise<void>): Promise<{ rps: number; cpuUs: number }> {
  let started = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started < REQUESTS) {
        started++;
        await one();
      }
    }),
  );
  const c = process.cpuUsage(c0);
  return { rps: (REQUESTS / (performance.now() - t0)) * 1000, cpuUs: (c.user + c.system) / REQUESTS };
}

const other = await tunnelOf(otherDir);
const mine = await tunnelOf(path.resolve(import.meta.dirname, "../.."));
await round(other.one);
await round(mine.one);
const results = { other: [] as { rps: number; cpuUs: number }[], mine: [] as { rps: number; cpuUs: number }[] };
for (let i = 0; i < rounds; i++) {
  results.other.push(await round(other.one));
  results.mine.push(await round(mine.one));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
for (const [name, rs] of [
  [otherDir, results.other],
  ["this checkout", results.mine],
] as const)
  console.log(
    `${name}: ${median(rs.map((r) => r.rps)).toFixed(0)} req/s, ${median(rs.map((r) => r.cpuUs)).toFixed(1)} µs CPU per request (medians of ${rounds})`,
  );
await other.stop();
await mine.stop();
target.closeAllConnections();
target.close();
