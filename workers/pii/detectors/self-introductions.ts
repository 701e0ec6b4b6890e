// People who name themselves or are named by a form, in scripts without capitals: a
// self-introduction ("您好，我是刘建国，", "제 이름은 김민수입니다", "मेरा नाम राहुल शर्मा है"), a
// name field ("氏名：渡辺翔太"), and in Chinese the holder of a personal record ("赵海燕的身份证").
// Capitals mark names in cased scripts; here only the words around say it, so every cue is one
// that introduces a name and nothing else, or is gated by a greeting or a record. "I am" alone is no
// cue: it introduces what one is as often ("我是程序员", "मैं एक छात्र हूँ", "저는 고양이예요").
import { Gaz } from "../tagger/features.js";
import type { Tagger } from "../tagger/tagger.js";
import {
  CHINESE_DOUBLE_SURNAMES,
  CHINESE_SURNAMES,
  CJK_PARTICLES,
  KOREAN_DOUBLE_SURNAMES,
  KOREAN_SURNAMES,
  type NameSpan,
  THAI_NOT_GIVEN,
  flagsOf,
  replaceOverlapping,
} from "./names.js";

const CHINESE_FAMILY = `(?:${CHINESE_DOUBLE_SURNAMES}|[${CHINESE_SURNAMES}])`;
/**
 * "I am" with no greeting, then a family name and one or two Han, then a comma and a record only a
 * person gives (ID, phone, e-mail, card): "我是刘建国，身份证号…" introduces a person; "我是学生，…" goes on otherwise.
 */
const CHINESE_SELF_RECORD = new RegExp(
  `(?<=我是)(${CHINESE_FAMILY}\\p{sc=Han}{1,2}?)(?=[，,、]\\s?(?:我的)?(?:身份证|身份證|电话|電話|手机|手機|邮箱|郵箱|卡号|卡號|账号|帳號|住址|请拨打|請撥打|联系方式|聯繫方式|证件号|證件號))`,
  "gu",
);
/**
 * "I am" after a greeting, then a family name and two Han (or a double family name and one or two:
 * two Han after "I am" are as often a trade, "我是司机", or a courier, "我是申通"); "I am called" or
 * "my name is", then a family name and one or two Han; then punctuation or a title ("先生", "女士").
 */
const CHINESE_SELF = new RegExp(
  `(?:(?<=(?:您好|你好|大家好|哈喽|嗨)[，,!！~～]?\\s?我是)((?:${CHINESE_DOUBLE_SURNAMES})\\p{sc=Han}{1,2}?|[${CHINESE_SURNAMES}]\\p{sc=Han}{2})|(?<=我叫|我的名字是|我的名字叫)(${CHINESE_FAMILY}\\p{sc=Han}{1,2}?))(?=[，,。.！!；;：:\\s、～~)）]|先生|女士|小姐|$)`,
  "gu",
);
/**
 * A family name and two Han (or a double family name and one or two) before "的" and a record only
 * a person holds (card, ID, phone, account, password); two Han are as often a word there ("商家的电话",
 * "明天的工资", "游客的护照").
 */
const CHINESE_HOLDER = new RegExp(
  `(?<=^|[\\s，,。.：:；;、！!？?])((?:${CHINESE_DOUBLE_SURNAMES})\\p{sc=Han}{1,2}|[${CHINESE_SURNAMES}]\\p{sc=Han}{2})(?=的(?:信用卡|银行卡|銀行卡|身份证|身份證|护照|護照|手机号|手機號|电话|電話|邮箱|郵箱|账户|賬戶|帐户|帳戶|账号|帳號|密码|密碼|住址|驾照|駕照|社保|医保|醫保|病历|病歷))`,
  "gu",
);
/** Last characters of a role, a trade or a group, and particles: no given name ends so ("管理员", "车主", "路由器", "叫车了"). */
const CHINESE_NOT_NAME = new RegExp(
  `[员員人主东東者生家客长長师師族组組党黨器民工手士官商户戶方部处處局店理司机機通的]$|[${CJK_PARTICLES}]|经理|經理|总监|總監`,
  "u",
);
/** Field labels that name a person in Chinese and Japanese forms, then the value (two to six Han or kana, or a family name, a space and a given name). */
const CJK_NAME_FIELD =
  /(?<=(?:氏名|お名前|名前|宛名|受取人|契約者|契約者名|申込者|患者名|姓名|名字|联系人|聯絡人|收件人|收货人|收貨人|持卡人|户名|戶名)\s?[:：]\s?)((?:[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}ー・]{1,3}[ \u3000][\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}ー・]{1,4}|[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}ー・]{2,6})(?=[\s、。，,;；]|$))/gu;
