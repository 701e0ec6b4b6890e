// Tunnel throughput benchmark: small requests/s (plain and tunnel rounds alternating, medians) and MB/s through EdgeMux + TunnelClient vs plain loopback HTTP; writes bench/tunnel-results.json.
// Run: npx tsx scripts/bench-tunnel.ts  (loopback only; every loop is bounded in count and time)
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { TunnelClient } from "../sandbox-host/src/tunnel/client.js";
import { startFakeEdge } from "../test/support/tunnel-edge.js";

const SMALL_REQUESTS = Number(process.env.BENCH_SMALL ?? 20_000);
const SMALL_ROUNDS = 5;
const CONCURRENCY = 64;
const BULK_BYTES = 64 * 1024 * 1024;
const BULK_STREAMS = 4;
const TIME_CAP_MS = 20_000;
const CRED = "pal_hostcred_bench";

const chunk = Buffer.alloc(256 * 1024, 0x62);
const target = http.createServer((req, res) => {
  const m = /^\/bytes\/(\d+)$/.exec(req.url ?? "");
  if (!m) return void res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  const total = Number(m[1]);
  res.writeHead(200, { "content-length": String(total) });
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk.byteLength, total - sent);
      sent += n;
      if (!res.write(chunk.subarray(0, n))) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
});
await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;

/** Runs `total` calls of `one` with bounded concurrency, stopping at the time cap. */
async function run(total: number, one: () => Promise<number>): Promise<{ count: number; bytes: number; ms: number }> {
  let started = 0;
  let bytes = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < total && performance.now() - t0 < TIME_CAP_MS) {
      started++;
      const n = await one();
      bytes += n;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, worker));
  return { count: started, bytes, ms: performance.now() - t0 };
}

const plainAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const plain = (path: string) =>
  new Promise<number>((resolve, reject) => {
    http
      .get(`${base}${path}`, { agent: plainAgent }, (res) => {
        let n = 0;
        res.on("data", (c: Buffer) => (n += c.byteLength));
        res.on("end", () => resolve(n));
      })
      .on("error", reject);
  });

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
const tunnel = async (path: string) => {
  const res = await mux.forward({ method: "GET", url: `${base}${path}` });
  const reader = res.body?.getReader();
  let n = 0;
  for (;;) {
    if (!reader) break;
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
  }
  return n;
};

// Warm-up (connections, JIT), not measured.
await run(500, () => plain("/small"));
await run(500, () => tunnel("/small"));

// Small requests: plain and tunnel rounds alternate, and each side's median round is reported, so
// a burst of load on the machine lands on both rather than on whichever phase ran then.
const plainRounds: { count: number; bytes: number; ms: number }[] = [];
const tunnelRounds: { count: number; bytes: number; ms: number }[] = [];
for (let i = 0; i < SMALL_ROUNDS; i++) {
  plainRounds.push(await run(SMALL_REQUESTS / SMALL_ROUNDS, () => plain("/small")));
  tunnelRounds.push(await run(SMALL_REQUESTS / SMALL_ROUNDS, () => tunnel("/small")));
}
const medianRound = (rounds: { count: number; ms: number; bytes: number }[]) =>
  [...rounds].sort((a, b) => a.count / a.ms - b.count / b.ms)[rounds.length >> 1] as { count: number; ms: number; bytes: number };
const plainSmall = medianRound(plainRounds);
const tunnelSmall = medianRound(tunnelRounds);
const plainBulk = await run(BULK_STREAMS, () => plain(`/bytes/${BULK_BYTES}`));
const tunnelBulk = await run(BULK_STREAMS, () => tunnel(`/bytes/${BULK_BYTES}`));

const rps = (r: { count: number; ms: number }) => Math.round((r.count / r.ms) * 1000);
const mbps = (r: { bytes: number; ms: number }) => Math.round((r.bytes / 1e6 / r.ms) * 1000 * 10) / 10;
const results = {
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version, loadavg1m: os.loadavg()[0] },
  setup: "edge EdgeMux (ws server) + TunnelClient + HTTP target, all in one Node process on 127.0.0.1",
  concurrency: CONCURRENCY,
  small: {
    requests: tunnelRounds.reduce((n, r) => n + r.count, 0),
    rounds: SMALL_ROUNDS,
    tunnelRps: rps(tunnelSmall),
    plainRps: rps(plainSmall),
    ratio: Math.round((rps(tunnelSmall) / rps(plainSmall)) * 100) / 100,
    roundsRps: { tunnel: tunnelRounds.map(rps), plain: plainRounds.map(rps) },
    target: 5000,
  },
  bulk: { bytes: tunnelBulk.bytes, streams: BULK_STREAMS, tunnelMBps: mbps(tunnelBulk), plainMBps: mbps(plainBulk), target: 100 },
};
await mkdir("bench", { recursive: true });
await writeFile("bench/tunnel-results.json", `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));

await client.stop();
await edge.close();
plainAgent.destroy();
target.closeAllConnections();
target.close();
