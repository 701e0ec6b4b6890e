// Labelled sentences for the tagger: templates (templates.ts) and simple generated clauses
// filled with names, organisations, places and addresses from faker's locales and the word
// lists of lexicon.ts. Deterministic for a given seed.
import type { Faker } from "@faker-js/faker";
import type { EntityKind } from "../../workers/pii/tagger/tagger.js";
import {
  CAPITALS,
  CITY_NAMES,
  COUNTRIES,
  EXTRA_FIRST,
  EXTRA_LAST,
  FIRST_NAMES,
  FREQUENT_WORDS,
  KNOWN_CITIES,
  KNOWN_FIRST,
  KNOWN_LAST,
  KNOWN_ORGS,
  KOREAN_LATIN_FIRST,
  KOREAN_LATIN_LAST,
  LAST_NAMES,
  LOCALES,
  NATIONALITIES,
  ORG_WORDS,
  PARTICLES,
  STATES,
  STREET_WORDS,
  TECH_TERMS,
  TITLES,
  TIME_WORDS,
  WORLD_CITIES,
  fakerOf,
} from "./lexicon.js";
import { LOCAL_CLEAN, LOCAL_TRAIN } from "./local-templates.js";
import { DEV, DEV_CLEAN, DEV_NATURAL, DEV_NATURAL_CLEAN, TRAIN, TRAIN_CLEAN } from "./templates.js";

export interface Span {
  start: number;
  end: number;
  kind: EntityKind;
}
export interface Example {
  text: string;
  spans: Span[];
}

export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed | 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) | 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Faker locale of the names written in each language of FREQUENT_WORDS (English names elsewhere). */
const LANGUAGE_LOCALE: Record<string, string> = {
  afrikaans: "af_ZA",
  arabic: "ar",
  chinese: "zh_CN",
  czech: "cs_CZ",
  danish: "da",
  dutch: "nl",
  farsi: "fa",
  finnish: "fi",
  french: "fr",
  german: "de",
  greek: "el",
  hebrew: "he",
  hungarian: "hu",
  indonesian: "id_ID",
  italian: "it",
  japanese: "ja",
  korean: "ko",
  latvian: "lv",
  macedonian: "mk",
  norwegian: "nb_NO",
  polish: "pl",
  portuguese: "pt_BR",
  romanian: "ro",
  russian: "ru",
  serbian: "sr_RS_latin",
  slovak: "sk",
  slovenian: "sl_SI",
  spanish: "es",
  swedish: "sv",
  turkish: "tr",
  ukrainian: "uk",
  vietnamese: "vi",
};
/** Languages written without spaces between words. */
const UNSPACED = new Set(["chinese", "japanese"]);
const FREQUENT_LIST = [...FREQUENT_WORDS.keys()];

/** Name order surname-first in these locales. */
const SURNAME_FIRST = new Set(["hu", "ja", "ko", "zh_CN", "zh_TW", "vi"]);
const NO_SPACE = new Set(["ja", "zh_CN", "zh_TW"]);
const PARTICLE_LOCALES = new Set(["nl", "nl_BE", "de", "de_AT", "de_CH", "fr", "fr_BE", "it", "es", "pt_BR", "pt_PT"]);
const ENGLISH = ["en", "en_US", "en_GB", "en_CA", "en_AU", "en_IE", "en_IN", "en_NG", "en_ZA", "en_GH"];

const SENTENCE_WORDS = {
  subjects: [
    "The manager",
    "Our team",
    "The company",
    "A spokesman",
    "The customer",
    "My colleague",
    "The board",
    "The police",
    "Investors",
    "The court",
  ],
  verbs: [
    "met",
    "called",
    "visited",
    "thanked",
    "hired",
    "interviewed",
    "praised",
    "criticised",
    "sued",
    "paid",
    "emailed",
    "invited",
    "replaced",
    "joined",
    "left",
    "advised",
    "beat",
    "signed with",
  ],
  tails: [
    "on Monday",
    "last week",
    "yesterday",
    "in the morning",
    "after the meeting",
    "for the second time",
    "again",
    "in private",
    "without notice",
    "this year",
    "during the talks",
  ],
  preps: ["in", "at", "near", "from", "outside", "across"],
};