/** What a form holds in a name field when it holds no name: none yet, a test, "enter", unknown, required, oneself, a company, a desk or department. */
const FIELD_PLACEHOLDER =
  /[请請未无無必测測试試填写寫御中本人公司账賬帳匿同略空定设設不]|なし|不明|客服|前台|售后|售後|ゲスト|総務|経理|[部課係店社室台]$/u;
/** A Japanese self-introduction: the name before "と申します" (I am called, humbly), after punctuation, a space or the start. */
const JAPANESE_SELF =
  /(?<=^|[、。,.!！\s])((?:[\p{sc=Han}]{1,3}[ \u3000]?)?[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}ー]{1,5})(?=と申します|と申し上げます)/gu;
const JAPANESE_NOT_NAME = /(?:[亭店屋社部課係人者員]|商事|会社|新人)$/u;
const HONORIFIC_END = /(?:様|さま|さん|殿|氏|先生)$/u;
const KOREAN_FAMILY = `(?:${KOREAN_DOUBLE_SURNAMES}|[${KOREAN_SURNAMES}])`;
/**
 * "My name is", a family name and two syllables, then the copula ("제 이름은 김민수입니다"). A greeting
 * before a name and the copula is as often a shop or an office answering ("안녕하세요, 이마트입니다").
 */
const KOREAN_SELF = new RegExp(`(?<=제\\s?이름은\\s?)(${KOREAN_FAMILY}[\\p{sc=Hangul}]{2})(?=\\s?(?:입니다|이에요|예요|이고|이라고|라고))`, "gu");
/** Offices, teams and shops that answer a call ("우체국입니다", "홍보팀입니다"), and weeks: no name ends so. */
const KOREAN_NOT_NAME =
  /[국팀소실과부청사점도중막교관장회단처터층인생자직님가이]$|^(?:소방서|경찰서|세무서|이번주|다음주|지난주|연구원|공무원|은행원|고객센터)$/u;
/**
 * A Thai greeting and "I" (ผม, ดิฉัน), maybe "named", then a given name and a family name of at most
 * twelve letters each, then, after a space, a record (ID, phone, age, birth, e-mail, address): Thai
 * writes a sentence's words together, so "ผมไปตลาด แล้วกลับบ้าน" (I went to the market, then home)
 * has the shape too; a given name is no verb of wanting or going.
 */
const THAI_SELF =
  /(?<=สวัสดี(?:ครับ|ค่ะ|คะ)?\s*(?:ผม|ดิฉัน|ฉัน|หนู))((?:ชื่อ)?[\p{sc=Thai}\p{M}]{2,12} [\p{sc=Thai}\p{M}]{2,12})(?=\s+(?:เลขบัตร|เลขประจำตัว|โทร|อีเมล|ที่อยู่|เบอร์|เกิด|อายุ\s?\d))/gu;
const THAI_VERBS = /^(?:สนใจ|อยาก|ต้องการ|ไป|มา|ขอ|ได้|จะ|ไม่|มี|เป็น|ชอบ|กำลัง|ก(?:ำ|ํา)ลัง|เพิ่ง|เคย|ยัง|แค่|ก็)/u;

/** "My name is" in scripts without capitals; "I am" there introduces what one is as often. */
const MY_NAME = "என் பெயர்|என்னுடைய பெயர்|আমার নাম|मेरा नाम|میرا نام|اسم من|اسمي|ስሜ|שמי|నా పేరు|ನನ್ನ ಹೆಸರು|എന്റെ പേര്";
/**
 * Where the language writes "is" (Hindi, Urdu, Persian, Amharic) the name must be closed by it
 * ("मेरा नाम राहुल शर्मा है"; "मेरा नाम हटा दो।", remove my name, is not); where it does not, by a comma
 * after two or three words, as an introduction goes on to its record ("اسمي سارة أحمد، رقم …"): one
 * word and a full stop is as often a verb ("నా పేరు మార్చండి.", change my name).
 */
const COPULA_LANGUAGE = /^(?:मेरा नाम|میرا نام|اسم من|ስሜ)/u;
const UNCASED_SELF = new RegExp(`(?<![\\p{L}\\p{M}])(?:${MY_NAME})[\\s:]+`, "gu");
/** Words said of a name, not a name ("my name is wrong, written, changed, in the list, missing"), and function words. */
const SAID_OF_A_NAME = new Set(
  "में भी वही गलत ग़लत सही लिखा लिखी बदल गया सूची लिस्ट पर नहीं غلط لکھا درست ہے میں بھی اشتباه نوشته شده تغییر کرده درست هم در خطأ مكتوب غير موجود في القائمة تغير أيضا தவறாக உள்ளது சரியாக இல்லை ভুল লেখা হয়েছে ঠিক নেই তালিকায় ተቀይሯል የለም ውስጥ በዝርዝሩ לא מופיע ברשימה נכתב נכון גם".split(
    " ",
  ),
);
/** One word of a script without capitals (letters and their marks, Latin left out). */
const UNCASED_WORD = /^(?:(?!\p{sc=Latin})[\p{L}\p{M}])+/u;
/** Question words: "what is my name?" names nobody. */
const QUESTION_WORDS = new Set(
  "क्या कौन कैसे कहाँ कब क्यों किसका কি কী কে কোথায় কেন என்ன யார் எங்கே کیا کون کہاں چیست چی چه کی ما ماذا من מה מי איפה ምንድን ምን ማን".split(" "),
);
/** Words that close the introduction ("am", "is") or never stand in a name (and, of, from). */
const CLOSING_WORDS = new Set("हूँ हूं है हैं था ہوں ہے ہیں هستم است هست ነው ነኝ ናት ఉన్నాను ಆಗಿದ್ದೇನೆ ആണ് और से का की के ने و از در را با থেকে এবং ও মিলে".split(" "));
/** "Is" after the name. */
const COPULAS = new Set("है हैं ہے هست است ነው ናት ነኝ".split(" "));

