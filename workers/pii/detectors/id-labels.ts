// Labelled ids: a number written right after the name of a national, tax, social-security,
// company-registration or passport number ("SSN:", "Steuer-ID", "NIF", "PESEL", "身份证号：",
// "사업자등록번호", "Vergi No:", "Mã số thuế"…) is that id, whatever its check digits say. People
// mistype a digit, forms hold test numbers, and many schemes (passports, Steuernummer, UTR, BVN,
// RG, CCCD…) have no public check at all; a value its label names is personal data either way.
// The label must stand right before the value (a "No."/"Nr."/":" between them at most), so an
// id word somewhere in a sentence never turns an order number into an id.

/** Label words matched in any case: long enough never to be an everyday word. */
const WORDS = [
  "social[ -]security(?: card)?",
  "social insurance",
  "national insurance",
  "national id(?:entity)?(?: card)?",
  "national identification",
  "identity card",
  "carte (?:nationale )?d'identit[ée]",
  "pi[èe]ce d'identit[ée]",
  "personas kods",
  "asmens kodas",
  "isikukood",
  "identity document",
  // "ID number" alone, not after another word ("Order ID number", "Customer ID no.").
  "(?<!\\p{L}[ -])id[ -]?(?:card|no|nr|number|#)",
  "(?:my|your|his|her|our|their) id[ -]?(?:card|no|nr|number|#)",
  "identification number",
  "personal id(?:entification)?",
  "tax ?payer(?: id(?:entification)?)?",
  "tax (?:id(?:entification)?|number|no|code|file|reference|registration|identifier)",
  "vat(?: registration)?(?: id| number| no| reg)",
  "passport",
  "pasaporte",
  "passeport",
  "passaporto",
  "passaporte",
  "paszport",
  "paspoort",
  "reisepass",
  "medicare",
  "aadhaa?r",
  "emirates id",
  "mykad",
  "steuer-?id(?:entifikationsnummer)?(?:nr)?",
  "steuer-?(?:nummer|nr)",
  "steuerliche identifikationsnummer",
  "identifikationsnummer",
  "ust-?id(?:nr)?",
  "umsatzsteuer-?id(?:entifikationsnummer)?",
  "sozialversicherungs-?(?:nummer|nr)",
  "versicherungsnummer",
  "sv-?(?:nummer|nr)",
  "personalausweis(?:-?(?:nummer|nr))?",
  "ausweis-?(?:nummer|nr)",
  "ahv-?(?:nummer|nr)",
  "num[ée]ro fiscal",
  "num[ée]ro d'identification(?: fiscale)?",
  "num[ée]ro de s[ée]curit[ée] sociale",
  "s[ée]curit[ée] sociale",
  "n° ss",
  "num[ée]ro national",
  "n° national",
  "registre national",
  "rijksregister(?:nummer)?",
  "burgerservicenummer",
  "sofi-?nummer",
  "codice fiscale",
  "partita iva",
  "p\\. ?iva",
  "personnummer",
  "personnr",
  "f[øo]dselsnummer",
  "f[øo]dselsnr",
  "cpr-nr",
  "henkil[öo]tunnus",
  "y-tunnus",
  "hetu",
  "rodn[ée] [čc][íi]slo",
  "ad[óo]azonos[íi]t[óo](?: jel)?",
  "ad[óo]sz[áa]m",
  "taj sz[áa]m",
  "kimlik(?: no)?",
  "vergi (?:no|numaras[ıi]|kimlik)",
  "nr dowodu",
  "numer dowodu",
  "dow[óo]d osobisty",
  "c[ée]dula(?: de identidad| de ciudadan[íi]a)?",
  "documento nacional de identidad",
  "documento de identidad",
  "registro geral",
  "carteira de identidade",
  "contribuinte",
  "n[úu]mero de identifica[çc][ãa]o fiscal",
  "seguridad social",
  "seguran[çc]a social",
  "m[ãa] s[ốo] thu[ếe]",
  "c[ăa]n c[ưu][ớo]c",
  "teudat zehut",
  "ת\\.ז",
  "ת[\"״׳']ז",
  "תעודת זהות",
  "מספר זהות",
  // Cyrillic: passport, taxpayer number (Russia), personal tax number (Ukraine), SNILS.
  // "Паспорт серия и номер 64 50 640539": the passport's series and number.
  "паспорт(?: серия(?: и номер)?| номер)?",
  "серия и номер",
  "инн",
  "рнокпп",
  "іпн",
  "снилс",
  "ідентифікаційний (?:номер|код)",
  // Bulgarian personal number and foreigner's number.
  "егн",
  "лнч",
  // Ids that are acronyms some language never uses as a word.
  "pesel",
  "cpf",
  "cnpj",
  "curp",
  "nif",
  "nie",
  "nir",
  "dni",
  "bsn",
  "cuit",
  "cuil",
  "nric",
  "cccd",
  "cmnd",
  "nino",
  "itin",
  "ssn",
  "gstin",
  "cnic",
  "snils",
  "siren",
  "siret",
  "regon",
  "amka",
  "npwp",
  "em[šs]o",
  "dav[čc]na [šs]tevilka",
  "(?:namba ya )?kitambulisho",
  "nomor induk kependudukan",
  "kad pengenalan",
  "no\\. ?k/?p",
  "kennitala",
  "јмбг",
  "btw-?(?:nummer|nr)",
  "ፋይዳ",
];

