// Everyday words of the sentence's own language: "Kan ni uppdatera…" (Swedish "can"), "Como faço…",
// "Esta semana…" open sentences with a capital and are also surnames in the name lists. A word is
// read as its language's word when the words around it are that language's too.
import { FREQUENT_BY_LANGUAGE } from "./function-words-data.js";

/** A word this high in its language's list is a function word there ("kan", "como", "esta", "vi"). */
const FUNCTION_RANK = 150;
/** Words around a span that must be among its language's most frequent for the language to be known. */
const LANGUAGE_EVIDENCE = 2;
/** Languages whose given names are everyday syllables ("Thành", "Công"): their names are never read as words here. */
const NAMES_ARE_WORDS = new Set(["vietnamese"]);
const WORD = /[\p{L}\p{M}]+/gu;
const MAX_WORDS = 40;

let ranks: Map<string, Array<[language: number, rank: number]>> | undefined;
let languages: string[] = [];

function rankTable(): Map<string, Array<[number, number]>> {
  if (ranks) return ranks;
  const table = new Map<string, Array<[number, number]>>();
  languages = Object.keys(FREQUENT_BY_LANGUAGE);
  languages.forEach((language, index) => {
    (FREQUENT_BY_LANGUAGE[language] ?? "").split(" ").forEach((word, rank) => {
      const entry = table.get(word);
      if (entry) entry.push([index, rank + 1]);
      else table.set(word, [[index, rank + 1]]);
    });
  });
  ranks = table;
  return table;
}

/** Per language, how many of the piece's words outside [start, end) are among its most frequent. */
function languageScores(piece: string, start: number, end: number, table: Map<string, Array<[number, number]>>): Int16Array {
  const scores = new Int16Array(languages.length);
  let seen = 0;
  for (const m of piece.matchAll(WORD)) {
    if (m.index >= start && m.index < end) continue;
    if (++seen > MAX_WORDS) break;
    for (const [language] of table.get(m[0].toLowerCase()) ?? []) scores[language] = (scores[language] ?? 0) + 1;
  }
  return scores;
}

/**
 * Whether every word of piece[start, end) is one of the most frequent words of the language the
 * rest of the piece is written in (the language most of its other words belong to, by at least
 * two of them): then the span is that language's sentence, not a name.
 */
export function everydayWordsOfTheirLanguage(piece: string, start: number, end: number, givenName: (word: string) => boolean): boolean {
  const table = rankTable();
  const words = piece.slice(start, end).toLowerCase().match(WORD);
  if (!words) return false;
  // The table first: most spans hold a word of no list here, and a given name's flags cost a tokenisation.
  const entries = words.map((w) => table.get(w));
  if (entries.some((e) => !e?.some(([, rank]) => rank <= FUNCTION_RANK))) return false;
  // A listed given name stays a name even where it is a function word: "Uma não veio" is Uma, "Will's phone" is Will's.
  if (words.some(givenName)) return false;
  const scores = languageScores(piece, start, end, table);
  const best = Math.max(...scores);
  if (best < LANGUAGE_EVIDENCE) return false;
  return scores.some(
    (score, language) =>
      score === best &&
      !NAMES_ARE_WORDS.has(languages[language] ?? "") &&
      entries.every((e) => e?.some(([l, rank]) => l === language && rank <= FUNCTION_RANK)),
  );
}