/** Adds the people named by a self-introduction or a name field (see above); offsets in `piece`. */
export function addIntroducedNames(piece: string, spans: NameSpan[]): void {
  if (!/[^\p{sc=Latin}\p{sc=Common}\p{sc=Inherited}]/u.test(piece)) return;
  // The cue says where the name ends: what another rule read over it (the cue's words, the next field) gives way.
  const person = (start: number, end: number) => replaceOverlapping(spans, { kind: "person", start, end });
  const each = (pattern: RegExp, take: (name: string) => string | null) => {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(piece); m; m = pattern.exec(piece)) {
      const whole = m[1] ?? m[2] ?? "";
      const name = take(whole);
      if (name !== null && name.length >= 2) {
        const start = m.index + whole.indexOf(name);
        person(start, start + name.length);
      }
    }
  };
  each(CHINESE_SELF, (name) => (CHINESE_NOT_NAME.test(name) ? null : name));
  each(CHINESE_SELF_RECORD, (name) => (CHINESE_NOT_NAME.test(name) ? null : name));
  each(CHINESE_HOLDER, (name) => (CHINESE_NOT_NAME.test(name) ? null : name));
  // The field's value may carry the honorific ("お名前：さくら様"): the name ends before it.
  each(CJK_NAME_FIELD, (value) => (FIELD_PLACEHOLDER.test(value) ? null : value.replace(HONORIFIC_END, "")));
  // After a particle the name begins ("私は山本と申します", "営業部の鈴木と申します"); a shop, a firm or a newcomer is no name.
  each(JAPANESE_SELF, (name) => {
    const bare = name.split(/[はのがをにでも]/u).pop() ?? "";
    return /\p{sc=Han}/u.test(bare) && !JAPANESE_NOT_NAME.test(bare) ? bare : null;
  });
  each(KOREAN_SELF, (name) => (KOREAN_NOT_NAME.test(name) ? null : name));
  each(THAI_SELF, (name) => {
    const bare = name.replace(/^ชื่อ/u, "");
    return THAI_NOT_GIVEN.test(bare) || THAI_VERBS.test(bare) ? null : bare;
  });
  UNCASED_SELF.lastIndex = 0;
  for (let m = UNCASED_SELF.exec(piece); m; m = UNCASED_SELF.exec(piece)) {
    // One to three words up to punctuation, the end or a closing word ("मेरा नाम राहुल शर्मा है").
    const words: Array<[number, number]> = [];
    let at = m.index + m[0].length;
    while (words.length < 3) {
      const word = UNCASED_WORD.exec(piece.slice(at, at + 40))?.[0];
      if (!word || CLOSING_WORDS.has(word)) break;
      words.push([at, at + word.length]);
      at += word.length;
      if (piece[at] !== " ") break;
      at++;
    }
    const first = words[0];
    const last = words[words.length - 1];
    if (!first || !last) continue;
    const text = words.map(([s, e]) => piece.slice(s, e));
    if (text.some((w) => QUESTION_WORDS.has(w) || SAID_OF_A_NAME.has(w))) continue;
    const rest = piece.slice(last[1]);
    const closedBy = UNCASED_WORD.exec(rest.trimStart())?.[0] ?? "";
    const closed = COPULA_LANGUAGE.test(m[0])
      ? COPULAS.has(closedBy) && /^\s\S/u.test(rest)
      : // An Arabic or Hebrew word with the article is what the name is ("اسمي الكامل", my full name; "שמי המלא").
        words.length >= 2 && /^\s*[,،፣]/u.test(rest) && !/^(?:ال|ה)/u.test(text[0] ?? "");
    if (closed) person(first[0], last[1]);
  }
}