const NOT_HEADING = new Set(
  [...ORG_WORDS, ...STREET_WORDS, "bank", "cross", "central", "national", "international", "united", "royal", "federal", "general"].map((w) =>
    w.toLowerCase(),
  ),
);

/** Everyday words that are also given names, written where they mean the word. */
const NAME_LIKE_WORDS = [
  "Grace",
  "Faith",
  "Hope",
  "Joy",
  "Rose",
  "Will",
  "Mark",
  "Bill",
  "Grant",
  "Chase",
  "June",
  "May",
  "April",
  "Summer",
  "Sterling",
  "Jack",
  "Price",
  "Page",
  "Lane",
  "Amber",
  "Ruby",
  "Crystal",
  "Dawn",
  "Iris",
  "Ivy",
  "Pearl",
  "Sky",
  "Storm",
  "Hunter",
  "Miles",
  "Art",
  "Sandy",
  "Frank",
  "Pat",
  "Sue",
  "Rob",
  "Don",
  "Gene",
  "Drew",
  "Guy",
  "Max",
  "Ray",
  "Cliff",
  "Brook",
  "Autumn",
  "Holly",
];
const CLAUSES = [
  "periods apply to late payments",
  "is running low this quarter",
  "petals were on the floor",
  "the task as done",
  "the client for the overtime",
  "access to the shared folder",
  "was a quiet month",
  "prices went up again",
  "up the car before changing the tyre",
  "the unpaid invoices",
  "you join the call",
  "in the process keeps growing",
  "is due next week",
  "fell against the dollar",
  "the number of open tickets",
];

export class Generator {
  constructor(
    readonly rng: Rng,
    readonly faker: (locale: string) => Faker = fakerOf,
  ) {}

  locale(): string {
    return this.rng.chance(0.35) ? this.rng.pick(ENGLISH) : this.rng.pick(LOCALES);
  }

  first(locale: string): string {
    if (locale === "ko_Latn") return this.rng.pick(KOREAN_LATIN_FIRST);
    // The census given-name lists of a locale's language widen faker's few hundred names.
    const extra = EXTRA_FIRST.get(locale.slice(0, 2)) ?? [];
    if (extra.length > 0 && this.rng.chance(0.25)) return this.rng.pick(extra);
    const own = FIRST_NAMES.get(locale) ?? [];
    if (own.length === 0 || (ENGLISH.includes(locale) && this.rng.chance(0.3))) return this.rng.pick(KNOWN_FIRST);
    return this.rng.pick(own);
  }

  last(locale: string): string {
    if (locale === "ko_Latn") return this.rng.pick(KOREAN_LATIN_LAST);
    // English text names people of every origin: surnames from the large list of many cultures.
    if (ENGLISH.includes(locale) && this.rng.chance(0.2)) return this.rng.pick(EXTRA_LAST);
    const own = LAST_NAMES.get(locale) ?? [];
    if (own.length === 0 || (ENGLISH.includes(locale) && this.rng.chance(0.3))) return this.rng.pick(KNOWN_LAST.length ? KNOWN_LAST : ["Smith"]);
    let last = this.rng.pick(own);
    if (PARTICLE_LOCALES.has(locale) && this.rng.chance(0.12))
      last = `${this.rng.pick(["van", "van der", "de", "von", "di", "da", "de la", "dos", "del"])} ${last}`;
    if ((locale === "es" || locale === "es_MX" || locale.startsWith("pt")) && this.rng.chance(0.3)) last = `${last} ${this.rng.pick(own)}`;
    return last;
  }

