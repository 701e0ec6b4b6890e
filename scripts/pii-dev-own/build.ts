// Builds this folder's dev set from the hand-written texts-*.txt files (one text a line:
// `genre|lang|text`, `\n` for a line break, spans written `[[code:value]]`) into two folders in
// the format of scripts/pii-heldout.ts: `dev/` (read and tuned on) and `check/` (a third of the
// texts by hash, scored once at the end, its errors not read). `npx tsx scripts/pii-dev-own/build.ts`
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const LABELS: Record<string, string> = {
  p: "person",
  o: "organization",
  l: "location",
  a: "address",
  ph: "phone",
  e: "email",
  c: "credit_card",
  d: "date_of_birth",
  t: "tax_id",
  i: "iban",
  ip: "ip_address",
  s: "secret",
};
const FILE_OF: Record<string, string> = { form: "templated", news: "natural", chat: "natural", note: "natural", clean: "clean" };

type Row = { id: string; lang: string; text: string; spans: Array<{ start: number; end: number; label: string }> };
const out: Record<"dev" | "check", Record<string, Row[]>> = { dev: {}, check: {} };

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

let n = 0;
for (const file of readdirSync(here)
  .filter((f) => /^texts-.*\.txt$/.test(f))
  .sort()) {
  for (const line of readFileSync(join(here, file), "utf8").split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const [genre = "", lang = "", ...rest] = line.split("|");
    const source = rest.join("|").replaceAll("\\n", "\n");
    const spans: Row["spans"] = [];
    let text = "";
    let at = 0;
    for (const m of source.matchAll(/\[\[([a-z]+):([^\]]+)\]\]/g)) {
      const label = LABELS[m[1] ?? ""];
      if (!label) throw new Error(`${file}: unknown label ${m[1]} in ${line}`);
      text += source.slice(at, m.index);
      spans.push({ start: text.length, end: text.length + (m[2] ?? "").length, label });
      text += m[2];
      at = m.index + m[0].length;
    }
    text += source.slice(at);
    const kind = FILE_OF[genre];
    if (!kind) throw new Error(`${file}: unknown genre ${genre}`);
    if ((kind === "clean") !== (spans.length === 0)) throw new Error(`${file}: clean texts hold no spans, others some: ${line}`);
    n++;
    const half = fnv(text) % 3 === 0 ? "check" : "dev";
    (out[half][kind] ??= []).push({ id: `own-${String(n).padStart(4, "0")}`, lang, text, spans });
  }
}
for (const half of ["dev", "check"] as const) {
  mkdirSync(join(here, half), { recursive: true });
  for (const kind of ["templated", "natural", "clean"]) {
    const rows = out[half][kind] ?? [];
    writeFileSync(join(here, half, `${kind}.jsonl`), `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
    console.log(`${half}/${kind}.jsonl: ${rows.length} texts`);
  }
}