/** Words that introduce a name and nothing else, in the Latin-script languages read ("my name is", "me llamo", "mani sauc"). */
const NAMED_AS =
  "my name is|my name's|i am called|je m'appelle|je m’appelle|mon nom est|me llamo|mi nombre es|mi chiamo|il mio nome è|ich heiße|ich heisse|mein name ist|" +
  "me chamo|chamo-me|meu nome é|o meu nome é|mijn naam is|ik heet|jeg heter|jag heter|mitt namn är|mit navn er|minun nimeni on|nimeni on|minu nimi on|" +
  "mano vardas|mani sauc|nazywam się|mam na imię|jmenuji se|jmenujem sa|a nevem|numele meu este|mă numesc|benim adım|nama saya|jina langu ni|tên tôi là|zovem se|ime mi je";
/** "I am", which introduces what one is as often as who ("I am Happy", "je suis Française"): a name only after a greeting. */
const I_AM =
  "i am|i'm|i’m|je suis|soy|sono|eu sou|sou|ik ben|jeg er|jag är|olen|esu|esmu|jestem|jsem|vagyok|sunt|ben|saya|ako si|mimi ni|tôi là|ja sam";
const LATIN_GREETING =
  "hi|hello|hey|dear|good (?:morning|afternoon|evening)|bonjour|bonsoir|salut|hola|buenos días|buenas tardes|buongiorno|ciao|salve|hallo|guten tag|moin|servus|olá|oi|bom dia|boa tarde|" +
  "hoi|goedemiddag|goedemorgen|hei|hej|god dag|goddag|moi|terve|tere|tervist|labas|laba diena|sveiki|labdien|sveiks|dzień dobry|witam|cześć|dobrý den|ahoj|jó napot|szia|" +
  "bună ziua|bună|merhaba|selam|halo|selamat pagi|selamat siang|magandang araw|kumusta|habari|jambo|xin chào|chào|zdravo|dobar dan";
/** A name of one to four capitalised words, with the particles names hold ("van der", "de", "da", "dos", "bin"). */
const LATIN_NAME_WORD = "\\p{Lu}[\\p{L}\\p{M}'’-]*\\p{Ll}[\\p{L}\\p{M}'’-]*";
const LATIN_NAME = `${LATIN_NAME_WORD}(?:[ ](?:(?:van|von|de|der|den|da|das|do|dos|di|del|della|du|la|le|bin|binti|al|el|ter|ten)[ ])*${LATIN_NAME_WORD}){0,3}`;
/** Each phrase written small or opening a sentence ("my name is", "My name is"): the name itself must be capitalised. */
const eitherCase = (phrases: string) =>
  phrases
    .split("|")
    .map((p) => `[${p[0]}${p[0]?.toUpperCase()}]${p.slice(1)}`)
    .join("|");
const LATIN_SELF = new RegExp(
  `(?<![\\p{L}])(?:(?:${eitherCase(NAMED_AS)})|(?<=(?:^|[^\\p{L}])(?:${eitherCase(LATIN_GREETING)})[,!.]?[ ]+)(?:${eitherCase(I_AM)}))[ ]+(${LATIN_NAME})(?![\\p{L}\\p{M}])`,
  "gu",
);
/** What the words after such a cue are, when no name: a nationality, a trade, a title, an office or an everyday word. */
const NOT_SELF_NAME = Gaz.nationality | Gaz.title | Gaz.orgWord | Gaz.techTerm | Gaz.time | Gaz.street | Gaz.country | Gaz.common;

/**
 * People who name themselves in Latin-script languages: after "my name is" and its kin, or after a
 * greeting and "I am" ("Tere, olen Maarja Kukk", "Laba diena, esu Mantas Urbonas"): the capitalised
 * words after the cue, unless the first is a nationality, a trade, a title or an everyday word that
 * no name list holds ("I'm Happy", "je suis Française").
 */
export function addLatinIntroducedNames(piece: string, spans: NameSpan[], model: Tagger): void {
  if (!LATIN_CUE.test(piece)) return;
  LATIN_SELF.lastIndex = 0;
  for (let m = LATIN_SELF.exec(piece); m; m = LATIN_SELF.exec(piece)) {
    const name = m[1] ?? "";
    const first = /^[\p{L}\p{M}'’-]+/u.exec(name)?.[0] ?? "";
    const flags = flagsOf(first, model);
    if (flags & NOT_SELF_NAME && !(flags & (Gaz.first | Gaz.last))) continue;
    const start = m.index + m[0].length - name.length;
    const end = start + name.length;
    // A person read already over it stays (its end may be read better there: "Okonkwo-Bright").
    if (spans.some((o) => o.kind === "person" && o.start <= start && o.end >= end)) continue;
    replaceOverlapping(spans, { kind: "person", start, end });
  }
}
/** A cheap test before the pattern: a word of a cue. */
const LATIN_CUE = new RegExp(`(?:${NAMED_AS}|${I_AM})[ ]+\\p{Lu}`, "iu");