  /** A person's name in one of the forms people write it. */
  person(form?: "full" | "first" | "last"): string {
    const locale = this.locale();
    const first = this.first(locale);
    const last = this.last(locale);
    const r = this.rng.next();
    const sep = NO_SPACE.has(locale) && this.rng.chance(0.4) ? "" : " ";
    if (form === "first") return first;
    if (form === "last") return last;
    if (SURNAME_FIRST.has(locale) && this.rng.chance(0.75)) return `${last}${sep}${first}`;
    if (form === "full" || r < 0.55) return `${first} ${last}`;
    if (r < 0.63) return `${first} ${this.rng.chance(0.5) ? `${this.first(locale)} ` : `${this.rng.pick([..."ABCDEFGHJKLMNPRSTW"])}. `}${last}`;
    if (r < 0.72) return last;
    if (r < 0.8) return first;
    if (r < 0.86) return `${first[0]}. ${last}`;
    if (r < 0.9) return `${last}, ${first}`;
    if (r < 0.93) return `${first[0]}.${this.rng.pick([..."ABCDEFGHJKLMNPRSTW"])}. ${last}`;
    return `${first} ${last}`;
  }

  organisation(): string {
    const r = this.rng.next();
    const f = this.faker(this.locale());
    if (r < 0.28) {
      try {
        return f.company.name();
      } catch {
        return this.faker("en").company.name();
      }
    }
    if (r < 0.55) return this.rng.pick(KNOWN_ORGS);
    const city = this.city();
    const last = this.last(this.locale());
    const word = this.rng.pick(ORG_WORDS);
    const shapes = [
      () => `${last} ${word}`,
      () => `${city} ${word}`,
      () => `${last} & ${this.last(this.locale())}`,
      () => `Bank of ${this.rng.pick(COUNTRIES)}`,
      () => `University of ${city}`,
      () => `${city} University`,
      () => `${this.rng.pick(["FC", "Real", "Sporting", "Olympique", "AC", "Dynamo"])} ${city}`,
      () => `${city} ${this.rng.pick(["United", "City", "Rovers", "Athletic", "FC", "Wanderers"])}`,
      () => `${this.acronym()} ${this.rng.pick(["Group", "Inc", "Ltd", "Holdings", "Bank", "GmbH", "AG", "SA"])}`,
      () =>
        `${this.faker("en")
          .word.adjective()
          .replace(/^./, (c) => c.toUpperCase())} ${this.faker("en")
          .word.noun()
          .replace(/^./, (c) => c.toUpperCase())} ${word}`,
      () =>
        `${this.rng.pick(NATIONALITIES.length ? NATIONALITIES : ["National"])} ${this.rng.pick(["Airlines", "Bank", "Railways", "Telecom", "Post", "Broadcasting Corporation"])}`,
      () => `Ministry of ${this.rng.pick(["Finance", "Defence", "Health", "Education", "Foreign Affairs", "Justice", "Transport"])}`,
      () => this.acronym(),
    ];
    return this.rng.pick(shapes)();
  }

  /** A Title Case phrase of everyday words ("Quarterly Sales Review", "Forgot Password"): a heading, not a name. */
  heading(): string {
    const f = this.faker("en");
    // Words that name organisations, streets or places stay out: a heading holds none of them.
    const word = () => {
      for (;;) {
        const w = this.rng.pick([() => f.word.noun(), () => f.word.adjective(), () => f.word.verb(), () => f.commerce.department()])();
        if (!NOT_HEADING.has(w.toLowerCase())) return w;
      }
    };
    const n = this.rng.int(1, 4);
    const words = Array.from({ length: n }, word);
    if (n > 2 && this.rng.chance(0.3)) words.splice(1, 0, this.rng.pick(["of", "and", "for", "to", "in"]));
    return words.map((w) => (["of", "and", "for", "to", "in"].includes(w) ? w : w.replace(/^./, (c) => c.toUpperCase()))).join(" ");
  }

