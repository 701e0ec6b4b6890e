#!/usr/bin/env node
// `npm start`: the whole platform locally on workerd. Creates local secrets, applies D1
// migrations, starts `wrangler dev` with on-disk D1/KV/Durable Objects, a local fake model
// provider and a demo internal service, seeds a demo org, admin, agent, provider and policy,
// enrolls and runs a sandbox host, and prints the URL and credentials.
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildDashboard } from "./build-dashboard.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stateDir = path.join(root, ".wrangler/state");
const demoFile = path.join(root, ".palisade/demo.json");
const port = Number(process.env.PORT ?? 8787);
const edge = `http://127.0.0.1:${port}`;
const wrangler = path.join(root, "scripts/wrangler.mjs");
const palisade = path.join(root, "sandbox-host/bin/palisade.mjs");
const hostState = path.join(root, ".palisade/host");
const fakeLlmPort = Number(process.env.FAKE_LLM_PORT ?? 8788);
const internalPort = Number(process.env.DEMO_SERVICE_PORT ?? 8789);
/** The local fake provider's key: it is stored in the vault like a real provider key. */
const FAKE_LLM_KEY = "sk-local-fake-provider-key";
const children = [];

/** Local secrets in .dev.vars: created on the first start; a secret added since is appended. */
function ensureDevVars() {
  const file = path.join(root, ".dev.vars");
  const fresh = {
    BOOTSTRAP_TOKEN: () => `boot_${randomBytes(24).toString("base64url")}`,
    SESSION_SIGNING_KEY: () => randomBytes(32).toString("base64"),
    VAULT_KEYS: () => `v1:${randomBytes(32).toString("base64")}`,
    AUDIT_CHECKPOINT_KEY: () => JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" })),
    ALLOW_PRIVATE_UPSTREAMS: () => "true",
  };
  const vars = existsSync(file) ? readVars(file) : {};
  const missing = Object.keys(fresh).filter((k) => !(k in vars));
  if (missing.length === 0) return vars;
  for (const k of missing) vars[k] = fresh[k]();
  writeFileSync(
    file,
    `${Object.entries(vars)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );
  return vars;
}

function readVars(file) {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

function migrate() {
  const r = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  if (r.status !== 0) throw new Error("applying D1 migrations failed");
}

async function waitForEdge(child) {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error("wrangler dev exited");
    try {
      const r = await fetch(`${edge}/healthz`);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the edge did not come up");
}

async function api(method, p, token, body) {
  const r = await fetch(edge + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${method} ${p} -> ${r.status} ${JSON.stringify(json)}`);
  return json;
}

async function seed(vars) {
  if (existsSync(demoFile)) return JSON.parse(readFileSync(demoFile, "utf8"));
  const admin = { email: "admin@demo.palisade.test", password: `demo-${randomBytes(6).toString("hex")}` };
  const boot = await api("POST", "/api/v1/bootstrap", vars.BOOTSTRAP_TOKEN, { orgName: "Demo Org", ...admin });
  const org = boot.orgId;
  const team = await api("POST", `/api/v1/orgs/${org}/teams`, boot.apiKey, { name: "platform" });
  const project = await api("POST", `/api/v1/orgs/${org}/projects`, boot.apiKey, { name: "demo", teamId: team.id });
  const agent = await api("POST", `/api/v1/orgs/${org}/agents`, boot.apiKey, {
    name: "demo-agent",
    teamId: team.id,
    projectId: project.id,
    autonomy: 3,
  });
  // A model provider (the local fake, speaking the OpenAI and Anthropic wire formats) whose key
  // lives in the vault, a fallback price so every model is metered, and a daily limit.
  await api("POST", `/api/v1/orgs/${org}/credentials`, boot.apiKey, { name: "local-llm-key", secret: FAKE_LLM_KEY, inject: { type: "bearer" } });
  await api("POST", `/api/v1/orgs/${org}/providers`, boot.apiKey, {
    name: "local-openai",
    kind: "openai",
    baseUrl: `http://127.0.0.1:${fakeLlmPort}/v1`,
    credential: "local-llm-key",
  });
  await api("POST", `/api/v1/orgs/${org}/providers`, boot.apiKey, {
    name: "local-anthropic",
    kind: "anthropic",
    baseUrl: `http://127.0.0.1:${fakeLlmPort}`,
    credential: "local-llm-key",
  });
  await api("POST", `/api/v1/orgs/${org}/prices`, boot.apiKey, { model: "*", inputMicrosPerMTok: 2_500_000, outputMicrosPerMTok: 10_000_000 });
  await api("POST", `/api/v1/orgs/${org}/limits`, boot.apiKey, { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 1_000_000 });
  // Egress: read-only access to the demo internal service, reached through the sandbox host pool.
  const policy = await api("POST", `/api/v1/orgs/${org}/policies`, boot.apiKey, {
    name: "demo",
    egress: [{ host: "127.0.0.1", ports: [internalPort], methods: ["GET"], paths: ["/**"], route: "pool:local" }],
  });
  await api("POST", `/api/v1/orgs/${org}/policies/${policy.id}/attach`, boot.apiKey, { scope: "org" });
  const enrollment = await api("POST", `/api/v1/orgs/${org}/hosts`, boot.apiKey, { pool: "local" });
  const demo = {
    orgId: org,
    admin,
    apiKey: boot.apiKey,
    teamId: team.id,
    projectId: project.id,
    agentId: agent.id,
    agentToken: agent.token,
    enrollmentToken: enrollment.enrollmentToken,
  };
  mkdirSync(path.dirname(demoFile), { recursive: true });
  writeFileSync(demoFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}

/** A stand-in for a customer's internal system, reachable only through the sandbox host. */
async function startInternalService() {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ service: "demo-internal", path: req.url, method: req.method }));
  });
  await new Promise((resolve, reject) => server.once("error", reject).listen(internalPort, "127.0.0.1", resolve));
  return server;
}

