// Rules that complete the tagger's people where it stops short or stays silent: the rest of a
// name after the part it found ("Priya Raghunathan", "Thibault de Montclar", "IGOR FEDOROV",
// "سامي الحربي"), a given name at a cue (a greeting, "and" beside another person, a speaker, a
// possessive in chat), and names of Chinese, Japanese and Korean text by their honorifics and role
// words (the tagger reads a run of Han or Hangul as one token, so it cannot find them itself).
import { Gaz } from "../tagger/features.js";
import { nameLikeness } from "../tagger/name-shape.js";
import type { EntityKind, Tagger } from "../tagger/tagger.js";
import { Shape, type Tokens, lowerLikeTokens, lowerWordHash, wordHash } from "../tagger/tokens.js";
import { softwareAround } from "./clean-gates.js";
import { GERMAN_WORDS_ONLY } from "./german-words-data.js";
import { HTML_ELEMENT } from "./markup.js";

/** `speaker`: kept whatever the line looks like (a chat transcript's speaker, a name its form gives: form-names.ts). */
export type NameSpan = { kind: EntityKind; start: number; end: number; speaker?: boolean };

/** Gazetteer flags of a word (and of it without its combining marks: "أيضاً" is listed as "أيضا"). */
export function flagsOf(word: string, model: Tagger): number {
  const flags = model.gazetteer.flags(lowerWordHash(word));
  if (!MARK_OR_GREEK.test(word)) return flags;
  const lower = lowerLikeTokens(word);
  // Greek names are listed without their accent ("μαρια"); text writes it, precomposed ("Μαρία").
  const bare = (GREEK.test(lower) ? lower.normalize("NFD") : lower).replace(/\p{M}/gu, "");
  return bare === lower ? flags : flags | model.gazetteer.flags(wordHash(bare));
}
const GREEK = /\p{sc=Greek}/u;
/** Where a word's accents or marks may key it differently from its written form. */
const MARK_OR_GREEK = /[\p{M}\p{sc=Greek}]/u;

const NAMES = Gaz.first | Gaz.last;
/** Words that are never the next part of a name: everyday English, technical, time, organisation, street, title and nationality words. */
const NEVER_IN_NAME = Gaz.common | Gaz.techTerm | Gaz.time | Gaz.orgWord | Gaz.street | Gaz.title | Gaz.nationality | Gaz.country;
const KNOWN_WORD = Gaz.dictionary | Gaz.frequent | Gaz.common;
const PLACES = Gaz.city | Gaz.region | Gaz.country;

