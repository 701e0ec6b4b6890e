// `npm run bench:profile -- llm|llm-stream|egress [seconds]` (PROMPT_BYTES=n, PII_PATTERNS_ONLY=1 for the LLM;
// PROMPT_FRESH=1: every request a prompt never seen before, as the bench's "full new" rows;
// IDEMPOTENCY_KEYS=1: every LLM call with its own Idempotency-Key; CPU_ONLY=1: no profiler, workerd CPU per request in three rounds, for A/B comparisons;
// RATE=n: n requests per second instead of as many as answered, so that two versions compared
// carry the same batches (a settle or audit batch carries more calls the faster calls come, which
// lowers CPU per request with throughput, not with the code)): a CPU profile of the edge (Worker and its
// Durable Objects share one isolate in workerd) under 16-connection load, through the V8
// inspector. Writes bench/profile-<path>.cpuprofile (open it in Chrome DevTools) and prints
// the functions with the most self time. A tool for finding where the milliseconds go.
import { writeFileSync } from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import { workerdCpu } from "./workerd-cpu.js";
import { startFakeLlm } from "../../test/support/fake-llm.js";
import { startTargetServer } from "../../test/support/target-server.js";
import { api, benchOrg, startEdge } from "./edge.js";
import { promptOf } from "./llm.js";
import { load } from "./stats.js";

const root = path.resolve(import.meta.dirname, "../..");
const which = process.argv[2] ?? "llm";
const seconds = Number(process.argv[3] ?? 5);
const INSPECTOR_PORT = 9231;
const keyed = process.env.IDEMPOTENCY_KEYS === "1" && which !== "egress";
const rate = process.env.RATE ? Number(process.env.RATE) : undefined;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

