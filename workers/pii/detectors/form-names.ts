// People named by the form of the text around them rather than by the words themselves: a
// salutation with a slash for either sex ("Pan/Pani Zofia Nowak", "السيد/ة …", "Geachte
// heer/mevrouw Bakker"), a user name after its label ("Benutzername fengel", "utente mrossi") or a
// forum byline ("posted by dave_r"), and the names of a sports result's scorers ("Tore: Huber,
// Lanzinger 2"). Each returns [start, end) offsets in the piece; detectors/entities.ts keeps them
// as people.
import { Gaz } from "../tagger/features.js";
import { nameLikeness } from "../tagger/name-shape.js";
import type { Tagger } from "../tagger/tagger.js";
import { flagsOf } from "./names.js";

export type Offsets = [number, number];

/** One capitalised word of a name, with hyphenated and apostrophe parts ("Paixão-Baas", "O'Neill", "McCallum"). */
const NAME_WORD = "\\p{Lu}[\\p{L}\\p{M}'’-]*\\p{L}";
const PARTICLE = "(?:van|von|de|der|den|da|das|do|dos|di|del|della|la|le|du|ter|ten|bin|al|el)";

/** Salutations for either sex, written with a slash (and the greeting that may stand before them). */
const TITLES = new Set(
  "mr mrs ms miss mx herr frau hr fr pan pani heer mevrouw meneer dhr mevr bapak ibu pak bu sr sra señor señora sig sigra signor signora mme monsieur madame sayın bay bayan sir madam geehrte geehrter estimado estimada caro cara cher chère prezado prezada".split(
    " ",
  ),
);
/** What the other side of a slash adds to make a title feminine ("geehrte/r", "Kolleg/in"). */
const FEMININE_ENDING = new Set(["r", "in", "innen", "a", "e", "ra", "ssa"]);
/** From a title before a slash: the other form, another title, then the name (sticky, tried only at a title). */
const SLASH_TITLED = new RegExp(
  `\\p{L}+\\.?\\s?\\/\\s?(\\p{L}{1,9})\\.?\\s+(?:(?:[Hh]err|[Ff]rau|M[rs]s?|Dr)\\.?\\s+)?(${NAME_WORD}(?:\\s+(?:${PARTICLE}\\s+)*${NAME_WORD}){0,2})`,
  "uy",
);
/**
 * Arabic salutations with the feminine ending after a slash ("السيد/ة"), then one to three whole
 * words up to punctuation or a verb. Words are whole and bounded: a run of letters may not be cut
 * into words (that let a long run be tried in every cut, cubic in its length).
 */
const ARABIC_SLASH_TITLE =
  /(?:السيد|الأستاذ|الدكتور|المهندس|الفاضل|العزيز)\s?\/\s?(?:ة|ـة|السيدة|الأستاذة|الدكتورة)\s+(\p{sc=Arabic}{1,30}(?![\p{sc=Arabic}])(?:\s\p{sc=Arabic}{1,30}(?![\p{sc=Arabic}])){0,2})(?=[،,.:;!؟]|\s*$|\s+(?:سيتم|نود|نرجو|تم|يرجى|لقد))/gu;

