// Test harness: a real `wrangler dev` on a free 127.0.0.1 port with its own temporary state and
// test secrets (never the developer's .dev.vars values), plus headless Debian Chromium via
// playwright-core. Everything is bounded in time and torn down by the caller.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

const root = path.resolve(import.meta.dirname, "../../..");
const wrangler = path.join(root, "scripts/wrangler.mjs");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Edge {
  url: string;
  bootstrapToken: string;
  stop: () => Promise<void>;
  output: () => string;
}

/** allowPrivateUpstreams lets egress reach a local 127.0.0.1 target (the approvals flow needs one). */
export async function startEdge(options: { allowPrivateUpstreams?: boolean } = {}): Promise<Edge> {
  const state = mkdtempSync(path.join(tmpdir(), "pal-dash-state-"));
  const vars: Record<string, string> = {
    BOOTSTRAP_TOKEN: `boot_${randomBytes(24).toString("base64url")}`,
    SESSION_SIGNING_KEY: randomBytes(32).toString("base64"),
    VAULT_KEYS: `v1:${randomBytes(32).toString("base64")}`,
    ALLOW_PRIVATE_UPSTREAMS: options.allowPrivateUpstreams ? "true" : "false",
    SESSION_TTL_SECONDS: "3600",
  };
  // wrangler checks required secrets in the process env; --var below wins over any .dev.vars.
  const env = { ...process.env, ...vars, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  const migrate = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: root,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}${migrate.stdout}`);

  const port = await freePort();
  const inspector = await freePort();
  const args = [
    wrangler,
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once("exit", r));
      // The whole process group: wrangler's CLI and the workerd it started.
      process.kill(-child.pid, "SIGTERM");
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(state, { recursive: true, force: true });
  };

  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited: ${log}`);
      if (i >= 240) throw new Error(`the edge did not come up: ${log}`);
      try {
        if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, bootstrapToken: vars.BOOTSTRAP_TOKEN ?? "", stop, output: () => log };
}

/** Calls the admin API directly (seeding and server-side checks). */
export async function api(edge: Edge, method: string, p: string, token: string, body?: unknown, timeoutMs = 10_000) {
  const res = await fetch(edge.url + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? null : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

export interface Browser {
  context: BrowserContext;
  close: () => Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  const profile = mkdtempSync(path.join(tmpdir(), "pal-dash-chromium-"));
  // launchPersistentContext owns --user-data-dir: a fresh profile per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
