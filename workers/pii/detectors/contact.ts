// Email and phone-number detectors (phones parsed and validated by libphonenumber-js).
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import { parse as parseDomain } from "tldts";
import { groupSeparatorsAsSpaces, latinCapitals } from "../normalize.js";
import { Gaz } from "../tagger/features.js";
import { lowerLikeTokens, wordHash } from "../tagger/tokens.js";
import { linesHolding } from "./lines.js";
import type { RawFinding } from "../types.js";
import { tagger } from "./entities.js";
import { ID_WORDS, WEAK_ID_DETECTORS } from "./national-ids.js";

// Matched from the start of the local part (sticky); the start is found by walking back from
// each "@", which is much cheaper than trying the pattern at every position of the text.
// The ideographic full stop (U+3002; the half-width U+FF61 is one after NFKC) separates domain
// labels as well as "." does: clients and mail software read "example。org" as "example.org".
const EMAIL_AT =
  /[\p{L}\p{N}._%+'-]{1,64}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?[.\u3002])+(?:([a-zA-Z]{2,24})(?![a-zA-Z\p{N}-]|[.\u3002][\p{L}\p{N}])(?!\p{sc=Latin})|(\p{L}{2,24})(?![\p{L}\p{N}-]|[.\u3002][\p{L}\p{N}]))/uy;
/** Letters of scripts written without spaces: a word there may touch an address. */
const UNSPACED_LETTER = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Thai}]/u;
/** Country domains that are also file extensions (Serbia's .rs, Moldova's .md, Paraguay's .py, Somalia's .so). */
const COUNTRY_FILE_TLDS = new Set(["rs", "md", "py", "so"]);
/** An address under such a country domain: a domain label of letters before it ("eunet.rs"), not "2x.png" or "1.0.rs". */
function countryDomain(value: string, tld: string): boolean {
  if (!COUNTRY_FILE_TLDS.has(tld)) return false;
  const labels = value.slice(value.indexOf("@") + 1).split(/[.\u3002]/);
  return labels.length >= 2 && /^\p{L}[\p{L}-]+$/u.test(labels[labels.length - 2] ?? "");
}
const LOCAL_CHAR = /[\p{L}\p{N}._%+'-]/u;
// File extensions that look like TLDs in names such as icon@2x.png or pkg@scope.js.
const FILE_TLDS = new Set([
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "ico",
  "js",
  "mjs",
  "cjs",
  "ts",
  "tsx",
  "jsx",
  "css",
  "json",
  "lock",
  "yaml",
  "yml",
  "md",
  "txt",
  "py",
  "rb",
  "java",
  "kt",
  "rs",
  "exe",
  "dll",
  "so",
  "tgz",
  "gz",
  "zip",
  "pdf",
]);

// E-mails spelled out to get past filters: "jane.roe (at) example (dot) org", "jane [at] example.org",
// "jane at example dot org". The "at" is bracketed, or a bare word when the dots are spelled too.
const SPELLED_AT = String.raw`\s*[([{<]\s*(?:at|@)\s*[)\]}>]\s*`;
const SPELLED_DOT = String.raw`\s*[([{<]\s*(?:dot|\.)\s*[)\]}>]\s*|\s+dot\s+`;
const LABEL = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`;
const LOCAL = String.raw`(?<![\p{L}\p{N}._%+'-])[\p{L}\p{N}][\p{L}\p{N}._%+'-]{0,63}`;
const SPELLED_EMAIL = new RegExp(
  String.raw`${LOCAL}(?:(?:${SPELLED_AT})(?:${LABEL}(?:${SPELLED_DOT}|[.\u3002]))+|\s+at\s+(?:${LABEL}(?:${SPELLED_DOT}))+)(\p{L}{2,24})(?![\p{L}\p{N}-])`,
  "giu",
);
const SPELLED_HINT = /[([{<]\s*(?:at|@)\s*[)\]}>]|\sdot\s/i;

/** Prose around a bare "at … dot …" ("look at this dot com", "me at home dot com") is not an address. */
const PROSE_WORDS = new Set(
  "a an the this that these those it its me my you your us our we him her his them they home work here there least most first last all once one look be is".split(
    " ",
  ),
);

function detectSpelledEmails(text: string, out: RawFinding[]): void {
  if (!SPELLED_HINT.test(text)) return;
  SPELLED_EMAIL.lastIndex = 0;
  for (let m = SPELLED_EMAIL.exec(text); m; m = SPELLED_EMAIL.exec(text)) {
    if (FILE_TLDS.has((m[1] ?? "").toLowerCase())) continue;
    const bare = /^(\S+)\s+at\s+(\S+)/iu.exec(m[0]);
    if (bare && (PROSE_WORDS.has((bare[1] ?? "").toLowerCase()) || PROSE_WORDS.has((bare[2] ?? "").toLowerCase()))) continue;
    const key = m[0]
      .replace(new RegExp(SPELLED_AT, "iu"), "@")
      .replace(new RegExp(SPELLED_DOT, "giu"), ".")
      .replace(/\s+at\s+/i, "@")
      .replace(/\u3002/g, ".")
      .toLowerCase();
    out.push({ category: "email", start: m.index, end: m.index + m[0].length, detector: "email", key });
  }
}

// E-mails written loosely on one line: spaces around the "@" ("jane.roe @ example.org",
// "jane.roe@ example.org"), a bare "at" ("jane.roe at example.org", "AT"), or a quoted local part
// ('"jane roe"@example.org'). The domain must end in a real (ICANN) suffix; see looseLocalPart for
// which local parts count, so "look at example.com" and "python @app.route" stay prose and code.
const LOOSE_EMAIL = new RegExp(
  String.raw`(?:"([^"\\\n\r]{1,64})"|${LOCAL})(?:([ \t\r\n]+(?:at|@)[ \t\r\n]+)|[ \t\r\n]+@|@[ \t\r\n]+|(?<=")@)((?:${LABEL}[.\u3002])+(\p{L}{2,24}))(?![\p{L}\p{N}-]|[.\u3002][\p{L}\p{N}])`,
  "giu",
);
/** What every loose address on one line holds (one of its joints). */
const LOOSE_HINT = /[ \t]@|@[ \t]|"@|[ \t]at[ \t]/gi;
const SPELLED_OR_LOOSE_HINT = /[([{<]\s*(?:at|@)\s*[)\]}>]|\sdot\s|\sat\s/iu;
/** Whether `text` may hold an e-mail address with its "@" spelled out or set apart ("alice at example dot com", "alice(at)example.com"). */
export function holdsSpelledEmailHint(text: string): boolean {
  return SPELLED_OR_LOOSE_HINT.test(text);
}
/** A joint across a line break ("jane.roe\n@\nexample.org"): then the whole text is read. */
// Read from the start of a blank run only: tried at every line break of a long run ("\n \n \n …", a page of empty
// paragraphs read without its tags), the run was scanned again from each (160 KB took 13 s).
const LOOSE_ACROSS_LINES = /(?<![ \t\r\n])(?=[ \t]*[\r\n])[ \t\r\n]+(?:@|at[ \t\r\n])|(?:@|[ \t\r\n]at)[ \t]*[\r\n]/i;
/** A local part that is more than a word: it holds a dot, digit, underscore or plus, and a letter. */
const ADDRESS_LIKE = /^(?=.*\p{L})(?=.*[._+\p{N}])[\p{L}\p{N}]+(?:[._+'-]*[\p{L}\p{N}]+)*$/u;
/** "v1.2", "2.0.1b": a version number, not a mailbox. */
const VERSION = /^v?\d+(?:\.\d+)+[a-z]?$/i;
/** Words (letters, then letters or digits) joined by dots or a plus: "jane.roe", "j.smith2", "ops+alerts". */
const MAILBOX_WORDS = /^\p{L}[\p{L}\p{N}]*(?:[.+]\p{L}[\p{L}\p{N}]*)+$/u;
/** Words that stand before "at" or "@" in prose and in code ("look at", "we @ acme.com", "python @app.route"). */
const NOT_LOCAL = new Set(
  "look looking looked arrive arrived arriving stay stayed meet meeting met available hosted located live lives posted published found find visit see check go get sign log up out in on off more info us we me you him her them it this that here there home work email mail write send reply contact reach ping follow call python code decorator".split(
    " ",
  ),
);

/** How a loose address joins its parts: a bare "at", spaces on both sides of "@", before it only, after it only. */
type Joint = "at" | "spaced" | "before" | "after";

/** Whether `local` (before a loose "at" or "@") names a mailbox rather than ending a sentence. */
function looseLocalPart(local: string, joint: Joint): boolean {
  if (local.endsWith(".") || NOT_LOCAL.has(local.toLowerCase())) return false;
  const lastSegment = local.slice(local.lastIndexOf(".") + 1).toLowerCase();
  if (local.includes(".") && FILE_TLDS.has(lastSegment)) return false; // "Node.js at example.com"
  // A local part glued to its "@" ("jane.roe@ example.org") is one as written.
  if (joint === "after") return true;
  // Set apart from its domain ("jane.roe at example.org", "jane.roe @ example.org"), only a
  // mailbox of words joined by dots or a plus counts: a single word, a product or version name
  // ("Python3.12", "GPT-4o", "node18"), an identifier ("my_project") or an operand ("weights @
  // inputs.app") is prose or code far more often than an address.
  if (ADDRESS_LIKE.test(local) && !VERSION.test(local) && MAILBOX_WORDS.test(local)) return true;
  // One word before a bare "at": a mailbox when no list holds it as a word of some language
  // ("jsmith at example.org"), or a given name that is no everyday word ("jane at example.org", and
  // "jane @ example.org"). Glued to the domain it is a mention ("ask alice @bob.dev").
  if ((joint !== "at" && joint !== "spaced") || !SINGLE_WORD.test(local)) return false;
  const flags = wordFlags(local);
  const givenName = (flags & Gaz.first) !== 0 && !(flags & Gaz.common);
  // Letters only: a word with digits before "at" is a product or a build ("node18 at vercel.com").
  return givenName || (joint === "at" && LETTERS_ONLY.test(local) && !(flags & EVERYDAY));
}
const SINGLE_WORD = /^\p{L}[\p{L}\p{N}]{1,31}$/u;
const LETTERS_ONLY = /^\p{L}+$/u;
const EVERYDAY = Gaz.common | Gaz.dictionary | Gaz.frequent | Gaz.techTerm | Gaz.title | Gaz.time;

/** Gazetteer flags of one word (the tagger's lists, decoded on first use). */
function wordFlags(word: string): number {
  return tagger().gazetteer.flags(wordHash(lowerLikeTokens(word)));
}

/** A domain whose suffix is on the public suffix list (ICANN section), look-alike letters folded. */
function realDomain(domain: string): boolean {
  const folded = latinCapitals(domain.replace(/\u3002/g, ".")).toLowerCase();
  const parsed = parseDomain(folded, { allowPrivateDomains: false, extractHostname: false });
  return parsed.isIcann === true && parsed.domain !== null && !FILE_TLDS.has(parsed.publicSuffix ?? "");
}

function detectLooseEmails(text: string, out: RawFinding[]): void {
  // Only lines with a joint can hold an address: on prose that skips most of the text. A line
  // read alone matches as in the whole text, since a line break satisfies every look-around at
  // its edges as the text's start and end do.
  if (LOOSE_ACROSS_LINES.test(text)) return detectLooseEmailsIn(text, 0, text.length, out);
  for (const [lineStart, lineEnd] of linesHolding(text, LOOSE_HINT)) detectLooseEmailsIn(text, lineStart, lineEnd, out);
}

function detectLooseEmailsIn(text: string, lineStart: number, lineEnd: number, out: RawFinding[]): void {
  const line = text.slice(lineStart, lineEnd);
  LOOSE_EMAIL.lastIndex = 0;
  for (let m = LOOSE_EMAIL.exec(line); m; m = LOOSE_EMAIL.exec(line)) {
    const index = lineStart + m.index;
    const value = m[0];
    const domain = m[3] ?? "";
    const quoted = m[1];
    const at = value.length - domain.length;
    const joint = value.slice(0, at);
    const local = quoted ?? joint.replace(/\s*(?:@|at)\s*$/i, "");
    const form: Joint = m[2] === undefined ? (joint.endsWith("@") ? "before" : "after") : m[2].includes("@") ? "spaced" : "at";
    // Code after the address ("@router.post(…)") makes it a decorator.
    if (text[index + value.length] === "(" || !realDomain(domain)) continue;
    if (quoted === undefined && !looseLocalPart(local, form)) continue;
    // One word before "at" and a site of its own name ("ffmpeg at ffmpeg.org") or a company's name
    // written with a capital ("Priya at Booking.com"): prose about a product or a workplace.
    if (
      form === "at" &&
      quoted === undefined &&
      !/[.+]/.test(local) &&
      (/\p{Lu}/u.test(domain) || domain.toLowerCase().startsWith(`${local.toLowerCase()}.`))
    )
      continue;
    const key = `${quoted !== undefined ? `"${quoted}"` : local}@${domain.replace(/\u3002/g, ".")}`.toLowerCase();
    out.push({ category: "email", start: index, end: index + value.length, detector: "email", key });
  }
}

export function detectEmails(text: string, out: RawFinding[]): void {
  detectSpelledEmails(text, out);
  detectLooseEmails(text, out);
  let from = 0;
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", Math.max(at + 1, from))) {
    let start = at;
    // A local part in ASCII does not run on into the Han, kana or Hangul before it ("您的账号ylei@163.com").
    while (start > 0 && at - start < 65 && LOCAL_CHAR.test(text[start - 1] ?? "") && !UNSPACED_LETTER.test(text[start - 1] ?? "")) start--;
    if (start > 0 && LOCAL_CHAR.test(text[start - 1] ?? "") && !UNSPACED_LETTER.test(text[start - 1] ?? "")) continue; // local part over 64 chars
    // Local parts never start with a dot.
    while (start < at && text[start] === ".") start++;
    EMAIL_AT.lastIndex = start;
    const m = EMAIL_AT.exec(text);
    if (!m) continue;
    const value = m[0];
    from = start + value.length;
    const tld = (m[1] ?? m[2] ?? "").toLowerCase();
    const local = value.slice(0, value.indexOf("@"));
    if (local.length === 0 || local.endsWith(".") || (FILE_TLDS.has(tld) && !countryDomain(value, tld))) continue;
    if (local === "git" && text[start + value.length] === ":") continue; // git@host:org/repo
    out.push({ category: "email", start, end: start + value.length, detector: "email", key: value.toLowerCase() });
  }
}

// Candidate: optional +CC or 00CC (with a "(0)" trunk digit), optional (area), then digit groups
// joined by one separator (space, dot, dash, slash; " \u2010 ", a wider separator in the view of
// groupSeparatorsAsSpaces).
// A number may follow a "/" or "-" only when it starts with "+" (a path segment "/+44 20 …" or a
// glued "ref-+44 20 …" is a phone; "/2024 1234" is a path of ids; after "." a "+" is arithmetic). Right after a label's colon it may follow a letter ("Tel:0412 345
// 678", "電話：090-1234-5678" once normalised); "host:8080" is no valid number.
// Letters of scripts without case (Han, Hangul, Thai, Arabic…) may touch it ("电话15565677776").
// The leading look-ahead names the characters a number can start with ("+", "(", a digit): it
// changes no match, but without it V8 tries the alternation of look-behinds at every position
// of the text (3-4x slower on prose).
const PHONE =
  /(?=[+(\d])(?:(?<=[/-])(?=\+)|(?<=\p{L}:)|(?<=\p{sc=Hebrew}-)|(?<=(?:[Tt][EeÉé][Ll]|[Tt][Ll][Ff]|[Mm][Oo][Bb]|[Ff][Aa][Xx])\.)|(?<![\p{Lu}\p{Ll}\p{Lt}\p{N}_+\-./:#@$]))(?:(?:\+|00)\d{1,3}(?: \u2010 |[ .-])?(?:\(0\)[ .-]?)?)?(?:(?:\d{1,2} )?\(\d{1,5}\)[ .-]?)?\d{1,15}(?:(?: \u2010 |[ .-]| ?\/ ?)\d{1,15}){0,7}(?![\p{Lu}\p{Ll}\p{Lt}\p{N}_]|[.\-/:,]\p{N})/gu;
const DATE_LIKE = /^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** A day, a month and a year across slashes, in any of the orders written ("12/01/2025", "2025/1/12"); not "12/34/5678". */
function slashedDate(value: string): boolean {
  const parts = /^(\d{1,4})\/(\d{1,2})\/(\d{1,4})$/.exec(value);
  if (!parts) return false;
  const [a, b, c] = [parts[1] ?? "", parts[2] ?? "", parts[3] ?? ""];
  const day = (x: string) => Number(x) >= 1 && Number(x) <= 31;
  const month = (x: string) => Number(x) >= 1 && Number(x) <= 12;
  if (a.length === 4) return month(b) && day(c);
  return (c.length === 2 || c.length === 4) && a.length <= 2 && day(a) && day(b) && (month(a) || month(b));
}
// Whole words only ("bestelling" holds no "tel").
// Whole words only ("bestelling" holds no "tel"); the short ones added for other languages end
// there too ("тел", not "телеметрия"). Words of scripts written without spaces stand anywhere but
// right before the number ("收件人电话15565677776", "手机号码：…"; not "电话费账单编号…", "手机壳 …").
/**
 * Words that name a phone number, in the languages of the regions tried (lower case, whole words;
 * verbs of calling and reaching too: "rappeler", "llame", "перезвоните", "helista", "zvanīs").
 */
const PHONE_WORDS = [
  "phone|reach me|tel|durchwahl|festnetz|mobil|gsm|direct line|extension|ext|telephone|mobile|cell|call|callback|fax|whatsapp|sms|text me|ring|contact|dial|hotline",
  "téléphone|portable|joindre|appeler|rappeler|appelle[rz]?|appelez|rappelez|contacter|contactera|contactez",
  "telefon|telefonisch|handy|anrufen|rufen|rufnummer|rückruf|erreichbar|erreichen|erreichst",
  "teléfono|telefono|fono|móvil|celular|cel|cellulare|llamar|llame|llamame|llámame|llamaremos|comunícate|comunicate|chiamare|chiamami|richiamare|richiamarmi|raggiungibile|recapito",
  "telefoon|bellen|bel|mobiel|telemóvel|telefone|ligar|ligue|contato|contacto",
  "telefonu|komórka|puhelin|kontakt|sími|símanúmer|tālrunis|tālr|zvanīs|zvaniet|helista|helistage|numbril|numbrile|ringe|ring til|soita|soittakaa",
  "tél|tlf|puh|τηλ|τηλέφωνο|тел|телефон|телефону|моб|мобильный|мобільний|позвоните|перезвоните|звонить|звоните",
  "هاتف|موبايل|جوال|اتصل|يتصل|هيتصل|تواصل|تواصلوا|تلفن|همراه|فون|رابطہ",
  "טלפון|נייד|תתקשר|התקשר|להתקשר",
  "फोन|फ़ोन|मोबाइल|संपर्क|ফোন|মোবাইল|தொலைபேசி|தொடர்புக்கு|தொடர்பு",
  "điện thoại|sđt|gọi|liên hệ|telp|hp|hubungi|nipigie|simu",
].join("|");
/**
 * Words for "number" that name a phone as often as an id ("Mon numéro :", "NHS number",
 * "numéro national", "rodné číslo"): they make a phone of a number after them, but as the nearest
 * label they do not take a number from an id detector.
 */
const NUMBER_WORDS = "number|numéro|numero|numer|numeru|číslo|nummer|номер|номеру|الرقم|رقم|شماره|نمبر|नंबर|নম্বর";
/** Phone words of scripts written without spaces: anywhere before the number. */
const CJK_PHONE_WORDS = "연락처|전화|휴대폰|핸드폰|電話|电话|手机|手機|拨打|撥打|携帯|連絡先|折り返し|โทร";
const CONTEXT = new RegExp(
  `(?:(?<!\\p{L})(?:${PHONE_WORDS}|${NUMBER_WORDS})(?![\\p{L}\\p{M}])[^\\n]{0,24}|(?:号码|${CJK_PHONE_WORDS})(?:号码|號碼|号|番号|번호)?[\\s:：是为為]{0,3})$`,
  "iu",
);
/**
 * Nouns that name a phone and nothing else: only these, nearest before a number, take it from a
 * weak id scheme ("contact", "call", "Kontakt" say less: "CPF do contato: …" is the CPF).
 */
const PHONE_NOUNS =
  "phone|tel|telephone|mobile|mobil|cell|handy|telefon|telefono|teléfono|téléphone|tél|portable|telefoon|mobiel|telemóvel|telefone|celular|cellulare|móvil|puhelin|sími|tālrunis|tālr|mobitel|telefón|телефон|тел|моб|мобильный|мобільний|τηλ|τηλέφωνο|هاتف|موبايل|جوال|טלפון|נייד|फोन|फ़ोन|मोबाइल|ফোন|মোবাইল|điện thoại|sđt|telp|fono";
const PHONE_WORD = new RegExp(`(?<!\\p{L})(?:${PHONE_NOUNS})(?![\\p{L}\\p{M}])|전화|휴대폰|핸드폰|電話|电话|手机|手機|携帯|연락처`, "giu");
/** Words of an id number, nearest before a number: it is the id (national-ids.ts's, and the US ones). */
const ID_LABEL = new RegExp(`${ID_WORDS.source}|\\b(?:ssn|ein|itin|tin)\\b|주민등록|マイナンバー|身份证|身分證`, "giu");

/**
 * Whether the label nearest the end of `before` is a phone noun, and every id word before it has
 * had its own number already ("PESEL 85041512346, tel. 512 604 118": the second number is the
 * phone). A label names the first number after it: in "BSN tel. 111222333" the number is the BSN's.
 */
function phoneLabelNearest(before: string): boolean {
  let phoneAt = -1;
  PHONE_WORD.lastIndex = 0;
  for (let m = PHONE_WORD.exec(before); m; m = PHONE_WORD.exec(before)) phoneAt = m.index;
  if (phoneAt < 0) return false;
  let idEnd = -1;
  ID_LABEL.lastIndex = 0;
  for (let m = ID_LABEL.exec(before); m; m = ID_LABEL.exec(before)) {
    if (m.index > phoneAt) return false;
    idEnd = m.index + m[0].length;
    if (m[0] === "") ID_LABEL.lastIndex++;
  }
  return idEnd < 0 || /\d{3}/.test(before.slice(idEnd, phoneAt));
}
/** "Order number:", "Rechnungsnummer", "الطلب رقم", "номер заказа", "注文番号", "ऑर्डर नंबर", "nomor pesanan": the number of a document, not a phone. */
const DOCUMENT_NUMBER =
  /(?:order|invoice|tracking|account|customer|reference|ref|ticket|case|serial|part|item|sku|policy|booking|confirmation|transaction|bestell|rechnungs|kunden|auftrags|vertrags|commande|facture|dossier|pedido|factura|ordine|fattura|bestelling|factuur|zamówienia|faktury|objednávky)\s*(?:number|no\.?|nr\.?|nummer|numer|número|numero|numéro|číslo|#)?\s*[:#]?\s*$|(?:(?:الطلب|الفاتورة|الحجز|الشحنة)\s*(?:رقم)?|رقم\s+(?:الطلب|الفاتورة|الحجز|الشحنة)|(?:заказ[аеу]?|сч[её]т[аеу]?)\s*(?:№|номер)?|номер\s+(?:заказа|сч[её]та)|sipariş\s*(?:no|numarası)?|注文番号|订单号|訂單號|订单编号|주문\s?번호|(?<![\p{L}\p{M}])(?:ऑर्डर\s*(?:नंबर|संख्या|आईडी)|(?:nomor|no\.?)\s+(?:pesanan|resi|invoice|pembelian|tagihan)|(?:mã|số)\s+(?:đơn hàng|hóa đơn|vận đơn)|(?:หมายเลข|เลขที่)\s*(?:คำสั่งซื้อ|พัสดุ|ใบแจ้งหนี้)|(?:מספר|מס['׳])\s*(?:הזמנה|חשבונית|משלוח)))\s*[:：#№]?\s*$/iu;

/** Regions tried, in order, for numbers written without +CC: the common national formats of the world's large and European markets. */
export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = [
  "US",
  "GB",
  "FR",
  "DE",
  "ES",
  "IT",
  "NL",
  "BE",
  "CH",
  "AT",
  "PT",
  "IE",
  "BR",
  "AU",
  "CA",
  "IN",
  "MX",
  "SE",
  "NO",
  "DK",
  "FI",
  "PL",
  "CZ",
  "SK",
  "HU",
  "RO",
  "GR",
  "TR",
  "JP",
  "KR",
  "CN",
  "SG",
  "NZ",
  "ZA",
  "AR",
  "CL",
  "CO",
  "PE",
  "RU",
  "UA",
  "IL",
  "AE",
  "SA",
  "EG",
  "NG",
  "KE",
  "PH",
  "ID",
  "MY",
  "TH",
  "VN",
  "HR",
  "SI",
  "RS",
  "BG",
  "LT",
  "LV",
  "EE",
  "LU",
  "IS",
  "BD",
  "PK",
  "IR",
  "CI",
];

export interface PhoneOptions {
  /** Regions tried for numbers written without an international prefix. */
  regions: readonly CountryCode[];
}

/** Regions whose national numbers are written without a leading trunk 0. */
const NO_TRUNK_ZERO = new Set<string>([
  "US",
  "CA",
  "IT",
  "ES",
  "PT",
  "DK",
  "NO",
  "GR",
  "LU",
  "IS",
  "SG",
  "MX",
  "CZ",
  "SK",
  "PL",
  "SA",
  "CN",
  "CL",
  "AR",
  "CO",
  "PE",
  "EE",
  "LV",
  "MY",
  "RU",
  "IN",
]);

/** Cheap test before the (costly) parse: lengths and trunk prefixes of the region's national format. */
function plausibleNational(region: CountryCode, digits: string): boolean {
  if (region === "US" || region === "CA") return digits.length === 10 || (digits.length === 11 && digits[0] === "1");
  if (region === "GB") return digits[0] === "0" && (digits.length === 10 || digits.length === 11);
  if (region === "FR" || region === "BE" || region === "NL" || region === "CH" || region === "AU")
    return digits[0] === "0" && digits.length >= 9 && digits.length <= 10;
  if (digits[0] === "0" && NO_TRUNK_ZERO.has(region) && region !== "IT") return false;
  return digits.length >= 6 && digits.length <= 13;
}

/** Positions already claimed by another structured finding (cards, ids, IBANs): the finding's index + 1 at each. */
function coveredBy(found: readonly RawFinding[], length: number): Int32Array | undefined {
  if (found.length === 0) return undefined;
  const covered = new Int32Array(length);
  for (const [k, f] of found.entries()) covered.fill(k + 1, f.start, f.end);
  return covered;
}

/** Weak-scheme id findings by where they start (several schemes may read the same digits). */
function weakIdsByStart(found: readonly RawFinding[]): Map<number, RawFinding[]> {
  const byStart = new Map<number, RawFinding[]>();
  for (const f of found) {
    if (f.category !== "tax_id" || !(WEAK_ID_DETECTORS.has(f.detector) || f.detector === "ein")) continue;
    const list = byStart.get(f.start) ?? [];
    list.push(f);
    byStart.set(f.start, list);
  }
  return byStart;
}

/**
 * Parsed candidates (E.164 or null) by candidate and regions: parsing is the costly step, and a
 * chat resends the same numbers every turn. A pure function of its inputs; bounded.
 */
const parsedPhones = new Map<string, string | null>();
const PARSED_PHONES_MAX = 5_000;

/** The memo's key of a region list, built once per list (a detector keeps its list). */
const regionKeys = new WeakMap<readonly CountryCode[], string>();
function regionsKey(regions: readonly CountryCode[]): string {
  let key = regionKeys.get(regions);
  if (key === undefined) {
    key = regions.join(",");
    regionKeys.set(regions, key);
  }
  return key;
}

/** Lengths of the digit groups of a written number ("(415) 555-2671" -> "3,3,4"). */
function groupsOf(written: string): string {
  return (written.match(/\d+/g) ?? []).map((g) => g.length).join(",");
}

/**
 * E.164 of a candidate, or null. With a leading + any possible number counts. Without one, the
 * candidate must be valid in one of `regions` and written in that region's own grouping ("01 23 45
 * 67 89" in France, "(02) 9876 5432" in Australia): a digit string valid somewhere but written like
 * a date, an id or an SSN is not taken. After a word such as "phone" (`context`) a number of
 * possible length for a region is enough, in any grouping: the label says what it is, and numbering
 * plans allocate ranges the metadata does not hold yet (as with a leading +).
 */
function phoneKey(candidate: string, digits: string, regions: readonly CountryCode[], context: boolean): string | null {
  const memo = `${context ? 1 : 0}${regionsKey(regions)}\u0000${candidate}`;
  const known = parsedPhones.get(memo);
  if (known !== undefined) return known;
  let key: string | null = null;
  if (candidate.startsWith("+")) {
    // A leading + states intent; a number of possible length for its country is enough
    // (numbering plans move faster than the metadata's allocated ranges).
    // Mexico's mobiles kept a "1" after +52 until 2019; people still write it.
    const p = parsePhoneNumberFromString(candidate) ?? undefined;
    const legacy = p?.isPossible()
      ? p
      : MEXICO_MOBILE_ONE.test(candidate)
        ? parsePhoneNumberFromString(candidate.replace(MEXICO_MOBILE_ONE, "+52 "))
        : undefined;
    if (legacy?.isPossible()) key = legacy.number;
  } else {
    const written = groupsOf(candidate);
    // An amount's shape takes the label's word back: it must be a phone as written without one.
    const labelled = context && !AMOUNT_SHAPED.test(candidate);
    for (const region of regions) {
      if (!plausibleNational(region, digits)) continue;
      const p = parsePhoneNumberFromString(candidate, region);
      if (!p || !(labelled ? p.isPossible() : p.isValid())) continue;
      if (!labelled && groupsOf(p.formatNational()) !== written) continue;
      key = p.number;
      break;
    }
  }
  if (parsedPhones.size >= PARSED_PHONES_MAX) parsedPhones.clear();
  parsedPhones.set(memo, key);
  return key;
}

const MEXICO_MOBILE_ONE = /^\+52[ .-]?1[ .-]/;
/**
 * Written like an amount or a count ("1 234 567", "12.500.000", "2 500 000") or led by a year
 * ("2024 000 123", "2025 06 01 14 30"): after a phone word such a number must still be a valid
 * phone number, not only of possible length ("Liên hệ để biết giá: 12.500.000").
 */
const AMOUNT_SHAPED = /^(?:\d{1,2}(?:([ .])\d{3})(?:\1\d{3})+|\d{1,2}(?:[ ,]\d{2})+[ ,]\d{3}|\d{1,3}(?:\.\d{3}){2,}|(?:19|20)\d\d[ .\-/]\d.*)$/;

const digitShape = (written: string): string => written.replace(/\d/g, "0");
const SENTENCE_BEFORE = /[^.!?\n]{0,120}$/u;
const NUMBER_RUN = /\d[\d .\-/]*\d/g;

/** Whether the sentence before holds a document number's label followed by a number of the same shape. */
function sameShapeDocumentBefore(text: string, at: number, raw: string): boolean {
  const sentence = SENTENCE_BEFORE.exec(text.slice(Math.max(0, at - 120), at))?.[0] ?? "";
  const shape = digitShape(raw);
  NUMBER_RUN.lastIndex = 0;
  for (let m = NUMBER_RUN.exec(sentence); m; m = NUMBER_RUN.exec(sentence)) {
    if (digitShape(m[0].trim()) === shape && DOCUMENT_NUMBER.test(sentence.slice(0, m.index))) return true;
  }
  return false;
}

/** A group of capitals and digits with both, right before (one space or dash between). */
const MIXED_CODE_BEFORE = /(?:^|[\s:#])(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{2,}[ -]$/;

export function detectPhones(normalized: string, out: RawFinding[], options: PhoneOptions): void {
  // Groups joined by any other one separator ("+1|415|555|0123") read as spaced (normalize.ts).
  const text = groupSeparatorsAsSpaces(normalized);
  const covered = coveredBy(out, text.length);
  const relabelled = new Set<RawFinding>();
  let weakIds: Map<number, RawFinding[]> | undefined;
  PHONE.lastIndex = 0;
  for (let m = PHONE.exec(text); m; m = PHONE.exec(text)) {
    const raw = m[0];
    // Fewer than 7 characters hold fewer than 7 digits (checked below): skipped before any copy.
    if (raw.length < 7) continue;
    // A number another detector took is left to it, unless a weak id scheme (its check passes by
    // chance for about one number in ten) took it and a phone noun is the label right before it
    // ("PESEL 85041512346, tel. 512 604 118", "연락처 02-119-1967"): then it is the phone if it
    // reads as one. A strong scheme's id keeps its number whatever the words around it.
    let idsHere: RawFinding[] | undefined;
    if (covered) {
      const first = covered[m.index] as number;
      const last = covered[m.index + raw.length - 1] as number;
      if (first !== 0 || last !== 0) {
        weakIds ??= weakIdsByStart(out);
        const end = m.index + raw.length;
        idsHere = [...(weakIds.get(m.index - 1) ?? []), ...(weakIds.get(m.index) ?? []), ...(weakIds.get(m.index + 1) ?? [])];
        // Every finding over the number must be such an id, ending with it.
        const owners = [out[first - 1], out[last - 1]];
        if (idsHere.length === 0 || !owners.every((o) => o !== undefined && idsHere?.includes(o)) || idsHere.some((f) => f.end > end + 1)) continue;
        const before = text.slice(Math.max(0, m.index - 48), m.index);
        if (!CONTEXT.test(before.slice(-40)) || !phoneLabelNearest(before)) continue;
      }
    }
    const digits = raw.replace(/\D/g, "");
    if (digits.length < 7 || digits.length > 15) continue;
    // A date as written ("12/01/2025": its slashes read as blanks above).
    if (DATE_LIKE.test(raw) || slashedDate(normalized.slice(m.index, m.index + raw.length)) || IPV4.test(raw)) continue;
    const international = raw.startsWith("+") || raw.startsWith("00");
    const separated = /[ .\-()/]/.test(raw);
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    const context = CONTEXT.test(before) && !DOCUMENT_NUMBER.test(before);
    // A bare run of digits is usually an id, order number or timestamp, and short national
    // numbers ("5555 5555") are valid somewhere for most digit groups: only a nearby word such
    // as "phone" or "call" makes those a phone number.
    if (!international && (!separated || digits.length < 9) && !context) continue;
    // Digits that continue a code of letters and digits ("1Z 4E5 82F 03 1234 5678", a parcel's
    // tracking number): the groups belong to the code, not to a phone number.
    if (!international && MIXED_CODE_BEFORE.test(text.slice(Math.max(0, m.index - 12), m.index))) continue;
    // A number shaped like a document number labelled earlier in the sentence ("Part number
    // 7410-2283-01 replaces 7410-2283-00") is another of that document's numbers.
    if (!international && sameShapeDocumentBefore(text, m.index, raw)) continue;
    // Version-like dotted groups (1.2.3.4567) without a leading +.
    if (!international && !context && /^\d{1,2}\.\d{1,3}\.\d/.test(raw)) continue;
    // "+49 (0)30 …": the trunk digit in brackets is written for callers inside the country only.
    const candidate = (raw.startsWith("00") ? `+${raw.slice(2)}` : raw).replace("(0)", "");
    const key = phoneKey(candidate, digits, options.regions, context);
    if (key === null) continue;
    for (const id of idsHere ?? []) relabelled.add(id);
    out.push({ category: "phone", start: m.index, end: m.index + raw.length, detector: "phone", key });
  }
  if (relabelled.size === 0) return;
  // Dropped in one pass: a splice per number would cost the square of the findings.
  let kept = 0;
  for (const f of out) if (!relabelled.has(f)) out[kept++] = f;
  out.length = kept;
}
