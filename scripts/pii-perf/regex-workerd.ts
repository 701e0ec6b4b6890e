// Times every global regex literal of workers/pii in workerd and in Node, each scanning the same
// whole texts, worst first (a helper run per match, such as /\D/g on a number, scans text it never
// sees in use: read its row as a per-character cost, not a cost of the detectors):
// V8 in workerd compiles some shapes far slower than Node's (a counted quantifier opening a
// pattern, `\d{4}…`, skipped its quick first-character check: 10× Node's time), and the profile
// of the Worker shows only the function that ran the regex, not the regex.
//   npx tsx scripts/pii-perf/regex-workerd.ts [rows] [text files…]
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import ts from "typescript";
import { buildPrompt } from "./prompts.js";

const root = new URL("../../", import.meta.url).pathname;
const [rowsArg, ...files] = process.argv.slice(2);
const rows = Number(rowsArg ?? 30);
const texts = files.length > 0 ? files.map((f) => readFileSync(f, "utf8")) : [buildPrompt(16 * 1024)];

/** Every regex literal under a folder: where it is and its text. */
function literals(dir: string): Array<{ where: string; literal: string }> {
  const out: Array<{ where: string; literal: string }> = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...literals(path));
    else if (name.endsWith(".ts") && !name.endsWith("-data.ts")) {
      const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
          const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          out.push({ where: `${path.slice(root.length)}:${line}`, literal: node.getText() });
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return out;
}

// Patterns anchored to a start or an end (without the m flag) run on short slices, not whole texts.
const anchored = (literal: string) => {
  const cut = literal.lastIndexOf("/");
  const body = literal.slice(1, cut);
  return !literal.slice(cut + 1).includes("m") && (body.startsWith("^") || (body.endsWith("$") && !body.endsWith("\\$")));
};
// Global patterns are the ones that scan whole texts; the others test a character or a short slice.
const scanning = (literal: string) => literal.slice(literal.lastIndexOf("/") + 1).includes("g");
const found = literals(join(root, "workers/pii")).filter((f) => scanning(f.literal) && !anchored(f.literal));
// Each scanned as a global search over the whole text, as most detectors use them.
const asGlobal = (literal: string) => {
  const cut = literal.lastIndexOf("/");
  const flags = literal.slice(cut + 1);
  return flags.includes("g") || flags.includes("y") ? literal.replace(/y([a-z]*)$/, "g$1") : `${literal}g`;
};
const script = `const R = [${found.map((f) => asGlobal(f.literal)).join(",\n")}];
export default { async fetch(request) {
  const url = new URL(request.url);
  const re = R[Number(url.searchParams.get("i"))];
  const n = Number(url.searchParams.get("n"));
  const texts = await request.json();
  let c = 0;
  for (let k = 0; k < n; k++) for (const t of texts) { re.lastIndex = 0; for (let m = re.exec(t); m; m = re.exec(t)) { c++; if (m[0] === "") re.lastIndex++; } }
  return new Response(String(c));
} };`;
const mf = new Miniflare(convertV4MiniflareOptions({ workers: [{ name: "regex", modules: true, script, compatibilityDate: "2025-01-01" }] }));
await mf.ready;
const body = JSON.stringify(texts);
const call = async (i: number, n: number) => (await mf.dispatchFetch(`http://regex/?i=${i}&n=${n}`, { method: "POST", body })).text();
// The request's own cost (JSON of the texts), measured with n = 0 and taken off.
const timeOf = async (i: number, n: number) => {
  let best = Infinity;
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    await call(i, n);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
};
const nodeRegexes = found.map((f) => {
  const literal = asGlobal(f.literal);
  const cut = literal.lastIndexOf("/");
  return new RegExp(literal.slice(1, cut), literal.slice(cut + 1));
});
const PASSES = 10;
await call(0, 0);
let empty = Infinity;
for (let r = 0; r < 5; r++) empty = Math.min(empty, await timeOf(0, 0));
const results: Array<{ where: string; workerd: number; node: number; literal: string }> = [];
for (let i = 0; i < found.length; i++) {
  await call(i, 2);
  // Enough passes for about 30 ms, so the request's own cost and noise are small beside it.
  const probe = Math.max(0.001, ((await timeOf(i, PASSES)) - empty) / PASSES);
  const passes = Math.min(2000, Math.max(PASSES, Math.round(30 / probe)));
  const workerd = ((await timeOf(i, passes)) - empty) / passes;
  const re = nodeRegexes[i] as RegExp;
  const t0 = performance.now();
  for (let k = 0; k < passes; k++)
    for (const t of texts) {
      re.lastIndex = 0;
      for (let m = re.exec(t); m; m = re.exec(t)) if (m[0] === "") re.lastIndex++;
    }
  results.push({ where: found[i]?.where ?? "", workerd, node: (performance.now() - t0) / passes, literal: found[i]?.literal ?? "" });
  if (process.env.VERBOSE) console.error(i, found[i]?.where, (workerd * 1000).toFixed(0));
}
await mf.dispose();
const chars = texts.reduce((n, t) => n + t.length, 0);
console.log(`${found.length} regex literals, ${chars} characters per pass; µs per pass, workerd then Node`);
for (const r of results.sort((a, b) => b.workerd - a.workerd).slice(0, rows))
  console.log(`${(r.workerd * 1000).toFixed(0).padStart(6)} ${(r.node * 1000).toFixed(0).padStart(6)}  ${r.where}  ${r.literal.slice(0, 110)}`);
