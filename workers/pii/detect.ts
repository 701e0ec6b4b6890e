// Runs every detector over the normalised text, applies allow/deny lists, resolves overlaps
// and maps the spans back to the original text.
import type { CountryCode } from "libphonenumber-js/max";
import { detectPoBoxes } from "./detectors/address.js";
import { DEFAULT_PHONE_REGIONS, detectEmails, detectPhones, holdsSpelledEmailHint } from "./detectors/contact.js";
import { detectBirthDates } from "./detectors/dates.js";
import { EntityBudgetExceeded, detectEntities, plausible } from "./detectors/entities.js";
import { detectCards, detectIbans, printedCard, printedCardWithin } from "./detectors/financial.js";
import { dropIdentifierFragments } from "./detectors/identifiers.js";
import { NATIONAL_ID_DETECTORS, detectNationalIds } from "./detectors/national-ids.js";
import {
  HTML_BLOCK,
  HTML_INLINE,
  type HiddenSelectors,
  hiddenSelectors,
  holdsFootnotesOrHidden,
  markupAt,
  markupFree,
  holdsUnbreakingBlockTag,
  certainSelectors,
  droppedElements,
  withHiddenReach,
} from "./detectors/markup.js";
import { detectIps } from "./detectors/network.js";
import { detectSecrets, holdsKeyHint } from "./detectors/secrets.js";
import { detectNino, detectUsIds, detectVat } from "./detectors/taxid.js";
import { PiiBudgetError } from "./errors.js";
import { type NormalizedText, gluedLengthAt, gluedLengthBefore, normalize, toOriginal } from "./normalize.js";
import { ENTITY_CATEGORIES, PII_CATEGORIES, PiiListsSchema, type PiiCategory, type PiiFinding, type PiiLists, type RawFinding } from "./types.js";

export interface DetectOptions {
  /** Categories to look for; all by default. */
  categories?: Iterable<PiiCategory>;
  lists?: PiiLists;
  /** Regions tried first for phone numbers written without +CC; a broad default list follows them. */
  phoneRegions?: readonly CountryCode[];
  /** Bits per character a generic token needs to count as a secret; default 4.0. */
  entropyThreshold?: number;
  /** Most characters scanned per request (all texts together); default 4 MiB. */
  maxChars?: number;
  /** Most characters handed to the entity tagger per request (sentences found in the entity cache do not count); default 1 MiB. */
  maxEntityChars?: number;
  /** Wall-clock budget per request in ms; default 2000. In workerd the clock only moves on I/O, so there the size limits are what bound the work. */
  timeBudgetMs?: number;
  /**
   * Reuse named-entity results for sentences seen before under the same scope (the org): chats
   * resend their whole history every turn, and the tagger is most of the masking cost. Unset = no reuse.
   */
  entityCacheScope?: string;
  /**
   * How strictly the caller's policy treats each category (higher is stricter: the masker gives
   * block 2, mask 1). Where two readings of a text find overlapping values of different categories,
   * the merged value takes the strictest ("SSN &sup1;23-45-6789" read as a tax id, not an IP address).
   */
  strictness?: Partial<Record<PiiCategory, number>>;
}

/** Tracks how much of the per-request budget is used; shared by all texts of one request. */
export class DetectionBudget {
  #chars = 0;
  #entityChars = 0;
  readonly #deadline: number;

  constructor(
    readonly maxChars: number,
    readonly maxEntityChars: number,
    timeBudgetMs: number,
  ) {
    this.#deadline = performance.now() + timeBudgetMs;
  }

