// People who name themselves or are named by a form, in scripts without capitals: a
// self-introduction ("您好，我是刘建国，", "안녕하세요, 조하은입니다", "வணக்கம், நான் பிரியா முருகன்."),
// a name field ("氏名：渡辺翔太"), and in Chinese the holder of a personal record ("王伟的信用卡").
// Capitals mark names in cased scripts; here only the words around say it, so every cue is one
// that introduces a name and nothing else, or is gated by a greeting before it.
import { CHINESE_DOUBLE_SURNAMES, CHINESE_SURNAMES, KOREAN_SURNAMES, type NameSpan, replaceOverlapping } from "./names.js";

const CHINESE_FAMILY = `(?:${CHINESE_DOUBLE_SURNAMES}|[${CHINESE_SURNAMES}])`;
/** "I am" / "I am called" / "my name is", then a family name and one or two Han, then punctuation or "的". */
const CHINESE_SELF = new RegExp(`(?<=我是|我叫|我的名字是|我的名字叫|本人)(${CHINESE_FAMILY}\\p{sc=Han}{1,2}?)(?=[，,。.！!；;：:\\s]|的|$)`, "gu");
/** A family name and one or two Han before "的" and a record only a person holds (card, ID, phone, account, password). */
const CHINESE_HOLDER = new RegExp(
  `(?<=^|[\\s，,。.：:；;、！!？?])(${CHINESE_FAMILY}\\p{sc=Han}{1,2}?)(?=的(?:信用卡|银行卡|銀行卡|身份证|身份證|护照|護照|手机|手機|电话|電話|邮箱|郵箱|电子邮件|電子郵件|账户|賬戶|帐户|帳戶|账号|帳號|密码|密碼|住址|驾照|駕照|社保|医保|醫保|病历|病歷|工资|工資))`,
  "gu",
);
/** Field labels that name a person in Chinese and Japanese forms, then the value (two to six Han or kana, or a family name, a space and a given name). */
const CJK_NAME_FIELD =
  /(?<=(?:氏名|お名前|名前|宛名|受取人|契約者|申込者|患者名|姓名|名字|联系人|聯絡人|收件人|收货人|收貨人|持卡人|户名|戶名)\s?[:：]\s?)((?:[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}ー・]{1,3}[ \u3000][\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}ー・]{1,4}|[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}ー・]{2,6})(?=[\s、。，,;；]|$))/gu;
const HONORIFIC_END = /(?:様|さま|さん|殿|氏|先生)$/u;
const KOREAN_FAMILY = `(?:남궁|제갈|선우|독고|황보|[${KOREAN_SURNAMES}])`;
/**
 * A Korean name of a family name and two syllables, introduced ("안녕하세요, 조하은입니다", "제 이름은
 * 김민수입니다", "저는 이은지예요"). After "저는" a noun of what one is may stand there ("저는
 * 한국인입니다", "연구원입니다"): the endings of such nouns are left out there.
 */
const KOREAN_SELF = new RegExp(
  `(?<=(?:(안녕하세요|안녕하십니까)[,.!]?|제\\s?이름은|(저는))\\s?)(${KOREAN_FAMILY}[\\p{sc=Hangul}]{2})(?=입니다|이에요|예요|이고|이라고|라고)`,
  "gu",
);
const KOREAN_ROLE_ENDING = /[인원생자사직님가]$/u;
/**
 * A Thai greeting and "I" (ผม, ดิฉัน), maybe "named", then a given name and a family name of at most
 * twelve letters each, then a record (ID, phone, age, birth, e-mail, address): Thai writes a
 * sentence's words together, so "ผมไปตลาด แล้วกลับบ้าน" (I went to the market, then home) has the shape too.
 */
const THAI_SELF =
  /(?<=สวัสดี(?:ครับ|ค่ะ|คะ)?\s*(?:ผม|ดิฉัน|ฉัน|หนู)(?:ชื่อ)?)([\p{sc=Thai}\p{M}]{2,12} [\p{sc=Thai}\p{M}]{2,12})(?=\s*(?:เลข|โทร|อายุ|อีเมล|บัตร|ที่อยู่|เบอร์|รหัส|เกิด|\d))/gu;

/** Greetings opening a message in scripts without capitals: a self-introduction after one is a person's. */
const UNCASED_GREETING =
  "வணக்கம்|নমস্কার|হ্যালো|আসসালামু আলাইকুম|नमस्ते|नमस्कार|प्रणाम|السلام علیکم|السلام عليكم|سلام|مرحبا|مرحباً|أهلا|ሰላም|שלום|నమస్కారం|ನಮಸ್ಕಾರ|നമസ്കാരം";
