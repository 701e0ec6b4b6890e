// Builds the broad clean-text dev set from texts/*.txt ("lang|text" a line, "\n" a line break,
// labelled values marked [[label:value]]): dev/ (two thirds, read and tuned on) and heldback/
// (a third, scored once at the end of a round), each with clean.jsonl, templated.jsonl and
// natural.jsonl for scripts/pii-heldout.ts. `npx tsx scripts/pii-dev-clean/build.ts`
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PII_CATEGORIES, type PiiCategory } from "../../schema/pii.js";

const here = dirname(fileURLToPath(import.meta.url));
type Span = { start: number; end: number; label: PiiCategory };
type Row = { id: string; lang: string; text: string; spans: Span[] };

const isCategory = (s: string): s is PiiCategory => (PII_CATEGORIES as readonly string[]).includes(s);

/** Turns "a [[person:Ann]] b" into its text and spans; throws on an unknown label. */
function parseMarked(marked: string): { text: string; spans: Span[] } {
  const spans: Span[] = [];
  let text = "";
  let rest = marked;
  for (;;) {
    const open = rest.indexOf("[[");
    if (open < 0) break;
    const close = rest.indexOf("]]", open);
    const colon = rest.indexOf(":", open);
    if (close < 0 || colon < 0 || colon > close) throw new Error(`bad mark in: ${marked}`);
    const label = rest.slice(open + 2, colon);
    if (!isCategory(label)) throw new Error(`unknown label ${label} in: ${marked}`);
    text += rest.slice(0, open);
    const value = rest.slice(colon + 1, close);
    spans.push({ start: text.length, end: text.length + value.length, label });
    text += value;
    rest = rest.slice(close + 2);
  }
  return { text: text + rest, spans };
}

function readRows(file: string): Row[] {
  // Clean texts are taken as written (code has its own "[["); only labelled files carry marks.
  const marked = file.startsWith("labelled-");
  const stem = file.replace(/\.txt$/, "");
  const rows: Row[] = [];
  for (const line of readFileSync(join(here, "texts", file), "utf8").split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const bar = line.indexOf("|");
    const lang = line.slice(0, bar);
    const body = line.slice(bar + 1).replaceAll("\\n", "\n");
    const { text, spans } = marked ? parseMarked(body) : { text: body, spans: [] };
    // The id hashes the text, so adding lines never moves an existing text between halves.
    const id = `${stem}-${createHash("sha256").update(text).digest("hex").slice(0, 10)}`;
    rows.push({ id, lang, text, spans });
  }
  return rows;
}

const heldBack = (row: Row) => Number.parseInt(row.id.slice(-4), 16) % 3 === 0;
const kinds = { clean: "clean-", templated: "labelled-templated", natural: "labelled-natural" } as const;
const files = readdirSync(join(here, "texts")).filter((f) => f.endsWith(".txt"));
for (const half of ["dev", "heldback"] as const) mkdirSync(join(here, half), { recursive: true });
for (const [kind, prefix] of Object.entries(kinds)) {
  const rows = files.filter((f) => f.startsWith(prefix)).flatMap(readRows);
  const seen = new Set<string>();
  const unique = rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
  if (kind === "clean" && unique.some((r) => r.spans.length > 0)) throw new Error("a clean text has a marked value");
  for (const half of ["dev", "heldback"] as const) {
    const chosen = unique.filter((r) => heldBack(r) === (half === "heldback"));
    writeFileSync(join(here, half, `${kind}.jsonl`), `${chosen.map((r) => JSON.stringify(r)).join("\n")}\n`);
    console.log(`${half}/${kind}.jsonl: ${chosen.length} texts`);
  }
}
