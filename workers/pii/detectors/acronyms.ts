// Organisations written as an acronym no list knows, where the sentence marks it as a name: an
// article before it in the languages that put one before an institution ("O IBGE divulgou", "Het
// KNMI geeft", "l'ANAS ha chiuso", "η ΕΜΥ"), or in brackets after a person ("Tóth Eszter (ELTE)").
// An acronym alone says nothing (a unit, an error code, an id's label: "TL", "ENOENT", "CPF").
import { Gaz } from "../tagger/features.js";
import type { Tagger } from "../tagger/tagger.js";
import { lowerLikeTokens, wordHash } from "../tagger/tokens.js";
import { ID_WORDS } from "./national-ids.js";

/** Two to six capitals, not inside a word, a path, a code or before a label's colon or a number. */
const ACRONYM = /(?<![\p{L}\p{N}_./@#&-])\p{Lu}[\p{Lu}\p{M}]{1,5}(?![\p{L}\p{N}_@&]|[.:/-][\p{L}\p{N}]|\s?[:：=]|\s?\p{N})/gu;
/** Articles (and article-prepositions) before an institution, in languages that write them; not English "the"/"a". */
const ARTICLE_BEFORE =
  /(?:^|[^\p{L}])(?:(?:o|os|do|da|dos|das|no|na|ao|pelo|pela|el|los|las|del|al|le|les|du|des|au|aux|il|lo|gli|dello|della|dal|nel|het|der|die|das|dem|den|vom|zum|zur|beim|az|ο|η|το|τον|την|του|της|στο|στον|στην)\s+|(?:l|dell|all|dall|nell|sull)['’])$/iu;
/** A capitalised word, then the acronym in brackets: a person's or team's affiliation. */
const AFFILIATION_BEFORE = /\p{Lu}[\p{Ll}\p{M}'’-]+\s\($/u;
const ORG_ONLY = Gaz.orgName;
/** Acronyms of things no list spells out: networks, codes and account ids ("mit dem WLAN", "el CBU"). */
const NOT_AN_ORGANISATION = new Set("WLAN LAN WIFI DSL LTE NFC QR PIN TAN PUK SIM USB CBU CVU IBAN BIC".split(" "));

/** "Our Net Promoter Score (NPS)": capitalised words before it, one opening on the acronym's first letter: a term being defined. */
function spellsWordsBefore(acronym: string, before: string): boolean {
  const run = /((?:\p{Lu}[\p{L}\p{M}'’-]*\s){2,})\($/u.exec(before)?.[1] ?? "";
  return [...run.matchAll(/\p{Lu}/gu)].some((initial) => initial[0] === acronym[0]);
}

/** Organisation spans (piece offsets) of acronyms a sentence marks as names. */
export function markedAcronyms(piece: string, model: Tagger): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  // A piece mostly in capitals is a heading or a shouted line: its words are all acronyms.
  let capitals = 0;
  let lower = 0;
  for (const ch of piece) {
    if (ch !== ch.toLowerCase()) capitals++;
    else if (ch !== ch.toUpperCase()) lower++;
  }
  if (capitals > lower) return out;
  ACRONYM.lastIndex = 0;
  for (const m of piece.matchAll(ACRONYM)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const before = piece.slice(Math.max(0, start - 12), start);
    const bracketed =
      AFFILIATION_BEFORE.test(piece.slice(Math.max(0, start - 40), start)) &&
      piece[end] === ")" &&
      !spellsWordsBefore(m[0], piece.slice(Math.max(0, start - 80), start));
    if (!bracketed && !ARTICLE_BEFORE.test(before)) continue;
    // A listed word in capitals ("SMS", "GPS", "MIT" is German "mit") or an id's name ("CPF", "NIF") is no organisation.
    const flags = model.gazetteer.flags(wordHash(lowerLikeTokens(m[0])));
    if (flags & ~ORG_ONLY || ID_WORDS.test(m[0].toLowerCase()) || NOT_AN_ORGANISATION.has(m[0])) continue;
    out.push([start, end]);
  }
  return out;
}
