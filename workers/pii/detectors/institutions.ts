// Institutions named by their kind in the languages that inflect it or write it small: a word for
// a university, bank, court, hospital, council… with the name around it, in either order
// ("Казанский федеральный университет", "Uppsala kommun", "Eesti Pank", "Uniwersytetu
// Jagiellońskiego", "Universitetet i Bergen", "Reserve Bank of India"), or a German compound
// ending on one ("Wiener Burgtheater"). The English and Romance heads, written with a capital,
// are read by entities.ts (addInstitutions, addLeadingInstitutions); this finds the rest.
import { Gaz } from "../tagger/features.js";
import type { Tagger } from "../tagger/tagger.js";
import { lowerLikeTokens, wordHash } from "../tagger/tokens.js";
import { titleCaseLine } from "./clean-gates.js";

/**
 * Stems of words for a kind of institution (lower case; the word may go on by up to five letters
 * of inflection: "університету", "sporiteľňu", "banke"). Chosen long enough not to open everyday
 * words ("bank" only whole or with a case ending).
 */
const KIND_STEMS = [
  // university, academy, institute, school, college
  "universit",
  "univerzit",
  "uniwersyt",
  "университет",
  "університет",
  "універс",
  "üniversite",
  "egyetem",
  "yliopisto",
  "ülikool",
  "háskól",
  "sveučilišt",
  "πανεπιστήμ",
  "akademi",
  "akadem",
  "академи",
  "академі",
  "institut",
  "институт",
  "інститут",
  "enstitü",
  "gimnazj",
  "gymnázi",
  "гимнази",
  "гімназі",
  "liceum",
  "lyceum",
  "hogeschool",
  "högskola",
  "høgskole",
  "fakult",
  "факульт",
  // bank, savings bank, insurer
  "bank",
  "banka",
  "banku",
  "banke",
  "bankas",
  "banko",
  "pank",
  "банк",
  "τράπεζ",
  "sporiteľň",
  "spořiteln",
  "sparkasse",
  "pojišťovn",
  "poisťovň",
  // court, prosecutor, police, ministry, council, municipality, office
  "sąd",
  "soud",
  "súd",
  "суд",
  "mahkeme",
  "gericht",
  "rechtbank",
  "domstol",
  "tingrett",
  "pengadilan",
  "juzgado",
  "ministerstv",
  "министерств",
  "міністерств",
  "ministerie",
  "ministerium",
  "bakanlığ",
  "kementerian",
  "kommun",
  "kommune",
  "gemeente",
  "gemeinde",
  "belediye",
  "ayuntamiento",
  "prefeitura",
  "município",
  "municipio",
  "rada",
  "rady",
  "radě",
  "ради",
  "рада",
  "совет",
  "magistrat",
  "urząd",
  "úřad",
  "úrad",
  "управлени",
  "прокуратур",
  "prokuratur",
  "policija",
  "policja",
  "полици",
  "поліці",
  "politiet",
  "poliisi",
  "rendőrség",
  "carabinieri",
  "guardia",
  // hospital, clinic
  "sjukhus",
  "sykehus",
  "sygehus",
  "sairaala",
  "haigla",
  "nemocnic",
  "bolnic",
  "больниц",
  "лікарн",
  "kórház",
  "hastane",
  "szpital",
  "spital",
  "klinik",
  "klinika",
  "клиник",
  "клінік",
  "ziekenhuis",
  // broadcaster, newspaper, theatre, museum, gallery, library, orchestra, church
  "rozhlas",
  "televiz",
  "телевиз",
  "телебач",
  "teatr",
  "театр",
  "tiyatro",
  "divadl",
  "színház",
  "teater",
  "theater",
  "theatre",
  "théâtre",
  "muzeum",
  "museum",
  "muzej",
  "музе",
  "müze",
  "museo",
  "musée",
  "galéri",
  "galeri",
  "galerie",
  "галере",
  "knihovn",
  "biblioteka",
  "библиотек",
  "бібліотек",
  "kirkko",
  "kirke",
  "kyrka",
  "kirche",
  "kostel",
  "kościół",
  "церкв",
  "церков",
  "filharmoni",
  "филармони",
  "orchestr",
  "оркестр",
  // foundation, association, union, party, company, club, agency, authority, office, service
  "fundacj",
  "fundaci",
  "nadáci",
  "nadaci",
  "фонд",
  "stiftelse",
  "säätiö",
  "vakf",
  "spolek",
  "sdružení",
  "związek",
  "stowarzysz",
  "союз",
  "спілк",
  "asociaci",
  "партия",
  "партії",
  "partia",
  "partei",
  "společnost",
  "spółk",
  "компани",
  "компані",
  "şirket",
  "yhtiö",
  "osakeyhtiö",
  "klub",
  "клуб",
  "kulüb",
  "agentur",
  "agentuř",
  "agencj",
  "агентств",
  "úřad",
  "virasto",
  "ameti",
  "inspektorat",
  "инспекци",
  "служб",
  "služb",
  "zavod",
  "завод",
  "závod",
  "kombinat",
  "комбинат",
  "holding",
  "koncern",
  "концерн",
  "корпорац",
  "korporac",
  "zentrum",
  "centrum",
  "центр",
  "chuo kikuu",
  "shirika",
  "benki",
  "hospitali",
  "rumah sakit",
  "universitas",
  "universiti",
];
/**
 * A kind is a whole run of letters: a stem and up to five more letters ("universitetet", "банка").
 * Runs are looked up by their first three letters, then by stem: one alternation of 200 stems
 * matched case-insensitively at every position cost more than the rest of the rule (0.6 ms per 16 KB).
 * The few stems of two words ("rumah sakit") keep a pattern of their own.
 */