/** "My name is" in those scripts: a name follows whatever comes before. */
const MY_NAME = "என் பெயர்|என்னுடைய பெயர்|আমার নাম|मेरा नाम|میرا نام|اسم من|اسمي|ስሜ|שמי|קוראים לי|నా పేరు|ನನ್ನ ಹೆಸರು|എന്റെ പേര്";
/**
 * "I" after a greeting ("नमस्ते, मैं …"; without one, "मैं कल दिल्ली जाऊँगा" is a sentence). The
 * sentence must also close as an introduction does: with "am" where the language says it (Hindi,
 * Urdu, Persian: COPULA_I), or, in Tamil, Bengali and Arabic, which leave it out, with punctuation after two
 * words and no verb of the first person among them ("நான் நலமாக இருக்கிறேன்", "আমি ভালো আছি").
 */
const I_AM = "मैं|میں|من|நான்|আমি|أنا|انا";
const COPULA_I = /^(?:मैं|میں|من)$/u;
const FIRST_PERSON_VERB = /(?:ேன்|ি)$/u;
const UNCASED_SELF = new RegExp(`(?<![\\p{L}\\p{M}])(?:(?:${UNCASED_GREETING})[\\s,،፣!.।]*(${I_AM})|(?:${MY_NAME}))[\\s:]+`, "gu");
/** Words of how one is or where, after "I" ("fine", "very", "happy", "here", "ready"). */
const STATE_WORDS = new Set(
  "बहुत ठीक खुश अच्छा अच्छी यहाँ यहां वहाँ घर तैयार भी अभी बिल्कुल काफी খুব ভালো এখন এখানে ঠিক নিজে நல்லா நலம் நலமாக இங்கே இப்போது خوب خیلی اینجا الان بہت ٹھیک خوش یہاں ابھی بخير جدا هنا الآن سعيد سعيدة".split(
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
/** What may follow the name: punctuation, the end, or a closing word. */
const NAME_END = /^(?:[\s]*[,،፣.।።!:;)]|\s*$)/u;

/** Adds the people named by a self-introduction or a name field (see above); offsets in `piece`. */
export function addIntroducedNames(piece: string, spans: NameSpan[]): void {
  if (!/[^\p{sc=Latin}\p{sc=Common}\p{sc=Inherited}]/u.test(piece)) return;
  // The cue says where the name ends: what another rule read over it (the cue's words, the next field) gives way.
  const person = (start: number, end: number) => replaceOverlapping(spans, { kind: "person", start, end });
  for (const pattern of [CHINESE_SELF, CHINESE_HOLDER, CJK_NAME_FIELD, THAI_SELF]) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(piece); m; m = pattern.exec(piece)) {
      // The field's value may carry the honorific ("お名前：さくら様"): the name ends before it.
      const name = (m[1] ?? "").replace(HONORIFIC_END, "");
      if (name.length >= 2) person(m.index, m.index + name.length);
    }
  }
  KOREAN_SELF.lastIndex = 0;
  for (let m = KOREAN_SELF.exec(piece); m; m = KOREAN_SELF.exec(piece)) {
    const name = m[3] ?? "";
    if (m[2] && KOREAN_ROLE_ENDING.test(name)) continue;
    person(m.index, m.index + name.length);
  }
  UNCASED_SELF.lastIndex = 0;
  for (let m = UNCASED_SELF.exec(piece); m; m = UNCASED_SELF.exec(piece)) {
    // One to three words up to punctuation, the end or a closing word ("मैं राहुल शर्मा हूँ,").
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
    const rest = piece.slice(last[1]);
    const closedBy = UNCASED_WORD.exec(rest.trimStart())?.[0] ?? "";
    const text = words.map(([s, e]) => piece.slice(s, e));
    if (text.some((w) => QUESTION_WORDS.has(w))) continue;
    const i = m[1];
    let closed = NAME_END.test(rest) || CLOSING_WORDS.has(closedBy);
    if (i !== undefined) {
      // After "I": a full name (two words or three), none a word of how one is ("मैं बहुत खुश हूँ").
      if (words.length < 2 || text.some((w) => STATE_WORDS.has(w))) continue;
      closed = COPULA_I.test(i)
        ? CLOSING_WORDS.has(closedBy)
        : words.length === 2 && /^\s*[,،.।።]/u.test(rest) && !text.some((w) => FIRST_PERSON_VERB.test(w));
    }
    if (closed) person(first[0], last[1]);
  }
}
