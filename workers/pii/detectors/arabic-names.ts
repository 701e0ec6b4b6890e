// People named in Arabic script. Arabic writes no capitals, and the lists installed here hold few
// Arabic given names (faker's Arabic locale has ten women's names), so the tagger leaves most of
// them (`تم شحن الطلب إلى سارة الغامدي`, `اسأل فاطمة`, `أكد العتيبي أن …`). The common given names
// below are written here; a name also an everyday word (`نور` light, `أمل` hope, `كريم` generous)
// counts only with a family name after it or a title or cue before it. A given name takes the
// family-name words after it (`القحطاني`, `بن سعيد`, `أبو رحمة`, `عبد الفتاح`, a father's given
// name), and a family name in `ال…ي` after a verb of speech is the one speaking (`وأضاف الشامسي`).
import { Gaz } from "../tagger/features.js";
import type { Tagger } from "../tagger/tagger.js";
import { type NameSpan, addPersonOver, flagsOf } from "./names.js";

/**
 * Spelling folded for look-up: vowel marks and tatweel dropped, hamza seats and tā' marbūṭa
 * unified. Alif maqṣūra stays apart from yā' ("سلمى" is a name, "سلمي" peaceful), and Persian
 * letters stay as written (the Persian names below are spelled with them).
 */
export function foldArabic(word: string): string {
  return word
    .replace(/[\u064B-\u065F\u0670\u0640]/gu, "")
    .replace(/[أإآٱ]/gu, "ا")
    .replace(/[ةۃہە]/gu, "ه");
}

const fold = (words: string) => new Set(words.split(/\s+/u).filter(Boolean).map(foldArabic));