const LETTER_RUN = /[\p{L}\p{M}]{3,}/gu;
const KIND_SUFFIX = 5;
const ONE_WORD_STEMS = new Set(KIND_STEMS.filter((stem) => !stem.includes(" ")));
const STEM_OPENINGS = new Set([...ONE_WORD_STEMS].map((stem) => stem.slice(0, 3)));
const SHORTEST_STEM = Math.min(...[...ONE_WORD_STEMS].map((stem) => stem.length));
const TWO_WORD_KIND = new RegExp(
  `(?<![\\p{L}\\p{M}])(?:${KIND_STEMS.filter((stem) => stem.includes(" ")).join("|")})[\\p{L}\\p{M}]{0,${KIND_SUFFIX}}(?![\\p{L}\\p{M}])`,
  "giu",
);
function kindRuns(piece: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  LETTER_RUN.lastIndex = 0;
  for (let m = LETTER_RUN.exec(piece); m; m = LETTER_RUN.exec(piece)) {
    const run = m[0];
    // The tokeniser's lower case keeps one unit per letter ("MAHKEMESİNDE": İ is one letter, as the
    // stems count); it is slower than toLowerCase, which agrees with it but for İ.
    const dotted = run.includes("\u0130");
    if (!STEM_OPENINGS.has(dotted ? lowerLikeTokens(run.slice(0, 3)) : run.slice(0, 3).toLowerCase())) continue;
    const lower = dotted ? lowerLikeTokens(run) : run.toLowerCase();
    for (let cut = Math.max(SHORTEST_STEM, lower.length - KIND_SUFFIX); cut <= lower.length; cut++)
      if (ONE_WORD_STEMS.has(lower.slice(0, cut))) {
        out.push([m.index, m.index + run.length]);
        break;
      }
  }
  // exec, not matchAll: matchAll copies the pattern on every call, which costs more than the scan.
  TWO_WORD_KIND.lastIndex = 0;
  for (let m = TWO_WORD_KIND.exec(piece); m; m = TWO_WORD_KIND.exec(piece)) out.push([m.index, m.index + m[0].length]);
  return out;
}
/** German compounds ending on a kind ("Burgtheater", "Kulturzentrum", "Landgericht", "Stadtsparkasse"). */
const COMPOUND_KIND =
  /\p{Lu}\p{Ll}{2,}(?:theater|zentrum|museum|klinik|klinikum|gericht|schule|hochschule|akademie|institut|stiftung|sparkasse|verein|verband|bibliothek|kirche|orchester)(?![\p{L}])/gu;