  acronym(): string {
    const n = this.rng.int(2, 5);
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(65 + this.rng.int(0, 25));
    return s;
  }

  city(): string {
    const r = this.rng.next();
    if (r < 0.35) {
      const own = CITY_NAMES.get(this.rng.pick(LOCALES)) ?? [];
      if (own.length) return this.rng.pick(own);
    }
    if (r < 0.5) {
      try {
        return this.faker(this.locale()).location.city();
      } catch {
        return this.rng.pick(WORLD_CITIES);
      }
    }
    if (r < 0.65) return this.rng.pick(KNOWN_CITIES);
    if (r < 0.75) return this.rng.pick(CAPITALS.filter(Boolean));
    return this.rng.pick(WORLD_CITIES);
  }

  location(): string {
    const r = this.rng.next();
    if (r < 0.5) return this.city();
    if (r < 0.8) return this.rng.pick(COUNTRIES);
    const own = STATES.get(this.rng.pick(LOCALES)) ?? [];
    return own.length ? this.rng.pick(own) : this.rng.pick(COUNTRIES);
  }

  address(): string {
    const locale = this.rng.chance(0.3) ? this.rng.pick(ENGLISH) : this.rng.pick(LOCALES);
    const f = this.faker(locale);
    const r = this.rng.next();
    let street: string;
    try {
      street = f.location.streetAddress(this.rng.chance(0.3));
    } catch {
      street = this.faker("en").location.streetAddress();
    }
    if (r < 0.08)
      return `${this.rng.pick(["P.O. Box", "PO Box", "Postfach", "BP", "Apartado"])} ${this.rng.int(1, 9999)}${this.rng.chance(0.5) ? `, ${this.city()}` : ""}`;
    if (r < 0.4) return street;
    let zip: string;
    let city: string;
    try {
      zip = f.location.zipCode();
      city = f.location.city();
    } catch {
      zip = String(this.rng.int(10000, 99999));
      city = this.city();
    }
    if (locale === "en_US" || locale === "en" || (locale === "en_CA" && this.rng.chance(0.5))) {
      let state = "NY";
      try {
        state = f.location.state({ abbreviated: true });
      } catch {}
      return this.rng.chance(0.5) ? `${street}, ${city}, ${state} ${zip}` : `${street}\n${city}, ${state} ${zip}`;
    }
    if (locale === "en_GB" || locale === "en_IE" || locale === "en_AU") return `${street}, ${city} ${zip}`;
    if (locale === "ja") return `〒${zip} ${city}${street}`;
    return this.rng.chance(0.8) ? `${street}, ${zip} ${city}` : `${street}\n${zip} ${city}`;
  }