async function inspector() {
  const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json()) as Array<{ id: string; webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => t.id.includes("palisade")) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let nextId = 1;
  const pending = new Map<number, (v: any) => void>();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id && pending.has(msg.id)) pending.get(msg.id)!(msg.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

const edge = await startEdge({}, { inspectorPort: INSPECTOR_PORT });
const fake = await startFakeLlm({ apiKey: "sk-profile" });
const target = await startTargetServer();
try {
  const { orgId: org, apiKey: key } = await benchOrg(edge);
  let url: string;
  let headers: Record<string, string>;
  let body: string | undefined;
  if (which === "egress") {
    await api(edge, "POST", `/api/v1/orgs/${org}/credentials`, key, { name: "tok", secret: "profile-secret-token", inject: { type: "bearer" } });
    const policy = await api(edge, "POST", `/api/v1/orgs/${org}/policies`, key, {
      name: "p",
      // The target is local plain HTTP, so the rule allows its credential over http (as scripts/bench/egress.ts).
      egress: [
        {
          host: "127.0.0.1",
          ports: [Number(new URL(target.url).port)],
          methods: ["GET"],
          paths: ["/repos/**"],
          credential: "tok",
          credentialOverHttp: true,
        },
      ],
    });
    const agent = await api(edge, "POST", `/api/v1/orgs/${org}/agents`, key, { name: "a" });
    await api(edge, "POST", `/api/v1/orgs/${org}/policies/${policy.id}/attach`, key, { scope: "agent", id: agent.id });
    url = `${edge.url}/egress/${target.url}/repos/acme/widgets`;
    headers = { authorization: `Bearer ${agent.token}` };
  } else {
    await api(edge, "POST", `/api/v1/orgs/${org}/credentials`, key, { name: "llm", secret: "sk-profile", inject: { type: "bearer" } });
    await api(edge, "POST", `/api/v1/orgs/${org}/providers`, key, { name: "fake", kind: "openai", baseUrl: `${fake.url}/v1`, credential: "llm" });
    await api(edge, "POST", `/api/v1/orgs/${org}/prices`, key, { model: "*", inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000 });
    await api(edge, "POST", `/api/v1/orgs/${org}/limits`, key, { scope: "org", period: "month", limitMicros: 1_000_000_000_000 });
    const agent = await api(edge, "POST", `/api/v1/orgs/${org}/agents`, key, { name: "a" });
    if (process.env.PII_PATTERNS_ONLY) {
      const policy = await api(edge, "POST", `/api/v1/orgs/${org}/policies`, key, {
        name: "patterns",
        egress: [],
        pii: { person: "allow", organization: "allow", location: "allow" },
      });
      await api(edge, "POST", `/api/v1/orgs/${org}/policies/${policy.id}/attach`, key, { scope: "agent", id: agent.id });
    }
    url = `${edge.url}/llm/openai/v1/chat/completions`;
    headers = { authorization: `Bearer ${agent.token}`, "content-type": "application/json" };
    body = JSON.stringify({
      model: "gpt-4o-mini",
      // The fake provider echoes the prompt: with PROMPT_BYTES the answer is the whole prompt, as in the bench.
      max_tokens: process.env.PROMPT_BYTES ? Math.ceil(Number(process.env.PROMPT_BYTES) / 4) + 64 : 64,
      ...(which === "llm-stream" ? { stream: true, stream_options: { include_usage: true } } : {}),
      messages: [
        {
          role: "user",
          content: process.env.PROMPT_BYTES
            ? promptOf(Number(process.env.PROMPT_BYTES), false)
            : "Summarise the ticket from jane.doe@example.com (card 4111 1111 1111 1111, phone +1 415 555 0100) about the failed deploy.",
        },
      ],
    });
  }
  // A profile of refusals would say nothing about the path: one call must succeed first.
  const probeHeaders = keyed ? { ...headers, "idempotency-key": `profile-probe-${Date.now()}` } : headers;
  const probe = await fetch(url, { method: body ? "POST" : "GET", headers: probeHeaders, ...(body ? { body } : {}) });
  if (!probe.ok) throw new Error(`the profiled call answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
  await probe.arrayBuffer().catch(() => undefined);
  // Never-seen prompts: autocannon sends one body, so a few sequential callers each build a new
  // prompt (every sentence changed) per request instead.
  const fresh = Boolean(process.env.PROMPT_FRESH && process.env.PROMPT_BYTES && body);
  const drive = async (durationSec: number) => {
    if (!fresh) return load({ url, method: body ? "POST" : "GET", headers, body, idempotencyKeys: keyed, durationSec, rate });
    const bytes = Number(process.env.PROMPT_BYTES);
    const until = performance.now() + durationSec * 1000;
    let done = 0;
    const caller = async () => {
      while (performance.now() < until) {
        const request = JSON.parse(body!) as { messages: Array<{ content: string }> };
        request.messages[0]!.content = promptOf(bytes, true);
        const callHeaders = keyed ? { ...headers, "idempotency-key": crypto.randomUUID() } : headers;
        const r = await fetch(url, { method: "POST", headers: callHeaders, body: JSON.stringify(request) });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`answered ${r.status}`);
        done++;
      }
    };
    await Promise.all(Array.from({ length: 4 }, caller));
    return { requestsPerSec: Math.round(done / durationSec), latencyP50: 0, latencyP99: 0, non2xx: 0, errors: 0 };
  };
  await drive(2);
  if (process.env.CPU_ONLY) {
    // No profiler attached: workerd CPU per request under the same load, for A/B comparisons.
    for (let round = 0; round < 3; round++) {
      const cpu0 = workerdCpu() ?? { userMs: 0, sysMs: 0 };
      const result = await drive(seconds);
      const cpu1 = workerdCpu() ?? { userMs: 0, sysMs: 0 };
      const requests = result.requestsPerSec * seconds;
      const usPerRequest = ((cpu1.userMs - cpu0.userMs + cpu1.sysMs - cpu0.sysMs) * 1000) / requests;
      console.log(
        `${which}: ${result.requestsPerSec} req/s, workerd CPU ${usPerRequest.toFixed(0)} µs/request (user ${(((cpu1.userMs - cpu0.userMs) * 1000) / requests).toFixed(0)}), non-2xx ${result.non2xx}`,
      );
    }
  } else {
    const ins = await inspector();
    await ins.send("Profiler.enable");
    await ins.send("Profiler.setSamplingInterval", { interval: 100 });
    await ins.send("Profiler.start");
    const cpu0 = workerdCpu() ?? { userMs: 0, sysMs: 0 };
    const t0 = performance.now();
    const result = await drive(seconds);
    const wall = performance.now() - t0;
    const cpu1 = workerdCpu() ?? { userMs: 0, sysMs: 0 };
    console.log(
      `workerd CPU during the load: user ${(((cpu1.userMs - cpu0.userMs) / wall) * 100).toFixed(0)}%, system ${(((cpu1.sysMs - cpu0.sysMs) / wall) * 100).toFixed(0)}% of one core`,
    );
    const { profile } = (await ins.send("Profiler.stop")) as { profile: Profile };
    ins.close();
    const out = path.join(root, `bench/profile-${which}.cpuprofile`);
    writeFileSync(out, JSON.stringify(profile));

    const self = new Map<number, number>();
    profile.samples.forEach((node, i) => {
      self.set(node, (self.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    const byFunction = new Map<string, number>();
    const total = profile.timeDeltas.reduce((a, b) => a + b, 0);
    for (const node of profile.nodes) {
      const us = self.get(node.id) ?? 0;
      const f = node.callFrame;
      const name = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    }
    console.log(`${which}: ${result.requestsPerSec} req/s, non-2xx ${result.non2xx}; ${(total / 1e6).toFixed(1)} s sampled; top self time:`);
    for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
      console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
    }
    console.log(`profile: ${out}`);
  }
} finally {
  await target.close();
  await fake.close();
  await edge.close();
}
