// Gates on the tagger's spans for kinds of PII-free text where its context features mislead it:
// lower case in prose, scripts without case, CJK clauses, headlines in Title Case, codes and units,
// software names. Each gate asks for the evidence a real name would bring, not for a word list.
import { Gaz } from "../tagger/features.js";
import type { EntityKind, Tagger } from "../tagger/tagger.js";
import { Shape, tokenize } from "../tagger/tokens.js";

const NAME_FLAGS = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName;
const UPPER = /\p{Lu}/u;
const LOWER_LATIN_WORD = /^[a-zà-ÿß]+$/u;
const PIECE_OPENS_CAPITALISED = /^[^\p{L}]*\p{Lu}/u;
const PARTICLE_OR_CONNECTOR = new Set(
  "de du des der die das den dem d da di do dos del della dei degli la le les l van von ver zu zum zur ten ter op y e i et and of for the & am an auf bin bint ibn al el af av mac nad pod".split(
    " ",
  ),
);

/**
 * A writer who capitalises the opening of a sentence capitalises names too: a span without any
 * capital in such a piece is a word ("nel", "moule", "sa panahon") unless it holds a given name
 * (below). Chat written all in lower case keeps its lower-case names; the cue rules of names.ts
 * find names after greetings and thanks, and the caller keeps a place after a preposition of place
 * ("studying in lyon").
 */
export function lowerCaseInCapitalisedProse(
  piece: string,
  start: number,
  value: string,
  kind: EntityKind,
  model: Tagger,
  streetWorded: boolean,
): boolean {
  // Digits make it a code ("76ers", "4chan": the code gate decides); Georgian has no capitals to leave out.
  if (UPPER.test(value) || !LETTERS_WITH_CASE.test(value) || /\d|\p{sc=Georgian}/u.test(value)) return false;
  if (kind === "address" && streetWorded) return false;
  // A short given name before a family name no dictionary holds stays a name ("tom hardwick", "li wei").
  if (givenThenFamily(value, model)) return false;
  // One given name alone is as often a word of the sentence's language that a name list also
  // holds ("maxime de 24 de grade", "em alta", "sur la ville"): it stays a name only where its
  // form shows one, as a user name ("@lena.k", "lucia.p"), in a list of names ("hana, yusuf"), or
  // with a second listed name ("margaret o'neill", "ahmed and fatima"), after a preposition that
  // takes a person ("found by oskar", "pergunta ao rui", "o processo do joão"), set off by commas,
  // quotes or brackets ("Our new hire, sebastian, starts"), or before a verb ("Then yusuf left").
  // In English prose a given name that is no English word is no word of the sentence's language ("Our new hire sebastian starts").
  if (givenNameNoEnglishWord(value, model) && inEnglishProse(piece, start, value, model) && !softwareAround(piece, start, start + value.length))
    return false;
  if (
    holdsGivenName(value, model) &&
    (HANDLE_SHAPED.test(value) ||
      piece[start - 1] === "@" ||
      PERSON_PREPOSITION_BEFORE.test(piece.slice(Math.max(0, start - 20), start)) ||
      (SET_OFF_BEFORE.test(piece.slice(Math.max(0, start - 2), start)) &&
        SET_OFF_AFTER.test(piece.slice(start + value.length, start + value.length + 2))) ||
      VERB_AFTER.test(piece.slice(start + value.length, start + value.length + 12)) ||
      severalNames(withNeighbours(piece, start, value), model))
  )
    return false;
  return PIECE_OPENS_CAPITALISED.test(piece);
}
const PERSON_PREPOSITION_BEFORE =
  /(?:^|[^\p{L}])(?:by|with|to|from|for|of|against|without|than|about|behalf of|ao|aos|à|a|al|con|para|per|pour|avec|chez|mit|an|für|ohne|gegen|von|door|met|voor|aan|van|med|til|för|till|dla|z|od|da|do|dos|das|de|di|del|della|du|des|sobre|contra|sin|sans|senza|como|come|comme)(?: (?:o|a|os|as|le|la|il|el|lo))?\s+$|(?:^|[^\p{L}])(?:mr|mrs|ms|miss|mx|dr|prof|herr|frau|sr|sra|srta|mme|mlle|sig|sig\.ra|dott)\.?\s+$/iu;