  /** Values of the slots the tagger must leave alone (other detectors or nothing). */
  filler(slot: string): string {
    const f = this.faker(this.rng.chance(0.5) ? "en" : this.locale());
    const safe = (g: () => string, fallback: string) => {
      try {
        return g();
      } catch {
        return fallback;
      }
    };
    switch (slot) {
      case "PHONE":
        return safe(() => f.phone.number(), "+1 555 0100");
      case "EMAIL":
        return safe(() => f.internet.email(), "someone@example.com");
      case "DATE":
        return this.rng.pick([
          () => `${this.rng.int(1, 28)} ${this.rng.pick(TIME_WORDS.slice(7, 19))} ${this.rng.int(1940, 2030)}`,
          () => `${this.rng.int(1940, 2030)}-0${this.rng.int(1, 9)}-${this.rng.int(10, 28)}`,
          () => `${this.rng.int(1, 12)}/${this.rng.int(1, 28)}/${this.rng.int(1940, 2030)}`,
          () => `${this.rng.int(1, 28)}.${this.rng.int(1, 12)}.${this.rng.int(1940, 2030)}`,
          () => `${this.rng.pick(TIME_WORDS.slice(7, 19))} ${this.rng.int(1, 28)}, ${this.rng.int(1940, 2030)}`,
        ])();
      case "NUM":
        return String(this.rng.chance(0.7) ? this.rng.int(1, 99) : this.rng.int(100, 99999));
      case "MONEY":
        return this.rng.pick([
          `$${this.rng.int(1, 999)}`,
          `€${this.rng.int(1, 999)}`,
          `${this.rng.int(1, 999)} million dollars`,
          `£${this.rng.int(1, 99)}.${this.rng.int(10, 99)}`,
          `${this.rng.int(1, 99)} billion euros`,
        ]);
      case "URL":
        return safe(() => f.internet.url(), "https://example.com");
      case "IP":
        return safe(() => f.internet.ipv4(), "10.0.0.1");
      case "CARD":
        return safe(() => f.finance.creditCardNumber(), "4111 1111 1111 1111");
      case "IBAN":
        return safe(() => f.finance.iban(), "DE89370400440532013000");
      case "NAT":
        return this.rng.pick(NATIONALITIES.length ? NATIONALITIES : ["German"]);
      case "TECH":
        return this.rng.pick(TECH_TERMS);
      case "JOB":
        return safe(() => this.faker("en").person.jobTitle(), "Engineer");
      case "PRODUCT":
        return safe(() => this.faker("en").commerce.productName(), "Wooden Chair");
      case "TITLE":
        return this.rng.pick(TITLES);
      case "ACR":
        return this.acronym();
      case "DAY":
        return this.rng.pick(TIME_WORDS.slice(0, 7));
      case "MONTH":
        return this.rng.pick(TIME_WORDS.slice(7, 19));
      case "WORD":
        return safe(() => this.faker("en").word.noun(), "item");
      case "HEADING":
        return this.heading();
      case "NAMEWORD":
        return this.rng.pick(NAME_LIKE_WORDS);
      case "CLAUSE":
        return this.rng.pick(CLAUSES);
      case "LEVEL":
        return this.rng.pick(["INFO", "WARN", "ERROR", "DEBUG", "TRACE", "FATAL"]);
      default:
        return slot;
    }
  }

  entity(slot: string): [string, EntityKind] | null {
    switch (slot) {
      case "PER":
        return [this.person(), "person"];
      case "FIRST":
        return [this.person("first"), "person"];
      case "LAST":
        return [this.person("last"), "person"];
      case "ORG":
        return [this.organisation(), "organization"];
      case "LOC":
        return [this.location(), "location"];
      case "CITY":
        return [this.city(), "location"];
      case "COUNTRY":
        return [this.rng.pick(COUNTRIES), "location"];
      case "ADDR":
        return [this.address(), "address"];
      default:
        return null;
    }
  }

  /** Fills a template; entity slots become labelled spans. */
  fill(template: string): Example {
    if (template === "{UPPER_HEADLINE}")
      return upper(
        this.fill(
          this.rng.pick(["{ORG} BEATS {ORG} IN {CITY}", "{PER} WINS IN {CITY}", "{LAST} SAYS {ORG} TALKS FAIL", "{COUNTRY} AND {COUNTRY} SIGN DEAL"]),
        ),
      );
    let text = "";
    const spans: Span[] = [];
    let at = 0;
    for (const m of template.matchAll(/\{([A-Z_]+)\}/g)) {
      text += template.slice(at, m.index);
      at = (m.index ?? 0) + m[0].length;
      const slot = m[1] ?? "";
      const entity = this.entity(slot);
      if (entity) {
        const [value, kind] = entity;
        spans.push({ start: text.length, end: text.length + value.length, kind });
        text += value;
      } else text += this.filler(slot);
    }
    text += template.slice(at);
    return { text, spans };
  }

