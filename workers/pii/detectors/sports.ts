// Teams in a sports result: the capitalised names beside a score ("Valur vann KR 2-1", "«Динамо»
// обіграло «Шахтар» 1:0", "Racing Club beat Independiente 3-1"), where clubs named after a town,
// an acronym or a word ("FCSB", "Partizan", "Brann") are read by nothing else.
import { Gaz } from "../tagger/features.js";
import type { Tagger } from "../tagger/tagger.js";
import { lowerLikeTokens, wordHash } from "../tagger/tokens.js";

/** A score: two small numbers across a dash or colon, not a time (":05"), a date or a range of years. */
const SCORE =
  /(?<![\p{L}\p{N}]|\p{N}[.,:/-])(\p{N}{1,3})\s?[-–—:]\s?(\p{N}{1,3})(?![\p{L}\p{N}]|[.,:/-]\p{N}|\s?(?:h|Uhr|am|pm|AM|PM|hrs?|%|min|minutes?|hours?|days?|weeks?|seconds?|people|years?|times|mg|ml|g|kg|cm|mm|km|€|Euro|EUR|Minuten|Stunden|Tage|Wochen|Monate|Jahre|Tabletten|Kapseln|Tropfen|Tassen|Stück|Personen|mal|minutos|horas|días|heures|jours|fois)(?![\p{L}]))/gu;