/** Acronyms that are also words or syllables in lower case ("pan", "tin", "run", "ic"): capitals only. */
const ACRONYMS = [
  "TIN",
  "EIN",
  "NI",
  "UTR",
  "NHS",
  "PAN",
  "ABN",
  "ACN",
  "TFN",
  "IRD",
  "SIN",
  "NAS",
  "CIF",
  "NIP",
  "KVK",
  "CPR",
  "CVR",
  "RG",
  "RFC",
  "RUT",
  "RUN",
  "RUC",
  "NIT",
  "FIN",
  "NIK",
  "KTP",
  "BVN",
  "NIN",
  "NIC",
  "CNP",
  "EGN",
  "OIB",
  "JMBG",
  "AFM",
  "ΑΦΜ",
  "ΑΜΚΑ",
  "TAJ",
  "DIČ",
  "IČO",
  "IČ",
  "RČ",
  "AHV",
  "AVS",
  "SVNR",
  "PPSN?",
  "TC",
  "T\\.C\\.?",
  "VAT",
  "TVA",
  "BTW",
  "IVA",
  "MwSt",
  "USt",
  "GST",
  "NSS",
  "NISS",
  "INSEE",
  "IC",
  "HKID",
  "CC",
  "C\\.C\\.?",
  "CI",
  "C\\.I\\.?",
  "C\\.F\\.?",
  "CF",
  "DUI",
  "RTN",
  "RNC",
  "CUI",
  "KRA(?: PIN)?",
  "SSS",
  "NIDA",
  "CNI",
  "TRN",
];

/** Scripts without spaces between words: the label may touch the word before it ("居民身份证号"). */
const UNSPACED = [
  "身份证(?:号码|号)?",
  "身分證(?:字號|號碼)?",
  "统一社会信用代码",
  "纳税人识别号",
  "税号",
  "护照(?:号码|号)?",
  "マイナンバー",
  "個人番号",
  "法人番号",
  "旅券番号",
  "パスポート番号",
  "주민등록번호",
  "주민번호",
  "사업자등록번호",
  "외국인등록번호",
  "여권번호",
  "رقم الهوية",
  "الرقم الوطني",
  "الهوية الوطنية",
  "رقم الإقامة",
  "الرقم الضريبي",
  "الرقم القومي",
  "الرقم القومى",
  "เลขประจำตัวประชาชน",
  "เลขบัตรประชาชน",
  "เลขประจำตัวผู้เสียภาษี",
  "आधार",
  "पैन",
  "ஆதார்",
  "জাতীয় পরিচয়পত্র",
  "এনআইডি",
  "شناختی کارڈ",
  "کد ملی",
  "شماره ملی",
  "መታወቂያ",
];