  /** A simple clause: subject, verb, object and a place, each an entity or a plain phrase. */
  clause(): Example {
    const w = SENTENCE_WORDS;
    const parts: Array<string | [string, EntityKind]> = [];
    const subject = this.rng.next();
    if (subject < 0.45) parts.push([this.person(), "person"]);
    else if (subject < 0.65) parts.push([this.organisation(), "organization"]);
    else parts.push(this.rng.pick(w.subjects));
    parts.push(` ${this.rng.pick(w.verbs)} `);
    const object = this.rng.next();
    if (object < 0.45) parts.push([this.person(), "person"]);
    else if (object < 0.7) parts.push([this.organisation(), "organization"]);
    else parts.push(this.rng.pick(["the team", "the client", "a supplier", "the new hire", "the contract", "the union"]));
    if (this.rng.chance(0.5)) {
      parts.push(` ${this.rng.pick(w.preps)} `);
      parts.push([this.location(), "location"]);
    }
    parts.push(` ${this.rng.pick(w.tails)}.`);
    let text = "";
    const spans: Span[] = [];
    for (const p of parts) {
      if (typeof p === "string") text += p;
      else {
        spans.push({ start: text.length, end: text.length + p[0].length, kind: p[1] });
        text += p[0];
      }
    }
    return { text, spans };
  }

  /**
   * Text in another language from its frequent words, in the case the list gives them (German
   * nouns capitalised) with the first word capitalised: UI strings, headings and sentences that
   * hold no name. With `entity`, one name, place or organisation of that language stands among
   * the words, so the context alone does not decide.
   */
  foreign(entity: boolean): Example {
    const language = this.rng.pick(FREQUENT_LIST);
    const words = FREQUENT_WORDS.get(language) ?? [];
    // Mostly frequent words, sometimes rarer ones (the capitalised heading words nobody listed).
    const word = () => this.rng.pick(this.rng.chance(0.7) ? words.slice(0, 2000) : words);
    const n = this.rng.int(1, 12);
    const parts: Array<string | [string, EntityKind]> = [];
    for (let i = 0; i < n; i++) {
      let w = word();
      if (this.rng.chance(0.08)) w = String(this.rng.int(1, 99999));
      parts.push(w);
    }
    if (entity) {
      const locale = LANGUAGE_LOCALE[language] ?? "en";
      const r = this.rng.next();
      const value: [string, EntityKind] =
        r < 0.55
          ? [this.localPerson(locale), "person"]
          : r < 0.8
            ? [this.rng.chance(0.5) ? this.localCity(locale) : this.location(), "location"]
            : [this.organisation(), "organization"];
      parts.splice(this.rng.int(0, parts.length), 0, value);
    }
    const sep = UNSPACED.has(language) ? "" : " ";
    let text = "";
    const spans: Span[] = [];
    for (const [i, p] of parts.entries()) {
      if (i > 0) text += typeof p === "string" && typeof parts[i - 1] === "string" ? sep : UNSPACED.has(language) && this.rng.chance(0.7) ? "" : " ";
      if (typeof p === "string") text += i === 0 ? p.replace(/^\p{Ll}/u, (c) => c.toUpperCase()) : p;
      else {
        spans.push({ start: text.length, end: text.length + p[0].length, kind: p[1] });
        text += p[0];
      }
    }
    const end = this.rng.pick(["", "", ".", ".", "!", "?", ":", "。"]);
    return { text: text + end, spans };
  }

  /** A person's name as written in a locale (given name, surname or both, in its order). */
  localPerson(locale: string): string {
    const first = this.first(locale);
    const last = this.last(locale);
    const r = this.rng.next();
    const sep = NO_SPACE.has(locale) && this.rng.chance(0.5) ? "" : " ";
    if (r < 0.2) return first;
    if (r < 0.35) return last;
    return SURNAME_FIRST.has(locale) ? `${last}${sep}${first}` : `${first} ${last}`;
  }

  localCity(locale: string): string {
    const own = CITY_NAMES.get(locale) ?? [];
    return own.length ? this.rng.pick(own) : this.city();
  }

