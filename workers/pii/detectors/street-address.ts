// Street addresses in running text of Latin-script languages, read from their shape where no label
// introduces them: a house number and a street type before the name ("56 impasse des Cerisiers",
// "28 Kings Avenue"), a street type, its name and the number ("Paseo de la Castellana 223",
// "Jl. Diponegoro No. 180", "Elizabetes iela 175-86", "Mozartstraße 12"), then the postcode and
// town after a comma, a dash or a line break ("…, 74521 Dijon", "…\n28410 Rostock", "…, Makassar").
// detectors/entities.ts adds them as addresses; mergeAddresses joins them with what the tagger found.

/** Street types written before the name. */
const BEFORE_NAME = [
  "rue|avenue|av|boulevard|bd|place|impasse|chemin|allée|quai|route|cours|passage|square|voie|résidence|chaussée|drève",
  "calle|c/|avenida|avda|paseo|plaza|carrera|camino|ronda|travesía|rambla|glorieta|carretera|pasaje",
  "rua|travessa|largo|praça|alameda|estrada|avenida",
  "via|viale|piazza|corso|vicolo|strada|piazzale|lungomare|contrada",
  "ulica|ul|aleja|al|plac|osiedle|os|calea|strada|str|bulevardul|bdul|aleea|șoseaua|soseaua|splaiul",
  "jalan|jl|jln|gang|đường|phố|ngõ|ngách",
  "ул|улица|просп|проспект|пер|переулок|бул|бульвар|пл|площадь|наб|набережная|шоссе|вул|вулиця|пров|провулок|бульв|пр-т",
  "οδός|λεωφόρος|λεωφ|πλατεία",
];
/** English street types: after the name, with the number before it ("28 Kings Avenue"). */
const ENGLISH_AFTER = [
  "street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|way|place|pl|boulevard|blvd|terrace|crescent|close|grove|gardens|square|parade|highway|hwy|row|walk|mews",
];
/** Street types written after the name, with the number after them ("Elizabetes iela 175-86", "İstiklal Cad. No:145"). */
const AFTER_NAME = [
  "iela|gatve|g|prospektas|pr|tn|tänav|maantee|puiestee",
  "cad|caddesi|sk|sok|sokak|sokağı|bulvarı|mah|mahallesi",
  "út|utca|u|tér|körút|krt",
  "ulice|náměstí|nám|třída",
];
/** Word endings that are a street type inside one word (not "ring": "Spring 2024", "Engineering 101"). */
const GLUED_AFTER =
  "katu|tie|kuja|väylä|gata|gatan|vägen|gränd|vej|vegen|veien|gade|gate|straße|strasse|str|gasse|weg|allee|platz|damm|ufer|laan|straat|plein|gracht|steeg|kade|singel";

// Words are bounded (32 characters): an unbounded word before a glued street type backtracks over
// its whole length at every capital ("A.A.A.…" took 46 s per 4 MB).
const WORD = "\\p{Lu}[\\p{L}\\p{M}'’.-]{0,31}";
const PARTICLE = "(?:de|del|de la|de las|de los|des|du|d'|da|do|dos|das|di|della|dei|degli|le|la|les|van|von|der|den|of|the)";
const NAME = `(?:${PARTICLE}\\s+)*${WORD}(?:\\s+(?:${PARTICLE}\\s+)*${WORD}){0,3}`;
/** A flat, floor or door after the house number ("D: 1", "/Top 8", "кв. 171", "apto 537"). */
const UNIT =
  "(?:\\s?(?:[,/]|\\s[-–])?\\s?(?:D|Daire|Kat|Top|Stiege|Tür|Whg|Apt|apt|Apto|apto|App|app|Int|int|Piso|piso|Dpto|dpto|Depto|depto|[Cc]asa|[Bb]loco|[Ss]ala|[Ll]oja|bte|bus|кв|корп|стр|διαμ)\\.?\\s?:?\\s?(?:\\d{1,4}[A-Za-z]?|[A-Z])(?![\\p{L}\\d]))";
const HOUSE = `\\d{1,5}(?:\\s?(?:bis|ter|[A-Za-z])(?![\\p{L}])(?:\\s\\d{1,4}(?!\\d))?)?(?:\\s?[-/]\\s?(?:\\d{1,4}[A-Za-z]?|[A-Za-z](?![\\p{L}])))?${UNIT}{0,2}`;
const NUMBER_MARK = "(?:(?:[nN][oO]|[nN]r|[nN]º|[nN]°|[nN]úm|[nN]um|br|č|[nN]ro|д|дом|буд)\\.?\\s?:?\\s?)";
/** A postcode of the United Kingdom after its town ("Sheffield, S11 4QR"). */
const UK_POSTCODE = "[A-Z]{1,2}\\d[A-Z\\d]?\\s?\\d[A-Z]{2}";

/** The town after the street: a postcode (with a country prefix) and a capitalised place, or the place alone; a postcode may follow it. */
/** A town's word: capitalised, no unit of a building ("Suite 400", "Piso 2" stay for mergeAddresses to join). */
const TOWN_WORD =
  "(?!(?:Suite|Apt|Apartment|Flat|Floor|Unit|Piso|Puerta|Bloque|Étage|Bâtiment|Stock|Etage|Wohnung|Apto|Andar|Sala|Scala|Interno|Bl|Ap|Sc|Et)(?![\\p{L}]))\\p{Lu}\\p{Ll}[\\p{L}\\p{M}'’-]{0,30}";