  takeChars(n: number): void {
    this.#chars += n;
    if (this.#chars > this.maxChars) throw new PiiBudgetError("size");
  }

  get entityCharsLeft(): number {
    return this.maxEntityChars - this.#entityChars;
  }

  takeEntityChars(n: number): void {
    this.#entityChars += n;
  }

  checkTime(): void {
    if (performance.now() > this.#deadline) throw new PiiBudgetError("time");
  }
}

const PRIORITY: Record<string, number> = { deny: 100, pem_private_key: 90, ner: 10, high_entropy: 20 };
// A national id (its check digits passed) wins over a phone number of the same digits.
const priorityOf = (f: RawFinding): number => PRIORITY[f.detector] ?? (NATIONAL_ID_DETECTORS.has(f.detector) ? 55 : 50);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface CompiledLists {
  allow: Set<string>;
  deny: RegExp | undefined;
  denyCategory: Map<string, PiiCategory>;
}

/** Compiled lists by the lists object: an org's lists object is reused across requests (cached a few seconds). */
const compiledLists = new WeakMap<PiiLists, CompiledLists>();
let compiledEmpty: CompiledLists | undefined;

function compileLists(lists: PiiLists | undefined): CompiledLists {
  if (lists === undefined) {
    compiledEmpty ??= compileListsNow({});
    return compiledEmpty;
  }
  let compiled = compiledLists.get(lists);
  if (!compiled) {
    compiled = compileListsNow(lists);
    compiledLists.set(lists, compiled);
  }
  return compiled;
}

function compileListsNow(lists: PiiLists): CompiledLists {
  const parsed = PiiListsSchema.parse(lists);
  const allow = new Set(parsed.allow.map((t) => t.normalize("NFKC").toLowerCase()));
  const denyCategory = new Map<string, PiiCategory>();
  for (const d of parsed.deny) denyCategory.set(d.term.normalize("NFKC").toLowerCase(), d.category);
  const terms = [...denyCategory.keys()].sort((a, b) => b.length - a.length);
  const deny = terms.length ? new RegExp(`(?<![\\p{L}\\p{N}_])(?:${terms.map(escapeRegExp).join("|")})(?![\\p{L}\\p{N}_])`, "giu") : undefined;
  return { allow, deny, denyCategory };
}

const DIGIT_OR_AT = /[\p{N}@]/u;

function sameOffsets(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Keeps the highest-priority (then longest, then earliest) findings that do not overlap. */
function resolveOverlaps(found: RawFinding[], text: string): RawFinding[] {
  const byStart = [...found].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: RawFinding[] = [];
  // Sweep clusters of mutually overlapping findings; most clusters hold a single finding.
  let i = 0;
  while (i < byStart.length) {
    const first = byStart[i];
    if (!first) break;
    let j = i + 1;
    let end = first.end;
    while (j < byStart.length && (byStart[j]?.start ?? Infinity) < end) {
      end = Math.max(end, byStart[j]?.end ?? end);
      j++;
    }
    if (j === i + 1) kept.push(first);
    else for (const f of pickInCluster(byStart.slice(i, j), text)) kept.push(f);
    i = j;
  }
  return kept;
}

const WORDLIKE = /[\p{L}\p{N}]/u;

/** What is left of an entity around a structured value still reads as that entity. */
function remainderHolds(value: string, f: RawFinding): boolean {
  const kind = f.category;
  if (!WORDLIKE.test(value)) return false;
  return kind === "person" || kind === "organization" || kind === "location" || kind === "address" ? plausible(value.trim(), kind) : true;
}

function pickInCluster(cluster: RawFinding[], text: string): RawFinding[] {
  const ranked = cluster.sort((a, b) => priorityOf(b) - priorityOf(a) || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const chosen: RawFinding[] = [];
  for (const f of ranked) {
    const overlapping = chosen.filter((c) => c.start < f.end && f.start < c.end);
    if (overlapping.length === 0) chosen.push(f);
    else if (f.detector === "ner") {
      // An entity around a structured value ("12 Main St, … 62704" around a phone) keeps its other
      // parts: every character of it stays covered by one finding or the other.
      let start = f.start;
      for (const c of overlapping.sort((a, b) => a.start - b.start)) {
        if (c.start - start >= 2 && remainderHolds(text.slice(start, c.start), f)) chosen.push({ ...f, start, end: c.start, key: undefined });
        start = Math.max(start, c.end);
      }
      if (f.end - start >= 2 && remainderHolds(text.slice(start, f.end), f)) chosen.push({ ...f, start, end: f.end, key: undefined });
    }
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** A lower-case identifier ("messages", "tool_choice"): no pattern fits it and the tagger would find no name in it. */
const PLAIN_WORD = /^[a-z_][a-z0-9_]*$/;
/** Enough digits for a card glued to the word ("x4111111111111111"). */
const HAS_CARD_DIGITS = /(?:\d\D*){12}/;

// biome-ignore lint/suspicious/noMisleadingCharacterClass: marks and invisible code points listed on purpose
const TRAILING_DROPPED = /[\p{M}\p{Cf}\uFE00-\uFE0F]/u;

/** A detector configured once (per org policy) and reused for every text of a request. */
export class PiiDetector {
  readonly categories: ReadonlySet<PiiCategory>;
  readonly #lists: CompiledLists;
  readonly #phoneRegions: readonly CountryCode[];
  readonly #entropyThreshold: number;
  readonly #entityCategories: ReadonlySet<PiiCategory>;
  readonly options: DetectOptions;

  constructor(options: DetectOptions = {}) {
    this.options = options;
    this.categories = new Set(options.categories ?? PII_CATEGORIES);
    this.#lists = compileLists(options.lists);
    this.#phoneRegions = options.phoneRegions?.length ? [...new Set([...options.phoneRegions, ...DEFAULT_PHONE_REGIONS])] : DEFAULT_PHONE_REGIONS;
    this.#entropyThreshold = options.entropyThreshold ?? 4.0;
    this.#entityCategories = new Set(ENTITY_CATEGORIES.filter((c) => this.categories.has(c)));
  }

  newBudget(): DetectionBudget {
    return new DetectionBudget(
      this.options.maxChars ?? 4 * 1024 * 1024,
      this.options.maxEntityChars ?? 1024 * 1024,
      this.options.timeBudgetMs ?? 2000,
    );
  }

  /** Findings in `text`, offsets in the original string. Throws PiiBudgetError only. */
  detect(
    text: string,
    budget: DetectionBudget = this.newBudget(),
    opts: {
      entities?: boolean;
      otherReadings?: boolean;
      hiddenSelectors?: HiddenSelectors | null;
      markup?: boolean;
      /** Sorted offsets: only values around them are wanted, so the text without markup is read only near them. */
      near?: readonly number[];
    } = {},
  ): PiiFinding[] {
    budget.takeChars(text.length);
    try {
      return this.#detect(text, budget, opts.entities ?? true, opts.otherReadings ?? true, opts.hiddenSelectors, opts.markup ?? true, opts.near);
    } catch (err) {
      if (err instanceof PiiBudgetError) throw err;
      if (err instanceof EntityBudgetExceeded) throw new PiiBudgetError("entity_size");
      throw new PiiBudgetError("detector_error", { cause: err });
    }
  }

  /** `sheets`: what the request's style sheets hide (the masker reads them over every string of a request); read from `original` when undefined. */
  /** `markup` false: no reading of the text's markup as a browser shows it (the other readings of glued characters stay). */
  #detect(
    original: string,
    budget: DetectionBudget,
    entities: boolean,
    otherReadings: boolean,
    sheets?: HiddenSelectors | null,
    markup = true,
    near?: readonly number[],
  ): PiiFinding[] {
    // A short lower-case identifier (a JSON key such as "messages") can hold no pattern (each
    // needs an @, a digit run with context, a capital or 20+ characters) and no name: only the
    // deny list can apply. Keys are masked one by one, so this is most calls.
    if (original.length < 20 && PLAIN_WORD.test(original) && !HAS_CARD_DIGITS.test(original)) return this.#denied(original);
    const norm = normalize(original);
    const text = norm.text;
    const raw: RawFinding[] = [];
    this.#patterns(text, raw);
    // Pieces of hex ids are no values; a value read together with an id's last digits is read again without the id.
    dropIdentifierFragments(text, raw, (blanked, out) => this.#patterns(blanked, out));
    budget.checkTime();
    if (entities && this.#entityCategories.size > 0) {
      const used = detectEntities(text, raw, {
        categories: this.#entityCategories,
        maxChars: budget.entityCharsLeft,
        ...(this.options.entityCacheScope !== undefined ? { cacheScope: this.options.entityCacheScope } : {}),
        structured: raw,
      });
      budget.takeEntityChars(used);
      budget.checkTime();
    }
    this.#pushDenied(text, raw);
    const found = this.#resolved(original, norm, norm.ambiguousAt?.length ? raw.filter((f) => !unprintedAcrossGlue(original, norm, f)) : raw);
    if (!otherReadings) return found;
    const marks = markup ? markupAt(original, AMBIGUOUS_MARKUP_MAX) : [];
    if (!norm.ambiguousAt && marks.length === 0) return found;
    const other: PiiFinding[] = [];
    // Classes and ids the text's style sheets hide, wherever the sheet stands.
    const selectors = marks.length === 0 ? null : sheets !== undefined ? sheets : hiddenSelectors(original);
    // Markup inside a value ("4111 1111 <span>1111</span> 1111", "<b>alice</b>@example.com",
    // "11**11**"): a browser or a Markdown view shows the value whole, so the pattern detectors also
    // read, around the markup, the text without it; footnote elements both glued and apart.
    // With style sheets, the text is also read as a view without them shows it: the engine's sheets are every
    // renderer's together (hiding more), and a rule one renderer does not apply (a print sheet, a later rule showing
    // the element again) must not hide digits another shows ("4111 1111 11<b class=x>11</b>1111").
    // And with the rules every renderer applies alone (certainSelectors): a print-only or loosely read rule hiding shown
    // digits while a plain rule hides a junk one ("<style>.x{…}@media print{.y{…}}").
    const certain = selectors ? certainSelectors(selectors) : null;
    const sheetReadings = selectors ? (certain ? [selectors, certain, null] : [selectors, null]) : [null];
    const windows =
      marks.length === 0
        ? []
        : near
          ? windowsNear(original, near, selectors)
          : windowsAround(original, marks.length > AMBIGUOUS_MARKUP_MAX ? [] : withHiddenReach(original, marks, selectors));
    // One finding at a time: a whole text read as one window may hold more findings than a call takes arguments.
    // A window's texts already read (by another sheet set or line-break reading) are not read again.
    const read = windows.map(() => new Map<string, Int32Array>());
    for (const sheetSet of sheetReadings)
      windows.forEach(([from, to], w) => {
        for (const f of this.#markupReadings(original, from, to, sheetSet, read[w] ?? new Map())) other.push(f);
      });
    // A character that may belong to the value beside it or stand apart ("jane.doe@example.com²",
    // "4111 1111 1111 111&sup1;"): the pattern detectors also read, around it, the copies that take it the other ways.
    for (const [from, to] of norm.ambiguousAt ? windowsAround(original, norm.ambiguousAt) : [])
      for (const f of this.#otherReadings(original.slice(from, to), false))
        if (!cutByWindow(original, from, to, f.start + from, f.end + from)) other.push({ ...f, start: f.start + from, end: f.end + from });
    budget.checkTime();
    const merged = mergeReadings(found, other, this.options.strictness ?? {});
    return merged.map((f) => (marks.length > 0 ? withWholeTags(original, withGluedEdges(original, f)) : withGluedEdges(original, f)));
  }

  /**
   * The values the pattern detectors read in the window [from, to) of `original` without its markup, as the
   * sheets `sheets` hide (footnote marks and hidden elements glued, apart and dropped; Markdown marks as marks and text).
   */
  #markupReadings(original: string, from: number, to: number, sheets: HiddenSelectors | null, read: Map<string, Int32Array>): PiiFinding[] {
    const out: PiiFinding[] = [];
    const window = original.slice(from, to);
    const footnotes = holdsFootnotesOrHidden(window, sheets);
    let xml: boolean | undefined;
    // Markdown's marks beside HTML are read both as marks and as text ("4111*1111*1111*11<span hidden>9</span>11").
    const kinds = window.includes("<") && MARKDOWN_MARK.test(window) ? [true, false] : [true];
    // Block elements' tags are read as line breaks, and as a browser may show them: none for a tag the tree builder
    // ignores ("11</div>11") or an element a style lays out inline ("<div style=display:inline>").
    const context = { text: original, from };
    const breakings = DIGIT_OR_AT.test(window) && holdsUnbreakingBlockTag(window, sheets, context) ? [true, false] : [true];
    for (const reading of FOOTNOTE_READINGS)
      for (const markdown of kinds)
        for (const breaks of breakings) {
          if (reading !== "glued" && !footnotes) continue;
          const free = markupFree(window, reading, sheets, markdown, breaks, context);
          // Markup among plain words ("<b><i>Word</i></b>") hides no value: the text it leaves is read
          // only when it holds what one needs (a digit, an "@" or a reference to one, a key's prefix).
          if (!mayHoldValue(free.text)) continue;
          // A text the dropped readings read before, each character from where it was: the same values (the glued
          // reading's check of what stands inside a card depends on the sheets, so it is read for each set).
          if (reading !== "glued") {
            const before = read.get(free.text);
            if (before && sameOffsets(before, free.at)) continue;
            read.set(free.text, free.at);
          }
          // Shown whole with no footnote or hidden text taken out of it, a value is what a reader sees, judged as plain
          // text is; a card that a footnote or hidden element stands inside must be printed as cards are.
          for (const f of this.#otherReadings(free.text, true, reading !== "glued")) {
            const start = from + (free.at[f.start] ?? 0);
            const end = from + (free.at[f.end - 1] ?? 0) + 1;
            if (cutByWindow(original, from, to, start, end)) continue;
            if (
              reading === "glued" &&
              footnotes &&
              f.category === "credit_card" &&
              !printedCard(free.text.slice(f.start, f.end)) &&
              holdsFootnotesOrHidden(original.slice(start, end), sheets, false)
            )
              continue;
            // Digits of two fields of a record run together ("<id>45</id><qty>320151</qty>…") make no value.
            xml ??= xmlRecords(window);
            if (digitsAcrossRecordFields(original.slice(start, end), xml)) continue;
            out.push({ ...f, start, end });
          }
        }
    return out;
  }

  /**
   * Values the pattern detectors read in `piece` other than as sent: its plain reading when it is
   * itself another reading (`plain`, the text without its markup), and the readings that take its
   * glued characters the other ways. A card read only here must be printed as cards are (printedCard).
   */
  #otherReadings(piece: string, plain: boolean, printedOnly = true): PiiFinding[] {
    const out: PiiFinding[] = [];
    const first = normalize(piece);
    // Secrets read from their context (a label words before, a random-looking run) are read as sent:
    // without markup, a label runs into a value a link's target stood between.
    if (plain)
      out.push(...this.#valuesIn(piece, first, printedOnly).filter((f) => f.detector !== "high_entropy" && f.detector !== "labelled_password"));
    if (first.ambiguousAt) for (const reading of OTHER_READINGS) out.push(...this.#valuesIn(piece, normalize(piece, reading), true));
    return out;
  }

  /**
   * The pattern detectors' values in `copy` (a detection copy of `piece`), resolved, in `piece`'s
   * offsets; `printedOnly`: a card must be printed as cards are (printedCard), as in any reading but the first.
   */
  #valuesIn(piece: string, copy: NormalizedText, printedOnly: boolean): PiiFinding[] {
    const raw: RawFinding[] = [];
    this.#patterns(copy.text, raw);
    dropIdentifierFragments(copy.text, raw, (blanked, out) => this.#patterns(blanked, out));
    if (!printedOnly) return this.#resolved(piece, copy, raw);
    const printed: RawFinding[] = [];
    for (const f of raw) {
      if (f.category !== "credit_card" || printedCard(copy.text.slice(f.start, f.end))) printed.push(f);
      else {
        // The card printed inside a longer valid run ("26 4111 1111 1111 1111").
        const within = printedCardWithin(copy.text.slice(f.start, f.end));
        if (within)
          printed.push({
            ...f,
            start: f.start + within[0],
            end: f.start + within[1],
            key: copy.text.slice(f.start + within[0], f.start + within[1]).replace(/\D/g, ""),
          });
      }
    }
    return this.#resolved(piece, copy, printed);
  }

  /** `raw` findings on the detection copy `norm`, allow list applied, overlaps resolved, in original offsets. */
  #resolved(original: string, norm: NormalizedText, raw: RawFinding[]): PiiFinding[] {
    const text = norm.text;
    const lists = this.#lists;
    const kept = resolveOverlaps(lists.allow.size ? raw.filter((f) => !lists.allow.has(text.slice(f.start, f.end).toLowerCase())) : raw, text);
    return kept.map((f) => {
      const [start, mappedEnd] = toOriginal(norm, f.start, f.end, original.length);
      // Marks and invisible characters dropped after the value's last character go with it.
      let end = mappedEnd;
      if (norm.segments) while (end < original.length && TRAILING_DROPPED.test(original[end] ?? "")) end++;
      return { category: f.category, start, end, detector: f.detector, key: f.key ?? text.slice(f.start, f.end) };
    });
  }

  /** The pattern detectors of the policy's categories (everything but the entity tagger). */
  #patterns(text: string, raw: RawFinding[]): void {
    const c = this.categories;
    if (c.has("secret")) detectSecrets(text, raw, { entropyThreshold: this.#entropyThreshold });
    if (c.has("email")) detectEmails(text, raw);
    if (c.has("iban")) detectIbans(text, raw);
    if (c.has("credit_card")) detectCards(text, raw);
    if (c.has("tax_id")) {
      detectUsIds(text, raw);
      detectNino(text, raw);
      detectVat(text, raw);
      detectNationalIds(text, raw);
    }
    if (c.has("ip_address")) detectIps(text, raw);
    if (c.has("date_of_birth")) detectBirthDates(text, raw);
    if (c.has("address")) detectPoBoxes(text, raw);
    if (c.has("phone")) detectPhones(text, raw, { regions: this.#phoneRegions });
  }

  /** Deny-list findings of a plain word (see #detect), with the allow list applied. */
  #denied(word: string): PiiFinding[] {
    const found: PiiFinding[] = [];
    this.#pushDenied(word, found);
    return found.filter((f) => !this.#lists.allow.has(f.key));
  }

  /** Appends the org's deny-list terms found in `text`, for the categories this policy covers. */
  #pushDenied(text: string, out: RawFinding[]): void {
    const { deny, denyCategory } = this.#lists;
    if (!deny) return;
    deny.lastIndex = 0;
    for (let m = deny.exec(text); m; m = deny.exec(text)) {
      const key = m[0].toLowerCase();
      const category = denyCategory.get(key);
      if (category && this.categories.has(category)) out.push({ category, start: m.index, end: m.index + m[0].length, detector: "deny", key });
    }
  }
}

/**
 * The findings of the first reading with those of the others, swept in clusters of overlapping
 * findings: where readings meet, one finding over the whole cluster, of the category the policy
 * treats most strictly, then a value's over a name's, then the longest ("IBAN GB82 WEST &sup1;234…"
 * is one IBAN, not an organisation).
 */
function mergeReadings(first: PiiFinding[], other: PiiFinding[], strictness: Partial<Record<PiiCategory, number>>): PiiFinding[] {
  if (other.length === 0) return first;
  // Each reading's findings overlap none of its own: a cluster of two or more is where readings meet.
  const all = [...first, ...other].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: PiiFinding[] = [];
  for (let i = 0; i < all.length; ) {
    let best = all[i] as PiiFinding;
    let end = best.end;
    let j = i + 1;
    for (; j < all.length && (all[j]?.start ?? end) < end; j++) {
      const f = all[j] as PiiFinding;
      end = Math.max(end, f.end);
      if (outranks(f, best, strictness)) best = f;
    }
    out.push(j === i + 1 ? best : { ...best, start: all[i]?.start ?? best.start, end });
    i = j;
  }
  return out;
}

const ENTITY_CATEGORY_SET: ReadonlySet<PiiCategory> = new Set(ENTITY_CATEGORIES);

/** A value with the glued characters at its edges ("…096⁰¹", "⒜lice@…"): masked whole, none of its digits or letters is left in clear. */
function withGluedEdges(text: string, f: PiiFinding): PiiFinding {
  if (ENTITY_CATEGORY_SET.has(f.category)) return f;
  let { start, end } = f;
  for (let k = 0, n = gluedLengthAt(text, end); k < 4 && n > 0; k++, n = gluedLengthAt(text, end)) end += n;
  for (let k = 0, n = gluedLengthBefore(text, start); k < 4 && n > 0; k++, n = gluedLengthBefore(text, start)) start -= n;
  return start === f.start && end === f.end ? f : { ...f, start, end };
}

/** `a` stands for a merged cluster rather than `b`: the stricter category, then a value over a name, then the longer. */
function outranks(a: PiiFinding, b: PiiFinding, strictness: Partial<Record<PiiCategory, number>>): boolean {
  const stricter = (strictness[a.category] ?? 0) - (strictness[b.category] ?? 0);
  if (stricter !== 0) return stricter > 0;
  const value = Number(!ENTITY_CATEGORY_SET.has(a.category)) - Number(!ENTITY_CATEGORY_SET.has(b.category));
  if (value !== 0) return value > 0;
  return a.end - a.start > b.end - b.start;
}

const OTHER_READINGS = ["glued", "apart", "edges"] as const;

/**
 * A card the first reading took across a glued character ("2001 2019 2020¹ 2021") that is not
 * printed as cards are: a list of numbers with a footnote mark, whose digits pass Luhn by chance.
 */
function unprintedAcrossGlue(original: string, norm: NormalizedText, f: RawFinding): boolean {
  if (f.category !== "credit_card") return false;
  const [start, end] = toOriginal(norm, f.start, f.end, original.length);
  return (norm.ambiguousAt ?? []).some((a) => a >= start && a < end) && !printedCard(norm.text.slice(f.start, f.end));
}

/**
 * Whether `sent` glues digits across the boundary of two fields of a record: an element closing
 * right after a digit and another of another name opening right before one, nothing between the
 * tags, both of them fields of a record (recordField): "45</id><qty>320151", not "11</i><z>11",
 * "11</x-a><x-b>11", SVG's "</tspan><a>", nor fields a blank keeps apart ("1111</x> <y>1111").
 */
function digitsAcrossRecordFields(sent: string, xml: boolean): boolean {
  RECORD_BOUNDARY.lastIndex = 0;
  for (let m = RECORD_BOUNDARY.exec(sent); m; m = RECORD_BOUNDARY.exec(sent)) {
    const closed = (m[1] ?? "").toLowerCase();
    const opened = (m[2] ?? "").toLowerCase();
    // (In an XML document an HTML name is a field beside a name HTML does not know: "</year><code>";
    // two HTML names side by side are HTML's, whatever else the text holds: "</b><i>".)
    if (closed === opened || !(recordField(closed, xml) && recordField(opened, xml)) || (htmlName(closed) && htmlName(opened))) continue;
    const afterOpen = sent.indexOf(">", m.index + m[0].length);
    if (/\d/u.test(sent[m.index - 1] ?? "") && afterOpen >= 0 && /\d/u.test(sent[afterOpen + 1] ?? "")) return true;
  }
  return false;
}
const RECORD_BOUNDARY = /<\/([a-z][^\s/<>]*)\s*><([a-z][^\s/<>]*)/giu;
/**
 * A field of a data record: an element HTML does not know (no inline or block element of HTML, no
 * custom element, which a browser lays out in the line), as XML records name theirs ("qty", "zip").
 */
const recordField = (name: string, xml: boolean) => !name.includes("-") && !SVG_TEXT.test(name) && (xml || !htmlName(name));

/**
 * Whether `text` is an XML document of records rather than HTML: three names or more of elements
 * that hold a value, most of them no element of HTML ("<year>2001</year>…<code>…<amt>"). There an
 * HTML name is a field too ("code"). Empty elements ("<q1/>", "<q2></q2>") make no record.
 */
function xmlRecords(text: string): boolean {
  const names = new Set<string>();
  // Names in comments are no elements of the document.
  const elements = text.replace(COMMENT, "");
  XML_FIELD.lastIndex = 0;
  for (let m = XML_FIELD.exec(elements); m && names.size < 64; m = XML_FIELD.exec(elements))
    if (NOT_BLANK.test(m[2] ?? "")) names.add((m[1] ?? "").toLowerCase());
  if (names.size < 3) return false;
  let foreign = 0;
  for (const name of names) if (!htmlName(name)) foreign++;
  return foreign * 2 > names.size;
}
/** An element and its text (a value when not blank), then its closing tag: no "<" in the name and one run of text, so each scan is linear. */
const XML_FIELD = /<([a-z][^\s/<>]*)[^<>]*>([^<]*)<\/\1\s*>/giu;
const NOT_BLANK = /\S/u;
const COMMENT = /<!--[\s\S]*?(?:-->|$)/gu;
/** A name HTML knows as an element of its own. */
const htmlName = (name: string) => HTML_INLINE.test(name) || HTML_BLOCK.test(name);
/** SVG's text elements, laid out in a line like HTML's inline ones. */
const SVG_TEXT = /^(?:text|tspan|textpath|a)$/iu;

/**
 * Whether the text a reading leaves may hold a value the pattern detectors read: a character
 * outside ASCII (digits of other scripts, look-alikes of "@"), an ASCII digit, "@", a reference
 * or escape ("&commat;", "%40"), the prefix of a key's shape ("ghp_", digits or not), or an "@"
 * spelled out ("alice at example dot com", "alice(at)example.com").
 */
const mayHoldValue = (text: string) => VALUE_CHARACTER.test(text) || holdsKeyHint(text) || holdsSpelledEmailHint(text);
const VALUE_CHARACTER = /[^\x00-\x7f]|[\d@&%]/u;
const MARKDOWN_MARK = /[*~_`\\[\]]/u;

/** Past this many marks of markup the text without markup is read whole. */
const AMBIGUOUS_MARKUP_MAX = 256;
/** The text without markup is read with footnote marks and hidden elements glued, and when there are some, apart and dropped. */
const FOOTNOTE_READINGS = ["glued", "apart", "dropped"] as const;

/**
 * A value's span grown over the tags that open or close inside it, so no half of an element is
 * left beside the placeholder ("<b><EMAIL_1>" from "<b>alice</b>@example.com").
 */
function withWholeTags(text: string, f: PiiFinding): PiiFinding {
  let { start, end } = f;
  for (let k = 0; k < 4; k++) {
    const before = OPEN_TAG_BEFORE.exec(text.slice(Math.max(0, start - 256), start));
    const after = CLOSE_TAG_AFTER.exec(text.slice(end, end + 64));
    const value = text.slice(start, end).toLowerCase();
    const markBefore = MARK_BEFORE.exec(text.slice(Math.max(0, start - 8), start))?.[0];
    const markAfter = MARK_AFTER.exec(text.slice(end, end + 8))?.[0];
    const linkAfter = LINK_TARGET_AFTER.exec(text.slice(end, end + 512))?.[0];
    if (before && closesInside(value, (before[1] ?? "").toLowerCase())) start -= before[0].length;
    else if (after && opensInside(value, (after[1] ?? "").toLowerCase())) end += after[0].length;
    // Markdown: "**alice**@…" loses the marks that open inside the value too.
    // (A run of mixed marks closes in the reverse order it opens: "***~~alice~~***".)
    else if (markBefore && (markBefore === "[" ? value.includes("](") : closesIn(value, markBefore))) start -= markBefore.length;
    else if (markAfter && closesIn(value, markAfter)) end += markAfter.length;
    else if (linkAfter && value.includes("[")) end += linkAfter.length;
    else break;
  }
  return start === f.start && end === f.end ? f : { ...f, start, end };
}
/** Whether `value` (lower case) closes the element `name` ("</b>", not "</big>"). */
function closesInside(value: string, name: string): boolean {
  for (let at = value.indexOf(`</${name}`); at >= 0; at = value.indexOf(`</${name}`, at + 1))
    if (/^[\s/>]/u.test(value.slice(at + name.length + 2, at + name.length + 3) || ">")) return true;
  return false;
}
/** Whether `value` (lower case) opens the element `name` ("<b>", "<b class=x>", not "<big>"). */
function opensInside(value: string, name: string): boolean {
  for (let at = value.indexOf(`<${name}`); at >= 0; at = value.indexOf(`<${name}`, at + 1))
    if (/^[\s/>]/u.test(value.slice(at + name.length + 1, at + name.length + 2) || ">")) return true;
  return false;
}
const OPEN_TAG_BEFORE = /<([a-z][^\s/>]*)(?:\s[^<>]*)?>$/iu;
const CLOSE_TAG_AFTER = /^<\/([a-z][^\s/>]*)\s*>/iu;
/** Whether `value` holds the run `marks` or its mirror (a run of mixed marks closes in the reverse order: "***~~…~~***"). */
function closesIn(value: string, marks: string): boolean {
  return value.includes(marks) || value.includes([...marks].reverse().join(""));
}
const MARK_BEFORE = /(?:[*~`_]{1,8}|\[)$/u;
const MARK_AFTER = /^[*~`_]{1,8}/u;
const LINK_TARGET_AFTER = /^\](?:\(\s*(?:<[^<>\n]*>|[^\s()]*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*\)|\[[^\]\n]{0,64}\])/u;

/** A value read at the edge of window [from, to) that the window cut off inside a word: a fragment, not a value. */
function cutByWindow(text: string, from: number, to: number, start: number, end: number): boolean {
  return (start === from && from > 0 && !/\s/u.test(text[from - 1] ?? "")) || (end === to && to < text.length && !/\s/u.test(text[to] ?? ""));
}

/** Far enough either side of a glued character for any value and the context words its detector reads. */
const GLUED_REACH = 256;
/** How far a window's edge moves out to the next blank, so no reference or word is cut. */
const EDGE_SLACK = 64;

/**
 * Windows of `text` around the offsets or [start, end) spans `at`, in order (the whole text when
 * `at` is empty), merged where they meet.
 */
function windowsAround(text: string, at: ReadonlyArray<number | readonly [number, number]>): [number, number][] {
  if (at.length === 0) return [[0, text.length]];
  const windows: [number, number][] = [];
  for (const p of at) {
    const [start, end] = typeof p === "number" ? [p, p + 1] : p;
    let from = Math.max(0, start - GLUED_REACH);
    let to = Math.min(text.length, end + GLUED_REACH);
    for (let k = 0; k < EDGE_SLACK && from > 0 && !/\s/.test(text[from - 1] ?? ""); k++) from--;
    for (let k = 0; k < EDGE_SLACK && to < text.length && !/\s/.test(text[to] ?? ""); k++) to++;
    const last = windows[windows.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else windows.push([from, to]);
  }
  return windows;
}

/**
 * The windows of `text` a value around one of the sorted offsets `near` is read in: as far either side as a glued
 * character's window reaches (a value, its context words) counted in characters a browser shows, so no tag, mark or
 * element the dropped readings drop (a long attribute, a long hidden span between a value's pieces) shortens it.
 * Past AMBIGUOUS_MARKUP_MAX of them on the way, the window runs to the text's edge, as a text read whole does.
 */
function windowsNear(text: string, near: readonly number[], selectors: HiddenSelectors | null): [number, number][] {
  const unshown = mergedSpans([
    ...markupAt(text, Number.POSITIVE_INFINITY),
    ...droppedElements(text, selectors),
    ...[...text.matchAll(UNSHOWN_RUN)].map((m) => [m.index, m.index + m[0].length] as const),
  ]);
  // The first unshown span ending after `at`.
  const firstAfter = (at: number) => {
    let lo = 0;
    let hi = unshown.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((unshown[mid]?.[1] ?? 0) <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const rightOf = (at: number) => {
    let pos = at;
    let shown = 0;
    for (let k = firstAfter(at), skipped = 0; k < unshown.length && skipped <= AMBIGUOUS_MARKUP_MAX; k++, skipped++) {
      const [start, end] = unshown[k] ?? [0, 0];
      if (start > pos && shown + (start - pos) >= GLUED_REACH) break;
      if (start > pos) shown += start - pos;
      pos = Math.max(pos, end);
      if (skipped === AMBIGUOUS_MARKUP_MAX) return text.length;
    }
    return Math.min(text.length, pos + (GLUED_REACH - shown));
  };
  const leftOf = (at: number) => {
    let pos = at;
    let shown = 0;
    for (let k = lastBefore(unshown, at), skipped = 0; k >= 0 && skipped <= AMBIGUOUS_MARKUP_MAX; k--, skipped++) {
      const [start, end] = unshown[k] ?? [0, 0];
      if (end < pos && shown + (pos - end) >= GLUED_REACH) break;
      if (end < pos) shown += pos - end;
      pos = Math.min(pos, start);
      if (skipped === AMBIGUOUS_MARKUP_MAX) return 0;
    }
    return Math.max(0, pos - (GLUED_REACH - shown));
  };
  return windowsAround(
    text,
    near.map((at) => [leftOf(at), rightOf(at)] as const),
  );
}

/**
 * Runs a reader sees as nothing or as one blank, however long: blanks, invisible and combining characters, controls and
 * character references (600 zero-width spaces or `&shy;`s inside a value count for no shown character; a reference to a
 * shown character counts for none either, which only widens a window).
 */
const UNSHOWN_RUN = /(?:[\s\p{Cc}\p{Cf}\p{Mn}\p{Me}\u115F\u1160\u3164\uFFA0]|&(?:#\d+|#[xX][\da-fA-F]+|[A-Za-z][A-Za-z\d]*);?)+/gu;

/** The index of the last of the sorted, disjoint `spans` starting before `at`, or -1. */
function lastBefore(spans: ReadonlyArray<readonly [number, number]>, at: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((spans[mid]?.[0] ?? 0) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** `spans` sorted and merged where they overlap or meet. */
function mergedSpans(spans: Array<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [start, end] of spans.sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** One-off detection; for many texts build a PiiDetector (or a Masker) once instead. */
export function detectPii(text: string, options: DetectOptions = {}): PiiFinding[] {
  return new PiiDetector(options).detect(text);
}