/** A comma, quote or bracket on both sides of the name ("Our new hire, sebastian, starts", "to "sebastian" today"). */
const SET_OFF_BEFORE = /[,"“'‘(] ?$/u;
const SET_OFF_AFTER = /^[,"”'’)]/u;
/** A verb after the name: its subject ("Then yusuf left", "Maybe yusuf can take over", "marta und ich"). */
const VERB_AFTER =
  /^ (?:can|could|will|would|should|must|may|might|is|was|has|had|left|said|says|called|came|went|asked|told|sent|wrote|kann|hat|ist|war|sagt|puede|dijo|tiene|peut|a dit|pode|disse|può|ha detto)(?![\p{L}])/u;
const HANDLE_SHAPED = /\p{L}[._]\p{L}/u;

/** Words of building and running software: a given name written small among them is a tool's ("deployed trino", "install haskell", "claude handles"). */
const SOFTWARE_WORDS =
  /(?<![\p{L}\p{N}])(?:deploy\w*|clusters?|install\w*|build\w*|tests?|testing|production|staging|dashboards?|logs?|restart\w*|servers?|services?|containers?|pods?|repos?|repository|branch|commits?|pipelines?|packages?|librar(?:y|ies)|frameworks?|databases?|api|endpoints?|versions?|releases?|compil\w*|config\w*|tools?|models?|quer(?:y|ies)|scripts?|runtime|debug\w*|crash\w*|plugins?|modules?|npm|pip|docker|kubernetes|k8s|prompts?|tokens?|llms?|integral|compute|benchmark\w*)(?![\p{L}\p{N}])/iu;

/**
 * What a person does and a tool does not, right after a name written small: speaking, deciding,
 * erring ("sebastian accidentally dropped", "yusuf said", "marta approved"), or a deed reported in a
 * clause ("the logs show that sebastian deleted the production database").
 */
const PERSON_ACT_AFTER =
  /^,?\s+(?:(?:accidentally|mistakenly|manually|personally|himself|herself|apparently)(?![\p{L}])|(?:(?:just|also|already|then|finally|never)\s+)?(?:said|says|told|tells|asked|asks|thinks|thought|wants|wanted|agreed|decided|promised|apologi[sz]ed|admitted|forgot|remembered|approved|complained|mentioned|noticed|reali[sz]ed|explained|suggested|insisted|argued|claimed|volunteered|offered|signed|emailed|phoned|texted)(?![\p{L}]))/u;
/** A clause reporting what someone did: its subject comes next ("show that", "found out that", "because"). */
const CLAUSE_BEFORE = /(?:^|[^\p{L}])(?:that|because|since|after|before|when|until|unless|whether)\s+$/u;
const DEED_AFTER = /^\s+\p{Ll}+ed\s+(?:the|a|an|our|my|his|her|their|all|every|both)(?![\p{L}])/u;

/** Software words within six words or so of [start, end), and nothing after it that only a person does. */
export function softwareAround(piece: string, start: number, end: number): boolean {
  if (!SOFTWARE_WORDS.test(piece.slice(Math.max(0, start - 48), start)) && !SOFTWARE_WORDS.test(piece.slice(end, end + 48))) return false;
  const after = piece.slice(end, end + 40);
  if (PERSON_ACT_AFTER.test(after)) return false;
  return !(CLAUSE_BEFORE.test(piece.slice(Math.max(0, start - 12), start)) && DEED_AFTER.test(after));
}

/** A word of the value is a given name and no everyday English word ("yusuf", not "will"; the dictionary also holds "john"). */
function givenNameNoEnglishWord(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (flags & Gaz.first && !(flags & Gaz.common) && (t.ends[i] ?? 0) - (t.starts[i] ?? 0) >= 3) return true;
  }
  return false;
}

/** Three words each side of the value, at least three of them and all but one English words ("Our new hire … starts on Monday"). */
function inEnglishProse(piece: string, start: number, value: string, model: Tagger): boolean {
  const around = `${/(?:[\p{L}'’]+[\s,]+){0,3}$/u.exec(piece.slice(Math.max(0, start - 48), start))?.[0] ?? ""} ${
    /^(?:[\s,]+[\p{L}'’]+){0,3}/u.exec(piece.slice(start + value.length, start + value.length + 48))?.[0] ?? ""
  }`;
  const t = tokenize(around);
  let words = 0;
  let english = 0;
  let everyday = 0;
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    words++;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (flags & (Gaz.common | Gaz.dictionary)) english++;
    if (flags & Gaz.common) everyday++;
  }
  // The dictionary holds French and Latin loans too ("la", "et", "mon"): half must be everyday words.
  return words >= 3 && english >= words - 1 && 2 * everyday >= words;
}

