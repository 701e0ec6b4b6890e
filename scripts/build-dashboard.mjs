#!/usr/bin/env node
// Builds the dashboard: the client bundle (esbuild, minified, content-hashed names), its CSS,
// index.html, and the JSON Schemas of every zod schema in schema/*.ts baked into the bundle so
// forms follow the API contract without zod at runtime. The files land in dist/dashboard and in
// one generated module (dist/dashboard/files.js) that the Worker imports: the dashboard ships
// inside the Worker, so no static-assets router sits in front of the agent gateway.
// Deterministic: the same sources give byte-identical files, and unchanged files are not rewritten.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const OUT_DIR = path.join(root, "dist/dashboard");

/** The contract files of schema/ (every .ts file but the D1 tables and the re-exporting index). */
function schemaFiles() {
  return readdirSync(path.join(root, "schema"))
    .filter((f) => f.endsWith(".ts") && f !== "tables.ts" && f !== "index.ts")
    .sort();
}

/** JSON Schemas (input and output side) of every exported zod schema in schema/, by export name. */
async function schemaDocuments() {
  // Inside the repo so the bundled module resolves zod from node_modules.
  mkdirSync(path.join(root, "node_modules/.cache"), { recursive: true });
  const tmp = mkdtempSync(path.join(root, "node_modules/.cache/pal-schemas-"));
  try {
    const file = path.join(tmp, "schemas.mjs");
    // zod stays external so the schemas and z.toJSONSchema share one zod instance.
    const files = schemaFiles();
    const contents = files.map((f, i) => `export * as m${i} from "./schema/${f}";`).join("\n");
    await build({
      stdin: { contents, resolveDir: root, loader: "ts" },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: file,
      external: ["zod"],
      logLevel: "warning",
      absWorkingDir: root,
    });
    const { z } = await import("zod");
    const bundle = await import(pathToFileURL(file).href);
    const found = new Map();
    files.forEach((f, i) => {
      const mod = bundle[`m${i}`];
      for (const name of Object.keys(mod)) {
        const value = mod[name];
        if (!(value instanceof z.ZodType)) continue;
        if (found.has(name) && found.get(name).value !== value)
          throw new Error(`schema name ${name} is exported by both ${found.get(name).file} and ${f}`);
        found.set(name, { value, file: f });
      }
    });
    const docs = {};
    for (const name of [...found.keys()].sort()) {
      const { value } = found.get(name);
      const convert = (io) => strip(z.toJSONSchema(value, { io, unrepresentable: "any" }));
      docs[name] = { input: convert("input"), output: convert("output") };
    }
    return docs;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Drops what the browser does not use ($schema, long regex patterns) to keep the bundle small. */
function strip(node) {
  if (Array.isArray(node)) return node.map(strip);
  if (node && typeof node === "object") {
    const out = {};
    for (const [k, v] of Object.entries(node)) if (k !== "$schema" && k !== "pattern") out[k] = strip(v);
    return out;
  }
  return node;
}

/** Writes `files` (relative path -> contents) into dir, leaving identical files untouched and removing stale ones. */
function sync(dir, files) {
  mkdirSync(dir, { recursive: true });
  const wanted = new Set(Object.keys(files));
  const walk = (d) =>
    readdirSync(d).flatMap((n) => {
      const p = path.join(d, n);
      return statSync(p).isDirectory() ? walk(p) : [path.relative(dir, p)];
    });
  for (const rel of walk(dir)) if (!wanted.has(rel)) rmSync(path.join(dir, rel));
  for (const [rel, contents] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    if (existsSync(p) && Buffer.compare(readFileSync(p), Buffer.from(contents)) === 0) continue;
    writeFileSync(p, contents);
  }
}

/** Schema names the client source mentions as string literals ("TeamCreateSchema"): only those ship. */
function referencedSchemaNames() {
  const walk = (d) => readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : [path.join(d, n)]));
  const names = new Set();
  for (const file of walk(path.join(root, "dashboard/src")).filter((f) => f.endsWith(".ts"))) {
    for (const m of readFileSync(file, "utf8").matchAll(/"([A-Z][A-Za-z0-9]*Schema)"/g)) names.add(m[1]);
  }
  return names;
}

