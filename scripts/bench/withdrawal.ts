// Stopping work already running (issue 18), measured through the edge:
// - time to silence: live streams from a trickling fake provider, then the agent is suspended;
//   from the suspend call's answer to the last byte of each stream;
// - the watch's hot-path cost: a non-streaming call's added p50 on an edge with the default
//   WATCH_AFTER_MS (no Durable Object call for calls under 200 ms) and on one that watches every
//   call from its start (WATCH_AFTER_MS=0), in alternating rounds of the same run.
import { startFakeLlm } from "../../test/support/fake-llm.js";
import { api, benchOrg, type Edge, startEdge } from "./edge.js";
import { type LatencySummary, summarize } from "./stats.js";
import { workerdQuiet } from "./workerd-cpu.js";

const FAKE_KEY = "sk-fake-provider-key-for-bench";
const round3 = (v: number) => Math.round(v * 1000) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An org with the fake provider, a fallback price, a high limit and one agent; returns the agent. */
async function seed(edge: Edge, providerUrl: string, name: string) {
  const { orgId, apiKey } = await benchOrg(edge);
  await api(edge, "POST", `/api/v1/orgs/${orgId}/credentials`, apiKey, { name: "fake-llm", secret: FAKE_KEY, inject: { type: "bearer" } });
  await api(edge, "POST", `/api/v1/orgs/${orgId}/providers`, apiKey, {
    name: "fake",
    kind: "openai",
    baseUrl: `${providerUrl}/v1`,
    credential: "fake-llm",
  });
  await api(edge, "POST", `/api/v1/orgs/${orgId}/prices`, apiKey, { model: "*", inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000 });
  await api(edge, "POST", `/api/v1/orgs/${orgId}/limits`, apiKey, { scope: "org", period: "month", limitMicros: 1_000_000_000_000 });
  const agent = await api<{ id: string; token: string }>(edge, "POST", `/api/v1/orgs/${orgId}/agents`, apiKey, { name });
  return { orgId, apiKey, agent };
}

interface StreamRecord {
  firstByteAt: number;
  lastByteAt: number;
  endedAt: number;
  /** The stream's last event named the suspension (a terminal error event in OpenAI's format). */
  endedBySuspension: boolean;
}

/** One live stream: resolves when its body ends (or after `giveUpMs`, as not ended). */
async function liveStream(url: string, token: string, prompt: string, giveUpMs: number, onFirstByte: () => void): Promise<StreamRecord | null> {
  const abort = AbortSignal.timeout(giveUpMs);
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ model: "fake-trickle", stream: true, max_tokens: 4_000, messages: [{ role: "user", content: prompt }] }),
    signal: abort,
  });
  if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let firstByteAt = 0;
  let lastByteAt = 0;
  let tail = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const now = performance.now();
      if (done) return { firstByteAt, lastByteAt, endedAt: now, endedBySuspension: /"code":"agent_suspended"/.test(tail) };
      if (value.byteLength === 0) continue;
      if (!firstByteAt) {
        firstByteAt = now;
        onFirstByte();
      }
      lastByteAt = now;
      tail = (tail + decoder.decode(value, { stream: true })).slice(-600);
    }
  } catch {
    // Still running when this bench gave up on it: not silenced.
    return null;
  }
}

