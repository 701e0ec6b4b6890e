// Dates of birth: a date (numeric or with a month name, in several languages) near a word that
// says it is a birth date ("born", "DOB", "date of birth", "geboren", "né le", "nacido"…).
import type { RawFinding } from "../types.js";

const MONTHS =
  "jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar)?|fév(?:rier)?|febbraio|fevereiro|febrero|mar(?:ch|s|zo|ço)?|märz|maart|apr(?:il|ile)?|avr(?:il)?|abr(?:il)?|may|mai|mayo|maggio|mei|maio|jun(?:e|i|io|ho)?|juin|giugno|juni|jul(?:y|i|io|ho)?|juil(?:let)?|luglio|aug(?:ust|ustus)?|août|ago(?:sto)?|sep(?:t|tember|tiembre|tembre)?|set(?:embro|tembre)?|oct(?:ober|obre|ubre)?|okt(?:ober)?|ott(?:obre)?|out(?:ubro)?|nov(?:ember|embre|iembre|embro)?|dec(?:ember)?|dez(?:ember|embro)?|déc(?:embre)?|dic(?:iembre|embre)?|gennaio|enero|januari|februari|augustus|oktober|december|januar|dezember|lipca|stycznia";
const DATE = new RegExp(
  [
    String.raw`\d{4}[-./]\d{1,2}[-./]\d{1,2}`,
    String.raw`\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2})`,
    String.raw`\d{1,2}(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?(?:${MONTHS})\.?,?\s+(?:de\s+)?\d{4}`,
    String.raw`(?:${MONTHS})\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}`,
  ].join("|"),
  "giu",
);
const BOUNDED = new RegExp(String.raw`(?<![\p{L}\p{N}])(?:${DATE.source})(?![\p{L}\p{N}])`, "giu");
const BIRTH =
  /(?:born|birth|birthday|b\.|dob|d\.o\.b\.?|geboren|geb\.|geburtsdatum|geburtstag|né|née|naissance|nacido|nacida|nacimiento|nato|nata|nascita|nascido|nascida|nascimento|geboortedatum|urodzon[ya]|data urodzenia|narozen[aá]?|datum narození|született|születési|syntynyt|syntymäaika|född|födelsedatum|fødselsdato|født|doğum|родился|родилась|дата рождения)/iu;
const BIRTH_AFTER = /^\s*\(?(?:dob|d\.o\.b\.?|date of birth|born)\b/i;

const BIRTH_ALL = new RegExp(BIRTH.source, "giu");
/** Characters around a birth word searched for its date: before ("12/03/1990 (DOB)") and after ("born on …"). */
const BEFORE = 40;
const AFTER = 64;

/** Dates near a birth word: the words are searched first (rare), the dates only around them. */
export function detectBirthDates(text: string, out: RawFinding[]): void {
  if (!/\d/.test(text)) return;
  BIRTH_ALL.lastIndex = 0;
  let covered = 0;
  for (let k = BIRTH_ALL.exec(text); k; k = BIRTH_ALL.exec(text)) {
    const from = Math.max(k.index - BEFORE, covered);
    const to = Math.min(text.length, k.index + k[0].length + AFTER);
    if (to <= from) continue;
    const window = text.slice(from, to);
    BOUNDED.lastIndex = 0;
    for (let m = BOUNDED.exec(window); m; m = BOUNDED.exec(window)) {
      const start = from + m.index;
      const end = start + m[0].length;
      const before = text.slice(Math.max(0, start - 48), start);
      const after = text.slice(end, end + 24);
      if (!BIRTH.test(before) && !BIRTH_AFTER.test(after)) continue;
      out.push({ category: "date_of_birth", start, end, detector: "birth_date", key: m[0].toLowerCase() });
    }
    covered = to;
  }
}
