// People named in Hebrew. Hebrew writes no capitals, glues one-letter prepositions and "and" to the
// word after them (`לשירה`, to Shira; `ולאורי`, and to Uri), and the lists installed here hold few
// Hebrew names, so the tagger leaves most of them (`תתקשרו לאורית`, `רותי ביקשה`, `יוסי מזרחי`).
// The common given and family names below are written here. Many Hebrew given names are words too
// (`טל` dew, `גל` wave, `שירה` poetry, `אבי` my father): those count only with a family name after
// them, or a title, a greeting or thanks before them, or a verb of speech after them.
import { type NameSpan, addPersonOver } from "./names.js";

const set = (words: string) => new Set(words.split(/\s+/u).filter(Boolean));

/** Given names that are no everyday word. */
const GIVEN = set(`
דניאל מיכל שמעון אסתר מרדכי משה אורית אורנה דנה רותי נועה יוסי רבקה שרה רחל לאה יעקב יצחק יוסף שלמה
אהרון מרים חנה רינה ציפי אילנה גלית מירב סיגל אפרת הילה יעלי אביגיל תהילה נעמה שלומית רוני יהודית
אליעזר אליהו בנימין מנחם חיים אברהם ישראל יהודה נחום עמוס גדעון איתן איתי אסף יואב יונתן נתן עידו
ערן עמית אמיר אופיר אלעד דורון גיא ניר אבנר צבי זאב אריאל מאיה נועם תומר אוריה ליאת סיוון
אורטל מורן ענבל קרן רוית דפנה נורית אביטל יפעת חגית מיכאל גבריאל רפאל אורי עומר
`);
/** Given names that are everyday words too: a name only with a cue (see above). */
const GIVEN_AND_WORD = set("טל גל אור שחר ים הדר עדי יונה אורן אלון רון שי חן דור שקד רותם מעיין נגה אביב יעל אבי גיל שירה תמר ברק ליאור שני");
/** Family names: after a given name they are part of it; alone, only after a cue. */
const FAMILY = set(`
כהן לוי מזרחי פרץ ביטון דהן אברהם פרידמן אגבאריה מלכה אזולאי כץ עמר אוחיון חדד גבאי שפירא גולדברג גולן
רוזנברג קליין אשכנזי ברק פיירמן זהבי גרינברג וייס שטרן רוזן סגל בירנבאום לנדאו הורוביץ פרלמן טל גבע
אלון שרון נחמיאס אוחנה חזן סויסה יוסף דוד בן-דוד בן-עמי בן-חיים אדלר ברגר ויסמן
`);
/** Words right before a name: titles, greetings and thanks, kin. */
const BEFORE = set("מר גב' גברת ד\"ר דר פרופ' פרופסור עו\"ד הרב תודה היי שלום בוקר ערב סבתא סבא דוד דודה אחי אחותי");
/** Verbs of speech or request right after a name ("רותי ביקשה", "כהן אמר"). */
const AFTER = set("אמר אמרה אמרו ביקש ביקשה כתב כתבה סיפר סיפרה הודיע הודיעה טען טענה הוסיף הוסיפה שאל שאלה");
/** One-letter words glued before a name: to, and, that, in, from, like; and two of them ("ולאורי"). */
const GLUED = /^(?:ו[לשבמכ]|ש[לבמכ]|[ולשבמכ])/u;
const WORD = /[\p{sc=Hebrew}\p{M}'"״׳-]+/gu;
const HEBREW = /\p{sc=Hebrew}/u;

interface Word {
  start: number;
  end: number;
  text: string;
}

/** Adds the Hebrew-script people of a piece (see above). */
export function addHebrewNames(piece: string, spans: NameSpan[]): void {
  if (!HEBREW.test(piece)) return;
  const words: Word[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(piece); m; m = WORD.exec(piece)) {
    const text = m[0].replace(/^['"״׳-]+|['"״׳-]+$/gu, (x) => (x === "'" || x === "׳" ? x : ""));
    const start = m.index + m[0].indexOf(text);
    words.push({ start, end: start + text.length, text });
  }
  const adjacent = (a: Word | undefined, b: Word | undefined) => a !== undefined && b !== undefined && /^ $/u.test(piece.slice(a.end, b.start));
  /** The given name a word is, after any glued preposition: [offset, also a word]. */
  const givenIn = (w: Word): [number, boolean] | null => {
    if (GIVEN.has(w.text)) return [0, false];
    if (GIVEN_AND_WORD.has(w.text)) return [0, true];
    // Two glued letters, else one ("ולאורי": and to Uri; "לאורית": to Orit).
    const glued = GLUED.exec(w.text)?.[0].length ?? 0;
    for (let cut = glued; cut >= 1; cut--) {
      const rest = w.text.slice(cut);
      if (rest.length < 3) continue;
      if (GIVEN.has(rest)) return [cut, false];
      if (GIVEN_AND_WORD.has(rest)) return [cut, true];
    }
    return null;
  };
  const add = (start: number, end: number) => addPersonOver(spans, start, end);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    const before = adjacent(words[i - 1], w) ? (words[i - 1]?.text ?? "") : "";
    const spoke = adjacent(w, words[i + 1]) && AFTER.has(words[i + 1]?.text ?? "");
    const given = givenIn(w);
    if (!given) {
      // A family name alone after a title or before a verb of speech ("פרופ' ברק", "כהן אמר").
      if (FAMILY.has(w.text) && (BEFORE.has(before) || spoke)) add(w.start, w.end);
      continue;
    }
    const [offset, worded] = given;
    let last = i;
    if (adjacent(w, words[i + 1]) && FAMILY.has(words[i + 1]?.text ?? "")) last = i + 1;
    // Opening the message and addressed ("אבי, מה קורה?").
    const addressed = /^[\s"(]*$/u.test(piece.slice(0, w.start)) && /^,/u.test(piece.slice(w.end));
    if (worded && last === i && !BEFORE.has(before) && !spoke && !addressed) continue;
    add(w.start + offset, (words[last] as Word).end);
    i = last;
  }
}
