// LLM proxy side by side, in one run on the same fake provider: a direct call (the limit),
// Palisade's proxy (PII masking off and on, spend enforcement on) and the Portkey gateway.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { startFakeLlm } from "../../test/support/fake-llm.js";
import { api, benchOrg, type Edge } from "./edge.js";
import { load, sequential, type LatencySummary, type Throughput } from "./stats.js";

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
  const child = spawn(process.execPath, [path.join(root, "node_modules/@portkey-ai/gateway/build/start-server.js"), `--port=${port}`, "--headless"], { stdio: "ignore" });
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
        ? (fresh ? "Ticket [<id>]: s" : "S") + "ummarise the ticket from jane.doe@example.com (card 4111 1111 1111 1111, phone +1 415 555 0100) about the failed deploy of service api-gateway in us-east-1."
        : "Summarise the ticket about the failed deploy of service api-gateway in us-east-1 and list the next steps.",
    },
  ],
});

interface Variant {
  name: string;
  url: string;
  headers: Record<string, string>;
  stream: boolean;
  pii: boolean;
  /** A new prompt text on every call ("[<id>]" replaced), so no per-text cache can help. */
  fresh?: boolean;
}

async function measure(v: Variant, iterations: number, durationSec: number) {
  const body = JSON.stringify({ ...prompt(v.pii, v.fresh), ...(v.stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
  const headers = { "content-type": "application/json", ...v.headers };
  let n = 0;
  const latency = await sequential(async () => {
    const r = await fetch(v.url, { method: "POST", headers, body: v.fresh ? body.replace("[<id>]", `seq-${Date.now()}-${n++}`) : body });
    if (r.status !== 200) throw new Error(`${v.name} answered ${r.status}: ${await r.text()}`);
    await r.arrayBuffer();
  }, { iterations, warmup: Math.min(100, iterations / 5) });
  const throughput = await load({ url: v.url, method: "POST", headers, body, connections: 16, durationSec, idReplacement: v.fresh ?? false });
  return { latency, throughput };
}

export async function benchLlm(edge: Edge, options: { iterations: number; durationSec: number }) {
  const fake = await startFakeLlm({ apiKey: FAKE_KEY });
  const portkey = await startPortkey();
  try {
    const { orgId: org, apiKey: key } = await benchOrg(edge);
    await api(edge, "POST", `/api/v1/orgs/${org}/credentials`, key, { name: "fake-llm", secret: FAKE_KEY, inject: { type: "bearer" } });
    await api(edge, "POST", `/api/v1/orgs/${org}/providers`, key, { name: "fake", kind: "openai", baseUrl: `${fake.url}/v1`, credential: "fake-llm" });
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
      pii: Object.fromEntries(["email", "phone", "credit_card", "tax_id", "iban", "secret", "person", "organization", "location"].map((c) => [c, "allow"])),
    });
    await api(edge, "POST", `/api/v1/orgs/${org}/policies/${off.id}/attach`, key, { scope: "agent", id: plain.id });

    const direct = `${fake.url}/v1/chat/completions`;
    const palisade = `${edge.url}/llm/openai/v1/chat/completions`;
    const portkeyUrl = `${portkey.url}/v1/chat/completions`;
    const portkeyHeaders = { authorization: `Bearer ${FAKE_KEY}`, "x-portkey-provider": "openai", "x-portkey-custom-host": `${fake.url}/v1` };

    const variants: Variant[] = [];
    for (const stream of [false, true]) {
      variants.push({ name: `direct${stream ? " stream" : ""}`, url: direct, headers: { authorization: `Bearer ${FAKE_KEY}` }, stream, pii: true });
      variants.push({ name: `portkey${stream ? " stream" : ""}`, url: portkeyUrl, headers: portkeyHeaders, stream, pii: true });
      variants.push({ name: `palisade pii off${stream ? " stream" : ""}`, url: palisade, headers: { authorization: `Bearer ${plain.token}` }, stream, pii: true });
      variants.push({ name: `palisade pii on${stream ? " stream" : ""}`, url: palisade, headers: { authorization: `Bearer ${masked.token}` }, stream, pii: true });
      if (!stream) variants.push({ name: "palisade pii on new prompt", url: palisade, headers: { authorization: `Bearer ${masked.token}` }, stream, pii: true, fresh: true });
    }
    const results: Record<string, { latency: LatencySummary; throughput: Throughput; addedP50Ms?: number } | { error: string }> = {};
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
    for (const stream of ["", " stream"]) {
      const d = results[`direct${stream}`];
      const base = d && "latency" in d ? d.latency.p50 : 0;
      for (const name of [`portkey${stream}`, `palisade pii off${stream}`, `palisade pii on${stream}`, ...(stream ? [] : ["palisade pii on new prompt"])]) {
        const r = results[name];
        const direct = results[`direct${stream}`];
        if (r && "latency" in r && direct && "latency" in direct) r.addedP50Ms = Math.round((r.latency.p50 - base) * 1000) / 1000;
      }
    }
    return results;
  } finally {
    portkey.stop();
    await fake.close();
  }
}