export function slashTitledNames(piece: string): Offsets[] {
  const out: Offsets[] = [];
  // Each slash: the word before it is looked up, and only a title is read on (pieces hold many paths and URLs).
  for (let slash = piece.indexOf("/"); slash !== -1; slash = piece.indexOf("/", slash + 1)) {
    const before = /(\p{L}+)\.?\s?$/u.exec(piece.slice(Math.max(0, slash - 12), slash));
    if (!before || !TITLES.has((before[1] ?? "").toLowerCase())) continue;
    const at = slash - before[0].length;
    if (at > 0 && /\p{L}/u.test(piece[at - 1] ?? "")) continue;
    SLASH_TITLED.lastIndex = at;
    const m = SLASH_TITLED.exec(piece);
    const name = (m?.[2] ?? "").trimEnd();
    // The other side is a title too or a feminine ending ("Mr/Ms", "Pan/Pani", "geehrte/r"); "Pan/Tilt", "Sr/Lead", "m/s" are not salutations.
    const other = (m?.[1] ?? "").toLowerCase();
    if (!m || name.length < 2 || !(TITLES.has(other) || FEMININE_ENDING.has(other))) continue;
    const start = at + m[0].length - (m[2] ?? "").length;
    out.push([start, start + name.length]);
  }
  if (piece.includes("/") && /\p{sc=Arabic}/u.test(piece)) {
    ARABIC_SLASH_TITLE.lastIndex = 0;
    for (let m = ARABIC_SLASH_TITLE.exec(piece); m; m = ARABIC_SLASH_TITLE.exec(piece)) {
      const name = (m[1] ?? "").trimEnd();
      if (name.length < 2) continue;
      const start = m.index + m[0].length - (m[1] ?? "").length;
      out.push([start, start + name.length]);
    }
  }
  return out;
}

/**
 * Labels of a user name in the languages of the sets, then ":", a dash, "is" or a space (not "=":
 * `User=www-data`, `DB_USER=svc_reporting` are service accounts of a configuration).
 */