/** The value with two words right before and after it, if any ("margaret" in "with margaret o'neill this", "Ahmed and fatima"). */
function withNeighbours(piece: string, start: number, value: string): string {
  // Two words each side, so a connector and the name beyond it come in ("ahmed and fatima").
  const before = /(?:\p{L}[\p{L}'’-]*,? ){1,2}$/u.exec(piece.slice(Math.max(0, start - 40), start))?.[0] ?? "";
  const after = /^(?:,? \p{L}[\p{L}'’-]*){1,2}/u.exec(piece.slice(start + value.length, start + value.length + 40))?.[0] ?? "";
  return `${before}${value}${after}`;
}
/** Words that join two names of a list. */
const LIST_CONNECTOR = new Set(["and", "or", "und", "oder", "et", "ou", "y", "o", "e", "i", "och", "eller", "og", "en", "of"]);

/** Two words or more, each a listed name of a person or a particle ("margaret o'neill", "hana, yusuf"). */
function severalNames(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  let names = 0;
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    const word = value.slice(t.starts[i], t.ends[i]);
    if (PARTICLE_OR_CONNECTOR.has(word) || LIST_CONNECTOR.has(word)) continue;
    if (flags & (Gaz.first | Gaz.last) && !(flags & Gaz.common)) names++;
    else names = 0;
    if (names >= 2) return true;
  }
  return false;
}

/**
 * A word of the value is a given name that is no short frequent word: people write a name in
 * lower case after a preposition or a verb even in capitalised prose ("found by oskar", "a marco"),
 * while "nel" and "sa" are function words that the name lists also hold.
 */
function holdsGivenName(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (!(flags & Gaz.first)) continue;
    if ((t.ends[i] ?? 0) - (t.starts[i] ?? 0) <= 3 && flags & Gaz.frequent) continue;
    return true;
  }
  return false;
}
const LETTERS_WITH_CASE = /[\p{Ll}\p{Lu}]/u;

/** Two words: a given name, then a family name that is no everyday, dictionary or frequent word of some language. */
function givenThenFamily(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  if (t.count !== 2) return false;
  const given = model.gazetteer.flags(t.word[0] ?? 0);
  const family = model.gazetteer.flags(t.word[1] ?? 0);
  return (given & Gaz.first) !== 0 && (family & Gaz.last) !== 0 && !(family & (Gaz.common | Gaz.dictionary | Gaz.frequent));
}

/**
 * A span that opens on a lower-case Latin word that is no name particle and no given name ("im Menü
 * Extras", "se co") is a clause; "jean dupont" is a name written in lower case.
 */
export function opensOnLowerWord(value: string, model: Tagger): boolean {
  const first = /^[\p{L}]+/u.exec(value)?.[0] ?? "";
  return (
    LOWER_LATIN_WORD.test(first) &&
    !PARTICLE_OR_CONNECTOR.has(first) &&
    value.length > first.length &&
    !holdsGivenName(first, model) &&
    !givenThenFamily(value, model)
  );
}

/** Letters only of scripts without case other than CJK (Arabic, Hebrew, Devanagari, Thai, …). */
const UNCASED_SCRIPT_ONLY =
  /^[\s\p{M}\p{P}\p{sc=Arabic}\p{sc=Hebrew}\p{sc=Devanagari}\p{sc=Bengali}\p{sc=Tamil}\p{sc=Telugu}\p{sc=Gujarati}\p{sc=Gurmukhi}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}\p{sc=Ethiopic}\p{sc=Georgian}]+$/u;

/**
 * In a script without case nothing sets a name apart from a word, so the tagger's lead alone is no
 * evidence: such a span needs a known name among its words or a title before it (rules in names.ts
 * add cued names of these scripts on their own), unless the text around it is of a cased script.
 */
export function uncasedWithoutName(piece: string, value: string, backed: boolean): boolean {
  if (backed || !UNCASED_SCRIPT_ONLY.test(value)) return false;
  // In text of a cased script the switch of script is itself the cue ("Lord निरौला asked").
  const cased = piece.match(/[\p{Lu}\p{Ll}]/gu)?.length ?? 0;
  return cased < piece.length / 4;
}

const KNOWN_WORD = Gaz.dictionary | Gaz.frequent | Gaz.common;
/**
 * A whole word of the value (between spaces, one token) is a name or place and no frequent word of
 * any language, or a given or family name of three letters or more: the evidence a span in a script without case needs. The tokeniser cuts Devanagari
 * at vowel signs and frequent words are names too ("به"), so the looser `backed` says little there.
 */
export function wholeWordName(value: string, model: Tagger): boolean {
  for (const word of value.split(/\s+/u)) {
    const t = tokenize(word);
    if (t.count !== 1 || t.ends[0] !== word.length) continue;
    const flags = model.gazetteer.flags(t.word[0] ?? 0);
    if (flags & NAME_FLAGS && !(flags & KNOWN_WORD)) return true;
    // A given or family name that is also frequent counts when it is no short function word ("محمد", not "به").
    if (flags & (Gaz.first | Gaz.last) && [...word].length >= 3) return true;
  }
  return false;
}

const CJK_ONLY = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}ー・\s]+$/u;
/** Head words that end the name of a CJK organisation. */
const CJK_ORG_HEAD =
  /(?:公司|集团|集團|银行|銀行|大学|大學|学院|學院|医院|醫院|病院|协会|協會|協会|委员会|委員會|政府|中心|研究所|研究院|事务所|事務所|株式会社|会社|有限|基金会|基金會|工会|党|部|局|厅|署|院|所|社|庁|省|団|회사|은행|대학교|대학|병원|협회|위원회|재단|연구소|센터|그룹|청|부|원)$/u;
