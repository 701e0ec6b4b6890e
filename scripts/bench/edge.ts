// Starts the edge Worker for benchmarks the way it runs in production: the bundle wrangler
// deploys, on workerd through Miniflare's API, requests arriving on a socket workerd binds to the
// Worker itself (neither `wrangler dev`'s proxy nor Miniflare's entry Worker in the path), with
// bindings from wrangler.toml, fresh local storage and the D1 migrations applied.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare, type V4MiniflareOptions, type V4WorkerOptions, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

/** The option shape wrangler produces and Miniflare 5's converter accepts. */
type V4Options = V4MiniflareOptions;

const root = path.resolve(import.meta.dirname, "../..");

export interface Edge {
  url: string;
  /** How requests reach the Worker: "direct" (workerd's socket) or "entry" (Miniflare's entry Worker first). */
  via: "entry" | "direct";
  bootstrapToken: string;
  close(): Promise<void>;
}

export interface BenchOrg {
  orgId: string;
  apiKey: string;
}

const orgs = new WeakMap<Edge, Promise<BenchOrg>>();

/** The edge's one bootstrapped org (bootstrap works once per fresh storage), shared by the benchmarks. */
export function benchOrg(edge: Edge): Promise<BenchOrg> {
  let org = orgs.get(edge);
  if (!org) {
    org = api<{ orgId: string; apiKey: string }>(edge, "POST", "/api/v1/bootstrap", edge.bootstrapToken, {
      orgName: "Bench",
      email: `bench-${Date.now()}@example.test`,
      password: "bench-password-123",
    }).then((b) => ({ orgId: b.orgId, apiKey: b.apiKey }));
    orgs.set(edge, org);
  }
  return org;
}

export interface EdgeOptions {
  inspectorPort?: number;
  via?: "entry" | "direct";
  /** More Workers in the same workerd (Miniflare v4 worker options), such as a benchmark's driver bound to the edge's classes. */
  extraWorkers?: V4WorkerOptions[];
}

export async function startEdge(
  vars: Record<string, string> = {},
  options: EdgeOptions = {},
): Promise<Edge & { directUrl(worker: string): Promise<string> }> {
  const out = mkdtempSync(path.join(tmpdir(), "palisade-bench-"));
  // The Worker bundles the dashboard, so it needs it built.
  if (!existsSync(path.join(root, "dist/dashboard/files.js")))
    execFileSync(process.execPath, [path.join(root, "scripts/build-dashboard.mjs")], { cwd: root, stdio: "ignore" });
  execFileSync(process.execPath, [path.join(root, "scripts/wrangler.mjs"), "deploy", "--dry-run", "--outdir", path.join(out, "dist")], {
    cwd: root,
    stdio: "ignore",
  });
  // The deployed bundle is one ES module, so module rules do not apply.
  const {
    workerOptions: { modulesRules: _rules, ...workerOptions },
  } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  // "direct": a socket of workerd's own bound to the Worker, as production has. "entry" goes
  // through Miniflare's development entry Worker first (EDGE_VIA=entry, for comparison).
  const via = options.via ?? (process.env.EDGE_VIA === "entry" ? "entry" : "direct");
  const bootstrapToken = `bench-bootstrap-${Date.now()}`;
  // Miniflare 5 takes a new option shape; the converter accepts the v4 shape wrangler produces.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
      d1Persist: path.join(out, "d1"),
      kvPersist: path.join(out, "kv"),
      durableObjectsPersist: path.join(out, "do"),
      workers: [
        {
          ...workerOptions,
          name: "palisade",
          ...(via === "entry" ? {} : { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] }),
          modules: true,
          modulesRoot: path.join(out, "dist"),
          scriptPath: path.join(out, "dist/index.js"),
          bindings: {
            ...(workerOptions.bindings ?? {}),
            BOOTSTRAP_TOKEN: bootstrapToken,
            SESSION_SIGNING_KEY: Buffer.alloc(32, 7).toString("base64"),
            VAULT_KEYS: `v1:${Buffer.alloc(32, 9).toString("base64")}`,
            ALLOW_PRIVATE_UPSTREAMS: "true",
            ...vars,
          },
        },
        ...(options.extraWorkers ?? []),
      ],
    } satisfies V4Options),
  );
  const ready = (await mf.ready).toString().replace(/\/$/, "");
  const url = via === "entry" ? ready : (await mf.unsafeGetDirectURL("palisade")).toString().replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  const migrations = path.join(root, "schema/migrations");
  for (const file of readdirSync(migrations)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(path.join(migrations, file), "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) await db.prepare(statement).run();
    }
  }
  return {
    url,
    via,
    bootstrapToken,
    directUrl: async (worker: string) => (await mf.unsafeGetDirectURL(worker)).toString().replace(/\/$/, ""),
    async close() {
      await mf.dispose();
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** The relays' shared part: forward the request to the URL in `x-relay-to`, as received. */
const RELAY_FORWARD = `const to = request.headers.get("x-relay-to");
    if (!to) return new Response("x-relay-to missing", { status: 400 });
    const headers = new Headers(request.headers);
    headers.delete("x-relay-to");
    const upstream = fetch(to, { method: request.method, headers, body: request.body });`;

function relay(name: string, answer: string): V4WorkerOptions {
  return {
    name,
    modules: true,
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    compatibilityDate: "2026-10-01",
    script: `export default {
  async fetch(request) {
    ${RELAY_FORWARD}
    ${answer}
  },
};`,
  };
}

/**
 * The runtime's floor for a proxy: a Worker in the same workerd that only forwards each request
 * to the URL in its `x-relay-to` header and streams the answer back, with no parsing and no
 * storage. Whatever Palisade does per call is on top of what this costs.
 */
export function relayWorker(): V4WorkerOptions {
  return relay("relay", "return upstream;");
}

/**
 * The floor for a proxy that reads its answer: the relay above, with the answer's chunks passed
 * through a JavaScript stream (one read and one enqueue per chunk, nothing else), as any Worker
 * must that restores or counts what it streams. Streams only; a JSON answer is read whole anyway.
 */
export function jsStreamRelayWorker(): V4WorkerOptions {
  return relay(
    "relay-js-stream",
    `const answer = await upstream;
    const reader = answer.body.getReader();
    const body = new ReadableStream(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: answer.status, headers: answer.headers });`,
  );
}

/** JSON call helper for seeding through the public API. */
export async function api<T = any>(edge: Edge, method: string, p: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(edge.url + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => ({}))) as T;
  if (!res.ok) throw new Error(`${method} ${p} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}