type WordCase = "capitalised" | "upper" | "uncased" | "lower" | "other";
function caseOf(word: string): WordCase {
  if (/^\p{Lu}[\p{Ll}\p{M}]/u.test(word) && !/\p{Ll}\p{Lu}/u.test(word.replace(/^(?:Mc|Mac|O['’]|D['’])/, ""))) return "capitalised";
  if (/^\p{Lu}[\p{Lu}\p{M}'’-]+$/u.test(word)) return "upper";
  if (/^\p{Lo}/u.test(word)) return "uncased";
  if (/^\p{Ll}/u.test(word)) return "lower";
  return "other";
}

/**
 * Whether `word` can continue a name written in `wanted` case: a known given or family name that
 * is not also an everyday word, or a word no list knows that does not look like a word of prose.
 */
function nameContinuation(word: string, wanted: WordCase, model: Tagger): boolean {
  if (caseOf(word) !== wanted || word.length < 2) return false;
  const flags = flagsOf(word, model);
  if (flags & NEVER_IN_NAME) return false;
  if (flags & NAMES) return true;
  if (flags & KNOWN_WORD) return false;
  // Scripts without case have no capital to go by: an unknown word right after a name is its next part.
  return wanted === "uncased" || nameLikeness(word) > -1.5;
}

/** Particles inside a name ("de", "van 't", "von und zu", "bin", "das"). */
const PARTICLES =
  /^(?:(?:van|von|de|der|den|da|das|do|dos|di|del|della|du|la|le|ter|ten|zu|und zu|bin|binti|ibn|bint|al|el|'t|’t|ben|abu|y|Van|Von|De|Da|Dos|Di|Del|Della|Du|Le|La|Ter|Ten|Bin|Ibn|Al|El|Ben|Abu)\s)+/u;
/** One letter and a dot, then a blank, punctuation or the end: an initial ("R.", "М.", "ع."). */
const INITIAL = /^(?:\p{Lu}|(?![\p{Ll}\p{Lt}])\p{L}\p{M}*)\.(?=[\s,;:)\]]|$)/u;
const SUFFIX = /^,?\s(?:Jr|Sr|II|III|IV|Jnr|Snr)\.?(?![\p{L}\p{N}])/u;
const NEXT_WORD = /^([ \u3000])([\p{L}\p{M}][\p{L}\p{M}'’-]*)/u;
const HYPHEN_PART = /^-(\p{Lu}[\p{L}\p{M}'’]+)/u;
const PREVIOUS_WORD = /(?:^|[\s("'“„«])([\p{L}\p{M}][\p{L}\p{M}'’-]*) $/u;

/** The last word of a span. */
function lastWord(value: string): string {
  const m = /[\p{L}\p{M}'’-]+\.?$/u.exec(value);
  return m?.[0] ?? "";
}

/**
 * Grows each person span over the rest of its name: a hyphenated part, particles and a further
 * name word in the same case (up to three words), a generational suffix, and a known given name
 * right before it. Leading role words the tagger took in ("Co-founder Inês") are dropped.
 */
export function completePersons(piece: string, spans: NameSpan[], model: Tagger): void {
  for (const span of spans) {
    if (span.kind !== "person") continue;
    trimRoleWords(piece, span, model);
    const wanted = caseOf(lastWord(piece.slice(span.start, span.end)));
    if (wanted === "other" || wanted === "lower") continue;
    for (let added = 0; added < 3; added++) {
      const rest = piece.slice(span.end, span.end + 64);
      const hyphen = HYPHEN_PART.exec(rest);
      if (hyphen && nameContinuation(hyphen[1] ?? "", "capitalised", model)) {
        span.end += hyphen[0].length;
        continue;
      }
      const particles = wanted === "capitalised" ? (PARTICLES.exec(rest.slice(1))?.[0] ?? "") : "";
      const next = NEXT_WORD.exec(particles ? ` ${rest.slice(1 + particles.length)}` : rest);
      // After a particle, a capitalised word is the family name even when it is also a word ("Charles de Gaulle",
      // "Erik ten Hag"), or its initial ("Kevin de W."); a place there is where the person is from (below).
      const afterParticle =
        particles !== "" && next !== null && caseOf(next[2] ?? "") === "capitalised" && !(flagsOf(next[2] ?? "", model) & NEVER_IN_NAME);
      if (particles && INITIAL.test(rest.slice(1 + particles.length))) {
        span.end += 1 + particles.length + 2;
        break;
      }
      if (!next || !(afterParticle || nameContinuation(next[2] ?? "", wanted, model))) break;
      // After a particle a place is where the person is from ("Pieter van der Veen van Zwolle").
      if (particles && flagsOf(next[2] ?? "", model) & PLACES && !(flagsOf(next[2] ?? "", model) & NAMES)) break;
      // A name stops where a longer institution or place read there opens ("Андрей Смирнов Московский государственный университет").
      const grown = span.end + particles.length + next[0].length;
      if (spans.some((o) => o.kind !== "person" && o.start >= span.end && o.start < grown && o.end > grown)) break;
      span.end = grown;
    }
    const suffix = SUFFIX.exec(piece.slice(span.end, span.end + 6));
    if (suffix) span.end += suffix[0].length;
    // A family name written as its initial, as court reports and forums do ("Marco R.", "Олега М.", "أحمد ع.").
    else if (INITIAL.test(piece.slice(span.end + 1, span.end + 6)) && piece[span.end] === " ") span.end += 3;
    const before = PREVIOUS_WORD.exec(piece.slice(Math.max(0, span.start - 40), span.start));
    const previous = before?.[1] ?? "";
    if (previous && caseOf(previous) === wanted && wanted !== "uncased") {
      const flags = flagsOf(previous, model);
      if (flags & Gaz.first && !(flags & NEVER_IN_NAME)) span.start -= previous.length + 1;
      // A given name that is also an English word, before a family name alone ("Precious Mwangi",
      // "Tone Brekke"): the person's given name, unless a word that speaks to or of someone ("Ask", "Call").
      else if (
        flags & Gaz.first &&
        !(flags & (NEVER_IN_NAME & ~Gaz.common)) &&
        !cueWord(previous) &&
        familyNameOpens(piece.slice(span.start, span.end), model)
      )
        span.start -= previous.length + 1;
      else if (
        wanted === "capitalised" &&
        givenInsideSentence(piece, span.start, previous, flags) &&
        // A word another span holds is that span's ("Petronas melantik Datuk").
        !spans.some((o) => o !== span && o.start < span.start && o.end > span.start - previous.length - 1)
      )
        span.start -= previous.length + 1;
      else if (wanted === "capitalised") growOverUnknownGiven(piece, span, model);
    } else if (wanted === "capitalised") growOverUnknownGiven(piece, span, model);
  }
}

/** What opens a sentence's inside: a word written small, or a comma after one; or a greeting or a word that speaks to someone. */
const INSIDE_BEFORE = /(?:(?:^|[^\p{L}\p{M}])\p{Ll}[\p{L}\p{M}'’-]*,?|[^\p{L}\p{M}]\p{Ll}+\.)\s$|(?:^|[^\p{L}\p{M}])(\p{L}+),?\s$/u;
const ARTICLE_RIGHT_BEFORE =
  /(?:^|[^\p{L}])(?:the|a|an|der|die|das|dem|den|des|ein|eine|einem|einen|einer|eines|le|la|les|un|une|el|los|las|il|lo|gli|het|een)\s$/iu;
/** Never a given name right before a name: a word of these lists that none of the name lists holds. */
const NOT_GIVEN =
  Gaz.techTerm | Gaz.time | Gaz.orgWord | Gaz.street | Gaz.title | Gaz.nationality | Gaz.country | Gaz.region | Gaz.city | Gaz.orgName | Gaz.particle;

/**
 * A capitalised word right before a person inside a sentence (after a word written small or a
 * greeting) is its given name, where no list holds it as an English word or as a place, office or
 * title: a capital there is the name's ("het nummer van Elke Claes": Dutch "elke" is a word;
 * "Dear Poppy Taylor": a given name that is an English word too, after a greeting). It only grows a
 * person read already.
 */
function givenInsideSentence(piece: string, start: number, previous: string, flags: number): boolean {
  if (previous.length < 2 || !/^\p{Lu}\p{Ll}/u.test(previous) || cueWord(previous)) return false;
  const inside = INSIDE_BEFORE.exec(piece.slice(Math.max(0, start - previous.length - 40), start - previous.length - 1));
  if (!inside || (inside[1] !== undefined && !cueWord(inside[1]))) return false;
  // After an article the word is a noun or an adjective ("mit dem Mieter Weber", "the Great Smith").
  if (ARTICLE_RIGHT_BEFORE.test(inside[0])) return false;
  if (flags & Gaz.first) return !(flags & (NEVER_IN_NAME & ~Gaz.common) & ~NAMES);
  // A German noun has its capital anywhere ("mit dem Mieter Weber").
  if (cueSets().germanOnly.has(wordHash(lowerLikeTokens(previous)))) return false;
  return !(flags & (NOT_GIVEN | Gaz.dictionary | Gaz.common)) && nameLikeness(previous) > -1.5;
}

/** The span opens on a family name some list holds and no given-name list does. */
function familyNameOpens(value: string, model: Tagger): boolean {
  const first = /^[\p{L}\p{M}'’-]+/u.exec(value)?.[0] ?? "";
  const flags = flagsOf(first, model);
  return (flags & Gaz.last) !== 0 && !(flags & Gaz.first);
}

/** A capitalised word, then name particles ("van", "das", "'t"), right before a span. */
const GIVEN_BEFORE =
  /(?:^|[\s("'“„«:;,.])(\p{Lu}\p{Ll}[\p{L}\p{M}'’-]*)\s((?:(?:van|von|de|der|den|da|das|do|dos|di|del|della|du|la|le|ter|ten|'t|’t)\s)*)$/u;

/**
 * Grows a person leftwards over a given name no list knows ("Geertruida van Oosterzee-Bakker",
 * "Rosângela Teixeira"): a capitalised word of name shape that is no word, place or title of any
 * list, with the particles between, before a span that does not open on a known given name. A word
 * any list knows stays out ("Laut Müller", "Yesterday Okafor").
 */
function growOverUnknownGiven(piece: string, span: NameSpan, model: Tagger): void {
  // A Latin-script span of a given name and more has its given name: a capitalised word before it is
  // a role ("Bürgermeisterin Annelie Brückner"); in Cyrillic, roles are written in lower case.
  const value = piece.slice(span.start, span.end);
  if (/^\p{sc=Latin}/u.test(value) && /\s/.test(value) && flagsOf(/^[\p{L}\p{M}'’-]+/u.exec(value)?.[0] ?? "", model) & Gaz.first) return;
  const before = GIVEN_BEFORE.exec(piece.slice(Math.max(0, span.start - 48), span.start));
  const word = before?.[1] ?? "";
  if (!before || word.length < 3) return;
  const flags = flagsOf(word, model);
  if (flags & (KNOWN_WORD | NEVER_IN_NAME | PLACES | Gaz.particle) || nameLikeness(word) <= -1.5) return;
  span.start -= word.length + 1 + (before[2] ?? "").length;
}

const NAME_KEY_BEFORE = /(?:name|first|last|surname|holder|owner|assignee)["']?\s*[:=]\s*["']?$/iu;

/** Drops words opening a person span of several that are role or everyday words, not names ("Co-founder Inês", "Analyst Priya"). */
function trimRoleWords(piece: string, span: NameSpan, model: Tagger): void {
  // The value of a name key ("name: Mere Takerei", "first": "Ute …") holds no role word.
  if (NAME_KEY_BEFORE.test(piece.slice(Math.max(0, span.start - 24), span.start))) return;
  for (;;) {
    const m = /^([\p{L}\p{M}'’-]+)\s+(?=\S)/u.exec(piece.slice(span.start, span.end));
    if (!m) return;
    const parts = (m[1] ?? "").split(/[-'’]/).filter(Boolean);
    // "Co-founder", "Vice-President": the last part says what it is.
    const last = parts[parts.length - 1] ?? "";
    const head = flagsOf(last, model);
    // An English word ("Analyst", "Co-founder"), unless only the large dictionary holds it and it looks like a name ("Rosaria").
    const role =
      parts.length > 0 &&
      (head & Gaz.common || (head & Gaz.dictionary && nameLikeness(last) < 0.5)) &&
      parts.every((p) => !(flagsOf(p, model) & (NAMES | Gaz.title)) || (parts.length > 1 && p.length <= 3));
    // A word no name list holds before a known given name is a role ("Bürgermeisterin Annelie Brückner").
    const nextWord = /^[\p{L}\p{M}'’-]+/u.exec(piece.slice(span.start + m[0].length, span.end))?.[0] ?? "";
    const beforeGiven =
      !(flagsOf(m[1] ?? "", model) & (NAMES | Gaz.title | Gaz.particle)) &&
      flagsOf(nextWord, model) & Gaz.first &&
      /\s/.test(piece.slice(span.start + m[0].length, span.end));
    if (!role && !beforeGiven) return;
    span.start += m[0].length;
  }
}

const CUE_WORDS =
  "hey hi hiya hello dear thanks cheers ask asked tell told remind call contact email message text ping cc met with invite mr mrs ms dr prof hallo liebe lieber moin servus bonjour salut coucou merci hola oye gracias ciao grazie oi olá obrigado obrigada hej tack moi kiitos szia ahoj cześć hoi dag привет спасибо sorry köszi köszönöm valeu danke dzięki díky takk tak bedankt grazie hallå hejsan heisann hei halla terve moikka čau nazdar привіт вітаю γεια ρε halo merhaba selam sveiki labdien labas здравствуйте здравствуй tere tervist sveiks sveika sveiki čau здравей здравейте zdravo bok živjo pozdrav witaj witam helló sziasztok szervusz bună salam shalom namaste jambo hujambo kumusta grüezi it's it’s i'm i’m name's heter heiße heisse зовут звати imię nevem adım kedves drogi droga drodzy szanowny szanowna szanowni milý milá milí vážený vážená vážení hyvä kära kjære kære dragă dragi draga stimate stimată sayın sevgili дорогой дорогая дорогие уважаемый уважаемая шановний шановна шановні αγαπητέ αγαπητή gerbiamas gerbiama mielas miela dārgais dārgā cienījamais cienījamā poštovani poštovana spoštovani spoštovana querido querida queridos estimado estimada estimados prezado prezada prezados caro cara cari care gentile gentilissimo gentilissima egregio egregia cher chère chers beste lieve geachte liebe lieber kallis lugupeetud";
/** Words that speak to or of someone before a name ("Ask", "Call", "Thanks"): never its given name. */
const CUE_WORD_SET = new Set(CUE_WORDS.split(" "));
const cueWord = (word: string) => CUE_WORD_SET.has(word.toLowerCase());
/** Greetings and thanks: the word after them is the one spoken to, even when it is also a dictionary word ("tack selma"). */
const GREETING_WORDS =
  "hey hi hiya hello dear thanks cheers sorry hallo danke bonjour salut merci hola oye gracias ciao grazie oi olá valeu obrigado obrigada hej tack takk tak hoi bedankt moi kiitos szia köszi köszönöm ahoj díky cześć dzięki спасибо привет hallå hejsan heisann hei halla terve moikka čau nazdar привіт вітаю γεια ρε halo merhaba selam sveiki labdien labas здравствуйте здравствуй tere tervist sveiks sveika čau здравей здравейте zdravo bok živjo pozdrav witaj witam helló sziasztok szervusz bună salam shalom namaste jambo hujambo kumusta grüezi kedves drogi droga drodzy szanowny szanowna szanowni milý milá milí vážený vážená vážení hyvä kära kjære kære dragă dragi draga stimate stimată sayın sevgili дорогой дорогая дорогие уважаемый уважаемая шановний шановна шановні αγαπητέ αγαπητή gerbiamas gerbiama mielas miela dārgais dārgā cienījamais cienījamā poštovani poštovana spoštovani spoštovana querido querida queridos estimado estimada estimados prezado prezada prezados caro cara cari care gentile gentilissimo gentilissima egregio egregia cher chère chers beste lieve geachte liebe lieber kallis lugupeetud";
/** Verbs of chat (and "and") after a lower-case given name ("kevin posted", "marta said", "ellie and josh"). */
const CHAT_VERBS =
  "said says posted wrote finished blocked is was will wants thinks has had moved asked needs did cited confirmed reported approved signed joined owes called phoned emailed texted replied walked arrived resigned complained fixed left came went sent started starts quit agreed booked paid already just also still never finally dice dijo porta sagt meint hat dit a est et und y e zegt vraagt heeft mówi powiedział říká řekl sanoo sanoi kysyy mondta azt dedi diz disse pediu säger sade sagde сказал говорит";
/**
 * Verbs of speech and writing in more of the languages read ("Maria scrie", "Hương bảo", "Катя пишет"): before them a
 * given name that is also a town's speaks (in English a capital stands for its government: "Paris said").
 */
const REPORT_VERBS_ABROAD =
  "пишет написал написала сказала спрашивает пише каже сказав написав написала питає γράφει λέει είπε ρωτάει έγραψε scrie spune zice întreabă" +
  " bảo nói hỏi kể pisze napisał napisała powiedziała pyta píše napsal napsala řekla píše písala povedala hovorí írja írta mondja kérdezi" +
  " diyor yazdı söyledi sordu kirjoitti kertoi skriver skrev frågar sier siger spør schrijft zei vroeg belde schreibt sagte fragt meinte" +
  " écrit demande escribe escribió pregunta scrive chiede escreveu falou perguntou bilang menulis mengatakan";
/** Deeds done to systems, which tools named like people do too: after a name only when it is no tool's ("travis deleted the cache"). */
const DEED_VERBS = "deleted dropped pushed merged reverted broke rebooted";
/** Tools and services that bear a given name, written small in chat about systems. */
const TOOLS_NAMED_LIKE_PEOPLE =
  "travis jenkins hudson mason julia ruby claude devin gemini hugo jekyll sphinx celery kafka flask django rails ansible sentry grafana jasmine karma mocha ava sinon luigi ray dask presto trino ollama mistral gemma alexa siri cortana jarvis bamboo maven gradle homer heroku nginx apache";
const TOOL_NAMES = new Set(TOOLS_NAMED_LIKE_PEOPLE.split(" "));
/** A tool or service that bears a given name ("Jenkins", "hugo", "Claude"). */
export function namedLikeAPerson(word: string): boolean {
  return TOOL_NAMES.has(word.toLowerCase());
}
/** The words for "and" among CHAT_VERBS. */
const CHAT_AND = "and et und y e";
/**
 * What people do, in English, after a capitalised given name no list holds as an everyday word or a
 * place ("Peggy taught piano", "Ingrid lives in Bergen"): firms and seasons are kept out by the lists.
 */
const PEOPLE_VERBS =
  "taught brought gave took made won lost met spent sold bought found felt kept held began became drove built led knew lived worked died married " +
  "studied played visited helped opened hosted cooked baked painted sang danced smiled laughed cried shouted whispered nodded shrugged sighed " +
  "lives works knows loves likes plays teaches owns runs manages leads handles brings makes gets takes keeps misses hates remembers";
/** Words that follow a greeting as a group, not a person ("Hallo Zusammen,", "Hola Equipo,"). */
const GROUP_WORDS =
  "all everyone everybody folks guys team there world zusammen alle allerseits leute kollegen team tous toutes monde équipe collègues todos todas equipo mundo amigos colegas tutti ragazzi mondo colleghi amici iedereen allemaal allen alla allihopa allihop alle sammen kaikki kaikille wszystkim wszyscy všem všichni mindenki herkese todos pessoal gente welt wereld värld verden maailma świecie světe svete svet свят мир світ dünya dunia dunya amigo amiga amigas ami amis darkness alaykum aleikum alaikum rafiki marafiki wote amico amica friend friends colleague colleagues customer customers client clients cliente clientes kunde kundin kunden kollege kollegin kollegen kolleginnen damen herren sir madam madame monsieur signore signora señor señora senhor senhora";
/** Function words of German (none shared with English, Dutch, the Nordic or Romance languages): two of them make a text where every noun has a capital. */
const GERMAN_WORDS =
  "und dem für ist nicht ein eine einen einer eines zum zur auf bei dazu wir ihr ihre vom wird werden wurde wurden oder sehr vielen bitte uhr sind auch noch können kann muss soll haben nach über unter aus gibt sich dass heute gestern jetzt neue neuen neuer mit vor aber wenn durch ohne seit wieder schon zwischen während bereits diese dieser dieses diesen erste ersten zweite letzte letzten keine keinen unsere unser unseren ich mich mir uns euch zu innerhalb erfolgt beträgt zunächst jedoch sowie möchten müssen sollen beim jahres jahren prozent derzeit bisher weitere weiteren vergangenen kommenden nächste nächsten";
const GROUP_WORD_SET = new Set(GROUP_WORDS.split(" "));
const GREETING_WORD_SET = new Set(GREETING_WORDS.split(" "));
/** A greeting and a group or a role it addresses, with no name ("Liebe Kundin", "Dear Customer"): no one in particular. */
export function addressesAGroup(value: string): boolean {
  const words = value
    .toLowerCase()
    .split(/[\s,]+/u)
    .filter(Boolean);
  return words.some((w) => GROUP_WORD_SET.has(w)) && words.every((w) => GROUP_WORD_SET.has(w) || GREETING_WORD_SET.has(w));
}
const hashes = (words: string) => new Set(words.split(" ").map((w) => wordHash(lowerLikeTokens(w))));
let cueHashes: {
  cue: Set<number>;
  greeting: Set<number>;
  verb: Set<number>;
  abroad: Set<number>;
  and: Set<number>;
  german: Set<number>;
  germanOnly: Set<number>;
  group: Set<number>;
  speech: Set<number>;
  scoring: Set<number>;
  people: Set<number>;
  title: Set<number>;
  deed: Set<number>;
  tool: Set<number>;
} | null = null;

/** The cue word sets, hashed once. */
function cueSets(): NonNullable<typeof cueHashes> {
  cueHashes ??= {
    cue: hashes(CUE_WORDS),
    greeting: hashes(GREETING_WORDS),
    verb: hashes(`${CHAT_VERBS} ${REPORT_VERBS_ABROAD}`),
    abroad: hashes(REPORT_VERBS_ABROAD),
    and: hashes(CHAT_AND),
    german: hashes(GERMAN_WORDS),
    germanOnly: hashes(GERMAN_WORDS_ONLY),
    deed: hashes(DEED_VERBS),
    tool: hashes(TOOLS_NAMED_LIKE_PEOPLE),
    group: hashes(GROUP_WORDS),
    speech: hashes(SPEECH_VERBS),
    scoring: hashes(SCORING_VERBS),
    people: hashes(PEOPLE_VERBS),
    title: hashes("mr mrs ms dr prof"),
  };
  return cueHashes;
}

/** A word at a cue and what cued it. */
interface CuedWord {
  start: number;
  end: number;
  greeted: boolean;
  speaker: boolean;
  vocative?: boolean;
  told?: boolean;
  scorer?: boolean;
  /** A chat line's speaker whose message opens on a word ("Peter: hi there"). */
  chatLine?: boolean;
}

export interface PieceCues {
  /** Words at a cue: after a greeting or a verb of addressing someone, a chat speaker, a lower-case word before a possessive or a chat verb. */
  words: CuedWord[];
  /** German function words in the piece, and one more for two words only German uses (german-words-data.ts). */
  german: number;
}

const ARTICLE_BEFORE = /\b(?:the|a|an|this|that)\s$/iu;
/** Verbs of speech and thought only a person does ("Holly said"); CHAT_VERBS also holds "is", "has", "moved". */
const SPEECH_VERBS = "said says told asked replied thinks thought wrote explained admitted insisted";
/** What players do in a match report ("Young scored twice", "Stone netted"): the one before is a player, whatever else the word is. */
const SCORING_VERBS = "scored scores netted nets equalised equalized volleyed converted headed tapped slotted";
/** What a given name before a verb of speech must not also be: every list of NEVER_IN_NAME but everyday words. */
const SPOKE_NOT = NEVER_IN_NAME & ~Gaz.common;

/**
 * The cues of one piece, read from its tokens (word hashes compared with small sets, no regular
 * expression over the text): the tagger has just tokenised the piece, so this costs one pass.
 */
export function readCues(piece: string, t: Tokens, model: Tagger): PieceCues {
  const { cue, greeting, verb, abroad, and, german, germanOnly, group, speech, scoring, people, title, deed, tool } = cueSets();
  const out: PieceCues = { words: [], german: 0 };
  let germanWords = 0;
  // Chat register: no capital at all, or a message opening in lower case ("tom said he'd drive from Leeds").
  const uncapitalised = t.count >= 4 && (!/\p{Lu}/u.test(piece) || /^[\s\p{P}]*\p{Ll}/u.test(piece));
  for (let i = 0; i < t.count; i++) {
    const shape = t.shape[i];
    const word = t.word[i] ?? 0;
    // A German function word is written small, or capitalised opening a sentence; in capitals it is an acronym ("EIN", "DIE").
    if (shape === Shape.Lower || shape === Shape.Capitalised) {
      if (german.has(word)) out.german++;
      // A word only German uses, unless a list holds it as a name or a place ("Wasser", "Koch" are family names too).
      else if (germanOnly.has(word) && !(model.gazetteer.flags(word) & GERMAN_EVIDENCE_NOT)) germanWords++;
    }
    if (shape !== Shape.Capitalised && shape !== Shape.Lower && shape !== Shape.AllCaps) continue;
    const start = t.starts[i] ?? 0;
    let end = t.ends[i] ?? 0;
    // The tokeniser keeps a possessive in the word ("marta's").
    const possessive = end - start > 3 && piece.charCodeAt(end - 1) === 115 && /['’]/.test(piece[end - 2] ?? "");
    if (possessive) end -= 2;
    // The word before, over one comma or exclamation mark ("Hey, Ben").
    let k = i - 1;
    if (k >= 0 && t.shape[k] === Shape.Punct && /[,!]/.test(piece[t.starts[k] ?? 0] ?? "")) k--;
    // A title's full stop ("Mrs. sebastian").
    else if (k >= 1 && t.shape[k] === Shape.Punct && piece[t.starts[k] ?? 0] === "." && title.has(t.word[k - 1] ?? 0)) k--;
    const cued = k >= 0 && (t.shape[k] === Shape.Lower || t.shape[k] === Shape.Capitalised) && cue.has(t.word[k] ?? 0);
    // A chat speaker opens the piece or follows a label's colon or a sentence's end ("chat: oskari: …", "Notes: BRIGITTE: …"), in any case.
    const speakerAt =
      i === 0 ||
      (t.shape[i - 1] === Shape.Punct && /[:?!.]/.test(piece[t.starts[i - 1] ?? 0] ?? "")) ||
      // after a transcript's timestamp ("00:03:11 OSWALD:")
      (t.shape[i - 1] === Shape.Digits && piece[(t.starts[i - 1] ?? 0) - 1] === ":");
    const speaker = speakerAt && piece[t.ends[i] ?? 0] === ":" && /^:\s\S/.test(piece.slice(t.ends[i] ?? 0, (t.ends[i] ?? 0) + 3));
    // Capitals name a speaker only, and not where a line opens: "ERROR:", "NOTE:" and "IBAN:" open log lines and fields.
    if (shape === Shape.AllCaps && !(speaker && i > 0 && model.gazetteer.flags(word) & Gaz.first && !(model.gazetteer.flags(word) & NEVER_IN_NAME)))
      continue;
    const lowerFlags = shape === Shape.Lower ? model.gazetteer.flags(possessive ? wordHash(lowerLikeTokens(piece.slice(start, end))) : word) : 0;
    const verbAfter =
      shape === Shape.Lower &&
      i + 1 < t.count &&
      (verb.has(t.word[i + 1] ?? 0) || (deed.has(t.word[i + 1] ?? 0) && !tool.has(word))) &&
      /^,?\s$/.test(piece.slice(t.ends[i] ?? 0, t.starts[i + 1] ?? 0)) &&
      // In prose whose writer capitalises, "and" joins a word to a word ("casca rija e de…") unless a given name follows.
      (uncapitalised || !and.has(t.word[i + 1] ?? 0) || (model.gazetteer.flags(t.word[i + 2] ?? 0) & Gaz.first) !== 0) &&
      // In capitalised prose about software a name written small is a tool's ("the logs from hugo already show").
      (uncapitalised || !softwareAround(piece, start, end));
    const chat =
      shape === Shape.Lower &&
      (possessive ||
        verbAfter ||
        // A chat line written all in lower case: a given name there that is no word of any list and looks like a name ("sento matteo").
        (uncapitalised &&
          lowerFlags & Gaz.first &&
          !(lowerFlags & CHAT_NAME_NOT) &&
          chatNameShaped(piece.slice(start, end), lowerFlags) &&
          // part of a handle ("lisa_k", "anna.b"): the handle is the speaker, not this word
          !/^[._][\p{L}\p{N}]/u.test(piece.slice(end, end + 2))));
    const greetedAt = cued && greeting.has(t.word[k] ?? 0);
    // A group or a fixed phrase after a greeting is no one ("Hello, World!", "salam alaykum", "Hola, amigos").
    if (greetedAt && group.has(word)) continue;
    // A capitalised given name before a verb of chat or report ("Marguerite cited", "Aslı dedi").
    const capitalFlags = shape === Shape.Capitalised ? model.gazetteer.flags(word) : 0;
    const reported =
      capitalFlags & Gaz.first &&
      !(capitalFlags & (Gaz.common | NEVER_IN_NAME | Gaz.region)) &&
      // A given name that is also a town's speaks before a verb of speech; in English a capital speaking of "it" speaks
      // for its government ("Paris said it would retaliate"), and one that "is" is the town ("Paris is lovely").
      (!(capitalFlags & PLACES) ||
        abroad.has(t.word[i + 1] ?? 0) ||
        (speech.has(t.word[i + 1] ?? 0) && !OF_IT_AFTER.test(piece.slice(t.ends[i] ?? 0, (t.ends[i] ?? 0) + 32)))) &&
      i + 1 < t.count &&
      (verb.has(t.word[i + 1] ?? 0) || (people.has(t.word[i + 1] ?? 0) && !(capitalFlags & PLACES))) &&
      piece.slice(t.ends[i] ?? 0, t.starts[i + 1] ?? 0) === " ";
    // A given name that is also an everyday word before a verb of speech inside a sentence ("then Holly said"): words do
    // not talk. Where a sentence opens, firms and seasons do ("Sky said the channel…", "Summer said goodbye").
    const spoke =
      capitalFlags & Gaz.first &&
      i > 0 &&
      (t.shape[i - 1] === Shape.Lower || (t.shape[i - 1] === Shape.Punct && piece[t.starts[i - 1] ?? 0] === ",")) &&
      !(capitalFlags & (SPOKE_NOT | PLACES)) &&
      i + 1 < t.count &&
      speech.has(t.word[i + 1] ?? 0) &&
      piece.slice(t.ends[i] ?? 0, t.starts[i + 1] ?? 0) === " " &&
      !articleBefore(piece, start);
    // A capitalised word of the name lists before a verb of scoring, even an everyday word ("Young", "Stone").
    const scorer =
      capitalFlags & (Gaz.first | Gaz.last) &&
      !(capitalFlags & SCORER_NOT) &&
      i + 1 < t.count &&
      scoring.has(t.word[i + 1] ?? 0) &&
      piece.slice(t.ends[i] ?? 0, t.starts[i + 1] ?? 0) === " ";
    if (!(cued || speaker || chat || reported || spoke || scorer)) continue;
    // After a greeting its writer capitalised, a word written small is the sentence's next word ("Merhaba, ben Can", "Hei,
    // olen Aurora") unless a comma or an exclamation mark sets it off as the one greeted ("Hi anna, can you…").
    if (
      shape === Shape.Lower &&
      cued &&
      !speaker &&
      !chat &&
      t.shape[k] === Shape.Capitalised &&
      greeting.has(t.word[k] ?? 0) &&
      !/^[,!?:]/.test(piece.slice(end, end + 1))
    )
      continue;
    // A lower-case word counts only as a known given name: most words before "and" or after "with" are not.
    // A chat speaker may also be a word no list knows that looks like a name ("honza:", "eszti:").
    if (shape === Shape.Lower && !(lowerFlags & Gaz.first) && !((speaker || greetedAt) && unknownNameShaped(piece.slice(start, end), lowerFlags)))
      continue;
    const greeted = greetedAt;
    // A capitalised word between a greeting and a comma or an exclamation mark is the one greeted ("Hola Rocío,", "Tere,
    // Maarja!"), unless a group.
    // Before an exclamation mark a place is as often the greeting's object ("Hallo, Berlin!"); the dictionary holds names
    // too ("Mantas", "Nisse"), so only the group words say a word is greeted as no one ("Hello, Darkness!").
    const exclaimed = piece[end] === "!" && !(model.gazetteer.flags(word) & PLACES && !(model.gazetteer.flags(word) & Gaz.last));
    const vocative = greeted && shape === Shape.Capitalised && (piece[end] === "," || exclaimed) && !group.has(word);
    // A lower-case given name doing something, in a chat line or before an English verb ("tom said", "john called"): the name
    // may also be a dictionary entry.
    const told =
      Boolean(spoke) ||
      ((uncapitalised ||
        ((model.gazetteer.flags(t.word[i + 1] ?? 0) & Gaz.common) !== 0 &&
          (t.ends[i + 1] ?? 0) - (t.starts[i + 1] ?? 0) >= 3 &&
          // in capitalised prose a dictionary word must look like a name ("john called", not "autumn came")
          (!(lowerFlags & Gaz.dictionary) || nameLikeness(piece.slice(start, end)) >= 0))) &&
        verbAfter &&
        !and.has(t.word[i + 1] ?? 0) &&
        !articleBefore(piece, start));
    // A message opening on a word, and on a greeting where the name is also an everyday word, a place or a tool ("Summer:
    // long days", "Jordan: visa on arrival", "Julia: multiple dispatch" are headings).
    const chatLine =
      speaker &&
      /^:\s+\p{L}/u.test(piece.slice(end, end + 4)) &&
      (!(capitalFlags & (Gaz.common | PLACES | Gaz.techTerm)) || (i + 2 < t.count && greeting.has(t.word[i + 2] ?? 0)));
    out.words.push({ start, end, greeted, speaker, vocative, told, scorer: Boolean(scorer), chatLine });
  }
  // Two of them: one alone may be a German word in another language's sentence ("the Zeitgeist").
  if (germanWords >= 2) out.german++;
  return out;
}
/** What a scorer's word must not also be: a country or region (a national team), a month, a title, a street or organisation word; a town names a club or a player ("Young", "Leeds"). */
const SCORER_NOT = Gaz.country | Gaz.region | Gaz.time | Gaz.title | Gaz.street | Gaz.orgWord | Gaz.techTerm | Gaz.nationality;
const GERMAN_EVIDENCE_NOT = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region;

/**
 * An article right before a word, read only where a rule needs it (a slice and a test per word add up); a module
 * function, not a closure: the bundle (keepNames) names each closure made, on every call.
 */
function articleBefore(piece: string, at: number): boolean {
  return ARTICLE_BEFORE.test(piece.slice(Math.max(0, at - 6), at));
}

/** A verb and "it" after it (one word between at most): " said it", " told reporters it". */
const OF_IT_AFTER = /^ \S+(?: \S+)? (?:it|its|it's)(?![\p{L}])/u;

/** "And" beside a person the cues look at ("Hattie and Will", "Gintarė ir Paulius"). */
const CUE_AND = "and|&|und|et|y|e|i|och|og|en|és|ja|a|un|ir|και|și|şi|и|та";
const AND_THEN_WORD = new RegExp(`^\\s(?:${CUE_AND})\\s(\\p{L}[\\p{L}\\p{M}'’-]*)`, "u");
const WORD_THEN_AND = new RegExp(`(?:^|\\s)(\\p{L}[\\p{L}\\p{M}'’-]*)\\s(?:${CUE_AND})\\s$`, "u");

/** A lower-case given name in chat looks like a name; less so when no language uses it as a frequent word ("linnea", not "pero"). */
function chatNameShaped(word: string, flags: number): boolean {
  const shape = nameLikeness(word);
  return shape >= 0.5 || (shape >= 0 && !(flags & Gaz.frequent));
}

/** What a lower-case given name in chat must not also be: a word of some list, a place, a title. */
const CHAT_NAME_NOT = Gaz.common | Gaz.dictionary | NEVER_IN_NAME | PLACES;

/** A word no list knows, of 3-12 letters and nothing else ("webhook-dispatcher" is a service), that looks like a name rather than a word of some language. */
function unknownNameShaped(word: string, flags: number): boolean {
  return (
    !(flags & (KNOWN_WORD | NEVER_IN_NAME | Gaz.city | Gaz.country | Gaz.region)) &&
    /^\p{L}{3,12}$/u.test(word) &&
    !CONSONANT_RUN.test(word) &&
    nameLikeness(word) >= 0.5
  );
}

/** Five consonants in a row: a random token ("opttsmpcnc"), not a name (the dev sets' names reach four: "Schneider", "Lindqvist"). */
const CONSONANT_RUN = /[bcdfghjklmnpqrstvwxzßçčćďňřšťžłńśź]{5}/iu;

/** A single given name at a cue: capitalised, a known name or a word no list holds; in lower case, a known given name. */
function cuedName(word: string, model: Tagger, lower: boolean, cue: CuedWord): boolean {
  const { greeted, vocative, speaker, told, scorer } = cue;
  // readCues checked a scorer's lists already.
  if (scorer) return true;
  const flags = flagsOf(word, model);
  if (
    told &&
    (lower ? flags & Gaz.first && !(flags & (NEVER_IN_NAME | Gaz.region)) && word.length >= 3 : flags & Gaz.first && !(flags & (SPOKE_NOT | PLACES)))
  )
    return true;
  // A chat line's speaker whose message opens on a word is a person by a given name, though the name is a word's or a
  // country's too ("Peter: hi there", "Martin: ahoj, …"); not a month, a title or a nationality ("May: closed").
  if (cue.chatLine && !lower && flags & Gaz.first && !(flags & (Gaz.time | Gaz.title | Gaz.nationality | Gaz.region))) return true;
  // One greeted by a given name is a person, though the name is a language's or a word's too ("Hoi Julia,", "Hi Ruby!"); not a country or a month ("Hello, November!").
  if (vocative && flags & Gaz.first && !(flags & (Gaz.country | Gaz.region | Gaz.time))) return true;
  if (flags & NEVER_IN_NAME) return false;
  if (vocative) return word.length >= 2;
  // A chat speaker in lower case: a given name even if also a dictionary word ("emma:"), or a name-shaped unknown word.
  if (lower && speaker)
    return (
      ((flags & Gaz.first) !== 0 && !(flags & Gaz.common) && (!(flags & Gaz.dictionary) || nameLikeness(word) >= 0)) || unknownNameShaped(word, flags)
    );
  if (lower)
    return ((flags & Gaz.first) !== 0 && (greeted || !(flags & Gaz.dictionary)) && word.length >= 3) || (greeted && unknownNameShaped(word, flags));
  if (flags & NAMES) return true;
  return !(flags & KNOWN_WORD) && nameLikeness(word) >= -1;
}

/**
 * Given names the tagger left alone where the words around them say a person is meant (the cues
 * of readCues): after a greeting or a verb of talking to someone ("Hey Ben", "Message Ollie", "ask
 * mo"), as a chat speaker ("Lea: great"), lower-case given names with a possessive or a verb of
 * chat ("marta's review", "deepak finished"), and beside another person ("Hattie and Will").
 */
const DEFINITION_AFTER = /^\s?:\s*(?:a|an|the|to)\s+\p{Ll}/u;

/**
 * A given name, then the team or place at work someone is from ("Grace from accounts called",
 * "Priti from first aid helped him"): the name is a colleague's, even where it is also a word.
 */
const FROM_A_TEAM =
  /(?<![\p{L}\p{M}])(\p{Lu}\p{Ll}+) (?:from|in|at) (?:the )?(?:accounts|accounting|finance|payroll|hr|human resources|sales|marketing|support|customer service|legal|it|ops|operations|engineering|design|procurement|reception|admin|first aid|security|facilities|compliance|front desk|the office|next door|upstairs|downstairs|IT|HR)(?![\p{L}])/gu;
const FROM_A_TEAM_HINT = / (?:from|in|at) /u;

/** A capitalised word beside the writer in a list of people: "Maya and I drove", "Ole & me", "me and Priya". */
const WITH_THE_WRITER =
  /(?<![\p{L}\p{M}])(\p{L}[\p{Ll}\p{M}'’-]+)\s(?:and|&)\s(?:I|me)\b(?![-'’]\p{L})|(?<![\p{L}\p{M}])(?:[Mm]e|I)\s(?:and|&)\s(\p{L}[\p{Ll}\p{M}'’-]+)/gu;

/** Where WITH_THE_WRITER may match: "and I", "& me", "me and" (most pieces hold "and", few this). */
const WRITER_JOINT = /(?:and|&)\s(?:I|me)\b|(?:^|\s)(?:[Mm]e|I)\s(?:and|&)\s/u;

/**
 * A word beside the writer that names a person: capitalised, a given name even if also a word
 * ("Siddharth, Maya and I") or a word no list knows; written small, a given name that is no everyday
 * word ("yusuf and I", not "bread and I"); never a place, a relative or a thing ("London", "Mum", "God").
 */
function besideTheWriter(word: string, model: Tagger): boolean {
  const flags = flagsOf(word, model);
  if (flags & PLACES) return false;
  if (!/^\p{Lu}/u.test(word)) return (flags & Gaz.first) !== 0 && !(flags & NEVER_IN_NAME) && word.length >= 3;
  return flags & Gaz.first ? !(flags & SPOKE_NOT) : unknownNameShaped(word, flags);
}

export function addCuedNames(piece: string, spans: NameSpan[], model: Tagger, cues: PieceCues): void {
  const found = [...cues.words];
  if (WRITER_JOINT.test(piece)) {
    for (const m of piece.matchAll(WITH_THE_WRITER)) {
      const word = m[1] ?? m[2] ?? "";
      if (!besideTheWriter(word, model)) continue;
      const start = (m.index ?? 0) + (m[1] ? 0 : m[0].length - word.length);
      if (!spans.some((x) => x.start < start + word.length && start < x.end)) spans.push({ kind: "person", start, end: start + word.length });
    }
  }
  if (FROM_A_TEAM_HINT.test(piece)) {
    for (const m of piece.matchAll(FROM_A_TEAM)) {
      const word = m[1] ?? "";
      const flags = flagsOf(word, model);
      // A given name the lists hold (not a country or a month), or a word no dictionary holds that looks like one ("Priti").
      if (
        flags & (Gaz.country | Gaz.region | Gaz.time) ||
        !(flags & Gaz.first || (!(flags & (Gaz.dictionary | Gaz.common)) && nameLikeness(word) >= 0))
      )
        continue;
      const start = m.index ?? 0;
      if (!spans.some((x) => x.start < start + word.length && start < x.end)) spans.push({ kind: "person", start, end: start + word.length });
    }
  }
  for (const p of spans) {
    if (p.kind !== "person") continue;
    const after = AND_THEN_WORD.exec(piece.slice(p.end, p.end + 48));
    if (after) {
      const start = p.end + after[0].length - (after[1] ?? "").length;
      found.push({ start, end: start + (after[1] ?? "").length, greeted: false, speaker: false });
    }
    const from = Math.max(0, p.start - 48);
    const before = WORD_THEN_AND.exec(piece.slice(from, p.start));
    if (before) {
      const start = from + before.index + before[0].indexOf(before[1] ?? "");
      found.push({ start, end: start + (before[1] ?? "").length, greeted: false, speaker: false });
    }
  }
  for (const cue of found) {
    const { start, end: rawEnd, speaker } = cue;
    const word = piece.slice(start, rawEnd).replace(/['’]s$/, "");
    const end = start + word.length;
    const kind = caseOf(word);
    if (kind !== "capitalised" && kind !== "lower" && !(kind === "upper" && speaker)) continue;
    if (spans.some((x) => x.start < end && start < x.end)) continue;
    if (!cuedName(word, model, kind === "lower", cue)) continue;
    // A word opening a line before a colon is a field label unless it is a known given name ("Lea: great", not "Kontoinhaber:");
    // in lower case a name-shaped word no list knows also speaks ("honza: kdo má klíče?").
    if (speaker && !(flagsOf(word, model) & Gaz.first) && !(kind === "lower" && unknownNameShaped(word, flagsOf(word, model)))) continue;
    // An everyday word before a colon and an article is a glossary entry ("Mark: a visible
    // impression", "Grant: to give"), not a speaker.
    if (speaker && DEFINITION_AFTER.test(piece.slice(end, end + 12)) && flagsOf(word, model) & (Gaz.common | Gaz.dictionary)) continue;
    spans.push({ kind: "person", start, end });
  }
}

/** The most common Chinese family names (single and double). */
export const CHINESE_SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范廖石贾韦夏付邹熊孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万钱严覃武戴莫孔汤向常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝陳張劉楊黃趙吳許韓馮鄧蕭董葉魏蘇呂盧鍾譚陸範廖賈韋鄒熊邱薛閆雷龍賀郝顧龔萬錢嚴湯莊聶歐詹關蘭焦紀畢單塗駱藍遊靳鮑饒穆農簡車項連蘆麥婁竇戚岑宮費衛臧閔鄔邊卞姬師欒隋鄺";
export const CHINESE_DOUBLE_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|歐陽|司馬|諸葛";
/** Role words before a Chinese name ("总经理", "联系") and titles or verbs after it ("先生", "表示"): the cues that make it one. */
const CHINESE_ROLE_BEFORE =
  "用户|用戶|客户|客戶|会员|會員|收货人|收貨人|付款人|申请人|申請人|持有人|发言人|發言人|感谢|感謝|谢谢|謝謝|恭喜|祝贺|祝賀|总经理|經理|经理|董事长|董事長|总裁|總裁|主任|院长|院長|校长|校長|教授|医生|醫生|记者|記者|患者|病人|联系|聯繫|联系人|通知|请|請|叫|找|给|給|持卡人|户名|戶名|收件人|姓名|负责人|負責人|参会人员|與會人員|与会人员|出席人员|成员|成員|市民|居民|村民|网友|網友|创始人|創始人|选手|選手|球员|球員|工程师|工程師|民警|律师|律師|被告人|被告|原告|法官|检察官|檢察官|嫌疑人|判处|判處|会长|會長|志愿者|志願者|客户|客戶|申请人|申請人|队长|隊長|教练|教練|市长|市長|副市长|副市長|省长|省長|县长|縣長|区长|區長|局长|局長|厅长|廳長|部长|部長|首席执行官|首席執行官|执行官|執行官|行长|行長|秘书长|秘書長|发言人|總理|总理|总统|總統|主席|议员|議員|委员|委員|大使|裁定|起诉|起訴|队员|隊員|书记|書記|市委书记|省委书记|致|宣布|任命|提名|聘请|表彰|会见|会晤|专访|采访";
/** Titles after a family name alone ("黄老师", "王总"). */
const CHINESE_TITLE = "老师|老師|先生|女士|小姐|教授|医生|醫生|博士|经理|經理|总|總|律师|律師|主任|师傅|師傅";
const CHINESE_ROLE_AFTER =
  "先生|女士|小姐|老师|老師|教授|医生|醫生|博士|经理|經理|总|總|同学|同學|律师|律師|记者|記者|主任|院长|院長|局长|局長|部长|部長|书记|書記|董事长|董事長|师傅|師傅|表示|说|說|指出|称|稱|认为|認為|介绍|介紹|打进|打進|攻入|有期徒刑|医师|醫師|研究员|研究員|教练|教練|会长|會長|反映|透露|强调|強調|入狱|入獄|出生于|出生於|生于|生於|毕业于|畢業於|梅开二度|梅開二度|上演帽子戏法|荣获|榮獲|当选|當選|出任|去世|逝世|病逝|败诉|胜诉|被判|获刑|辞职|辞去|泣告|敬告|敬上|谨上|汇报|负责|負責|获得|獲得";
/** What may stand beside a name without saying it is one: punctuation, "and", a space, the piece's ends. */
const CHINESE_PLAIN_BEFORE = "和|与|與|及|、|：|:|，|,|的|\\s|^";
const CHINESE_PLAIN_AFTER =
  "和|与|與|及|、|等|在|，|,|。|：|:|（|\\(|您|你好|\\s|$|周[一二三四五六日]|週[一二三四五六日]|昨天|今天|明天|日前|近日|将|將|已|也|曾|于|於";
/**
 * A family name's first character must stand here: tested before the long look-behind at every
 * position of a text, the look-behind (hundreds of alternatives) runs only where a name can start.
 */
const AT_SURNAME = `(?=[${CHINESE_SURNAMES}${CHINESE_DOUBLE_SURNAMES.split("|")
  .map((name) => name[0])
  .join("")}])`;
const CHINESE_NAME = new RegExp(
  `${AT_SURNAME}(?<=${CHINESE_ROLE_BEFORE}|${CHINESE_PLAIN_BEFORE})((?:${CHINESE_DOUBLE_SURNAMES}|[${CHINESE_SURNAMES}])(?!${CHINESE_TITLE})[\\p{sc=Han}]{1,2}?)(?=${CHINESE_ROLE_AFTER}|${CHINESE_PLAIN_AFTER})`,
  "gu",
);
/**
 * A common family name and a given name of common given-name characters, between punctuation,
 * "和" or "的" and a verb or particle of the sentence ("王芳和赵磊将负责…", "台北的林志豪在比赛中…"):
 * a name with no role word beside it. A given name of one character only from the characters
 * that seldom end a word (文明, 高峰, 王国 are words); words the lists hold as frequent are none.
 */
const CHINESE_COMMON_SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范廖贾韦夏邹熊孟秦邱侯江尹薛闫段雷黎陶贺郝顾龚邵钱严覃戴莫孔汤陳張劉楊黃趙吳許韓馮鄧蕭葉蘇呂盧鍾譚陸賈韋鄒閆賀顧龔錢嚴湯";
const CHINESE_GIVEN_CHARS =
  "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红兰辉鹏飞宇浩婷雪琳欣佳晨阳建志文斌凤云梅慧颖萍海俊嘉龙晓家立振荣雨春亮成宏波峰毅彬蕾薇琪瑶怡妍倩莉燕丹晶洁珊蓉雯璐悦思梦诗雅馨涵轩泽睿博宁凯铭鑫昊然豪翔坤德健永庆福贵祥顺珍菊淑玉兵武彤露曼媛茜韵宸逸航金喜爱光宝清正伦仁义礼智信忠秋冬晴岚霖琴瑜璇婉娇嫣蓓蕊芬芝虎彪帆远达旭耀炜烨煜熙皓晖乐欢源松柏桐楠森" +
  "偉麗強軍艷傑濤華紅蘭輝鵬飛陽誌鳳雲穎龍曉榮潔夢詩軒澤寧凱銘慶貴順瑩彥樂遠達燁暉";
const CHINESE_GIVEN_ALONE = "芳磊伟静娜敏丽杰洋梅悦晨婷倩艳娟霞玲燕颖琳莉萍鹏浩涛斌勇军强刚辉毅彬俊雯蕾薇琪瑶怡欣妍偉麗傑濤輝鵬軍強剛穎";
const CHINESE_PLAIN_NAME = new RegExp(
  `(?=[${CHINESE_COMMON_SURNAMES}])(?<=${CHINESE_PLAIN_BEFORE}|[。！？；“”「」（(])([${CHINESE_COMMON_SURNAMES}](?:[${CHINESE_GIVEN_CHARS}]{2}|[${CHINESE_GIVEN_ALONE}]))` +
    `(?=${CHINESE_PLAIN_AFTER}|[！？；”」）)]|说|說|表示|称|稱|认为|認為|获得|獲得|宣布|出任|开了|開了|从|從|的|还|還|都|就|是|被|把|对|對|向|给|給|跟|梅开二度|梅開二度|今年|去年)`,
  "gu",
);

/**
 * Roles, kin and report words that put a person right after them in news, blogs and chat ("作家余秋月",
 * "门将马天宇", "外婆", "凭借吴志远的进球"), a quote mark between allowed ("网友“李大伟”"); after
 * such a cue the name may be followed by a verb or particle of the sentence ("在", "的", "赛后", "老人").
 */
const CHINESE_ROLE_NEWS =
  "作家|博主|主教练|门将|前锋|后卫|中场|读者|老同学|同学|同事|外婆|外公|奶奶|爷爷|姥姥|姥爷|妈妈|爸爸|母亲|父亲|哥哥|姐姐|弟弟|妹妹|阿姨|叔叔|舅舅|导师|歌手|演员|导演|主持人|作者|编辑|画家|凭借|嘉宾|主播|运动员|老板|店主|司机|候选人|冠军|市民|居民|村民|网友|網友|叫";
const CHINESE_SENTENCE_AFTER =
  '出席|会见|會見|主持|视察|視察|发表|發表|宣布|在|的|是|从|從|每|于|於|和|与|與|被|把|给|給|对|對|向|曾|已|将|將|赛后|賽後|分享|称赞|稱讚|举办|舉辦|老人|少年|夫妇|夫婦|等人|为|為|[”」』"]';
const CHINESE_CUED_NAME = new RegExp(
  `${AT_SURNAME}(?<=(?:${CHINESE_ROLE_NEWS}|${CHINESE_ROLE_BEFORE})[“「『"]?)((?:${CHINESE_DOUBLE_SURNAMES}|[${CHINESE_SURNAMES}])(?!${CHINESE_TITLE})[\\p{sc=Han}]{1,2})(?=${CHINESE_SENTENCE_AFTER}|${CHINESE_ROLE_AFTER}|${CHINESE_PLAIN_AFTER})`,
  "gu",
);
const CHINESE_FAMILY_TITLE = new RegExp(
  `${AT_SURNAME}(?<=${CHINESE_ROLE_BEFORE}|${CHINESE_PLAIN_BEFORE})((?:${CHINESE_DOUBLE_SURNAMES}|[${CHINESE_SURNAMES}]))(?=${CHINESE_TITLE})`,
  "gu",
);
const CHINESE_CUE_BEFORE = new RegExp(`(?:${CHINESE_ROLE_BEFORE})\\s?$`, "u");
/** A CJK name field's label, a blank, then two to five Han, kana or Hangul up to punctuation or a blank (a Japanese name may hold an ideographic space). */
const CJK_LABEL_BLANK =
  /(?<![\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}])(?:氏名|お名前|名前|姓名|聯絡人|联系人|성명|이름)[ \u3000]((?:[\p{sc=Han}\p{sc=Katakana}\p{sc=Hangul}ー・]|\u3000(?=\p{sc=Han})|(?<=\p{sc=Katakana})[ \u3000](?=\p{sc=Katakana})){2,12})(?=[、，,。.\s:：;；)）]|$)/gu;
/** One or two Han opening a message, then a greeting or "，您/你" ("家豪您好", "伟，您的…", "敏你好"). */
const CHINESE_ADDRESSED = /^[\s「“"]*(\p{sc=Han}{1,2})(?=(?:您|你)好|[，,]\s?(?:您|你))/u;
/** Words that open a message so and are no one's name: groups, roles, greetings of the day, "dear". */
const CHINESE_ADDRESSED_NOT =
  /^(?:大家|各位|诸位|諸位|老师|老師|同学|同學|客户|客戶|用户|用戶|会员|會員|朋友|家长|家長|领导|領導|先生|女士|小姐|亲|親|亲爱|親愛|早上|上午|中午|下午|晚上|早安|晚安|您|你|妈妈|媽媽|爸爸|老板|老闆|师傅|師傅|医生|醫生|同事|同仁|嗨|喂|哈喽|哈囉|你们|你們|您们|您們|顾客|顧客|买家|買家|卖家|賣家|亲们|親們|各界|学员|學員|读者|讀者|听众|聽眾|观众|觀眾|小伙伴|伙伴|夥伴|宝宝|寶寶|宝贝|寶貝|主人|管理员|管理員|经理|經理)$/u;
// "王俊杰您好", "徐秀英，您的…": a message opening on the name of the one it speaks to.
const CHINESE_CUE_AFTER = new RegExp(`^(?:\\s?(?:${CHINESE_ROLE_AFTER})|\\s?(?:您|你)好|[，,]\\s?您)`, "u");
const CHINESE_JOINED = /^(?:和|与|與|及|、)$/u;
const CHINESE_THANKS_SIGNATURE = new RegExp(
  `(?:谢谢[！!，,]?|謝謝[！!，,]?|此致敬礼[！!，,]?)\\s*((?:${CHINESE_DOUBLE_SURNAMES}|[${CHINESE_SURNAMES}])\\p{sc=Han}{1,2})[。.！!]?\\s*$`,
  "u",
);
/** Korean family names and the titles, honorifics and particles after a name. */
export const KOREAN_SURNAMES =
  "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용";
/** Korean family names of two syllables ("남궁민수", "황보영"). */
export const KOREAN_DOUBLE_SURNAMES = "남궁|황보|제갈|선우|독고|사공|서문|동방|어금|망절";
/** A Korean name written after a field label: a family name and one or two syllables. */
const KOREAN_LABELLED_NAME = new RegExp(`^[${KOREAN_SURNAMES}][\\p{sc=Hangul}]{1,2}$`, "u");
// Three syllables (the last not an honorific: "고객님" is "customer") before a title or honorific, or closing a field.
const KOREAN_NAME = new RegExp(
  `(?<![\\p{sc=Hangul}])([${KOREAN_SURNAMES}][\\p{sc=Hangul}](?![님씨])[\\p{sc=Hangul}])(?=\\s?(?:님|씨|고객님|회원님|교수|대표|과장|부장|사장|팀장|대리|선생|의원|장관|기자|선수|감독|회장|이사|원장|박사|변호사|연구원|사무관|코치|교사|간호사|작가|위원장|위원|총장|소장|검사|판사|본부장|상무|전무|부사장|부회장|부대표|부장관|차관|대변인|의장|국장|실장|단장|주장|이사장|여사|주무관|주임|계장|책임연구원|군수|구청장|도지사|국무총리|총리|부총리|대통령|공장장|아나운서|앵커|교육감|가수|배우|소설가|시인|화가|특파원|논설위원|원내대표|대표이사|전\\s(?:대표|의원|장관|회장|사장|감독|대통령|총리|시장))|\\s*$|\\s*[·|—])`,
  "gu",
);
/**
 * A Korean three-syllable name before a kin or role word that follows people, not things ("최순자
 * 할머니께서", "임수빈 선배한테", "윤서진 매니저에게"; not the plural "선배들"; not "고객", which any
 * word qualifies: "이번달 고객", "우수한 고객"): checked against the word lists, since a word opening on
 * a family name's syllable stands there too, and not ending in a suffix or modifier ending of words
 * (-적, -용, -식, -별, -한, -는, -된, -던).
 */
const KOREAN_ROLE_NAME = new RegExp(
  `(?<![\\p{sc=Hangul}])([${KOREAN_SURNAMES}][\\p{sc=Hangul}](?![님씨적용식별한는된던])[\\p{sc=Hangul}])(?=\\s?(?:매니저|할머니|할아버지|어르신|선배|후배)(?!들))`,
  "gu",
);
/**
 * A Korean three-syllable name opening on a family name after a role word of a form or a delivery
 * ("수령인 최동욱", "고객: 이하은") followed by punctuation, a space or the end; or alone in Latin-script
 * text before a comma or the end ("KYC check: 박성민, …"; "Use 한국어 for …" is a word).
 */
const KOREAN_CUED_NAME = new RegExp(
  `(?:(?:수령인|결제자|주문자|구매자|수신자|발신자|카드\\s?소지자|소지자|카드\\s?소유자|소유자|명의자|(?:회원|고객|가입자)\\s?정보|자녀|상주|가입자|신청자|예약자|받는\\s?분|고객|고객명|담당자|작성자|신청인|보호자|환자|성명|이름|예금주|회원|직원|학생|대표자|공격수|수비수|미드필더|골키퍼|투수|타자|선수|시장|부시장|도지사|지사|구청장|장관|대통령|총리|국회의원|의원|대변인|사장|부사장|회장|감독|코치|판사|검사|변호사|교수|기자|소설가|작가|가수|배우|시인|화가|아나운서|앵커)\\s?[:：]?\\s?((?:${KOREAN_DOUBLE_SURNAMES})[\\p{sc=Hangul}]{1,2}|[${KOREAN_SURNAMES}][\\p{sc=Hangul}]{2})(?=(?:과|와|은|는|이|가|을|를|의|에게|도)?(?:[\\s,.;:/)]|$))|[A-Za-z][A-Za-z.]*[:,]?\\s([${KOREAN_SURNAMES}][\\p{sc=Hangul}]{2})(?=[,;/)]|\\s*$))`,
  "gu",
);
/**
 * The familiar forms of a family name, 老 or 小 before it ("老周说", "小王，"), where punctuation,
 * the piece's start or a verb of speaking stands around; never a word that opens so (小时 an hour, 老师
 * a teacher, 小心 careful, 小米 millet).
 */
const CHINESE_FAMILIAR = new RegExp(
  `(?=[老小])(?<=${CHINESE_PLAIN_BEFORE}|。|！|？|「|—|说|說|叫|找|问|問|给|給|跟|一下)((?:老|小)(?![时時师師心学學米])[${CHINESE_SURNAMES}])(?=${CHINESE_PLAIN_AFTER}|说|說|刚|剛|要|让|讓|把|问|問|负责|負責|也|你)`,
  "gu",
);
/**
 * A Korean given name of two syllables before the honorific "님" ("수빈님, 임시 비밀번호는…", "민지님
 * 안녕하세요"); not a role or kin word that takes it ("고객님", "선생님", "어머님") or a word for God.
 */
const KOREAN_GIVEN_NIM = /(?<![\p{sc=Hangul}])([\p{sc=Hangul}]{2})(?= ?님(?:[,.!?\s]|$|께|은|는|이|가|의|을|를|도|에게|한테|과|와|이랑|랑))/gu;
const KOREAN_NIM_NOT_GIVEN = new Set(
  "강사 기자 집사 상무 전무 사원 조교 세무 변호 노무 상담 반장 계장 주무 간사 총무 조장 팀원 선수 감사 고문 교사 고객 회원 선생 사장 부장 팀장 과장 차장 대리 실장 원장 교수 기사 학생 작가 대표 주임 의원 위원 선배 후배 기장 목사 신부 수녀 의사 판사 검사 감독 코치 부모 아버 어머 할머 아드 사모 도련 주인 회장 이사 박사 총장 소장 국장 단장 시장 군수 관리 담당 하느 하나 부처 예수 조상 형수 누이 매형 장인 장모 시부 시어 아가 손자 손녀 고모 이모 삼촌 여러 당신 귀하 관장 교장 간호 환자 보호 손님 스승 성님 임금 상감 마님 나리 영감 대감 왕자 공주 전하 폐하".split(
    " ",
  ),
);
/** A Korean given name of two syllables before "씨" ("지은 씨,"). */
/**
 * The people a meeting's minutes list after "出席者" and the like: each item between "、" or "," up to
 * the sentence's end, a bracket or a line break, Han, kana or Hangul with one blank at most
 * ("出席者：岡田、西村美穂、マイケル・ブラウン", "参会人员：王芳、李静", "참석자: 남궁민, 제임스 리").
 */
const CJK_ATTENDEES = /(?:出席者|参加者|欠席者|出席人员|参会人员|与会人员|出席人員|參會人員|與會人員|참석자|참석)[：:\s]\s*([^。\n（(：:]{2,120})/gu;
const CJK_ATTENDEE =
  /^\s*([\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}ー・]{1,12}(?: [\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}ー・]{1,12})?)[\s.．]*$/u;
/** A name in kana opening a chat line's quote ("みく「はるとまだ仙台？」", "あや「名古屋にいるって」"). */
const KANA_SPEAKER = /(?:^|[\s：:」』。！？、])([\p{sc=Hiragana}\p{sc=Katakana}ー]{2,5})(?=[「『])/gu;
/** A particle closing the kana: a word of the sentence, not a speaker ("これは「…」"). */
const KANA_PARTICLE_END = /[はがをにでもへの]$/u;

/**
 * A family name and a given name of two syllables, then a particle and what a player does in a
 * match report ("송민규의 결승골로", "한지석이 넣었다", "이강민의 활약", "박지훈이 두 골을"); not
 * an institution's word ("연구소", "민주당"): institutions speak, so no verb of speech counts here.
 */
const KOREAN_SCORER = new RegExp(
  `(?<![\\p{sc=Hangul}])([${KOREAN_SURNAMES}][\\p{sc=Hangul}](?![회부청소당원단국처실과])[\\p{sc=Hangul}])(?=(?:의 (?:결승골|멀티골|동점골|선제골|역전골|추가골|해트트릭|활약|득점|골|도움)|[이가] (?:결승골|멀티골|동점골|선제골|두 골|골을|넣었)))`,
  "gu",
);
/**
 * A given name of two syllables called with the vocative "아"/"야" where a message or sentence opens,
 * before a comma, a blank or "!" ("지민아 오늘…", "수빈아, 이 파일…"): how Korean addresses a friend.
 */
const KOREAN_CALLED = /(?:^|[.!?…"“'‘(]\s*)([\p{sc=Hangul}]{2})(아|야)(?=[,!~\s]|$)/gu;
/** Words and kin that take the vocative or end so as no name does ("아니야", "괜찮아", "친구야", "언니야"). */
const KOREAN_CALLED_NOT = new Set(
  "아니 그래 어디 누구 괜찮 그렇 이거 저거 그거 여기 거기 저기 진짜 정말 대박 미안 엄마 아빠 언니 오빠 누나 친구 여보 자기 얘들 애들 동생 아가 아기 강아 고양 사랑 자식 녀석 인마 임마 세상 하늘 바보 천사 오늘 내일 어제 그게 이게 저게 뭐가 이제 아직 벌써 많잖 싫잖 좋잖 했잖 그랬 같잖".split(
    " ",
  ),
);
const KOREAN_GIVEN_SSI = /(?<![\p{sc=Hangul}])([\p{sc=Hangul}]{2})(?=\s씨(?:[,.\s]|$|는|가|도|에게|한테))/gu;
/** A family name alone before a title ("최 팀장님"); 이 (this), 전 (former), 현 (current), 구 (old) and 신 (new) read as words there. */
const KOREAN_FAMILY_TITLE = new RegExp(
  `(?<![\\p{sc=Hangul}])([${KOREAN_SURNAMES.replace(/[이전현구신]/gu, "")}])(?=\\s(?:대표|과장|부장|사장|팀장|대리|교수|의원|장관|기자|감독|회장|이사|원장|박사|변호사|실장|차장|주임|씨))`,
  "gu",
);
/** A numeral after the first character: a weekday or a count ("周一至周五", Monday to Friday), not a given name. */
const NUMERAL_SECOND = /^.[一二三四五六七八九十日天]/u;
/** A label of Chinese characters and a colon right before: a form's field. */
const CJK_FIELD_BEFORE = /\p{sc=Han}{2,6}\s?[:：]\s?$/u;
/** Latin letters before and no Chinese character: the name stands alone in Latin-script text. */
const LATIN_BEFORE = /[A-Za-z][A-Za-z.]*[:,]?\s$/u;
/** A Japanese name: a family name some list knows, a space, a given name; or any two or three Han before an honorific. */
const JAPANESE_HONORIFIC = /^[ \u3000]?(?:様|さま|さん|氏|先生|君|くん|ちゃん|殿|教授|社長|部長|課長)/u;
const JAPANESE_HONORIFIC_END = /(?:様|さま|さん|氏|先生|君|くん|ちゃん|殿)$/u;
const HONORIFICS = "様|さま|さん|氏|先生|君|くん|ちゃん|殿";
const JAPANESE_NAME = new RegExp(
  `(?<![\\p{sc=Han}])(\\p{sc=Han}{1,3})(?:([ \\u3000])((?:(?!${HONORIFICS})[\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}]){1,3}))?(?=[ \\u3000]?(?:${HONORIFICS})|[^\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}]|$)`,
  "gu",
);
/** Titles and roles written after a Japanese name ("木下被告", "池田弁護士", "村上教授", "渡辺部長"). */
const JAPANESE_TITLES =
  "様|さま|さん|氏|先生|君|くん|ちゃん|殿|准教授|教授|部長|課長|社長|会長|院長|所長|店長|被告|容疑者|弁護士|医師|看護師長|看護師|選手|監督|議員|記者|代表|副知事|都知事|府知事|県知事|知事|副総裁|総裁|首相|総理|官房長官|長官|大臣|副市長|市長|理事長|頭取|取締役|投手|捕手|外野手|内野手|主将";
const JAPANESE_BEFORE_HONORIFIC = new RegExp(`(?<![\\p{sc=Han}])(\\p{sc=Han}{2,6}?)(?=[ \\u3000]?(?:${JAPANESE_TITLES}))`, "gu");
/** A name written in hiragana before さん, くん or ちゃん ("たなかさん", "…さんとすずきさん"), as in chat and children's names. */
const HIRAGANA_BEFORE_HONORIFIC =
  /(?:(?<![\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Han}ー])|(?<=(?:さん|くん|ちゃん)と))(\p{sc=Hiragana}{2,5})(?=(?:さん|くん|ちゃん)(?:[とはがにのもへやを、。！？!?」,.\s]|$))/gu;
/** Hiragana words before an honorific that are no name: polite お/ご words, everyone, family and baby words. */
const HIRAGANA_NOT_NAME = /^(?:お|ご|みな|あか|ばあ|じい|にい|ねえ|かあ|とう|よめ|むこ|ぼっ|じょう)/u;
const CJK = /[\p{sc=Han}\p{sc=Hangul}]/u;
const KANA = /[\p{sc=Hiragana}\p{sc=Katakana}]/u;
/** Honorifics only Japanese writes after a name in Han ("山口様" on a line of its own holds no kana). */
const JAPANESE_HAN_HONORIFIC = /\p{sc=Han}(?:様|殿)/u;
/**
 * Han before an honorific that are no name no list holds: everyone, a spouse, a king or god, a
 * customer or member, a trade ("八百屋さん"), a role ("店員さん", "運転手さん", "看護師さん").
 */
const HONORIFIC_NOT_NAME =
  /^(?:皆|奥|王|神|仏|殿|客|貴|旦那|女王|姫|坊|嬢|父|母|兄|姉|弟|妹|息子|娘|孫|先輩|後輩|親方|大家|大将)$|[者員屋家師官手長方達様人生]$/u;
/** Single Han that are Japanese family names in full ("森さん", "林様"). */
const JAPANESE_ONE_HAN_FAMILY = /^[森林原関堀辻岸谷菅沢泉畑浜島嶋柳桜東西南北岩橋]$/u;
/**
 * A Japanese family name of Han and a given name of kana right after it, then an honorific
 * ("高橋ひかり様", "伊藤ひかり様", "小林さくらさん"): forms and letters write given names in kana.
 */
const JAPANESE_KANA_GIVEN = new RegExp(
  `(?<![\\p{sc=Han}])(\\p{sc=Han}{1,3})((?:(?!${HONORIFICS})(?:\\p{sc=Hiragana}|[\\p{sc=Katakana}ー])){2,5})(?=[ \\u3000]?(?:${HONORIFICS}))`,
  "gu",
);
/**
 * A CJK name standing alone between a field's delimiters, or as the whole text ("氏名：田中陽菜／",
 * "鈴木結衣", "佐々木蓮"; "同行は小林さくらです" is not one): a family name of two or three Han some
 * list holds, then one to three Han or two to five kana, the whole no word of any list.
 */
const HAN_RUN = /^\p{sc=Han}+/u;
/** Particles after a family name ("鈴木から、", "田中まで"): no given name. */
const KANA_PARTICLES = /^(?:から|まで|より|には|では|へは|とは|など|だけ|にも|でも|って|ので|のに|けど|ほど|しか|こそ|さえ)$/u;
const CJK_NAME_ALONE = new RegExp(
  `(?<=^|[\\s,，、;；|/／:：()（）「」『』【】])(?:(?:(?!${JAPANESE_TITLES})\\p{sc=Han}){3,4}|\\p{sc=Han}{2,3}(?:(?!${JAPANESE_TITLES})[\\p{sc=Hiragana}\\p{sc=Katakana}ー]){2,5})(?=$|[\\s,，、;；|/／:：()（）「」『』【】。])`,
  "gu",
);
/**
 * A name in katakana (foreign and given names, "・" between its parts) before an honorific or a title ("マイケルさん",
 * "リサ・チェンさん", "ハツさん"); not a role or a family word written so ("ママさん", "スタッフさん").
 */
const KATAKANA_BEFORE_TITLE = new RegExp(
  `(?<![\\p{sc=Katakana}ー・])([\\p{sc=Katakana}ー]{2,}(?:・[\\p{sc=Katakana}ー]{2,})*)(?=(?:${JAPANESE_TITLES}))`,
  "gu",
);
const KATAKANA_NOT_NAME =
  /^(?:ママ|パパ|オーナー|スタッフ|メンバー|ゲスト|ユーザー|ファン|マネージャー|ドライバー|コーチ|シェフ|ナース|キャスト|サポーター|ボランティア|パート|アルバイト|バイト|リーダー|チーム|クライアント|オペレーター|デザイナー|エンジニア|プロ|ベテラン|ルーキー|ホスト|ホステス|シスター|ブラザー)$/u;
/**
 * In Japanese text, a family name some list holds and a given name of one or two Han, then a particle ("鈴木健太が",
 * "大西翔が", "宮市亮太の"); not a place, a company or a building ("中村区の", "鈴木商店が": their last Han says so).
 */
const JAPANESE_FULL_NAME = /(?<![\p{sc=Han}々])(\p{sc=Han}[\p{sc=Han}々]{1,2}?)(\p{sc=Han}{1,2})(?=[がはのとも、]|に(?:対し|よる|よれば))/gu;
const NOT_A_GIVEN_NAME_END = /[市区町村県都府道駅線店社部課館園寺橋川山島港局署所院校堂殿宮城門場屋家組会団党軍隊州国府庁省湾岸台谷沢原野]$/u;
/** Han a death notice or a court report writes before a name: the late, the former ("故中島美代子様", "元社長"). */
const NAME_PREFIX_HAN = /^[故元前亡]/u;
/** A family name some list holds introducing its bearer after a company ("ソニーの橋本です"). */
const JAPANESE_SELF = /(?<=の)(\p{sc=Han}{2,3})(?=です|でございます|と申します)/gu;

/** Particles of a Chinese clause (done, passed, -ing, questions, suggestions): never in a name. */
export const CJK_PARTICLES = "了过過着吗嗎呢吧啊";
/** Particles, the words of a form's placeholder (enter, none, unknown, test), verbs after "please" that open on a family name ("请查收"). */
const NOT_IN_CJK_NAME = new RegExp(
  `[${CJK_PARTICLES}]|请|請|输入|輸入|暂无|暫無|未填|未知|测试|測試|^(?:查收|查看|查询|查詢|查阅|查閱|查找|查验)$`,
  "u",
);

/** Names in Chinese, Japanese and Korean text (see the regular expressions above); offsets in `piece`. */
export function addCjkNames(piece: string, spans: NameSpan[], model: Tagger): void {
  if (!CJK.test(piece)) return;
  const added: Array<[number, number]> = [];
  const add = (start: number, end: number) => {
    // A name this rule found over it (with its given name) stays; the tagger's spans over kana give way.
    if (added.some(([s, e]) => s <= start && e >= end)) return;
    // A particle or a form's placeholder is no part of a name ("我叫车了", I called a car; "姓名：请输入").
    if (NOT_IN_CJK_NAME.test(piece.slice(start, end))) return;
    added.push([start, end]);
    for (let k = spans.length - 1; k >= 0; k--) {
      const c = spans[k] as NameSpan;
      if (c.start < end && start < c.end) {
        // A longer address around it keeps it; a place or organisation the tagger ran over a clause gives way.
        if (c.kind === "address" && c.start <= start && c.end >= end) return;
        spans.splice(k, 1);
      }
    }
    spans.push({ kind: "person", start, end });
  };
  const japanese = KANA.test(piece) || JAPANESE_HAN_HONORIFIC.test(piece);
  if (japanese || /[\p{sc=Han}][ \u3000][\p{sc=Han}]/u.test(piece)) {
    JAPANESE_NAME.lastIndex = 0;
    for (let m = JAPANESE_NAME.exec(piece); m; m = JAPANESE_NAME.exec(piece)) {
      const family = m[1] ?? "";
      const known = (flagsOf(family, model) & NAMES) !== 0;
      const whole = m[0].replace(JAPANESE_HONORIFIC_END, "");
      const honorific = JAPANESE_HONORIFIC.test(piece.slice(m.index + whole.length));
      // Before an honorific in Japanese text, Han that are no everyday or role word are a family name no list holds.
      const unlisted =
        japanese &&
        !m[2] &&
        (family.length >= 2 ? !HONORIFIC_NOT_NAME.test(family) && !(flagsOf(family, model) & KNOWN_WORD) : JAPANESE_ONE_HAN_FAMILY.test(family));
      if ((m[2] && known) || (honorific && (known || m[2] || unlisted))) add(m.index, m.index + whole.length);
    }
    JAPANESE_SELF.lastIndex = 0;
    for (let m = JAPANESE_SELF.exec(piece); m; m = JAPANESE_SELF.exec(piece))
      if (flagsOf(m[1] ?? "", model) & Gaz.last) add(m.index, m.index + (m[1] ?? "").length);
    JAPANESE_BEFORE_HONORIFIC.lastIndex = 0;
    for (let m = JAPANESE_BEFORE_HONORIFIC.exec(piece); m; m = JAPANESE_BEFORE_HONORIFIC.exec(piece)) {
      // A family name of two or three Han some list holds ("長谷川健太郎", "佐々木被告"), after "the late" or "former" too.
      const prefix = NAME_PREFIX_HAN.exec(m[1] ?? "")?.[0].length ?? 0;
      const han = (m[1] ?? "").slice(prefix);
      if (han.length < 2) continue;
      if ((flagsOf(han.slice(0, 2), model) | flagsOf(han.slice(0, 3), model) | (han.length <= 3 ? flagsOf(han, model) : 0)) & NAMES)
        add(m.index + prefix, m.index + prefix + han.length);
    }
    JAPANESE_FULL_NAME.lastIndex = 0;
    for (let m = JAPANESE_FULL_NAME.exec(piece); m; m = JAPANESE_FULL_NAME.exec(piece)) {
      const run = m[0];
      if (NOT_A_GIVEN_NAME_END.test(run) || flagsOf(run, model) & KNOWN_WORD || !(flagsOf(m[1] ?? "", model) & Gaz.last)) continue;
      if (flagsOf(m[2] ?? "", model) & KNOWN_WORD && (m[2] ?? "").length > 1) continue;
      add(m.index, m.index + run.length);
    }
    KATAKANA_BEFORE_TITLE.lastIndex = 0;
    for (let m = KATAKANA_BEFORE_TITLE.exec(piece); m; m = KATAKANA_BEFORE_TITLE.exec(piece))
      if (!KATAKANA_NOT_NAME.test(m[1] ?? "")) add(m.index, m.index + (m[1] ?? "").length);
    HIRAGANA_BEFORE_HONORIFIC.lastIndex = 0;
    for (let m = HIRAGANA_BEFORE_HONORIFIC.exec(piece); m; m = HIRAGANA_BEFORE_HONORIFIC.exec(piece))
      if (!HIRAGANA_NOT_NAME.test(m[1] ?? "")) add(m.index, m.index + (m[1] ?? "").length);
    JAPANESE_KANA_GIVEN.lastIndex = 0;
    for (let m = JAPANESE_KANA_GIVEN.exec(piece); m; m = JAPANESE_KANA_GIVEN.exec(piece))
      if (flagsOf(m[1] ?? "", model) & Gaz.last && !HIRAGANA_NOT_NAME.test(m[2] ?? "")) add(m.index, m.index + m[0].length);
  }
  CJK_NAME_ALONE.lastIndex = 0;
  for (let m = CJK_NAME_ALONE.exec(piece); m; m = CJK_NAME_ALONE.exec(piece)) {
    const run = m[0];
    if (flagsOf(run, model) & KNOWN_WORD) continue;
    // The family name is its first two Han or, failing a list, its first three ("佐々木蓮"); the given name the rest.
    const hanLength = HAN_RUN.exec(run)?.[0].length ?? 0;
    for (const length of [2, 3]) {
      const given = run.slice(length);
      if (KANA_PARTICLES.test(given)) break;
      if (length > hanLength || (given.length > 3 && length === hanLength) || !given || given.length > 5) continue;
      if (flagsOf(run.slice(0, length), model) & Gaz.last && !(flagsOf(given, model) & KNOWN_WORD)) {
        add(m.index, m.index + run.length);
        break;
      }
    }
  }
  if (!japanese) {
    // A name needs a role word or title beside it, or "和"/"、" joining it to such a name (two
    // characters between commas are as often a word: "方法，安全，高效").
    const found: Array<[number, number, boolean]> = [];
    CHINESE_NAME.lastIndex = 0;
    for (let m = CHINESE_NAME.exec(piece); m; m = CHINESE_NAME.exec(piece)) {
      const start = m.index;
      const end = start + (m[1] ?? "").length;
      const before = piece.slice(Math.max(0, start - 12), start);
      const cued =
        CHINESE_CUE_BEFORE.test(piece.slice(Math.max(0, start - 4), start)) ||
        // As long as the longest cue after a name ("梅开二度", "上演帽子戏法"): three characters missed them.
        CHINESE_CUE_AFTER.test(piece.slice(end, end + 8)) ||
        // The value of a field ("客户：王晓明，"; NFKC turns "：" into ":"), three characters: two are as often a word.
        (end - start === 3 && CJK_FIELD_BEFORE.test(before) && !NUMERAL_SECOND.test(piece.slice(start, end))) ||
        // A Chinese name alone in Latin-script text ("Contact 李静 at …", "Patient: 王晓明").
        LATIN_BEFORE.test(before);
      found.push([start, end, cued]);
    }
    CHINESE_CUED_NAME.lastIndex = 0;
    for (let m = CHINESE_CUED_NAME.exec(piece); m; m = CHINESE_CUED_NAME.exec(piece)) found.push([m.index, m.index + (m[1] ?? "").length, true]);
    CHINESE_FAMILY_TITLE.lastIndex = 0;
    for (let m = CHINESE_FAMILY_TITLE.exec(piece); m; m = CHINESE_FAMILY_TITLE.exec(piece))
      found.push([m.index, m.index + (m[1] ?? "").length, true]);
    CHINESE_FAMILIAR.lastIndex = 0;
    for (let m = CHINESE_FAMILIAR.exec(piece); m; m = CHINESE_FAMILIAR.exec(piece)) found.push([m.index, m.index + (m[1] ?? "").length, true]);
    CHINESE_PLAIN_NAME.lastIndex = 0;
    for (let m = CHINESE_PLAIN_NAME.exec(piece); m; m = CHINESE_PLAIN_NAME.exec(piece))
      if (!(flagsOf(m[1] ?? "", model) & KNOWN_WORD)) found.push([m.index, m.index + (m[1] ?? "").length, true]);
    found.sort((a, b) => a[0] - b[0]);
    for (const [i, [start, end, cued]] of found.entries()) {
      // Two characters with a numeral second are a weekday or a count ("部长周二表示": on Tuesday).
      if (end - start === 2 && NUMERAL_SECOND.test(piece.slice(start, end))) continue;
      const previous = found[i - 1];
      const next = found[i + 1];
      const joined =
        (previous?.[2] === true && CHINESE_JOINED.test(piece.slice(previous[1], start))) ||
        (next?.[2] === true && CHINESE_JOINED.test(piece.slice(end, next[0])));
      if (cued || joined) add(start, end);
    }
    // A given name alone (no family name), addressed where a Chinese message opens ("家豪您好", "伟，您的…").
    const addressed = CHINESE_ADDRESSED.exec(piece);
    if (addressed && !CHINESE_ADDRESSED_NOT.test(addressed[1] ?? "")) {
      const start = addressed[0].length - (addressed[1] ?? "").length;
      add(start, start + (addressed[1] ?? "").length);
    }
    // The writer's name closing a message after thanks ("谢谢！黄芳"; after a dash: addSignatureName).
    const signed = CHINESE_THANKS_SIGNATURE.exec(piece);
    if (signed && !(flagsOf(signed[1] ?? "", model) & KNOWN_WORD)) {
      const start = piece.length - signed[0].length + signed[0].indexOf(signed[1] ?? "");
      add(start, start + (signed[1] ?? "").length);
    }
  }
  KOREAN_NAME.lastIndex = 0;
  for (let m = KOREAN_NAME.exec(piece); m; m = KOREAN_NAME.exec(piece)) add(m.index, m.index + (m[1] ?? "").length);
  KOREAN_ROLE_NAME.lastIndex = 0;
  for (let m = KOREAN_ROLE_NAME.exec(piece); m; m = KOREAN_ROLE_NAME.exec(piece))
    if (!(flagsOf(m[1] ?? "", model) & (KNOWN_WORD | Gaz.time))) add(m.index, m.index + (m[1] ?? "").length);
  for (const pattern of [KOREAN_GIVEN_SSI, KOREAN_FAMILY_TITLE]) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(piece); m; m = pattern.exec(piece)) add(m.index, m.index + (m[1] ?? "").length);
  }
  // A CJK name field's label, then a blank and the value ("氏名 山本陽菜、", "성명 김민수,"): written so as often as with a colon.
  CJK_LABEL_BLANK.lastIndex = 0;
  for (let m = CJK_LABEL_BLANK.exec(piece); m; m = CJK_LABEL_BLANK.exec(piece)) {
    const value = m[1] ?? "";
    // In Hangul a name is two to four syllables opening on a family name ("이름 변경하기" is "change the name").
    if (/\p{sc=Hangul}/u.test(value) && !KOREAN_LABELLED_NAME.test(value)) continue;
    add(m.index + m[0].length - value.length, m.index + m[0].length);
  }
  KOREAN_GIVEN_NIM.lastIndex = 0;
  for (let m = KOREAN_GIVEN_NIM.exec(piece); m; m = KOREAN_GIVEN_NIM.exec(piece))
    if (!KOREAN_NIM_NOT_GIVEN.has(m[1] ?? "")) add(m.index, m.index + (m[1] ?? "").length);
  CJK_ATTENDEES.lastIndex = 0;
  for (let m = CJK_ATTENDEES.exec(piece); m; m = CJK_ATTENDEES.exec(piece)) {
    let at = m.index + m[0].length - (m[1] ?? "").length;
    for (const item of (m[1] ?? "").split(/([、，,])/u)) {
      const name = CJK_ATTENDEE.exec(item)?.[1];
      const lead = item.length - item.trimStart().length;
      if (name) add(at + lead, at + lead + name.length);
      at += item.length;
    }
  }
  KANA_SPEAKER.lastIndex = 0;
  for (let m = KANA_SPEAKER.exec(piece); m; m = KANA_SPEAKER.exec(piece)) {
    const name = m[1] ?? "";
    if (!KANA_PARTICLE_END.test(name)) add(m.index + m[0].length - name.length, m.index + m[0].length);
  }
  KOREAN_SCORER.lastIndex = 0;
  for (let m = KOREAN_SCORER.exec(piece); m; m = KOREAN_SCORER.exec(piece)) add(m.index, m.index + (m[1] ?? "").length);
  KOREAN_CALLED.lastIndex = 0;
  for (let m = KOREAN_CALLED.exec(piece); m; m = KOREAN_CALLED.exec(piece)) {
    const given = m[1] ?? "";
    const last = (given.codePointAt(1) ?? 0) - 0xac00;
    // The vocative is "아" after a closing consonant and "야" after a vowel: a word that breaks the rule is no name called.
    if (KOREAN_CALLED_NOT.has(given) || (last % 28 !== 0) !== (m[2] === "아")) continue;
    add(m.index + m[0].length - given.length - 1, m.index + m[0].length - 1);
  }
  KOREAN_CUED_NAME.lastIndex = 0;
  for (let m = KOREAN_CUED_NAME.exec(piece); m; m = KOREAN_CUED_NAME.exec(piece)) {
    const name = m[1] ?? m[2] ?? "";
    const start = m.index + m[0].length - name.length;
    add(start, start + name.length);
  }
}

const GIVEN_THEN_WORD =
  /(?<![\p{L}\p{M}'’.@_-])(\p{Lu}\p{Ll}[\p{L}\p{M}]*) (\p{Lu}[\p{L}\p{M}]*(?:['’-]\p{Lu}?[\p{L}\p{M}]+)?)(?![\p{L}\p{M}\p{N}_@-])/gu;
/** What a given name must not also be to open a name alone: an everyday, technical, title, time or place word. */
const NOT_GIVEN_ALONE = Gaz.common | Gaz.techTerm | Gaz.title | Gaz.orgWord | Gaz.street | Gaz.time | Gaz.nationality | Gaz.country | Gaz.region;

/**
 * A known given name followed by a capitalised word no list knows as anything but a surname is a
 * person ("Ophelia Danquah", "Carmen Berrocal", "Joseph Camilleri"), even where the given name is
 * also a dictionary word or a town: the surname no list holds is what the tagger could not place.
 */
export function addGivenThenSurname(piece: string, spans: NameSpan[], model: Tagger): void {
  GIVEN_THEN_WORD.lastIndex = 0;
  for (let m = GIVEN_THEN_WORD.exec(piece); m; m = GIVEN_THEN_WORD.exec(piece)) {
    const given = m[1] ?? "";
    const surname = m[2] ?? "";
    GIVEN_THEN_WORD.lastIndex = m.index + given.length + 1;
    const g = flagsOf(given, model);
    if (!(g & Gaz.first) || g & NOT_GIVEN_ALONE || given.length < 3) continue;
    const f = flagsOf(surname, model);
    if (f & (Gaz.common | Gaz.dictionary | PLACES | NEVER_IN_NAME | Gaz.first) || surname.length < 3) continue;
    if (!(f & Gaz.last) && (f & KNOWN_WORD || nameLikeness(surname) < -2.5)) continue;
    const start = m.index;
    const end = start + m[0].length;
    if (spans.some((x) => x.start < end && start < x.end && (x.kind === "person" || x.start < start || x.end > end))) {
      // Grows a person found on one of the two words over both.
      for (const x of spans)
        if (x.kind === "person" && x.start < end && start < x.end && x.start >= start && x.end <= end) [x.start, x.end] = [start, end];
      continue;
    }
    spans.push({ kind: "person", start, end });
  }
}

/**
 * Words after a dash that closes a line or comes before a phone number: a signature ("— Outi", "— Pádraig Ó Ceallaigh, +353…");
 * glued to its dash only where the dash opens the piece ("…soita minulle. -Aleksi"; "gcc -Werror" is an option).
 */
const SIGNATURE =
  /(?:^\s*[—–-]\s?|(?:^|\s)[—–-]\s)(\p{Lu}[\p{L}\p{M}'’-]+(?:\s(?:(?:Ó|Ní|Mac|Mc|de|da|van|von|bin|al)\s)?\p{Lu}[\p{L}\p{M}'’-]+){0,2})\s*(?=$|,\s*\+?\d)/u;
const CHINESE_SIGNATURE = new RegExp(`[—–-]\\s?((?:${CHINESE_DOUBLE_SURNAMES}|[${CHINESE_SURNAMES}])\\p{sc=Han}{1,2})\\s*$`, "u");

/**
 * The name signing a message or a record line after a dash: a known given name or name-shaped words
 * no list knows as words or places; in Chinese, a family name and one or two characters.
 */
export function addSignatureName(piece: string, spans: NameSpan[], model: Tagger): void {
  // The detection copy writes every dash as "-".
  if (!/[—–-]/.test(piece)) return;
  const chinese = CHINESE_SIGNATURE.exec(piece);
  const latin = chinese ? null : SIGNATURE.exec(piece);
  const name = chinese?.[1] ?? latin?.[1];
  if (!name) return;
  const start = (chinese ?? latin)?.index ?? 0;
  const at = piece.indexOf(name, start);
  if (latin) {
    const words = name.split(" ").filter((w) => !/^(?:Ó|Ní|Mac|Mc|de|da|van|von|bin|al)$/.test(w));
    const firstFlags = flagsOf(words[0] ?? "", model);
    if (!(firstFlags & Gaz.first || unknownNameShaped(words[0] ?? "", firstFlags))) return;
    for (const w of words) {
      const f = flagsOf(w, model);
      if (f & (NEVER_IN_NAME | PLACES) || (f & KNOWN_WORD && !(f & NAMES))) return;
    }
  }
  const end = at + name.length;
  // A place or organisation over the same words gives way (a signature names a person); one reaching beyond them (an address) stays.
  // Glued to its dash, it is kept on a line the technical gate would read as code (a dash before a word is an option's
  // there), and so is a Chinese one ("。——李梅": the detection copy writes the dashes "--").
  const glued = chinese !== null || /^\s*-\S/u.test(piece);
  if (!glued && spans.some((x) => x.start < end && at < x.end && (x.kind === "person" ? x.end - x.start >= end - at : x.start < at || x.end > end)))
    return;
  replaceOverlapping(spans, { kind: "person", start: at, end, speaker: glued });
}

/** A chat mention ("@lena", "@tobias"): letters only, not an e-mail, a path, a package scope or a doc tag. */
const MENTION = /(?<![\p{L}\p{N}_.@/])@(\p{L}{3,15})(?![\p{L}\p{N}_.@/:-])/gu;
const DOC_TAGS = new Set(
  "param params returns return throws throw type typedef example deprecated see since author version link property prop template callback override inheritdoc internal private public protected module namespace license file fileoverview todo here channel everyone all team".split(
    " ",
  ),
);
/** Three or more capitalised single words in a comma list ("Okonkwo, Lindahl, Baptiste"). */
const CAPITALISED_LIST = /(?<![\p{L}\p{M}'’-])\p{Lu}[\p{L}\p{M}'’-]+(?:, (?:and |und |et |y |e |i )?\p{Lu}[\p{L}\p{M}'’-]+){2,}(?![\p{L}\p{M}])/gu;

/** A module function, not a closure: the bundle (keepNames) names each closure made, on every call. */
function addPersonIfFree(spans: NameSpan[], start: number, end: number): void {
  if (spans.some((x) => x.start < end && start < x.end)) return;
  spans.push({ kind: "person", start, end });
}

/**
 * A chat mention of a given name or a name-shaped word ("@lena can you…"), and the words of a
 * capitalised comma list when two of them are known names and none is a word, place or title of
 * some list (a word no list knows counts as a name there) ("Committee: Okonkwo, Lindahl, Baptiste"): surnames listed, as in minutes and panels.
 */
export function addMentionsAndLists(piece: string, spans: NameSpan[], model: Tagger): void {
  if (!piece.includes("@") && !piece.includes(", ")) return;
  if (piece.includes("@")) {
    MENTION.lastIndex = 0;
    for (let m = MENTION.exec(piece); m; m = MENTION.exec(piece)) {
      const word = m[1] ?? "";
      if (DOC_TAGS.has(word.toLowerCase())) continue;
      const flags = flagsOf(word, model);
      if ((flags & Gaz.first && !(flags & (Gaz.common | NEVER_IN_NAME))) || unknownNameShaped(word, flags))
        addPersonIfFree(spans, m.index + 1, m.index + 1 + word.length);
    }
  }
  if (!piece.includes(", ")) return;
  CAPITALISED_LIST.lastIndex = 0;
  for (let m = CAPITALISED_LIST.exec(piece); m; m = CAPITALISED_LIST.exec(piece)) {
    const words: Array<[number, number]> = [];
    for (const w of m[0].matchAll(/\p{Lu}[\p{L}\p{M}'’-]+/gu)) words.push([m.index + (w.index ?? 0), m.index + (w.index ?? 0) + w[0].length]);
    let known = 0;
    let plain = true;
    for (const [start, end] of words) {
      const word = piece.slice(start, end);
      const flags = flagsOf(word, model);
      // A frequent word of some language may be a name too ("Baptiste"); an English or dictionary word may not.
      if (flags & (Gaz.common | Gaz.dictionary | PLACES | NEVER_IN_NAME) || (flags & Gaz.frequent && !(flags & NAMES))) plain = false;
      else if (flags & NAMES) known++;
    }
    if (plain && known >= 2) for (const [start, end] of words) addPersonIfFree(spans, start, end);
  }
}

/**
 * Cities, regions and countries a list holds, written in Han or Hangul inside running text ("下周我去深圳出差",
 * "저는 인천에 살아요"), where the tagger reads the run as one token and cannot find them: two to
 * four characters that no list holds as a frequent or everyday word, longest first.
 */
const HAN_OR_HANGUL_RUN = /[\p{sc=Han}\p{sc=Hangul}]{2,}/gu;
const PLACE_FLAGS = Gaz.city | Gaz.region | Gaz.country;
/** Pronouns, particles and common verbs no place name holds (the lists carry a few clauses: "我住在"). */
const FUNCTION_HAN = /[我你他她它们的了是在和与就都也还有这那个不没很要会能说住去来到对把被给从吗呢吧啊]/u;

export function addCjkPlaces(piece: string, spans: NameSpan[], model: Tagger): void {
  if (!CJK.test(piece)) return;
  HAN_OR_HANGUL_RUN.lastIndex = 0;
  for (let m = HAN_OR_HANGUL_RUN.exec(piece); m; m = HAN_OR_HANGUL_RUN.exec(piece)) {
    const run = m[0];
    for (let i = 0; i + 2 <= run.length; ) {
      let taken = 0;
      for (let length = Math.min(4, run.length - i); length >= 2 && taken === 0; length--) {
        const candidate = run.slice(i, i + length);
        const flags = flagsOf(candidate, model);
        if (flags & PLACE_FLAGS && !(flags & (KNOWN_WORD | NAMES)) && !FUNCTION_HAN.test(candidate)) taken = length;
      }
      if (taken === 0) {
        i++;
        continue;
      }
      const start = m.index + i;
      const end = start + taken;
      if (!spans.some((x) => x.start < end && start < x.end)) spans.push({ kind: "location", start, end });
      i += taken;
    }
  }
}

/**
 * A user name made of a given name and a family name joined by a dot or an underscore
 * ("sara_lindqvist", "@chloe.martin", "posted by marco.bellini"), as chat, forums and logs show
 * people: a known given name that is no everyday word and a surname some list holds (or a word no
 * list knows that looks like a name), and no other part. Identifiers of code have an everyday or
 * technical word among their parts ("grace_period", "user.name", "max_length"), and a path, a
 * call or a file name around them ("/srv/anna.kern/", "anna.kern()", "anna.kern.json") is not read.
 */
const HANDLE = /(?<![\p{L}\p{N}_./\\-])(?<![\p{L}\p{N}_.]@)(\p{L}{2,20})[._](\p{L}{1,24})(?![\p{L}\p{N}_@(/\\-]|[.][\p{L}\p{N}])/gu;
/** A letter, a dot or underscore, a letter: where a user name may be (a sentence's full stop is followed by a blank). */
const HANDLE_JOINT = /\p{L}[._]\p{L}/u;
const HANDLE_NOT = Gaz.common | Gaz.dictionary | NEVER_IN_NAME | PLACES;

/** A listed given name, in a mention even one that is also an everyday word ("@anna_b"): the first part of a user name. */
function givenOfHandle(given: string, model: Tagger, mention = false): boolean {
  const g = flagsOf(given, model);
  return (g & Gaz.first) !== 0 && !(g & (mention ? NEVER_IN_NAME : Gaz.common | NEVER_IN_NAME));
}

/** Whether a given name and a family name make the two parts of a user name (see HANDLE). */
function handleParts(given: string, family: string, model: Tagger): boolean {
  const f = flagsOf(family, model);
  if (!givenOfHandle(given, model)) return false;
  return !(f & HANDLE_NOT) && ((f & Gaz.last) !== 0 || unknownNameShaped(family, f));
}

/** A whole value that is such a user name ("sara_lindqvist", "@maria.k"): what the identifier gate lets through. */
export function isHandleName(value: string, model: Tagger, mentioned = false): boolean {
  const m = /^(\p{L}{2,20})[._](\p{L}{1,24})$/u.exec(value);
  if (!m) return false;
  return (m[2] ?? "").length === 1 ? mentioned && givenOfHandle(m[1] ?? "", model, true) : handleParts(m[1] ?? "", m[2] ?? "", model);
}

export function addHandleNames(piece: string, spans: NameSpan[], model: Tagger): void {
  addPartedMentions(piece, spans, model);
  if (!HANDLE_JOINT.test(piece)) return;
  HANDLE.lastIndex = 0;
  for (let m = HANDLE.exec(piece); m; m = HANDLE.exec(piece)) {
    const start = m.index;
    // A mention ("@maria.k") may end on an initial; elsewhere "anna.k" is as often a key or a field.
    const mentioned = piece[start - 1] === "@";
    if (((m[2] ?? "").length === 1 && !mentioned) || !isHandleName(m[0], model, mentioned)) continue;
    const end = start + m[0].length;
    // The tagger reads the parts as words ("sara", "lindqvist"): the whole user name replaces them.
    if (spans.some((x) => x.start < end && start < x.end && (x.start < start || x.end > end))) continue;
    for (let k = spans.length - 1; k >= 0; k--) if ((spans[k] as NameSpan).start >= start && (spans[k] as NameSpan).end <= end) spans.splice(k, 1);
    spans.push({ kind: "person", start, end });
  }
}

/**
 * A mention of a user whose name has parts ("@maria-k", "@m.kowalska", "@maria.k2", "@k.maria"): a
 * person when one part of two letters or more is a listed given name that is no everyday word or a
 * listed family name that is no dictionary word. Not a package scope ("@types/node") or an e-mail's
 * domain ("ana@maria-k.com" has a letter before the "@").
 */
const PARTED_MENTION = /(?<![\p{L}\p{N}.@])@(_?\p{L}[\p{L}\p{N}]*(?:[._-][\p{L}\p{N}]+){1,5}_?)(?![\p{L}\p{N}_@-]|\/(?!@)|[.][\p{L}\p{N}])/gu;

/** What the tagger read beside a mention stays if a name: a listed name or a word no list knows ("Berg", not "Team"). */
function nameOutside(value: string, model: Tagger): boolean {
  return value.split(/\s+/u).every((word) => {
    const flags = flagsOf(word, model);
    return flags & NAMES ? !(flags & Gaz.common) : !(flags & KNOWN_WORD);
  });
}

/** Where [from, to) ends without the blanks and marks before `to`. */
function trimEnd(piece: string, from: number, to: number): number {
  while (to > from && !/[\p{L}\p{N}]/u.test(piece[to - 1] ?? "")) to--;
  return to;
}
/** Where [from, to) starts without the blanks and marks after `from`. */
function trimStart(piece: string, from: number, to: number): number {
  while (from < to && !/[\p{L}\p{N}]/u.test(piece[from] ?? "")) from++;
  return from;
}

/** The last part of a Python or TypeScript decorator ("@grace.setter", "@app.route", "@pytest.mark.skip"): no user's name ends so. */
const DECORATOR_ATTRIBUTE =
  /\.(?:setter|getter|deleter|fixture|parametrize|skip|skipif|xfail|usefixtures|route|get|post|put|patch|delete|command|group|task|callback|validator|listens_for|register|cached|lru_cache|wraps|abstractmethod|staticmethod|classmethod|property|override|exception_handler|middleware|on_event|before_request|after_request|errorhandler)$/u;

/**
 * `at` is where code stands: it opens its line after blanks or a code line's prefix (a diff's "+",
 * a line number, "In [3]:", ">>>"), or it lies in inline code ("`@mark.skip`"). A bullet's "-" and
 * a quote's ">" open prose ("- @anna.delete owns this").
 */
const CODE_LINE_PREFIX = /^[ \t]*(?:\+|\d+[ \t]*[|:]|In \[\d+\]:|>>>|\.\.\.)?[ \t]*$/;
function opensLine(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  const before = text.slice(lineStart, at);
  if (CODE_LINE_PREFIX.test(before)) return true;
  const ticks = before.split("`").length - 1;
  return ticks % 2 === 1 && text.indexOf("`", at) !== -1;
}

function addPartedMentions(piece: string, spans: NameSpan[], model: Tagger): void {
  if (!piece.includes("@")) return;
  PARTED_MENTION.lastIndex = 0;
  for (let m = PARTED_MENTION.exec(piece); m; m = PARTED_MENTION.exec(piece)) {
    const handle = m[1] ?? "";
    // A decorator, not a user: called ("@pytest.mark.skip(…)") or, where code stands (opening a line, in backticks), ending
    // on a decorator's attribute ("@grace.setter"; "Thanks @grace.setter for the review" names someone).
    if (piece[m.index + m[0].length] === "(" || (opensLine(piece, m.index) && DECORATOR_ATTRIBUTE.test(handle))) continue;
    const parts = handle.split(/[._\-\d]+/u).filter((part) => part !== "");
    // An initial and a family name ("@j.smith"), the family name a word or not.
    const initialled = parts.length === 2 && (parts[0] ?? "").length === 1 && (flagsOf(parts[1] ?? "", model) & (Gaz.last | SPOKE_NOT)) === Gaz.last;
    const named =
      initialled ||
      parts.some((part) => {
        if (part.length < 2) return false;
        const flags = flagsOf(part, model);
        return (flags & Gaz.first && !(flags & NEVER_IN_NAME)) || (flags & Gaz.last && !(flags & (Gaz.common | Gaz.dictionary)));
      });
    if (!named) continue;
    const start = m.index + 1;
    const end = start + handle.length;
    // A span the tagger ran across the mention ("@maria.kowalska Team") keeps only what lies outside it.
    for (let k = spans.length - 1; k >= 0; k--) {
      const x = spans[k] as NameSpan;
      if (!(x.start < end && start < x.end)) continue;
      spans.splice(k, 1);
      const before = x.start < start ? { ...x, end: trimEnd(piece, x.start, start) } : null;
      const after = x.end > end ? { ...x, start: trimStart(piece, end, x.end) } : null;
      for (const part of [before, after])
        if (part && part.end > part.start && nameOutside(piece.slice(part.start, part.end), model)) spans.push(part);
    }
    // A user name reads as an identifier to the technical gate: kept on any line, like a chat speaker.
    spans.push({ kind: "person", start, end, speaker: true });
  }
}

/** Arabic words that put a person right after them: titles, roles of a form or of news, a greeting, "in the presence of". */
const ARABIC_CUE =
  "السيد|السيدة|الأستاذ|الأستاذة|الاستاذ|الاستاذة|الدكتور|الدكتورة|د\\.|المهندس|المهندسة|الشيخ|الشيخة|المحامي|المحامية|العميل|العميلة|المريض|المريضة|اللاعب|اللاعبة|المدرب|الطالب|الطالبة|الموظف|الموظفة|الزميل|الزميلة|الكاتب|الكاتبة|الفنان|الفنانة|بحضور|مرحبا|مرحباً|عزيزي|عزيزتي|شكرا|شكراً|اسمي|نشكر";
/** Words that end an Arabic name: prepositions, conjunctions and verbs of saying. */
const ARABIC_STOP = new Set(
  "أنا انا من في إلى الى على عن مع بخصوص حول قال قالت إن أن ان و أو ثم لدى عند لكم لك لكما لكن جزيلا جزيلاً جميعا جميعاً هو هي هم الآن الان اليوم هنا بكم بك بكما بكن شكرا شكراً".split(
    " ",
  ),
);
/** Parts that bind the next word into an Arabic name ("بن", "بنت", "عبد", "أبو"). */
const ARABIC_BINDER = /^(?:بن|بنت|ابن|عبد|أبو|ابو|آل)$/u;
const ARABIC_CUED = new RegExp(`(?<![\\p{sc=Arabic}])(?:${ARABIC_CUE})[\\s:،]+(?=\\p{sc=Arabic})`, "gu");
/** Devanagari titles and roles before a name, and honorifics after one ("शर्मा जी", "वर्मा साहब"). */
const HINDI_CUED =
  /(?<![\p{sc=Devanagari}])(?:डॉ\.|डॉक्टर|प्रोफेसर|प्रोफ़ेसर|प्रो\.|श्री|श्रीमती|सुश्री|अध्यक्ष|निदेशक|मंत्री|ग्राहक|मरीज़?|कप्तान|खिलाड़ी)[\s:]+(?=\p{sc=Devanagari})/gu;
/** "I am" (أنا) before a given name and a family name with the article; the stop words rule out "now", "today", "here". */
const ARABIC_SELF = /(?<![\p{sc=Arabic}])(?:أنا|انا)\s+((\p{sc=Arabic}{2,})\s+(ال\p{sc=Arabic}{2,}))/gu;
/** "My name is … " in Hindi (मेरा नाम … है). */
const HINDI_SELF =
  /(?<![\p{sc=Devanagari}])मेरा\s+नाम\s+((?:[\p{sc=Devanagari}\p{M}]+\s){0,2}[\p{sc=Devanagari}\p{M}]+)\s+(?:है|हैं)(?![\p{sc=Devanagari}])/gu;
const HINDI_QUESTION = new Set("क्या कौन कैसे कहाँ कब क्यों किसका".split(" "));
const HINDI_STOP = new Set("ने को का की के से में पर और या तथा भी जी साहब ने कहा है हैं था थी".split(" "));
const HINDI_HONORIFIC = /(?<![\p{sc=Devanagari}\p{M}])([\p{sc=Devanagari}\p{M}]{2,})(?=\s(?:जी|साहब)(?![\p{sc=Devanagari}]))/gu;

/**
 * The most common family names of India in Devanagari: a word before one is the given name
 * ("राजेश कुमार", "सुनीता देवी", "हरमीत सिंह"), as a list of Latin names does for cased scripts.
 */
const HINDI_FAMILY_NAMES =
  "शर्मा|वर्मा|सिंह|कुमार|कुमारी|गुप्ता|पटेल|देवी|जोशी|रावत|यादव|मिश्रा|तिवारी|पांडे|पाण्डेय|चौहान|राठौर|ठाकुर|अग्रवाल|जैन|शुक्ला|श्रीवास्तव|दुबे|त्रिपाठी|मेहता|शाह|रेड्डी|नायर|अय्यर|मुखर्जी|बनर्जी|चटर्जी|दास|बोस|घोष|खान|कपूर|मल्होत्रा|खन्ना|चोपड़ा|भाटिया|सक्सेना|बंसल|गोयल|मित्तल|सिन्हा|प्रसाद|चौधरी|भट्ट|नाइक|पाटिल|देशमुख|कुलकर्णी|इरफ़ान|अंसारी|क़ुरैशी|कुरैशी";
const HINDI_FAMILY = new RegExp(
  `(?<![\\p{sc=Devanagari}\\p{M}])([\\p{sc=Devanagari}\\p{M}]{2,})\\s(?:${HINDI_FAMILY_NAMES})(?![\\p{sc=Devanagari}\\p{M}])`,
  "gu",
);
/** Words before a family name that are no given name: titles, kin, roles, "the family". */
const HINDI_NOT_GIVEN = new Set("श्री श्रीमती सुश्री डॉ डॉक्टर प्रोफेसर परिवार राजा रानी माता पिता भाई बहन मैडम सर".split(" "));

/**
 * Thai titles written before a name without a space (นาย, นางสาว, คุณยาย, รศ.ดร., โค้ช, and "thanks"
 * ขอบคุณ), where a word opens or after a greeting or a word that writes itself onto the title ("สวัสดีค่ะคุณกาญจนา",
 * "ติดต่อคุณกานต์"), then the given name up to a space and, when it ends there too, a family name of at most
 * twelve letters ("นางสาวสุดา แก้วมณี", "คุณยายบุญมี แสงทอง"). Thai writes words of a sentence
 * together, so a longer run after the space is the sentence going on.
 */
const THAI_TITLED =
  /(?:(?<![\p{sc=Thai}])|(?<=สวัสดี|ค่ะ|ครับ|ติดต่อ|ถึง|จาก|ของ|กับ|และ))(?:(?:รศ\.|ผศ\.|ศ\.|ดร\.|นพ\.|พญ\.)+|(เรียน ?คุณ|นางสาว|นาง|นาย|คุณยาย|คุณตา|คุณป้า|คุณลุง|คุณ|น้อง|ขอบคุณ|โค้ช|นักวิ่ง|นักเขียน|อาจารย์|ครู|หมอ))([\p{sc=Thai}\p{M}]{2,12})(?= |$)(?: ([\p{sc=Thai}\p{M}]{2,12})(?=[\s,.!?)]|$))?/gu;
/**
 * A greeting of a script without capitals, then one or two words and a comma ("வணக்கம்
 * செந்தில்,", "ሰላም አበበ፣", "नमस्ते प्रिया,", "يا سارة،"): the words are the one greeted. Cased
 * scripts have the greeting cues of readCues.
 */
const UNCASED_GREETING =
  /(?<![\p{L}\p{M}])(?:வணக்கம்|அன்புள்ள|ሰላም|ውድ|नमस्ते|नमस्कार|प्रिय|হ্যালো|নমস্কার|প্রিয়|আসসালামু আলাইকুম|مرحبا|مرحباً|أهلا|أهلاً|اهلا|عزيزي|عزيزتي|يا|سلام|درود|שלום|היי|ಹಲೋ|నమస్కారం|ഹലോ|നമസ്കാരം)[ \t]+((?:[\p{L}\p{M}]{2,24})(?:[ \t][\p{L}\p{M}]{2,24})?)(?=[ \t]*[,،፣])/gu;
/** Words after "يا" or a greeting that are a group or an exclamation, not a person. */
const GREETED_GROUP =
  /^(?:(?:ال|لل|بال|وال)\p{L}*|عليكم|وسهلا|وسهلاً|إلهي|دوستان|شما|עולם|וברכה|दुनिया|उपयोगकर्ता|टीम|உலகம்|பயனரே|பயனர்|বিশ্ব|ব্যবহারকারী|ዓለም|ለሁላችሁ|అందరికీ|ಎಲ್ಲರಿಗೂ|എല്ലാവർക്കും|جماعة|جماعه|شباب|اخوان|إخوان|رب|الله|حبايب|بكم|بك|بكما|بكن|جميعا|جميعاً|بالجميع|صديقي|صديقتي|أصدقائي|عميلنا|அனைவருக்கும்|எல்லோருக்கும்|வாடிக்கையாளரே|வாடிக்கையாளர்|நண்பர்களே|सभी|सबको|दोस्तों|जी|सर|मैडम|ग्राहक|मित्र|मित्रों|সবাইকে|গ্রাহক|বন্ধু|ሁላችሁም|ደንበኛ|ደንበኞች|כולם|לכולם|חברים|רב|לקוח|לקוחות)$/u;

/** A given name, a nickname in quotes or brackets, a family name: `Margaret "Peggy" Holloway`, `ELIZABETH (BETTY) MORROW`, `Margaret [Peggy] Holloway`. */
const NICKNAMED =
  /(?<![\p{L}\p{M}])(\p{Lu}[\p{L}\p{M}'’-]+)[ \t]+(?:"|“|„|'|‘|`|\[|\{|\(["“]?)(\p{Lu}[\p{L}\p{M}'’.-]*(?: \p{Lu}[\p{L}\p{M}'’.-]*)?)(?:"|”|“|'|’|`|\]|\}|["”]?\))[ \t]+((?:Mc|Mac|O'|O’)?\p{Lu}[\p{L}\p{M}'’-]+)(?![\p{L}\p{M}])/gu;
/** A further family name after the first ("Holloway Smith"). */
const NEXT_FAMILY = /^ ((?:Mc|Mac|O'|O’)?\p{Lu}[\p{L}\p{M}'’-]+)(?![\p{L}\p{M}])/u;
/** What a family name after a nickname must not be: a word of some list that names a thing, a street or a country ("Set Grace "Period" Length", "Sofia "Central" Station"; a town may be named after a family: "Holloway"). */
const NOT_FAMILY_AFTER_NICKNAME = Gaz.common | Gaz.dictionary | Gaz.time | Gaz.title | Gaz.street | Gaz.orgWord | Gaz.country;

/** A quote or bracket after a blank and before a capital: where a nickname may start. */
const NICKNAME_OPENS = /[ \t]["“„'‘(`[{]["“]?\p{Lu}/u;
/**
 * A person written with a nickname between the given and the family name is one person, quotes
 * and all: the family name after the quotes is read as the person's even when no list holds it.
 * The given name must be a person found or a listed given name ("Click "Save" Then" is not).
 */
export function addNicknamedNames(piece: string, spans: NameSpan[], model: Tagger): void {
  if (!NICKNAME_OPENS.test(piece)) return;
  NICKNAMED.lastIndex = 0;
  for (let m = NICKNAMED.exec(piece); m; m = NICKNAMED.exec(piece)) {
    const start = m.index;
    const end = start + m[0].length;
    const given = m[1] ?? "";
    const found = spans.some((s) => s.kind === "person" && s.start <= start && start + given.length <= s.end);
    const flags = flagsOf(given, model);
    if (!found && (!(flags & Gaz.first) || flags & NEVER_IN_NAME)) continue;
    // A listed family name counts whatever else it is ("Jenkins" is software too); another only when no list holds it as a thing or a place.
    const family = flagsOf(m[3] ?? "", model);
    // A nickname that is itself a given name ("Betty", "Peggy") makes a person of the word after it, a word or not ("Morrow", "Long").
    const nicknameGiven = (flagsOf(m[2] ?? "", model) & (Gaz.first | NEVER_IN_NAME)) === Gaz.first;
    if (!(family & Gaz.last) && family & (nicknameGiven ? NOT_FAMILY_AFTER_NICKNAME & ~(Gaz.common | Gaz.dictionary) : NOT_FAMILY_AFTER_NICKNAME))
      continue;
    let to = end;
    for (let next = NEXT_FAMILY.exec(piece.slice(to)); next; next = NEXT_FAMILY.exec(piece.slice(to))) {
      if (!(flagsOf(next[1] ?? "", model) & Gaz.last)) break;
      to += next[0].length;
    }
    // Its form names a person whatever the line looks like (a backtick reads as code to the technical gate).
    replaceOverlapping(spans, { kind: "person", start, end: to, speaker: true });
  }
}

/** Puts `span` in place of every span (or candidate) it overlaps. */
export function replaceOverlapping<T extends { start: number; end: number }>(spans: T[], span: T): void {
  for (let k = spans.length - 1; k >= 0; k--) {
    const c = spans[k] as T;
    if (c.start < span.end && span.start < c.end) spans.splice(k, 1);
  }
  spans.push(span);
}

/** Adds a person over [start, end) in place of the spans it crosses, unless one already holds it whole. */
export function addPersonOver(spans: NameSpan[], start: number, end: number): void {
  if (!spans.some((s) => s.start <= start && end <= s.end)) replaceOverlapping(spans, { kind: "person", start, end });
}

/** People greeted in scripts without capitals. */
export function addUncasedGreetedNames(piece: string, spans: NameSpan[]): void {
  if (
    !/[\p{sc=Tamil}\p{sc=Ethiopic}\p{sc=Devanagari}\p{sc=Bengali}\p{sc=Arabic}\p{sc=Hebrew}\p{sc=Kannada}\p{sc=Telugu}\p{sc=Malayalam}]/u.test(piece)
  )
    return;
  UNCASED_GREETING.lastIndex = 0;
  for (let m = UNCASED_GREETING.exec(piece); m; m = UNCASED_GREETING.exec(piece)) {
    const name = m[1] ?? "";
    if (/\p{Lu}|\p{Ll}/u.test(name) || GREETED_GROUP.test(name.split(/[ \t]/u)[0] ?? "")) continue;
    const start = m.index + m[0].length - name.length;
    replaceOverlapping(spans, { kind: "person", start, end: start + name.length });
  }
}

/** Only blanks or quotes before: the message (or line) opens here. */
const THAI_MESSAGE_OPENS = /^[\s"“'「]*(?:สวัสดี(?:ค่ะ|ครับ|คะ)?\s*)?$/u;
/**
 * Thai labels of a form or a delivery before a given and a family name, with or without a space
 * ("ส่งถึงพิมพ์ชนก สุวรรณ", "ผู้ถือบัตร ปิยะนุช วงศ์สวัสดิ์", "ชื่อ ณัฐธิดา แสงทอง"): both words, each
 * up to a blank, the second at most twelve letters (a longer run is the sentence going on). Thai
 * writes a sentence's words together, so a label may follow another word ("ถูกส่งถึง…"); only
 * "ชื่อ" must open a word ("ชื่อเสียง" is "reputation").
 */
const THAI_LABELLED =
  /(?:(?<![\p{sc=Thai}])ชื่อ(?:ผู้ถือบัตร|-นามสกุล)?|ผู้ถือบัตร|ส่งถึง|ผู้รับ|ผู้ส่ง|ผู้สมัคร|ผู้ติดต่อ)[ \t]*[:：]?[ \t]*(?:(?:นางสาว|นาง|นาย|คุณ|ด\.ช\.|ด\.ญ\.)[ \t]*)?([\p{sc=Thai}\p{M}]{2,16})[ \t]+([\p{sc=Thai}\p{M}]{2,24})(?=[\s,.!?);:/(]|$)/gu;
/** Words after a title that are no given name: "you can", "you must", polite particles. */
// SARA AM in both forms: the detectors read NFKC text, where "ำ" is "ํา".
export const THAI_NOT_GIVEN =
  /^(?:ลูกค้า|ผู้ใช้|สมาชิก|ที่|ภาพ|สมบัติ|ค่า|ธรรม|ประโยชน์|วุฒิ|ความ|และ|หรือ|กับ|ส(?:ำ|ํา)หรับ|สามารถ|ต้อง|จะ|ได้|ไม่|ก็|เป็น|มี|ควร|อาจ|ยัง|เคย|ก(?:ำ|ํา)ลัง|ชอบ|อยาก|ครับ|ค่ะ|คะ|ทุกคน|ทุกท่าน|มาก)/u;

/** Up to `max` words of one script from `at`, stopping at punctuation, a stop word or the piece's end. */
function scriptWords(piece: string, at: number, script: RegExp, stop: ReadonlySet<string>, max: number): Array<[number, number]> {
  const words: Array<[number, number]> = [];
  const word = new RegExp(`^${script.source}+`, "u");
  let i = at;
  while (words.length < max) {
    const m = word.exec(piece.slice(i, i + 40));
    if (!m || stop.has(m[0])) break;
    words.push([i, i + m[0].length]);
    i += m[0].length;
    if (piece[i] !== " ") break;
    i++;
  }
  return words;
}

/**
 * Names of Arabic and Devanagari text after a title, a role or a greeting ("الأستاذ عمر الشامي",
 * "اللاعب يوسف القحطاني", "डॉ. अनीता सक्सेना") and before a Hindi honorific ("शर्मा जी"). An Arabic
 * name takes two words, more only where a binder ("بن", "عبد") or the article ties the next one in.
 */
export function addScriptCuedNames(piece: string, spans: NameSpan[]): void {
  // Only Arabic and Devanagari text is read below: returns before making the closure.
  if (!/[\p{sc=Arabic}\p{sc=Devanagari}\p{sc=Thai}]/u.test(piece)) return;
  // `form`: a name a field's label gives, kept whatever the line looks like ("ผู้ถือบัตร: สมชาย เจริญสุข;" is no code).
  const add = (start: number, end: number, stop: ReadonlySet<string>, form = false) => {
    if (end <= start) return;
    const around = spans.find((x) => x.kind === "person" && x.start <= start && x.end >= end);
    // A person found over it keeps its extent, but not over the function words after the name ("… ने कहा").
    if (around) {
      if (stop.has(/^\s(\S+)/u.exec(piece.slice(end, around.end))?.[1] ?? "")) around.end = end;
      if (form) around.speaker = true;
      return;
    }
    for (let k = spans.length - 1; k >= 0; k--) {
      const c = spans[k] as NameSpan;
      if (c.start < end && start < c.end) spans.splice(k, 1);
    }
    spans.push(form ? { kind: "person", start, end, speaker: true } : { kind: "person", start, end });
  };
  if (/\p{sc=Arabic}/u.test(piece)) {
    ARABIC_CUED.lastIndex = 0;
    for (let m = ARABIC_CUED.exec(piece); m; m = ARABIC_CUED.exec(piece)) {
      const words = scriptWords(piece, m.index + m[0].length, /[\p{sc=Arabic}\p{M}]/u, ARABIC_STOP, 4);
      // A given name opens it: a word with the article there is a role or a noun ("السيد الرئيس");
      // after thanks, a word with the preposition "for" (لـ) is the reason ("شكراً لتواصلك معنا").
      if (piece.startsWith("ال", words[0]?.[0] ?? 0)) continue;
      if (/^(?:شكرا|شكراً|نشكر)/u.test(m[0]) && /^ل(?!يلى|ينا|ؤي|ارا|مياء)/u.test(piece.slice(words[0]?.[0] ?? 0))) continue;
      let taken = Math.min(words.length, 2);
      const text = (k: number) => piece.slice(words[k]?.[0], words[k]?.[1]);
      while (taken < words.length && (ARABIC_BINDER.test(text(taken - 1)) || ARABIC_BINDER.test(text(taken - 2)) || text(taken).startsWith("ال")))
        taken++;
      if (taken > 0 && ARABIC_BINDER.test(text(taken - 1))) taken--;
      if (taken > 0) add(words[0]?.[0] ?? 0, words[taken - 1]?.[1] ?? 0, ARABIC_STOP);
    }
  }
  if (/\p{sc=Arabic}/u.test(piece)) {
    // "I am" before a given name and a family name with the article ("أنا سارة الزهراني"): a self-introduction.
    ARABIC_SELF.lastIndex = 0;
    for (let m = ARABIC_SELF.exec(piece); m; m = ARABIC_SELF.exec(piece)) {
      const at = m.index + m[0].length - (m[1] ?? "").length;
      if (!ARABIC_STOP.has(m[2] ?? "") && !ARABIC_STOP.has(m[3] ?? "")) add(at, at + (m[1] ?? "").length, ARABIC_STOP);
    }
  }
  if (/\p{sc=Thai}/u.test(piece)) {
    THAI_TITLED.lastIndex = 0;
    for (let m = THAI_TITLED.exec(piece); m; m = THAI_TITLED.exec(piece)) {
      const given = m[2] ?? "";
      const family = m[3];
      // "คุณ" is also "you" ("คุณสามารถ …"): after it a name needs its family name too.
      // Opening the message, "คุณ" and one word address someone ("คุณสุดา รหัสผ่าน…"): the compounds of คุณ are in THAI_NOT_GIVEN.
      if ((m[1] === "คุณ" && !family && !THAI_MESSAGE_OPENS.test(piece.slice(0, m.index))) || THAI_NOT_GIVEN.test(given)) continue;
      const start = m.index + m[0].length - given.length - (family ? family.length + 1 : 0);
      add(start, m.index + m[0].length, new Set());
    }
  }
  if (/\p{sc=Thai}/u.test(piece)) {
    THAI_LABELLED.lastIndex = 0;
    for (let m = THAI_LABELLED.exec(piece); m; m = THAI_LABELLED.exec(piece)) {
      if (THAI_NOT_GIVEN.test(m[1] ?? "")) continue;
      const start = m.index + m[0].lastIndexOf(m[1] ?? "", m[0].length - (m[2] ?? "").length);
      add(start, m.index + m[0].length, new Set(), true);
    }
  }
  if (/\p{sc=Devanagari}/u.test(piece)) {
    HINDI_SELF.lastIndex = 0;
    for (let m = HINDI_SELF.exec(piece); m; m = HINDI_SELF.exec(piece)) {
      const at = m.index + m[0].indexOf(m[1] ?? "");
      if ((m[1] ?? "").split(/\s+/u).some((w) => HINDI_STOP.has(w) || HINDI_QUESTION.has(w))) continue;
      add(at, at + (m[1] ?? "").length, HINDI_STOP);
    }
    HINDI_CUED.lastIndex = 0;
    for (let m = HINDI_CUED.exec(piece); m; m = HINDI_CUED.exec(piece)) {
      const words = scriptWords(piece, m.index + m[0].length, /[\p{sc=Devanagari}\p{M}]/u, HINDI_STOP, 3);
      if (words.length > 0) add(words[0]?.[0] ?? 0, words[words.length - 1]?.[1] ?? 0, HINDI_STOP);
    }
    HINDI_FAMILY.lastIndex = 0;
    for (let m = HINDI_FAMILY.exec(piece); m; m = HINDI_FAMILY.exec(piece)) {
      const given = m[1] ?? "";
      if (HINDI_STOP.has(given) || HINDI_QUESTION.has(given) || HINDI_NOT_GIVEN.has(given)) continue;
      add(m.index, m.index + m[0].length, HINDI_STOP);
    }
    HINDI_HONORIFIC.lastIndex = 0;
    for (let m = HINDI_HONORIFIC.exec(piece); m; m = HINDI_HONORIFIC.exec(piece))
      if (!HINDI_STOP.has(m[1] ?? "")) add(m.index, m.index + (m[1] ?? "").length, HINDI_STOP);
  }
}

/** Words of a name that say nothing alone: everyday English, titles, particles, time, organisation and nationality words. */
const NOT_ALONE = Gaz.common | Gaz.title | Gaz.particle | Gaz.time | Gaz.orgWord | Gaz.nationality | Gaz.techTerm | Gaz.street;
const NAME_WORD = /[\p{L}\p{M}][\p{L}\p{M}'’-]*/gu;
const UNCASED_SCRIPT = /^[\p{sc=Han}\p{sc=Hangul}\p{sc=Hiragana}\p{sc=Katakana}]/u;
const CAPITAL_WORD = /[\p{Lu}\p{Lo}][\p{L}\p{M}'’-]*/gu;
const GLUED_BEFORE = /[\p{L}\p{M}\p{N}_@./\\-]/u;
const GLUED_AFTER = /[\p{N}_@-]/u;

/**
 * Other mentions, in the same text, of the people already found: a surname or given name alone
 * ("Okafor said", "Okafor's"), the name again in full, or in capitals ("OKAFOR"), wherever no
 * other span stands. A word of the name counts when it is capitalised or uncased, three letters or
 * more (two in Han or Hangul), and no everyday, title, particle or organisation word. CJK names
 * match inside text (no spaces there); other scripts as whole words.
 */
export function addOtherMentions(text: string, spans: NameSpan[], model: Tagger): void {
  const cased = new Set<string>();
  const uncased = new Set<string>();
  for (const s of spans) {
    if (s.kind !== "person") continue;
    for (const m of text.slice(s.start, s.end).matchAll(NAME_WORD)) {
      const word = m[0].replace(/['’]s$/, "");
      const wordCase = caseOf(word);
      if (UNCASED_SCRIPT.test(word)) {
        if (word.length >= 2) uncased.add(word);
        continue;
      }
      if (word.length < 3 || (wordCase !== "capitalised" && wordCase !== "upper" && wordCase !== "uncased")) continue;
      if (flagsOf(word, model) & NOT_ALONE) continue;
      cased.add(word);
      if (wordCase === "capitalised") cased.add(word.toUpperCase());
    }
  }
  if (cased.size === 0 && uncased.size === 0) return;
  // A place or organisation span that is only a word of a person found here is that person again ("Okafor's team").
  for (const s of spans) {
    if (s.kind === "organization" || s.kind === "location") {
      const value = text.slice(s.start, s.end).replace(/['’]s$/, "");
      if (cased.has(value) || uncased.has(value)) s.kind = "person";
    }
  }
  // One pass over the words and a set look-up (no alternation of names: a long text may hold hundreds).
  const covered = new Uint8Array(text.length);
  for (const s of spans) covered.fill(1, s.start, s.end);
  const added: NameSpan[] = [];
  const add = (start: number, end: number) => {
    for (let i = start; i < end; i++) if (covered[i]) return;
    covered.fill(1, start, end);
    added.push({ kind: "person", start, end });
  };
  if (cased.size > 0) {
    // Every word of `cased` opens on a capital or a letter of a script without case: only such words are read.
    for (const m of text.matchAll(CAPITAL_WORD)) {
      const word = m[0].replace(/['’]s$|['’-]+$/, "");
      if (!cased.has(word)) continue;
      const start = m.index ?? 0;
      const end = start + word.length;
      // Not inside an address, a path or an identifier ("lindqvist@…", "/srv/Lindqvist-archive", "user_Okafor").
      if (GLUED_BEFORE.test(text[start - 1] ?? "") || GLUED_AFTER.test(text[end] ?? "")) continue;
      add(start, end);
    }
  }
  // Longest first, so a full CJK name wins over a part of it; no spaces there, so any occurrence counts.
  for (const name of [...uncased].sort((a, b) => b.length - a.length))
    for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + name.length)) add(i, i + name.length);
  // One push per span: spreading a list of 100k+ spans as arguments overflows the stack.
  for (const span of added) spans.push(span);
}

/**
 * A chat line: an optional "[chat]" or "Chat:" prefix, a speaker's handle ("mike_r", "juju",
 * "Дима"), then ":", ">" or a spaced dash, then the message.
 */
const SPEAKER_LINE =
  /^[ \t]*(\[[^\]\n]{1,24}\][ \t]*|\d{1,2}:\d{2}(?::\d{2})?[ \t]+(?=<))?(?:\p{L}[\p{L}\p{M} ]{0,24}[:：][ \t]*)?(<[@+%~&]?)?(\p{L}[\p{L}\p{M}\p{N}._'-]{1,23})[ \t]*([:：>]|[–—-](?=[ \t]))[ \t]*([^\n]*)$/gmu;
/** A message: two words or more, opening on a word or a quote, not on code (`{`, `=`, a path). */
const MESSAGE = /^["'“„«(]?[\p{L}\p{N}][^\n]*\s\S/u;
/**
 * Log levels and other tags written in capitals ("ERROR: …", "TODO: …"); a word and a number
 * ("worker-1:", "node3:"); class names and module paths of tracebacks ("ValueError:", "etl.errors.RowError:").
 */
const TAG = /^[\p{Lu}\p{N}_.-]+$|^\p{L}+[-_.]?\d+$|\p{Ll}\p{Lu}|^[^.]+\.[^.]+\.[^.]+/u;
const EVERYDAY = Gaz.dictionary | Gaz.frequent | Gaz.common;
/** An English everyday word: the frequent-word lists of 40 languages hold many short handles ("tobi", "bia"). */
const ENGLISH_WORD = Gaz.dictionary | Gaz.common;
const HANDLE_WORD = /[\p{L}\p{M}]+/gu;

/**
 * Speakers of a chat transcript: handles that open two or more lines followed by a message, two
 * different ones at least. A handle is a speaker unless it is a tag in capitals or an everyday
 * word that is no given name ("status:", "Customer:", "Agent:"; "sara:", "elsa:" are speakers).
 * The speakers' handles are people wherever the transcript names them, and so are lower-case
 * given names no language uses as a word ("anyone seen sarah today?"). A message that reads as
 * code or configuration (`technical`: `ksuid: "KSUID",`, `sgr: Optional[str] = ""`) makes no line.
 */
export function addChatSpeakers(text: string, spans: NameSpan[], model: Tagger, technical: (line: string) => boolean): void {
  if (!/[:：>–—-]/.test(text) || !text.includes("\n")) return;
  const handles = new Map<string, string>();
  let lines = 0;
  for (const m of text.matchAll(SPEAKER_LINE)) {
    // An IRC log writes the speaker in angle brackets ("[12:03] <ingrid> did the deploy go out?").
    // An HTML element there opens a line of markup unless a time stamps it ("[12:03] <mark> …" is a speaker).
    const bracketed = m[2] !== undefined;
    const handle = m[3] ?? "";
    const said = m[5] ?? "";
    if (bracketed && (m[4] !== ">" || (m[1] === undefined && HTML_ELEMENT.test(handle)))) continue;
    if (!MESSAGE.test(said) || TAG.test(handle) || technical(said)) continue;
    lines++;
    handles.set(handle.toLowerCase(), handle);
  }
  if (lines < 2) return;
  const speakers = new Set<string>();
  for (const [handle, written] of handles) {
    const flags = flagsOf(handle, model);
    // Handles are mostly written in lower case; a capitalised label of some language ("Kunde:") is a role.
    const everyday = written === handle ? ENGLISH_WORD : EVERYDAY;
    const everydayWord = (handle.match(HANDLE_WORD) ?? []).length === 1 && flags & everyday && !(flags & Gaz.first);
    // A tool's name opening a runbook's lines ("14:05 Postgres: vacuum …") is no speaker either.
    if (!everydayWord && !(flags & Gaz.techTerm && !(flags & Gaz.first))) speakers.add(handle);
  }
  // Two of the transcript's handles at least must be speakers: one everyday word among them is a label.
  if (speakers.size < 2) return;
  const covered = new Uint8Array(text.length);
  for (const s of spans) covered.fill(1, s.start, s.end);
  const add = (start: number, end: number) => {
    // A span the tagger found there already becomes the speaker (a person, kept on any line).
    const same = spans.find((s) => s.start <= start && end <= s.end && s.end - s.start <= end - start + 1);
    if (same) {
      same.kind = "person";
      same.speaker = true;
      return;
    }
    for (let i = start; i < end; i++) if (covered[i]) return;
    covered.fill(1, start, end);
    spans.push({ kind: "person", start, end, speaker: true });
  };
  for (const m of text.matchAll(/[\p{L}\p{M}][\p{L}\p{M}\p{N}._'-]*/gu)) {
    const word = m[0].replace(/[._'-]+$/, "");
    const lower = word.toLowerCase();
    const start = m.index ?? 0;
    if (speakers.has(lower)) add(start, start + word.length);
    else if (word === lower && word.length >= 3) {
      const flags = flagsOf(word, model);
      if (flags & Gaz.first && !(flags & ENGLISH_WORD)) add(start, start + word.length);
    }
  }
}

/** Closing words of a letter, an e-mail or a message, in the languages of the sets. */
const CLOSING_WORDS =
  "best(?: regards| wishes)?|kind regards|warm regards|regards|cheers|thanks|thank you|many thanks|sincerely|yours(?: truly| sincerely)?|love|(?:viele |liebe |beste |herzliche )?grüße|gruß|lg|vg|mfg|cordialement|bien à vous|amitiés|bises|(?:un )?saludos?|atentamente|abrazos|(?:cordiali )?saluti|un abbraccio|abraços|atenciosamente|beijos|(?:met vriendelijke )?groet(?:en)?|hälsningar|kram(?:ar)?|knus|groetjes|hugs|besos|baci|bisous|puszi|mvh|(?:med vennlig |venlig )?hilsen|terveisin|üdv|üdvözlettel|pozdrawiam|s pozdravem|pozdravy|с уважением|з повагою|saygılarımla|selamlar";
/** Thanks in more languages: ordinary words of a UI too ("Kiitos\\nPeruuta"), so the signer follows a comma. */
const THANKS_WORDS = "aitäh|ačiū|paldies|ευχαριστώ|salamat(?: po)?|kiitos|dziękuję|děkuji|köszönöm|teşekkürler|terima kasih|дякую|спасибо";
// Blanks in one unambiguous order (optional blanks on both sides of an optional mark backtracked cubically on 2 KB of spaces).
const CLOSING = new RegExp(
  `(?<![\\p{L}])(?:(?:${CLOSING_WORDS})[ \\t]*(?:[,!.][ \\t]*)?(?:\\n[ \\t]*)?|(?:${THANKS_WORDS})[ \\t]*,[ \\t]*)(\\p{Lu}[\\p{L}\\p{M}'’-]+(?: \\p{Lu}[\\p{L}\\p{M}'’-]+)?)(?=[ \\t]*(?:$|\\n|["”»“」]))`,
  "giu",
);
/** A line (after a line break) that opens with a closing word and a name: where a letter's body ends. */
const CLOSING_LINE = new RegExp(`\\n[ \\t]*(?:${CLOSING_WORDS}|${THANKS_WORDS})[ \\t]*(?:[,!.][ \\t]*)?(?:\\n[ \\t]*)?\\p{Lu}`, "iu");
/** Where in `value` a line opening with a closing starts (its line break), or -1. */
export function closingLineIn(value: string): number {
  if (!value.includes("\n")) return -1;
  return CLOSING_LINE.exec(value)?.index ?? -1;
}
/** Words after a closing that sign for a group or an office, not a person. */
const CLOSING_NOT_SIGNER = new Set(
  "team support staff management everyone everybody all admin administration service services customer customers hr it sales billing accounts office reception equipo soporte équipe support-team kundenservice kundendienst team verwaltung redaktion direktion squadra assistenza suporte equipa atendimento".split(
    " ",
  ),
);
/** Thanks or a closing word ending the sentence before the text's last word. */
const THANKS_BEFORE = new RegExp(
  `(?<![\\p{L}])(?:${CLOSING_WORDS}|${THANKS_WORDS}|danke|merci|gracias|grazie|obrigad[oa]|tack|takk|tak|bedankt|dank je|díky|dzięki|köszi)[ \\t]*[!.]$`,
  "iu",
);
/** Farewells that may close a message after thanks ("Danke! Tschüss"). */
const FAREWELLS = new Set(
  "bye goodbye cheers ciao tschüss tschüs servus adios adiós adieu adeus salut hej hejdå heippa moikka shalom namaste пока прощай αντίο γεια ciauu xoxo hugs later".split(
    " ",
  ),
);
/**
 * One capitalised word closing a quoted message or the text after its last sentence ("…на среду.
 * Дима»"), or signing it after a dash ("Will you be home for dinner? — Carol", "see you then - Tash"):
 * after prose, a word written small or a sentence's end, never a title's number ("Chapter 1 — Summer").
 */
const LAST_WORD = /(?:[.!?…][ \t]+|(?:[.!?…]|\p{Ll})[ \t]*(?:[—–]|[ \t]--?[ \t])[ \t]*)(\p{Lu}[\p{L}\p{M}'’-]+)[ \t]*["”»“」]?[ \t]*$/u;

/**
 * The name signing a letter or message: the words after a closing ("Best,\nOlu", "Üdv, Zsófi",
 * "С уважением, Дима"), or one word alone after the last sentence of the text or of a quoted
 * message. A given name, or a name-shaped word no list knows as a word or place ("Thanks, Team"
 * and "See you. Goodbye" are not names).
 */
export function addClosingNames(text: string, spans: NameSpan[], model: Tagger): void {
  const found: Array<[number, number, number?]> = [];
  const named = (word: string) => {
    const flags = flagsOf(word, model);
    return !(flags & NEVER_IN_NAME) && (flags & Gaz.first || unknownNameShaped(word, flags));
  };
  // A signer after thanks: no everyday word, place, office or group; a word only frequent in
  // subtitles may be a name there ("Лиза"), a farewell is not ("Tschüss").
  const signerAfterThanks = (word: string) => {
    const flags = flagsOf(word, model);
    return (
      /^\p{Lu}[\p{Ll}\p{M}'’-]+$/u.test(word) &&
      !(flags & (NEVER_IN_NAME | Gaz.dictionary | Gaz.orgName | PLACES)) &&
      !CLOSING_NOT_SIGNER.has(word.toLowerCase()) &&
      !FAREWELLS.has(word.toLowerCase())
    );
  };
  // After a closing the signer's given name may also be a word ("Thanks,\nJasmine", "Mvh Line");
  // a group or an office is not ("Thanks, Team"), nor a button ("Thanks!\nDismiss").
  const signed = (word: string) => {
    const flags = flagsOf(word, model);
    if (flags & (NEVER_IN_NAME & ~Gaz.common) || CLOSING_NOT_SIGNER.has(word.toLowerCase())) return false;
    return named(word) || flags & Gaz.first;
  };
  CLOSING.lastIndex = 0;
  for (let m = CLOSING.exec(text); m; m = CLOSING.exec(text)) {
    const name = m[1] ?? "";
    const first = name.split(" ")[0] ?? "";
    if (!signed(first) && !signerAfterThanks(first)) continue;
    const at = m.index + m[0].length - name.length;
    found.push([at, at + name.length, m.index]);
  }
  for (const quoted of [text, ...(text.match(/["“„«「][^"”»」]{20,}["”»」]/gu) ?? [])]) {
    const m = LAST_WORD.exec(quoted);
    if (!m) continue;
    // Right after thanks or a closing ("Paldies! Kristaps", "Спасибо! Лиза"), the last word signs
    // whatever its shape, unless a list knows it as a word of some language or an office (the
    // thanks is looked for in the 40 characters before it, not the whole text).
    const afterThanks = () => THANKS_BEFORE.test(quoted.slice(Math.max(0, m.index - 40), m.index + 1));
    if (!(named(m[1] ?? "") || (signerAfterThanks(m[1] ?? "") && afterThanks()))) continue;
    const offset = quoted === text ? 0 : text.indexOf(quoted);
    const at = offset + m.index + m[0].indexOf(m[1] ?? "", 1);
    found.push([at, at + (m[1]?.length ?? 0)]);
  }
  for (const [start, end, closingAt] of found) {
    const same = spans.find((s) => s.start <= start && end <= s.end);
    // A span that took the closing word in ("Mvh Frederik") is the signer alone; not a given name
    // that is also one, right before its family name ("Love Almqvist").
    if (
      same &&
      closingAt !== undefined &&
      closingAt >= same.start &&
      !text.slice(same.start, start).includes("\n") &&
      (/[,!.]/u.test(text.slice(closingAt, start)) || !(flagsOf(text.slice(closingAt, start).trim(), model) & Gaz.first))
    ) {
      same.start = start;
      same.kind = "person";
      continue;
    }
    if (same) {
      if (same.end - same.start <= end - start + 1) same.kind = "person";
      continue;
    }
    for (let k = spans.length - 1; k >= 0; k--) {
      const c = spans[k] as NameSpan;
      if (c.start < end && start < c.end) spans.splice(k, 1);
    }
    spans.push({ kind: "person", start, end });
  }
}

/** "and" of the languages the lists cover, between two names ("Pedro and Lucas", "Carla und Petra", "Nils och Saga"). */
const AND = "and|und|et|y|e|og|och|ja|en|és|ve|i|a|dan|at|và|un|ir|και|și|şi|и|і|та|و";
const COORDINATED_BEFORE = new RegExp(`(?<![\\p{L}\\p{M}])(\\p{Lu}[\\p{Ll}\\p{M}'’-]+) (?:${AND}) $`, "u");
const OPENS_AT = /(?:^|[.!?:;]\s*)$/u;
const UNLISTED_COORDINATED_SHAPE = -0.5;
const COORDINATED_AFTER = new RegExp(`^ (?:${AND}) (\\p{Lu}[\\p{Ll}\\p{M}'’-]+)(?![\\p{L}\\p{M}])`, "u");

/**
 * A given name joined by "and" to a person found is a person too ("Pedro and Lucas are arguing":
 * the tagger leaves a given name that opens a sentence, or that is also a word, outside).
 */
export function addCoordinatedNames(piece: string, spans: NameSpan[], model: Tagger): void {
  const people = spans.filter((s) => s.kind === "person");
  for (const s of people) {
    const before = COORDINATED_BEFORE.exec(piece.slice(Math.max(0, s.start - 32), s.start));
    const after = COORDINATED_AFTER.exec(piece.slice(s.end, s.end + 32));
    const candidates: Array<[number, string]> = [];
    if (before) candidates.push([s.start - before[0].length, before[1] ?? ""]);
    if (after) candidates.push([s.end + after[0].length - (after[1] ?? "").length, after[1] ?? ""]);
    for (const [start, word] of candidates) {
      const flags = flagsOf(word, model);
      // A listed given name that is no everyday English or technical word ("Pedro" is a place too);
      // a word no list holds may end a firm's name ("Garcia y Hijos", "Müller und Sohn"), but before
      // the person it is the first of two people ("Dank an Uwe und Petra"), unless a word of some
      // language or the sentence's first word.
      const unlistedBefore =
        start < s.start &&
        !(flags & (NEVER_IN_NAME | Gaz.dictionary | PLACES | Gaz.orgName | Gaz.particle)) &&
        !OPENS_AT.test(piece.slice(Math.max(0, start - 4), start)) &&
        nameLikeness(word) >= UNLISTED_COORDINATED_SHAPE;
      // Before a whole name that the two may share ("Bob and Linda Greaves", "Bill and Melinda Gates"), a listed given
      // name that is also an everyday word is the first person's.
      const sharing = start < s.start && /\s/u.test(piece.slice(s.start, s.end)) && /^\p{Lu}/u.test(word);
      const never = NEVER_IN_NAME & ~Gaz.country & ~(sharing ? Gaz.common : 0);
      if (!unlistedBefore && (!(flags & Gaz.first) || flags & never)) continue;
      const end = start + word.length;
      if (spans.some((x) => x.start < end && start < x.end)) continue;
      spans.push({ kind: "person", start, end });
    }
  }
}
