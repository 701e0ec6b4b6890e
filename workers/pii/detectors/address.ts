// Postal addresses a pattern can see: post-office boxes in several languages, and addresses in
// Chinese, Japanese and Korean script (a postcode mark or an administrative unit, then a number
// with its unit word). Street addresses in other scripts come from the entity tagger
// (detectors/entities.ts).
import type { RawFinding } from "../types.js";
import { groupedByFirstCharacter } from "./alternation.js";

const PO_BOX_WORDS =
  /p\.?\s?o\.?\s?box|post(?:al)?\s+office\s+box|postfach|postbus|postboks|boîte\s+postale|case\s+postale|b\.?p\.|apartado(?:\s+de\s+correos)?|casella\s+postale|caixa\s+postal|skrytka\s+pocztowa|skr\.\s?poczt\.|private\s+bag|antwoordnummer/;
// The words grouped by first letter (alternation.ts): the same matches, fewer tries per position;
// the look-behind runs only where one of their first letters stands.
const PO_BOX = new RegExp(
  String.raw`(?=[pbcas])(?<![\p{L}\p{N}])${groupedByFirstCharacter(PO_BOX_WORDS.source, "giu")}\s*(?:no\.?\s*)?\d{1,6}(?![\p{L}\p{N}])`,
  "giu",
);

const CJK = "\\p{Script=Han}\\p{Script=Katakana}\\p{Script=Hiragana}ー";
/**
 * Chinese and Japanese: an optional 〒 postcode, a place ending in a unit of administration
 * (都 道 府 県 省 市 区 區 县 縣), then letters and digits up to a number with its unit word
 * (号 號 番地 丁目 巷 弄 樓 楼 階 室 座) and what follows it without a space ("A座902").
 */
const CJK_ADDRESS = new RegExp(
  `(?:〒\\s?\\d{3}-?\\d{4}\\s?)?[${CJK}]{1,12}?(?:都|道|府|県|省|市|区|區|县|縣)[${CJK}\\dA-Za-z\\-－−]{0,60}?\\d+(?:号|號|番地|番|丁目|巷|弄|樓|楼|階|室|座)[${CJK}\\dA-Za-z\\-－−]{0,24}|〒\\s?\\d{3}-\\d{4}(?:\\s?[^\\s、。，]{2,60})?`,
  "gu",
);
/** Korean: a city or province (시 도), districts, a road (로 길) or quarter (동) with its number, floor and unit. */
const KOREAN_ADDRESS =
  /[\p{Script=Hangul}]{2,8}(?:시|도)(?:\s[\p{Script=Hangul}\d]{1,10}(?:시|군|구|읍|면|동|로|길|가))*\s?[\p{Script=Hangul}\d]{0,10}(?:로|길|동)(?:\s?\d+(?:-\d+)?(?:번지|번길)?)(?:,?\s?\d+층)?(?:\s?\d+호)?(?:\s?\([\p{Script=Hangul}]+\))?/gu;

/**
 * A field that holds a postal address, in the languages of forms and letters ("Address:",
 * "Endereço:", "Cím:", "주소:"), or the words that introduce one in a sentence ("resident at").
 * It opens a line or follows a field separator, so "IP address:" and "Email address:" are not it.
 * At most a few spaces before it: an unbounded run there backtracks quadratically on long blanks.
 */
const ADDRESS_LABEL = new RegExp(
  `(?:(?:(?:^|[\\n·|;•,.]|\\s[—–-])[^\\S\\n]{0,3}|(?<=\\S)\\s)(?:${[
    "address",
    "home address",
    "postal address",
    "mailing address",
    "billing address",
    "shipping address",
    "delivery address",
    "registered address",
    "adresse",
    "adresse postale",
    "نشانی",
    "آدرس",
    "ঠিকানা",
    "àdírẹ́sì",
    "አድራሻ",
    "anschrift",
    "wohnadresse",
    "lieferadresse",
    "adres",
    "adresa",
    "adresă",
    "endereço",
    "morada",
    "dirección",
    "direccion",
    "domicilio",
    "indirizzo",
    "cím",
    "lakcím",
    "szállítási cím",
    "osoite",
    "adress",
    "postadresse",
    "адрес",
    "адреса",
    "διεύθυνση",
    "כתובת",
    "العنوان",
    "पता",
    "địa chỉ",
    "alamat",
    "ที่อยู่",
    "주소",
    "住所",
    "地址",
    "收件地址",
    "domicile",
    "adrese",
    "adresas",
    "aadress",
    "sede",
    "sede legale",
    "siège",
    "siège social",
    "عنوان",
  ].join(
    "|",
  )})(?:[^\\S\\n]+\\p{L}+){0,2}\\s*[:：፦]|(?:resident at|residing at|lives at|living at|domicilié à|domiciliée à|wohnhaft in|residente en|residente a|zamieszkał[ay]? (?:w|przy)))\\s*`,
  "giu",
);
/**
 * Where the address ends: a line break or field separator, the next "Label:", a contact word
 * ("tel", "mobile", "phone", "email", "born" and their kin) or a sentence's full stop.
 */