const USER_LABEL =
  /(?<![\p{L}\p{N}_])(?:user\s?name|user\s?id|user|login|benutzername|benutzer|nutzername|nome utente|utente|nombre de usuario|usuario|usuário|utilisateur|identifiant|gebruikersnaam|gebruiker|användarnamn|användare|brukernavn|brugernavn|bruger|käyttäjätunnus|käyttäjä|kullanıcı adı|kullanıcı|nazwa użytkownika|użytkownika|użytkownik|uživatelské jméno|uživatel|felhasználónév|felhasználó|utilizator|пользователь|логин)(?:\s*:\s*|\s+[–—-]\s+|\s+(?:is|ist|è|es|est|é|är|er|on|jest)\s+|\s+)['"“‘«]?(?=[\p{L}])/giu;
/**
 * An account named before its user name ("account smit_mirjam", "Tài khoản thutrangb701",
 * "用户jingyio94", "Login alert for jbrennan82"): a handle only, with its marks (a digit, dot or
 * underscore), since "account settings" and "compte client" follow these words too.
 */
const ACCOUNT_LABEL =
  /(?<![\p{L}\p{N}_])(?:accounts?|konto|kontot|kontoen|kontoon|compte|cuenta|conta|conto|účet|účtu|uživatele|fiók|fiókba|fiókját|hesap|hesabı|akun|tili|tilille|tài khoản|λογαριασμό|λογαριασμός|λογαριασμού|חשבון|לחשבון|аккаунт|аккаунта|аккаунте|учётной записи|учетной записи|обліковий запис|账号|帳號|账户|帳戶|用户|用戶|アカウント|ユーザー|계정|사용자|alert for|sign-in for|login for|log-in for|acceso de|accès de|zugang von|dostęp dla)(?:(?<=[\p{sc=Han}\p{sc=Katakana}\p{sc=Hangul}])|(?![\p{L}]))\s*(?:[:：]\s*)?['"“‘«]?(?=[\p{L}])/giu;
/** A post's byline ("Posted by: grumpyoldtom", "publié par", "napisała"): the word after it is its writer. */
const BYLINE =
  /(?<![\p{L}])(?:posted by|post by|reply from|beitrag von|publié par|publicado por|gepost door|skrevet af|skrevet av|napisał|napisała|написал|написала)\s*:?\s+['"“‘«]?(?=[\p{L}])/giu;
/**
 * A forum named before a writer, or a verb of writing ("Forum post by dave_r", "Sur le forum,
 * velo_toulousain raconte", "Im Forum schrieb gartenfee_karin"): a handle only, with its marks.
 */
const FORUM_WRITER =
  /(?<![\p{L}])(?:forum di|forum de|forum von|forum\s*[,:]?|foro\s*,?|fórum\s*,?|schrieb|schreibt|a écrit|écrit|escribió|ha scritto|scrive|escreveu|wrote)\s+['"“‘«]?(?=[\p{L}])/giu;
/** A chat line's speaker after its time ("[09:15] kwame_o: …"): any handle with a lower-case letter (no log level). */
const CHAT_SPEAKER = /(?:^|\n)[ \t]*\[\d{1,2}:\d{2}(?::\d{2})?\][ \t]+(?=[\p{L}][\p{L}\p{N}._-]{0,38}:)/gu;
const HANDLE = /^[\p{L}][\p{L}\p{N}._-]{1,38}[\p{L}\p{N}]/u;
/** Parts that name a service, an environment or a version, not a person ("svc_", "prod", "v2"). */
const SERVICE_PART =
  /(?:^|[._-])(?:svc|srv|sys|app|api|bot|ci|cd|dev|prod|stg|staging|test|qa|uat|admin|root|aws|gcp|azure|eu|us|ap|v\d+)(?:$|[._\d-])|^v\d/iu;
const CJK = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]/u;
const LATIN_THEN_CJK = /^([^\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]+)[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}].*$/u;
const FILE_NAME =
  /\.(?:ya?ml|json|txt|log|gz|tgz|tar|zip|7z|js|mjs|cjs|ts|tsx|py|rb|go|rs|java|sh|md|csv|tsv|xml|conf|cfg|ini|lock|toml|html?|css|pdf|docx?|xlsx?|pptx?|png|jpe?g|gif|svg|sql|bak|env|pem|key|crt|exe|dll|so|bin|iso|img)$/iu;
/** Words a user-name label is followed by that are no user: "user account", "login page", "user is". */
const NOT_A_HANDLE = Gaz.common | Gaz.dictionary | Gaz.frequent | Gaz.techTerm | Gaz.time;
const NAMES = Gaz.first | Gaz.last;
const EVERYDAY = Gaz.common | Gaz.dictionary | Gaz.frequent;

export function userNames(piece: string, model: Tagger): Offsets[] {
  const out: Offsets[] = [];
  for (const [pattern, needsMark] of [
    [USER_LABEL, false],
    [ACCOUNT_LABEL, true],
    [BYLINE, false],
    [FORUM_WRITER, true],
    [CHAT_SPEAKER, false],
  ] as const) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(piece); m; m = pattern.exec(piece)) {
      const at = m.index + m[0].length;
      // A Latin handle ends where Chinese or Japanese text goes on without a space ("用户jingyio94于…").
      const handle = HANDLE.exec(piece.slice(at, at + 40))?.[0]?.replace(LATIN_THEN_CJK, "$1");
      if (!handle || handle.length < 2) continue;
      // A handle ends where the word ends: "fengel," yes; "mrossi@example.org" is an e-mail's.
      const next = piece.slice(at + handle.length, at + handle.length + 1);
      if (/^[@\p{L}\p{N}]/u.test(next) && !CJK.test(next)) continue;
      const marked = /[._\d]/.test(handle);
      // Parts that are all everyday words and no name are a setting or variable ("default_account", "test.user").
      const parts = handle.split(/[._\d-]+/).filter((p) => p.length >= 3);
      const everyday = (p: string) => {
        const flags = flagsOf(p, model);
        return (flags & NOT_A_HANDLE) !== 0 && !(flags & NAMES);
      };
      if (marked && parts.length > 0 && parts.every(everyday)) continue;
      // After an account word a handle is one person's: a part of three letters or more and no everyday
      // word among them ("smit_mirjam", "jbrennan82"; not "v2.0", "id123", "svc_payments1", "aws_prod_2").
      if (pattern === ACCOUNT_LABEL && (parts.length === 0 || parts.some(everyday) || SERVICE_PART.test(handle))) continue;
      // A file name has a handle's marks ("kubeconfig.yaml", "fehler_log.txt"): no user.
      if (FILE_NAME.test(handle)) continue;
      if (pattern === CHAT_SPEAKER) {
        // A log line's process ("[12:00:01] sshd:", "jenkins:", "GitHub:") or field ("Price:", "Rose: 12 stems")
        // has the same shape: a speaker needs a handle's marks ("kwame_o"); capitalised speakers are addChatSpeakers'.
        if (marked && /\p{Ll}/u.test(handle)) out.push([at, at + handle.length]);
        continue;
      }
      // A byline names a user only with a handle's marks; after a label, any word no list knows.
      if (needsMark ? !marked : !marked && flagsOf(handle, model) & NOT_A_HANDLE) continue;
      if (!marked && handle.length < 4) continue;
      out.push([at, at + handle.length]);
    }
  }
  return out;
}