// After the label: a number word ("No.", "Nr.", "number", "n.º", "szám", "番号"…), then colons,
// spaces, an opening bracket or dash, or "is"/"ist"/"est"/"é" ("My SIN is …", "Meine Steuer-ID ist …").
const NUMBER_WORD =
  "(?:[ .-]*(?:no|nr|number|nummer|num|n[uú]mero|num[ée]ro|n[°º]|n\\.[°º]|#|sz[áa]m|numaras[ıi]|号码|号|번호|番号|নম্বর|নং|नंबर|संख्या|نمبر|ቁጥር|எண்))?\\.?(?:/\\p{L}{2,8})?";
// A dash only with a space after it: "TIN-48213" is a ticket key, "NIF - 123…" a label.
// Also a possessive and a copula between ("NIN mi ni …", "TIN ko ay …", "NIK saya …", "partita IVA è …", "Steuer-ID lautet …").
const POSSESSIVE = "(?:(?:mi|ko|saya|my)[ \\t]+)?";
const TAIL = `(?:[ \\t\\n:：፦=#(–—.]|-(?=[ \\t]))*${POSSESSIVE}(?:(?:is|ist|est|este|é|è|es|je|jest|är|er|lautet|ni|ay|:)[ \\t:]+)?$`;
// Not the end of a longer word or of an identifier ("$UID 65534", "fooSSN").
const BOUNDARY = "(?<![\\p{L}\\p{N}_$@./\\\\])";

// Tried only where a word starts in the few words before the value (sticky), so a test costs a
// handful of anchored attempts instead of one per character of the window.
// Matched on the lower-cased text: a case-insensitive Unicode alternation is several times slower.
const WORD_LABEL = new RegExp(`${BOUNDARY}(?:${WORDS.join("|")})${NUMBER_WORD}${TAIL}`, "uy");
// Capitals only, but the number word after them in any case ("NI number", "SSN No."), spelled out
// per letter so the acronyms keep their case.
const NUMBER_WORD_ANY_CASE =
  "(?:[ .-]*(?:[Nn][Oo]|[Nn][Rr]|[Nn][Uu][Mm][Bb][Ee][Rr]|[Nn][Uu][Mm][Mm][Ee][Rr]|[Nn][Uu][Mm]|[Nn][UuÚú][Mm][Ee][Rr][Oo]|[Nn][Uu][Mm][ÉéEe][Rr][Oo]|[Nn][°º]|[Nn]\\.[°º]|#))?\\.?(?:/\\p{L}{2,8})?";
const TAIL_ANY_CASE = `(?:[ \\t\\n:：=#(–—.]|-(?=[ \\t]))*${POSSESSIVE}(?:(?:[Ii][Ss][Tt]?|[Ee][Ss][Tt][Ee]?|[Ee][Ss]|[ÉéÈèEe]|je|jest|är|er|lautet|ni|ay|:)[ \\t:]+)?$`;
const ACRONYM_LABEL = new RegExp(`${BOUNDARY}(?:${ACRONYMS.join("|")})${NUMBER_WORD_ANY_CASE}${TAIL_ANY_CASE}`, "uy");
// Also as the detectors see them, NFKC-normalised (Thai "ำ" becomes "ํา").
const UNSPACED_FORMS = [...new Set(UNSPACED.flatMap((label) => [label, label.normalize("NFKC")]))];
const UNSPACED_LABEL = new RegExp(`(?:${UNSPACED_FORMS.join("|")})${NUMBER_WORD}${TAIL}`, "u");
const NOT_LATIN = /[^\u0000-\u024f]/u;
/** Words before the value that a label may open on ("numéro de sécurité sociale n° : "). */
const LABEL_WORDS_MAX = 6;

