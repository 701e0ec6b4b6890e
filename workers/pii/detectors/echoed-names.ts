// A capitalised word that the text's own e-mail address spells is the address holder's name
// ("Thảo đã đổi email thành thao_nguyen@outlook.com", "Kipchoge amebadilisha barua pepe kuwa
// kipchoge.w@…"): a person whatever the tagger made of a lone word in a language it hardly knows.
// Addresses are written from names far more often than from words, so this holds where no list
// knows the name; a word the lists know as an everyday word, or one the domain also spells (a
// firm's support address), is left alone.
import { Gaz } from "../tagger/features.js";
import type { Tagger } from "../tagger/tagger.js";
import { type NameSpan, flagsOf } from "./names.js";

// The top-level label is letters: "setup-ruby@v1.160.0" and "axios-retry@3.9.1" are packages, not addresses.
const ADDRESS = /(?<![\p{L}\p{N}._%+/-])([\p{L}\p{N}._%+-]{3,64})@((?:[\p{L}\p{N}-]+\.)+\p{L}{2,24})(?![\p{L}\p{N}-]|\.[\p{L}\p{N}])/gu;
const CAPITALISED = /(?<![\p{L}\p{M}\p{N}@._/\\-])\p{Lu}[\p{Ll}\p{M}]{2,}(?![\p{L}\p{M}\p{N}@_-]|\.[\p{L}\p{N}])/gu;
/** Words whose address is a role's, not a person's ("Support", "Sales", "Billing"), unless a list knows them as a name. */
const WORD = Gaz.common | Gaz.dictionary | Gaz.techTerm | Gaz.orgWord | Gaz.time | Gaz.title;
const NAME = Gaz.first | Gaz.last;
/** Parts of a team's or a service's address that no word list holds. */
const ROLE_PARTS = new Set(
  "oncall meetup devops noreply postmaster webmaster helpdesk infra sre ops eng dev devs hr it qa pr admin info alerts notify notifications mailer bot".split(
    " ",
  ),
);
/** Addresses read at most: more make a list whose names are its (masked) addresses. */
const MAX_ADDRESSES = 32;

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
  // Each address as its parts of letters ("thao", "nguyen"); and the domain's labels.
  const addresses: string[][] = [];
  const domains = new Set<string>();
  ADDRESS.lastIndex = 0;
  for (let m = ADDRESS.exec(text); m && addresses.length <= MAX_ADDRESSES; m = ADDRESS.exec(text)) {
    addresses.push(
      folded(m[1] ?? "")
        .split(/[^a-z]+/)
        .filter(Boolean),
    );
    for (const label of folded(m[2] ?? "").split(/[^a-z]+/)) domains.add(label);
  }
  // A list of hundreds of addresses is a dump, not a message: its names are its addresses, which are masked.
  if (addresses.length === 0 || addresses.length > MAX_ADDRESSES) return;
  // What else the address holds must be a name's too: an initial, or a word no list knows as an
  // everyday word ("nguyen", "w"); "grant.applications", "florence.office", "lisbonhub" are a role's.
  const nameLike = (rest: string) => rest.length <= 1 || (!ROLE_PARTS.has(rest) && !(flagsOf(rest, model) & WORD));
  const spelled = (word: string) =>
    addresses.some((parts) => {
      const at = parts.indexOf(word);
      if (at >= 0) return parts.length > 1 && parts.every((p, i) => i === at || nameLike(p));
      // One part may join a given and a family name ("utehoffmann") or an initial and one ("jsmith").
      const [run = ""] = parts;
      if (parts.length !== 1) return false;
      if (run.length - word.length >= 3 && run.startsWith(word)) return nameLike(run.slice(word.length));
      if (word.length >= 4 && run.length > word.length && run.endsWith(word)) return nameLike(run.slice(0, -word.length));
      return false;
    });
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
    if (!/^[a-z]+$/.test(word) || domains.has(word) || !spelled(word)) continue;
    const flags = flagsOf(m[0], model);
    if (flags & WORD && !(flags & NAME)) continue;
    // Two such words side by side are one name ("Juma Kamau").
    const last = added[added.length - 1];
    if (last && text.slice(last.end, start) === " ") last.end = end;
    else added.push({ kind: "person", start, end });
  }
  for (const span of added) spans.push(span);
}