  /** A sentence of LOCAL_TRAIN (or, `clean`, LOCAL_CLEAN) in one language, its people named from that language's locale. */
  local(clean: boolean): Example {
    const table = clean ? LOCAL_CLEAN : LOCAL_TRAIN;
    const locale = this.rng.pick(Object.keys(table));
    return this.fillLocal(locale, this.rng.pick(table[locale] ?? []));
  }

  /** Fills a LOCAL_TRAIN template: P1…P3 are people kept through the text (slots in local-templates.ts). */
  fillLocal(locale: string, template: string): Example {
    const people = new Map<string, { first: string; last: string }>();
    const nameLocale = locale === "en" ? this.locale() : locale;
    let text = "";
    const spans: Span[] = [];
    let at = 0;
    for (const m of template.matchAll(/\{(P\d)([FLfU]?)(?::([^}]+))?\}|\{([A-Z_]+)\}/g)) {
      text += template.slice(at, m.index);
      at = (m.index ?? 0) + m[0].length;
      const id = m[1];
      if (!id) {
        const slot = m[4] ?? "";
        const entity = this.entity(slot);
        if (entity) {
          spans.push({ start: text.length, end: text.length + entity[0].length, kind: entity[1] });
          text += entity[0];
        } else text += this.filler(slot);
        continue;
      }
      let person = people.get(id);
      if (!person) {
        person = { first: this.first(nameLocale).split(" ")[0] ?? "", last: this.last(nameLocale) };
        people.set(id, person);
      }
      const form = m[2] ?? "";
      const full = SURNAME_FIRST.has(nameLocale)
        ? `${person.last}${NO_SPACE.has(nameLocale) ? "" : " "}${person.first}`
        : `${person.first} ${person.last}`;
      let value =
        form === "F"
          ? person.first
          : form === "L"
            ? person.last
            : form === "f"
              ? person.first.toLowerCase()
              : form === "U"
                ? full.toUpperCase()
                : full;
      const ending = m[3];
      if (ending === "UP") value = value.toUpperCase();
      else if (ending) value = inflect(locale, value, ending);
      if (value.length === 0) continue;
      spans.push({ start: text.length, end: text.length + value.length, kind: "person" });
      text += value;
    }
    text += template.slice(at);
    return { text, spans };
  }

  /** One training example: a template, a clause or a clean text, sometimes several, with case and spacing variants. */
  example(templates: readonly string[], clean: readonly string[]): Example {
    const r = this.rng.next();
    let ex: Example;
    if (r < 0.1) ex = this.foreign(false);
    else if (r < 0.16) ex = this.foreign(true);
    else if (r < 0.3) ex = this.fill(this.rng.pick(clean));
    else if (r < 0.42) ex = this.clause();
    else if (r < 0.52) ex = this.local(this.rng.chance(0.35));
    else ex = this.fill(this.rng.pick(templates));
    if (this.rng.chance(0.15))
      ex = join(ex, this.rng.chance(0.5) ? this.fill(this.rng.pick(clean)) : this.fill(this.rng.pick(templates)), this.rng.chance(0.7) ? " " : "\n");
    const v = this.rng.next();
    if (v < 0.06) ex = lower(ex);
    else if (v < 0.1) ex = upper(ex);
    else if (v < 0.14) ex = lowerEntities(ex);
    if (this.rng.chance(0.12)) ex = spacedPunctuation(ex);
    return ex;
  }
}

const BACK_VOWELS = /[aouáóú]/;
/**
 * A case ending on a name: Finnish and Hungarian endings take the name's vowel harmony (front
 * vowels turn a/o/u of the ending into ä/ö/y, or e for Hungarian), Finnish -nen names their -se- stem.
 */
