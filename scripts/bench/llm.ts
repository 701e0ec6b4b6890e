// LLM proxy side by side, in one run on the same fake provider: a direct call (the limit),
// Palisade's proxy (PII masking off and on, spend enforcement on) and the Portkey gateway.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { startFakeLlm } from "../../test/support/fake-llm.js";
import { api, benchOrg, type Edge } from "./edge.js";
import { load, sequential, summarize, type LatencySummary, type Throughput } from "./stats.js";
import { workerdQuiet } from "./workerd-cpu.js";

const root = path.resolve(import.meta.dirname, "../..");
const FAKE_KEY = "sk-fake-provider-key-for-bench";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startPortkey(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, "node_modules/@portkey-ai/gateway/build/start-server.js"), `--port=${port}`, "--headless"], {
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return { url, stop: () => child.kill("SIGTERM") };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error("Portkey did not start");
}

const prompt = (withPii: boolean, fresh = false) => ({
  model: "gpt-4o-mini",
  max_tokens: 64,
  messages: [
    { role: "system", content: "You are a terse assistant." },
    {
      role: "user",
      content: withPii
        ? (fresh ? "Ticket [<id>]: s" : "S") +
          "ummarise the ticket from jane.doe@example.com (card 4111 1111 1111 1111, phone +1 415 555 0100) about the failed deploy of service api-gateway in us-east-1."
        : "Summarise the ticket about the failed deploy of service api-gateway in us-east-1 and list the next steps.",
    },
  ],
});