/** Words of two characters or more that name a CJK organisation's kind wherever they stand ("合名会社高野ガス"). */
const CJK_ORG_WORD =
  /(?:公司|集团|集團|银行|銀行|大学|大學|学院|學院|医院|醫院|病院|协会|協會|協会|委员会|委員會|政府|研究所|研究院|事务所|事務所|株式会社|合名会社|合同会社|有限会社|会社|基金会|基金會|회사|은행|대학교|병원|협회|위원회|재단|연구소|그룹)/u;
/** Head words that end a CJK place name. */
const CJK_PLACE_HEAD =
  /(?:市|省|区|區|县|縣|州|镇|鎮|乡|鄉|村|路|街|道|国|國|都|府|県|町|島|岛|山|河|江|湖|港|湾|灣|站|駅|桥|橋|城|시|도|구|군|동|읍|면|로|길|역|섬|산|강)$/u;

/**
 * A CJK organisation or place span names its kind at its end (公司, 大学, 市, 区…); without that
 * head word or a gazetteer name it is a clause ("此操作无法撤销", "プライバシーポリシー・お問い").
 */
export function cjkWithoutHead(value: string, kind: EntityKind, backed: boolean): boolean {
  if (backed || !CJK_ONLY.test(value)) return false;
  if (kind === "organization") return !CJK_ORG_HEAD.test(value) && !CJK_ORG_WORD.test(value);
  if (kind === "location") return !CJK_PLACE_HEAD.test(value);
  return false;
}

const FUNCTION_WORD = /^(?:a|an|the|and|or|as|at|by|for|in|of|on|to|up|vs|via|with|from|into|over|amid|after)$/iu;
/**
 * A headline in Title Case ("Markets Slide as Oil Prices Jump on Supply Worries"): four or more
 * words, every word of four letters or more capitalised, the lower-case ones short function words.
 * Capitals say nothing there.
 */
