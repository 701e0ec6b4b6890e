// Organisations known by name (known-orgs-data.ts): a listed name written as listed is the
// organisation wherever it stands, whatever the tagger made of it ("DHL", "BNP Paribas", "华为").
import { groupedByFirstCharacter } from "./alternation.js";
import { KNOWN_ORGANISATIONS } from "./known-orgs-data.js";

const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
/** Scripts written without spaces: their names stand inside words ("同行は三菱商事の"). */
const UNSPACED = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Thai}]/u;
// Longest first, so "Deutsche Bank" wins over a shorter name at the same place.
const names = [...new Set(KNOWN_ORGANISATIONS)].sort((a, b) => b.length - a.length);
const spaced = names.filter((n) => !UNSPACED.test(n)).map(escapeRegex);
const unspaced = names.filter((n) => UNSPACED.test(n)).map(escapeRegex);
const SPACED_NAME = new RegExp(
  `(?<![\\p{L}\\p{N}_@./-])(?:${groupedByFirstCharacter(spaced.join("|"), "gu")})(?![\\p{L}\\p{N}_]|[.@/-][\\p{L}\\p{N}])`,
  "gu",
);
const UNSPACED_NAME = new RegExp(`(?:${groupedByFirstCharacter(unspaced.join("|"), "gu")})`, "gu");

/** [start, end) of each listed organisation in `text`. */
export function knownOrganisations(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const re of UNSPACED.test(text) ? [SPACED_NAME, UNSPACED_NAME] : [SPACED_NAME]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) out.push([m.index, m.index + m[0].length]);
  }
  return out;
}
