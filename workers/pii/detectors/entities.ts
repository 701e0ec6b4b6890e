// Named entities (person, organisation, location, street address) with the trained tagger of
// workers/pii/tagger, one sentence or line at a time, within a character budget, with results
// cached per org and sentence.
import { CALENDAR_WORDS } from "./calendar-words-data.js";
import { fromBase64 } from "../tagger/codec.js";
import { MODEL_DATA } from "../tagger/model-data.js";
import { nameLikeness } from "../tagger/name-shape.js";
import { pieces } from "../tagger/pieces.js";
import { Gaz } from "../tagger/features.js";
import { type EntityKind, Tagger } from "../tagger/tagger.js";
import { Shape, pinTokens, tokenize } from "../tagger/tokens.js";
import type { PiiCategory, RawFinding } from "../types.js";
import {
  CHINESE_SURNAMES,
  KOREAN_SURNAMES,
  addCjkNames,
  addCjkPlaces,
  addCuedNames,
  addGivenThenSurname,
  addHandleNames,
  addCoordinatedNames,
  addMentionsAndLists,
  addScriptCuedNames,
  addNicknamedNames,
  addSignatureName,
  addChatSpeakers,
  addClosingNames,
  closingLineIn,
  addOtherMentions,
  completePersons,
  readCues,
  type NameSpan,
  addUncasedGreetedNames,
  replaceOverlapping,
  flagsOf,
  addressesAGroup,
} from "./names.js";
import { everydayWordsOfTheirLanguage } from "./function-words.js";
import { addEchoedNames } from "./echoed-names.js";
import { addIntroducedNames, addLatinIntroducedNames } from "./self-introductions.js";
import {
  acronymAlone,
  cjkWithoutHead,
  afterMeasure,
  magnitudeAfterNumber,
  codeOrQuantity,
  lowerCaseInCapitalisedProse,
  opensOnLowerWord,
  technicalName,
  titleCaseLine,
  wholeWordName,
  uncasedWithoutName,
  withoutMeasurements,
} from "./clean-gates.js";
import { passengerNames, scorerNames, slashTitledNames, taskListNames, userNames } from "./form-names.js";
import { streetAddresses } from "./street-address.js";
import { knownOrganisations } from "./known-orgs.js";
import { addArabicNames } from "./arabic-names.js";
import { addIndicNames } from "./indic-names.js";
import { addHebrewNames } from "./hebrew-names.js";
import { markupShown, sentSpans, shownOffsets } from "./markup.js";
import { knownPlaces } from "./places.js";
import { sportsTeams } from "./sports.js";
import { affiliationAcronyms } from "./acronyms.js";
import { kindInstitutions } from "./institutions.js";
import { addTableNames } from "./table-names.js";
import { gateTechnical, technicalLine } from "./technical.js";

const LETTER = /\p{L}/u;
// Short technical tokens with a digit (S3, EC2, K8S, G7) are never names.
const TECHNICAL = /^[A-Z0-9]{1,5}$/;
const HAS_DIGIT = /\d/;
const WORD_END = /[\p{L}\p{N}]/u;

export class EntityBudgetExceeded extends Error {}

let model: Tagger | null = null;
/** The tagger, decoded on first use (about 1 MB of weights and gazetteer). */
export function tagger(): Tagger {
  model ??= Tagger.decode(fromBase64(MODEL_DATA));
  return model;
}

export interface EntityOptions {
  categories: ReadonlySet<PiiCategory>;
  /** Most characters handed to the tagger per call; beyond it EntityBudgetExceeded. */
  maxChars: number;
  /** Reuse results for pieces seen before under this scope (see DetectOptions.entityCacheScope). */
  cacheScope?: string;
  /** Values the pattern detectors found (a card, a phone): an address is never grown over one. */
  structured?: ReadonlyArray<{ start: number; end: number }>;
}

/**
 * Results per (scope, piece), holding kinds and offsets only: no text or value is kept past the
 * request, and one org's entries are never another's. Per piece (sentence or line), because a chat
 * resends its history every turn: only the new sentences of a request are tagged.
 *
 * The key is a 64-bit hash with seeds drawn at random per isolate, not a cryptographic digest: it
 * runs over every sentence of every request (SHA-256 was the largest cost of a cached request),
 * and a collision could at worst hide a name; unknown seeds keep it from being steered at another
 * org's entries.
 */
type PieceSpans = ReadonlyArray<NameSpan>;
// Two generations instead of evicting the oldest key: deleting from the front of a Map leaves
// holes that `keys().next()` walks past until the next rehash, which made every miss of a full
// cache cost thousands of steps. A full young generation becomes the old one whole; a hit in the
// old generation moves up. Between ENTITY_CACHE_MAX / 2 and ENTITY_CACHE_MAX entries are held.
let youngCache = new Map<string, PieceSpans>();
let oldCache = new Map<string, PieceSpans>();
const ENTITY_CACHE_MAX = 20_000;

/** Two 32-bit multiply-xor lanes over UTF-16 code units; state is [lane1, lane2]. */
let seeds: Uint32Array | null = null;
function hashStart(): [number, number] {
  // Drawn on first use: Workers allow random values only while handling a request.
  seeds ??= crypto.getRandomValues(new Uint32Array(2));
  return [seeds[0] ?? 0, seeds[1] ?? 0];
}
// Indexed reads, not destructuring: destructuring goes through the array iterator, which costs
// far more than the loop in workerd.
function hashFeed(state: readonly [number, number], text: string): [number, number] {
  let h1 = state[0];
  let h2 = state[1];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x9e3779b1);
    h2 = Math.imul(h2 ^ c, 0x85ebca77);
  }
  // A separator, so ("ab", "c") and ("a", "bc") differ.
  return [Math.imul(h1 ^ 0xffff, 0x9e3779b1), Math.imul(h2 ^ 0xffff, 0x85ebca77)];
}
function hashKey(state: readonly [number, number], length: number): string {
  let h1 = state[0];
  let h2 = state[1];
  // Final mixing (each output bit depends on every input bit), then 4 UTF-16 units plus the length.
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) ^ Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b) ^ Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 ^= h2 >>> 16;
  return String.fromCharCode(h1 >>> 16, h1 & 0xffff, h2 >>> 16, h2 & 0xffff) + length.toString(36);
}

function remember(key: string, spans: PieceSpans) {
  if (youngCache.size >= ENTITY_CACHE_MAX / 2) {
    oldCache = youngCache;
    youngCache = new Map();
  }
  youngCache.set(key, spans);
}

function recall(key: string): PieceSpans | undefined {
  const young = youngCache.get(key);
  if (young !== undefined) return young;
  const old = oldCache.get(key);
  if (old !== undefined) {
    oldCache.delete(key);
    remember(key, old);
  }
  return old;
}

/** A tagged span cleaned up: outer punctuation trimmed (a final dot kept after a short abbreviation). */
function clean(piece: string, start: number, end: number): [number, number] | null {
  while (start < end && !WORD_END.test(piece[start] ?? "")) start++;
  while (end > start && !WORD_END.test(piece[end - 1] ?? "")) {
    // "Inc.", "Co.", "S.A.": the dot belongs to the name.
    if (piece[end - 1] === "." && end - start > 2) {
      let w = end - 1;
      while (w > start && /\p{L}/u.test(piece[w - 1] ?? "")) w--;
      if (end - 1 - w >= 1 && end - 1 - w <= 3 && w > start) break;
    }
    end--;
  }
  // The possessive is the sentence's ("Anneke's runbook").
  if (end - start > 3 && POSSESSIVE.test(piece.slice(end - 2, end))) end -= 2;
  // "the", "our", "a" open a phrase, not a name ("The Salvation Army" keeps its capital: only lower case or the first word of a sentence is dropped when a capital follows).
  const lead = LEADING.exec(piece.slice(start, end));
  if (lead) start += lead[0].length;
  if (end - start < 2) return null;
  const value = piece.slice(start, end);
  if (DETERMINER.test(value)) return null;
  if (!LETTER.test(value) || (TECHNICAL.test(value) && HAS_DIGIT.test(value))) return null;
  return [start, end];
}

const TICKET_AFTER = /^-\d/;
const FIELD_SEPARATOR = /\s[-·|—–•]\s/u;
const ARTICLE = /^(?:Der|Die|Das|Dem|Den|Des|Ein|Eine|Einen|Le|La|Les|Un|Une|El|Los|Las|Il|Lo|Gli|Het|Een)\s+(?=\p{Lu})/u;
const LOWER_GERMAN_ARTICLE = /^(?:der|die|das|dem|den|des|ein|eine|einem|einen|einer|eines)\s+(?=\p{Lu})/u;
/** Offices and roles in the languages the tagger reads: a span of these (and articles) alone names nobody. */
const ROLE_WORDS = new Set(
  (
    "president chair chairman chairwoman chairperson director minister mayor judge treasurer secretary governor manager chief editor coach commissioner speaker " +
    "presidente presidenta directora ministro ministra alcalde alcaldesa juez jueza tesorero tesorera secretario secretaria gobernador gobernadora gerente jefe jefa entrenador entrenadora " +
    "diretor diretora prefeito prefeita juiz juíza tesoureiro tesoureira secretário secretária governador governadora chefe treinador treinadora " +
    "président présidente directeur directrice ministre maire juge trésorier trésorière secrétaire gouverneur gérant gérante entraîneur " +
    "presidentessa direttore direttrice sindaco sindaca giudice tesoriere tesoriera segretario segretaria governatore allenatore allenatrice " +
    "präsident präsidentin vorsitzende vorsitzender direktor direktorin ministerin bürgermeister bürgermeisterin richter richterin schatzmeister schatzmeisterin sekretär sekretärin geschäftsführer geschäftsführerin trainerin kanzler kanzlerin " +
    "voorzitter burgemeester rechter penningmeester secretaris wethouder " +
    "prezes prezydent prezydentka dyrektor dyrektorka burmistrz sędzia skarbnik sekretarz trener " +
    "předseda předsedkyně ředitel ředitelka ministr ministryně starosta starostka soudce soudkyně " +
    "ordförande direktör borgmästare domare kassör sekreterare tränare formand direktør borgmester dommer kasserer ordfører " +
    "mkurugenzi rais waziri meya jaji mwenyekiti katibu direktur presiden menteri walikota hakim ketua bendahara sekretaris pangulo kalihim " +
    "başkan müdür bakan vali elnök igazgató miniszter polgármester bíró puheenjohtaja johtaja ministeri pormestari tuomari " +
    "πρόεδρος διευθυντής υπουργός δήμαρχος δικαστής президент председатель директор министр мэр судья"
  ).split(" "),
);
const ROLE_ARTICLES = new Set(
  "the a an el la los las lo il o a os as le les l der die das den dem des de het een ein eine un una uno um uma une".split(" "),
);

