// `npm run bench:round-trips`: how many Durable Object calls (by binding), D1 queries and KV reads
// one request of each gateway path makes, counted, not estimated. The edge runs with
// BENCH_IO_COUNTS=true (workers/http/io-counts.ts); each path is warmed, then the counters are
// reset, N requests sent one after another, their background work (batched settles and audit)
// given time to leave, and the totals divided by N. Writes bench/round-trips-results.json.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startFakeLlm } from "../../test/support/fake-llm.js";
import { startTargetServer } from "../../test/support/target-server.js";
import { api, benchOrg, startEdge } from "./edge.js";

const root = path.resolve(import.meta.dirname, "../..");
const N = Number(process.env.ROUND_TRIPS_N ?? 100);
const FAKE_KEY = "sk-fake-round-trips";

const edge = await startEdge({ BENCH_IO_COUNTS: "true" });
const fake = await startFakeLlm({ apiKey: FAKE_KEY });
const target = await startTargetServer();
try {
  const { orgId: org, apiKey: key } = await benchOrg(edge);
  await api(edge, "POST", `/api/v1/orgs/${org}/credentials`, key, { name: "fake-llm", secret: FAKE_KEY, inject: { type: "bearer" } });
  await api(edge, "POST", `/api/v1/orgs/${org}/providers`, key, { name: "fake", kind: "openai", baseUrl: `${fake.url}/v1`, credential: "fake-llm" });
  await api(edge, "POST", `/api/v1/orgs/${org}/prices`, key, { model: "*", inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000 });
  await api(edge, "POST", `/api/v1/orgs/${org}/limits`, key, { scope: "org", period: "month", limitMicros: 1_000_000_000_000 });
  const policy = await api(edge, "POST", `/api/v1/orgs/${org}/policies`, key, {
    name: "round-trips",
    egress: [{ host: "127.0.0.1", ports: [target.port], methods: ["GET"], paths: ["/repos/**"] }],
  });
  const agent = await api(edge, "POST", `/api/v1/orgs/${org}/agents`, key, { name: "round-trips", autonomy: 5 });
  await api(edge, "POST", `/api/v1/orgs/${org}/policies/${policy.id}/attach`, key, { scope: "agent", id: agent.id });
  const tool = await api(edge, "POST", `/api/v1/orgs/${org}/tools`, key, {
    name: "get_repo",
    description: "reads a repository",
    inputSchema: { type: "object", properties: {}, additionalProperties: false },
    method: "GET",
    url: `${target.url}/repos/acme/widgets`,
  });
  await api(edge, "POST", `/api/v1/orgs/${org}/tools/${tool.id}/grants`, key, { scope: "agent", id: agent.id });

  const auth = { authorization: `Bearer ${agent.token}` };
  const chat = (stream: boolean) =>
    JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello." }], ...(stream ? { stream: true } : {}) });
  let keys = 0;
  const paths: Record<string, () => Promise<Response>> = {
    "LLM keyless": () =>
      fetch(`${edge.url}/llm/openai/v1/chat/completions`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: chat(false),
      }),
    "LLM with Idempotency-Key": () =>
      fetch(`${edge.url}/llm/openai/v1/chat/completions`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "idempotency-key": `rt-${Date.now()}-${keys++}` },
        body: chat(false),
      }),
    "LLM stream": () =>
      fetch(`${edge.url}/llm/openai/v1/chat/completions`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: chat(true),
      }),
    egress: () => fetch(`${edge.url}/egress/${target.url}/repos/acme/widgets`, { headers: auth }),
    "MCP tool call": () =>
      fetch(`${edge.url}/mcp`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get_repo", arguments: {} } }),
      }),
  };
  const counters = async (method: "GET" | "DELETE") =>
    (await (await fetch(`${edge.url}/__bench/io-counts`, { method })).json()) as Record<string, number>;
  const perRequest: Record<string, Record<string, number>> = {};
  for (const [name, send] of Object.entries(paths)) {
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await send();
        if (res.status !== 200) throw new Error(`${name} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
        await res.arrayBuffer();
      }
    };
    await run(10);
    await new Promise((r) => setTimeout(r, 1_500));
    await counters("DELETE");
    await run(N);
    // Batched settles and audit leave within tens of ms; leases close after their 1 s.
    await new Promise((r) => setTimeout(r, 1_500));
    const totals = await counters("GET");
    perRequest[name] = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, Math.round((v / N) * 100) / 100]));
  }
  const out = path.join(root, "bench", "round-trips-results.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), requestsPerPath: N, perRequest }, null, 2)}\n`);
  console.log(`round trips per request (mean of ${N}; the Worker's own calls, objects' internal work not counted):`);
  for (const [name, counts] of Object.entries(perRequest))
    console.log(
      `  ${name.padEnd(26)} ${Object.entries(counts)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
  console.log("→ bench/round-trips-results.json");
} finally {
  await target.close();
  await fake.close();
  await edge.close();
}