/** Verbs of winning, losing and drawing in the languages of the dev sets' sports news, and "versus". */
const RESULT_VERBS = (
  "beat|beats|defeated|defeats|edge|edges|edged|vence|golea|gana|thrashed|routed|downed|won|wins|lost|drew|slo|slog|vann|tapte|" +
  "voitti|hävisi|sigraði|vant|besejrede|won van|verloor|versloeg|gewann|besiegte|schlug|verlor|" +
  "venceu|goleó|ganó|derrotó|perdió|empató|venció|va guanyar|battu|bat|s'impose|l'emporte|ha battuto|" +
  "ha vinto|ha perso|batte|pokonała|pokonał|wygrała|wygrał|porazila|porazil|zvítězila|zdolala|обыграл|" +
  "обыграла|обыграло|обіграв|обіграла|обіграло|победил|победила|победило|победи|переміг|перемогла|yendi|" +
  "mağlup etti|a învins|a câștigat|uzvarēja|įveikė|nugalėjo|pobedila|pobedio|je pobedila|svladao|" +
  "legyőzte|menang|mengalahkan|menewaskan|tinalo|iliifunga|νίκησε|thắng|s’impose|l’emporte"
).split("|");
const RESULT_VERB = new RegExp(`(?<![\\p{L}])(?:${RESULT_VERBS.join("|")})(?![\\p{L}])`, "giu");
const RESULT_WORDS = new Set(RESULT_VERBS);
const CAPITALISED_NAME = /^[\p{Lu}][\p{L}\p{M}\p{N}'’./-]*$/u;
/** Between a verb or score and the team: articles, prepositions and quotes ("won van", "gegen", "over the", "l'", "«"). */
const LEAD_IN =
  /^(?:[\s«»"“”„'()]|(?:the|a|o|el|la|le|les|il|lo|de|den|het|tegen|against|over|atas|contre|face au|face à|mot|van|ar|cu|с|со|против|τον|την|το|τη|ang|si|ve|i|cu|con|contra|gegen|sobre|à|au)(?=\s))*/iu;
/** A suffix a language glues to the name ("KuPS:n", "Trabzonspor'u", "Persija'ya"). */
const GLUED_SUFFIX = /(?:['’:]\p{Ll}{1,5})$/u;
const WORD_BEFORE = /[\p{L}\p{M}\p{N}'’./:-]+$/u;
const WORD_AFTER = /^[\p{L}\p{M}\p{N}'’./-]+(?::\p{Ll}{1,5}(?![\p{L}]))?/u;
/** Capitalised words that open sentences and clauses, never a team alone. */
const NOT_A_TEAM = new Set(
  "the a an der die das le la les el los las il lo het de o os as und and et y e i ja og och ve va ma but in on at with mit we they our ο η οι τον την το".split(
    " ",
  ),
);
/** A word that is no team: an article or conjunction, or a verb of result ("Drew 2–2 at home", "JUVENTUS BATTE NAPOLI"). */
const notATeam = (word: string) => NOT_A_TEAM.has(word.toLowerCase()) || RESULT_WORDS.has(word.toLowerCase());
/** An elided article before the team ("L'AS Monaco", "l'Espanyol"). */
const ELIDED = /^\p{L}['’](?=\p{Lu})/u;
/** A number that is part of a team's name ("Racing 92", "Hannover 96"), not a score's. */
const NUMBER_IN_NAME = /^ \p{N}{1,4}(?![\p{N}]|\s?[-–—:]\s?\p{N})/u;

interface Run {
  start: number;
  end: number;
}

/** The capitalised words ending at `at` (skipping quotes and spaces back), up to four. */
function runBefore(piece: string, at: number): Run | null {
  let end = at;
  while (end > 0 && /[\s«»"“”„,]/u.test(piece[end - 1] ?? "")) end--;
  let start = end;
  for (let words = 0; words < 4; words++) {
    const m = WORD_BEFORE.exec(piece.slice(Math.max(0, start - 40), start));
    if (!m || !CAPITALISED_NAME.test(m[0].replace(GLUED_SUFFIX, "")) || notATeam(m[0])) break;
    start -= m[0].length;
    // The word before joins only when it is capitalised too, one space away.
    const previous = piece[start - 1] === " " ? WORD_BEFORE.exec(piece.slice(Math.max(0, start - 41), start - 1)) : null;
    if (!previous || !CAPITALISED_NAME.test(previous[0]) || notATeam(previous[0])) break;
    start--;
  }
  return start < end ? trimmed(piece, start, end) : null;
}

/** The capitalised words from `at` on (after articles, prepositions and quotes), up to four. */
function runAfter(piece: string, at: number): Run | null {
  const start = at + (LEAD_IN.exec(piece.slice(at, at + 24))?.[0].length ?? 0);
  let end = start;
  let words = 0;
  for (;;) {
    const m = WORD_AFTER.exec(piece.slice(end, end + 40));
    if (!m || !CAPITALISED_NAME.test(m[0].replace(/:\p{Ll}+$/u, "")) || notATeam(m[0]) || words === 4) break;
    end += m[0].length;
    words++;
    if (piece[end] !== " " || !CAPITALISED_NAME.test(WORD_AFTER.exec(piece.slice(end + 1, end + 41))?.[0] ?? "")) break;
    end++;
  }
  if (words) end += NUMBER_IN_NAME.exec(piece.slice(end, end + 8))?.[0].length ?? 0;
  return words ? trimmed(piece, start, end) : null;
}

function trimmed(piece: string, from: number, end: number): Run | null {
  let start = from;
  // An article or conjunction opening the run is not the team's ("The Tigers", "Und Bayern").
  for (let m = /^(\p{L}+) /u.exec(piece.slice(start, end)); m && notATeam(m[1] ?? ""); m = /^(\p{L}+) /u.exec(piece.slice(start, end)))
    start += m[0].length;
  start += ELIDED.exec(piece.slice(start, end))?.[0].length ?? 0;
  if (notATeam(piece.slice(start, end))) return null;
  let e = end;
  const value = piece.slice(start, e);
  e -= GLUED_SUFFIX.exec(value)?.[0].length ?? 0;
  while (e > start && /[.:,'’-]/u.test(piece[e - 1] ?? "")) e--;
  return e - start >= 2 ? { start, end: e } : null;
}

const KNOWN_WORD = Gaz.dictionary | Gaz.frequent | Gaz.common | Gaz.techTerm | Gaz.time;
const NAME_FLAGS = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName;

const ENGLISH_OR_TOOL = Gaz.dictionary | Gaz.common | Gaz.techTerm | Gaz.time;
const TEAM_ACRONYM = /^\p{Lu}{2,5}$/u;

/**
 * A run names a team when one of its words is a listed name or place, an acronym, or a word no
 * list knows ("FCSB", "Partizan"; not "Figure", "Bake", "Tabs"); beside a verb of result, a
 * frequent word of some language too ("Valur vann KR").
 */
function namesATeam(piece: string, run: Run, model: Tagger, verbNear: boolean): boolean {
  // A club's number is part of its name ("Racing 92", "Hannover 96").
  if (/\p{N}/u.test(piece.slice(run.start, run.end))) return true;
  for (const m of piece.slice(run.start, run.end).matchAll(/[\p{L}\p{M}]+/gu)) {
    const flags = model.gazetteer.flags(wordHash(lowerLikeTokens(m[0])));
    if (flags & NAME_FLAGS || !(flags & (verbNear ? ENGLISH_OR_TOOL : KNOWN_WORD))) return true;
    if (TEAM_ACRONYM.test(m[0]) && !(flags & (Gaz.techTerm | Gaz.time))) return true;
  }
  return false;
}

/**
 * Team spans (piece offsets) of a piece that reports a result: a score, and a verb of result or a
 * name on each side of the score; at least two sides named.
 */
export function sportsTeams(piece: string, model: Tagger): Array<[number, number]> {
  SCORE.lastIndex = 0;
  if (!SCORE.test(piece)) return [];
  const out: Array<[number, number]> = [];
  const verbs = [...piece.matchAll(RESULT_VERB)];
  const add = (run: Run | null) => {
    if (run && namesATeam(piece, run, model, verbs.length > 0) && !out.some(([s, e]) => s === run.start && e === run.end))
      out.push([run.start, run.end]);
  };
  let scored = false;
  SCORE.lastIndex = 0;
  for (const m of piece.matchAll(SCORE)) {
    const at = m.index ?? 0;
    // A score with a name on each side ("Valur 2-1 KR", "LG 5-3 Doosan") or in a piece with a verb of result.
    const before = runBefore(piece, at);
    const after = runAfter(piece, at + m[0].length);
    const named = (run: Run | null) => run !== null && namesATeam(piece, run, model, false);
    if (verbs.length === 0 && !(named(before) && named(after))) continue;
    scored = true;
    add(before);
    add(after);
  }
  if (!scored) return out;
  for (const v of verbs) {
    add(runBefore(piece, v.index ?? 0));
    add(runAfter(piece, (v.index ?? 0) + v[0].length));
  }
  // A result names two sides: one capitalised word alone beside a verb is how the sentence opens
  // ("Hemmalaget vann med 3–2", "Kotijoukkue voitti 3–2": the home team).
  return out.length >= 2 ? out : [];
}
