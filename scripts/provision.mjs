#!/usr/bin/env node
// `npm run provision`: creates the Cloudflare resources the Worker binds (the D1 database, the KV
// namespaces and the R2 bucket of audit checkpoints) in the logged-in account, or finds them when
// they exist, and writes the D1 and KV ids into wrangler.toml in place of the placeholders. Safe to run again: existing resources are reused and
// a wrangler.toml that already holds real ids is left as it is.
// WRANGLER_BIN may name another wrangler CLI (the tests use a local stand-in; nothing else reaches
// Cloudflare from here).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const configPath = process.env.PALISADE_WRANGLER_CONFIG ?? path.join(root, "wrangler.toml");
const wranglerBin = process.env.WRANGLER_BIN ?? path.join(root, "scripts/wrangler.mjs");

export const PLACEHOLDER_D1 = "00000000-0000-4000-8000-000000000000";
export const PLACEHOLDER_KV = "00000000000000000000000000000000";
export const PLACEHOLDER_OAUTH_KV = "00000000000000000000000000000001";

function wrangler(args) {
  const r = spawnSync(process.execPath, [wranglerBin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || "").trim().split("\n").slice(-3).join("\n");
    throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${r.status}):\n${why}`);
  }
  return r.stdout;
}

/** Parses the JSON array wrangler prints for `… list --json` (possibly after a banner line). */
function jsonList(output) {
  const start = output.indexOf("[");
  if (start < 0) throw new Error(`unexpected wrangler output: ${output.slice(0, 200)}`);
  return JSON.parse(output.slice(start));
}

/** The first 32-hex or UUID value of `key` in wrangler's TOML/JSON snippet after a create. */
function idFromCreateOutput(output, key) {
  const match = new RegExp(`"?${key}"?\\s*[=:]\\s*"([0-9a-f-]{32,36})"`).exec(output);
  if (!match) throw new Error(`no ${key} in wrangler's answer:\n${output.slice(0, 400)}`);
  return match[1];
}

function d1Id(name) {
  const existing = jsonList(wrangler(["d1", "list", "--json"])).find((db) => db.name === name);
  if (existing) return { id: existing.uuid, created: false };
  return { id: idFromCreateOutput(wrangler(["d1", "create", name]), "database_id"), created: true };
}

function kvId(title) {
  const existing = jsonList(wrangler(["kv", "namespace", "list"])).find((ns) => ns.title === title);
  if (existing) return { id: existing.id, created: false };
  return { id: idFromCreateOutput(wrangler(["kv", "namespace", "create", title]), "id"), created: true };
}

/** Creates the R2 bucket unless the account has it (`r2 bucket list` prints "name: …" lines). */
function r2Bucket(name) {
  const names = [...wrangler(["r2", "bucket", "list"]).matchAll(/^name:\s*(\S+)/gm)].map((m) => m[1]);
  if (names.includes(name)) return { created: false };
  wrangler(["r2", "bucket", "create", name]);
  return { created: true };
}

/** Replaces the placeholder value of `key` in the TOML section that starts at `header`. */
export function replaceInSection(toml, header, key, placeholder, value) {
  const at = toml.indexOf(header);
  if (at < 0) throw new Error(`${header} is missing from wrangler.toml`);
  const next = toml.indexOf("\n[", at + header.length);
  const end = next < 0 ? toml.length : next;
  const section = toml.slice(at, end);
  const line = `${key} = "${placeholder}"`;
  if (!section.includes(line)) return { toml, changed: false };
  return { toml: toml.slice(0, at) + section.replace(line, `${key} = "${value}"`) + toml.slice(end), changed: true };
}

function main() {
  let toml = readFileSync(configPath, "utf8");
  const workerName = /^name\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "palisade";
  const dbName = /database_name\s*=\s*"([^"]+)"/.exec(toml)?.[1] ?? workerName;
  const steps = [];

  if (toml.includes(`database_id = "${PLACEHOLDER_D1}"`)) {
    const db = d1Id(dbName);
    ({ toml } = replaceInSection(toml, "[[d1_databases]]", "database_id", PLACEHOLDER_D1, db.id));
    steps.push(`D1 ${dbName}: ${db.created ? "created" : "found"} ${db.id}`);
  } else steps.push("D1: wrangler.toml already names a database");

  if (toml.includes(`id = "${PLACEHOLDER_KV}"`)) {
    const title = `${workerName}-CACHE`;
    const kv = kvId(title);
    ({ toml } = replaceInSection(toml, "[[kv_namespaces]]", "id", PLACEHOLDER_KV, kv.id));
    steps.push(`KV ${title}: ${kv.created ? "created" : "found"} ${kv.id}`);
  } else steps.push("KV: wrangler.toml already names a namespace");

  // The OAuth provider's namespace (clients, grants, tokens of desktop MCP clients).
  if (toml.includes(`id = "${PLACEHOLDER_OAUTH_KV}"`)) {
    const title = `${workerName}-OAUTH_KV`;
    const kv = kvId(title);
    ({ toml } = replaceInSection(toml, 'binding = "OAUTH_KV"', "id", PLACEHOLDER_OAUTH_KV, kv.id));
    steps.push(`KV ${title}: ${kv.created ? "created" : "found"} ${kv.id}`);
  }

  for (const [, bucket] of toml.matchAll(/bucket_name\s*=\s*"([^"]+)"/g)) {
    steps.push(`R2 ${bucket}: ${r2Bucket(bucket).created ? "created" : "found"}`);
  }

  writeFileSync(configPath, toml);
  for (const s of steps) console.log(s);
  console.log("next: npm run wrangler -- d1 migrations apply DB --remote, the secrets (see .dev.vars.example), npm run deploy");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(`provision: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