/** A letter, by code (ASCII letters, and anything past Latin-1's symbols: letters of other scripts). */
function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;
}

/** Whether a label opens at one of the last words of `s` (`lower` is `s` in lower case, same length). */
function labelAtWordStart(s: string, lower: string): boolean {
  let words = 0;
  for (let i = s.length - 1; i >= 0 && words < LABEL_WORDS_MAX; i--) {
    if (!isLetter(s.charCodeAt(i)) || (i > 0 && isLetter(s.charCodeAt(i - 1)))) continue;
    words++;
    ACRONYM_LABEL.lastIndex = i;
    if (ACRONYM_LABEL.test(s)) return true;
    WORD_LABEL.lastIndex = i;
    if (WORD_LABEL.test(lower)) return true;
  }
  return false;
}

/** Whether the text just before `at` ends with an id's label. */
export function labelledBefore(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 48), at);
  if (NOT_LATIN.test(before) && UNSPACED_LABEL.test(before)) return true;
  const lower = before.toLowerCase();
  // Lower-casing keeps the offsets only when no character changes length ("İ" becomes two).
  return labelAtWordStart(before, lower.length === before.length ? lower : before);
}

const LETTERS = /^[A-Z]+$/;
const CASED_OR_DIGIT = /[\p{Lu}\p{Ll}\p{N}_]/u;
const DATE = /^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2})$/;
// An amount with decimals ("VAT 1234.56"): a sum, not an id.
const AMOUNT = /^\d{1,3}(?:[.,]?\d{3})*[.,]\d{2}$/;

/**
 * The labelled id inside a run of capitals and digits joined by single separators
 * (`runStart`..`runEnd`, see detectNationalIds), or null. A leading group of letters is either
 * the label itself ("SSN 483-77-4965") or the id's letters ("ABA 347211"); trailing words of
 * letters ("… 29450 DOB") are the next field.
 */
export function labelledId(text: string, runStart: number, runEnd: number): { start: number; end: number } | null {
  const groups: { start: number; end: number }[] = [];
  let g = runStart;
  for (let i = runStart; i <= runEnd; i++) {
    const c = text.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
    if (!alnum || i === runEnd) {
      if (i > g) groups.push({ start: g, end: i });
      g = i + 1;
    }
  }
  for (let first = 0; first <= 1; first++) {
    const head = groups[first];
    if (!head) break;
    // The value ends before the next word of letters ("… 4965 DOB 1990"); single letters stay
    // ("65 170839 J 003", "PR 48 21 06 D").
    let last = first;
    while (last + 1 < groups.length) {
      const next = groups[last + 1];
      if (!next || (next.end - next.start > 1 && LETTERS.test(text.slice(next.start, next.end)))) break;
      last++;
    }
    const tail = groups[last];
    if (!tail) break;
    if (first === 1 && !LETTERS.test(text.slice(groups[0]?.start, groups[0]?.end))) break;
    const value = text.slice(head.start, tail.end);
    // Not the end of a longer word ("abcD12345"); a letter of a script without case may touch.
    if (CASED_OR_DIGIT.test(text[head.start - 1] ?? "")) continue;
    if (!labelledBefore(text, head.start)) continue;
    const compact = value.replace(/[^0-9A-Z]/g, "");
    let digits = 0;
    for (const ch of compact) if (ch <= "9") digits++;
    if (digits < 5 || compact.length > 24 || DATE.test(value) || AMOUNT.test(value)) continue;
    // A leading group of letters longer than three is a word ("CODE 123456"), not part of an id.
    if (LETTERS.test(text.slice(head.start, head.end)) && head.end - head.start > 3) continue;
    return { start: head.start, end: tail.end };
  }
  return null;
}
