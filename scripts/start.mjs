#!/usr/bin/env node
// `npm start`: the whole platform locally on workerd. Creates local secrets, applies D1
// migrations, starts `wrangler dev` with on-disk D1/KV/Durable Objects, seeds a demo org,
// admin and agent, and prints the URL and credentials.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
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

function ensureDevVars() {
  const file = path.join(root, ".dev.vars");
  if (existsSync(file)) return readVars(file);
  const vars = {
    BOOTSTRAP_TOKEN: `boot_${randomBytes(24).toString("base64url")}`,
    SESSION_SIGNING_KEY: randomBytes(32).toString("base64"),
    VAULT_KEYS: `v1:${randomBytes(32).toString("base64")}`,
    ALLOW_PRIVATE_UPSTREAMS: "true",
  };
  writeFileSync(file, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join("\n") + "\n", { mode: 0o600 });
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
  const agent = await api("POST", `/api/v1/orgs/${org}/agents`, boot.apiKey, { name: "demo-agent", teamId: team.id, projectId: project.id, autonomy: 3 });
  const demo = { orgId: org, admin, apiKey: boot.apiKey, teamId: team.id, projectId: project.id, agentId: agent.id, agentToken: agent.token };
  mkdirSync(path.dirname(demoFile), { recursive: true });
  writeFileSync(demoFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
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
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { dev.kill(signal); process.exit(0); });
dev.on("exit", (code) => { console.error(`wrangler dev exited (${code})`); process.exit(code ?? 1); });

await waitForEdge(dev);
const demo = await seed(vars);
console.log(`
Palisade is running on workerd (state in .wrangler/state).

  Edge / API      ${edge}/api/v1   (OpenAPI: ${edge}/api/v1/openapi.json)
  Dashboard       ${edge}/
  Admin login     ${demo.admin.email} / ${demo.admin.password}
  Admin API key   ${demo.apiKey}
  Demo org        ${demo.orgId}
  Demo agent      ${demo.agentId}  token ${demo.agentToken}

  Try: curl -s -H "Authorization: Bearer ${demo.apiKey}" ${edge}/api/v1/orgs/${demo.orgId}/agents

Credentials are kept in .palisade/demo.json (local only). Ctrl-C stops everything.
`);
