// People named in Devanagari (Hindi, Marathi, Nepali), Bengali and Tamil script. These scripts
// have no capitals, the lists installed here hold none of their given names, and the tokeniser cuts
// their words at vowel signs, so the tagger leaves most names (`प्रिया से पूछो`, `রহিম বলল`,
// `கார்த்திக் நாளை மதுரை செல்கிறார்`). The common given and family names below are written here and
// read as whole words of the text. A given name that is also a word (`पूजा` worship, `আকাশ` sky,
// `விஜய்`…) counts only with a family name after it, a title or kin word before it, or an honorific
// or the agent's mark after it (`ने`: a person does what the sentence says).
import { type NameSpan, addPersonOver } from "./names.js";

/**
 * Spelling folded for look-up: the nukta dropped ("फातिमा" and "फ़ातिमा") and long i and u read
 * as short ("सुनिता" and "सुनीता", "अंजली" and "अंजलि"), as people spell these names both ways.
 */
function foldIndic(word: string): string {
  return (
    word
      .normalize("NFD")
      .replace(/\u093c/gu, "")
      // A nasal half-letter before a consonant is the anusvara ("जितेन्द्र" and "जितेंद्र").
      .replace(/[\u0919\u091e\u0923\u0928\u092e]\u094d(?=[\u0915-\u0939])/gu, "\u0902")
      .replace(/\u0940/gu, "\u093f")
      .replace(/\u0942/gu, "\u0941")
      .replace(/\u09c0/gu, "\u09bf")
      .replace(/\u09c2/gu, "\u09c1")
  );
}

const set = (words: string) => new Set(words.split(/\s+/u).filter(Boolean).map(foldIndic));

interface ScriptNames {
  /** Case endings glued to a name (Marathi, Nepali). */
  endings?: RegExp;
  script: RegExp;
  word: RegExp;
  /** Given names that are no everyday word. */
  given: Set<string>;
  /** Given names that are everyday words too: a name only with a cue. */
  givenAndWord: Set<string>;
  /** Family names: after a given name they are part of it; alone, only after a cue. */
  family: Set<string>;
  /** Titles and kin words before a name. */
  before: Set<string>;
  /** Honorifics and kin words after a name, verbs of speech, the agent's mark. */
  after: Set<string>;
}

const SCRIPTS: ScriptNames[] = [
  {
    script: /\p{sc=Devanagari}/u,
    word: /[\p{sc=Devanagari}\p{M}]+/gu,
    endings: /(?:लाई|कडे|ला|ने|ले|चा|ची|चे|ना|नी|को)$/u,
    given: set(`
राहुल अमित सुनील अनिल राजेश सुरेश रमेश महेश दिनेश मुकेश संजय अजय मनोज प्रदीप संदीप अंकित रोहित
मोहित सचिन विशाल नितिन अभिषेक अर्जुन आदित्य करण कुणाल निखिल प्रशांत प्रवीण पंकज राजीव राकेश
विनोद हरीश योगेश सौरभ तरुण वरुण रोहन विनय विराज गोपाल नरेश उमेश जितेंद्र धर्मेंद्र
नरेंद्र सुरेंद्र महेंद्र राजेंद्र देवेंद्र वीरेंद्र हेमंत अनुराग आशीष मनीष यश ऋषभ 
सिद्धार्थ शुभम सुमित इरफ़ान इमरान सलमान आमिर शाहरुख फ़ैज़ान आरिफ़ साहिल ईशान
प्रिया नेहा अंजलि सुनीता अनीता रीता सविता स्नेहा श्वेता दिव्या सोनिया मीनाक्षी पल्लवी
शालिनी अंकिता प्रियंका दीपिका कीर्ति लक्ष्मी सुधा रीना रिया तनुजा मोनिका अनुष्का
नंदिनी राधिका शिल्पा सुमन सरिता विनीता बबिता गुड्डी पिंटू मुन्ना बबलू आयशा फ़ातिमा ज़ोया
`),
    givenAndWord: set(`
पूजा आरती ज्योति गीता सीता आकाश विजय दीपक अशोक रवि कमल कमला किरण प्रकाश सूरज अमर राज शांति ममता
कविता रेखा निशा आशा उषा मीना वर्षा सपना प्रेम मोती हीरा चंदा संगीता भारती लता माया सिद्धि रिद्धि
विकास गौरव हर्ष अमन अक्षय अंकुर कैलाश गणेश कबीर सीमा रुचि ऋतु रश्मि काजल
`),
    family: set(`
शर्मा वर्मा गुप्ता सिंह कुमार कुमारी यादव पटेल जैन अग्रवाल मिश्रा तिवारी पांडे पाण्डेय चौहान राठौर मेहता
शाह खन्ना कपूर मल्होत्रा चौधरी ठाकुर दुबे त्रिपाठी श्रीवास्तव सक्सेना बंसल गोयल मित्तल जोशी नायर रेड्डी
राव पाठक शुक्ला द्विवेदी भट्ट अग्निहोत्री भाटी कोहली देशमुख पाटिल कुलकर्णी गोखले निषाद बनर्जी चटर्जी
मुखर्जी दास घोष बोस सेन खान अंसारी कुरैशी सिद्दीकी शेख़ शेख प्रसाद नाथ
`),
    before: set("श्री श्रीमती सुश्री डॉ डॉक्टर प्रोफ़ेसर दादी दादा नानी नाना चाचा चाची मामा मामी बुआ मौसी भाई बहन दीदी भैया"),
    after: set("जी भाई भैया दीदी साहब सर मैडम बहन"),
  },
  {
    script: /\p{sc=Bengali}/u,
    word: /[\p{sc=Bengali}\p{M}]+/gu,
    given: set(`
রহিম করিম রফিক সুমন রাজু সাকিব তামিম মুশফিক রাকিব রাফি মাহবুব আনোয়ার জাহিদ শফিক আরিফ জামাল সোহেল শাকিল
নাঈম ইমরান আবুল আব্দুল মোহাম্মদ রাহুল সৌরভ অমিত অনির্বাণ দেবাশীষ সুব্রত তানভীর মাসুদ হাবিব নাজমুল
ফারহানা নুসরাত তানিয়া তাসলিমা সুমাইয়া নাসরিন রিমা শাহানা রুমানা সাবরিনা মিতু শারমিন ফাতেমা আয়েশা
মরিয়ম রুবিনা সুমি তৃষা প্রিয়াঙ্কা দেবশ্রী মৌমিতা অর্পিতা সাদিয়া জান্নাত
`),
    givenAndWord: set("আকাশ সাগর জয় বৃষ্টি আশা শান্তি কামাল লিপি পপি নদী"),
    family: set(`
ইসলাম হোসেন হোসাইন আহমেদ রহমান খান চৌধুরী দাস সরকার বিশ্বাস মন্ডল রায় ঘোষ বসু সেন দত্ত চক্রবর্তী
মুখার্জি ব্যানার্জি ভট্টাচার্য আক্তার আলম উদ্দিন হাসান মাহমুদ শেখ মিয়া তালুকদার সাহা পাল
`),
    before: set("জনাব মিসেস ডঃ ডা শ্রী শ্রীমতী নাম প্রাপক ধন্যবাদ আমি অধ্যাপক মেয়র"),
    after: set("ভাই আপু দিদি দা সাহেব বলল বললেন বলেন জানান জানিয়েছেন"),
  },
  {
    script: /\p{sc=Tamil}/u,
    word: /[\p{sc=Tamil}\p{M}]+/gu,
    given: set(`
கார்த்திக் செந்தில் அருண் ராஜேஷ் தங்கராஜ் செல்வம் பிரியா லட்சுமி கவிதா மீனாட்சி சுரேஷ் ரமேஷ் அஜித்
கணேஷ் ஆனந்த் வெங்கட் சரவணன் பாண்டியன் தமிழ்செல்வி சுதா கீதா ரேவதி சித்ரா வசந்தி மாலதி அனிதா சங்கீதா
பவித்ரா தீபா கிருத்திகா கார்த்திகா விக்னேஷ் பிரகாஷ் மணிகண்டன் ராஜா
`),
    givenAndWord: set("மீனா விஜய் சூர்யா ஜெயா தேவி"),
    family: set("சுந்தரம் வேலு சுப்பிரமணியன் முருகன் ராஜேந்திரன் குமார் கிருஷ்ணன் ராமசாமி நாராயணன் பிள்ளை ஐயர்"),
    before: set("திரு திருமதி செல்வி டாக்டர் நன்றி வணக்கம் நான் மேயர் அமைச்சர் தலைவர்"),
    after: set("அக்கா அண்ணா சார் மேடம் அவர்கள்"),
  },
];