/** The label of a match report's scorers, then a colon: the words that name only scorers. */
const SCORERS =
  /(?<![\p{L}])(?:scorers?|goalscorers?|try scorers|torschützen|torschütze|marcatori|marcatore|goleadores|goleador|buteurs|buteur|doelpuntenmakers|målgörare|målscorere|maalintekijät|strzelcy|gólszerzők|střelci|авторы голов|бомбардиры|golcüler|marcadores|marcador)\s*:\s*/giu;
/** Labels that also mean goals, gates or networks ("Goal:", "Tore:", "Reti:"): scorers only when the list holds a minute or a count. */
const GOALS = /(?<![\p{L}])(?:goal|tore|tor|goles|gol|buts|but|reti|mål|maalit|bramki|gólok|góly|голы|goller|golos|doelpunten)\s*:\s*/giu;
const SCORER = new RegExp(`${NAME_WORD}(?:\\s+(?:${PARTICLE}\\s+)*${NAME_WORD})?`, "gu");
/** Countries, known organisations, nationalities, times and organisation words are no scorers ("Tore: Bayern 2"). */
const NO_SCORER = Gaz.country | Gaz.nationality | Gaz.time | Gaz.orgWord | Gaz.orgName;

/** A name with the minute of its goal after it, with a minute's mark ("JONES (18')", "Okafor 54'", "Müller (23.+2')"). */
const MINUTE_AFTER_NAME = new RegExp(`(${NAME_WORD}(?:[ -]${NAME_WORD})?)\\s?\\(?\\d{1,3}(?:\\.?\\+\\d{1,2})?['’′](?![\\p{L}\\p{N}])`, "gu");