export function titleCaseLine(piece: string): boolean {
  const words = piece.match(/[\p{L}][\p{L}'’-]*/gu) ?? [];
  if (words.length < 4) return false;
  let long = 0;
  for (const w of words) {
    if (UPPER.test(w[0] ?? "")) {
      if (w.length >= 4) long++;
      continue;
    }
    if (!FUNCTION_WORD.test(w)) return false;
  }
  return long >= 4;
}

const DIGIT = /\d/;
/** Units of measurement after a number, in Latin letters (French octets: "Ko", "Mo", "Go") and in the scripts of the texts read. */
const UNITS =
  "[KMGTP]i?B|[KkMGT]o|[kKMG]?Hz|[kKMGT]?Wh?|MW|GW|V|A|Ah|mAh|Mbps|Gbps|hPa|dB|lm|rpm|fps|px|pt|DPI|dpi|°[CF]|%|mm|cm|km|m|kg|g|mg|ml|l|L|Вт|кВт|л|мл|кг|г|см|мм|वॉट|लीटर|واط|لتر|ואט|ליטר|ワット";
const UNIT_ONLY = new RegExp(`^\\d[\\d\\s.,]*\\s?(?:${UNITS})$`, "u");
const MEASUREMENT = new RegExp(`\\d+(?:[.,]\\d+)?\\s?(?:${UNITS})(?![\\p{L}])`, "gu");

/** A number and its unit right before a span, the kitchen's too ("250 g Mehl", "1,7 litre çelik", "180 °C. Batir"). */
const MEASURE_BEFORE = new RegExp(
  `\\d(?:[.,]\\d+)?\\s?(?:${UNITS}|TL|EL|EL\\.|TL\\.|tsp|tbsp|cups?|litres?|liters?|litre|stück|Stück|pcs)\\.?\\s+$`,
  "u",
);

/** Whether the span follows a number with its unit: what is measured (flour, water, a kettle), or a recipe's next step. */
export function afterMeasure(piece: string, start: number): boolean {
  return MEASURE_BEFORE.test(piece.slice(Math.max(0, start - 16), start));
}

/** Magnitudes written after a number ("12,7 Mio. Euro", "3 Mrd", "2 Tsd.", "5 млн"): a quantity's word, never a name. */
const MAGNITUDE = /^(?:Mio|Mrd|Mill|Mln|Mld|Md|Tsd|Bio|bn|mn|mln|mld|tys|тыс|млн|млрд|lakh|crore)\.?$/iu;
const NUMBER_BEFORE = /\d(?:[.,]\d+)?\s?$/u;

/** Currencies written after an amount ("4748 Kč", "120 zł", "3 500 Ft"). */
const CURRENCIES = "Kč|Sk|zł|Ft|kr|kn|lei|лв|руб|грн|Rp|RM|TL|Tk|Rs|CHF|EUR|USD|GBP|PLN|CZK|HUF|SEK|NOK|DKK|RON|BGN|TRY|INR|BRL|MXN";
const UNIT_WORD = new RegExp(`^(?:${UNITS}|${CURRENCIES})$`, "u");

/** Whether the span is a magnitude, a unit or a currency right after a number ("Umsatz 12,7 Mio. Euro", "(10 Mo)", "4748 Kč"). */
export function magnitudeAfterNumber(piece: string, start: number, value: string): boolean {
  return (MAGNITUDE.test(value) || UNIT_WORD.test(value)) && NUMBER_BEFORE.test(piece.slice(Math.max(0, start - 8), start));
}

/** `value` without its measurements ("2200 W", "1,7 l"): what is left of it to be a house number. */
export function withoutMeasurements(value: string): string {
  return value.replace(MEASUREMENT, "");
}

/**
 * A code or a quantity, not a name: a span with a digit and no word of three letters or more
 * ("B-220", "XS2"), or a number with its unit ("2500 mAh") read as an address.
 */
export function codeOrQuantity(value: string, kind: EntityKind): boolean {
  if (UNIT_ONLY.test(value)) return true;
  if (kind === "address" || !DIGIT.test(value)) return false;
  return !/\p{L}{3,}/u.test(value);
}

/**
 * Software and technical names ("Redis, Node", "JSON Schema TypeScript") are products, not the
 * organisation or place the tagger reads from their capitals: a span holding a technical term is
 * neither unless an organisation word says so ("Postgres Labs Inc.").
 */
export function technicalName(value: string, kind: EntityKind, model: Tagger): boolean {
  if (kind !== "organization" && kind !== "location") return false;
  const t = tokenize(value);
  let technical = false;
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    // An organisation's or a street's word names a place or body ("Julia Creek", "Python Lane", "Ruby Labs").
    if (flags & (Gaz.orgWord | Gaz.street)) return false;
    if (flags & Gaz.techTerm && !(flags & (NAME_FLAGS & ~Gaz.first))) technical = true;
  }
  return technical;
}

const SHORT_ACRONYM = /^\p{Lu}{2,3}$/u;
/**
 * Two or three capitals alone ("ES modules", "PIL", "CEO") are an abbreviation: a name only when a
 * list holds it as a country, region or organisation ("UK", "EU"); the city and name lists hold
 * many such codes by chance.
 */
export function acronymAlone(value: string, model: Tagger): boolean {
  if (!SHORT_ACRONYM.test(value)) return false;
  const t = tokenize(value);
  return !(model.gazetteer.flags(t.word[0] ?? 0) & (Gaz.country | Gaz.region | Gaz.orgName));
}