function startChild(label, args, options = {}) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], ...options });
  child.stdout.on("data", (d) => process.env.PALISADE_VERBOSE && process.stdout.write(`[${label}] ${d}`));
  child.stderr.on("data", (d) => process.env.PALISADE_VERBOSE && process.stderr.write(`[${label}] ${d}`));
  children.push(child);
  return child;
}

/** Enrolls the local sandbox host once, then runs its daemon; the edge stays up if it cannot. */
async function startHost(demo) {
  if (!existsSync(path.join(hostState, "host.json"))) {
    const r = spawnSync(
      process.execPath,
      [palisade, "host", "enroll", "--edge", edge, "--token", demo.enrollmentToken, "--name", "local-host", "--state-dir", hostState],
      { cwd: root, encoding: "utf8" },
    );
    if (r.status !== 0) return `not enrolled: ${(r.stderr || r.stdout).trim().split("\n").at(-1)}`;
  }
  const daemon = startChild("host", [palisade, "host", "run", "--state-dir", hostState]);
  for (let i = 0; i < 40; i++) {
    if (daemon.exitCode !== null) return "the host daemon exited (is bubblewrap installed? see README)";
    const hosts = await api("GET", `/api/v1/orgs/${demo.orgId}/hosts`, demo.apiKey).catch(() => ({ items: [] }));
    if (hosts.items.some((h) => h.connected)) return "connected (pool local)";
    await new Promise((r) => setTimeout(r, 500));
  }
  return "started, not connected yet";
}

const vars = ensureDevVars();
await buildDashboard();
migrate();
const dev = spawn(
  process.execPath,
  [wrangler, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", stateDir, "--show-interactive-dev-session=false"],
  { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } },
);
dev.stdout.on("data", (d) => process.env.PALISADE_VERBOSE && process.stdout.write(d));
dev.stderr.on("data", (d) => process.stderr.write(d));
const stopAll = (signal) => {
  for (const child of children) child.kill(signal);
  dev.kill(signal);
};
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    stopAll(signal);
    setTimeout(() => process.exit(0), 300);
  });
startChild("fake-llm", [
  path.join(root, "node_modules/tsx/dist/cli.mjs"),
  path.join(root, "scripts/fake-llm.ts"),
  "--port",
  String(fakeLlmPort),
  "--key",
  FAKE_LLM_KEY,
]);
await startInternalService();
dev.on("exit", (code) => {
  console.error(`wrangler dev exited (${code})`);
  for (const child of children) child.kill("SIGTERM");
  process.exit(code ?? 1);
});

await waitForEdge(dev);
const demo = await seed(vars);
const hostStatus = await startHost(demo);
console.log(`
Palisade is running on workerd (state in .wrangler/state).

  Edge / API      ${edge}/api/v1   (OpenAPI: ${edge}/api/v1/openapi.json)
  Dashboard       ${edge}/
  Admin login     ${demo.admin.email} / ${demo.admin.password}
  Admin API key   ${demo.apiKey}
  Demo org        ${demo.orgId}
  Demo agent      ${demo.agentId}  token ${demo.agentToken}
  Sandbox host    ${hostStatus}
  Model provider  local fake on 127.0.0.1:${fakeLlmPort} (OpenAI and Anthropic formats)

  Try:
    curl -s -H "Authorization: Bearer ${demo.apiKey}" ${edge}/api/v1/orgs/${demo.orgId}/agents
    curl -s ${edge}/llm/openai/v1/chat/completions -H "Authorization: Bearer ${demo.agentToken}" \\
      -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi, I am jane@example.com"}]}'
    curl -s ${edge}/egress/http://127.0.0.1:${internalPort}/status -H "Authorization: Bearer ${demo.agentToken}"

Credentials are kept in .palisade/demo.json (local only). Ctrl-C stops everything.
`);