const TOWN = `(?:(?:\\s*[,–—-]\\s*|\\s*\\n\\s*)(?:(?:[A-Z]{1,2}-)?\\d{4,5}(?:\\s\\d{2,3})?\\s+)?(?:(?:г|м|гр|с)\\.\\s?)?${TOWN_WORD}(?:[ -]${TOWN_WORD})?(?:,?\\s(?:(?:CEP|C\\.P\\.|CP)\\s?)?(?:(?:[A-Z]{2}-)?\\d{4,6}(?:-\\d{3})?|${UK_POSTCODE})(?![\\d\\p{L}]))?)?`;

/** Street type words in lower case or capitalised ("rue", "Rue"): the names around them keep their capital, so the patterns are case-sensitive. */
const alternatives = (words: string[]) =>
  words
    .join("|")
    .split("|")
    .map((w) => {
      const first = w[0] ?? "";
      const upper = first.toUpperCase();
      return upper === first ? w : `[${first}${upper}]${w.slice(1).replace(/[/.]/g, "\\$&")}`;
    })
    .join("|");

/**
 * Where a street's own part ends: a comma, a line break, a dash, the end, a sentence's full stop,
 * or the postcode. "via Python 3 and pip", "Zur Version 2 gibt", "2 Google Drive folders" go on
 * with words: a number or a type in a sentence, not an address.
 */
/**
 * A German street named after a place with a preposition ("Am Mühlbach 215", "An der Alster 3",
 * "Zur Mühle 4"): no street type says so, so only with its postcode and town after it.
 */
const GERMAN_PLACE_STREET = `(?:Am|An der|An den|Im|In der|In den|Zum|Zur|Auf der|Auf dem|Hinter der|Unter den)\\s${WORD}(?:\\s${WORD})?\\s${HOUSE}(?:,\\s*|\\s*\\n\\s*)\\d{5}\\s+${TOWN_WORD}`;
const STREET_END = "(?=\\s*(?:[,;\\n–—]|\\s-\\s|$|\\.(?:\\s|$)|\\s(?:[A-Z]{1,2}-)?\\d{4,5}\\s))";
const STREET = [
  // number first: "56 impasse des Cerisiers", "211 place de la République", "28 Kings Avenue"
  `${HOUSE},?\\s+(?:${alternatives(BEFORE_NAME)})\\.?\\s+${NAME}${STREET_END}`,
  `${HOUSE}\\s+${NAME}\\s(?:${alternatives([...ENGLISH_AFTER, ...AFTER_NAME])})\\.?(?![\\p{L}])${STREET_END}`,
  // type, name, number: "Paseo de la Castellana 223", "Jl. Diponegoro No. 180", "Calea Victoriei nr. 58"
  `(?:${alternatives(BEFORE_NAME)})\\.?\\s+${NAME},?\\s${NUMBER_MARK}?${HOUSE}${STREET_END}`,
  // name, type, number: "Elizabetes iela 175-86", "Vilniaus g. 244", "İstiklal Cad. No:145", "Hämeenkatu 246 A 59"
  `${NAME}\\s(?:${alternatives(AFTER_NAME)})\\.?\\s${NUMBER_MARK}?${HOUSE}${STREET_END}`,
  // (a hyphenated name keeps the type's capital: "Konrad-Adenauer-Straße 12")
  `\\p{Lu}[\\p{L}\\p{M}-]{0,30}(?:${alternatives([GLUED_AFTER])})\\s${NUMBER_MARK}?${HOUSE}${STREET_END}`,
]
  .map((form) => `(?:${form})`)
  .join("|");
const STREET_THEN_TOWN = new RegExp(`(?<![\\p{L}\\p{N}])(?:${STREET})${TOWN}|${GERMAN_PLACE_STREET}`, "gu");

/** How far before and after a house number an address can start and end. */
const REACH_BEFORE = 140;
const REACH_AFTER = 100;
const HOUSE_NUMBER = /(?<!\d)\d{1,5}(?!\d)/g;

/**
 * [start, end) of each street address found by its shape. Every form holds a house number, so
 * only the text around numbers is searched (windows merged where they meet): prose with few
 * numbers costs little, a table of numbers is read once.
 */
export function streetAddresses(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let windowStart = -1;
  let windowEnd = -1;
  const search = (from: number, to: number) => {
    const window = text.slice(from, to);
    STREET_THEN_TOWN.lastIndex = 0;
    for (let m = STREET_THEN_TOWN.exec(window); m; m = STREET_THEN_TOWN.exec(window)) {
      const value = m[0].replace(/[\s,.–—-]+$/u, "");
      // A street needs its number (a name and a type alone are a place).
      if (!/\d/.test(value)) continue;
      out.push([from + m.index, from + m.index + value.length]);
    }
  };
  HOUSE_NUMBER.lastIndex = 0;
  for (let m = HOUSE_NUMBER.exec(text); m; m = HOUSE_NUMBER.exec(text)) {
    const from = Math.max(0, m.index - REACH_BEFORE);
    const to = Math.min(text.length, m.index + m[0].length + REACH_AFTER);
    if (from <= windowEnd) windowEnd = to;
    else {
      if (windowEnd > windowStart) search(windowStart, windowEnd);
      windowStart = from;
      windowEnd = to;
    }
  }
  if (windowEnd > windowStart) search(windowStart, windowEnd);
  return out;
}