interface Word {
  start: number;
  end: number;
  text: string;
}

/** Adds the people of a piece named in these scripts (see above). */
export function addIndicNames(piece: string, spans: NameSpan[]): void {
  for (const names of SCRIPTS) if (names.script.test(piece)) addNamesOf(piece, spans, names);
}

function addNamesOf(piece: string, spans: NameSpan[], names: ScriptNames): void {
  const words: Word[] = [];
  const WORD = names.word;
  const GIVEN = names.given;
  const GIVEN_AND_WORD = names.givenAndWord;
  const FAMILY = names.family;
  const BEFORE = names.before;
  const AFTER = names.after;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(piece); m; m = WORD.exec(piece)) {
    // Marathi and Nepali glue the case ending to the name ("प्रियाला", "राहुलने", "प्रियालाई"): a
    // given name of the list before one is read without it (and masked with it: a span ends at a word's end).
    let text = foldIndic(m[0]);
    if (!names.given.has(text) && !names.givenAndWord.has(text) && !names.family.has(text)) {
      const ending = names.endings?.exec(text);
      const stem = ending ? text.slice(0, ending.index) : "";
      if (stem && names.given.has(stem)) text = stem;
    }
    words.push({ start: m.index, end: m.index + m[0].length, text });
  }
  const adjacent = (a: Word | undefined, b: Word | undefined) =>
    a !== undefined && b !== undefined && /^[ \u00a0]{1,3}$/u.test(piece.slice(a.end, b.start));
  const cueAfter = (w: Word, next: Word | undefined) => adjacent(w, next) && AFTER.has(next?.text ?? "");
  const add = (start: number, end: number) => addPersonOver(spans, start, end);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    const plain = GIVEN.has(w.text);
    const worded = GIVEN_AND_WORD.has(w.text);
    const before = adjacent(words[i - 1], w) ? (words[i - 1]?.text ?? "") : "";
    // A family name alone after a title or before an honorific ("श्री वर्मा", "वर्मा जी ने", "कपूर ने कहा").
    if (!plain && !worded) {
      if (FAMILY.has(w.text) && w.text.length >= 3 && (BEFORE.has(before) || cueAfter(w, words[i + 1]))) add(w.start, w.end);
      continue;
    }
    let last = i;
    while (last + 1 < words.length && last - i < 2 && adjacent(words[last], words[last + 1]) && FAMILY.has(words[last + 1]?.text ?? "")) last++;
    const lastWord = words[last] as Word;
    if (worded && last === i && !BEFORE.has(before) && !cueAfter(w, words[i + 1])) continue;
    add(w.start, lastWord.end);
    i = last;
  }
}