function inflect(locale: string, name: string, ending: string): string {
  const lower = name.toLowerCase();
  const back = BACK_VOWELS.test(lower);
  if (locale === "fi") {
    const stem = lower.endsWith("nen") ? `${name.slice(0, -3)}se` : name;
    const end = back ? ending : ending.replace(/a/g, "ä").replace(/o/g, "ö").replace(/u/g, "y");
    return stem + end;
  }
  if (locale === "hu") return name + (back ? ending : ending.replace(/a/g, "e").replace(/á/g, "é").replace(/o/g, "ö"));
  return name + ending;
}

function join(a: Example, b: Example, sep: string): Example {
  const offset = a.text.length + sep.length;
  return { text: a.text + sep + b.text, spans: [...a.spans, ...b.spans.map((s) => ({ ...s, start: s.start + offset, end: s.end + offset }))] };
}

function lower(ex: Example): Example {
  return { text: ex.text.toLowerCase(), spans: ex.spans };
}
function upper(ex: Example): Example {
  const text = ex.text.toUpperCase();
  // Upper-casing can change lengths (ß -> SS); keep the example only when it does not.
  return text.length === ex.text.length ? { text, spans: ex.spans } : ex;
}
function lowerEntities(ex: Example): Example {
  let text = ex.text;
  for (const s of ex.spans) if (s.kind === "person") text = text.slice(0, s.start) + text.slice(s.start, s.end).toLowerCase() + text.slice(s.end);
  return text.length === ex.text.length ? { text, spans: ex.spans } : ex;
}

/** CoNLL-style text: spaces around punctuation. Spans are moved with the text. */
function spacedPunctuation(ex: Example): Example {
  let text = "";
  const map: number[] = [];
  for (let i = 0; i < ex.text.length; i++) {
    const ch = ex.text[i] ?? "";
    const spaced = /[,.;:!?()"]/.test(ch) && !/\d/.test(ex.text[i - 1] ?? "") && !(ch === "." && /^\p{Lu}$/u.test(ex.text[i - 1] ?? ""));
    if (spaced && text.length > 0 && !text.endsWith(" ")) text += " ";
    map[i] = text.length;
    text += ch;
    if (spaced && ex.text[i + 1] !== " " && i + 1 < ex.text.length) text += " ";
  }
  map[ex.text.length] = text.length;
  const spans = ex.spans.map((s) => {
    const start = map[s.start] ?? 0;
    let end = (map[s.end - 1] ?? 0) + 1;
    if (end < start) end = start;
    return { ...s, start, end };
  });
  return { text, spans };
}

/** Parses "[PER Jane Doe] met …" markup into text and spans. */
export function parseMarkup(line: string): Example {
  const kinds: Record<string, EntityKind> = { PER: "person", ORG: "organization", LOC: "location", ADDR: "address" };
  let text = "";
  const spans: Span[] = [];
  let at = 0;
  for (const m of line.matchAll(/\[(PER|ORG|LOC|ADDR) ([^\]]+)\]/g)) {
    text += line.slice(at, m.index);
    const kind = kinds[m[1] ?? ""] ?? "person";
    spans.push({ start: text.length, end: text.length + (m[2] ?? "").length, kind });
    text += m[2];
    at = (m.index ?? 0) + m[0].length;
  }
  text += line.slice(at);
  return { text, spans };
}

export function trainingSet(seed: number, count: number): Example[] {
  const g = new Generator(new Rng(seed));
  return Array.from({ length: count }, () => g.example(TRAIN, TRAIN_CLEAN));
}

/** Dev set: held-out templates, hand-labelled natural sentences, and their clean counterparts. */
export function devSet(seed: number, count: number): { templated: Example[]; natural: Example[]; clean: Example[] } {
  const g = new Generator(new Rng(seed));
  const templated = Array.from({ length: count }, () => g.fill(g.rng.pick(DEV)));
  const clean = [...Array.from({ length: Math.round(count / 4) }, () => g.fill(g.rng.pick(DEV_CLEAN))), ...DEV_NATURAL_CLEAN.map(parseMarkup)];
  return { templated, natural: DEV_NATURAL.map(parseMarkup), clean };
}

export { PARTICLES };