export function scorerNames(piece: string, model: Tagger): Offsets[] {
  const out: Offsets[] = [];
  if (/['’′]/u.test(piece)) {
    MINUTE_AFTER_NAME.lastIndex = 0;
    for (let m = MINUTE_AFTER_NAME.exec(piece); m; m = MINUTE_AFTER_NAME.exec(piece)) {
      const name = m[1] ?? "";
      // Each word a name the lists know or no word at all ("It's 5'" is a height).
      const words = name.split(/[ -]/);
      if (words.some((w) => /['’](?:s|t|re|ll|ve|d|m)$/iu.test(w))) continue; // a contraction ("It's 5'")
      if (
        words.some((w) => flagsOf(w, model) & (NO_SCORER & ~Gaz.orgName) || (flagsOf(w, model) & EVERYDAY && !(flagsOf(w, model) & NAMES))) ||
        /^\p{Lu}{1,3}$/u.test(name)
      )
        continue;
      out.push([m.index, m.index + name.length]);
    }
  }
  if (!piece.includes(":")) return out;
  for (const [label, needsCount] of [
    [SCORERS, false],
    [GOALS, true],
  ] as const) {
    label.lastIndex = 0;
    for (let m = label.exec(piece); m; m = label.exec(piece)) {
      const from = m.index + m[0].length;
      // The list runs to the end of its line or bracket.
      const rest = piece.slice(from).split(/[\n)]/)[0] ?? "";
      if (needsCount && !/\d/.test(rest)) continue;
      addScorers(rest, from, model, out);
    }
  }
  return out;
}

/** The capitalised names of a scorers' list, at `from` in the piece. */
function addScorers(rest: string, from: number, model: Tagger, out: Offsets[]): void {
  SCORER.lastIndex = 0;
  for (let s = SCORER.exec(rest); s; s = SCORER.exec(rest)) {
    const words = s[0].split(/\s+/).filter((w) => /^\p{Lu}/u.test(w));
    if (words.some((w) => flagsOf(w, model) & NO_SCORER) || /^\p{Lu}{1,3}$/u.test(s[0])) continue;
    out.push([from + s.index, from + s.index + s[0].length]);
  }
}

/** An item of a stand-up or task list: a word, a dash with blanks around it, what the person does ("ravi – on leave"). */
const TASK_ITEM = /(?:^|[;\n•]|:)[ \t]*(\p{L}[\p{L}\p{M}'’-]*)[ \t]+[–—-][ \t]+(?=\S)/gu;
/** Lists and words that keep a list item's word from being a given name alone. */
const NOT_GIVEN_ALONE = Gaz.dictionary | Gaz.common | Gaz.techTerm | Gaz.time | Gaz.orgWord | Gaz.orgName | Gaz.country | Gaz.city;

/**
 * The people of a stand-up or task list, in any case ("yuki – fixing login bug; ravi – on leave;
 * Finn – out sick"): items of a word, a dash and what someone does, two of them or more given
 * names no list holds as anything else (or name-shaped words no list holds). Then every item's given name is a person, also one that
 * is a word too ("Finn", "Grace"); a list of colours or fields ("Rose – pink; Violet – purple") has
 * no such two.
 */
export function taskListNames(piece: string, model: Tagger): Offsets[] {
  if (!/[–—-]/u.test(piece)) return [];
  const items: Array<{ at: number; word: string; flags: number }> = [];
  TASK_ITEM.lastIndex = 0;
  for (let m = TASK_ITEM.exec(piece); m; m = TASK_ITEM.exec(piece)) {
    const word = m[1] ?? "";
    items.push({ at: m.index + m[0].indexOf(word), word, flags: flagsOf(word, model) });
  }
  if (items.length < 2) return [];
  // A given name no list holds as anything else, or a word no list holds but as a rare word or a
  // family name, shaped like a name ("Tobi", "yuki"; not "Frontend").
  const clear = (i: (typeof items)[number]) =>
    (i.flags & Gaz.first && !(i.flags & NOT_GIVEN_ALONE)) ||
    ((i.flags & ~(Gaz.last | Gaz.frequent)) === 0 && nameLikeness(i.word.charAt(0).toUpperCase() + i.word.slice(1)) > 0);
  if (items.filter(clear).length < 2) return [];
  return items
    .filter((i) => clear(i) || (i.flags & Gaz.first && !(i.flags & (Gaz.techTerm | Gaz.time | Gaz.orgWord | Gaz.orgName))))
    .map((i) => [i.at, i.at + i.word.length]);
}

/** Titles an airline's or a travel agent's record writes after a name (IATA: MR, MRS, MS, MISS, MSTR; CHD, INF for children). */
const PASSENGER_TITLE = "(?:MRS|MR|MS|MISS|MSTR|CHD|INF)";
/** A word in capitals, with hyphenated and apostrophe parts ("RODRIGUEZ-VEGA", "O'NEILL"). */
const CAPITAL_WORD = `\\p{Lu}[\\p{Lu}'’-]*\\p{Lu}`;
/**
 * SURNAME/GIVEN TITLE as a passenger record writes it ("ZUNIGA/EMILIANO MR", "BABIC/PETRA MS",
 * "RODRIGUEZ-VEGA/JOSÉ MR", "1.1SMITH/JOHN MR" after a record's element number), each side one or
 * two words in capitals, the title a word of its own ("LONDON/PARIS MUSEUMS" holds no "MS"). A match
 * opens only where a word does, never after a hyphen or an apostrophe inside one: from each of those a
 * run like "A-A-A-…" was read to its end again, a cost that grew with the square of its length.
 */
const PASSENGER_NAME = new RegExp(
  `(?<![\\p{L}/'’-])(${CAPITAL_WORD}(?: (?!${PASSENGER_TITLE}(?![\\p{L}]))${CAPITAL_WORD})?)\\/(${CAPITAL_WORD}(?: (?!${PASSENGER_TITLE}(?![\\p{L}]))${CAPITAL_WORD})?) ${PASSENGER_TITLE}(?![\\p{L}\\p{N}/])`,
  "gu",
);
/**
 * What says the text is a travel record: a booking's, a ticket's or a manifest's words, or a
 * record's element number right before the name ("1.1SMITH/JOHN MR", "2. BABIC/PETRA MS"). Without
 * them a capital pair and "MS" or "MR" is as often a route, a school or a street ("JACKSON/CLINTON
 * MS", "LINCOLN/ROOSEVELT MS", "ESI/QTOF MS").
 */
const TRAVEL_RECORD =
  /(?<![\p{L}])(?:passengers?|pax|pnr|booking|reservation|manifest|ticket|itinerary|boarding|flight|flt|seat|ssr|docs|e-?ticket|passport|pasaporte|passeport|reisepass|passaporto|passagiere?|buchung|pasajeros?|reserva|passagers?|réservation|passeggeri|prenotazione|passagier|boeking|passageiro)(?![\p{L}])/iu;
const ELEMENT_NUMBER_BEFORE = /(?:^|\s)\d{1,2}\.\d{0,2} ?$/;
const NOT_A_NAME_PART = Gaz.common | Gaz.dictionary | Gaz.techTerm | Gaz.orgWord | Gaz.time | Gaz.country;
/** A word's flags say a place and no given name ("LONDON", not "PARIS"). */
const routePlace = (flags: number) => (flags & (Gaz.city | Gaz.country | Gaz.region)) !== 0 && !(flags & Gaz.first);

/**
 * People a passenger record names as SURNAME/GIVEN TITLE, in a travel record, when one side is a
 * listed name or both look like names ("TZOMPANTZI/XOCHITL MRS"). A word of the language no name
 * list holds, a technical term, a part of two letters, a route between places and an airport code
 * are never names here ("TCP/IP MR", "LHR/CDG MR").
 */
export function passengerNames(text: string, model: Tagger): Offsets[] {
  if (!text.includes("/")) return [];
  const out: Offsets[] = [];
  // Whether the text is a travel record: read once, and only when a pair and a title stand in it.
  let travel: boolean | undefined;
  for (const m of text.matchAll(PASSENGER_NAME)) {
    if (!ELEMENT_NUMBER_BEFORE.test(text.slice(Math.max(0, m.index - 8), m.index))) {
      if (travel === undefined) travel = TRAVEL_RECORD.test(text);
      if (!travel) continue;
    }
    const surname = m[1] ?? "";
    const given = m[2] ?? "";
    const words = [...surname.split(" "), ...given.split(" ")];
    const flags = words.map((w) => flagsOf(w, model));
    const named = flags.map((f) => (f & (Gaz.first | Gaz.last)) !== 0);
    // A word of the language is no part of the name unless a list holds it as a name too ("REDDY/ARJUN MR").
    if (words.some((w, k) => w.replace(/['’-]/g, "").length < 3 || ((flags[k] ?? 0) & NOT_A_NAME_PART && !named[k]))) continue;
    // A route between places or airports ("LONDON/ROME", "JFK/LGA") is no one: every word a place, or three letters no list holds.
    if (flags.every(routePlace) || words.some((w, k) => w.length === 3 && !named[k])) continue;
    if (named.some(Boolean) || words.every((w) => nameLikeness(w) >= 0)) out.push([m.index, m.index + surname.length + 1 + given.length]);
  }
  return out;
}