/** Labelled corpus lines: short sentences, nearly every one with a PII value of some category. */
const corpusLines = readFileSync(path.join(root, "test/pii/corpus/corpus.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { text: string }).text);
/** Technical prose without personal data, the bulk of a typical agent prompt. */
const FILLER = [
  "The deploy pipeline builds the container image, runs the unit tests and pushes the image to the registry.",
  "When the health check fails three times in a row, the orchestrator restarts the service and records the event.",
  "The retry policy backs off exponentially, starting at two hundred milliseconds and capping at thirty seconds.",
  "Summarise the open questions from the incident review and list the follow-up tasks with their owners.",
  "The cache keeps entries for five minutes; a write invalidates the key on every node within one second.",
  "Use the staging environment to reproduce the error before changing the production configuration.",
  "The query planner chose a sequential scan because the statistics on the orders table were out of date.",
  "Rotate the signing keys every ninety days and keep the previous key valid for one more day.",
  "The migration adds a nullable column first, backfills it in batches, then makes it required.",
  "Latency rose at the ninety-ninth percentile after the connection pool was reduced from fifty to twenty.",
];
let freshCounter = 0;
/**
 * About `bytes` of prompt: technical prose with one corpus sentence (personal data) in every ten
 * (`dense`: corpus sentences only). `fresh` makes every line text never seen before.
 */
export function promptOf(bytes: number, fresh: boolean, dense = false): string {
  const lines: string[] = [];
  let size = 0;
  const run = fresh ? `${Date.now().toString(36)}${(freshCounter++).toString(36)}` : "";
  for (let i = 0; size < bytes; i++) {
    const base = dense || i % 10 === 9 ? corpusLines[i % corpusLines.length]! : FILLER[i % FILLER.length]!;
    // A lowercase reference inside each sentence changes it without adding a capital or a number
    // shape, so it stays as likely to hold a name as before.
    const ref = ` ref ${run}x${i.toString(36)}`;
    const line = fresh ? (/[.!?]$/.test(base) ? `${base.slice(0, -1)}${ref}${base.slice(-1)}` : `${base}${ref}`) : base;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n").slice(0, bytes);
}

interface Variant {
  name: string;
  url: string;
  headers: Record<string, string>;
  stream: boolean;
  pii: boolean;
  /** A new prompt text on every call ("[<id>]" replaced), so no per-text cache can help. */
  fresh?: boolean;
  /** An Idempotency-Key per call, as the official SDKs send on every POST. */
  idempotencyKeys?: boolean;
}

/** A local OTLP/HTTP receiver that answers 200 and counts the spans it got. */
async function startOtlpReceiver(): Promise<{ url: string; spans(): number; close(): Promise<void> }> {
  let spans = 0;
  const server = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      spans += (body.match(/"spanId"/g) ?? []).length;
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, spans: () => spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function measure(v: Variant, iterations: number, durationSec: number) {
  // The previous variant's background work (audit, ledger) finishes first, off this one's clock.
  await workerdQuiet();
  const body = JSON.stringify({ ...prompt(v.pii, v.fresh), ...(v.stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
  const headers = { "content-type": "application/json", ...v.headers };
  let n = 0;
  // For streams, also the time to the first body bytes: what a user of a streaming SDK waits for.
  const firstBytes: number[] = [];
  const latency = await sequential(
    async () => {
      const key: Record<string, string> = v.idempotencyKeys ? { "idempotency-key": `seq-key-${Date.now()}-${n++}` } : {};
      const t0 = performance.now();
      const r = await fetch(v.url, {
        method: "POST",
        headers: { ...headers, ...key },
        body: v.fresh ? body.replace("[<id>]", `seq-${Date.now()}-${n++}`) : body,
      });
      if (r.status !== 200) throw new Error(`${v.name} answered ${r.status}: ${await r.text()}`);
      const reader = r.body!.getReader();
      for (let first = true; ; first = false) {
        const { done } = await reader.read();
        if (first) firstBytes.push(performance.now() - t0);
        if (done) break;
      }
    },
    { iterations, warmup: Math.min(100, iterations / 5) },
  );
  await workerdQuiet();
  const throughput = await load({
    url: v.url,
    method: "POST",
    headers,
    body,
    connections: 16,
    durationSec,
    idReplacement: v.fresh ?? false,
    idempotencyKeys: v.idempotencyKeys ?? false,
  });
  // The warm-up's samples come first; keep the measured ones.
  return { latency, throughput, ...(v.stream ? { firstByte: summarize(firstBytes.slice(-latency.n)) } : {}) };
}

export async function benchLlm(
  edge: Edge & { directUrl?(worker: string): Promise<string> },
  options: { iterations: number; durationSec: number; throughputRounds: number },
) {
  const fake = await startFakeLlm({ apiKey: FAKE_KEY });
  const portkey = await startPortkey();
  try {
    const { orgId: org, apiKey: key } = await benchOrg(edge);
    await api(edge, "POST", `/api/v1/orgs/${org}/credentials`, key, { name: "fake-llm", secret: FAKE_KEY, inject: { type: "bearer" } });
    await api(edge, "POST", `/api/v1/orgs/${org}/providers`, key, {
      name: "fake",
      kind: "openai",
      baseUrl: `${fake.url}/v1`,
      credential: "fake-llm",
    });
    // Spend enforcement on: every call reserves against this org limit and settles after; the
    // "*" fallback price covers any model the fake provider echoes.
    await api(edge, "POST", `/api/v1/orgs/${org}/prices`, key, { model: "*", inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000 });
    await api(edge, "POST", `/api/v1/orgs/${org}/limits`, key, { scope: "org", period: "month", limitMicros: 1_000_000_000_000 });
    const team = await api(edge, "POST", `/api/v1/orgs/${org}/teams`, key, { name: "bench" });
    const masked = await api(edge, "POST", `/api/v1/orgs/${org}/agents`, key, { name: "pii-on", teamId: team.id });
    const plain = await api(edge, "POST", `/api/v1/orgs/${org}/agents`, key, { name: "pii-off" });
    const off = await api(edge, "POST", `/api/v1/orgs/${org}/policies`, key, {
      name: "pii-off",
      egress: [],
      pii: Object.fromEntries(
        ["email", "phone", "credit_card", "tax_id", "iban", "secret", "person", "organization", "location"].map((c) => [c, "allow"]),
      ),
    });
    await api(edge, "POST", `/api/v1/orgs/${org}/policies/${off.id}/attach`, key, { scope: "agent", id: plain.id });

    const direct = `${fake.url}/v1/chat/completions`;
    const palisade = `${edge.url}/llm/openai/v1/chat/completions`;
    const portkeyUrl = `${portkey.url}/v1/chat/completions`;
    const portkeyHeaders = { authorization: `Bearer ${FAKE_KEY}`, "x-portkey-provider": "openai", "x-portkey-custom-host": `${fake.url}/v1` };
    // The same workerd forwarding without any work of its own (edge.ts relayWorker): the floor.
    const relay = edge.directUrl ? await edge.directUrl("relay").catch(() => undefined) : undefined;
    // The same with the answer's chunks passed through a JavaScript stream: the floor for streams.
    const jsRelay = edge.directUrl ? await edge.directUrl("relay-js-stream").catch(() => undefined) : undefined;

    const variants: Variant[] = [];
    for (const stream of [false, true]) {
      variants.push({ name: `direct${stream ? " stream" : ""}`, url: direct, headers: { authorization: `Bearer ${FAKE_KEY}` }, stream, pii: true });
      variants.push({ name: `portkey${stream ? " stream" : ""}`, url: portkeyUrl, headers: portkeyHeaders, stream, pii: true });
      if (relay) {
        variants.push({
          name: `workerd relay${stream ? " stream" : ""}`,
          url: `${relay}/v1/chat/completions`,
          headers: { authorization: `Bearer ${FAKE_KEY}`, "x-relay-to": direct },
          stream,
          pii: true,
        });
      }
      if (jsRelay && stream) {
        variants.push({
          name: "workerd relay js stream",
          url: `${jsRelay}/v1/chat/completions`,
          headers: { authorization: `Bearer ${FAKE_KEY}`, "x-relay-to": direct },
          stream,
          pii: true,
        });
      }
      variants.push({
        name: `palisade pii off${stream ? " stream" : ""}`,
        url: palisade,
        headers: { authorization: `Bearer ${plain.token}` },
        stream,
        pii: true,
      });
      variants.push({
        name: `palisade pii on${stream ? " stream" : ""}`,
        url: palisade,
        headers: { authorization: `Bearer ${masked.token}` },
        stream,
        pii: true,
      });
      if (!stream) {
        variants.push({
          name: "palisade pii on new prompt",
          url: palisade,
          headers: { authorization: `Bearer ${masked.token}` },
          stream,
          pii: true,
          fresh: true,
        });
        // The official SDKs send an Idempotency-Key on every POST: such calls reserve at the org's DO (no lease).
        variants.push({
          name: "palisade pii on idempotency key",
          url: palisade,
          headers: { authorization: `Bearer ${masked.token}` },
          stream,
          pii: true,
          idempotencyKeys: true,
        });
      }
    }
    const results: Record<
      string,
      | {
          latency: LatencySummary;
          throughput: Throughput;
          throughputRounds?: number[];
          firstByte?: LatencySummary;
          addedP50Ms?: number;
          addedFirstByteP50Ms?: number;
        }
      | { error: string }
    > = {};
    for (const v of variants) {
      console.log(`  llm: ${v.name}`);
      fake.requests.splice(0, fake.requests.length);
      try {
        results[v.name] = await measure(v, options.iterations, options.durationSec);
      } catch (error) {
        // Portkey 1.15.2 on Node fails every streamed chat completion ("TypeError: immutable" in
        // its updateHeaders, Portkey-AI/gateway#1389/#1550); the run records it and goes on.
        if (!v.name.startsWith("portkey")) throw error;
        results[v.name] = { error: error instanceof Error ? error.message : String(error) };
      }
    }
    // The machine drifts by more than the gap between the peers, so their throughput is also taken
    // in rounds that alternate them; the table's req/s is each one's median over all its loads.
    const compared = variants.filter((v) => !v.stream && ["workerd relay", "portkey", "palisade pii off", "palisade pii on"].includes(v.name));
    for (let round = 0; round < options.throughputRounds; round++) {
      for (const v of compared) {
        const r = results[v.name];
        if (!r || !("throughput" in r)) continue;
        console.log(`  llm: ${v.name} (throughput round ${round + 1})`);
        const body = JSON.stringify(prompt(v.pii, v.fresh));
        await workerdQuiet();
        const t = await load({
          url: v.url,
          method: "POST",
          headers: { "content-type": "application/json", ...v.headers },
          body,
          connections: 16,
          durationSec: options.durationSec,
        });
        (r.throughputRounds ??= [r.throughput.requestsPerSec]).push(t.requestsPerSec);
      }
    }
    for (const r of Object.values(results)) {
      if (!("throughputRounds" in r) || !r.throughputRounds) continue;
      const sorted = [...r.throughputRounds].sort((a, b) => a - b);
      const mid = sorted.length / 2;
      r.throughput.requestsPerSec = Math.round(sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
    }
    for (const stream of ["", " stream"]) {
      const d = results[`direct${stream}`];
      const base = d && "latency" in d ? d.latency.p50 : 0;
      for (const name of [
        `workerd relay${stream}`,
        ...(stream ? ["workerd relay js stream"] : []),
        `portkey${stream}`,
        `palisade pii off${stream}`,
        `palisade pii on${stream}`,
        ...(stream ? [] : ["palisade pii on new prompt", "palisade pii on idempotency key"]),
      ]) {
        const r = results[name];
        const direct = results[`direct${stream}`];
        if (r && "latency" in r && direct && "latency" in direct) {
          r.addedP50Ms = Math.round((r.latency.p50 - base) * 1000) / 1000;
          if (r.firstByte && direct.firstByte) r.addedFirstByteP50Ms = Math.round((r.firstByte.p50 - direct.firstByte.p50) * 1000) / 1000;
        }
      }
    }
    // OpenTelemetry export on (issue 22): the PII-on calls again with the org's traces sent to a
    // local OTLP receiver; measured after the variants above, which ran with no telemetry configured.
    const receiver = await startOtlpReceiver();
    try {
      await api(edge, "PUT", `/api/v1/orgs/${org}/telemetry`, key, { endpoint: `${receiver.url}/v1/traces` });
      for (const stream of [false, true]) {
        const v: Variant = {
          name: `palisade pii on otel${stream ? " stream" : ""}`,
          url: palisade,
          headers: { authorization: `Bearer ${masked.token}` },
          stream,
          pii: true,
        };
        console.log(`  llm: ${v.name}`);
        const r = await measure(v, options.iterations, options.durationSec);
        const d = results[`direct${stream ? " stream" : ""}`];
        results[v.name] = { ...r, ...(d && "latency" in d ? { addedP50Ms: Math.round((r.latency.p50 - d.latency.p50) * 1000) / 1000 } : {}) };
      }
      await workerdQuiet();
      console.log(`  llm: otel receiver got ${receiver.spans()} spans`);
    } finally {
      await api(edge, "DELETE", `/api/v1/orgs/${org}/telemetry`, key);
      await receiver.close();
    }
    // Prompt sizes (issue 4): sequential added latency for 1 KB, 16 KB and 256 KB prompts of corpus
    // text, non-streaming. "patterns" masks every structured category and leaves entities to the
    // policy (allow); "full" is the default policy, entities included; "new" is text never seen before.
    const patterns = await api(edge, "POST", `/api/v1/orgs/${org}/agents`, key, { name: "pii-patterns" });
    const patternsPolicy = await api(edge, "POST", `/api/v1/orgs/${org}/policies`, key, {
      name: "pii-patterns",
      egress: [],
      pii: { person: "allow", organization: "allow", location: "allow" },
    });
    await api(edge, "POST", `/api/v1/orgs/${org}/policies/${patternsPolicy.id}/attach`, key, { scope: "agent", id: patterns.id });
    const sizes: Record<string, Record<string, (LatencySummary & { addedP50Ms?: number }) | { error: string }>> = {};
    for (const [label, bytes] of [
      ["1 KB", 1024],
      ["16 KB", 16 * 1024],
      ["256 KB", 256 * 1024],
    ] as const) {
      const n = bytes >= 256 * 1024 ? 40 : bytes >= 16 * 1024 ? 150 : 300;
      const row: Record<string, (LatencySummary & { addedP50Ms?: number }) | { error: string }> = {};
      const post = async (url: string, auth: string, fresh: boolean, dense = false) => {
        // The fake provider echoes the prompt: max_tokens covers the echo, as a real reply stays within it.
        const body = JSON.stringify({
          model: "gpt-4o-mini",
          max_tokens: Math.ceil(bytes / 4) + 64,
          messages: [{ role: "user", content: promptOf(bytes, fresh, dense) }],
        });
        const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${auth}` }, body });
        const text = await r.text();
        if (r.status !== 200) throw new Error(`answered ${r.status}: ${text.slice(0, 160)}`);
      };
      const cases: Array<[string, string, string, boolean, number, boolean]> = [
        ["direct", direct, FAKE_KEY, false, n, false],
        ["patterns", palisade, patterns.token, false, n, false],
        ["full", palisade, masked.token, false, n, false],
        ["full new", palisade, masked.token, true, Math.max(20, Math.round(n / 5)), false],
        ...(bytes === 16 * 1024
          ? ([
              ["direct dense", direct, FAKE_KEY, false, n, true],
              ["full dense", palisade, masked.token, false, n, true],
            ] as Array<[string, string, string, boolean, number, boolean]>)
          : []),
      ];
      for (const [name, url, auth, fresh, iterations, dense] of cases) {
        console.log(`  llm prompt ${label}: ${name}`);
        fake.requests.splice(0, fake.requests.length);
        await workerdQuiet();
        try {
          row[name] = await sequential(() => post(url, auth, fresh, dense), { iterations, warmup: Math.min(20, iterations) });
        } catch (error) {
          row[name] = { error: error instanceof Error ? error.message : String(error) };
        }
      }
      const base = row.direct && "p50" in row.direct ? row.direct.p50 : undefined;
      for (const name of ["patterns", "full", "full new", "full dense"]) {
        const r = row[name];
        const own = name === "full dense" ? row["direct dense"] : row.direct;
        const b = own && "p50" in own ? own.p50 : base;
        if (r && "p50" in r && b !== undefined) r.addedP50Ms = Math.round((r.p50 - b) * 1000) / 1000;
      }
      sizes[label] = row;
    }
    return { ...results, promptSizes: sizes, durationSec: options.durationSec };
  } finally {
    portkey.stop();
    await fake.close();
  }
}
