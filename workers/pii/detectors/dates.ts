// Dates of birth: a date (numeric, with a month name in any language, or in CJK year-month-day
// form) near a word that says it is a birth date ("born", "DOB", "geboren", "né le", "生年月日"…).
import type { RawFinding } from "../types.js";
import { Gaz } from "../tagger/features.js";
import { groupedByFirstCharacter } from "./alternation.js";
import { tagger } from "./entities.js";
import { flagsOf } from "./names.js";

// A month written as a word: any word of letters, since the date must stand next to a birth word
// anyway (month names and their inflections in 30 languages: "marca", "április", "марта", "Μαρτίου").
const MONTH_WORD = String.raw`[\p{L}\p{M}]{3,14}\.?`;
const SEP = String.raw`\s?[-./]\s?`;
/** Letters of scripts that put spaces between words: a birth word or a date is a whole word there. */
const SPACED_SCRIPTS = String.raw`\p{sc=Latin}\p{sc=Cyrillic}\p{sc=Greek}\p{sc=Armenian}\p{sc=Georgian}`;
const DATE = new RegExp(
  [
    // Year first: Hungarian writes a full stop after each part ("1951. 03. 14."), ISO none after the day.
    String.raw`\d{4}\.\s?\d{1,2}\.\s?\d{1,2}\.?|\d{4}\s?[-/]\s?\d{1,2}\s?[-/]\s?\d{1,2}`,
    // Croatian and Serbian end a date with a full stop ("11.10.1972., u Zagrebu").
    String.raw`\d{1,2}${SEP}\d{1,2}${SEP}(?:\d{4}|\d{2})(?:\.(?=,|\s+\p{Ll}))?`,
    // 1987年3月3日, 昭和62年3月3日, 1987년 3월 3일
    String.raw`(?:明治|大正|昭和|平成|令和)?\d{1,4}\s?[年년]\s?\d{1,2}\s?[月월]\s?\d{1,2}\s?[日일]?`,
    String.raw`\d{1,2}(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?${MONTH_WORD},?\s+(?:de\s+)?\d{4}`,
    String.raw`${MONTH_WORD}\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}`,
    // 1987. március 3.
    String.raw`\d{4}\.?\s+${MONTH_WORD}\s+\d{1,2}\.?`,
  ].join("|"),
  "giu",
);
// A date may follow a word of a script without spaces directly ("出生日期1988-07-26").
const BOUNDED = new RegExp(String.raw`(?<![\p{N}${SPACED_SCRIPTS}])(?:${DATE.source})(?!\p{N})`, "giu");
const BIRTH =
  /(?:born|birth|birthday|birthdate|geborene|kelahiran|dilahirkan|doğumlu|születésű|syntyneen|sündinud|b\.|dob|d\.o\.b\.?|geboren|geb\.|geburtsdatum|geburtstag|née|né|naissance|nacido|nacida|nacimiento|nació|nacque|nasceu|föddes|syntyi|szül\.|ת\. לידה|เกิด|doğdu|태어났|태어난|f\. nac|nato|nata|nascita|nascido|nascida|nascimento|geboortedatum|urodzon[ya]|urodzenia|urodził[a]? się|ur\.|narozen[aáý]?|narození|narodil[a]?|született|születési|syntynyt|syntymäaika|född|födelsedatum|fødselsdato|født|fødd|doğum|d\. tarihi|родился|родилась|рождения|г\.\s?р\.|γεν\.|γέννησης|γεννήθηκε|născut[ăa]?|nașterii|naşterii|rođen(?:a|i|ja|je)?|rojstva|narodenia|sünniaeg|dzimšanas|gimimo|生年月日|出生|生まれ|생년월일|출생|تاريخ الميلاد|مواليد|وُلد|ولد|תאריך לידה|נולד|נולדה|जन्म|tanggal lahir|lahir|ngày sinh|sinh ngày|วันเกิด|дата народження|народився|народилася|роден(?:\(а\))? на|родена на|роден\(а\)|gimęs|gimusi|gim\.|dzimis|dzimusi|dzim\.|nar\.|kuzaliwa|alizaliwa|kaarawan|ipinanganak|kapanganakan)/iu;