/** Bundles the dashboard in memory: relative path -> bytes, plus the names of the JS and CSS files. */
export async function bundleDashboard() {
  const all = await schemaDocuments();
  const wanted = referencedSchemaNames();
  const missing = [...wanted].filter((n) => !(n in all));
  if (missing.length) throw new Error(`the dashboard names schemas that schema/ does not export: ${missing.join(", ")}`);
  const schemas = Object.fromEntries(Object.entries(all).filter(([name]) => wanted.has(name)));
  const virtual = {
    name: "palisade-schemas",
    setup(b) {
      b.onResolve({ filter: /^virtual:schemas$/ }, () => ({ path: "schemas", namespace: "palisade" }));
      b.onLoad({ filter: /.*/, namespace: "palisade" }, () => ({ contents: JSON.stringify(schemas), loader: "json" }));
    },
  };
  const result = await build({
    entryPoints: { app: path.join(root, "dashboard/src/main.ts") },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    write: false,
    outdir: "/assets",
    entryNames: "[name]-[hash]",
    // The chart library is imported on demand (dashboard/src/charts.ts) and ships as its own chunk.
    splitting: true,
    chunkNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    legalComments: "none",
    charset: "utf8",
    plugins: [virtual],
    absWorkingDir: root,
    logLevel: "warning",
  });
  const files = {};
  let js = "";
  let css = "";
  for (const f of result.outputFiles) {
    const rel = path.relative("/", f.path);
    files[rel] = f.contents;
    if (rel.endsWith(".js") && rel.startsWith("assets/app-")) js = rel;
    if (rel.endsWith(".css")) css = rel;
  }
  const html = readFileSync(path.join(root, "dashboard/index.html"), "utf8").replace("%APP_JS%", `/${js}`).replace("%APP_CSS%", `/${css}`);
  files["index.html"] = Buffer.from(html);
  return { files, js, css };
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

/** The module the Worker imports: URL path -> { type, etag, body } (every file is text). */
function filesModule(files) {
  const entries = Object.entries(files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rel, contents]) => {
      const type = TYPES[path.extname(rel)];
      if (!type) throw new Error(`no content type for dashboard file ${rel}`);
      const etag = `"${createHash("sha256").update(contents).digest("hex").slice(0, 32)}"`;
      return `  ${JSON.stringify(`/${rel}`)}: { type: ${JSON.stringify(type)}, etag: ${JSON.stringify(etag)}, body: ${JSON.stringify(Buffer.from(contents).toString("utf8"))} },`;
    });
  return `// Generated by scripts/build-dashboard.mjs; do not edit.\nexport default {\n${entries.join("\n")}\n};\n`;
}

const FILES_TYPES = `// Generated by scripts/build-dashboard.mjs; do not edit.
declare const files: Record<string, { type: string; etag: string; body: string }>;
export default files;
`;

/** Builds dist/dashboard (unchanged files are left alone) and reports the bundle sizes. */
export async function buildDashboard({ quiet = false } = {}) {
  const { files, js, css } = await bundleDashboard();
  sync(OUT_DIR, { ...files, "files.js": Buffer.from(filesModule(files)), "files.d.ts": Buffer.from(FILES_TYPES) });
  const sizes = {
    js: files[js].byteLength,
    jsGzip: gzipSync(files[js], { level: 9 }).byteLength,
    css: files[css].byteLength,
    cssGzip: gzipSync(files[css], { level: 9 }).byteLength,
  };
  if (!quiet) console.log(`dashboard: ${js} ${sizes.js} B (gzip ${sizes.jsGzip} B), ${css} ${sizes.css} B (gzip ${sizes.cssGzip} B)`);
  return { files: Object.keys(files).sort(), ...sizes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await buildDashboard();