/** The kind words written whole, some of them English words too ("bank", "museum", "theater"). */
const KIND_WORDS = new Set(KIND_STEMS);
/** Lower-case words between a kind and the name after it ("Universitetet i Bergen", "Chuo Kikuu cha Dar es Salaam"). */
const CONNECTORS = new Set(
  "of for i u w v ve na z ze din de du des di del della da do dos das cha la van der für zu im imeni імені имени".split(" "),
);
/** Words that open a sentence without belonging to a name (articles, determiners). */
const NOT_IN_NAME = new Set(
  "the a an der die das den dem des ein eine le la les l un une el los las il lo gli het de een o os as um uma en ett et den det ta to".split(" "),
);
/** An adjective written small in the Slavic and Baltic languages ("federální", "národnej", "міської", "федеральный"). */
const SMALL_ADJECTIVE =
  /^\p{Ll}{2,}(?:ый|ий|ой|ая|яя|ое|ее|ого|его|ой|ых|их|ої|ій|ня|ні|ní|ná|né|ný|ného|nej|ská|ské|ský|ského|skej|ska|ski|sko|skog|skoj|nog|noj|nih|ais|ā|ās|ojo|osios|ės)$/u;
const WORD = /[\p{L}\p{M}][\p{L}\p{M}'’.-]*/gu;
const CAPITAL = /^\p{Lu}/u;
const ACRONYM = /^\p{Lu}{2,5}$/u;
const ALL_CAPS = /^\p{Lu}[\p{Lu}\p{M}'’.-]+$/u;
const PLACE = Gaz.city | Gaz.country | Gaz.region;
const NAME_FLAGS = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName;
const KNOWN_WORD = Gaz.dictionary | Gaz.frequent | Gaz.common;
const EVERYDAY = Gaz.dictionary | Gaz.frequent;

interface Word {
  text: string;
  start: number;
  end: number;
}

const flagsOf = (word: string, model: Tagger) => model.gazetteer.flags(wordHash(lowerLikeTokens(word.replace(/[.'’]+$/u, ""))));

/**
 * A capitalised word that names something: an acronym, a listed name or place, or (not opening
 * a sentence, where a capital says nothing) a word no list knows ("Казанский", "Jagiellońskiego").
 */
function naming(word: string, model: Tagger, opening = false, before = false, strict: "listed" | "no-acronym" | "" = ""): boolean {
  if (!CAPITAL.test(word) || NOT_IN_NAME.has(word.toLowerCase())) return false;
  const flags = flagsOf(word, model);
  if (strict === "listed") return (flags & NAME_FLAGS) !== 0 && (flags & EVERYDAY) !== EVERYDAY;
  if (ACRONYM.test(word)) return strict === "" && (flags & KNOWN_WORD) === 0;
  // Before a kind, a listed place that is also a frequent dictionary word is that word, an adjective ("Central bank").
  const everydayPlace = before && (flags & (Gaz.first | Gaz.last | Gaz.orgName)) === 0 && (flags & EVERYDAY) === EVERYDAY;
  return ((flags & NAME_FLAGS) !== 0 && !everydayPlace) || (!opening && (flags & KNOWN_WORD) === 0);
}
const OPENING = /(?:^|[.!?:;•*>#|\n—–-])[\s"'“„«([]*$/u;
const APOSTROPHE_SUFFIX = /['’]\p{Ll}{1,6}$/u;

const spaceBetween = (piece: string, a: Word, b: Word) => /^ $/.test(piece.slice(a.end, b.start));

/**
 * Organisation spans (piece offsets) named by a kind word: the capitalised words before it (with
 * up to two small adjectives after the first: "Slovenskej národnej galérie"), and after it the
 * capitalised words, or a connector and capitalised words ("Universitatea din București"). At
 * least one word besides the kind must name something, so "Die Bank", "Central Bank" or "the city
 * council" name no one.
 */
export function kindInstitutions(piece: string, model: Tagger): Array<[number, number]> {
  // One scan per pattern finds the kinds; most pieces hold none and stop here.
  const kinds: Array<[number, number, boolean]> = [];
  for (const [start, end] of kindRuns(piece)) {
    const kind = piece.slice(start, end);
    // An inflected form that is an English word is that word ("banking", "universities", "radar", "guardian").
    if (!KIND_WORDS.has(lowerLikeTokens(kind)) && flagsOf(kind, model) & (Gaz.dictionary | Gaz.common)) continue;
    kinds.push([start, end, false]);
  }
  COMPOUND_KIND.lastIndex = 0;
  for (let m = COMPOUND_KIND.exec(piece); m; m = COMPOUND_KIND.exec(piece)) kinds.push([m.index, m.index + m[0].length, true]);
  if (kinds.length === 0) return [];
  // A headline in title case capitalises every word: there only a listed name or place names an
  // institution ("How To Avoid ATM Bank Fees Abroad" names none; "Hans Meier Universitätsklinikum Freiburg" one).
  const titled = titleCaseLine(piece);
  const words: Word[] = [...piece.matchAll(WORD)].map((m) => ({ text: m[0], start: m.index ?? 0, end: (m.index ?? 0) + m[0].length }));
  const out: Array<[number, number]> = [];
  // Kinds and words both in text order: one pointer finds each kind's words (no search per kind).
  let at = 0;
  for (const [ks, ke, compound] of kinds.sort((a, b) => a[0] - b[0])) {
    while (at < words.length && (words[at] as Word).start < ks) at++;
    if (at >= words.length || (words[at] as Word).start !== ks) continue;
    const first = at;
    let last = first;
    while (last < words.length - 1 && (words[last] as Word).end < ke) last++;
    let from = first;
    let named = false;
    // Before: capitalised words, and (before a kind written small) up to two adjectives written
    // small between them and the kind ("Казанский федеральный университет"); the run loses
    // capitalised words at its front that name nothing ("Yesterday Uppsala kommun").
    const kindSmall = !CAPITAL.test((words[first] as Word).text);
    for (let k = first - 1, small = 0; k >= 0 && first - k <= 4; k--) {
      const w = words[k] as Word;
      if (!spaceBetween(piece, w, words[k + 1] as Word)) break;
      if (CAPITAL.test(w.text)) {
        if (NOT_IN_NAME.has(w.text.toLowerCase())) break;
        // A person's name before it is not the institution's ("Jan Novák Univerzita Karlova",
        // "Нұрланова Алматыда Kaspi Bank"): the person keeps it.
        const f = flagsOf(w.text, model);
        if (f & Gaz.first || (f & Gaz.last && (!(f & PLACE) || flagsOf(words[k - 1]?.text ?? "", model) & Gaz.first))) break;
        from = k;
        small = 0;
        continue;
      }
      if (!kindSmall || !SMALL_ADJECTIVE.test(w.text) || ++small > 2) break;
    }
    const opensAt = (k: number) => OPENING.test(piece.slice(Math.max(0, (words[k] as Word).start - 8), (words[k] as Word).start));
    while (from < first && !naming((words[from] as Word).text, model, opensAt(from), true, kindSmall ? "no-acronym" : "")) from++;
    // Before a compound only a listed name or place names it ("Wiener Burgtheater"; not "Netzwerk Drucker"), before
    // a kind written small no acronym ("Uppsala kommun", "Казанский федеральный университет"; not "US banking").
    const strict = compound || titled ? "listed" : kindSmall ? "no-acronym" : "";
    for (let k = from; k < first; k++) named ||= naming((words[k] as Word).text, model, opensAt(k), true, strict);
    // After: capitalised words or acronyms, a connector when a capital follows it.
    const kindCapital = CAPITAL.test((words[first] as Word).text);
    if (kindCapital || from < first) {
      const kindEnd = last;
      for (let k = kindEnd + 1; k < words.length && k - kindEnd <= 4; k++) {
        const w = words[k] as Word;
        if (!spaceBetween(piece, words[k - 1] as Word, w)) break;
        if (CONNECTORS.has(w.text) && CAPITAL.test(words[k + 1]?.text ?? "")) continue;
        // A person after the name is its officer ("Banku Polskiego Adam Wójcik"); an everyday word
        // in capitals ends it too (a headline: "BANK OF ENGLAND HOLDS RATES").
        if (!CAPITAL.test(w.text)) break;
        const isNaming = naming(w.text, model, false, false, compound || titled ? "listed" : "");
        if (!isNaming && ALL_CAPS.test(w.text)) break;
        const next = words[k + 1];
        if (flagsOf(w.text, model) & Gaz.first && next && CAPITAL.test(next.text) && (flagsOf(next.text, model) & (Gaz.last | PLACE)) === Gaz.last)
          break;
        last = k;
        named ||= isNaming;
      }
    }
    if (!named || last === from) continue;
    const lastWord = words[last] as Word;
    // A Turkish case ending after an apostrophe is not the name's ("Üniversitesi'ne").
    const end = lastWord.end - (lastWord.text.endsWith(".") ? 1 : (APOSTROPHE_SUFFIX.exec(lastWord.text)?.[0].length ?? 0));
    out.push([(words[from] as Word).start, end]);
  }
  return out;
}