// Languages that put the verb or participle after the date say "born" there too ("23 Nisan 1980
// doğumlu", "1980. április 3-án született", "3.4.1980 syntynyt", "1980年生まれ"), a place between
// ("am 17. Juli 1954 in Hamburg geboren", "1867年2月9日に江戸で生まれた", "tarihinde İstanbul'da doğdu").
const BIRTH_AFTER =
  /^(?:-?\p{L}{1,3}|[、,]?[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]{1,6}|['’]\p{Ll}{1,3}\s+\p{Lu}[\p{L}\p{M}'’.-]+|\s+(?:in|à|en|a|w|v|ve|i|på|em|na|tarihinde)\s+\p{Lu}[\p{L}\p{M}'’.-]+(?:\s(?:am|an der|upon)?\s?\p{Lu}[\p{L}\p{M}'’.-]+)?|\s+\p{sc=Hangul}+(?:에서|에)?)?\s*\(?(?:태어났|dob|d\.o\.b\.?|date of birth|born|b\.|geb\.|geboren|г\.\s?р\.|生まれ|生|출생|r\.\s?narození|doğumlu|doğdu|tarihinde doğdu|született|születésű|syntynyt|syntyneen|född|født|fødd|urodzon[ya]|narozen[aáý]?|rođen(?:a|i|ja|je)?|sündinud)/iu;

// Grouped by first letter (alternation.ts): the same matches, about twice as fast over long texts.
// A birth word is a whole word in scripts with spaces ("nato" is no birth word in "Sanatorio", nor
// "naissance" in "connaissance"): checked on each match (rare), not by a lookaround at every position.
const BIRTH_ALL = new RegExp(groupedByFirstCharacter(BIRTH.source, "giu"), "giu");
const SPACED_LETTER = new RegExp(`[${SPACED_SCRIPTS}]`, "u");
const GLUED_AFTER_LETTER = /[\p{L}\p{M}]/u;
const BIRTH_LABEL_GAP = /^(?:日期|年月日|日)?[\s:：]*$/u;
/** A date before its birth word ("12/03/1990 (DOB)", "14.11.1971 г.р.") ends this close to it. */
const BEFORE = 24;
/** The first date after a birth word starts this close to its end ("born on …", "Date of birth (DD/MM/YYYY): …"). */
const AFTER = 40;
const LONGEST_DATE = 24;

const EVENT_BIRTH_VERB = /^(?:nació|nacque|nasceu|föddes|syntyi)$/iu;
/**
 * A given and a family name right before the verb, not after a common noun: "García Márquez nació", not "La empresa
 * nació", "Yritys syntyi" nor "El proyecto Linux nació" (a project, a brand).
 */
const NAME_BEFORE = /(?<!\p{Ll}\s+)(?:\p{Lu}\p{Ll}[\p{L}\p{M}.-]*\s+){2,4}$/u;
/** A name right before a birth verb (NAME_BEFORE); opening a sentence, its first word a listed given name ("Astrid Lindgren föddes", not "Projektet Spotify föddes"). */
function nameBefore(before: string): boolean {
  const m = NAME_BEFORE.exec(before);
  if (!m) return false;
  if (!SENTENCE_OPENS.test(before.slice(0, m.index))) return true;
  return (flagsOf(m[0].split(/\s+/u)[0] ?? "", tagger()) & Gaz.first) !== 0;
}
const SENTENCE_OPENS = /(?:^|[.!?:;]\s*)$/u;

/** Birth verbs of languages that put them after the date ("…1952'de İstanbul'da doğdu"): a date after them is another. */
const VERB_AFTER_DATE = /^(?:doğdu|태어났|태어난)$/u;

/** Dates next to a birth word: the words are searched first (rare), the dates only around them. */
export { BIRTH as BIRTH_WORDS };

export function detectBirthDates(text: string, out: RawFinding[]): void {
  if (!/\d/.test(text)) return;
  BIRTH_ALL.lastIndex = 0;
  // Each birth word reads its own window (a surname such as "Nascimento" before "data de
  // nascimento" must not shorten the next word's); a date two words share is taken once.
  const taken = new Set<number>();
  for (let k = BIRTH_ALL.exec(text); k; k = BIRTH_ALL.exec(text)) {
    const wordEnd = k.index + k[0].length;
    // A short birth word is a whole word in scripts with spaces ("nato" is none in "Sanatorio",
    // "naissance" none in "connaissance"); a longer one may close a compound ("Patientengeburtsdatum")
    // or open an inflected form ("Fødselsdatoen", "kelahirannya"), and a key in camel case names it
    // with a capital ("patientDob", "dateOfBirth").
    const camel = /^\p{Lu}/u.test(k[0]) && /\p{Ll}/u.test(text[k.index - 1] ?? "");
    if (!camel && SPACED_LETTER.test(text[k.index - 1] ?? "") && (k[0].length < 6 || /naissance/i.test(k[0]))) continue;
    // A short one ends its word too ("nato" is none in "natomiast"), unless a capital opens the next ("dobDate").
    if (k[0].length < 5 && !k[0].endsWith(".") && /\p{Ll}/u.test(text[wordEnd] ?? "") && SPACED_LETTER.test(text[wordEnd] ?? "")) continue;
    // A verb a company or an idea is born with too ("La empresa nació…") speaks of a person's birth only right after a
    // name ("García Márquez nació…", "Astrid Lindgren föddes…").
    if (EVENT_BIRTH_VERB.test(k[0]) && !nameBefore(text.slice(Math.max(0, k.index - 40), k.index))) continue;
    const from = Math.max(0, k.index - BEFORE - LONGEST_DATE);
    const to = Math.min(text.length, wordEnd + AFTER + LONGEST_DATE);
    const window = text.slice(from, to);
    BOUNDED.lastIndex = 0;
    for (let m = BOUNDED.exec(window); m; m = BOUNDED.exec(window)) {
      const start = from + m.index;
      const end = start + m[0].length;
      // A date glued to the word before it in a script without spaces is a birth date only right
      // after the birth word ("出生日期1988-07-26"), not anywhere in its window ("出生人口…截至2023年…").
      if (GLUED_AFTER_LETTER.test(text[start - 1] ?? "") && !BIRTH_LABEL_GAP.test(text.slice(wordEnd, start))) continue;
      if (end <= k.index) {
        // Before the word: only when the birth word follows the date ("(DOB)", "г.р.", "生まれ").
        if (k.index - end > BEFORE || !BIRTH_AFTER.test(text.slice(end, end + 48))) continue;
      } else if (start < wordEnd || start - wordEnd > AFTER || VERB_AFTER_DATE.test(k[0])) continue;
      if (!taken.has(start)) out.push({ category: "date_of_birth", start, end, detector: "birth_date", key: m[0].toLowerCase() });
      taken.add(start);
      // After the word only its first date is the birth date ("born 2 May 1990, hired 2024-01-02").
      if (start >= wordEnd) break;
    }
  }
}