async function timeToSilence(options: { streams: number; rounds: number }) {
  const fake = await startFakeLlm({ apiKey: FAKE_KEY });
  const edge = await startEdge();
  try {
    const { orgId, apiKey, agent } = await seed(edge, fake.url, "silence");
    const url = `${edge.url}/llm/openai/v1/chat/completions`;
    const fromAnswer: number[] = [];
    const fromRequest: number[] = [];
    const suspendCall: number[] = [];
    let notSilenced = 0;
    let withoutTerminalEvent = 0;
    let upstreamCancelled = 0;
    let upstreamTotal = 0;
    for (let round = 0; round < options.rounds; round++) {
      await workerdQuiet();
      fake.requests.splice(0, fake.requests.length);
      // About 1,200 characters echoed 3 at a time, one event per 100 ms: a stream of ~40 s.
      const marker = `silence-${round}-${Date.now().toString(36)}`;
      const prompt = `${marker} ${"the quick brown fox jumps over the lazy dog ".repeat(27)}`;
      let started = 0;
      const running = Array.from({ length: options.streams }, () => liveStream(url, agent.token, prompt, 20_000, () => started++));
      // A stream that fails is reported by Promise.all below, not as an unhandled rejection meanwhile.
      for (const stream of running) stream.catch(() => {});
      const t0 = performance.now();
      while (started < options.streams) {
        if (performance.now() - t0 > 15_000) throw new Error(`only ${started} of ${options.streams} streams started`);
        await sleep(10);
      }
      // Every stream has run past WATCH_AFTER_MS (200 ms), so each one is watched by now.
      await sleep(500);
      const sentAt = performance.now();
      const res = await fetch(`${edge.url}/api/v1/orgs/${orgId}/agents/${agent.id}/suspend`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "time to silence benchmark" }),
      });
      const answeredAt = performance.now();
      if (res.status !== 200) throw new Error(`suspend answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      suspendCall.push(answeredAt - sentAt);
      for (const record of await Promise.all(running)) {
        if (!record) {
          notSilenced++;
          continue;
        }
        if (!record.endedBySuspension) withoutTerminalEvent++;
        fromAnswer.push(record.lastByteAt - answeredAt);
        fromRequest.push(record.lastByteAt - sentAt);
      }
      // The provider sees its requests cancelled (the edge aborts the upstream fetch).
      const mine = () => fake.requests.filter((r) => r.body.includes(marker));
      for (let i = 0; i < 30 && mine().some((r) => !r.closedEarly); i++) await sleep(100);
      upstreamTotal += mine().length;
      upstreamCancelled += mine().filter((r) => r.closedEarly).length;
      await api(edge, "POST", `/api/v1/orgs/${orgId}/agents/${agent.id}/resume`, apiKey);
    }
    const summary = summarize(fromAnswer);
    return {
      streams: options.streams,
      rounds: options.rounds,
      fromSuspendAnswerMs: summary,
      fromSuspendRequestMs: summarize(fromRequest),
      suspendCallMs: summarize(suspendCall),
      notSilenced,
      withoutTerminalEvent,
      upstreamCancelled,
      upstreamTotal,
      p99WithinTarget: notSilenced === 0 && summary.p99 <= 1_000,
      target: "p99 ≤ 1,000 ms from the suspend call's answer to each stream's last byte",
    };
  } finally {
    await edge.close();
    await fake.close();
  }
}

/** Sequential samples of one request, in ms, after a warm-up. */
async function samples(run: () => Promise<void>, iterations: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await run();
    out.push(performance.now() - t0);
  }
  return out;
}

async function watchCost(options: { iterations: number; rounds: number }) {
  const fake = await startFakeLlm({ apiKey: FAKE_KEY });
  // Two edges side by side, the same bundle: only WATCH_AFTER_MS differs.
  const deferred = await startEdge();
  const immediate = await startEdge({ WATCH_AFTER_MS: "0" });
  try {
    const body = JSON.stringify({
      model: "gpt-4o-mini",
      max_tokens: 64,
      messages: [{ role: "user", content: "Summarise the ticket about the failed deploy of service api-gateway in us-east-1." }],
    });
    const post = (url: string, token: string) => async () => {
      const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`answered ${r.status}: ${text.slice(0, 160)}`);
    };
    const variants: Record<string, () => Promise<void>> = {
      direct: post(`${fake.url}/v1/chat/completions`, FAKE_KEY),
      "watch after 200 ms (default)": post(
        `${deferred.url}/llm/openai/v1/chat/completions`,
        (await seed(deferred, fake.url, "deferred")).agent.token,
      ),
      "watch from the start": post(`${immediate.url}/llm/openai/v1/chat/completions`, (await seed(immediate, fake.url, "immediate")).agent.token),
    };
    const names = Object.keys(variants);
    const collected = new Map<string, number[]>(names.map((n) => [n, []]));
    const perRound = Math.max(50, Math.round(options.iterations / options.rounds));
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order so no variant always runs right after another's background work.
      for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
        await workerdQuiet();
        fake.requests.splice(0, fake.requests.length);
        collected.get(name)?.push(...(await samples(variants[name]!, perRound, round === 0 ? 100 : 20)));
      }
    }
    const latency: Record<string, LatencySummary & { addedP50Ms?: number }> = {};
    for (const name of names) latency[name] = summarize(collected.get(name) ?? []);
    const base = latency.direct?.p50 ?? 0;
    for (const name of names.slice(1)) {
      const l = latency[name];
      if (l) l.addedP50Ms = round3(l.p50 - base);
    }
    const without = latency["watch after 200 ms (default)"]?.addedP50Ms ?? Number.NaN;
    const withWatch = latency["watch from the start"]?.addedP50Ms ?? Number.NaN;
    return { rounds: options.rounds, latency, watchAddedP50Ms: round3(withWatch - without) };
  } finally {
    await deferred.close();
    await immediate.close();
    await fake.close();
  }
}

export async function benchWithdrawal(options: { streams: number; silenceRounds: number; iterations: number; costRounds: number }) {
  console.log("  withdrawal: time to silence");
  const silence = await timeToSilence({ streams: options.streams, rounds: options.silenceRounds });
  console.log("  withdrawal: hot-path cost of the watch");
  const cost = await watchCost({ iterations: options.iterations, rounds: options.costRounds });
  return { timeToSilence: silence, watchCost: cost };
}
