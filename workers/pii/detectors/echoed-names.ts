// A capitalised word that the text's own e-mail address spells is the address holder's name
// ("Thảo đã đổi email thành thao_nguyen@outlook.com", "Kipchoge amebadilisha barua pepe kuwa
// kipchoge.w@…"): a person whatever the tagger made of a lone word in a language it hardly knows.
// Addresses are written from names far more often than from words, so this holds where no list
// knows the name; a word the lists know as an everyday word, or one the domain also spells (a
// firm's support address), is left alone.
import { Gaz } from "../tagger/features.js";
import type { Tagger } from "../tagger/tagger.js";
import { type NameSpan, flagsOf } from "./names.js";

const ADDRESS = /([\p{L}\p{N}._%+-]{3,64})@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)/gu;
const CAPITALISED = /(?<![\p{L}\p{M}\p{N}@._/\\-])\p{Lu}[\p{Ll}\p{M}]{2,}(?![\p{L}\p{M}\p{N}@_-]|\.[\p{L}\p{N}])/gu;
/** Words whose address is a role's, not a person's ("Support", "Sales", "Billing"), unless a list knows them as a name. */
const WORD = Gaz.common | Gaz.dictionary | Gaz.techTerm | Gaz.orgWord | Gaz.time | Gaz.title;
const NAME = Gaz.first | Gaz.last;
/** Addresses whose opening and ending are compared with each word. */
const MAX_COMPARED = 32;

/** Lower case, marks and the letters NFD does not split folded to ASCII ("Thảo" → "thao", "Đức" → "duc"). */
function folded(word: string): string {
  return word
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/đ/g, "d")
    .replace(/[øö]/g, "o")
    .replace(/ß/g, "ss")
    .replace(/æ/g, "ae")
    .replace(/ł/g, "l");
}

/** Adds people whose name an e-mail address of the same text spells (see above). */
export function addEchoedNames(text: string, spans: NameSpan[], model: Tagger): void {
  if (!text.includes("@")) return;
  const parts = new Set<string>();
  const runs: string[] = [];
  const domains = new Set<string>();
  ADDRESS.lastIndex = 0;
  for (let m = ADDRESS.exec(text); m; m = ADDRESS.exec(text)) {
    const local = folded(m[1] ?? "");
    for (const part of local.split(/[^a-z]+/)) if (part.length >= 3) parts.add(part);
    runs.push(local.replace(/[^a-z]/g, ""));
    for (const label of folded(m[2] ?? "").split(/[^a-z]+/)) domains.add(label);
  }
  if (runs.length === 0) return;
  // Openings and endings are compared with a few addresses only: a text of thousands of addresses
  // and capitalised words would otherwise cost their product.
  const compared = [...new Set(runs)].slice(0, MAX_COMPARED);
  // The word is a part of an address of several ("kipchoge.w"), its opening (a given name before a
  // family name, "utehoffmann"), or its ending ("jsmith"); an address of one word is as often a
  // product's or a team's ("zendesk@…").
  const spelled = (word: string) =>
    (parts.has(word) && !runs.includes(word)) ||
    compared.some(
      (run) => (run.startsWith(word) && run.length - word.length >= 3) || (word.length >= 4 && run.endsWith(word) && run.length > word.length),
    );
  const added: NameSpan[] = [];
  // Characters some span covers, marked once: asking every span for every word costs their product.
  const covered = new Uint8Array(text.length);
  for (const s of spans) covered.fill(1, s.start, s.end);
  CAPITALISED.lastIndex = 0;
  for (let m = CAPITALISED.exec(text); m; m = CAPITALISED.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (covered.subarray(start, end).includes(1)) continue;
    const word = folded(m[0]);
    if (!/^[a-z]+$/.test(word) || !spelled(word) || domains.has(word)) continue;
    const flags = flagsOf(m[0], model);
    if (flags & WORD && !(flags & NAME)) continue;
    // Two such words side by side are one name ("Juma Kamau").
    const last = added[added.length - 1];
    if (last && text.slice(last.end, start) === " ") last.end = end;
    else added.push({ kind: "person", start, end });
  }
  for (const span of added) spans.push(span);
}