/** Given names that are no everyday word: a person wherever they stand as a word. */
const GIVEN = fold(`
محمد أحمد محمود مصطفى علي  عثمان خالد يوسف إبراهيم إسماعيل يعقوب موسى عيسى هارون داود سليمان
حسين حسام حمزة حمدان خليل سعد سعود سلمان سامر سمير طارق طلال عبدالله عبدالرحمن عبدالعزيز
عبدالكريم عبدالرحيم عبدالمجيد عبدالإله عمرو عمار فادي فهد فيصل ماجد مازن مجدي مراد مروان مشعل معاذ
نايف نزار هشام وائل  ياسر ياسين زياد زكريا رياض جاسم جعفر بلال بسام أنس أيمن أسامة أشرف
إياد إيهاب تامر توفيق ثامر زايد صلاح غسان فؤاد فراس لؤي نواف هيثم وسام يحيى عدنان إدريس حازم حاتم
صهيب قيس كنان مهند نضال
فاطمة عائشة مريم زينب خديجة ليلى سلمى  نورة نادية نجلاء لمى لينا رنا رشا رانيا رهف 
ديما حليمة سميرة شيماء علياء غادة فدوى لبنى ماجدة ميساء روان ريهام زهراء شمسة لجين
نوف مي مروة هنادي أروى تسنيم حلا
زهرا نگار مهسا پریسا شیرین نرگس فرزانه مینا لیلا سپیده آزاده فرشته مرجان الهام پروین
رضا علی حسین مهدی امیر محسن مجید حمید سعید علیرضا محمدرضا محمدحسن حمیدرضا بهرام بهزاد کامران فرهاد
داریوش کوروش سیامک آرش بابک پژمان پیمان میلاد سینا مسعود
عائشہ فاطمہ عمران بلال حمزہ عثمان زینب ثناء حرا ماریہ
`);
/** Given names that are everyday words too: a name beside a family name, or after a title or a cue. */
const GIVEN_AND_WORD = fold(`
نور أمل هدى منى هبة ندى فرح وفاء رحاب حياة جميلة جمال كمال صفاء عزيز كريم سعيد أمين حسن صالح سالم
رضا ضياء بشرى حنان وعد عادل نبيل منير أكرم حامد مالك قاسم فارس بدر أمير سلطان مؤمن خليفة عزة
ياسمين ريما سعاد باسم أسماء إيمان سماح آمنة فريدة تركي سيف وحيد نادر شهد ضحى ملاك خلود سارة جود
هالة منال عماد علاء أنور رشيد راشد شريف صابر هاني سامي منصور ناصر مؤيد عاصم غازي بكر مهدي سلوى
رغد دانة مها ريم بسمة جنى آلاء سوسن نسرين عبير غدير هيفاء بتول شادي رامي نوال سمر عوض امید
لطيفة يزيد هيا نهى حمد رائد سهى ضحى وليد دينا هند
`);
/** Words before a name that say a person follows: titles, a form's name field, greetings (not "to", "with" or "said": "إلى مالك الحساب", "مع كريم الشانتيه"). */
const CUE_BEFORE = fold(`
السيد السيدة الدكتور الدكتورة د الأستاذ الأستاذة الحاج الحاجة الشيخ الشيخة المهندس المهندسة
الاسم اسمي المستلم مرحبا مرحباً أهلا عزيزي عزيزتي تهانينا للسيد للسيدة بالسيد والسيد
`);
/** Verbs of speech after which a family name in ال…ي is the speaker ("أكد العتيبي", "وأضاف الشامسي"). */
const SPEECH = fold("قال قالت وقال وقالت أكد أكدت وأكد وأكدت أضاف أضافت وأضاف وأضافت أوضح وأوضح صرح وصرح ذكر وذكر أشار وأشار");
/** Words that join a family name to a given one: son/daughter of, father of, the house of, servant of ("أم", mother of, is as often "or"). */
const JOINER = fold("بن بنت ابن أبو ابو آل عبد");
/** One or two letters glued before a name: and, for, with ("ومريم", "لـيوسف", "وبخالد"). */
const GLUED = /^(?:[وف][لب]|[وفلب])ـ?/u;
/** Family names written without al- ("سارة حداد", "منى زكي"). */
const FAMILY_NO_AL = fold("حداد خوري نصار عواد صبري فهمي زكي شاكر حجازي غانم عاشور سعادة طعمة");
/** Words in al-…i that are a title or a role, never a family name ("نهى النبي", the Prophet forbade). */
const NOT_FAMILY = fold("النبي القاضي الرئيسي الحقيقي الحالي التالي الماضي الثاني العربي الدولي المحلي");
/** Given names that are words in Persian and Urdu ("عمر", age; "هند", India): there a name only with a cue. */
const WORDS_IN_PERSIAN = fold("عمر هند");
const PERSIAN_LETTERS = /[پچژگکیۀہےۓ]/u;
const WORD = /[\p{sc=Arabic}\p{M}\u200c\u0640]+/gu;
const PERSIAN_FAMILY = /^[^\s]{2,}(?:زاده|پور|فر|نیا|ی)$/u;
const ARABIC = /\p{sc=Arabic}/u;
/** Lists of words (frequent words of Arabic among them) a family name in ال… is not. */
const EVERYDAY = Gaz.common | Gaz.dictionary | Gaz.frequent | Gaz.time | Gaz.country | Gaz.city | Gaz.region | Gaz.orgWord | Gaz.nationality;

interface Word {
  start: number;
  end: number;
  folded: string;
}

