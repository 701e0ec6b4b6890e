// Which language a sentence is written in, from the most frequent words of each language
// (sentence-words-data.ts), and what that says of its first word: an everyday word of the
// sentence's own language ("Esta acción no se puede deshacer", "Tej operacji nie można cofnąć") is
// that word, even when some list holds it as a given name; a given name that no frequent word of
// the sentence's language spells ("Anna came home", "Grace called") is the person.
import { OPENING_LANGUAGES, SENTENCE_WORDS, TOP_LANGUAGES, TOP_WORDS } from "./sentence-words-data.js";

/** Words read after the first to tell the sentence's language. */
const WORDS_READ = 8;
const WORD = /[\p{L}\p{M}'’-]+/gu;
const LANGUAGES = Object.keys(SENTENCE_WORDS);

/** Index of `word` in TOP_WORDS (binary search: sorted by code unit), or -1. */
function topIndex(word: string): number {
  let low = 0;
  let high = TOP_WORDS.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = TOP_WORDS[mid] ?? "";
    if (at === word) return mid;
    if (at < word) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

const languagesAt = (table: readonly string[], index: number): number[] =>
  index < 0 || !table[index] ? [] : (table[index] ?? "").split(",").map(Number);

// A language's whole list becomes a set once a sentence is read in it (about a millisecond each).
const sets = new Map<number, Set<string>>();
function wordsOf(language: number): Set<string> {
  let set = sets.get(language);
  if (!set) {
    set = new Set(SENTENCE_WORDS[LANGUAGES[language] ?? ""]?.split(" "));
    sets.set(language, set);
  }
  return set;
}

const firstWords = (text: string) => (text.match(WORD) ?? []).slice(0, WORDS_READ).map((w) => w.toLocaleLowerCase());

/**
 * Whether `word`, opening a sentence whose next words are `rest`, is an everyday word of the
 * sentence's language: among that language's opening words (see the generator), and at least two
 * of the next words (the one word of a short sentence), and a third of them, in its list.
 */
export function everydayOpening(word: string, rest: string): boolean {
  const languages = languagesAt(OPENING_LANGUAGES, topIndex(word.toLocaleLowerCase()));
  if (languages.length === 0) return false;
  const next = firstWords(rest);
  if (next.length === 0) return false;
  return languages.some((language) => {
    const set = wordsOf(language);
    let held = 0;
    for (const w of next) if (set.has(w)) held++;
    return held >= Math.min(2, next.length) && held * 3 >= next.length;
  });
}

/**
 * The language `rest` (a sentence's words after its first) is written in: of the three languages
 * whose 300 most frequent words hold most of its first words, the one whose whole list holds the
 * most, two at least and half of them; -1 when none does.
 */
export function sentenceLanguage(rest: string): number {
  const next = firstWords(rest);
  if (next.length < 2) return -1;
  const hits = new Map<number, number>();
  for (const w of next) for (const language of languagesAt(TOP_LANGUAGES, topIndex(w))) hits.set(language, (hits.get(language) ?? 0) + 1);
  const candidates = [...hits].sort((a, b) => b[1] - a[1]).slice(0, 3);
  let best = -1;
  let most = 0;
  for (const [language] of candidates) {
    const set = wordsOf(language);
    let held = 0;
    for (const w of next) if (set.has(w)) held++;
    if (held > most) {
      best = language;
      most = held;
    }
  }
  return most >= 2 && most * 2 >= next.length ? best : -1;
}

/** Whether `language`'s list of frequent words holds `word`. */
export function wordOfLanguage(word: string, language: number): boolean {
  return wordsOf(language).has(word.toLocaleLowerCase());
}
