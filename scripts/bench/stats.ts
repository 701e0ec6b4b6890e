// Latency sampling and percentiles shared by the benchmarks; autocannon for throughput.
import autocannon from "autocannon";

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export function summarize(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { n: s.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

/** Sequential requests after a warm-up: the latency one caller sees. */
export async function sequential(run: () => Promise<unknown>, { warmup = 200, iterations = 2000 } = {}): Promise<LatencySummary> {
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export interface Throughput {
  requestsPerSec: number;
  latencyP50: number;
  latencyP99: number;
  non2xx: number;
  errors: number;
}

let freshCounter = 0;
function freshBody(body: string) {
  return (request: autocannon.Request): autocannon.Request => ({ ...request, body: body.replace("[<id>]", `ac-${Date.now()}-${freshCounter++}`) });
}

function withIdempotencyKey(request: autocannon.Request): autocannon.Request {
  return { ...request, headers: { ...request.headers, "idempotency-key": `ac-key-${Date.now()}-${freshCounter++}` } };
}

/** A bounded autocannon run against a loopback URL. */
export async function load(opts: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  durationSec?: number;
  idReplacement?: boolean;
  idempotencyKeys?: boolean;
  /** Requests per second over all connections (autocannon's overallRate); unset: as fast as answered. */
  rate?: number;
}): Promise<Throughput> {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(opts.url)) throw new Error("load tests target loopback only");
  const result = await autocannon({
    url: opts.url,
    method: (opts.method ?? "GET") as "GET",
    headers: opts.headers,
    body: opts.body,
    connections: opts.connections ?? 16,
    duration: opts.durationSec ?? 5,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    // "[<id>]" in the body becomes a fresh id per request (a prompt no cache has seen); with
    // idempotencyKeys every request carries its own Idempotency-Key, as the official SDKs send.
    ...(opts.idReplacement && opts.body ? { requests: [{ setupRequest: freshBody(opts.body) }] } : {}),
    ...(opts.idempotencyKeys ? { requests: [{ setupRequest: withIdempotencyKey }] } : {}),
  });
  return {
    requestsPerSec: Math.round(result.requests.average),
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