const ADDRESS_END =
  /\n|\s[|·•/]\s|;|\s[—–]\s|[,\s]\s*(?:\p{L}+\s(?:of|de|da|do|di|du|des|del|der|van|von|la|le)\s)?\p{L}[\p{L}.()-]{2,20}\s?[:：]|[,\s]\s*\(?(?:tel|tél|tlf|phone|mobile|mobil|mobitel|mob|cell|fax|e-?mail|hp|born|dob|date of birth|birth date|birthdate|geburtsdatum|geboren|ph|gp|tālrunis|tālr|telefon[oe]?|telefón|teléfono|fono|puhelin|sími|handy|телефон|тел|мобильный|gsm|celular|móvil|cel|whatsapp|iban|bic|swift|nif|cpf|vat|p\.\s?iva|kvk|موبايل|جوال|هاتف|تلفن|טלפון|संपर्क|फोन|मोबाइल|电话|電話|手机|手機|연락처)(?![\p{L}\p{M}])|,\s+(?:und|and|og|och)\s|\.\s*$|\.\s+(?=\+?\(?\d{2,4}\)?[\s-]\d{2,4}[\s-]\d)|\s(?=\+?\(?\d{2,4}\)?[\s-]?\d{3,4}[\s-]\d{2,4}(?:[\s-]\d{2,4})?(?:\s|$))(?<=\p{L}\s|\d\s)/iu;
/** A full stop before a new sentence ("… Rennes. Please call …"), not an abbreviation ("Av. Sete de Setembro", "Jl. Kebon Sirih"): case-sensitive. */
const SENTENCE_END = /\.\s+(?=\p{Lu}\p{Ll}+,?\s+\p{Ll}{4,})/u;
const ADDRESS_MAX = 120;

/**
 * Words that introduce an address in running text without a colon ("domicilio fiscal Av. Santa Fe
 * 169", "adrese Brīvības iela 175-21", "Entrega en Calle 78A # 35-15"), when a number, a capital
 * or a letter of a script without case follows them.
 */
const ADDRESS_WORD = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[
    "address",
    "adresse",
    "adrese",
    "adresas",
    "aadress",
    "adresa",
    "anschrift",
    "domicile",
    "domicilio(?: fiscal)?",
    "dirección(?: de (?:entrega|envío|despacho))?",
    "endereço(?: para)?",
    "morada",
    "indirizzo",
    "sede(?: legale)?",
    "siège(?: social)?",
    "адрес(?: регистрации| доставки| проживания)?",
    "адресу",
    "адресою",
    "адресі",
    "адреса",
    "כתובת (?:למשלוח|למגורים|מגורים)",
    "ঠিকানা",
    "àdírẹ́sì",
    "አድራሻ",
    "ที่อยู่",
    "διεύθυνση",
    "alamat",
    "العنوان",
    "entrega en",
    "livraison à",
    "delivered to",
    "deliver to",
    "ship to",
    "التوصيل إلى",
  ].join("|")})[^\\S\\n]+`,
  "giu",
);

/** A number (not a hex one), a capital, a letter of a script without case, or a street's abbreviation written small ("вул.", "ул.", "м."). */
const VALUE_OPENING = /^(?!0x)(?:[\p{N}\p{Lu}\p{Lo}]|(?:вул|ул|просп|пр|пл|пер|бул|ш|м|г|с|д)\.\s?\p{Lu})/u;

/** The value after an address label, when it holds a number and a word: the postal address. */
function detectLabelledAddresses(text: string, out: RawFinding[]): void {
  const starts: number[] = [];
  const opened = new Set<number>();
  ADDRESS_LABEL.lastIndex = 0;
  for (let m = ADDRESS_LABEL.exec(text); m; m = ADDRESS_LABEL.exec(text)) {
    // After a plain space inside a line ("… Begum Address: …") only a capitalised label opens a
    // field: "IP address:" and "email address:" do not.
    const label = m[0].trimStart();
    // After a line break, a label of a script without case opens its field ("\nכתובת:"; not Arabic's
    // bare "عنوان", also "title"); inside a line, and in lower case anywhere, it takes a capital.
    const afterSpace = /^\s/.test(m[0]) && m.index > 0 && /[\p{L}\p{N}]/u.test(text[m.index - 1] ?? "");
    const ownLine = /^[^\S\n]*\n/.test(m[0]) && /^[^\p{Lu}\p{Ll}]/u.test(label) && !label.startsWith("عنوان");
    const plainSpace = afterSpace && !ownLine;
    if (plainSpace && !/^\p{Lu}/u.test(label) && !/^(?:resident|residing|lives|living|domicili|wohnhaft|residente|zamieszka)/iu.test(label)) continue;
    // "Adresse IP :", "E-mail address:", "Dirección MAC:": the kind of address is in the label.
    if (/(?:^|\s)(?:ip|ipv[46]|mac|e-?mail|web|url)(?=\s|[:：]|$)/iu.test(label)) continue;
    starts.push(m.index + m[0].length);
    opened.add(m.index + m[0].length);
  }
  ADDRESS_WORD.lastIndex = 0;
  for (let m = ADDRESS_WORD.exec(text); m; m = ADDRESS_WORD.exec(text)) {
    const start = m.index + m[0].length;
    // A number (not a hex one), a capital or a letter of a script without case opens the value
    // (checked here: the pattern ignores case); "IP address 10.0.0.1", "memory address 0x…" are none.
    if (!VALUE_OPENING.test(text.slice(start, start + 6)) || opened.has(start)) continue;
    // "l'adresse IP 10.231.6.220", "Adresse MAC …": the kind of address after the word.
    if (/^(?:IP|MAC|IPv[46])\b/u.test(text.slice(start, start + 5))) continue;
    if (!/(?:ip|e-?mail|mac|web|url|wallet|memory|return)[\s-]*$/iu.test(text.slice(Math.max(0, m.index - 10), m.index))) {
      starts.push(start);
      opened.add(start);
    }
  }
  for (const start of starts) {
    const rest = text.slice(start, start + ADDRESS_MAX);
    const stop = ADDRESS_END.exec(rest);
    const sentence = SENTENCE_END.exec(rest);
    const cut = Math.min(stop?.index ?? rest.length, sentence?.index ?? rest.length);
    const value = rest.slice(0, cut).replace(/[\s,.]+$/u, "");
    // A postal address has a house, box or postcode number and a word; a link or an email is no address.
    if (
      !/\d/.test(value) ||
      !/\p{L}{3}|[\p{sc=Ethiopic}\p{sc=Han}\p{sc=Hangul}]{2}/u.test(value) ||
      /@|https?:|www\./iu.test(value) ||
      value.length < 6
    )
      continue;
    // A hash, key or wallet ("0x3f5CE5FBFe…") is one long run of letters and digits.
    if (/[\p{L}\p{N}]{20,}/u.test(value)) continue;
    if (cut === rest.length && rest.length === ADDRESS_MAX) continue;
    out.push({ category: "address", start, end: start + value.length, detector: "address_field", key: value.toLowerCase().replace(/\s+/g, " ") });
  }
}

export function detectPoBoxes(text: string, out: RawFinding[]): void {
  if (LABEL_HINT.test(text)) detectLabelledAddresses(text, out);
  PO_BOX.lastIndex = 0;
  for (let m = PO_BOX.exec(text); m; m = PO_BOX.exec(text)) {
    out.push({ category: "address", start: m.index, end: m.index + m[0].length, detector: "po_box", key: m[0].toLowerCase().replace(/\s+/g, " ") });
  }
  if (!UNCASED_HINT.test(text)) return;
  for (const [re, hint] of CJK_ADDRESSES) {
    if (!hint.test(text)) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text))
      out.push({ category: "address", start: m.index, end: m.index + m[0].length, detector: "cjk_address", key: m[0] });
  }
}

const LABEL_HINT_WORDS =
  /address|adres|anschrift|endere|morada|direcci|domicilio|indirizzo|cím|osoite|адрес|διεύθυνση|כתובת|عنوان|पता|địa chỉ|alamat|ที่อยู่|주소|住所|地址|resident|residing|lives at|living at|domicili|wohnhaft|zamieszka|sede|siège|entrega en|livraison à|deliver(?:ed)? to|ship to|التوصيل إلى|نشانی|آدرس|ঠিকানা|àdírẹ́sì|አድራሻ|адресу|адресою/iu;
const LABEL_HINT = new RegExp(groupedByFirstCharacter(LABEL_HINT_WORDS.source, "iu"), "iu");
const UNCASED_HINT = /[\p{Script=Han}\p{Script=Hangul}〒]/u;
/** Each address pattern of a script without case, and a character every match of it holds (an administrative area's suffix, the postal mark). */
const CJK_ADDRESSES: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [CJK_ADDRESS, /[都道府県省市区區县縣〒]/u],
  [KOREAN_ADDRESS, /[시도]/u],
];