/** Every word of the value is an office or an article ("El Presidente", "A Tesoureira", "Mkurugenzi"). */
function roleAlone(value: string): boolean {
  const words = value
    .toLowerCase()
    .split(/[\s'’]+/u)
    .filter(Boolean);
  return words.some((w) => ROLE_WORDS.has(w)) && words.every((w) => ROLE_WORDS.has(w) || ROLE_ARTICLES.has(w));
}
/** A German preposition with its article joined ("im", "zum", "beim"; not "am" nor "ans", English and French words too). */
const GERMAN_CONTRACTION_BEFORE = /(?:^|[^\p{L}])(?:im|vom|zum|zur|beim|ins|aufs)\s+$/u;
const PREPOSITION_BEFORE_NAME = /^(?:de|da|di|du|do|dos|das|del|della|van|von)\s+(\p{Lu}[\p{Ll}\p{M}'’-]+)/u;
const POSSESSIVE = /^['’]s$/;
const LOWER_WORD = /^\p{Ll}[\p{Ll}'’-]*$/u;
const DETERMINER = /^(?:the|a|an|our|my|your|their|his|her|its|this|that|these|those)$/i;
const LEADING =
  /^(?:the|a|an|our|my|your|their|his|her|its|this|that|these|those|The|A|An|Our|My|Your|Their|His|Her|Its|This|That|These|Those)\s+(?=\p{Lu})/u;
const NAME_FLAGS = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName;

/**
 * Whether a tagged span has the evidence its kind needs. Written in lower case it must hold a
 * known name (a first or last name, a place, a known organisation; a street word for an
 * address): "found", "retry" or "card" in a sentence are words, "jean dupont" is a name. An
 * address holds a number or a street word.
 */
export function plausible(value: string, kind: EntityKind): boolean {
  const t = tokenize(value);
  const gazetteer = tagger().gazetteer;
  let cased = false;
  let name = false;
  let street = false;
  let org = false;
  let digit = false;
  let technical = false;
  let nationality = false;
  for (let i = 0; i < t.count; i++) {
    const shape = t.shape[i];
    if (shape === Shape.Punct) continue;
    const flags = gazetteer.flags(t.word[i] ?? 0);
    if (shape !== Shape.Lower && shape !== Shape.Digits && shape !== Shape.AlphaNum) cased = true;
    if (shape === Shape.Digits || shape === Shape.AlphaNum) digit = true;
    // In lower case an everyday word ("will", "grace") is read as the word, not the name, and so
    // is a dictionary word standing alone ("ping").
    const everyday = Gaz.common | (t.count === 1 ? Gaz.dictionary : 0);
    if (flags & NAME_FLAGS && (shape !== Shape.Lower || !(flags & everyday))) name = true;
    if (flags & Gaz.street) street = true;
    if (flags & (Gaz.orgWord | Gaz.orgName)) org = true;
    if (flags & Gaz.techTerm && shape !== Shape.Lower) technical = true;
    if (flags & Gaz.nationality) nationality = true;
  }
  // One camel-case or identifier-like token ("apiKey", "getUserById") is code, not a name.
  if (t.count === 1 && /^\p{Ll}+\p{Lu}/u.test(value)) return false;
  // A decimal fraction ("de 0,2 point au", "2.5 Park") is a quantity: an address needs another number or none.
  if (kind === "address" && DECIMAL.test(value) && !/\d/.test(value.replace(DECIMALS, ""))) return false;
  // A number with its unit ("2200 W", "1600 DPI", "1,7 l") is a measurement, not a house number.
  if (kind === "address") return street || (digit && cased && /\d/.test(withoutMeasurements(value)));
  if ((technical || nationality) && t.count === 1) return false;
  if (cased) return true;
  return kind === "organization" ? org : name;
}
const DECIMAL = /\d[.,]\d/u;
const DECIMALS = /\d+(?:[.,]\d+)+/gu;

function isEverydayWord(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  return t.count === 1 && (model.gazetteer.flags(t.word[0] ?? 0) & Gaz.common) !== 0;
}

/** A name, organisation or place ends on a capitalised or uncased word: trailing lower-case words ("Java service", "Zambian partners") are the sentence's. */
function trimLowerTail(piece: string, start: number, end: number): number {
  for (;;) {
    const space = piece.lastIndexOf(" ", end - 1);
    if (space <= start) return end;
    const last = piece.slice(space + 1, end);
    // Only behind a capitalised or uncased word: "jean dupont" stays whole.
    if (!LOWER_WORD.test(last) || !NAME_LIKE.test(piece.slice(start, space))) return end;
    end = space;
    while (end > start && piece[end - 1] === " ") end--;
  }
}

/**
 * How sure the tagger must be (its lead of the entity tag over "outside", in weight units, at the
 * span's least sure word) for a span with evidence beyond its context (a known name or place
 * written with a capital, an organisation word, a title before it), one without, and one without
 * that opens a sentence. Chosen on the dev set with `scripts/pii-train/sweep.ts` (docs/pii.md).
 */
export const CONFIDENCE = {
  backed: 0,
  bare: 0,
  givenCued: 0,
  opening: 200,
  shape: -1,
  openingShape: 0,
  openingWordShape: 2,
  midProse: 300,
  midFrequent: 50,
  cuedFrequent: 0,
};
/** A capitalised word alone (a capital, then small letters only). */
const CAPITALISED_WORD = /^\p{Lu}\p{Ll}+$/u;
/**
 * A lower-case word of prose and a space right before: the word after is inside a sentence. Not an
 * article, a possessive or a preposition of a title ("der Gewinn", "Atención al Cliente", "clique
 * em Esqueci", "thứ Năm"): nouns and UI labels follow those with a capital more often than names.
 */
const LOWER_WORD_BEFORE =
  /(?:^|[\s(])(?!(?:the|a|an|my|your|our|his|her|their|its|of|de|di|da|do|du|des|del|della|dello|al|ao|à|y|e|i|et|und|u|in|im|am|zu|zum|zur|em|no|na|nos|nas|la|le|les|el|los|las|il|lo|gli|der|die|das|den|dem|ein|eine|einen|einem|einer|een|het|van|von|mi|tu|su|mis|tus|sus|mon|ma|mes|ton|ta|son|sa|ses|för|på|och|og|w|z|na|do|thứ|ngày|tháng)\s$)\p{Ll}[\p{Ll}'’-]*\s$/u;
/**
 * Words of news that put a person after them ("said Lebed had", "that Devlin transferred", "met
 * Chirac", "reach Winterbottom"), where a word no list knows is a name; after any other word (install,
 * prefer, click, for, from) a capitalised word is as often a product or a button ("install Netlify").
 */
const PERSON_CUE_BEFORE =
  /(?:^|[\s(])(?:said|says|say|told|tell|telling|that|met|meets|meet|meeting|reach|reached|asked|asks|thanked|named|appointed|elected|replace|replaces|replaced|succeed|succeeds|succeeded|interviewed|sentenced|charged|accused|quoted|urged|invited|visited|congratulated|defeated|beat|beats|against|believe|believes|expects|expect|according to|dass|que|disse|dijo|a dit|ha detto|sagte|zei)\s$/u;
/**
 * A verb of speech right before a word (news' inversion: "sagte Koch, dass", "dijo Ramos", and in
 * English only after a comma or quote, "…,” said Weber", since there the verb takes objects: "added
 * Jenkins", "said Timeout"): what it reports is a speaker, whatever else the word means and in
 * text that capitalises every noun.
 */
const SPEECH_BEFORE =
  /(?:(?:^|[\s,])(?:sagte|sagt|erklärte|betonte|meinte|schrieb|fragte|antwortete|dijo|afirmó|explicó|añadió|declaró|disse|afirmou|explicou|déclare|a déclaré|a dit|a expliqué|explique|ajoute|ha detto|ha spiegato|zei|zegt|sade|sagde|powiedział|powiedziała|řekl|řekla|сказал|сказала|заявил|заявила|сказав|заявив|заявила|каже)|[,"”’:!?]\s*(?:said|says|added|replied|wrote|asked|answered|muttered|whispered|shouted|yelled|called|cried|laughed|sighed|snapped|explained|insisted|admitted|continued|recalled|noted|warned|joked|murmured|grumbled|exclaimed|protested|agreed|told us))\s$/u;
/**
 * The verbs of SPEECH_BEFORE of languages that write nouns in lower case: a capitalised word after one is
 * a name even when it is also a word somewhere ("a déclaré Macron", "powiedział Tusk", "заявив Зеленський").
 */
const SPEECH_BEFORE_LOWER_NOUNS =
  /(?:^|[\s,])(?:dijo|afirmó|explicó|añadió|declaró|disse|afirmou|explicou|déclare|a déclaré|a dit|a expliqué|explique|ajoute|ha detto|ha spiegato|powiedział|powiedziała|řekl|řekla|сказал|сказала|заявил|заявила|сказав|заявив|каже)\s$/u;
/** A name and an age between commas, as news writes people ("Greaves, 84, said…", "Maria Costa, 31, from Porto"). */
const AGED_NAME = /(?<![\p{L}\p{M}\p{N}'’-])(\p{Lu}[\p{L}\p{M}'’-]+(?: \p{Lu}[\p{L}\p{M}'’-]+){0,2}), \d{1,3}, (?=\p{Ll})/gu;

/**
 * A capitalised name right before an age between commas is a person ("Greaves, 84, said the secret…"), unless
 * its first word is a place, a month or day, a nationality, a title or a firm the lists know, or another span holds it.
 */
function addAgedNames(piece: string, out: NameSpan[], model: Tagger): void {
  if (!/, \d{1,3}, /u.test(piece)) return;
  AGED_NAME.lastIndex = 0;
  for (let m = AGED_NAME.exec(piece); m; m = AGED_NAME.exec(piece)) {
    const name = m[1] ?? "";
    const start = m.index;
    const end = start + name.length;
    const words = name.split(" ");
    const flags = words.map((w) => flagsOfWord(w, model));
    const first = flags[0] ?? 0;
    if (first & (SPEAKER_NOT | PLACE_FLAGS | Gaz.orgName | Gaz.orgWord)) continue;
    // Of several words, one a listed given or family name, or none a word the lists know ("Maria Costa, 31"; not
    // "Release Candidate, 2", "Build Pipeline, 42").
    if (words.length > 1 && !flags.some((f) => f & GIVEN_OR_FAMILY) && flags.some((f) => f & KNOWN_WORD)) continue;
    // A sentence's first word alone that some list knows as a word is a name only before what a person does
    // ("Greaves, 84, said…"; "Overall, 12, were injured" is no one).
    const after = piece.slice(m.index + m[0].length - 1, m.index + m[0].length + 16);
    if (
      words.length === 1 &&
      first & KNOWN_WORD &&
      OPENING_AT.test(piece.slice(Math.max(0, start - 3), start)) &&
      !(REPORTED_AFTER.test(after) || AGED_WHO.test(after))
    )
      continue;
    if (out.some((o) => o.start < end && start < o.end)) continue;
    out.push({ kind: "person", start, end });
  }
}
const OPENING_AT = /(?:^|[.!?:]\s*|\n\s*)$/u;
const AGED_WHO = /^ (?:of|from|who|whose)(?![\p{L}])/u;

/** A capitalised word or two right after such a verb. */
const INVERTED_SPEAKER = new RegExp(
  `${SPEECH_BEFORE_LOWER_NOUNS.source.slice(0, -3)}\\s+(\\p{Lu}[\\p{L}\\p{M}'’-]+(?:[ -]\\p{Lu}[\\p{L}\\p{M}'’-]+)?)`,
  "gu",
);

/**
 * The speaker news names after its verb of speech, in languages that write nouns in lower case
 * ("…», a déclaré Macron devant les maires", "powiedział Tusk", "заявив Зеленський"), where the tagger
 * read nothing: a person, unless the word is a month, a nationality, a country, a title, a tool or a
 * frequent word of some language, or another span holds it.
 */
function addInvertedSpeakers(piece: string, out: NameSpan[], model: Tagger): void {
  if (!/[\s,](?:dij|afirm|explic|añad|declar|disse|déclar|a dit|ajout|ha |powiedzia|řekl|сказа|заяви|каже)/u.test(piece)) return;
  INVERTED_SPEAKER.lastIndex = 0;
  for (let m = INVERTED_SPEAKER.exec(piece); m; m = INVERTED_SPEAKER.exec(piece)) {
    const name = m[1] ?? "";
    const start = m.index + m[0].length - name.length;
    const end = start + name.length;
    const first = flagsOfWord(name.split(/[ -]/u)[0] ?? "", model);
    // A frequent word of some language is what was said ("a dit Bonjour", "dijo Gracias").
    if (first & (SPEAKER_NOT | PLACE_FLAGS | Gaz.orgName | Gaz.frequent) && !(first & GIVEN_OR_FAMILY)) continue;
    if (out.some((o) => o.start < end && start < o.end)) continue;
    out.push({ kind: "person", start, end });
  }
}

/**
 * A CJK span the tagger called a place or organisation that opens on a family name ("小林花子と申します",
 * "강수빈입니다": a self-introduction) holds a person: it is masked rather than dropped for want of
 * a place's or an organisation's head word.
 */
function cjkFamilyNameFirst(value: string, model: Tagger): boolean {
  const chars = [...value];
  if (/^\p{sc=Hangul}{3}/u.test(value)) return KOREAN_SURNAMES.includes(chars[0] ?? " ");
  if (!/^\p{sc=Han}{2}/u.test(value)) return false;
  return (flagsOfWord(chars.slice(0, 2).join(""), model) & Gaz.last) !== 0 || CHINESE_SURNAMES.includes(chars[0] ?? " ");
}

const LONG_HAN = /^\p{sc=Han}{5,}$/u;
const GERMAN_DETERMINER_BEFORE =
  /(?:^|[\s(„"])(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines|kein|keine|keinen|keinem|keiner|mein|meine|meinen|meinem|dein|deine|sein|seine|seinen|seinem|unser|unsere|jeder|jede|jedes|jeden|dieser|diese|dieses|diesen|diesem|welche|welcher|welches)\s+(?:\p{Ll}[\p{Ll}ß]*\s+)?$/iu;
/** Pronouns of polite address that languages write with a capital (Indonesian, Malay, Spanish, Portuguese, German, Russian, Ukrainian, Turkish, Czech, Slovak). */
const POLITE_PRONOUNS = new Set([
  "Anda",
  "Usted",
  "Ustedes",
  "Você",
  "Vocês",
  "Sie",
  "Ihnen",
  "Ihr",
  "Ihre",
  "Вы",
  "Вас",
  "Вам",
  "Ви",
  "Siz",
  "Sizin",
  // Czech and Slovak letters capitalise the addressee's "you" and "your" too.
  // Not "Vy": a Vietnamese given name ("Thảo Vy").
  "Vás",
  "Vám",
  "Vámi",
  "Váš",
  "Vaše",
  "Vaši",
  "Vašeho",
  "Vašemu",
  "Vašim",
  "Vašich",
  "Vaša",
  "Vašu",
]);
const HINDI_PRONOUNS = new Set("मैं हम तुम आप वह वे यह ये मुझे हमें तुम्हें उसे उन्हें हमारा हमारी हमारे मेरा मेरी मेरे आपका आपकी आपके".split(" "));
/** Whether a whole word of `value` is in `words` (pronouns here). */
function holdsWordOf(value: string, words: ReadonlySet<string>): boolean {
  for (const word of value.split(/[\s,.;:!?।]+/u)) if (words.has(word)) return true;
  return false;
}
/** Arabic and Hebrew, whose given and family names the lists hold: a person there needs one of them (or a title). */
const LISTED_SCRIPT = /^[\s\p{M}\p{P}\p{sc=Arabic}\p{sc=Hebrew}]+$/u;
const INDIC = /[\p{sc=Devanagari}\p{sc=Bengali}\p{sc=Tamil}\p{sc=Telugu}\p{sc=Gujarati}\p{sc=Gurmukhi}\p{sc=Kannada}\p{sc=Malayalam}\p{sc=Oriya}]/u;
const INDIC_OR_MARK =
  /[\p{sc=Devanagari}\p{sc=Bengali}\p{sc=Tamil}\p{sc=Telugu}\p{sc=Gujarati}\p{sc=Gurmukhi}\p{sc=Kannada}\p{sc=Malayalam}\p{sc=Oriya}\p{M}]/u;

/** Whether a span of an Indic script begins inside a word (a letter or mark of the script right before it); its end was mended before. */
function startsInsideIndicWord(piece: string, start: number): boolean {
  return INDIC.test(piece[start] ?? "") && INDIC_OR_MARK.test(piece[start - 1] ?? "");
}
const KANA_IN = /[\p{sc=Hiragana}\p{sc=Katakana}]/u;
const MARK = /\p{M}/u;
/** Lower-case words before a capital: what the tagger sometimes takes in front of a name. */
const LOWER_LEAD = /^(?:\p{Ll}+\s+)+(?=\p{Lu})/u;
/** A verb of report after a word makes it someone who speaks ("Nkemelu reported", "Kowalczyk powiedział"). */
const REPORTED_AFTER =
  /^ (?:said|says|wrote|writes|posted|reported|reports|confirmed|cited|asked|told|added|explained|noted|announced|replied|answered|argued|warned|admitted|signed|approved|called|paid|sent|won|scored|joined|resigned|declined|visited|arrived|moved|died|met|will|has|had|sagt|sagte|meint|erklärte|hat|dit|explique|dijo|dice|afirmó|ha|firmó|disse|diz|afirmou|zegt|zei|heeft|säger|sa|sagde|siger|har|sanoi|sanoo|mondta|dedi|mówi|powiedział|powiedziała|podpisał|podpisała|říká|řekl|řekla|сказал|сказала|говорит|bekreftet|bekräftade|opened|equalised|equalized|levelled|leveled|netted|saved|struck|headed|missed|beat|scores|wins|joins|signs|quits|resigns|returns|nets|thanked|praised|insisted|denied|claimed|stated|testified|pleaded|believes|wants|a (?:déclaré|marqué|sauvé|ouvert|égalisé|raconté|expliqué|ajouté|affirmé|annoncé|remercié|signé)|marcó|anotó|salvó|declaró|explicó|aseguró|añadió|pidió|marcou|pediu|explicou|defendeu|agradeceu|ha segnato|segna|ha detto|ha spiegato|erzielte|traf|erklärt|betonte|scoorde|maakte|забил|заявил|заявила|отметил|отметила|strzelił|zdobył|vstřelil|skóroval|gólt)(?![\p{L}])/u;
/**
 * A verb of speech or of a person's own doing after a given name, maybe after an adverb ("John just
 * told me", "Moira chaired", "Anna hat gesagt"): nouns that are given names elsewhere (Amber alerts,
 * Ivy covered) do not speak. No auxiliaries ("Will has to…").
 */
const SPOKE_AFTER =
  /^ (?:(?:just|also|already|then|later|never|always|still|finally|actually|only|really|auch|schon|noch|gerade|déjà|aussi|ya|también|já|também|ook|al|också|også|też|już|уже|тоже) )?(?:said|says|told|tells|has said|has told|has written|asked|asks|wrote|writes|texted|emailed|messaged|replied|replies|answered|posted|mentioned|mentions|explained|explains|confirmed|confirms|noted|notes|added|adds|chaired|suggested|suggests|promised|agreed|complained|laughed|smiled|thinks|thought|reckons|sagt|sagte|meint|meinte|schreibt|schrieb|fragte|fragt|hat gesagt|hat geschrieben|hat gefragt|dit|disait|a dit|a écrit|a demandé|pense|dijo|dice|preguntó|escribió|piensa|disse|diz|perguntou|escreveu|acha|ha detto|ha scritto|ha chiesto|zegt|zei|vroeg|schreef|säger|sa|frågade|sagde|siger|spurgte|powiedział|powiedziała|napisał|napisała|řekl|řekla|сказал|сказала|написал|написала|спросил|спросила)(?![\p{L}])/u;
/** "said it would…", "says its…": an institution or a place speaking ("Paris said it would retaliate"). */
const SPOKE_OF_IT = /^ \S+(?: \S+)? (?:it|its|it's)(?![\p{L}])/u;
/** An auxiliary or a verb of speech that is also a short word of Scandinavian ("sa"), right after a word. */
const AUXILIARY_AFTER = /^ (?:will|has|had|hat|ha|har|heeft|sa|a)(?![\p{L}])/u;
/** A sentence's end, then blanks or a quote, right before the span. */
const SENTENCE_OPENS = /[.!?…][\s"'“„«]+$/u;
/** Nothing but quotes, brackets or a bullet before the span: it opens the message. */
const MESSAGE_OPENS = /^[\s"'“„«([*•-]*$/u;
/** Words of address, endearments and interjections written like names ("Love, can you…", "Mate, …", "Bon, tu…"). */
const ADDRESS_WORD =
  /^(?:love|luv|buddy|bud|mate|king|queen|ace|boss|chief|champ|dude|bro|sis|babe|baby|honey|darling|dear|sweetie|sir|madam|man|guys|folks|team|everyone|all|jesus|christ|god|lord|gosh|bon|bien|bueno|vale|ok|okay|well|so|yes|no|hey|sure|wow|winter|summer|spring|autumn|fall|mama|mum|mom|papa|dad|nana|gran|grandma|grandpa|auntie|uncle)$/iu;
/** A request to the one addressed, after a name opening a message ("Peter, can you…", "Emma — could you…"). */
const ADDRESSED_AFTER =
  /^ ?[,—–:-] ?¿?(?:can|could|would|will|do|did|are|have|please|pls|thanks|thank you|you|kannst|könntest|kommst|hast|bist|peux|pourrais|tu|t'as|as-tu|puedes|podrías|vienes|tienes|você|vc|pode|podes|puoi|potresti|hai|sei|kun je|kan je|heb je|ben je|kunt u|können sie|könnten sie|pouvez-vous|pourriez-vous|può|potrebbe|kan du|har du|kommer du|можешь|ты|czy|możesz)(?![\p{L}])/iu;
/** Capitalised parts joined by a hyphen or apostrophe: "Yilmaz-Hoffmann", "HANS-JÖRG", "Dell'Acqua". */
const JOINED_NAME = /^\p{Lu}[\p{L}\p{M}]*(?:['’-]\p{Lu}[\p{L}\p{M}]*)+$/u;

const TITLE_BEFORE =
  /(?:^|[\s(,;:])(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|herrn?|frau|hr|fr|m|mme|mlle|sr|sra|srta|dña|dott|dott\.ssa|ing|avv|sig|sig\.ra|pan|pani|dhr|mevr|mag|rev|fr|sister|brother|father|aunt|uncle|pak|bu|dona|don|sheikh|capt|col|gen|lt|sgt|insp|det|judge|justice|senator|president|minister|mayor)\.?\s+$/i;
/** "Herr", "Herrn", "Frau" opening a tagged span of more words. */
const GERMAN_TITLE_IN_SPAN = /^(?:Herrn?|Frau)\s+(?=\p{Lu})/u;
/** Honorifics that stand only before a person's name (not "Dr Pepper"'s kind: a brand keeps its own kind when it is several words). */
const HONORIFIC_BEFORE = /(?:^|[\s(,;:])(?:mr|mrs|ms|mx|dr|prof|herrn?|frau|mme|mlle|sra|srta|dott|dhr|mevr)\.?\s+$/i;
const ADDRESS_MARK =
  /[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[〒丁番号区市県都道府町村]|[로길동호]|\b(?:ул|д|кв|пр|пер|box|postfach|apartado|bp|cs|skr|flat|unit|apt|suite)\b/iu;
const STREET_SUFFIX =
  /(?:stra(?:ß|ss)e|str\.?|weg|allee|gasse|platz|ring|damm|ufer|laan|straat|gracht|plein|steeg|kade|dijk|gatan|vägen|gata|gränd|vej|gade|veien|vei|gata|katu|tie|polku|kuja|utca|útja|út|tér|ulica|ul\.?|ulice|třída|náměstí|cesta|iela|gatvė|tänav|sokak|sokağı|caddesi|cad\.?|bulvarı|mahallesi|mah\.?|odos|οδός)$/iu;

/** Whether a tagged address looks like one: a street word, a postcode or number of a postal form, or an address mark of its script. */
export function addressShaped(value: string, model: Tagger): boolean {
  if (ADDRESS_MARK.test(value)) return true;
  POSTCODE_CITY.lastIndex = 0;
  for (let m = POSTCODE_CITY.exec(value); m; m = POSTCODE_CITY.exec(value)) {
    const next = m[2];
    // A postcode before a place or a postal letter code ("2060 Antwerpen", "1016 GC", not "1998
    // Edition"), or closing the address ("Bengaluru 560038"; a year does not).
    const closing = m.index + m[0].length >= value.trimEnd().length;
    // A place is written with a capital in a cased script: a lower-case word after the number
    // makes it a quantity or a code ("55102 approved").
    const placeAfter = next !== undefined && !/^\p{Ll}/u.test(next) && placeLike(next, model);
    if (next === undefined ? closing && !YEAR.test(m[1] ?? "") : /^\p{Lu}{1,4}$/u.test(next) || placeAfter) return true;
  }
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    // A word glued to a number by a hyphen is a code's prefix ("PO-55102", "RD-2210"), not a street word.
    if (CODE_PREFIX_AFTER.test(value.slice(t.ends[i], (t.ends[i] ?? 0) + 2))) continue;
    if (model.gazetteer.flags(t.word[i] ?? 0) & Gaz.street) return true;
    if (STREET_SUFFIX.test(value.slice(t.starts[i], t.ends[i]))) return true;
  }
  return false;
}

const CODE_PREFIX_AFTER = /^-\d/;
const YEAR = /^(?:19|20)\d\d$/;
// The digits of a decimal fraction ("0.0229", "3,1415") or of a version are not a postcode.
const POSTCODE_CITY = /(?<![\d.,]|\p{L}-)(\d{4,6})(?![\d]|[.,]\d)(?:[\s,]+(\p{L}[\p{L}'’-]*))?/gu;

/** A word that names a place, or one no word list knows (a place nobody listed): not an everyday word. */
function placeLike(word: string, model: Tagger): boolean {
  const t = tokenize(word.toLowerCase());
  const flags = model.gazetteer.flags(t.word[0] ?? 0);
  return (flags & (Gaz.city | Gaz.region | Gaz.country)) !== 0 || (flags & KNOWN_WORD) === 0;
}

/** Two humps of camel case ("HighErrorRate"), or one not after a name prefix ("WebAssembly", not "MacLeod", "DeShawn"). */
const CODE_CASE =
  /^\p{Lu}?\p{Ll}+(?:\p{Lu}+\p{Ll}*){2,}$|^(?!(?:Mc|Mac|Fitz|De|Di|Da|Du|La|Le|Van|Von|Al|El|Ben|Abu|Bin|St|San)\p{Lu})\p{Lu}\p{Ll}+\p{Lu}+\p{Ll}*$|^\p{Lu}{1,2}\p{Lu}\p{Ll}+$/u;
/** An acronym (up to four capitals, a plural "GPUs" too). */
const ACRONYM = /^\p{Lu}{2,4}s?$/u;
/** A capitalised function word inside a span: Title Case text is a heading ("Terms And Conditions Of Sale"). */
const HEADING_WORD =
  /\s(?:And|Of|The|For|To|In|On|At|By|With|Or|Your|Our|My|Now|Not|Non|Is|Are|Be|A|An|Und|Der|Die|Das|Et|Le|Les|Des|Du|Y|Del|Los|Las|Il|Di|Per|En|Het|Van)\s/u;

/** A seasonal greeting or holiday ("Merry Christmas", "Feliz Navidad", "Buona Pasqua", "Joyeux Noël"), in the languages of the dev sets and their neighbours. */
const GREETING =
  /^(?:Merry|Happy|Season'?s|Feliz|Felices|Próspero|Buon|Buona|Buone|Joyeux|Joyeuses|Bonne|Bonnes|Frohe|Frohes|Fröhliche|Gesegnete|Vrolijk|Vrolijke|Gelukkig|God|Glædelig|Hyvää|Boldog|Wesołych|Veselé|Feliz|Feliç|Mutlu|Christmas|Xmas|Easter|New Year|Navidad|Natale|Noël|Pâques|Pasqua|Pascua|Weihnachten|Ostern|Kerstmis|Pasen|Jul|Capodanno|Año Nuevo|Ano Novo|Nouvel An|Neujahr|Hanukkah|Diwali|Ramadan|Eid|Thanksgiving|Halloween)(?=\s|$|\p{P})/u;

/** Greetings and thanks that open a message, alone never a name ("Buongiorno, …", "Asante kwa …", "Salamat sa …"). */
const SALUTATION_WORDS = new Set(
  (
    "buongiorno buonasera buonanotte bonjour bonsoir buenos buenas guten grüezi servus moin hallo hello hola olá ola ciao salve " +
    "asante karibu habari jambo salamat kumusta mabuhay selamat terima kasih merhaba teşekkürler shukran marhaba " +
    "gracias grazie merci danke dankjewel bedankt obrigado obrigada tack takk kiitos köszönöm dziękuję děkuji ďakujem " +
    "sehr liebe lieber geachte beste estimado estimada estimados querido querida cher chère caro cara gentile prezado prezada witam szanowny szanowna " +
    "sveiki sveika sveikas labdien labas tere " +
    "kedves drogi droga drodzy milý milá milí vážený vážená vážení kära kjære kære dragă stimate stimată sayın sevgili дорогой дорогая уважаемый уважаемая " +
    "шановний шановна αγαπητέ αγαπητή gerbiamas gerbiama dārgais dārgā cienījamais cienījamā poštovani poštovana spoštovani spoštovana querida queridos " +
    "prezados gentilissimo gentilissima egregio egregia chers lugupeetud"
  ).split(" "),
);

/** A greeting or thanks opening the piece before a comma, "!" or a lower-case word ("Asante kwa …"; Asante is also a surname). */
function salutationOpening(piece: string, start: number, end: number): boolean {
  return (
    SALUTATION_WORDS.has(piece.slice(start, end).toLowerCase()) &&
    /^[\s\p{P}]*$/u.test(piece.slice(0, start)) &&
    /^(?:\s*[,!]|\s+\p{Ll})/u.test(piece.slice(end, end + 3))
  );
}

/** A word in lower case, then blanks, ending where a span starts. */
const LOWER_WORD_RIGHT_BEFORE = /\p{Ll}[\p{L}\p{M}]*\s+$/u;
/** A greeting word right before a span: the span is the holiday ("Buona Pasqua", "Happy Diwali"). */
const GREETING_BEFORE =
  /(?:^|\s)(?:Merry|Happy|Feliz|Felices|Buon|Buona|Buone|Joyeux|Joyeuses|Bonne|Bonnes|Frohe|Frohes|Fröhliche|Vrolijk|Vrolijke|Gelukkig|God|Glædelig|Hyvää|Boldog|Wesołych|Veselé|Mutlu)\s$/u;

/**
 * Shapes that are never a name: an identifier in code case, an unknown acronym standing alone, a
 * month or weekday standing alone, a heading in Title Case.
 */
function notAName(value: string, model: Tagger): boolean {
  if (HEADING_WORD.test(value) || GREETING.test(value) || SALUTATION_WORDS.has(value.toLowerCase())) return true;
  const t = tokenize(value);
  if (t.count !== 1) return false;
  if (CODE_CASE.test(value)) return true;
  const flags = model.gazetteer.flags(t.word[0] ?? 0);
  // A known organisation's acronym ("NATO", "BBC") stays.
  if (ACRONYM.test(value)) return (flags & NAME_FLAGS) === 0;
  // An organisation word alone ("Group", "Kunde") is a common noun.
  if (flags & Gaz.orgWord && !(flags & NAME_FLAGS)) return true;
  return (flags & Gaz.time) !== 0;
}

/** One frequent word of some language or a time word, not a given name ("Kunde", "samedi"). */
function articleNoun(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  if (t.count !== 1) return false;
  const flags = model.gazetteer.flags(t.word[0] ?? 0);
  return (flags & (Gaz.frequent | Gaz.time)) !== 0 && !(flags & Gaz.first);
}

/** One word that is both an English word and a known name or place. */
function everydayName(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  if (t.count !== 1) return false;
  const flags = model.gazetteer.flags(t.word[0] ?? 0);
  return (flags & (Gaz.dictionary | Gaz.common)) !== 0 && (flags & NAME_FLAGS) !== 0;
}

/** The kind its words suggest: a person when one is a given or family name, an organisation for an organisation word, else a place. */
function kindByWords(value: string, model: Tagger): EntityKind {
  const t = tokenize(value);
  let kind: EntityKind = "location";
  for (let i = 0; i < t.count; i++) {
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (flags & (Gaz.first | Gaz.last)) return "person";
    if (flags & (Gaz.orgWord | Gaz.orgName)) kind = "organization";
  }
  return kind;
}

/** Whether a word of the value is a street word or ends like a street name. */
function streetWorded(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    if (model.gazetteer.flags(t.word[i] ?? 0) & Gaz.street) return true;
    if (STREET_SUFFIX.test(value.slice(t.starts[i], t.ends[i]))) return true;
  }
  return false;
}

/** A known name or place written with a capital (or in a script without case), or an organisation word: evidence beyond the context. */
function backed(value: string, kind: EntityKind, model: Tagger): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    const shape = t.shape[i];
    if (shape === Shape.Punct || shape === Shape.Lower) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (flags & NAME_FLAGS) return true;
    if (kind === "organization" && flags & Gaz.orgWord) return true;
  }
  return false;
}

export interface Candidate {
  kind: EntityKind;
  start: number;
  end: number;
  /** The tagger's smallest lead of the entity tag over "outside" among the span's words. */
  margin: number;
  /** Evidence beyond the context: a known name or place written with a capital, an organisation word, a title before a person. */
  backed: boolean;
  /** Every word of the span is an everyday word of some language (a dictionary or frequent word) that no name list holds. */
  wordy: boolean;
  /** The span opens its sentence or line (where any word is capitalised). */
  opening: boolean;
  /** A colon follows: a field label ("Geburtsdatum:", "Payee:") or a speaker. */
  label: boolean;
  /** For one word without other evidence: how much it looks like a name rather than a word (name-shape.ts); else 0. */
  nameShape: number;
  /** The piece is German (or another language that capitalises every noun): a capital says nothing there. */
  nounCase?: boolean;
  /** One word that some language's word lists hold ("Joy", "Ajoutez", "Feliz"). */
  everyday?: boolean;
  /**
   * One word without other evidence, not joined from capitalised parts ("Yilmaz-Hoffmann",
   * "Dell'Acqua"): opening a sentence, such a word is far more often an imperative or a noun of a
   * language whose inflected forms no list holds ("Wymieszaj", "Ședința") than a name.
   */
  plainWord?: boolean;
  /** A gate of clean-gates.ts holds it: never kept alone, only as the rest of a name beside it. */
  gated?: boolean;
  /**
   * One capitalised word inside a sentence of prose, after a lower-case word ("said Lebed had",
   * "that Devlin transferred"): there a capital marks a proper noun in most languages.
   */
  midProse?: boolean;
  /** Its only list is a frequency list of some language ("Chirac", "Feinberg": names are frequent words too). */
  frequentOnly?: boolean;
  /** A word of news that puts a person after it stands right before ("said", "that", "met"). */
  personCue?: boolean;
  /** A listed given name, then a verb of speech or (opening a message) a request to the one addressed. */
  givenCued?: boolean;
  /** One capitalised word beside a verb of speech ("said Weber", "sagte Koch", "Smith said"): a speaker. */
  spokenBy?: boolean;
}

/** Two function words of German (none shared with English, Dutch, the Nordic languages or Romance ones): a text where every noun has a capital. */
const NOUN_CASE =
  /(?<![\p{L}])(?:und|dem|für|ist|nicht|eine?|einen|zum|zur|auf|bei|dazu|wir|ihre?|vom|wird|werden|oder|sehr|vielen|bitte|uhr|sind|auch|noch|wurde|können|haben|nach|über|unter|aus|gibt)(?![\p{L}])[\s\S]*?(?<![\p{L}])(?:und|dem|für|ist|nicht|eine?|einen|zum|zur|auf|bei|dazu|wir|ihre?|vom|wird|werden|oder|sehr|vielen|bitte|uhr|sind|auch|noch|wurde|können|haben|nach|über|unter|aus|gibt)(?![\p{L}])/u;

/**
 * One word of the value is a given name, family name or place and no everyday word of any list, or
 * one no English list holds that looks like a name (the frequent-word lists hold names too: "lucas").
 */
function onlyAName(value: string, model: Tagger, afterPlaceWord = false): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (!(flags & NAME_FLAGS)) continue;
    if (!(flags & KNOWN_WORD)) return true;
    // A frequent word of some language that looks like a name counts only as a given or family
    // name ("lucas"), or as a place after a preposition of place ("in lyon"); elsewhere a place
    // word in lower case is the word ("nuova", "nueva", "vista").
    const wanted = afterPlaceWord ? Gaz.first | Gaz.last | Gaz.city | Gaz.region | Gaz.country : Gaz.first | Gaz.last;
    if (!(flags & (Gaz.common | Gaz.dictionary)) && flags & wanted && nameLikeness(value.slice(t.starts[i], t.ends[i])) >= 0) return true;
  }
  return false;
}

const CLAUSE_LENGTH = /^(?:\S+\s+){3,}\S+$|[^\s]{13,}/u;
const lastWord = (value: string) => /[\p{L}\p{M}'’-]+$/u.exec(value)?.[0] ?? "";
const OPENING = /(?:^|[.!?:;•*>#|\n-])[\s"'“„«([]*$/u;
const LABEL_AFTER = /^\s?[:：]/;
const POSSESSIVE_AFTER = /^['’]s\b/;
const KNOWN_WORD = Gaz.dictionary | Gaz.frequent | Gaz.common;
const PLACE_FLAGS = Gaz.city | Gaz.country | Gaz.region;

/** Every word of the value is an everyday word of some language (or a compound of them) and none is a known name, place or organisation. */
function wordy(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (flags & NAME_FLAGS) return false;
    if (!(flags & KNOWN_WORD) && !wordCompound(value.slice(t.starts[i], t.ends[i]), model)) return false;
  }
  return true;
}

/** Every word an everyday word (or a compound of them); a known name among them only a place or organisation that is also an everyday English word. */
function everydayPhrase(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (flags & Gaz.orgWord || (flags & NAME_FLAGS && (!(flags & Gaz.common) || flags & (Gaz.first | Gaz.last)))) return false;
    if (!(flags & KNOWN_WORD) && !wordCompound(value.slice(t.starts[i], t.ends[i]), model)) return false;
  }
  return true;
}

const HYPHENS = /[-‐‑]/u;
/**
 * A hyphenated word whose last part is an everyday word and no part a known name: a compound noun
 * or adjective ("Support-Team", "Finanz-Team", "Property-Based", "Non-Essential"), where a
 * double-barrelled name ends on a name ("Ashdown-Pryce", "Jean-Pierre", "Müller-Lüdenscheidt").
 */
function wordCompound(word: string, model: Tagger): boolean {
  if (!HYPHENS.test(word)) return false;
  const parts = word.split(HYPHENS);
  // Romanised Korean and Chinese given names join short syllables ("Min-jun", "Ji-woo"): the last part has four letters or more.
  if (parts.length < 2 || parts.some((p) => p.length === 0) || (parts[parts.length - 1]?.length ?? 0) < 4) return false;
  for (const part of parts) if (flagsOfWord(part, model) & NAME_FLAGS) return false;
  return (flagsOfWord(parts[parts.length - 1] ?? "", model) & KNOWN_WORD) !== 0;
}

// A piece written in capitals only ("KIPROTICH WINS IN BERLIN", "LA INFLACIÓN SE MODERA AL 2,8 %")
// says nothing with its capitals. It is read as a sentence would be written: a word of the
// language in lower case, a word only the name lists know, or no list knows, with its capital
// ("Kiprotich wins in Berlin"); the first word with its capital as any sentence opens.
const SMALL_LETTER = /\p{Ll}/u;
const CAPITAL_LETTER = /\p{Lu}/u;
const CASED_WORD = /\p{Lu}[\p{Lu}\p{M}]*/gu;
const NAME_LISTS = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName;
const WORD_OF_LANGUAGE = Gaz.dictionary | Gaz.common | Gaz.time;
const PERSON_LISTS = Gaz.first | Gaz.last;
const TURKISH_LETTERS = /[ĞŞİ]/u;
const APOSTROPHE = /['’]/u;

/** The piece recased as prose, or null when it is not written in capitals only (three cased words or more). */
export function recasedCapitals(piece: string, model: Tagger = tagger()): string | null {
  // Two searches, not one pattern: "no small letter anywhere" as a regex backtracks quadratically.
  if (SMALL_LETTER.test(piece) || !CAPITAL_LETTER.test(piece)) return null;
  const words = piece.match(CASED_WORD);
  if (!words || words.filter((w) => w.length > 1).length < 3) return null;
  let out = "";
  let at = 0;
  let first = true;
  const turkish = TURKISH_LETTERS.test(piece);
  CASED_WORD.lastIndex = 0;
  for (let m = CASED_WORD.exec(piece); m; m = CASED_WORD.exec(piece)) {
    const word = m[0];
    // Turkish capitals lower-case by Turkish rules (I → ı, İ → i: one code unit each, as the word is spelt).
    const lower = turkish ? word.toLocaleLowerCase("tr") : word.toLowerCase();
    // Only where case mapping keeps the length: offsets of the recased piece are the piece's.
    if (lower.length !== word.length) continue;
    // A name the lists know keeps its capital unless it is also an everyday word, a particle or a
    // month ("BERLIN", "EMRE"; not "WILL", "COUNTY", "DE", "MAY": the reading of the piece as written
    // keeps those, see capitalsSpans); any other word of the language is written small, and so is a
    // word no list knows unless it is clearly shaped like a name ("MAKOUNDOU"; not "MODERA",
    // "НЕФТЬ"). A letter alone keeps its capital only before an apostrophe ("N'DIAYE").
    const titled = (word[0] ?? "") + lower.slice(1);
    const plain = plainReading(titled, flagsOfWord(lower, model), piece[m.index + 1] ?? "") !== "name";
    out += piece.slice(at, m.index) + (first || !plain ? titled : lower);
    at = m.index + word.length;
    first = false;
  }
  return out + piece.slice(at);
}

// A piece written in title case ("The Server Will Be Down For Scheduled Maintenance", "Las Lluvias
// Alivian La Sequía", "Frozen Foods | Household Essentials") says as little with its capitals: most
// words after the first have one, and several of them are everyday words no name list holds. It is
// read recased as prose, like a piece in capitals.
const TITLED_WORD = /\p{L}[\p{L}\p{M}]*(?:['’][\p{L}\p{M}]+)*/gu;
const LOWER_START = /^\p{Ll}/u;

/** The piece recased as prose, or null when it is not written in title case or no word of it is recased. */
export function recasedTitles(piece: string, model: Tagger = tagger()): string | null {
  if (!SMALL_LETTER.test(piece) || !titleShaped(piece)) return null;
  const turkish = TURKISH_LETTERS.test(piece);
  // Runs of title-case words next to each other; a run is written small only when every word of it
  // reads as a word of the language: one name, organisation word or word no list knows keeps the
  // whole run ("Bluewater Credit Union", "Jordan Pruitt, 39 Maple Avenue", "Academia Sinica").
  let run: Array<{ at: number; lower: string }> = [];
  let runPlain = true;
  let runEnd = -1;
  let particleEnd = -1;
  let runOrg = false;
  let runWords = 0;
  let capitals = 0;
  let everyday = 0;
  let out = "";
  let at = 0;
  const close = () => {
    if (runPlain && !(runOrg && runWords > 1))
      for (const w of run) {
        out += piece.slice(at, w.at) + w.lower;
        at = w.at + w.lower.length;
      }
    run = [];
    runPlain = true;
    runOrg = false;
    runWords = 0;
  };
  let first = true;
  TITLED_WORD.lastIndex = 0;
  for (let m = TITLED_WORD.exec(piece); m; m = TITLED_WORD.exec(piece)) {
    const word = m[0];
    const opening = first;
    first = false;
    if (word.length > 1 && !SMALL_LETTER.test(word)) {
      // An acronym among capitals belongs to their name ("St Aldric's Hospital NHS Trust").
      if (runEnd >= 0 && !BLANKS.test(piece.slice(runEnd, m.index))) close();
      runPlain = false;
      runEnd = m.index + word.length;
      continue;
    }
    if (!TITLE_CASE.test(word)) {
      // A particle, or a chain of them, between capitals joins a name ("Hafiz bin Omar", "Van der
      // Berg", "Oscar de la Hoya"): the runs on both sides keep their capitals.
      const after = particleEnd >= 0 ? particleEnd : runEnd;
      const joins = after >= 0 && BLANKS.test(piece.slice(after, m.index)) && (flagsOfWord(word, model) & Gaz.particle) !== 0;
      if (joins) runPlain = false;
      particleEnd = joins ? m.index + word.length : -1;
      close();
      continue;
    }
    if (runEnd >= 0 && !BLANKS.test(piece.slice(runEnd, m.index))) close();
    if (particleEnd >= 0 && BLANKS.test(piece.slice(particleEnd, m.index))) runPlain = false;
    // The value after a label is a record's value ("Name: Memory", "Team: Sales"): read as written.
    if (run.length === 0 && LABEL_BEFORE.test(piece.slice(Math.max(0, m.index - 4), m.index))) runPlain = false;
    particleEnd = -1;
    runEnd = m.index + word.length;
    runWords++;
    const lower = turkish ? word.toLocaleLowerCase("tr") : word.toLowerCase();
    const flags = flagsOfWord(lower, model);
    const reading = plainReading(word, flags, piece[runEnd] ?? "");
    // Stricter than capitals: a given or family name stays one even when it is a word too ("Tyler",
    // "Peter", "Brown", "Will"), and says nothing of the piece's case.
    const named = (flags & PERSON_LISTS) !== 0 && (flags & (Gaz.particle | Gaz.time)) === 0;
    if (reading !== "word" || named || lower.length !== word.length) runPlain = false;
    // An organisation or street word among others ("Credit Union", "Dental Group", "Sunset
    // Boulevard"); alone it is a heading ("Computers").
    if (flags & (Gaz.orgWord | Gaz.orgName | Gaz.street)) runOrg = true;
    // A particle keeps its capital and says nothing of the piece ("Van der Berg", "La Sequía").
    if (opening || flags & Gaz.particle) continue;
    capitals++;
    if (reading === "word" && !named) everyday++;
    run.push({ at: m.index, lower });
  }
  close();
  // Half of the capitals at least are words of the language: a line of names and places
  // ("Jordan Pruitt, 39 Maple Avenue, Tucson") has its capitals for a reason.
  // Null as well when every run keeps its capitals: the piece is read as written.
  if (everyday < 2 || everyday * 2 < capitals || at === 0) return null;
  return out + piece.slice(at);
}

const TITLE_CASE = /^\p{Lu}[\p{L}\p{M}]*\p{Ll}/u;
const LABEL_BEFORE = /[:：=]\s*$/u;
const BLANKS = /^[ \t]+$/;

/** Three words or more after the first in title case, at least twice as many as words in lower case. */
function titleShaped(piece: string): boolean {
  let capitals = 0;
  let small = 0;
  let first = true;
  TITLED_WORD.lastIndex = 0;
  for (let m = TITLED_WORD.exec(piece); m; m = TITLED_WORD.exec(piece)) {
    if (first) {
      first = false;
      continue;
    }
    if (TITLE_CASE.test(m[0])) capitals++;
    else if (m[0].length > 1 && LOWER_START.test(m[0])) small++;
  }
  return capitals >= 3 && capitals >= 2 * small;
}

/**
 * How a word in capitals or title case reads in prose: a word of the language ("word"), unknown and
 * not shaped like a name ("unknown"), or a name (keeps its capital).
 */
function plainReading(titled: string, flags: number, after: string): "word" | "unknown" | "name" {
  if (titled.length < 2) return APOSTROPHE.test(after) ? "name" : "word";
  const shape = () => nameLikeness(titled);
  if (flags & NAME_LISTS)
    return (flags & (Gaz.common | Gaz.particle | Gaz.time)) !== 0 ||
      (titled.length <= 2 && (flags & Gaz.frequent) !== 0) ||
      (flags & Gaz.dictionary && shape() < 0)
      ? "word"
      : "name";
  if (flags & (WORD_OF_LANGUAGE | Gaz.frequent)) return "word";
  return shape() < 1 ? "unknown" : "name";
}

/**
 * The spans of a piece in capitals: those of its recased reading, and the people of the piece as
 * written whose span holds a given or family name of the lists ("SUMMER WOOD", "APRIL MAY", "WILL
 * HUNTER": names that are also words, which the recased reading writes small). Recall first: the
 * recasing only adds readings, it never loses a name the lists know.
 */
function capitalsSpans(piece: string, recased: string): PieceSpans {
  const out = [...tagPiece(recased)];
  const model = tagger();
  for (const s of tagPiece(piece)) {
    if (s.kind !== "person") continue;
    const t = tokenize(piece.slice(s.start, s.end));
    let named = false;
    for (let i = 0; i < t.count && !named; i++) named = (model.gazetteer.flags(t.word[i] ?? 0) & PERSON_LISTS) !== 0;
    if (!named) continue;
    // Joined with what the recased reading found there ("Delaney" and "DELANEY WILL" are one span).
    let start = s.start;
    let end = s.end;
    for (let k = out.length - 1; k >= 0; k--) {
      const o = out[k] as NameSpan;
      if (o.start < end && start < o.end) {
        start = Math.min(start, o.start);
        end = Math.max(end, o.end);
        out.splice(k, 1);
      }
    }
    out.push({ ...s, start, end });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The spans of a piece in title case: those of its recased reading that the piece as written has
 * too. The recasing only takes readings away: a run it leaves in capitals beside small words
 * ("Markets fall as Oil Prices Jump on supply fears") must not become a new name.
 */
function titleSpans(piece: string, recased: string): PieceSpans {
  const written = tagPiece(piece);
  const kept = tagPiece(recased).filter((r) => written.some((w) => w.start < r.end && r.start < w.end));
  // A person its form names (a nickname in quotes needs its capitals) stays as the piece writes it; so does one after a
  // title ("Referred by Dr. Goh from …": written small, "goh" is no name).
  for (const w of written)
    if (w.speaker || (w.kind === "person" && HONORIFIC_BEFORE.test(piece.slice(Math.max(0, w.start - 8), w.start)))) replaceOverlapping(kept, w);
  return kept.sort((a, b) => a.start - b.start);
}

function flagsOfWord(word: string, model: Tagger): number {
  const t = tokenize(word);
  return t.count === 1 ? model.gazetteer.flags(t.word[0] ?? 0) : 0;
}

/** A contraction ("You'll", "They're", "We've", "Don't"): a word of prose. */
const CONTRACTION = /^\p{L}+['’](?:ll|re|ve|d|m)$|n['’]t$/iu;
/** A weekday or month of languages the gazetteer's time words miss: Portuguese weekdays, CJK day and month names. */
const CALENDAR_WORD =
  /(?:^|[\s(])(?:segunda|terça|terca|quarta|quinta|sexta)-feira(?![\p{L}])|[月火水木金土日]曜日?|[월화수목금토일]요일|星期[一二三四五六日天]|礼拜[一二三四五六日天]|周[一二三四五六日]|(?:^|[^\d])\d{1,2}月/u;
/** A season opening a phrase of everyday words: a term, a sale, a collection ("Spring Term", "Winter Sale"). */
const SEASON =
  /^(?:Spring|Summer|Autumn|Fall|Winter|Frühling|Frühjahr|Sommer|Herbst|Printemps|Été|Automne|Hiver|Primavera|Verano|Otoño|Invierno|Estate|Autunno|Inverno|Verão|Outono)\s/u;
/** A unit after a number ("16 GB RAM", "3 kWh Battery"): a measure, not a name. */
const UNIT_AFTER_NUMBER = /\d\s?$/;
const UNIT = /^(?:[KMGTP]i?B|[KMG]Hz|kWh?|MW|mAh|Mbps|Gbps|kg|km|mg|ml|cm|mm|GW|TB|V|W|A)\b/u;
/** Hiragana opening a span: a particle or an honorific prefix ("のメンテナンス", "ご不便"); Japanese names are written in kanji or katakana. */
const HIRAGANA_OPENING = /^\p{sc=Hiragana}/u;
/** An Arabic word with the definite article: a noun ("التوصيل", the delivery) when no list knows it as a name. */
const ARABIC_ARTICLE = /^ال\p{sc=Arabic}{3,}$/u;
const ARABIC_WORDS = /^[\p{sc=Arabic}\s]+$/u;
/** One Arabic word: "and"/"so" at most, the future particle س, a person prefix (ي ت ن أ), three letters or more. */
const ARABIC_FUTURE_VERB = /^[وف]?س[يتنأ]\p{sc=Arabic}{3,}$/u;
const LETTERED = /^(\p{L}+)\s\p{Lu}$/u;
const CAPITALISED = /^\p{Lu}/u;
const COLOUR_AFTER =
  /^\s(?:green|blue|red|grey|gray|beige|white|black|pink|purple|violet|yellow|orange|brown|gold|silver|teal|navy|cream|ivory)(?![\p{L}])/u;
const PLACEHOLDER = /\blorem ipsum\b/i;
/** One Vietnamese syllable (a letter only Vietnamese uses: ơ, ư, đ, or a tone mark under or over a vowel with a hook). */
const VIETNAMESE_SYLLABLE = /^\p{L}*[ơưđƠƯĐạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]\p{L}*$/iu;
/** One word, a known name that is also a frequent word of some language. */
function frequentNameAlone(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  if (t.count !== 1) return false;
  const flags = model.gazetteer.flags(t.word[0] ?? 0);
  return (flags & NAME_FLAGS) !== 0 && (flags & Gaz.frequent) !== 0;
}

/** A preposition of place right before a word, in English or German ("in", "nach", "aus", "bei"). */
const PLACE_PREPOSITION_DE = /(?:^|[^\p{L}])(?:in|nach|aus|bei|nahe|bis|über|via|from|to|near|at)\s+$/u;

/** One listed city, country or region (`flags`: the word's lists) right after a preposition of place: the place, even where it is a frequent word ("nach Berlin", "in Essen"). */
function placeAfterPreposition(piece: string, start: number, value: string, flags: number): boolean {
  if (SPACE.test(value) || !PLACE_PREPOSITION_DE.test(piece.slice(Math.max(0, start - 8), start))) return false;
  // A place that is also a name and a short or everyday word is as often the noun ("in Feld drei",
  // "in Mark angegeben", "aus Nord"): only a place no name list holds, or a longer one no word list
  // holds ("nach London", "in Madrid"), is read as the place.
  return (flags & PLACE_FLAGS) !== 0 && (!(flags & PERSON_LISTS) || (value.length >= 5 && !(flags & (Gaz.dictionary | Gaz.common))));
}

/**
 * What opens a German noun phrase right before a word: an article or determiner (with an adjective
 * between or not), "im" and its kind, or an adjective of strong ending ("klarem", "lauwarmes"; not
 * "allem", conjunctions in -dem, "nachdem", nor a possessive, "unserem": those put names after them too).
 */
const NOUN_PHRASE_BEFORE =
  /(?:^|[\s,(])(?:(?:der|die|das|dem|den|des|ein|eine|einem|einen|einer|eines|kein\p{Ll}*|dies\p{Ll}*|jede\p{Ll}*|welche\p{Ll}*|im|am|zum|zur|vom|beim|ins|ans|aufs)(?:\s+\p{Ll}+(?:e|em|en|er|es))?|(?!(?:alle[ms]|nachdem|seitdem|trotzdem|außerdem|indem|zudem|vordem|ehedem|jemandem|niemandem|\p{Ll}*(?:mein|dein|sein|ihr|unser|euer|eur)(?:em|es))\s)\p{Ll}{3,}(?:em|es))\s+$/u;

/**
 * In German text, which writes every noun with a capital: one frequent word that is a family name
 * and no given name, right after an article, determiner or adjective, is the noun ("mit klarem
 * Wasser", "im Verkehr", "das Laub"). Elsewhere, or beside a verb of report or speech, it stays a
 * person ("Lange ist heute nicht gekommen", "von Fischer geleitet", "vor allem Müller", "Weber sagte").
 */
function germanNounThere(piece: string, start: number, end: number, flags: number): boolean {
  if ((flags & (Gaz.frequent | Gaz.first | Gaz.last)) !== (Gaz.frequent | Gaz.last)) return false;
  const before = piece.slice(Math.max(0, start - 24), start);
  const after = piece.slice(end, end + 28);
  return (
    NOUN_PHRASE_BEFORE.test(before) &&
    !TITLE_BEFORE.test(before) &&
    !SPEECH_BEFORE.test(before) &&
    !REPORTED_AFTER.test(after.slice(0, 16)) &&
    !speaksAfter(after)
  );
}

/** One Vietnamese syllable opening a sentence or in lower case is a word ("Thời gian"); a name alone there has a family name before it. */
function vietnameseWord(piece: string, start: number, end: number): boolean {
  const value = piece.slice(start, end);
  return VIETNAMESE_SYLLABLE.test(value) && (!CAPITALISED.test(value) || OPENING.test(piece.slice(0, start)));
}
/** Endings of abstract and compound nouns in German (capitalised like names): "-ung", "-heit", "-keit", "-schaft", "-bericht", "-ität"… */
const NOUN_ENDING = /(?:ung|ungen|heit|keit|schaft|schaften|bericht|ität|nisse|ismus|bedingungen|verzeichnis|erstattung)$/u;

/** Every word a long noun of German shape or an everyday word, none a known name: "Quartalsbericht", "Allgemeine Geschäftsbedingungen". */
function nounWords(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  let nouns = 0;
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    const word = value.slice(t.starts[i], t.ends[i]);
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (flags & NAME_FLAGS) return false;
    if (word.length >= 9 && NOUN_ENDING.test(word)) nouns++;
    else if (!(flags & KNOWN_WORD) && !GERMAN_ADJECTIVE.test(word)) return false;
  }
  return nouns > 0;
}
const GERMAN_ADJECTIVE = /^\p{Lu}\p{Ll}{3,}(?:liche|lichen|ische|ischen|meine|meinen)$/u;
const HANGUL_WORD = /\p{sc=Hangul}/u;
/** A word of two or more syllables ending in a case particle, with a word after it. */
const KOREAN_PARTICLE_INSIDE = /\p{sc=Hangul}(?:을|를|은|는|이|가|와|과|의|에|에서|에는|에게|으로|로|부터|까지)\s+\p{sc=Hangul}/u;
/**
 * Two Hangul syllables no list holds as a given name, with nothing after them that Korean writes after a name (an
 * honorific, a vocative, a particle of a person: "님", "씨", "아", "이가", "한테"): a word ("영업일 기준 2일"), not a name.
 */
function koreanWordAlone(piece: string, start: number, end: number, model: Tagger): boolean {
  const value = piece.slice(start, end);
  if (!TWO_HANGUL.test(value) || flagsOfWord(value, model) & Gaz.first) return false;
  return !PERSON_AFTER_HANGUL.test(piece.slice(end, end + 4));
}
const TWO_HANGUL = /^\p{sc=Hangul}{2}$/u;
const PERSON_AFTER_HANGUL = /^\s?(?:님|씨|군|양|아|야|이가|이는|이랑|이도|이한테|이에게|한테|에게|께|랑|와|과|가|는|도|[:：])/u;
/** Endings of a Korean verb or adjective (polite and plain statements, connectives); not the copula after a name ("윤서준입니다"). */
const KOREAN_VERB_END =
  /(?:(?<!입)니다|세요|해요|어요|아요|었다|았다|였다|했다|겠다|한다|된다|하고|하며|해서|는데|지만|니까|면서|어서|아서|해도|하면|으면|한대|했어|왔어|갔어)$/u;

/** Hindi function words and auxiliaries: a span of these alone is no name ("बजे होगी", "कृपया"); beside a name the tagger's span still holds the name. */
const HINDI_FUNCTION_WORDS = new Set(
  "है हैं था थी थे होगी होगा होंगे करें करे करना कृपया अपने अपना अपनी के की का में से को पर और बजे यह वह नहीं गया गई दिया लिए आएं जाएं दें लें रहे रही रहा सकते चाहिए".split(
    " ",
  ),
);
const DEVANAGARI = /\p{sc=Devanagari}/u;

/**
 * Function words of scripts without case (prepositions, postpositions, conjunctions, pronouns,
 * auxiliaries) in Hindi, Bengali, Arabic, Persian, Urdu and Hebrew: a name holds none, so a span
 * the tagger ran across one is a name and then a clause ("أحمد على الرقم", Ahmed on the number;
 * "दाल को धोकर", wash the lentils). Arabic "على" is the preposition (ى); the name Ali is علي or علی.
 */
const UNCASED_FUNCTION_WORDS = new Set([
  ...HINDI_FUNCTION_WORDS,
  ..."ने कि जो तो भी एक हुआ हुई हुए कर करके लिया कहा बताया फिर लेकिन मगर अब कल आज".split(" "),
  ..."এবং ও করে করা করতে করেছে করুন হয় হয়েছে হবে আমরা আমি তুমি আপনি আপনার আমাদের এই সেই যে কি না জন্য থেকে সঙ্গে সাথে মধ্যে উপর পরে আগে দিয়ে".split(" "),
  ..."في من إلى الى على عن مع أو ثم هذا هذه ذلك التي الذي الذين قد لم لن كان كانت إن أن قال قالت".split(" "),
  ..."را به از در با که این آن است شد بود برای تا یا گفت".split(" "),
  ..."کا کی کے میں سے نے پر اور ہے ہیں تھا تھی تھے کو کریں کرے گا گی گے یہ وہ بھی کہ کہا بتایا".split(" "),
  ..."של את על עם גם כי אם זה זו הוא היא הם".split(" "),
]);
/** A function word, or a Persian verb with its present prefix ("می‌رود", goes). */
function functionWord(word: string): boolean {
  return UNCASED_FUNCTION_WORDS.has(word) || PERSIAN_VERB.test(word);
}
const PERSIAN_VERB = /^ن?می\u200c/u;
/** A letter with case: the function-word cut is for scripts without it. */
const CASED_LETTER = /[\p{Lu}\p{Ll}]/u;
/** The rest of a word the tokeniser cut before a vowel sign. */
const WORD_REST = /^[\p{L}\p{M}]*/u;

const HEADLINE_NAME_MARK = /^(?:\p{Lu}\.?|\p{Lu}{2,}[\p{Lu}\d.&-]*)$|\./u;
const WORDS = /\S+/g;
const HEADLINE_NAME_SHAPE = 0.5;
/**
 * A span of a headline read word by word: null when it may be a name as it is (under three words,
 * an initial, an acronym, two listed names, places or firms, mostly English words, which the word
 * rules judge); else the run of words no list knows left once known words are cut from its ends
 * (offsets in `value`), or "clause" when none remains, or one that does not look like a name.
 */
function headlineCore(value: string, model: Tagger): [number, number] | "clause" | null {
  const words: Array<{ start: number; end: number; known: boolean }> = [];
  let listed = 0;
  let english = 0;
  let counted = 0;
  for (const m of value.matchAll(WORDS)) {
    const w = m[0];
    if (HEADLINE_NAME_MARK.test(w)) return null;
    const flags = flagsOf(w, model);
    const start = m.index ?? 0;
    // A particle says nothing ("La", "Del"): listed as a surname, a town or an English word, it counts as none.
    if (flags & Gaz.particle) {
      words.push({ start, end: start + w.length, known: true });
      continue;
    }
    counted++;
    if (flags & (NAME_FLAGS | Gaz.orgWord) && ++listed > 1) return null;
    if (flags & Gaz.dictionary) english++;
    // A listed name is never cut ("Marie" is a frequent word of French too).
    words.push({ start, end: start + w.length, known: (flags & KNOWN_WORD) !== 0 && (flags & (NAME_FLAGS | Gaz.orgWord)) === 0 });
  }
  // Words of English are judged by the word rules ("Hollins Data Systems Buys Rival" keeps its firm).
  if (words.length < 3 || english * 2 >= counted) return null;
  let first = 0;
  let last = words.length - 1;
  while (first <= last && words[first]?.known) first++;
  while (last >= first && words[last]?.known) last--;
  if (last < first) return "clause";
  const core: [number, number] = [words[first]?.start ?? 0, words[last]?.end ?? value.length];
  // One word left is a name only when it looks like one ("Intervju Med Þórsdóttir Om Ekonomin"; not "Elpriserna").
  return last > first || nameLikeness(value.slice(core[0], core[1])) >= HEADLINE_NAME_SHAPE ? core : "clause";
}

/** A word of `value` some list holds as a name or place. */
function listedNameIn(value: string, model: Tagger): boolean {
  return value.split(/\s+/).some((w) => flagsOfWord(w, model) & NAME_FLAGS);
}

/**
 * The parts of a span of a script without case between its function words ("जयपुर की गीता बाई":
 * Jaipur, then Geeta Bai). An organisation may hold one inside ("भारत का सर्वोच्च न्यायालय"): only
 * those that open it are left out. Empty when only function words are left.
 */
function betweenFunctionWords(piece: string, start: number, end: number, kind: EntityKind): Array<[number, number]> {
  if (CASED_LETTER.test(piece.slice(start, end))) return [[start, end]];
  const upTo = end + (WORD_REST.exec(piece.slice(end))?.[0].length ?? 0);
  const runs: Array<Array<[number, number]>> = [[]];
  let cut = false;
  for (const m of piece.slice(start, upTo).matchAll(/[\p{L}\p{M}\u200c]+/gu)) {
    const word: [number, number] = [start + (m.index ?? 0), Math.min(end, start + (m.index ?? 0) + m[0].length)];
    if (functionWord(m[0]) && (kind !== "organization" || !runs.some((r) => r.length > 0))) {
      cut = true;
      runs.push([]);
    } else (runs[runs.length - 1] as Array<[number, number]>).push(word);
  }
  if (!cut) return [[start, end]];
  return runs.filter((r) => r.length > 0).map((r) => [(r[0] as [number, number])[0], (r[r.length - 1] as [number, number])[1]]);
}
/** Hindi times of day and relative days: morning, afternoon, evening, night, today, tomorrow, yesterday. */
const HINDI_TIME_WORDS = new Set("सुबह दोपहर शाम रात आज कल परसों".split(" "));

const DEVANAGARI_REST = /^(?:(?=\p{sc=Devanagari})[\p{L}\p{M}])*/u;
/** An article right before a span: a person takes none ("Der Kunde hatte …", "le Client"). */
const ARTICLE_BEFORE = /(?:^|[^\p{L}])(?:der|die|das|dem|den|des|ein|eine|einen|einem|le|la|les|un|une|el|los|las|il|lo|gli|het|een)\s+$/iu;
/** A lower-case article right before `at`, or a capitalised German one. */
function articleBefore(piece: string, at: number): boolean {
  const m = ARTICLE_BEFORE.exec(piece.slice(Math.max(0, at - 8), at));
  if (!m) return false;
  const articleAt = at - m[0].length + (m[0].length - m[0].trimStart().length);
  // Capitalised, only a German article: German writes nouns with a capital, Italian or Spanish a surname ("Lo Bianco").
  return !CAPITALISED.test(piece.slice(articleAt, articleAt + 1)) || GERMAN_ARTICLE.test(piece.slice(articleAt, at));
}
const GERMAN_ARTICLE = /^(?:Der|Die|Das|Dem|Den|Des|Ein|Eine|Einen|Einem)\s/u;
/** A number with an English ordinal ending ("20th"): a date or rank. */
const ORDINAL = /^\d+(?:st|nd|rd|th)$/u;
/** A letter-and-digit code opening the span: a heading level, quarter or priority ("H1 Page Title", "Q4 Plan", "P1"). */
const LEVEL_CODE = /^\p{Lu}{1,2}\d{1,2}(?![\p{L}\p{N}])/u;
/** Business abbreviations written with "&" ("Q&A", "R&D", "P&L"): agenda words, not organisations. */
const AMPERSAND_WORD = /^(?:Q&As?|R&D|M&A|P&L|B&B|T&Cs?|Ts&Cs|F&B|A&E|L&D|D&I|DE&I|G&A|SG&A|O&M|S&OP)$/u;
/** A word after which a team or its queue is named ("the Design Systems team", "Billing squad", "the Payments queue"): an internal group, not an organisation. */
const TEAM_AFTER = /^\s+(?:team|teams|squad|guild|tribe|chapter|pod|channel|queue|board|backlog|rotation|on-call|workstream)(?![\p{L}])/u;
/** A preposition of place right before a word ("in Reading", "from Mobile"): a town that is also a word is read as the town. */
const PLACE_PREPOSITION = /(?:^|[^\p{L}])(?:in|at|from|to|near|via|into|around|outside)\s+$/iu;

const HAN_ONLY = /^\p{sc=Han}+$/u;
const KATAKANA_WORD_PARTICLE = /^[\p{sc=Katakana}ー]{2,}[のへでとをがにはも]/u;
const KANA_TEXT = /[\p{sc=Hiragana}\p{sc=Katakana}]/u;
const JAPANESE_TITLE_AFTER = /^[ \u3000]?(?:様|さま|さん|氏|先生|君|くん|ちゃん|殿|教授|社長|部長|課長)/u;
const JAPANESE_TITLE_END = /(?:様|氏|先生|君|殿|教授|社長|部長|課長|会長|取締役|監査役|選手|監督|議員|知事|市長)$/u;

const JOB_TITLE_END =
  /\s(?:Engineer|Developer|Designer|Director|Manager|Specialist|Administrator|Analyst|Officer|Consultant|Coordinator|Assistant|Architect|Scientist|Accountant|Representative|Technician|Supervisor|Nurse|Lead)s?$/u;

/** Every word an everyday word of some list (or an organisation word) and none a given or family name. */
function knownWords(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (!(flags & (KNOWN_WORD | Gaz.orgWord)) || flags & (Gaz.first | Gaz.last)) return false;
  }
  return true;
}

/** Every word an everyday English word and none a given or family name ("Design Systems", "Mobile"). */
function everydayWords(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  let words = 0;
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (!(flags & Gaz.common) || flags & (Gaz.first | Gaz.last)) return false;
    words++;
  }
  return words > 0;
}

/**
 * Everyday shapes the tagger reads as entities in clean text, by class: sentences of scripts
 * without spaces, numbers, codes, agenda words, team names, and a town's name that is a common
 * English word used as the word ("Enterprise as …", "PORT (default 8080)").
 */
function everydayShape(piece: string, start: number, value: string, kind: EntityKind, model: Tagger): boolean {
  // The tokens end before a Devanagari vowel sign: read the whole last word ("कृपय" is "कृपया").
  if (DEVANAGARI.test(value)) {
    const words = piece
      .slice(start, start + value.length)
      .concat(DEVANAGARI_REST.exec(piece.slice(start + value.length))?.[0] ?? "")
      .split(/\s+/);
    if (words.every((w) => HINDI_FUNCTION_WORDS.has(w))) return true;
    // A name never opens on a function word: several words after one are a clause ("कृपया अपने टिकट अपडेट करें").
    if (words.length >= 3 && HINDI_FUNCTION_WORDS.has(words[0] ?? "")) return true;
    // A time of day alone ("शाम", evening) is that word.
    if (words.length === 1 && HINDI_TIME_WORDS.has(words[0] ?? "")) return true;
  }
  // A katakana loanword with a particle after it opens a clause ("データベースへの接続", "チケットの");
  // Japanese names and places are kanji, and a katakana name stands alone before its particle.
  if (KATAKANA_WORD_PARTICLE.test(value)) return true;
  if (kind === "address") return false;
  const t = tokenize(value);
  // A weekday or month in lower case is that word, whatever stands beside it ("Le samedi"; names are capitalised).
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Lower && model.gazetteer.flags(t.word[i] ?? 0) & Gaz.time) return true;
  }
  // In Japanese text a person the tagger read in kanji alone needs a known family name or an
  // honorific after it ("再試行", retry, and "高速化", speed-up, are words).
  if (
    kind === "person" &&
    HAN_ONLY.test(value) &&
    KANA_TEXT.test(piece) &&
    !JAPANESE_TITLE_AFTER.test(piece.slice(start + value.length, start + value.length + 3)) &&
    !JAPANESE_TITLE_END.test(value)
  ) {
    if (
      !(flagsOfWord(value, model) & NAME_FLAGS) &&
      !(flagsOfWord(value.slice(0, 2), model) & NAME_FLAGS) &&
      !(flagsOfWord(value.slice(0, 1), model) & NAME_FLAGS)
    )
      return true;
  }
  if (ORDINAL.test(value) || LEVEL_CODE.test(value) || AMPERSAND_WORD.test(value)) return true;
  if (TEAM_AFTER.test(piece.slice(start + value.length, start + value.length + 14)) && everydayWords(value, model)) return true;
  // A job title: everyday words ending on a role noun ("Staff Software Engineer", "Clinical Nurse Specialist").
  if (JOB_TITLE_END.test(value) && knownWords(value, model)) return true;
  if (t.count === 1 && kind !== "organization") {
    const flags = model.gazetteer.flags(t.word[0] ?? 0);
    const townWord = flags & (Gaz.city | Gaz.region) && !(flags & (Gaz.first | Gaz.last | Gaz.country | Gaz.orgName)) && flags & Gaz.common;
    // After a comma and before the end of a clause it may close an address or a place line ("…, Cork.").
    const placeLine =
      /,\s*$/.test(piece.slice(Math.max(0, start - 3), start)) &&
      /^\s*(?:[.,;:)]|\d|$)/.test(piece.slice(start + value.length, start + value.length + 3));
    if (townWord && !placeLine && !PLACE_PREPOSITION.test(piece.slice(Math.max(0, start - 10), start))) return true;
  }
  return false;
}

/** A locale or language tag ("en-GB", "pt_BR", "zh-Hant"): a setting, not a person or place. */
const LOCALE_TAG = /^[a-z]{2,3}[-_](?:[A-Z]{2}|[A-Z][a-z]{3}|\d{3})(?:[,/]\s*[a-z]{2,3}[-_](?:[A-Z]{2}|[A-Z][a-z]{3}|\d{3}))*$/u;
/** A model or part code alone ("XR-220", "RTX 4090"): letters and digits of a product, not an organisation (one letter is a flat or block: "B-204"). */
const PRODUCT_CODE = /^\p{Lu}{2,4}[- ]?\d{2}[\p{L}\d-]*$/u;
/** An amount with its currency ("400 Kč", "12 000 zł", "25 EUR"). */
const CURRENCY_AMOUNT = /^\d[\d\s.,]*\s?(?:Kč|zł|Ft|kr|kn|lei|лв|руб|грн|₽|€|\$|£|¥|₹|₩|[A-Z]{3})$/u;
/** Sentence punctuation of CJK and Arabic script: a span across it is a clause or a list, never one name. */
const CLAUSE_PUNCTUATION = /[，。、！？；،؛]/u;
/** A particle between kanji or katakana words ("削除で解決", "画面を開く"): a Japanese clause (が and の also join place names: "旭が丘"). */
const JAPANESE_PARTICLE_INSIDE = /[\p{sc=Han}\p{sc=Katakana}ー][でを][\p{sc=Han}\p{sc=Katakana}]/u;
/** A word naming a room or hall right before the span: what follows is the room's name ("Room Orion", "Salle Everest"). */
const ROOM_BEFORE = /(?:^|[^\p{L}])(?:room|rooms|hall|salle|sala|raum|zaal|sal|huone|pokój)\s+$/iu;
/** The same word opening the span ("Room Andromeda"). */
const ROOM_OPENING = /^(?:Room|Salle|Sala|Raum|Zaal|Huone|Pokój)\s/u;
/** An identifier in upper snake case ("LOG_LEVEL"): upper-case words beside one are keys of a configuration. */
const SNAKE_KEY = /(?<![\p{L}\d])\p{Lu}+(?:_\p{Lu}+)+(?![\p{L}\d])/u;
const ALL_CAPS_WORD = /^\p{Lu}{2,}$/u;
/** Endings of participles and verbal adjectives: Polish -owany/-owana/-owane, Finnish -ttu/-tty/-ttiin, German ge-…-t/-iert. */
const PARTICIPLE = /^\p{Lu}\p{Ll}{3,}(?:owany|owana|owane|owani|ttu|tty|ttiin|iert)$|^Ge\p{Ll}{3,}t$/u;
const LIST_OF_WORDS = /^[^\s,]+(?:,\s*[^\s,]+){2,}$/u;

/** Codes, settings, amounts and clauses the tagger reads as entities, by shape and what stands around them. */
function codeOrClause(piece: string, start: number, value: string, kind: EntityKind, model: Tagger): boolean {
  if (LOCALE_TAG.test(value) || CURRENCY_AMOUNT.test(value)) return true;
  if (kind === "address") return false;
  if (PRODUCT_CODE.test(value)) return true;
  // Persons in a list are split by the rules after the tagger (CJK_LIST); a place or organisation is one name.
  if (kind !== "person" && (CLAUSE_PUNCTUATION.test(value) || JAPANESE_PARTICLE_INSIDE.test(value))) return true;
  if (ROOM_BEFORE.test(piece.slice(Math.max(0, start - 8), start)) || ROOM_OPENING.test(value)) return true;
  if (ALL_CAPS_WORD.test(value) && SNAKE_KEY.test(piece)) return true;
  // Opening a sentence, one word with the ending of a participle or verbal adjective ("Szacowany
  // czas", "Korjattu virhe", "Aktualisiert am") is that word, unless a list knows it as a name.
  if (PARTICIPLE.test(value) && OPENING.test(piece.slice(0, start)) && !(flagsOfWord(value, model) & NAME_FLAGS)) return true;
  // "Surname, Given" has one comma: three or more single words are a list ("TypeScript, Rust, Go";
  // items of several words may be a place line the tagger gave the wrong kind, still masked).
  if (kind === "person" && LIST_OF_WORDS.test(value)) return true;
  // In Vietnamese text names are capitalised: a lower-case word there is a word ("sáng", morning).
  if (!NAME_LIKE.test(value) && VIETNAMESE_TEXT.test(piece)) return true;
  // Arabic words with the article and no known name among them ("الإصدار القادم", the next release) are a noun phrase.
  // An organisation names its kind of institution ("نادي …", a club; "مستشفى …", a hospital).
  if (kind !== "person" && ARABIC_WORDS.test(value) && /\s/.test(value.trim())) {
    const words = value.trim().split(/\s+/);
    const institution = kind === "organization" && words.some((w) => ARABIC_INSTITUTION.has(w.replace(/^[وبل]/u, "")) || ARABIC_INSTITUTION.has(w));
    if (!institution && words.some((w) => ARABIC_ARTICLE.test(w)) && !words.some((w) => flagsOfWord(w, model) & NAME_FLAGS)) {
      const before = /(\p{sc=Arabic}+)\s+$/u.exec(piece.slice(Math.max(0, start - 30), start));
      if (!before || !(flagsOfWord(before[1] ?? "", model) & Gaz.first)) return true;
    }
  }
  // An Arabic word opening on the future particle and a verb's person prefix ("وستتوفر", and it
  // will be available; "سيتم", it will be done) is a verb: no place or organisation is spelt so.
  if (kind !== "person" && ARABIC_FUTURE_VERB.test(value.trim()) && !(flagsOfWord(value.trim(), model) & NAME_FLAGS)) return true;
  return false;
}
/** Arabic words for kinds of institution: hospital, club, company, university, ministry, bank, foundation, authority, group, bank, institute, school, association, union, centre, organisation, council, court, college, agency, office, party, team, fund, committee. */
const ARABIC_INSTITUTION = new Set(
  "مستشفى نادي شركة جامعة وزارة بنك مؤسسة هيئة مجموعة مصرف معهد مدرسة جمعية اتحاد مركز منظمة مجلس محكمة كلية وكالة مكتب حزب فريق صندوق لجنة".split(
    " ",
  ),
);
/** A letter only Vietnamese uses (ơ, ư, đ, or a tone mark under or over a vowel with a hook). */
const VIETNAMESE_TEXT = /[ơưđƠƯĐạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/u;

const CALENDAR = new Set(CALENDAR_WORDS);

/**
 * A span that is, or begins or ends with, a weekday or month of some language ("piątek",
 * "Alhamisi", "sa Huwebes"), unless that word is written with a capital and is also a name
 * ("June", "Domenica", "Plaza de Mayo"): a day named is no place and no person.
 */
const calendarWord = (w: string) => CALENDAR.has(w.toLowerCase());
function calendarName(value: string, model: Tagger): boolean {
  const words = value.split(/\s+/);
  // Beside a given or family name that is no everyday word, the day or month is a name too ("Thomas Freitag", "Cuma Demir", "יוני כהן").
  if (
    words.length >= 2 &&
    words.some((w) => !calendarWord(w) && flagsOfWord(w, model) & NAME_FLAGS && !(flagsOfWord(w, model) & (Gaz.common | Gaz.dictionary)))
  )
    return false;
  return [words[0] ?? "", words.at(-1) ?? ""].some((w) => calendarWord(w) && !(CAPITALISED.test(w) && flagsOfWord(w, model) & NAME_FLAGS));
}

/** Shapes of everyday text a tagged span can take in any language (checked after the span is cleaned). */
function phraseShaped(piece: string, start: number, value: string, kind: EntityKind, model: Tagger): boolean {
  if (CONTRACTION.test(value) || CALENDAR_WORD.test(value) || HIRAGANA_OPENING.test(value)) return true;
  // After a title a day's or month's word is a family name ("Herr Freitag", "Ms Sunday").
  if (calendarName(value, model) && !(kind === "person" && TITLE_BEFORE.test(piece.slice(Math.max(0, start - 12), start)))) return true;
  if (codeOrClause(piece, start, value, kind, model)) return true;
  if (everydayShape(piece, start, value, kind, model)) return true;
  // A colour ("Forest green", "Ruby red") or placeholder text ("Lorem ipsum").
  if (COLOUR_AFTER.test(piece.slice(start + value.length, start + value.length + 12)) || PLACEHOLDER.test(piece)) return true;
  if (nounWords(value, model)) return true;
  if (SEASON.test(value)) {
    const t = tokenize(value);
    let everyday = true;
    for (let i = 1; i < t.count; i++) if (t.shape[i] !== Shape.Punct && !(model.gazetteer.flags(t.word[i] ?? 0) & KNOWN_WORD)) everyday = false;
    if (everyday) return true;
  }
  if (UNIT.test(value) && UNIT_AFTER_NUMBER.test(piece.slice(Math.max(0, start - 2), start))) return true;
  // After a known given name it is the family name ("سامي الحربي").
  if (kind === "person" && ARABIC_WORDS.test(value)) {
    const words = value.split(/\s+/);
    // Words with the article and no known name among them ("تحديث التطبيق", the app's update) are a noun phrase.
    if (words.some((w) => ARABIC_ARTICLE.test(w)) && !words.some((w) => flagsOfWord(w, model) & NAME_FLAGS)) {
      const before = /(\p{sc=Arabic}+)\s+$/u.exec(piece.slice(Math.max(0, start - 30), start));
      if (!before || !(flagsOfWord(before[1] ?? "", model) & Gaz.first)) return true;
    }
  }
  if (HANGUL_WORD.test(value)) {
    // Korean text: a digit or three words are a sentence; a person is one word (with its particle) opening on a family name.
    if (HAS_DIGIT.test(value)) return true;
    if (kind === "person" && (value.trim().split(/\s+/).length >= 3 || !KOREAN_SURNAMES.includes(value[0] ?? ""))) return true;
    // A name ends at its particle ("김치를 썰어": the object particle closes the first word), and never on a verb's ending ("가능합니다").
    if (kind === "person" && (KOREAN_PARTICLE_INSIDE.test(value) || KOREAN_VERB_END.test(value))) return true;
  }
  // A word and one capital ("Hall C", "Room B", "Annex D"): a label; an initial closes a name only with its dot ("Ricardo M.").
  const lettered = LETTERED.exec(value);
  const letteredFlags = lettered ? flagsOfWord(lettered[1] ?? "", model) : 0;
  if (lettered && letteredFlags & (Gaz.common | Gaz.dictionary | Gaz.frequent) && !(letteredFlags & Gaz.first)) return true;
  return false;
}

/** Entity spans of one piece (a sentence or line), cleaned and checked, with the tagger's confidence; offsets relative to the piece. */
export function candidates(piece: string, model: Tagger = tagger(), germanText?: boolean): Candidate[] {
  const out: Candidate[] = [];
  const taggedSpans = model.tag(piece);
  // Read while the tokeniser still holds this piece's tokens (the checks below tokenise values).
  const names = knownNameRuns(piece, model, () => germanText ?? NOUN_CASE.test(piece));
  // Only pieces with a span pay for the test.
  const nounCase = taggedSpans.length > 0 && (germanText ?? NOUN_CASE.test(piece));
  let titleCase: boolean | undefined;
  for (const tagged of taggedSpans) {
    let s = tagged;
    // A span run on past a line into a letter's closing ("8038 København.\nMvh Frederik") ends before that line.
    const closingLine = closingLineIn(piece.slice(s.start, s.end));
    if (closingLine > 0) s = { ...s, end: s.start + closingLine };
    if (s.kind === "address" && !addressShaped(piece.slice(s.start, s.end), model)) {
      // An "address" with no street word, postcode or address mark: numbers and codes are not
      // one; words are a name or place the tagger gave the wrong kind ("Maureen Ashdown-Pryce").
      if (HAS_DIGIT.test(piece.slice(s.start, s.end))) continue;
      s = { ...s, kind: kindByWords(piece.slice(s.start, s.end), model) };
    }
    let span = clean(piece, s.start, s.end);
    if (span && s.kind !== "address") span = clean(piece, span[0], trimLowerTail(piece, span[0], span[1]));
    // A span of a script without case run across a function word is judged up to it when a list
    // knows a word there as a name ("अमित ने कहा"); a clause otherwise, judged whole (its parts are cut after).
    if (span && s.kind !== "address") {
      const first = betweenFunctionWords(piece, span[0], span[1], s.kind)[0];
      if (!first) continue;
      if (first[1] < span[1] && listedNameIn(piece.slice(first[0], first[1]), model)) span = first;
    }
    if (!span) continue;
    // In German text a lower-case article opens no place or organisation ("in der Regel"): what
    // follows it is judged alone. A person the tagger read with its article keeps it ("an den Becker").
    const lowerArticle = nounCase && s.kind !== "address" && s.kind !== "person" ? LOWER_GERMAN_ARTICLE.exec(piece.slice(span[0], span[1])) : null;
    if (lowerArticle) span = [span[0] + lowerArticle[0].length, span[1]];
    // An article of another language opens a phrase ("Der Kunde", "Das Passwort") unless the rest
    // is a known name ("Los Angeles", "De Luca").
    const article = ARTICLE.exec(piece.slice(span[0], span[1]));
    if (article && !backed(piece.slice(span[0] + article[0].length, span[1]), s.kind, model)) span = [span[0] + article[0].length, span[1]];
    // An article before a common noun ("Der Kunde", "La Société") is a phrase.
    else if (article && notAName(piece.slice(span[0] + article[0].length, span[1]), model)) continue;
    // A person takes no article: a German article before one frequent word is a noun phrase
    // ("Der Kunde") even when the word is also a surname.
    else if (
      article &&
      s.kind === "person" &&
      GERMAN_ARTICLE.test(article[0]) &&
      articleNoun(piece.slice(span[0] + article[0].length, span[1]), model)
    )
      continue;

    // A lower-case preposition before a given name ("de Gisèle Rambert", of Gisèle Rambert) is not part of the name: the person starts after it.
    const preposition = PREPOSITION_BEFORE_NAME.exec(piece.slice(span[0], span[1]));
    if (preposition && s.kind !== "address" && flagsOfWord(preposition[1] ?? "", model) & Gaz.first) {
      span = [span[0] + preposition[0].length - (preposition[1]?.length ?? 0), span[1]];
      s = { ...s, kind: "person" };
    }
    // A German title the tagger took into the name ("Herrn Wischnewski", its dative) stands before
    // it: the person is what follows, and the title makes it one.
    const germanTitle = GERMAN_TITLE_IN_SPAN.exec(piece.slice(span[0], span[1]));
    if (germanTitle && s.kind !== "address") {
      span = [span[0] + germanTitle[0].length, span[1]];
      s = { ...s, kind: "person" };
    }
    // In a title-case line without the commas of a record, a span of three words or more, at most one
    // of them a listed name, place or firm, is a headline's clause ("Elpriserna Stiger Igen Inför
    // Vintern"); a name inside it is its words no list knows ("Rencontre Avec Wiremu Tamihana Au
    // Sujet Du Budget Annuel"), one alone only when it looks like a name.
    titleCase ??= titleCaseLine(piece);
    if (titleCase && s.kind !== "address" && !piece.includes(",")) {
      const core = headlineCore(piece.slice(span[0], span[1]), model);
      if (core === "clause") continue;
      if (core) span = [span[0] + core[0], span[0] + core[1]];
    }
    // Lower-case words the tagger took in front of a capitalised name ("ben Can Kılıç", "sono Marta
    // Rossi") are left out, so the name is judged alone; particles and given names stay ("van Gogh").
    const raw = piece.slice(span[0], span[1]);
    const lowerLead = LOWER_LEAD.exec(raw);
    if (lowerLead && s.kind !== "address" && opensOnLowerWord(raw, model)) span = [span[0] + lowerLead[0].length, span[1]];
    const value = piece.slice(span[0], span[1]);
    // An upper-case word before "-123" is a ticket or part number prefix ("PROJ-12345").
    if (TICKET_AFTER.test(piece.slice(span[1], span[1] + 2))) continue;
    // An everyday word before a colon is a field label ("Location:", "Company:"), a name there a speaker ("Anna:").
    if (piece[span[1]] === ":" && isEverydayWord(value, model)) continue;
    if (!plausible(value, s.kind) || notAName(value, model) || GREETING_BEFORE.test(piece.slice(Math.max(0, span[0] - 12), span[0]))) continue;
    // A kin word alone is what a family calls someone ("mit Oma nach Hause"), not a name.
    if (s.kind === "person" && KIN_ALONE.test(value)) continue;
    if (phraseShaped(piece, span[0], value, s.kind, model)) continue;
    // Fields of a line ("Head Of Marketing — Full Time"), never one name.
    if (s.kind !== "address" && FIELD_SEPARATOR.test(value)) continue;
    // After an honorific the tagger may still read a place or firm ("Mrs. Oyelowo", its full stop
    // opening a sentence to it): a word there is the person.
    if (s.kind !== "person" && s.kind !== "address" && !SPACE.test(value) && HONORIFIC_BEFORE.test(piece.slice(Math.max(0, span[0] - 8), span[0])))
      s = { ...s, kind: "person" };
    const titled = s.kind === "person" && TITLE_BEFORE.test(piece.slice(Math.max(0, span[0] - 12), span[0]));
    // A lone everyday word that is also a given name ("Joy", "Violet") opening a sentence is read as the word.
    const opening = OPENING.test(piece.slice(0, span[0]));
    // Several everyday words of which the only "name" is a place that is also an everyday English
    // word ("Manage Preferences": Manage is a town) are a phrase, not a place.
    const commonPhrase = !titled && SPACE.test(value) && everydayPhrase(value, model);
    const isWordy = commonPhrase || (!titled && wordy(value, model));
    // An organisation word among everyday words is a phrase ("Location Services", "Customer Support").
    // In German text a frequent word that is also a surname ("Kunde") backs no organisation or place
    // alone; nor a person after an article or adjective ("mit klarem Wasser"; "mit Schneider" stays).
    // The value's lists, read once: its first word's, and the whole value's when it is one word.
    const valueTokens = tokenize(value);
    const firstFlags = model.gazetteer.flags(valueTokens.word[0] ?? 0);
    const wordFlags = valueTokens.count === 1 ? firstFlags : 0;
    const germanNoun =
      nounCase &&
      (s.kind !== "person"
        ? frequentNameAlone(value.replace(ARTICLE, ""), model) && !placeAfterPreposition(piece, span[0], value, wordFlags)
        : !SPACE.test(value) && germanNounThere(piece, span[0], span[1], wordFlags));
    const isBacked = !commonPhrase && !germanNoun && (titled || (backed(value, s.kind, model) && !(opening && everydayName(value, model))));
    // Written in lower case, a name needs a word that is only a name ("jean dupont"; not "emerald green", "domenica").
    if (!NAME_LIKE.test(value) && !onlyAName(value, model, PLACE_PREPOSITION.test(piece.slice(Math.max(0, span[0] - 10), span[0])))) continue;
    // What someone is thanked for, written small, is a thing ("Asante kwa oda yako", "thanks for your order").
    // A given and a family name the lists know there are who is thanked for ("gracias por maría fernández y su equipo").
    if (!NAME_LIKE.test(value) && THANKS_FOR_BEFORE.test(piece.slice(Math.max(0, span[0] - 40), span[0])) && !fullName(value, model)) continue;
    // A list ("Budgetplanung, Personalbedarf") is one person only as "Surname, Given" of known names.
    if (s.kind === "person" && CAPITALISED.test(value) && value.includes(",") && !isBacked) continue;
    // Kinds of PII-free text where the tagger's lead alone misleads it (clean-gates.ts). A person
    // stays a candidate, never kept alone, so it can still finish a name beside it ("margaret o'neill").
    const placeWordBefore = PLACE_PREPOSITION.test(piece.slice(Math.max(0, span[0] - 10), span[0]));
    const headless = cjkWithoutHead(value, s.kind, isBacked);
    // A Korean clause opening on a syllable that is also a family name is no person ("이내에 가능합니다").
    const cjkPerson =
      headless &&
      s.kind !== "person" &&
      s.kind !== "address" &&
      cjkFamilyNameFirst(value, model) &&
      !(HANGUL_WORD.test(value) && (KOREAN_PARTICLE_INSIDE.test(value) || KOREAN_VERB_END.test(value)));
    const gated =
      (!placeWordBefore && lowerCaseInCapitalisedProse(piece, span[0], value, s.kind, model, s.kind === "address" && streetWorded(value, model))) ||
      (s.kind !== "address" && opensOnLowerWord(value, model)) ||
      // A person there only loses a clause: a name is at most three words, none of them a run of twelve letters.
      ((s.kind !== "person" || CLAUSE_LENGTH.test(value) || LISTED_SCRIPT.test(value)) &&
        uncasedWithoutName(piece, value, titled || wholeWordName(value, model))) ||
      (headless && !cjkPerson) ||
      acronymAlone(value, model) ||
      codeOrQuantity(value, s.kind) ||
      technicalName(value, s.kind, model) ||
      // In a headline, everyday words are a phrase unless an organisation word ends them ("Vengeful Swing Chemicals").
      (titleCase && isWordy && !(flagsOfWord(lastWord(value), model) & Gaz.orgWord)) ||
      // In a title-case line, dictionary words whose only "name" is a place that is also a word ("Kitchen Appliances").
      (titleCase && SPACE.test(value) && dictionaryPhrase(value, model));
    if (gated && s.kind !== "person") continue;
    const after = piece.slice(span[1], span[1] + 28);
    // What follows makes a word that is also a name the person: a surname, then a verb of a person
    // ("Silva scored", "Rocha disse"); a given name, then a verb of speech ("John just told me",
    // "Moira chaired"), or opening a message and addressed with a request ("Peter, can you…").
    const givenCued =
      s.kind === "person" &&
      !SPACE.test(value) &&
      (firstFlags & Gaz.first) !== 0 &&
      // A given name that is also an English noun or a country is as often the thing
      // ("Chase said", "Sky said", "Jordan said"); one that speaks of "it" is an institution.
      ((!(firstFlags & (Gaz.common | Gaz.country)) && SPOKE_AFTER.test(after) && !SPOKE_OF_IT.test(after)) ||
        // Addressed opening the message or a sentence of it ("Zug fällt aus. Mia, kannst du…"), not with a word
        // of address or an interjection ("Love, can you…", "Bon, tu…").
        ((MESSAGE_OPENS.test(piece.slice(0, span[0])) || SENTENCE_OPENS.test(piece.slice(Math.max(0, span[0] - 4), span[0]))) &&
          !ADDRESS_WORD.test(value) &&
          ADDRESSED_AFTER.test(after)));
    const reportedAfter = REPORTED_AFTER.test(piece.slice(span[1], span[1] + 16));
    const personAfter = givenCued || (!SPACE.test(value) && (firstFlags & Gaz.last) !== 0 && reportedAfter);
    // One word beside a verb of speech is a speaker: a family name before it ("Smith said", "Weber
    // sagte"; not a month, nationality, country or title), any capitalised word after it ("…, said Wolf").
    const spokenBy =
      !SPACE.test(value) &&
      CAPITALISED_WORD.test(value) &&
      value.length >= 3 &&
      !(firstFlags & SPEAKER_NOT) &&
      (((firstFlags & Gaz.last) !== 0 && speaksAfter(after)) ||
        // A word no list knows before a verb of speech ("Fairweather replied"); not before a verb of doing, which
        // software, agencies and markets share ("Dependabot opened", "Eurostat reported", "Sensex levelled"), nor
        // before an auxiliary or "sa" alone: a noun of a language no list holds has them too ("Bystyret har godkjent").
        ((firstFlags & (KNOWN_WORD | NAME_FLAGS | Gaz.orgWord | Gaz.street)) === 0 && speaksAfter(after) && !AUXILIARY_AFTER.test(after)) ||
        // After the verb, a listed name or a word no list knows: "sagte Bescheid", "sagte Nein" are the words.
        (((firstFlags & GIVEN_OR_FAMILY) !== 0 || (firstFlags & KNOWN_WORD) === 0) &&
          SPEECH_BEFORE.test(piece.slice(Math.max(0, span[0] - 16), span[0]))) ||
        SPEECH_BEFORE_LOWER_NOUNS.test(piece.slice(Math.max(0, span[0] - 16), span[0])));
    out.push({
      // A speaker the lists know as a name is a person; one they know as a firm keeps the tagger's kind ("Bayer sagte").
      // One word the lists know as a firm, and as no given name or English word, is the firm whatever
      // kind the tagger gave it ("Bayer sagte"; "Smith told", a dictionary word too, stays a person).
      kind:
        cjkPerson || (spokenBy && (firstFlags & GIVEN_OR_FAMILY || firstFlags === 0) && !(firstFlags & Gaz.orgName))
          ? "person"
          : s.kind === "person" && wordFlags & Gaz.orgName && !(wordFlags & (Gaz.first | Gaz.dictionary))
            ? "organization"
            : s.kind,
      start: span[0],
      end: span[1],
      margin: s.margin,
      backed: isBacked || cjkPerson,
      wordy: isWordy,
      opening,
      nounCase,
      everyday: !SPACE.test(value) && !POSSESSIVE_AFTER.test(piece.slice(span[1], span[1] + 3)) && (firstFlags & KNOWN_WORD) !== 0 && !personAfter,
      label: LABEL_AFTER.test(piece.slice(span[1], span[1] + 2)),
      nameShape: isBacked || SPACE.test(value) ? 0 : nameLikeness(value),
      plainWord: !isBacked && !SPACE.test(value) && !JOINED_NAME.test(value) && !reportedAfter && !personAfter,
      gated,
      midProse:
        !opening &&
        !nounCase &&
        !SPACE.test(value) &&
        CAPITALISED_WORD.test(value) &&
        LOWER_WORD_BEFORE.test(piece.slice(Math.max(0, span[0] - 24), span[0])),
      frequentOnly: (firstFlags & (Gaz.frequent | Gaz.dictionary | Gaz.common | Gaz.techTerm | Gaz.time)) === Gaz.frequent,
      personCue: PERSON_CUE_BEFORE.test(piece.slice(Math.max(0, span[0] - 16), span[0])),
      givenCued,
      spokenBy,
    });
  }
  addKnownNames(piece, names, out);
  addLabelledNames(piece, model, out);
  addKeyedNames(piece, model, out);
  addKinNames(piece, model, out);
  addAppositiveNames(piece, model, out);
  addTitledNames(piece, model, out);
  addInstitutions(piece, model, out);
  addLeadingInstitutions(piece, model, out);
  for (const [start, end] of kindInstitutions(piece, model)) addInstitutionOver(piece, model, out, start, end);
  addKnownPlaces(piece, model, out);
  addSportsTeams(piece, model, out);
  // Callbacks stay anonymous on hot paths: a bundler that keeps names defines one on each closure made.
  for (const [start, end] of affiliationAcronyms(piece, model, (offset) =>
    out.some((c) => c.kind === "person" && c.end === offset && confident(c)),
  )) {
    if (out.some((c) => c.start < end && start < c.end && confident(c))) continue;
    replaceOverlapping(out, ruleSpan("organization", start, end));
  }
  // Whatever rule named them (the tagger's spans above or the rules after): an office without its holder
  // ("El Presidente", "De Voorzitter") or a noun after an article joined to its preposition ("im Sommer") is no person.
  return out.filter((c) => c.kind !== "person" || !notAPersonThere(piece, c.start, c.end, model));
}

/** Small words that join a span run past an institution's name to what follows ("Ігорю Савчуку та Національному"). */
const JOINING_REST = /^[\s,;]*(?:(?:and|und|et|y|e|i|и|та|і|ir|un|és|ja|og|och|en|a)\s+)?/iu;

/**
 * An institution's name (institutions.ts) replaces the spans it overlaps; what such a span held
 * beyond the name, with a capital in it, stays as it was read ("Ігорю Савчуку" before "та
 * Національному університету", "Kevin de B." after "Rechtbank Amsterdam heeft").
 */
function addInstitutionOver(piece: string, model: Tagger, out: Candidate[], start: number, end: number): void {
  // An organisation already read over it (addInstitutions: "Max Planck Institute for Chemistry") stands.
  if (out.some((c) => c.kind === "organization" && c.start <= start && c.end >= end)) return;
  const rests: Candidate[] = [];
  for (let k = out.length - 1; k >= 0; k--) {
    const c = out[k] as Candidate;
    if (c.start >= end || start >= c.end) continue;
    out.splice(k, 1);
    if (c.start < start) {
      const before = piece.slice(c.start, start);
      const rest =
        before.length -
        (/[\s,;]*(?:\s(?:and|und|et|y|e|i|и|та|і|ir|un|és|ja|og|och|en|a|of|at|from|de|z|ze|iz|sa|z|з|із|из|от)\s*)?$/iu.exec(before)?.[0].length ??
          0);
      if (rest > 0 && CAPITAL_LETTER.test(before.slice(0, rest)))
        rests.push({ ...c, end: c.start + rest, kind: restKind(before.slice(0, rest), c.kind, model) });
    }
    if (c.end > end) {
      const after = piece.slice(end, c.end);
      const lead = JOINING_REST.exec(after)?.[0].length ?? 0;
      // What follows the name is read again only from a capitalised word ("Kevin de B.", not "heeft Kevin").
      const capital = after.slice(lead).search(/\p{Lu}/u);
      if (capital >= 0) rests.push({ ...c, start: end + lead + capital, kind: restKind(piece.slice(end + lead + capital, c.end), c.kind, model) });
    }
  }
  out.push(ruleSpan("organization", start, end), ...rests);
}

/** The kind of what a span held beyond an institution: a person stays one; otherwise its words say, and capitalised words no list knows as a place or firm are a person ("Ігорю Савчуку"). */
function restKind(value: string, kind: EntityKind, model: Tagger): EntityKind {
  if (kind === "person") return kind;
  const byWords = kindByWords(value, model);
  if (byWords !== "location") return byWords;
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) if (model.gazetteer.flags(t.word[i] ?? 0) & PLACE_FLAGS) return "location";
  return "person";
}

/**
 * Teams beside a score (sports.ts): where nothing was read, where the tagger was unsure, or over a
 * shorter span inside the team's name ("Bremen" of "Werder Bremen"); a person read there stays.
 */
function addSportsTeams(piece: string, model: Tagger, out: Candidate[]): void {
  for (const [start, end] of sportsTeams(piece, model)) {
    const overlapping = out.filter((c) => c.start < end && start < c.end);
    if (overlapping.some((c) => confident(c) && (c.kind === "person" || c.start < start || c.end > end || (c.start === start && c.end === end))))
      continue;
    for (const c of overlapping) out.splice(out.indexOf(c), 1);
    out.push(ruleSpan("organization", start, end));
  }
}

/** A thank-you and the word for "for" before a span: what follows is what one is thanked for. */
const THANKS_FOR_BEFORE =
  /(?:^|[^\p{L}])(?:thanks|thank you|asante(?: sana)?|danke(?: schön)?|merci(?: beaucoup)?|gracias|grazie(?: mille)?|obrigad[oa]|dank je|bedankt|tack|takk|kiitos|dziękuję|děkuji|terima kasih|salamat)\s+(?:so much\s+|a lot\s+)?(?:for|kwa|für|pour|por|per|voor|för|za|atas|sa)\s+$/iu;

/** Every word a dictionary word, none a given or family name or an organisation's word ("Kitchen Appliances", "Home Improvement"). */
function dictionaryPhrase(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  for (let i = 0; i < t.count; i++) {
    if (t.shape[i] === Shape.Punct) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (!(flags & Gaz.dictionary) || flags & (Gaz.first | Gaz.last | Gaz.orgWord | Gaz.orgName)) return false;
  }
  return true;
}

/** Words that name a place and nothing else (places.ts), where no other span stands. */
function addKnownPlaces(piece: string, model: Tagger, out: Candidate[]): void {
  for (const [start, end] of knownPlaces(piece, model)) {
    // The tagger's unsure reading of the same word gives way ("Espoossa" dropped as a lone word).
    const overlapping = out.filter((c) => c.start < end && start < c.end);
    if (overlapping.some((c) => confident(c) || c.start < start || c.end > end)) continue;
    for (const c of overlapping) out.splice(out.indexOf(c), 1);
    out.push(ruleSpan("location", start, end));
  }
}

const PLURAL_SUBJECT_AFTER =
  /^ (?!(?:has|was|does|goes|says|always|sometimes|perhaps|nevertheless|nonetheless|regardless|afterwards|besides|towards|thus|is|this|its|his|hers|ours|yours|theirs|less|unless|across|yes|us) )\p{Ll}{2,}s (?:are|were|have|had|do|did|can|could|will|would|should|may|might|must)\b/u;
const NOUN_PHRASE_OPENS = /(?:^|[.!?;:,]\s*|(?:^|\s)(?:and|or|but|the|The|And|Or|But)\s)$/u;

function notAPersonThere(piece: string, start: number, end: number, model: Tagger): boolean {
  const before = piece.slice(Math.max(0, start - 12), start);
  // After a title an office word is a family name ("Herr Richter", "Mrs Judge").
  if (TITLE_BEFORE.test(before)) return false;
  const value = piece.slice(start, end);
  if (roleAlone(value)) return true;
  // A word before a plural noun that a plural verb follows names a kind of thing: "Amber alerts were
  // issued", "Rose petals are". A person there would be the subject of a verb that cannot agree.
  // Only where a noun phrase opens (a sentence, "and", "the", a comma): after a verb the word is its
  // object, and a name ("remind Grace forms are due").
  if (
    !SPACE.test(value) &&
    PLURAL_SUBJECT_AFTER.test(piece.slice(end, end + 40)) &&
    NOUN_PHRASE_OPENS.test(piece.slice(Math.max(0, start - 8), start)) &&
    flagsOfWord(value, model) & Gaz.dictionary
  )
    return true;
  // After "im", "zum", "beim": a noun ("im Sommer"), but a name stays one ("beim Huber", "zur Anna", chat's "im Jessica").
  if (!GERMAN_CONTRACTION_BEFORE.test(before) || SPACE.test(value)) return false;
  const flags = flagsOfWord(value, model);
  return (flags & (Gaz.common | Gaz.dictionary | Gaz.frequent)) !== 0 && (flags & Gaz.first) === 0;
}

/**
 * Words that open an institution's name in languages that put the kind first ("Università di
 * Modena", "Tribunale di Bari", "Institute for Coastal Resilience", "Kanzlei Bleibtreu & Rauch").
 */
const LEADING_INSTITUTION = new Set(
  (
    "university università universidad université universität universidade uniwersytet univerzita universiteit hogeschool hochschule " +
    "hospital hôpital ospedale spital spitalul szpital szpitala szpitalu nemocnice kórház ziekenhuis krankenhaus klinikum " +
    "tribunal tribunale tribunál sąd gericht landgericht amtsgericht " +
    "institute institut instituto istituto instytut " +
    "ministry ministère ministerio ministero ministerium ministerstwo ministério " +
    "museum musée museo muzeum " +
    "escola escuela école scuola szkoła colegio collège liceo lycée gymnasium " +
    "association associazione asociación associação stowarzyszenie verein vereniging roeivereniging " +
    "federation fédération federación federazione " +
    "council conseil consejo consiglio conselho junta " +
    "agency agence agencia agenzia agência " +
    "foundation fondation fundación fondazione fundação fundacja stiftung stichting " +
    "clinic clinique clínica clinica klinik klinika praxis tandartspraktijk huisartsenpraktijk centro " +
    "society société sociedad società sociedade " +
    "mutuelle cooperativa coopérative genossenschaft kanzlei cabinet studio bufete escritório " +
    "banco banque banca bank bankhaus " +
    "hurtownia padaria panadería boulangerie bäckerei apotheke farmacia pharmacie tessitura transports pasticceria woningcorporatie gemeente"
  ).split(" "),
);
const LEADING_INSTITUTION_HINT = new RegExp(`(?<![\\p{L}])(?:${[...LEADING_INSTITUTION].join("|")})(?![\\p{L}])`, "iu");
const ELIDED = /^\p{Ll}{1,5}['’](?=\p{Lu})/u;
/** Lower-case words inside such a name ("of", "for", "di", "de la", "des", "für"). */
const LEADING_CONNECTOR = new Set(
  "of for the and & de du des der die für van di del della dei degli da do dos das la le les los las y e et".split(" "),
);

/**
 * An institution word with a capital, then capitalised words (with connectors between), at least
 * one of them a name or place or a word no list knows: an organisation ("Università di Modena";
 * not "Bank Holiday" or "Office Hours", whose words are all everyday words).
 */
function addLeadingInstitutions(piece: string, model: Tagger, out: Candidate[]): void {
  if (!LEADING_INSTITUTION_HINT.test(piece)) return;
  const words = [...piece.matchAll(/[\p{L}&][\p{L}\p{M}'’&.-]*/gu)];
  for (let i = 0; i < words.length; i++) {
    // An elided article or preposition is glued to the word ("all'Università", "l'Hôpital").
    const elided = ELIDED.exec(words[i]?.[0] ?? "")?.[0] ?? "";
    const head = (words[i]?.[0] ?? "").slice(elided.length);
    if (!/^\p{Lu}/u.test(head) || !LEADING_INSTITUTION.has(head.toLowerCase())) continue;
    let last = i;
    // A connector right after the head ("Institute for …", "Tribunale di …") makes the name's shape.
    let named = LEADING_CONNECTOR.has(words[i + 1]?.[0] ?? "") && (words[i + 1]?.[0] ?? "") !== "and" && (words[i + 1]?.[0] ?? "") !== "&";
    for (let k = i + 1; k < words.length && k - i <= 7; k++) {
      const w = words[k]?.[0] ?? "";
      const prev = words[k - 1];
      const gap = piece.slice((prev?.index ?? 0) + (prev?.[0].length ?? 0), words[k]?.index);
      if (!/^\s+$/.test(gap)) break;
      if (LEADING_CONNECTOR.has(w)) continue;
      if (!/^\p{Lu}/u.test(w)) break;
      last = k;
      const flags = flagsOfWord(w.replace(/[.'’]+$/u, ""), model);
      if (flags & NAME_FLAGS || !(flags & KNOWN_WORD)) named = true;
    }
    if (last === i || !named) continue;
    const start = (words[i]?.index ?? 0) + elided.length;
    const lastWord = words[last]?.[0] ?? "";
    const end = (words[last]?.index ?? 0) + lastWord.length - (/[.]$/.test(lastWord) ? 1 : 0);
    // It replaces what the tagger or the other rules found inside or across it.
    replaceOverlapping(out, ruleSpan("organization", start, end));
    i = last;
  }
}

/** Last words of an institution's or company's name. */
const INSTITUTION_HEAD = new Set(
  (
    "agency administration authority organization organisation programme police museum hospital university college institute foundation " +
    "association federation society trust bank army cross commission ministry union council corporation company group holdings airlines airways " +
    "railway railways rail analytics health freight logistics clinic practice partners lettings electrical distribution laboratories labs " +
    "inc ltd llc plc gmbh ag sa sas sarl spa srl bv nv ab oy kft corp co"
  ).split(" "),
);
/**
 * Last words of a business's name that are also everyday words ("Corrib Marine Services",
 * "Glacier Records"): they name one only after a name, a place or a word no list knows (not
 * "Customer Services", "Design Systems").
 */
const BUSINESS_HEAD = new Set(
  (
    "services solicitors collective growers studios studio records lines solar payments medical veterinary consortium guild scouts " +
    "lab loans outfitters co-op hospice inspectorate lyceum ziekenhuis robotics aero linien irrigation knitwear marine fisheries " +
    "housing energy capital ventures technologies motors media press publishing pharma foods farms dental consulting architects " +
    "engineering construction shipping insurance realty properties brewery bakery dairy textiles clinic"
  ).split(" "),
);
const INSTITUTION_HINT = new RegExp(`(?<![\\p{L}])(?:${[...INSTITUTION_HEAD, ...BUSINESS_HEAD].join("|")})(?![\\p{L}])`, "iu");
/** An article opening a run of capitals is no part of the name ("The Bank", "Die Bank", "La Banque"). */
const RUN_ARTICLE = /^(?:The|A|An|Der|Die|Das|Den|Dem|Des|Ein|Eine|Le|La|Les|El|Los|Las|Il|Lo|Gli|Het|De|Een|O|Os|As)$/;
const ABBREVIATED_SUFFIX = new Set("inc ltd co corp plc".split(" "));
/** Lower-case words inside a name ("Bank of England", "Save the Children"). */
const NAME_CONNECTOR = new Set("of for the and & de du des der für van di del la y".split(" "));

/**
 * Two to six capitalised words ending with an institution's or company's head word ("Federal
 * Aviation Administration", "Kestrel Freight", "Northern Lights Dental Corp.") name an
 * organisation, where the tagger saw none.
 */
function addInstitutions(piece: string, model: Tagger, out: Candidate[]): void {
  // Most pieces hold no head word: a single regex test keeps them off the word walk.
  if (!INSTITUTION_HINT.test(piece)) return;
  const words = [...piece.matchAll(/[\p{L}&][\p{L}\p{M}'’&.-]*/gu)];
  let runStart = -1;
  for (let i = 0; i <= words.length; i++) {
    const w = words[i];
    const text = w?.[0] ?? "";
    const contiguous = w !== undefined && i > 0 && /^\s+$/.test(piece.slice((words[i - 1]?.index ?? 0) + (words[i - 1]?.[0].length ?? 0), w.index));
    const capital = /^\p{Lu}/u.test(text);
    if (runStart >= 0 && w !== undefined && contiguous && (capital || NAME_CONNECTOR.has(text))) continue;
    // The run [runStart, i) ends here: trim connectors at its end, then look at its last word.
    if (runStart >= 0) {
      let last = i - 1;
      while (last > runStart && NAME_CONNECTOR.has(words[last]?.[0] ?? "")) last--;
      const head = (words[last]?.[0] ?? "").replace(/\.$/, "").toLowerCase();
      const lastWord = words[last]?.[0] ?? "";
      // The dot of "Corp." belongs to the name, a sentence's full stop does not.
      const end = (words[last]?.index ?? 0) + lastWord.length - (lastWord.endsWith(".") && !ABBREVIATED_SUFFIX.has(head) ? 1 : 0);
      // "INC-0012345" and "INC0048213" are ticket numbers, not a company suffix.
      const glued = /^[\p{N}_]|^-\d/u.test(piece.slice(end, end + 2));
      // A person before "of" or "at" is the org's member ("John Smith of Globex Corporation").
      let first = runStart;
      for (let k = runStart + 1; k < last; k++) {
        const word = words[k]?.[0] ?? "";
        if (!NAME_CONNECTOR.has(word) || k === runStart) continue;
        const before = words.slice(first, k).some((x) => model.gazetteer.flags(tokenize(x[0].toLowerCase()).word[0] ?? 0) & Gaz.first);
        if (before) first = k + 1;
      }
      const business =
        !INSTITUTION_HEAD.has(head) &&
        BUSINESS_HEAD.has(head) &&
        words.slice(first, last).some((x) => {
          const flags = flagsOfWord(x[0].replace(/[.'’]+$/u, ""), model);
          return !NAME_CONNECTOR.has(x[0]) && (flags & NAME_FLAGS || !(flags & KNOWN_WORD));
        });
      if (last > first && last - first < 6 && (INSTITUTION_HEAD.has(head) || business) && !glued) {
        const start = words[first]?.index ?? 0;
        // It replaces what the tagger found over it ("Kestrel Freight in March" as a place).
        replaceOverlapping(out, ruleSpan("organization", start, end));
      }
    }
    runStart = w !== undefined && capital && !RUN_ARTICLE.test(text) ? i : -1;
  }
}

/** Field labels whose value is a person's name, in the languages of forms, cards and transfers. */
const NAME_LABEL = new RegExp(
  `(?:^ ?|[\\n·|;•]\\s*|\\s[—–-]\\s)(?:${[
    "name",
    "入住人",
    "宿泊者名",
    "従業員氏名",
    "患者氏名",
    "환자명",
    "고객명",
    "patient",
    "patientin",
    "paciente",
    "patiente",
    "full name",
    "nom",
    "nom complet",
    "naam",
    "nome",
    "nome completo",
    "nombre",
    "nombre completo",
    "imię i nazwisko",
    "jméno",
    "név",
    "nimi",
    "namn",
    "navn",
    "nafn",
    "ad soyad",
    "имя",
    "фио",
    "ім'я",
    "όνομα",
    "ονοματεπώνυμο",
    "שם",
    "الاسم",
    "姓名",
    "氏名",
    "お名前",
    "フリガナ",
    "名前",
    "성명",
    "이름",
    "ชื่อ",
    "नाम",
    // given and family names, and the "name" of the scripts and languages listed here first
    "first name",
    "last name",
    "surname",
    "given name",
    "family name",
    "middle name",
    "vorname",
    "nachname",
    "familienname",
    "prénom",
    "nom de famille",
    "nom et prénom",
    "apellido",
    "apellidos",
    "nombre y apellidos",
    "nombre y apellido",
    "cognome",
    "nome e cognome",
    "sobrenome",
    "voornaam",
    "achternaam",
    "volledige naam",
    "förnamn",
    "efternamn",
    "fornavn",
    "efternavn",
    "etternavn",
    "fullt navn",
    "etunimi",
    "sukunimi",
    "koko nimi",
    "imię",
    "nazwisko",
    "příjmení",
    "celé jméno",
    "meno",
    "priezvisko",
    "vezetéknév",
    "keresztnév",
    "teljes név",
    "nume",
    "prenume",
    "nume complet",
    "ime",
    "prezime",
    "ime i prezime",
    "priimek",
    "име",
    "фамилия",
    "прізвище",
    "имя и фамилия",
    "επώνυμο",
    "adı",
    "soyadı",
    "adı soyadı",
    "isim",
    "vardas",
    "pavardė",
    "vārds",
    "uzvārds",
    "eesnimi",
    "perekonnanimi",
    "nama",
    "nama lengkap",
    "họ tên",
    "họ và tên",
    "tên",
    "pangalan",
    "jina",
    "jina kamili",
    "पूरा नाम",
    "नाव",
    "নাম",
    "பெயர்",
    "పేరు",
    "નામ",
    "ਨਾਮ",
    "ಹೆಸರು",
    "പേര്",
    "نام",
    "نام خانوادگی",
    "نام و نام خانوادگی",
    "اسم",
    "שם מלא",
    "ስም",
    "ชื่อ-นามสกุล",
    "ชื่อ นามสกุล",
    "นามสกุล",
    "სახელი",
    "გვარი",
    "cardholder",
    "card holder",
    "account holder",
    "holder",
    "titular",
    "inhaber",
    "inhaberin",
    "kontoinhaber",
    "karteninhaber",
    "intestatario",
    "beneficiary",
    "beneficiario",
    "bénéficiaire",
    "begünstigter",
    "payee",
    "recipient",
    "destinataire",
    "empfänger",
    "户名",
    "持卡人",
    "收件人",
    "受取人",
    "예금주",
    "المستفيد",
    "держатель",
    "отримувач",
    "получатель",
    // Recipients, senders, card and account holders, patients and contact people in the other languages of the lists.
    "получател",
    "подател",
    "титуляр",
    "пациент",
    "отправитель",
    "відправник",
    "пацієнт",
    "destinatário",
    "destinatario",
    "remitente",
    "remetente",
    "mittente",
    "titolare",
    "expéditeur",
    "titulaire",
    "absender",
    "ansprechpartner",
    "ansprechpartnerin",
    "ontvanger",
    "afzender",
    "rekeninghouder",
    "kaarthouder",
    "mottagare",
    "avsändare",
    "kontoinnehavare",
    "kortinnehavare",
    "modtager",
    "afsender",
    "kontohaver",
    "kortholder",
    "mottaker",
    "avsender",
    "vastaanottaja",
    "lähettäjä",
    "tilinhaltija",
    "kortinhaltija",
    "odbiorca",
    "nadawca",
    "posiadacz karty",
    "właściciel rachunku",
    "pacjent",
    "příjemce",
    "odesílatel",
    "držitel karty",
    "pacient",
    "príjemca",
    "odosielateľ",
    "címzett",
    "feladó",
    "kártyabirtokos",
    "számlatulajdonos",
    "destinatar",
    "expeditor",
    "titular card",
    "primatelj",
    "pošiljatelj",
    "prejemnik",
    "pošiljatelj",
    "primalac",
    "pošiljalac",
    "alıcı",
    "gönderen",
    "kart sahibi",
    "hesap sahibi",
    "παραλήπτης",
    "αποστολέας",
    "κάτοχος",
    "κάτοχος κάρτας",
    "ασθενής",
    "gavėjas",
    "siuntėjas",
    "saņēmējs",
    "sūtītājs",
    "saatja",
    "penerima",
    "pengirim",
    "pemegang kartu",
    "pemilik rekening",
    "pasien",
    "pesakit",
    "người nhận",
    "người gửi",
    "chủ thẻ",
    "chủ tài khoản",
    "bệnh nhân",
    "tatanggap",
    "nagpadala",
    "mpokeaji",
    "mtumaji",
    "mgonjwa",
    // Meeting minutes and tickets: who sent apologies, chaired, took notes, presented, reviews or reported.
    "apologies",
    "absent",
    "chair",
    "chairperson",
    "minute taker",
    "note taker",
    "facilitator",
    "presenter",
    "reviewer",
    "assignee",
    "reporter",
  ].join("|")})\\s*[:：]\\s*`,
  "giu",
);
/** The value: up to five words, each capitalised, upper case or of a script without case, or a name particle. */
const LABELLED_NAME =
  /^(?:(?:\p{Lu}[\p{L}\p{M}'’.-]*|[\p{Lo}\p{M}]+|(?:van|von|de|der|den|da|das|do|dos|di|del|della|la|le|du|bin|binti|al|el|i|y|e|ter|ten)|[\p{Lu}]\.)(?:[ \u3000]|$)){1,5}/u;

const SWAHILI_POSSESSIVE = new Set("yako yangu yake yetu yenu yao wako wangu wake lako langu lake chako changu chake zako zangu zake".split(" "));
/** A listed given name and, after it, a listed family name. */
function fullName(value: string, model: Tagger): boolean {
  const words = value.split(/\s+/);
  // A Swahili possessive after its noun ("oda yako", your order) makes it a thing.
  if (words.some((w) => SWAHILI_POSSESSIVE.has(w))) return false;
  const given = words.findIndex((w) => flagsOf(w, model) & Gaz.first);
  return given >= 0 && words.slice(given + 1).some((w) => flagsOf(w, model) & Gaz.last);
}

const PATIENT_LABEL = /patient|paciente/iu;
/** What a form writes where a value is wanted or missing. */
const FORM_PLACEHOLDER =
  /^(?:required|optional|mandatory|none|unknown|pending|blank|empty|tbd|tba|unassigned|nobody|n\/a|obligatoire|facultatif|erforderlich|pflichtfeld|keine|obligatorio|opcional|ninguno|obbligatorio|facoltativo|nessuno|obrigatório|nenhum|verplicht|geen)$/iu;
function everydayNotName(word: string, model: Tagger): boolean {
  const flags = flagsOfWord(word, model);
  return (flags & KNOWN_WORD) !== 0 && (flags & GIVEN_OR_FAMILY) === 0;
}
function patientName(value: string, model: Tagger): boolean {
  let listed = false;
  for (const w of value.split(/\s+/)) {
    const flags = flagsOf(w.replace(/\.$/u, ""), model);
    if (flags & (Gaz.first | Gaz.last)) listed = true;
    else if (flags & KNOWN_WORD) return false;
  }
  return listed;
}

/** The value of a name field ("Name: Jane Doe", "姓名：王丽华", "Karteninhaber: M. Weber") is a person. */
/** One word a clause goes on from is a name only as a listed given or family name or a word of name shape ("Name: Anna is on leave"). */
function nameOfAClause(word: string, model: Tagger): boolean {
  const flags = flagsOfWord(word.toLowerCase(), model);
  return (flags & GIVEN_OR_FAMILY) !== 0 ? !(flags & Gaz.common) : !(flags & KNOWN_WORD) && nameLikeness(word) >= 0;
}
/** A word of the value is a listed given or family name that is no English common word ("Le Goff Yannick"; not "El Gobierno"). */
function listedPersonWord(value: string, model: Tagger): boolean {
  return value.split(/\s+/u).some((w) => {
    const flags = flagsOfWord(w.toLowerCase(), model);
    return (flags & GIVEN_OR_FAMILY) !== 0 && !(flags & Gaz.common);
  });
}
/** Two lower-case words after a value: the sentence goes on. */
const CLAUSE_GOES_ON = /^\s+\p{Ll}[\p{L}\p{M}]*\s+\p{Ll}/u;

/** A given and a family name written small after a label ("Odbiorca: jan kowalski"): the lists know every word as a name, none as an everyday word. */
const LOWER_NAME = /^\p{Ll}[\p{Ll}\p{M}'’-]+(?: \p{Ll}[\p{Ll}\p{M}'’-]+){1,2}(?![\p{L}\p{M}])/u;
function lowerCaseFullName(rest: string, model: Tagger): RegExpExecArray | null {
  const m = LOWER_NAME.exec(rest);
  if (!m) return null;
  const words = m[0].split(" ");
  const flags = words.map((w) => flagsOfWord(w, model));
  const [first = 0, ...others] = flags;
  const last = others[others.length - 1] ?? 0;
  if (!(first & Gaz.first) || others.some((f) => !(f & GIVEN_OR_FAMILY) || f & (Gaz.common | Gaz.time | Gaz.techTerm))) return null;
  // A given name that is also a word or a month ("jan") needs a family name no dictionary holds after it.
  if (first & (Gaz.common | Gaz.time | Gaz.techTerm) && (last & (Gaz.dictionary | Gaz.common) || !(last & Gaz.last))) return null;
  return m;
}

function addLabelledNames(piece: string, model: Tagger, out: Candidate[]): void {
  // Every label ends with a colon: pieces without one are skipped with a single scan.
  if (!piece.includes(":") && !piece.includes("：")) return;
  NAME_LABEL.lastIndex = 0;
  for (let m = NAME_LABEL.exec(piece); m; m = NAME_LABEL.exec(piece)) {
    const at = m.index + m[0].length;
    const rest = piece.slice(at, at + 80).split(/[\n·|;,，、—–(（]/)[0] ?? "";
    const capitalised = LABELLED_NAME.exec(`${rest.trimEnd()}`);
    const name = capitalised ?? lowerCaseFullName(rest, model);
    if (!name || /\d/.test(name[0])) continue;
    // A sentence's full stop after the name is not part of it; an initial's is ("Hannah Bright.", "Grant T.").
    const value = name[0].trimEnd().replace(/(?<=\p{L}{2})\.$/u, "");
    if (value.length < 2 || (capitalised && !NAME_LIKE.test(value))) continue;
    // A patient's field also holds what a clinician notes ("Patient: Denies Chest Pain", "Paciente:
    // Masculino"): there a listed name is needed, and no word that is only an everyday word.
    if (PATIENT_LABEL.test(m[0]) && !patientName(value, model)) continue;
    // A form's own words after its label ("First Name: Required", "Surname: Not Applicable", "Tên: Sản
    // Phẩm Mới") are no one: a placeholder, or two words or more that are all everyday words no list
    // holds as a given or family name. One such word alone stays a name ("Name: Memory").
    const words = value.split(/\s+/u).map((w) => w.replace(/[.,]$/u, ""));
    if (FORM_PLACEHOLDER.test(value) || (words.length > 1 && words.every((w) => everydayNotName(w, model)))) continue;
    // A label word that also names a headline or a title ("Titular: El precio de la luz baja",
    // "Titular: Suben los precios") opens a sentence: an article before words no list holds as a
    // name, or one everyday word that the sentence's lower-case words go on from.
    // An article opens a family name too ("Le Goff", "Las Heras", "Le Pen"): only before a clause is it the sentence's.
    const clauseAfter = CLAUSE_GOES_ON.test(piece.slice(at + value.length, at + value.length + 40));
    const article = ARTICLE.exec(`${value} X`);
    if (article && (article[0].length > value.length || (clauseAfter && !listedPersonWord(value.slice(article[0].length), model)))) continue;
    if (words.length === 1 && clauseAfter && !nameOfAClause(words[0] ?? "", model)) continue;
    const start = at;
    const end = at + value.length;
    replaceOverlapping(out, ruleSpan("person", start, end));
  }
}

/**
 * Kin and people around someone, in the languages of the sets ("her sons Peter and Alan", "my
 * neighbour Bob", "mein Nachbar Rüdiger", "nonna Lucia", "tía Chela"): the capitalised words right
 * after them name people.
 */
const KIN_WORDS = [
  "sons?|daughters?|wife|husband|brothers?|sisters?|mother|father|mom|mum|dad|grandma|grandpa|granny|grandmother|grandfather|grandson|granddaughter|grandchildren|aunt|uncle|cousin|nephew|niece|neighbou?r|friend|colleague|partner|fiancée?|girlfriend|boyfriend|stepson|stepdaughter|auntie|aunty|grandad|granddad|stepmother|stepfather|stepmum|stepmom|stepdad|godmother|godfather",
  "sohn|söhne|tochter|töchter|ehefrau|ehemann|bruder|schwester|mutter|vater|mama|papa|oma|opa|tante|onkel|cousine?|neffe|nichte|nachbarin|nachbar|freundin|freund|kollegin|kollege|enkel|enkelin",
  "fils|fille|épouse|époux|mari|frère|sœur|soeur|mère|père|maman|mamie|papi|tante|oncle|voisine?|amie?|collègue|neveu|nièce",
  "hij[oa]s?|espos[oa]|herman[oa]s?|madre|padre|mamá|papá|abuel[oa]|tí[oa]|prim[oa]|vecin[oa]|amig[oa]|compañer[oa]|sobrin[oa]|niet[oa]",
  "figli[oa]|figlie|moglie|marito|fratello|sorella|nonn[oa]|zi[oa]|cugin[oa]|vicin[oa]|amic[oa]|collega|nipote",
  "filh[oa]s?|irmão|irmã|mãe|pai|avó|avô|vizinh[oa]|prima",
  "zoon|dochter|kleinzoon|kleindochter|broer|zus|moeder|vader|buurman|buurvrouw|vriendin|vriend|collega|neef|nicht",
  "syster|bror|mamma|pappa|mormor|farmor|morfar|farfar|bestemor|bestefar|oldemor|oldefar|granne|kompis|kollega|søster|datter|sønn|nabo|venn|venninne",
  "syn|córka|brat|siostra|mama|tata|babcia|dziadek|sąsiad|sąsiadka|kolega|koleżanka",
  "сын|дочь|жена|муж|брат|сестра|мама|папа|бабушка|дедушка|тётя|дядя|сосед|соседка|друг|подруга|коллега",
].join("|");
const KIN_WORD = new RegExp(`(?<![\\p{L}])(?:${KIN_WORDS})(?:\\s+(?:and|und|et|y|e|en|och|og|i|и))?\\s+(?=\\p{Lu})`, "giu");
const KIN_ALONE = new RegExp(`^(?:${KIN_WORDS})$`, "iu");
/** A kin word right before a span: German's determiner rule ("mein Nachbar Rüdiger") leaves such a name alone. */
const KIN_BEFORE = new RegExp(`(?<![\\p{L}])(?:${KIN_WORDS})\\s+$`, "iu");
/** A possessive right before a kin word ("my partner", "our neighbour"). */
const POSSESSIVE_BEFORE_KIN = /(?<![\p{L}])(?:my|our|his|her|their|your)\s+$/iu;
/** One or two capitalised words, and a second person after "and" ("Peter and Alan"). */
const KIN_NAMES =
  /^(\p{Lu}[\p{L}\p{M}'’-]+(?: \p{Lu}[\p{L}\p{M}'’-]+)?)(?:(?:,? (?:and|und|et|y|e|en|och|og|i|и) |, )(\p{Lu}[\p{L}\p{M}'’-]+(?: \p{Lu}[\p{L}\p{M}'’-]+)?))?/u;

/** People right after a kin or neighbour word, unless the word there is an everyday word no given name list holds ("Mother Nature"). */
function addKinNames(piece: string, model: Tagger, out: Candidate[]): void {
  if (!/\p{Lu}/u.test(piece)) return;
  KIN_WORD.lastIndex = 0;
  for (let m = KIN_WORD.exec(piece); m; m = KIN_WORD.exec(piece)) {
    const at = m.index + m[0].length;
    const names = KIN_NAMES.exec(piece.slice(at, at + 80));
    if (!names) continue;
    let offset = at;
    for (const [k, group] of [names[1], names[2]].entries()) {
      if (!group) continue;
      const start = k === 0 ? at : at + names[0].lastIndexOf(group);
      offset = start + group.length;
      const first = group.split(" ")[0] ?? "";
      const flags = flagsOfWord(first, model);
      // A word only frequent (the frequency lists come from subtitles, whose names are frequent) may
      // be the name there ("abuelo Manolo", "tío Chuy"); an everyday or dictionary word is not, unless
      // a possessive owns the kin word: "my partner Kit" names one person, capital and all.
      // (In a title-case line every word has its capital: "My Partner Kit Review" names nobody.)
      const owned = k === 0 && POSSESSIVE_BEFORE_KIN.test(piece.slice(Math.max(0, m.index - 8), m.index)) && !titleCaseLine(piece);
      if (flags & (Gaz.common | Gaz.dictionary) && !(flags & (Gaz.first | Gaz.last)) && !owned) continue;
      if (flags & (Gaz.orgWord | Gaz.techTerm | Gaz.time | Gaz.nationality) && !(flags & Gaz.first)) continue;
      // A longer span over the name ("Ciarán Ó Súilleabháin") stays, as a person.
      const wider = out.find((c) => c.start <= start && offset <= c.end);
      if (wider) {
        // The kin word itself is no part of the name ("nonna Lucia").
        if (wider.start < start && wider.start >= m.index) wider.start = start;
        wider.kind = "person";
        wider.backed = true;
        wider.gated = false;
        continue;
      }
      for (let i = out.length - 1; i >= 0; i--) {
        const c = out[i] as Candidate;
        if (c.start < offset && start < c.end) out.splice(i, 1);
      }
      out.push(ruleSpan("person", start, offset));
    }
  }
}

/**
 * A person set beside their role by commas, as news and notes write it ("Lee, the plumber, says",
 * "The bride, April Summers, wore", "our treasurer, Grant Hill, will"): the role says a person is
 * meant, so the name's words may be everyday words ("Summers", "Grant").
 */
const APPOSITION_ROLES =
  "plumber|electrician|builder|mechanic|driver|nurse|doctor|surgeon|dentist|vet|pharmacist|midwife|paramedic|teacher|headteacher|principal|professor|lecturer|student|pupil|" +
  "bride|groom|widow|widower|mother|father|manager|director|chairman|chairwoman|chairperson|treasurer|secretary|spokesman|spokeswoman|spokesperson|president|minister|mayor|governor|" +
  "senator|judge|lawyer|attorney|solicitor|officer|detective|sergeant|inspector|suspect|victim|witness|defendant|plaintiff|accused|author|writer|novelist|poet|singer|actor|actress|" +
  "artist|painter|photographer|founder|owner|landlord|landlady|tenant|neighbour|neighbor|striker|goalkeeper|midfielder|defender|captain|coach|manager|winger|forward|pitcher|" +
  "quarterback|chef|baker|waiter|waitress|farmer|engineer|developer|designer|analyst|consultant|contractor|caretaker|cleaner|receptionist|firefighter|soldier|pilot|priest|pastor|vicar|rabbi|imam|" +
  "ceo|cfo|cto|chief executive|head|boss|supervisor|intern|volunteer|organiser|organizer|host|presenter|journalist|reporter|editor|researcher|scientist|economist|historian|architect";
const APPOSITION_NAME = "\\p{Lu}[\\p{L}\\p{M}'’-]+(?: \\p{Lu}[\\p{L}\\p{M}'’.-]+){0,2}";
/** "the plumber, Lee Grant," — the role first; "Lee, the plumber," — the name first. */
const ROLE_THEN_NAME = new RegExp(
  `(?<![\\p{L}])(?:[Tt]he|[Oo]ur|[Mm]y|[Hh]is|[Hh]er|[Tt]heir|[Yy]our|[Aa]n?)\\s+(?:\\p{Ll}+\\s+)?(?:${APPOSITION_ROLES}),\\s(${APPOSITION_NAME}),`,
  "gu",
);
const NAME_THEN_ROLE = new RegExp(
  `(?<![\\p{L}\\p{M}'’-])(${APPOSITION_NAME}),\\s(?:the|our|my|his|her|their|your|a|an)\\s+(?:\\p{Ll}+\\s+)?(?:${APPOSITION_ROLES})(?:,|\\s(?:who|says|said)\\b)`,
  "gu",
);
/** A name and an age between commas, as news writes people ("Whaanga, 29, has won", "Ana Ruiz, 34, of Leeds"). */
const NAME_AGE = new RegExp(
  `(?<![\\p{L}\\p{M}'’-])(${APPOSITION_NAME}), (?:[1-9]\\d?|1[01]\\d), (?=\\p{Ll}|(?:who|was|is|has|had|said|says)\\b)`,
  "gu",
);
/** A flat, a floor or a building after a house number, and a street's word or its short form before the street's name. */
const FLAT_AFTER = /^(?:кв|apt|flat|unit|suite|д|эт|lok|m|int|piso|bl|app|wohnung|whg)(?![\p{L}])\.?/iu;
const STREET_BEFORE = /(?:^|[\s,(])(?:вул|ул|пр|пл|ul|al|str|st|rue|av|avda|via|viale|calle|c|rua|ulica|utca|straße)\.?\s*$/iu;
/** A maiden name after "née" ("Rosalind Fairweather (née Cobb)"); in a list of scorers, a name and its minute ("(McGinn 23', Slattery 55’)"). */
const NEE_OR_MINUTE = new RegExp(
  `(?<![\\p{L}])n[ée]e (${APPOSITION_NAME})|(?<=[(,;] ?)(\\p{Lu}[\\p{L}\\p{M}'’-]+) \\d{1,3}(?:\\+\\d)?['’](?![\\p{L}\\d])`,
  "gu",
);
/**
 * Whose: a name before "'s" and what only a person has ("Torbjørn's wife", "Grace's birthday"), or what a person
 * or a firm may have ("Mark's appointment", "Rosa's order"), where a list must hold the name. Group 2: the
 * person's own.
 */
const POSSESSED_BY_PERSON = new RegExp(
  "(?<![\\p{L}\\p{M}'’.-])(\\p{Lu}[\\p{L}\\p{M}-]+(?: \\p{Lu}[\\p{L}\\p{M}-]+){0,2})['’]s (?:new |old |late |former |ex-)?" +
    "(?:(wife|husband|mother|father|mum|mom|dad|son|daughter|sister|brother|parents|children|kids|baby|grandmother|grandfather|grandma|grandpa|" +
    "girlfriend|boyfriend|fianc[ée]e?|spouse|cousin|niece|nephew|uncle|aunt|birthday|funeral|wedding|diagnosis|prescription|medical|payslip|salary|" +
    "passport|driving licen[cs]e|date of birth|home address|therapist|GP)|" +
    "appointment|account|phone|mobile|e-?mail|address|password|order|profile|details|flight|booking|reservation|car|house|flat|room|desk|laptop|" +
    "manager|colleague|team|office|contract|visit|request|ticket|claim|case|file|record)(?![\\p{L}])",
  "gu",
);
/** What no word of such a name is, unless a given or family name too: an organisation's or street's word, a product's, a nationality, a place. */
const NOT_IN_APPOSITION = Gaz.orgWord | Gaz.techTerm | Gaz.street | Gaz.nationality | Gaz.country | Gaz.region;
/** What no word before "'s" is, unless a given or family name: also a known organisation or a day, a month, a season ("Monday's", "Google's"). */
const NOT_POSSESSIVE_NAME = NOT_IN_APPOSITION | Gaz.orgName | Gaz.time;

/** A title that stands only before a person's name, then up to three capitalised words ("Dr. Goh", "Mrs Ada Okafor"). */
const TITLED_NAME =
  /(?<![\p{L}\p{N}])(?:Mr|Mrs|Ms|Mx|Dr|Dra|Prof|Herrn?|Frau|Mme|Mlle|Sra|Srta|Dña|Dott|Dhr|Mevr|Ing|Avv)\.?[ \t]+(\p{Lu}[\p{L}\p{M}'’-]*(?:[ \t]\p{Lu}[\p{L}\p{M}'’-]*){0,2})/gu;
/** What a titled name's word must not be unless the lists hold it as a name: a word of prose, a street, a firm, a place. */
const NOT_TITLED = NOT_IN_APPOSITION | Gaz.common | Gaz.dictionary | Gaz.time | Gaz.orgName;

/**
 * A person after a title ("Referred by Dr. Goh from Singapore General Hospital"): the tagger may
 * read the title's full stop as a sentence's end and the name after it as the next sentence's
 * first word. The name's words run while the lists hold them as names or hold them not at all.
 */
function addTitledNames(piece: string, model: Tagger, out: Candidate[]): void {
  TITLED_NAME.lastIndex = 0;
  for (let m = TITLED_NAME.exec(piece); m; m = TITLED_NAME.exec(piece)) {
    // A possessive's "'s" is no part of the name ("Dr. Takeda's clinic").
    const words = (m[1] ?? "").replace(/['’]s$/u, "").split(/[ \t]/u);
    let length = 0;
    let cutByWord = false;
    for (const [k, word] of words.entries()) {
      const flags = flagsOfWord(word.toLowerCase(), model);
      // A word of prose ("Dr. Then") or of an institution ("Prof. Jan Novák Univerzita Karlova") ends the name. The first
      // word may be a frequent word of some language ("Goh" is): the title says it is a name.
      // An unlisted first word must also look like a name: a title before a role is a form of address ("Geachte Dhr.
      // Voorzitter", "Gentile Dott. Responsabile").
      const unlistedRole = k === 0 && !(flags & (Gaz.first | Gaz.last)) && nameLikeness(word) < 0;
      if (unlistedRole || (flags & (k === 0 ? NOT_TITLED : NOT_TITLED | Gaz.frequent) && !(flags & (Gaz.first | Gaz.last)))) {
        cutByWord = k > 0 && (flags & (Gaz.common | Gaz.dictionary | Gaz.street)) !== 0;
        break;
      }
      length += (k > 0 ? 1 : 0) + word.length;
    }
    // A capitalised everyday word after the name may be its family name too ("Prof. Hyun-woo Park"): the tagger reads those.
    if (length === 0 || cutByWord) continue;
    const start = m.index + m[0].length - (m[1] ?? "").length;
    // A person read over it already ("Dr. Puig i Serra") keeps its length.
    if (out.some((c) => c.kind === "person" && c.start <= start && start + length <= c.end)) continue;
    replaceOverlapping(out, ruleSpan("person", start, start + length));
  }
}

function addAppositiveNames(piece: string, model: Tagger, out: Candidate[]): void {
  const patterns = piece.includes(",") ? [ROLE_THEN_NAME, NAME_THEN_ROLE, NAME_AGE] : [];
  if (/n[ée]e |\d['’]/u.test(piece)) patterns.push(NEE_OR_MINUTE);
  for (const pattern of patterns) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(piece); m; m = pattern.exec(piece)) {
      const name = m[1] ?? m[2] ?? "";
      // A role asks for a word the lists hold as a name; an age also takes a word no list holds ("Whaanga, 29,"), "née"
      // and a scorer's minute a word of the dictionary too ("née Cobb", "Slattery 55'"), though not an everyday one.
      const unlistedNot = pattern === NAME_AGE ? KNOWN_WORD : pattern === NEE_OR_MINUTE ? Gaz.common : null;
      const start = m.index + m[0].indexOf(name);
      const end = start + name.length;
      // A name's words: one the lists hold as a given or family name, none an organisation's, a street's or a place's.
      const words = name.split(" ").map((w) => flagsOfWord(w.toLowerCase(), model));
      const listed = words.some((f) => f & (Gaz.first | Gaz.last));
      if (!listed && (unlistedNot === null || words.some((f) => f & unlistedNot))) continue;
      if (words.some((f) => f & NOT_IN_APPOSITION && !(f & (Gaz.first | Gaz.last)))) continue;
      // "The" opening the name is the sentence's ("The"), never a name's first word.
      if (/^(?:The|This|That|Our|My)\b/u.test(name)) continue;
      // A town or a street, a number and a street or a flat is an address ("Paris, 12, rue de la Paix", "вул. Шевченка, 12, кв. 3").
      if (
        pattern === NAME_AGE &&
        (flagsOfWord(/^\p{L}+/u.exec(piece.slice(m.index + m[0].length))?.[0].toLowerCase() ?? "", model) & Gaz.street ||
          FLAT_AFTER.test(piece.slice(m.index + m[0].length)) ||
          STREET_BEFORE.test(piece.slice(Math.max(0, start - 12), start)))
      )
        continue;
      replaceOverlapping(out, ruleSpan("person", start, end));
    }
  }
  if (piece.includes("'s ") || piece.includes("’s ")) addPossessors(piece, model, out);
}

/** A name before "'s" and what a person has (POSSESSED_BY_PERSON); words opening the run that are everyday words and no name are the sentence's ("Call Mark's"). */
function addPossessors(piece: string, model: Tagger, out: Candidate[]): void {
  POSSESSED_BY_PERSON.lastIndex = 0;
  for (let m = POSSESSED_BY_PERSON.exec(piece); m; m = POSSESSED_BY_PERSON.exec(piece)) {
    const run = m[1] ?? "";
    const words = run.split(" ");
    const flags = words.map((w) => flagsOfWord(w.toLowerCase(), model));
    let first = 0;
    while (first < words.length - 1 && (flags[first] ?? 0) & KNOWN_WORD && !((flags[first] ?? 0) & (Gaz.first | Gaz.last))) first++;
    const kept = flags.slice(first);
    // What only a person has takes a word no list holds ("Torbjørn's wife"), never an everyday one ("Everyone's birthday").
    const listed = kept.some((f) => f & (Gaz.first | Gaz.last));
    if (!listed && (m[2] === undefined || kept.some((f) => f & KNOWN_WORD))) continue;
    if (kept.some((f) => f & NOT_POSSESSIVE_NAME && !(f & (Gaz.first | Gaz.last)))) continue;
    if (kept.some((f) => f & Gaz.orgName) && m[2] === undefined) continue;
    const start = m.index + words.slice(0, first).reduce((n, w) => n + w.length + 1, 0);
    const end = m.index + run.length;
    replaceOverlapping(out, ruleSpan("person", start, end));
  }
}

/**
 * Keys of records, logs and JSON whose value is a person ("name": "…", last_name=…, owner=…,
 * holder="…"), wherever they stand in a line; and "cardholder"/"account holder" before capitals.
 */
const NAME_KEY =
  /(?<![\p{L}\p{N}_.-])(?:(?:full|display|first|last|given|family|middle|customer|contact|holder|card)[_ -]?name|name|first|last|firstname|lastname|surname|owner|assignee|holder|cardholder|card_holder|account_holder)["']?\s*[:=]\s*["']?|(?<![\p{L}])(?:cardholder|card holder|account holder)\s(?=\p{Lu})/giu;
/** The value: words of capitals or of a script without case, name particles, and "SURNAME, GIVEN" or "SURNAME/GIVEN". */
const KEYED_WORD = "(?:\\p{Lu}[\\p{L}\\p{M}'’-]*|[\\p{Lo}\\p{M}]+)";
const KEYED_VALUE = new RegExp(
  `^(?:${KEYED_WORD}(?:, |\\/)${KEYED_WORD}(?: ${KEYED_WORD})?(?![\\p{L}\\p{M}])|${KEYED_WORD}(?:[ \\u3000](?:(?:van|von|de|der|den|da|das|do|dos|di|del|della|la|le|du|bin|binti|al|el|ter|ten)\\s)?(?:${KEYED_WORD}|\\p{Lu}\\.)){0,4})`,
  "u",
);
/** Words that keep a keyed value from being a person: a product, a job, a street, a place or anything everyday. */
const NOT_IN_KEYED_NAME = Gaz.techTerm | Gaz.orgWord | Gaz.street | Gaz.title | Gaz.time | Gaz.nationality | Gaz.country;

/**
 * The value of a name key in a record or log line is a person when its words are names or words
 * no list knows (`"name": "Standing Desk Frame"` and `name: build` are not): a key names the field,
 * not the value, so the value must still look like a name.
 */
function addKeyedNames(piece: string, model: Tagger, out: Candidate[]): void {
  NAME_KEY.lastIndex = 0;
  for (let m = NAME_KEY.exec(piece); m; m = NAME_KEY.exec(piece)) {
    const at = m.index + m[0].length;
    const value = KEYED_VALUE.exec(piece.slice(at, at + 80))?.[0].replace(/[,/'’]+$/, "");
    // A type or identifier in code ("name: TName;", "userId") is not a name.
    if (!value || value.length < 2 || /\p{Ll}\p{Lu}|\p{Lu}\p{Lu}\p{Ll}/u.test(value) || piece[at + value.length] === ";") continue;
    const words = value.split(/[ \u3000,/]+/).filter((w) => w && !/^\p{Lu}\.$/u.test(w));
    let name = 0;
    let everyday = 0;
    let refused = false;
    for (const word of words) {
      if (/^\p{Ll}/u.test(word)) continue;
      const flags = flagsOfWord(word, model);
      if (flags & NOT_IN_KEYED_NAME) refused = true;
      else if (flags & KNOWN_WORD && !(flags & Gaz.first)) everyday++;
      // A word no list knows counts: the key already says a name stands here.
      else if (flags & GIVEN_OR_FAMILY || !(flags & KNOWN_WORD) || nameLikeness(word) >= 0) name++;
    }
    // One everyday word beside a name is a name's word ("Mere Takerei"); alone, or beside no name, it is not.
    if (refused || name === 0 || everyday > 1 || (everyday === 1 && words.length < 2)) continue;
    // One cased word no name list holds is as often an identifier of code or configuration ("name: Kubelet").
    if (words.length === 1 && !/^[\p{Lo}\p{M}]+$/u.test(words[0] ?? "") && !(flagsOfWord(words[0] ?? "", model) & GIVEN_OR_FAMILY)) continue;
    const start = at;
    const end = at + value.length;
    const wider = out.find((c) => c.kind === "person" && c.start <= start && c.end >= end);
    // The tagger's span over the same words is backed by the key (in German text a capital alone backs nothing).
    if (wider) {
      if (wider.start === start && wider.end === end) wider.backed = true;
      continue;
    }
    replaceOverlapping(out, ruleSpan("person", start, end));
  }
}

const GIVEN_OR_FAMILY = Gaz.first | Gaz.last;
/** Words that also mean something else in some language, or name a place, a month, a nationality or a product. */
const NOT_ONLY_A_NAME = Gaz.common | Gaz.dictionary | Gaz.techTerm | Gaz.time | Gaz.nationality | Gaz.country | Gaz.orgWord | Gaz.street | Gaz.title;

/** Lists whose words never speak as a person: months and days, nationalities, countries, titles, tools ("Jenkins said the build failed"). */
const SPEAKER_NOT = Gaz.time | Gaz.nationality | Gaz.country | Gaz.title | Gaz.techTerm;
const speaksAfter = (after: string) => SPOKE_AFTER.test(after) && !SPOKE_OF_IT.test(after);

/** Runs of capitalised given and family names that mean nothing else, with initials between (see addKnownNames). */
function knownNameRuns(piece: string, model: Tagger, nounCase: () => boolean): Array<{ start: number; end: number; words: number }> {
  const runs: Array<{ start: number; end: number; words: number }> = [];
  let german: boolean | undefined;
  const t = tokenize(piece);
  for (let i = 0; i < t.count; i++) {
    const shape = t.shape[i];
    if (shape !== Shape.Capitalised && shape !== Shape.AllCaps) continue;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (!(flags & GIVEN_OR_FAMILY)) continue;
    // A family name that is also a word ("Weber", "Richter", "Stein") is the person when a verb of
    // speech follows it ("Weber sagte", "Stein said"); not when it speaks of "it" (an institution).
    // So is a listed name right after one, where news puts the speaker ("…, sagte Wolf am Montag").
    if (
      flags & NOT_ONLY_A_NAME &&
      (flags & SPEAKER_NOT ||
        !(
          (flags & Gaz.last && speaksAfter(piece.slice(t.ends[i] ?? 0, (t.ends[i] ?? 0) + 28))) ||
          (shape === Shape.Capitalised && SPEECH_BEFORE.test(piece.slice(Math.max(0, (t.starts[i] ?? 0) - 16), t.starts[i] ?? 0)))
        ))
    )
      continue;
    const length = (t.ends[i] ?? 0) - (t.starts[i] ?? 0);
    // Short upper-case words are acronyms ("IBAN", "IVA") unless a name follows ("OLEG BARANOV").
    const short = shape === Shape.AllCaps && length < 5;
    if (length < 3) continue;
    const start = t.starts[i] ?? 0;
    let end = t.ends[i] ?? 0;
    let words = 1;
    // A following capitalised word joins the name ("Gareth Pryce"), and an initial before one ("KIMBERLY A HOLLOWAY").
    for (;;) {
      let k = i + 1;
      if (k < t.count && t.shape[k] === Shape.SingleCap && piece.slice(end, t.starts[k]) === " ") k++;
      if (k >= t.count || (t.shape[k] !== Shape.Capitalised && t.shape[k] !== Shape.AllCaps)) break;
      if (!/^\.?\s$/.test(piece.slice(t.ends[k - 1] ?? 0, t.starts[k]))) break;
      const next = model.gazetteer.flags(t.word[k] ?? 0);
      if (next & NOT_ONLY_A_NAME && !(next & GIVEN_OR_FAMILY)) break;
      i = k;
      end = t.ends[i] ?? 0;
      words++;
    }
    // A word and one capital is a label ("Feld B", "Hall C"), as in phraseShaped.
    if (words === 1 && /^ \p{Lu}(?![\p{L}.])/u.test(piece.slice(end, end + 3))) continue;
    if (words === 1 && germanNounThere(piece, start, end, flags)) {
      german ??= nounCase();
      if (german) continue;
    }
    if (!short || words > 1) runs.push({ start, end, words });
  }
  return runs;
}

/**
 * Capitalised words that name people and mean nothing else ("Gareth", "Henrik", "Nkurunziza"),
 * where the tagger left them outside: a run of them (with initials and name particles) is a
 * person. The tagger's own spans win over one word; a whole name of several words replaces the
 * pieces the tagger found inside it.
 */
function addKnownNames(piece: string, runs: ReadonlyArray<{ start: number; end: number; words: number }>, out: Candidate[]): void {
  for (const { start, end, words } of runs) {
    // A kin word alone is what a family calls someone ("mit Oma nach Hause"), not a name.
    if (words === 1 && KIN_ALONE.test(piece.slice(start, end))) continue;
    // A name of several words opening a span of another kind ("Priya Raghunathan of Bellhaven
    // Securities" read as one organisation) takes its words; what follows "of" keeps its kind.
    for (let k = out.length - 1; k >= 0; k--) {
      const c = out[k] as Candidate;
      if (words < 2 || c.kind === "person" || c.start < start || c.start >= end || c.end <= end) continue;
      const connector = /^[\s,]*(?:(?:of|at|from|for|de|du|von|bei|di|da)\s+)?/u.exec(piece.slice(end, c.end))?.[0] ?? "";
      if (/^\p{Lu}/u.test(piece.slice(end + connector.length, c.end))) out[k] = { ...c, start: end + connector.length };
      else out.splice(k, 1);
    }
    const overlapping = out.filter((c) => c.start < end && start < c.end);
    if (overlapping.length && (words < 2 || overlapping.some((c) => c.start < start || c.end > end))) continue;
    for (const c of overlapping) out.splice(out.indexOf(c), 1);
    out.push(ruleSpan("person", start, end));
  }
}

/**
 * Entity spans of one piece the tagger is sure enough of, offsets relative to the piece. A span
 * with evidence beyond its context (`backed`) is kept; one without is kept when the tagger leads
 * "outside" by the margin its place needs (more where a sentence opens, since every word is
 * capitalised there), unless it is an everyday word of some language or a field label.
 */
export function tagPiece(piece: string, model: Tagger = tagger(), confidence = CONFIDENCE): PieceSpans {
  const out: NameSpan[] = [];
  // The piece's tokens are made once: the cues, the tagger and the checks after it all read them.
  const cues = readCues(piece, pinTokens(piece), model);
  const rejected: Candidate[] = [];
  const unsure: Candidate[] = [];
  // One German function word makes a piece German: its capitals say nothing about names (a piece is one sentence).
  for (const c of candidates(piece, model, cues.german >= 1)) {
    if (confident(c, confidence)) out.push({ kind: c.kind, start: c.start, end: c.end });
    else {
      if (c.kind === "person") rejected.push(c);
      unsure.push(c);
    }
  }
  joinNameParts(piece, out, rejected);
  addCoordinatedCandidates(piece, out, unsure, model);
  addGivenThenSurname(piece, out, model);
  completePersons(piece, out, model);
  addCuedNames(piece, out, model, cues);
  addCjkNames(piece, out, model);
  addIntroducedNames(piece, out);
  addLatinIntroducedNames(piece, out, model);
  addScriptCuedNames(piece, out);
  addUncasedGreetedNames(piece, out);
  addArabicNames(piece, out, model);
  addIndicNames(piece, out);
  addHebrewNames(piece, out);
  addMentionsAndLists(piece, out, model);
  addCoordinatedNames(piece, out, model);
  addSignatureName(piece, out, model);
  addNicknamedNames(piece, out, model);
  addHandleNames(piece, out, model);
  addInvertedSpeakers(piece, out, model);
  addAgedNames(piece, out, model);
  // People the form around them names (form-names.ts) replace what was read there, and are kept on
  // any line: the technical gate would read "sem.bos" or "Tremblay 2; Ashworth" as code.
  for (const [start, end] of [...slashTitledNames(piece), ...scorerNames(piece, model), ...userNames(piece, model), ...taskListNames(piece, model)]) {
    replaceOverlapping(out, { kind: "person", start, end, speaker: true });
  }
  addCjkPlaces(piece, out, model);
  // A holiday after a greeting word ("Buona Pasqua") whatever rule found it; a comma never stands in a CJK name ("安全,高效").
  // A span of an Indic script the tagger ended before a word's vowel signs takes them ("निरौल" → "निरौला"); one it
  // ended inside a word ends at the word before ("अमित कुमार दिल्ल" → "अमित कुमार").
  for (const s of out) {
    // A greeting the tagger took into a name is the message's, not the name's ("Merhaba Oğuz").
    const greeting = /^(\p{L}+),?\s+(?=\p{Lu})/u.exec(piece.slice(s.start, s.end));
    // Not after a word of the sentence: there it is a given name ("Takk til … og Ola Nordby").
    if (
      s.kind === "person" &&
      greeting &&
      SALUTATION_WORDS.has((greeting[1] ?? "").toLowerCase()) &&
      !LOWER_WORD_RIGHT_BEFORE.test(piece.slice(Math.max(0, s.start - 24), s.start))
    )
      s.start += greeting[0].length;
    // So is the writer's "I'm" or "It's" before a name ("I'm Sam", "It's Tyler"); what is left must stand on its own.
    const introduction = /^(?:I['’]m|It['’]s|I am|It is|This is|That['’]s)\s+/u.exec(piece.slice(s.start, s.end));
    if (s.kind === "person" && introduction) {
      s.start += introduction[0].length;
      // An everyday word alone after it is the weather or the season ("It's Summer time").
      const rest = piece.slice(s.start, s.end);
      if (!SPACE.test(rest) && flagsOf(rest, model) & Gaz.common) s.end = s.start;
    }
    while (INDIC_OR_MARK.test(piece[s.end - 1] ?? "") && MARK.test(piece[s.end] ?? "")) s.end++;
    if (INDIC_OR_MARK.test(piece[s.end - 1] ?? "") && INDIC_OR_MARK.test(piece[s.end] ?? ""))
      s.end = Math.max(s.start, piece.lastIndexOf(" ", s.end));
  }

  // Whatever rule grew it, a span of a script without case that the checks below keep holds no
  // function word: only its parts between them stay (one the checks drop whole stays dropped).
  const kept = out.filter(
    (s) =>
      !GREETING_BEFORE.test(piece.slice(Math.max(0, s.start - 12), s.start)) &&
      !SINGLE_LETTER.test(piece.slice(s.start, s.end)) &&
      !salutationOpening(piece, s.start, s.end) &&
      !(s.kind !== "address" && ROOM_BEFORE.test(piece.slice(Math.max(0, s.start - 8), s.start))) &&
      !(s.kind === "person" && vietnameseWord(piece, s.start, s.end)) &&
      !(s.kind === "person" && CJK_LIST.test(piece.slice(s.start, s.end))) &&
      // Whatever rule grew it: a span across CJK sentence punctuation or holding a particle or a Hindi function word is a clause.
      !(s.kind === "person" && articleBefore(piece, s.start) && articleNoun(piece.slice(s.start, s.end), model)) &&
      !KATAKANA_WORD_PARTICLE.test(piece.slice(s.start, s.end)) &&
      // German: one word after an article or determiner (and an adjective) is a noun ("das Laub", "einem trockenen Tuch"); a person takes none.
      !(
        cues.german >= 1 &&
        !SPACE.test(piece.slice(s.start, s.end)) &&
        // A noun is never written in capitals ("Die SPD nominierte").
        !ALL_CAPS_WORD.test(piece.slice(s.start, s.end)) &&
        GERMAN_DETERMINER_BEFORE.test(piece.slice(Math.max(0, s.start - 40), s.start)) &&
        !(s.kind === "person" && KIN_BEFORE.test(piece.slice(Math.max(0, s.start - 16), s.start)))
      ) &&
      // German: a phrase of nouns joined by an article or preposition ("Erhalt der Ware", "der Regel", "Im Herbst").
      !(cues.german >= 1 && s.kind !== "address" && germanPhrase(piece.slice(s.start, s.end), model)) &&
      // A Hindi pronoun is no part of a name ("कल हम बाज़ार जाएँगे").
      !(s.kind === "person" && holdsWordOf(piece.slice(s.start, s.end), HINDI_PRONOUNS)) &&
      // A pronoun of polite address written with a capital is no name ("Pesanan Anda", "Apakah Anda", "Usted").
      !(s.kind !== "address" && holdsWordOf(piece.slice(s.start, s.end), POLITE_PRONOUNS)) &&
      // What a number and its unit measure ("250 g Mehl"), or a span opening on the unit's letter ("180 °C. Batir").
      !(s.kind !== "address" && (afterMeasure(piece, s.start) || piece[s.start - 1] === "°")) &&
      !magnitudeAfterNumber(piece, s.start, piece.slice(s.start, s.end)) &&
      // Scripts that put spaces between words: a span that starts inside a word, or is left empty, is a fragment ("अधि" of "अधिकतम").
      s.end > s.start &&
      !startsInsideIndicWord(piece, s.start) &&
      // A Chinese name is two to four Han (a double family name and two more); five or more in text without kana is a clause.
      !(s.kind === "person" && LONG_HAN.test(piece.slice(s.start, s.end)) && !KANA_IN.test(piece)) &&
      !statusLabel(piece, s.start, s.end, model) &&
      !(s.kind === "person" && addressesAGroup(piece.slice(s.start, s.end))) &&
      !(s.kind === "person" && koreanWordAlone(piece, s.start, s.end, model)) &&
      // A code of capitals after its label ("booking reference is UZSNYB", "PNR: XKQPLM") is a reference, not a name.
      !(CODE_OF_CAPITALS.test(piece.slice(s.start, s.end)) && CODE_LABEL_BEFORE.test(piece.slice(Math.max(0, s.start - 40), s.start))) &&
      // Everyday words of the sentence's language where a sentence opens or written small ("Kan ni uppdatera", "Como faço",
      // "olen"), unless they speak ("Will said") or a cue names them ("hey sam,"). A capital inside a sentence is a name's
      // ("sono Li e", "con Bueno ayer", "dass Mann recht hat").
      !(
        ((OPENING_BEFORE.test(piece.slice(Math.max(0, s.start - 8), s.start)) &&
          !TITLE_BEFORE.test(piece.slice(Math.max(0, s.start - 12), s.start))) ||
          /^\p{Ll}/u.test(piece.slice(s.start, s.end))) &&
        everydayWordsOfTheirLanguage(piece, s.start, s.end, (w) => (flagsOf(w, model) & Gaz.first) !== 0) &&
        !speaksAfter(piece.slice(s.end, s.end + 28)) &&
        !cues.words.some((w) => w.start === s.start)
      ),
  );
  return withoutOverlaps(
    kept.flatMap((s) =>
      s.kind === "address" ? [s] : betweenFunctionWords(piece, s.start, s.end, s.kind).map(([start, end]) => ({ ...s, start, end })),
    ),
  );
}

/** A span a rule found (not the tagger): backed by its evidence, no margin to weigh. */
function ruleSpan(kind: EntityKind, start: number, end: number): Candidate {
  return { kind, start, end, margin: 0, backed: true, wordy: false, opening: false, label: false, nameShape: 0 };
}

/** Where a sentence opens: nothing but punctuation before, or a sentence's end or a label's colon. */
const OPENING_BEFORE = /(?:^|[.!?…:;])["'”’)\]]*\s*[«"“'‘(¿¡]*$/u;
/** One word of four to ten capitals and digits: a booking code, a voucher, a locator. */
const CODE_OF_CAPITALS = /^[\p{Lu}\d]{4,10}$/u;
/** A code's label right before it, in the languages of the lists ("reference is", "PNR:", "Buchungscode", "localizador"). */
const CODE_LABEL_BEFORE =
  /(?:reference|ref|code|pnr|locator|confirmation|booking|voucher|coupon|promo|ticket|referenz|buchungscode|buchungsnummer|gutscheincode|référence|réservation|localizador|código|codice|prenotazione|referentie|boekingscode|bokningsnummer|bookingnummer|rezervasyon kodu|kod|kodu|kode|koodi|varaustunnus)(?:\s+(?:is|ist|est|es|è|är|er|on|je|jest))?\s*[:#]?\s*$/iu;

/**
 * Words that label a message's kind ("Error:", "Feil:", "Hiba:", "Uwaga:"), in the languages of the
 * lists: before a colon where a line opens they are no speaker, unless a listed given name ("Hiba").
 */
const STATUS_LABELS = new Set(
  (
    "error warning note tip hint info notice caution attention success failure " +
    "fehler warnung hinweis achtung tipp erfolg erreur avertissement remarque astuce succès " +
    "advertencia nota aviso consejo éxito errore avviso attenzione suggerimento erro dica atenção sucesso " +
    "fout waarschuwing opmerking fel varning obs tips feil fejl advarsel merk bemærk virhe varoitus huomautus vinkki " +
    "błąd ostrzeżenie uwaga wskazówka chyba varování upozornění poznámka hiba figyelmeztetés figyelem megjegyzés " +
    "eroare avertisment atenție notă hata uyarı ipucu dikkat ошибка предупреждение внимание примечание совет " +
    "помилка попередження увага порада σφάλμα προειδοποίηση σημείωση galat kesalahan ralat peringatan catatan perhatian " +
    "babala paalala hitilafu kosa onyo tahadhari kumbuka lỗi"
  ).split(" "),
);
const LINE_OPENS = /(?:^|\n)[\s>*•-]*$/u;
function statusLabel(piece: string, start: number, end: number, model: Tagger): boolean {
  if (piece[end] !== ":" || !LINE_OPENS.test(piece.slice(Math.max(0, start - 8), start))) return false;
  const value = piece.slice(start, end);
  return STATUS_LABELS.has(value.toLowerCase()) && !(flagsOf(value, model) & Gaz.first);
}

/** Articles and contractions that open a German noun phrase, written small inside a sentence. */
const GERMAN_PHRASE_OPENING = new Set("der die das den dem des im am zum zur beim vom ins Im Am Zum Zur Beim Vom Ins".split(" "));
/** Small words that join German nouns into a phrase ("Erhalt der Ware", "Wasser und Entkalker", "Monate ab Lieferdatum"). */
const GERMAN_PHRASE_INNER = new Set("der die das den dem des im am zum zur beim vom und oder ab bei mit nach auf hat ist sind wird".split(" "));
/** The last part of a German institution's name, which such phrases do name ("Bundesamt für Migration und Flüchtlinge"). */
const GERMAN_INSTITUTION_END =
  /(?:amt|ämter|rat|verband|verein|bank|gesellschaft|institut|schule|universität|hochschule|stiftung|ministerium|gericht|behörde|partei|agentur|zentrum|werke?|gruppe|kammer|kasse|GmbH|AG|KG|e\.V\.)$/u;

/**
 * In German text: a span that opens on an article or a contraction, or joins capitalised words
 * with one, is a phrase of nouns, unless a given or family name, a place or an institution's last
 * part is in it ("Hans und Grete", "an den Becker", "Köln und Frankfurt", "Zentralrat der Juden").
 */
function germanPhrase(value: string, model: Tagger): boolean {
  const words = value.split(/\s+/u);
  if (words.length < 2) return false;
  const opening = GERMAN_PHRASE_OPENING.has(words[0] ?? "");
  if (!opening && !words.slice(1, -1).some((w) => GERMAN_PHRASE_INNER.has(w))) return false;
  return !words.some((word) => {
    const w = word.replace(/[.,;:]+$/u, "");
    if (GERMAN_PHRASE_INNER.has(w) || GERMAN_PHRASE_OPENING.has(w)) return false;
    // People in capitals ("GRÜNDLER und WEISS"), given or family names ("Finn, Mia und Paul",
    // "Müller und Schmidt": red team 22b; a noun that is also a surname keeps its phrase too,
    // "Knoblauch und Muskat": a leak costs more), an institution, a place no dictionary holds
    // ("zwischen Köln und Frankfurt", "Frankfurt am Main").
    const flags = flagsOfWord(w, model);
    return (
      ALL_CAPS_WORD.test(w) ||
      GERMAN_INSTITUTION_END.test(w) ||
      (flags & (Gaz.first | Gaz.last | Gaz.orgName)) !== 0 ||
      ((flags & PLACE_FLAGS) !== 0 && ((flags & Gaz.dictionary) === 0 || nameLikeness(w) > 0))
    );
  });
}

/**
 * A word the tagger also read as a person, right beside a person kept (one space between), is the
 * rest of that name even when it is an everyday word alone ("Declan Furlong", "Yuki Ishikawa").
 */
function joinNameParts(piece: string, out: Array<{ kind: EntityKind; start: number; end: number }>, rejected: ReadonlyArray<Candidate>): void {
  if (rejected.length === 0) return;
  for (const span of out) {
    if (span.kind !== "person") continue;
    for (const r of rejected) {
      if (r.end + 1 === span.start && piece[r.end] === " ") span.start = r.start;
      else if (span.end + 1 === r.start && piece[span.end] === " ") span.end = r.end;
    }
  }
}

/** A word for "and" between two names ("Pardoe and Whitlock"). */
const AND_WORD = "(?:and|&|und|et|y|e|i|och|og|en|és|ja|ir|и)";
/** What joins two people beside each other: "and", "or", "nor", "plus", "as well as", "along with", "/". */
const AND_JOINT = new RegExp(`^(?: (?:${AND_WORD}|or|nor|plus|as well as|along with|oder|ou|o) |\\s?/\\s?)$`, "u");
/** The rest of a list after a name: more names, then "and" and a last one (", Watanabe and Okafor"). */
const LIST_GOES_ON = new RegExp(`^(?:, \\p{Lu}[\\p{L}\\p{M}'’-]*)* ${AND_WORD} \\p{Lu}`, "u");

/**
 * A capitalised word the tagger read as a name but was not sure enough of is a person when it
 * stands in a list with a person kept ("Pardoe and Whitlock steadied", "Liang, Watanabe and Okafor
 * were"): the list says what kind of thing it is. Not a candidate a gate holds, a field label, or
 * one of a text where every noun has a capital.
 */
function addCoordinatedCandidates(
  piece: string,
  out: Array<{ kind: EntityKind; start: number; end: number }>,
  unsure: ReadonlyArray<Candidate>,
  model: Tagger,
): void {
  if (unsure.length === 0) return;
  const left = unsure.filter((c) => !c.gated && !c.label && !c.nounCase);
  for (let added = true; added && left.length > 0; ) {
    added = false;
    for (let i = left.length - 1; i >= 0; i--) {
      const c = left[i] as Candidate;
      const beside = out.some(
        (p) =>
          p.kind === "person" &&
          // After the person, an everyday word ends a firm's name ("Garcia y Hijos", "Petrov i Partneri").
          ((p.end <= c.start && c.start - p.end <= 12 && !c.wordy && !c.everyday && AND_JOINT.test(piece.slice(p.end, c.start))) ||
            (c.end <= p.start &&
              p.start - c.end <= 12 &&
              (AND_JOINT.test(piece.slice(c.end, p.start)) ||
                // A comma joins only inside a list that ends on "and": "Привіт, Андрій!" and "Groetjes, Lotte" are a greeting and a closing.
                (piece.slice(c.end, p.start) === ", " && LIST_GOES_ON.test(piece.slice(p.end, p.end + 64)))))),
      );
      if (!beside || !coordinatedName(piece, c, model) || out.some((p) => p.start < c.end && c.start < p.end)) continue;
      out.push({ kind: "person", start: c.start, end: c.end });
      left.splice(i, 1);
      added = true;
    }
  }
}

/**
 * A candidate that can be a name of a list: capitalised, one word or two no language uses as
 * everyday words ("Park Ji-ho"; not a clause the tagger ran on), and no brand of English words or
 * software ("Marks and Spencer", "Salt and Pepper").
 */
function coordinatedName(piece: string, c: Candidate, model: Tagger): boolean {
  const value = piece.slice(c.start, c.end);
  const words = value.split(" ").length;
  return (
    CAPITALISED_START.test(value) &&
    (words === 1 || (words === 2 && !c.wordy)) &&
    !(flagsOfWord(value.toLowerCase(), model) & (Gaz.common | Gaz.techTerm))
  );
}
const CAPITALISED_START = /^\p{Lu}/u;

/** One letter alone ("Room B", "Annex C") is a label, never an entity; an initial counts only beside a name. */
const SINGLE_LETTER = /^\p{Lu}\.?$/u;
const CJK_LIST = /[\p{sc=Han}\p{sc=Hangul}\p{sc=Hiragana}\p{sc=Katakana}]\s?[,，、]/u;

/** Spans in order, where two overlap the longer kept (a person on a tie). */
function withoutOverlaps(spans: Array<{ kind: EntityKind; start: number; end: number }>): PieceSpans {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Array<{ kind: EntityKind; start: number; end: number }> = [];
  for (const s of sorted) {
    const last = kept[kept.length - 1];
    if (!last || s.start >= last.end) kept.push(s);
    else if (s.end - s.start > last.end - last.start || (s.end - s.start === last.end - last.start && s.kind === "person")) kept[kept.length - 1] = s;
  }
  return kept;
}

export function confident(c: Candidate, confidence = CONFIDENCE): boolean {
  if (c.gated) return false;
  if (c.backed) return c.margin >= confidence.backed;
  if (
    c.midProse &&
    !c.label &&
    // A word only frequency lists hold (they hold surnames: "Feinberg", "Devlin") after a word that puts a person
    // after it ("say Feinberg is", "that Devlin transferred") is the person wherever the tagger leads at all.
    (c.wordy
      ? c.frequentOnly && c.margin >= (c.personCue && c.kind === "person" ? confidence.cuedFrequent : confidence.midFrequent)
      : c.personCue && c.kind === "person" && c.margin >= confidence.midProse)
  )
    return true;
  // A speaker after a verb of speech, in any language and whatever else the word means.
  if (c.spokenBy) return c.margin >= confidence.givenCued;
  // A listed given name that speaks or is addressed is the person whatever else the word means, in
  // German text too ("Mia, kannst du…").
  if (c.givenCued && c.kind === "person" && !c.wordy && !c.label) return c.margin >= confidence.givenCued;
  if (c.wordy || c.label || c.nounCase) return false;
  // Opening a sentence, where every word has a capital, a word of some language is that word.
  if (c.opening && c.everyday) return false;
  // One word no list knows must also look like a name, more so where a sentence opens.
  if (c.nameShape < (c.opening ? (c.plainWord ? confidence.openingWordShape : confidence.openingShape) : confidence.shape)) return false;
  return c.margin >= (c.opening ? confidence.opening : confidence.bare);
}

/** Letters with case (an upper-case one) or letters of a script without case. */
const NAME_LIKE = /[\p{Lu}\p{Lt}\p{Lo}]/u;
const SPACE = /\s/;

/**
 * Appends entity findings of the wanted categories; returns the characters handed to the tagger.
 * Pieces found in the cache cost nothing and do not count: the budget bounds the tagger's CPU time.
 */
export function detectEntities(text: string, out: RawFinding[], options: EntityOptions): number {
  if (options.categories.size === 0 || !LETTER.test(text)) return 0;
  // Text in HTML is read as a browser shows it (markup.ts); findings map back to the text sent.
  const shown = markupShown(text);
  if (shown === null) return entitiesOf(text, out, options);
  let structured = options.structured;
  if (structured?.length) {
    const shownAt = shownOffsets(shown, text.length);
    structured = structured.map((f) => ({ start: shownAt[f.start] ?? 0, end: shownAt[f.end] ?? 0 }));
  }
  const found: RawFinding[] = [];
  const used = entitiesOf(shown.text, found, structured ? { ...options, structured } : options);
  for (const f of found) for (const [start, end] of sentSpans(shown, f.start, f.end)) out.push({ ...f, start, end });
  return used;
}

function entitiesOf(text: string, out: RawFinding[], options: EntityOptions): number {
  const prefix = options.cacheScope === undefined ? null : hashFeed(hashStart(), options.cacheScope);
  let used = 0;
  const found: NameSpan[] = [];
  for (const [s, e] of pieces(text)) {
    const piece = text.slice(s, e);
    // One lower-case token ("gpt-4o", "image/png", "claude-sonnet-4") is an identifier, not a name.
    // A mention is a user's name whatever its case ("@m.kowalska", "cc:@maria-k").
    if (!LETTER.test(piece) || (!SPACE.test(piece.trim()) && !NAME_LIKE.test(piece) && !piece.includes("@"))) continue;
    const key = prefix === null ? null : hashKey(hashFeed(prefix, piece), piece.length);
    let spans = key === null ? undefined : recall(key);
    if (!spans) {
      used += piece.length;
      if (used > options.maxChars) throw new EntityBudgetExceeded();
      const recased = recasedCapitals(piece);
      const titled = recased === null ? recasedTitles(piece) : null;
      spans = recased !== null ? capitalsSpans(piece, recased) : titled !== null ? titleSpans(piece, titled) : tagPiece(piece);
      if (key !== null) remember(key, spans);
    }
    for (const span of spans) found.push({ ...span, start: s + span.start, end: s + span.end });
  }
  addDatelines(text, found);
  if (options.categories.has("organization")) addKnownOrganisations(text, found);
  if (options.categories.has("person")) {
    addChatSpeakers(text, found, tagger(), technicalLine);
    addClosingNames(text, found, tagger());
    addEchoedNames(text, found, tagger());
    addOtherMentions(text, found, tagger());
    addTableNames(text, found, tagger());
    // Read over the whole text: a record's element number and its travel words may stand in other pieces.
    for (const [start, end] of passengerNames(text, tagger())) replaceOverlapping(found, { kind: "person", start, end, speaker: true });
  }
  if (options.categories.has("address")) addressLines(text, found, tagger());
  for (const { kind, start, end } of gateTechnical(
    text,
    mergeAddresses(text, found, tagger(), options.structured ?? []),
    tagger(),
    options.structured,
  )) {
    if (!options.categories.has(kind)) continue;
    out.push({ category: kind, start, end, detector: "ner", key: text.slice(start, end).toLowerCase() });
  }
  return used;
}

/**
 * A news-wire dateline opening a line: a city in capitals, maybe a date, the agency in brackets, a
 * dash ("NAIROBI, March 3 (Reuters) -", "MADRID, 3 abr. (EFE).-", "МОСКВА, 5 мая (ТАСС) -"). The
 * city is a place and the agency an organisation, whatever the tagger read there.
 */
// The city's words join by a blank or a dash that no word holds: one way to read a run ("A-A-A-…"
// took seconds when a dash could be a word's or a joint's).
const DATELINE =
  /(?<=^|\n)[ \t]*(\p{Lu}[\p{Lu}\p{M}'’.]*(?:[ -]\p{Lu}[\p{Lu}\p{M}'’.]*){0,3})(?:[ \t]*[,/][ \t]*([^()\n]{1,24}?))?[ \t]*\((\p{L}[\p{L}\p{M}\p{N}&.-]*(?: \p{L}[\p{L}\p{M}\p{N}&.-]*){0,2})\)[ \t]*\.?[ \t]*[-–—]/gu;
/** A day of the month standing alone in a dateline's date ("3 abr.", "March 3"; not "UTF-8"). */
const DAY_OF_MONTH = /(?<![\p{L}\p{N}-])\d{1,2}(?![\p{N}-])/u;

function addDatelines(text: string, found: NameSpan[]): void {
  if (!text.includes("(")) return;
  const model = tagger();
  DATELINE.lastIndex = 0;
  for (let m = DATELINE.exec(text); m; m = DATELINE.exec(text)) {
    const city = m[1] ?? "";
    const agency = m[3] ?? "";
    // A city the lists know (of four letters or more: "RAM" is a town too), or a day of the month after it: a glossary or help line has the same
    // shape ("SSO (SAML) -", "REDIS (Cache) -", "CSV, UTF-8 (Excel) -"), and so has a note ("NOTE (optional) -").
    const cityFlags = flagsOfWord((city.split(/[ -]/u)[0] ?? "").toLowerCase(), model);
    if (!(cityFlags & PLACE_FLAGS && city.length >= 4) && !DAY_OF_MONTH.test(m[2] ?? "")) continue;
    if (cityFlags & KNOWN_WORD && !(cityFlags & PLACE_FLAGS)) continue;
    if (!/\p{Lu}/u.test(agency) && agency.split(" ").every((w) => flagsOfWord(w, model) & KNOWN_WORD)) continue;
    const cityStart = m.index + m[0].indexOf(city);
    const agencyStart = m.index + m[0].lastIndexOf(`(${agency})`) + 1;
    replaceOverlapping(found, { kind: "location", start: cityStart, end: cityStart + city.length });
    replaceOverlapping(found, { kind: "organization", start: agencyStart, end: agencyStart + agency.length });
  }
}

/**
 * Organisations the list knows (known-orgs.ts): spans of the tagger inside one, and a person over
 * one, give way to it; a longer place, address or organisation over it stays.
 */
function addKnownOrganisations(text: string, found: Array<{ kind: EntityKind; start: number; end: number }>): void {
  for (const [start, end] of knownOrganisations(text)) {
    if (found.some((s) => s.start <= start && end <= s.end && s.kind !== "person")) continue;
    for (let i = found.length - 1; i >= 0; i--) {
      const s = found[i] as { kind: EntityKind; start: number; end: number };
      if (s.start >= start && s.end <= end) found.splice(i, 1);
      else if (s.kind === "person" && s.start <= start && end <= s.end) {
        // A person over the name: the tagger read on past it ("Galatasaray, Barış Alper Yılmaz",
        // "华为的"). What stands beside it, past a comma or space, stays a person if it holds a word.
        const after = /^[\s,;:–—-]*/.exec(text.slice(end, s.end))?.[0].length ?? 0;
        const before = /[\s,;:–—-]*$/.exec(text.slice(s.start, start))?.[0].length ?? 0;
        if (s.start === start && /\p{L}{2}/u.test(text.slice(end + after, s.end)) && after > 0) s.start = end + after;
        else if (s.end === end && /\p{L}{2}/u.test(text.slice(s.start, start - before)) && before > 0) s.end = start - before;
        else found.splice(i, 1);
      }
    }
    found.push({ kind: "organization", start, end });
  }
}

/**
 * "<street> <number>, <postcode> <city>" on one line, the form most of Europe writes ("Obchodná
 * 18, 811 06 Bratislava", "Laugavegur 58, 101 Reykjavík"): words, a house number, a postcode of
 * three to five digits (grouped or with a country letter) and a capitalised place.
 */
const ADDRESS_LINE =
  /(?<![\p{L}\p{N}])((?:\p{Lu}[\p{L}'’.-]*\s){0,3}\p{L}[\p{L}'’.-]+\.?\s\d{1,5}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)*(?:,\s*[^\n,:]{1,24}?)?,\s*(?:[A-Z]{1,2}-)?\d{2,5}(?:[ -]\d{2,3})?\s+)(\p{Lu}[\p{L}'’-]+(?:[ -]\p{Lu}[\p{L}'’-]+)?)/gu;

/** Appends the address lines whose city is a known place or whose street reads as one (a street word, a postal mark). */
function addressLines(text: string, found: Array<{ kind: EntityKind; start: number; end: number }>, model: Tagger): void {
  // A street read by its shape replaces the spans inside it; with an address the tagger found across
  // its edge it is one address over both ("Bağdat Cad. No: 72 D: 1" and "1, 16010 Bursa").
  for (const [street, streetEnd] of streetAddresses(text)) {
    let start = street;
    let end = streetEnd;
    for (let i = found.length - 1; i >= 0; i--) {
      const s = found[i] as { kind: EntityKind; start: number; end: number };
      if (s.kind !== "address" || s.start >= end || start >= s.end || (s.start >= start && s.end <= end)) continue;
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
      found.splice(i, 1);
    }
    for (let i = found.length - 1; i >= 0; i--) {
      const s = found[i] as { start: number; end: number };
      if (s.start >= start && s.end <= end) found.splice(i, 1);
    }
    found.push({ kind: "address", start, end });
  }
  if (!/\d[^\n]{0,40},\s*\S{0,3}\d/.test(text)) return;
  ADDRESS_LINE.lastIndex = 0;
  for (let m = ADDRESS_LINE.exec(text); m; m = ADDRESS_LINE.exec(text)) {
    const city = tokenize((m[2] ?? "").toLowerCase());
    const known = city.count > 0 && (model.gazetteer.flags(city.word[0] ?? 0) & (Gaz.city | Gaz.region | Gaz.country)) !== 0;
    const street = (m[1] ?? "").replace(/\s\d[\s\S]*$/, "");
    if (known || addressShaped(street, model)) found.push({ kind: "address", start: m.index, end: m.index + m[0].length });
  }
}

/** What may stand between the parts of one address: numbers and postcodes, unit and street words, separators. */
const ADDRESS_GAP_WORD =
  /^(?:\p{N}[\p{N}\p{L}]*|\p{Lu}{1,3}\p{N}[\p{N}\p{Lu}]*|\p{Lu}{1,3}|[#/,;()\-'’]|apt|app|appt|flat|unit|suite|ste|bus|box|bte|piso|depto|dpto|ap|apto|bl|bloc|sc|esc|et|etg|étage|bât|bat|pta|puerta|of|om|int|lok|m|no|nr|nº|n°|n|núm|num|daire|kat|d|kv|кв|д|стр|корп|floor|fl|stock|og|eg|dg|th|tv|mf|st|av|avda|c|cp|cep|cedex|bp|cs|postfach|apartado|of|sector|sektor|district|col|mz|lt|rt|rw|gate|blk|lot|km|ruta|via|rue|calle|rua|ul|os|al|pl|ulica|utca|tér|út|caddesi|cad|sk|sok|mah|mahallesi|bulvarı|bul|blvd|ave|rd|road|street|st|lane|ln|drive|dr|court|ct|way|the|de|del|de la|des|du|da|do|dos|das|di|della|van|der|den|am|an|im|zum|zur|of)$/iu;
const ADDRESS_GAP_MAX = 48;
/** A postcode of a common form or a house number: what makes words an address and not a list of places. */
const ADDRESS_NUMBER = /\p{N}/u;

/**
 * Joins neighbouring entity spans with the numbers, postcodes and unit words between and around
 * them into one address when the whole reads as one (a street word, postcode or address mark and a
 * number): the tagger often splits "27 rue Paul Bert, 69003 Lyon" into a name and a place, or
 * leaves the house number and postcode outside.
 */
export function mergeAddresses(
  text: string,
  spans: ReadonlyArray<{ kind: EntityKind; start: number; end: number }>,
  model: Tagger,
  structured: ReadonlyArray<{ start: number; end: number }> = [],
): Array<{ kind: EntityKind; start: number; end: number }> {
  if (spans.length === 0) return [];
  const taken = (from: number, to: number) => structured.some((f) => f.start < to && from < f.end);
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const result: Array<{ kind: EntityKind; start: number; end: number }> = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as { kind: EntityKind; start: number; end: number };
    let start = first.start;
    let end = first.end;
    let j = i + 1;
    // Grow over following spans while only address filler stands between.
    while (j < sorted.length) {
      const next = sorted[j] as { kind: EntityKind; start: number; end: number };
      // A person before an address is the addressee ("Aiden Whitecloud, PO Box 219"), not part of it.
      if (sorted[j - 1]?.kind === "person" && j - 1 === i && !/\d/.test(text.slice(growLeft(text, first.start, model), first.start))) break;
      // Two people side by side are a list of people ("Van der Berg; Ashworth"), never one address.
      if (next.kind === "person" && sorted[j - 1]?.kind === "person") break;
      // A letter's closing and its signer ("…8038 København.\nMvh Frederik") end the address before them.
      if (closingLineIn(text.slice(end, next.end)) >= 0) break;
      if (next.start - end > ADDRESS_GAP_MAX || !isAddressGap(text.slice(end, next.start), model) || taken(end, next.start)) break;
      end = next.end;
      j++;
    }
    let grownStart = growLeft(text, start, model);
    let grownEnd = growRight(text, end, model);
    if (taken(grownStart, start)) grownStart = start;
    if (taken(end, grownEnd)) grownEnd = end;
    const whole = text.slice(grownStart, grownEnd);
    const wasAddress = sorted.slice(i, j).some((x) => x.kind === "address");
    // Grown around one place or name, it needs a street word of its own ("27 rue Paul Bert"), not
    // just digits ("Chapter 3, 1998 Edition").
    const joined = j > i + 1 || wasAddress;
    // A name alone is never grown into an address ("RAYMOND OKAFOR, 1208 W 35TH ST": the addressee, then the street).
    if (j === i + 1 && first.kind === "person") {
      result.push(first);
      i = j;
      continue;
    }
    const grown = grownStart < start || grownEnd > end;
    if ((joined || (grown && streetWorded(whole, model))) && ADDRESS_NUMBER.test(whole) && addressShaped(whole, model)) {
      start = grownStart;
      end = grownEnd;
      result.push({ kind: "address", start, end });
    } else for (let k = i; k < j; k++) result.push(sorted[k] as { kind: EntityKind; start: number; end: number });
    i = j;
  }
  return result;
}

/** Whether every word of `gap` is address filler (at most one line break). */
function isAddressGap(gap: string, model: Tagger): boolean {
  if (gap.split("\n").length > 2) return false;
  const words = gap.split(/[\s]+/).filter(Boolean);
  for (const w of words) {
    // A label ("Adresse:", "Tel.:") starts another field.
    if (w.endsWith(":")) return false;
    const bare = w.replace(/^[,;(]+|[,;).]+$/g, "");
    if (bare === "" || ADDRESS_GAP_WORD.test(bare)) continue;
    const t = tokenize(bare.toLowerCase());
    if (t.count === 1 && model.gazetteer.flags(t.word[0] ?? 0) & Gaz.street) continue;
    return false;
  }
  return true;
}

/** Extends an address start over a house number, unit or street word before it on the same line. */
function growLeft(text: string, start: number, model: Tagger): number {
  for (;;) {
    // Only the 24 characters before are read: a search back to the line's start made a long line quadratic.
    const from = Math.max(0, start - 24);
    const lineStart = from + text.slice(from, start).lastIndexOf("\n") + 1;
    const before = text.slice(Math.max(lineStart, start - 24), start);
    const m = /(\S+)(\s*)$/u.exec(before);
    if (!m || (m[2] === "" && start > lineStart && !/[,(]/.test(m[1] ?? ""))) return start;
    const word = m[1] ?? "";
    if (!isAddressGap(word, model) || /^\p{Lu}{1,3}$/u.test(word.replace(/[,;:(]+$/, ""))) return start;
    // A label ends the address ("Adresse:", "Tel."): stop at a colon.
    if (word.endsWith(":")) return start;
    start -= m[0].length;
  }
}

/** Extends an address end over a postcode, number, state code or unit after it on the same line. */
function growRight(text: string, end: number, model: Tagger): number {
  for (;;) {
    const m = /^([\s,]*)([^\s,]+)/u.exec(text.slice(end, end + 24));
    if (!m || (m[1] ?? "").includes("\n")) return end;
    const word = (m[2] ?? "").replace(/[;:).]+$/, "");
    if (word === "" || !isAddressGap(word, model) || !/\p{N}|^\p{Lu}{1,3}$/u.test(word)) return end;
    end += (m[1] ?? "").length + word.length;
  }
}
