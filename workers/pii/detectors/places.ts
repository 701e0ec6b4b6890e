// Places the tagger left outside: a capitalised word the gazetteer knows only as a city, region or
// country ("à Liège", "İzmir'in belediye", "Espoossa", "u Beogradu"), with the case endings of the
// languages that inflect place names read back to the listed form.
import { Gaz } from "../tagger/features.js";
import { nameLikeness } from "../tagger/name-shape.js";
import type { Tagger } from "../tagger/tagger.js";
import { Shape, lowerLikeTokens, tokenize, wordHash } from "../tagger/tokens.js";

const PLACE = Gaz.city | Gaz.region | Gaz.country;
/** Lists that give the word another reading: a person, a word of some language, a tool, a month, an office. */
const OTHER_READING =
  Gaz.first |
  Gaz.last |
  Gaz.common |
  Gaz.dictionary |
  Gaz.frequent |
  Gaz.techTerm |
  Gaz.time |
  Gaz.title |
  Gaz.orgWord |
  Gaz.street |
  Gaz.nationality |
  Gaz.particle;
/** Another reading that a preposition of place settles ("to Europe", "v Tartu"): only frequency. */
const SETTLED_BY_PREPOSITION = Gaz.frequent;

/** Prepositions of place of the languages the tagger reads (a place name follows them, lower case). */
const PLACE_PREPOSITION =
  /(?:^|[^\p{L}])(?:in|at|to|from|near|into|à|au|en|de|depuis|vers|a|em|no|na|para|desde|hacia|nach|aus|bei|nahe|naar|uit|bij|te|i|på|fra|från|till|til|w|we|z|ze|do|v|ve|u|iz|od|kod|в|во|из|до|у|под|под|із|з|σε|στη|στην|στο|από|di|da|ke|dari|ở|tại)\s+$/iu;

/** Case endings after a place name (Finnish, Estonian, Hungarian, the Slavic languages); longest first. */
const CASE_ENDINGS = [
  "ssa",
  "ssä",
  "sta",
  "stä",
  "lla",
  "llä",
  "lta",
  "ltä",
  "lle",
  "sse",
  "ban",
  "ben",
  "ból",
  "ből",
  "ról",
  "ről",
  "nál",
  "nél",
  "hoz",
  "hez",
  "höz",
  "tól",
  "től",
  "ba",
  "be",
  "ra",
  "re",
  "on",
  "en",
  "ön",
  "st",
  "om",
  "em",
  "ou",
  "ie",
  "n",
  "s",
  "u",
  "a",
  "e",
  "ě",
  "y",
  "i",
  "ą",
  "ę",
];
/** Where a sentence or line opens, and every word has a capital. */
const OPENING = /(?:^|[.!?:;•*>#|\n-])[\s"'“„«([]*$/u;
/** Codes written for a country in prose; the lists' other short capitals are words of other languages ("DER", "SAN", "ED"). */
const COUNTRY_CODES = new Set(["UK", "US", "USA", "UAE", "GB", "DRC", "PRC", "ROK"]);
const COUNTRY_CODE_BEFORE = /(?:^|[^\p{L}])(?:the|in|to|from|across|throughout)\s+$/iu;
const DEMONYM = /(?:ian|ean|ese|ish|ic)$/u;
const NOUN_AFTER = /^ \p{Ll}/u;
const LABEL_AFTER = /^\s?[:：]/u;
const APOSTROPHE_SUFFIX = /^(\p{Lu}[\p{L}\p{M}-]*)['’]\p{Ll}{1,6}$/u;

function flags(model: Tagger, word: string): number {
  return model.gazetteer.flags(wordHash(lowerLikeTokens(word)));
}

/** The word is a place and nothing else; `settled` lets a frequent word count (a preposition of place before it). */
function onlyAPlace(f: number, settled: boolean): boolean {
  return (f & PLACE) !== 0 && (f & (settled ? OTHER_READING & ~SETTLED_BY_PREPOSITION : OTHER_READING)) === 0;
}

/** The listed form of an inflected place name, if one of its case endings leaves one ("Espoossa" → Espoo, "Ostravě" → Ostrava). */
function inflectedPlace(model: Tagger, word: string): boolean {
  const apostrophe = APOSTROPHE_SUFFIX.exec(word);
  if (apostrophe) return onlyAPlace(flags(model, apostrophe[1] ?? ""), true);
  const lower = lowerLikeTokens(word);
  for (const ending of CASE_ENDINGS) {
    if (!lower.endsWith(ending)) continue;
    const stem = lower.slice(0, -ending.length);
    if (stem.length < 4) continue;
    // The stem as listed, or with the vowel the ending replaced ("Ostrav-ě" → Ostrava, "Rovaniem-ellä" → Rovaniemi).
    for (const base of [stem, `${stem}a`, `${stem}o`, stem.endsWith("e") ? `${stem.slice(0, -1)}i` : ""]) {
      if (base && onlyAPlace(flags(model, base), true)) return true;
    }
  }
  return false;
}

/**
 * Spans (piece offsets) of capitalised words that name a place and nothing else, and of inflected
 * forms of such names. A word the lists also give another reading counts only after a preposition
 * of place and when that reading is frequency alone ("moving to Europe", "v Tartu").
 */
export function knownPlaces(piece: string, model: Tagger): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const t = tokenize(piece);
  for (let i = 0; i < t.count; i++) {
    const shape = t.shape[i];
    const start = t.starts[i] ?? 0;
    const end = t.ends[i] ?? 0;
    // A country's code in capitals after "the" or a preposition of place ("to the UK", "in the US").
    if (
      end - start <= 3 &&
      shape === Shape.AllCaps &&
      COUNTRY_CODES.has(piece.slice(start, end)) &&
      COUNTRY_CODE_BEFORE.test(piece.slice(Math.max(0, start - 12), start))
    ) {
      out.push([start, end]);
      continue;
    }
    if (end - start < 4) continue;
    if (shape !== Shape.Capitalised && !(shape === Shape.AllCaps && end - start >= 5)) continue;
    const word = piece.slice(start, end);
    const f = model.gazetteer.flags(t.word[i] ?? 0);
    // A field label ("Índice:") is no place; opening a sentence, a word must also look like a
    // name rather than a word ("Asse por 40 minutos", "Stendere la pasta": towns, and verbs there).
    if (LABEL_AFTER.test(piece.slice(end, end + 2))) continue;
    // An adjective of a place before a noun is no place ("Siberian huskies", "Bavarian cream").
    if (DEMONYM.test(piece.slice(start, end)) && NOUN_AFTER.test(piece.slice(end, end + 3))) continue;
    const before = piece.slice(Math.max(0, start - 10), start);
    if (OPENING.test(before) && nameLikeness(piece.slice(start, end)) < -1) continue;
    const settled = PLACE_PREPOSITION.test(before);
    if (onlyAPlace(f, settled) || ((f & (OTHER_READING | PLACE)) === 0 && shape === Shape.Capitalised && inflectedPlace(model, word)))
      out.push([start, end]);
  }
  return out;
}