/** Adds the Arabic-script people of a piece (see above). */
export function addArabicNames(piece: string, spans: NameSpan[], model: Tagger): void {
  if (!ARABIC.test(piece)) return;
  const words: Word[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(piece); m; m = WORD.exec(piece)) words.push({ start: m.index, end: m.index + m[0].length, folded: foldArabic(m[0]) });
  // Only a space between two words keeps them in one name ("سارة الغامدي"; not "سارة، الغامدي").
  const adjacent = (a: Word, b: Word) => /^[ \u00a0]{1,3}$/u.test(piece.slice(a.end, b.start));
  /** The given name a word is, maybe after a glued "and"/"for": [offset of the name in the word, ambiguous]. */
  const persian = PERSIAN_LETTERS.test(piece);
  const givenIn = (w: Word): [number, boolean] | null => {
    // "خالدًا": the accusative's alif after tanwin is no part of the name.
    const folded = w.folded.endsWith("ا") && /\u064b/u.test(piece.slice(w.start, w.end)) ? w.folded.slice(0, -1) : w.folded;
    if (persian && WORDS_IN_PERSIAN.has(folded)) return [0, true];
    if (GIVEN.has(folded)) return [0, false];
    if (GIVEN_AND_WORD.has(folded)) return [0, true];
    // A name of three letters only after a written joint ("لـعمر"): "بارش" (rain) is no "ب" and "آرش".
    const glued = GLUED.exec(w.folded)?.[0].length ?? 0;
    if (glued === 0 || w.folded.length - glued < (piece[w.start + 1] === "ـ" ? 3 : 4)) return null;
    const rest = w.folded.slice(glued);
    if (GIVEN.has(rest)) return [glued, false];
    if (GIVEN_AND_WORD.has(rest)) return [glued, true];
    return null;
  };
  /** A family name's word: al- and no everyday word, or a joiner and the word after it. */
  const familyAt = (i: number): number => {
    const w = words[i];
    if (!w) return 0;
    if (JOINER.has(w.folded)) {
      const next = words[i + 1];
      return next && adjacent(w, next) ? 2 : 0;
    }
    if (w.folded.startsWith("عبدال") && w.folded.length > 6) return 1;
    // Persian and Urdu family names: -zadeh, -pour, -far, -nia, or a nisba in -i no list holds as a word ("جعفری", "رضایی").
    if (PERSIAN_FAMILY.test(w.folded) && !(flagsOf(piece.slice(w.start, w.end), model) & EVERYDAY)) return 1;
    if (FAMILY_NO_AL.has(w.folded)) return 1;
    if (NOT_FAMILY.has(w.folded)) return 0;
    if (w.folded.startsWith("ال") && w.folded.length >= 5 && !(flagsOf(piece.slice(w.start, w.end), model) & EVERYDAY)) return 1;
    return 0;
  };
  /** A family name only a person has: a nisba in ال…ي ("الغامدي") or a joiner and its word ("بن سعيد", "أبو رحمة"). */
  const surelyFamily = (i: number): boolean => {
    const w = words[i];
    if (!w) return false;
    const taken = familyAt(i);
    return taken === 2 || (taken === 1 && ((w.folded.startsWith("ال") && w.folded.endsWith("ي")) || FAMILY_NO_AL.has(w.folded)));
  };
  const add = (start: number, end: number) => addPersonOver(spans, start, end);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    const before = i > 0 && adjacent(words[i - 1] as Word, w) ? (words[i - 1] as Word).folded : "";
    // "أكد العتيبي": a family name in ال…ي speaking.
    if (SPEECH.has(before) && w.folded.startsWith("ال") && w.folded.endsWith("ي") && familyAt(i) === 1) {
      add(w.start, w.end);
      continue;
    }
    const given = givenIn(w);
    if (!given) continue;
    const [offset, ambiguous] = given;
    // The family name after it: up to three of its words (a father's given name among them: "كريم عبد الفتاح").
    let last = i;
    for (let k = i + 1; k <= i + 4 && k < words.length; ) {
      if (!adjacent(words[k - 1] as Word, words[k] as Word)) break;
      const father = givenIn(words[k] as Word);
      const taken = familyAt(k) || (father && father[0] === 0 && !father[1] ? 1 : 0);
      if (!taken) break;
      last = k + taken - 1;
      k += taken;
    }
    const cued = CUE_BEFORE.has(before);
    // A name that is also a word needs a title or cue, or a family name only a person has ("جمال
    // الطبيعة", the beauty of nature, and "حسن الحظ", good luck, are phrases).
    if (ambiguous && !cued && !(last > i && surelyFamily(i + 1))) continue;
    add(w.start + offset, (words[last] as Word).end);
    i = last;
  }
}
