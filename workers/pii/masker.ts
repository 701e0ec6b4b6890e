// Per-request masker: turns findings into stable placeholders, redactions or a block verdict,
// and keeps the counts and the placeholder->original mapping for the response.
import { isSupportedCountry } from "libphonenumber-js/max";
import { type DetectOptions, DetectionBudget, PiiDetector } from "./detect.js";
import { parse as parseHost } from "tldts";
import { splitCardAcross, splitCardShaped } from "./detectors/financial.js";
import {
  type Footnotes,
  type HiddenSelectors,
  hiddenSelectors,
  holdsFootnotesOrHidden,
  markupFree,
  markupFreeText,
  withSelectors,
} from "./detectors/markup.js";
import { PiiBudgetError } from "./errors.js";
import { base64TextOf } from "./json.js";
import { PII_CATEGORIES, actionFor, type PiiAction, type PiiCategory, type PiiFinding, type PiiLists, type PiiPolicy } from "./types.js";

export const PLACEHOLDER_LABELS: Record<PiiCategory, string> = {
  email: "EMAIL",
  phone: "PHONE",
  credit_card: "CARD",
  tax_id: "TAX_ID",
  iban: "IBAN",
  secret: "SECRET",
  ip_address: "IP",
  date_of_birth: "DOB",
  address: "ADDRESS",
  person: "PERSON",
  organization: "ORG",
  location: "LOCATION",
};

export interface MaskResult {
  /** Categories whose action is "block" and that were found; answer 422 with these. */
  blockedCategories: PiiCategory[];
  /** Occurrences found per category (for the audit); never values. */
  counts: Partial<Record<PiiCategory, number>>;
  /** Placeholder -> original, only for masked values and only when the policy restores. */
  mapping: Record<string, string>;
}

export type MaskerOptions = Omit<DetectOptions, "categories" | "lists">;

/** Most characters of opaque strings and split-value checks scanned per request (pattern detectors only). */
const OPAQUE_MAX_CHARS = 32 * 1024 * 1024;

/** Categories a value of which can be split across strings and still be read back whole. */
const SPLIT_CATEGORIES: readonly PiiCategory[] = ["email", "phone", "credit_card", "iban", "secret", "tax_id"];
/** Past this length a join of strings is read without its markup only around its seams (the rest was read string by string). */
const SEAMS_ONLY_MIN = 8 * 1024;

const STRUCTURAL_WORD = /^[a-z_]+$/;
/** A bare number of one to three digits: a page, a count, a version between the pieces of a split value. */
const SMALL_NUMBER = /^\s*\d{1,3}\s*$/;
/** A field named for a card or its number ("card", "cc_number", "pan"). */
const CARD_FIELD = /^(?:card|cards|cc|ccn|pan|card_?number|cc_?number|number|credit_?card|kreditkarte|tarjeta|carte)$/i;
/** Digit groups as a card prints them ("4111 1111", "4111-1111-"). */
const GROUPED_PIECE = /\d{4}[ -]\d{4}/;
/** A field's name: letters, no digit ("page", "n", "per_page", "items"). */
const FIELD_NAME = /^[\p{L}_.[\]-]+$/u;
/** A word's last character, and what a word or a value opens with ("+44…", "(020)…"): strings meeting so are read apart too. */
const WORD_END = /[\p{L}\p{N}]/u;
const VALUE_START = /[\p{L}\p{N}+(]/u;

/**
 * Words that stand before a code decorator ("python" + "@app.route(...)"): a language name or a
 * code field is not the local part of an address split at its "@".
 */
const CODE_WORDS = new Set(
  "python py javascript js typescript ts java kotlin scala swift ruby rust go golang php perl csharp cpp c bash shell sh sql html css json yaml code language lang text markdown".split(
    " ",
  ),
);

/**
 * What the style sheets of a request's strings hide (a sheet in one string, the element in another): read in the
 * strings joined, and in each string holding a sheet alone (a "<!--" left open in one string must not take the next
 * string's sheet from the joined reading).
 */
function selectorsOf(texts: readonly string[]): HiddenSelectors | null {
  const holding = texts.filter((t) => STYLE_SHEET.test(t));
  if (holding.length === 0) return null;
  let selectors = hiddenSelectors(texts.join("\n"));
  if (texts.length > 1) for (const text of holding) selectors = withSelectors(selectors, hiddenSelectors(text));
  return selectors;
}
const STYLE_SHEET = /<style|stylesheet/iu;

/**
 * Whether a value the detectors read across two or more strings carries the shape of a split
 * value rather than of neighbouring data or code. `value` is the value as joined, `pieces` the
 * whole strings it spans (in order), `seams` its offsets where one string ends and the next
 * begins, `after` the character that follows it.
 * - Cards: splitCardShaped (issued card, card layout, not only bare numbers side by side).
 * - Phones and national ids: no piece is a bare number.
 * - E-mails: a domain under a real top-level domain (tldts, the public suffix list), not followed
 *   by "(" or "_" (a decorator call, an identifier), and when the split falls right before "@",
 *   a local part that is not a language or code word ("python" + "@torch.no_grad()").
 */
function plausibleSplit(
  category: PiiCategory,
  sentValue: string,
  sentPieces: readonly string[],
  sentSeams: readonly number[],
  after: string,
  selectors: HiddenSelectors | null,
): boolean {
  // Judged as shown: markup at a seam ("4111 1111 1111 11<b>" + "11</b>") is no part of the value,
  // and a footnote mark or hidden text there may be read without its text ("11<span hidden>9</span>" + "11";
  // hidden also by a class a style sheet of the request hides).
  const readings: Footnotes[] = holdsFootnotesOrHidden(sentValue, selectors) ? ["glued", "dropped"] : ["glued"];
  return readings.some((footnotes) => {
    const free = markupFree(sentValue, footnotes, selectors);
    const seams = sentSeams.map((seam) => {
      const k = free.at.findIndex((offset) => offset >= seam);
      return k < 0 ? free.text.length : k;
    });
    return plausibleShownSplit(
      category,
      free.text,
      sentPieces.map((p) => markupFree(p, footnotes, selectors).text),
      seams,
      after,
    );
  });
}

/** plausibleSplit of a value and its pieces as shown. */
function plausibleShownSplit(category: PiiCategory, value: string, pieces: readonly string[], seams: readonly number[], after: string): boolean {
  // A card split at a seam is digits and separators only: words between the groups are the
  // in-text "halves" reading, which across texts would join unrelated numbers of several messages.
  if (category === "credit_card") return !/\p{L}/u.test(value) && !cutsDecimalNumber(value, pieces, seams) && splitCardShaped(value, pieces);
  // Phone numbers and national ids printed in groups: every piece holds more than one bare
  // number ("+1 415" + "555 0123"); a bare number beside others is a list ("2024", "2023") —
  // unless the value opens on a country code's "+" ("+44", "7911", "123456").
  if (category === "phone" && /^\s*\+\d/.test(pieces[0] ?? "")) return true;
  if (category === "phone" || category === "tax_id") return !pieces.some((p) => /^\s*\d+\s*$/.test(p));
  if (category !== "email") return true;
  const at = value.lastIndexOf("@");
  if (at < 0) return true; // spelled forms ("jane.roe [at] example [dot] org")
  if (after === "(" || after === "_") return false;
  if (!parseHost(value.slice(at + 1).toLowerCase()).isIcann) return false;
  return !(seams.includes(at) && CODE_WORDS.has(value.slice(0, at).toLowerCase()));
}

/**
 * Whether a value read across strings takes a number's fraction from the first ("10.67" giving "67") or its whole part
 * from the last ("35.48" giving "35"): figures in neighbouring cells of a table, not a card's pieces.
 */
function cutsDecimalNumber(value: string, pieces: readonly string[], seams: readonly number[]): boolean {
  if (seams.length === 0) return false;
  const head = value.slice(0, seams[0]).trim();
  const first = (pieces[0] ?? "").trimEnd();
  if (head && first.endsWith(head) && /\d[.,]$/u.test(first.slice(0, first.length - head.length))) return true;
  const tail = value.slice(seams[seams.length - 1]).trim();
  const last = (pieces[pieces.length - 1] ?? "").trimStart();
  return tail !== "" && last.startsWith(tail) && /^[.,]\d/u.test(last.slice(tail.length));
}

/**
 * Whether an e-mail read in media bytes is written as addresses are: a domain of two letters
 * or more under a real top-level domain (tldts, the public suffix list), labels in one case or
 * capitalised, two such characters or more before the "@". Random bytes spell "Qf8@i.Gh" every
 * few megabytes. Spelled forms without "@" are kept.
 */
function underRealDomain(value: string): boolean {
  const at = value.lastIndexOf("@");
  if (at < 0) return true;
  const domain = value.slice(at + 1);
  const host = parseHost(domain.toLowerCase());
  if (host.isIcann !== true || host.domain === null || (host.domainWithoutSuffix ?? "").replace(/[^a-z]/g, "").length < 2) return false;
  const labels = domain.split(".");
  // The top-level domain in one case ("de", "DE"); each other label lower, upper or capitalised.
  if (!/^(?:[a-z]+|[A-Z]+)$/.test(labels.at(-1) ?? "") || !labels.every((label) => WRITTEN_CASE.test(label))) return false;
  // The local part may be glued to the bytes before it ("tEXtjane.roe@…"): its written tail counts.
  return (WRITTEN_TAIL.exec(value.slice(0, at))?.[0].length ?? 0) >= 2;
}
/** A label as people write it: lower case, upper case or capitalised ("9Q3" passes, "eXamPle" is noise). */
const WRITTEN_CASE = /^[^A-Za-z]*(?:[A-Z]?[^A-Z]*|[^a-z]*)$/;
/** The longest tail of a local part in one case (or capitalised), digits and dots included. */
const WRITTEN_TAIL = /(?:[A-Z]?[^A-Za-z]*[a-z][^A-Z]*|[^a-z]*)$/;

/** A base64 token in running text, long enough to carry a value (12 characters encode 9 bytes). */
const BASE64_TOKEN_MIN = 12;
const BASE64_TOKEN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{12,}={0,2}(?![A-Za-z0-9+/_=-])/g;

/** Characters of each neighbour joined when looking for a value split across two texts. */
const SEAM_WINDOW = 96;

interface Span {
  start: number;
  end: number;
  category: PiiCategory;
  key: string;
  /** Original text of the whole value (for a split value, both halves). */
  value: string;
  /** Second half of a value split across texts: removed, the first half carries the placeholder. */
  continuation: boolean;
}

export class Masker {
  readonly policy: PiiPolicy;
  readonly detector: PiiDetector;
  readonly #budget: DetectionBudget;
  readonly #opaqueBudget: DetectionBudget;
  readonly #placeholders = new Map<string, string>();
  readonly #next = new Map<PiiCategory, number>();
  readonly #mapping: Record<string, string> = {};
  readonly #counts: Partial<Record<PiiCategory, number>> = {};
  readonly #blocked = new Set<PiiCategory>();
  readonly #cache = new Map<string, Span[]>();
  /** What the request's style sheets hide (readStyleSheets), wherever in the request a sheet and an element stand. */
  #sheets: HiddenSelectors | null | undefined;
  /** Set while checkBlockedAfterFailure reads: no markup tree and no tagger. */
  #plain = false;

  constructor(policy: PiiPolicy = {}, lists?: PiiLists, options: MaskerOptions = {}) {
    this.policy = policy;
    const categories = PII_CATEGORIES.filter((c) => actionFor(policy, c) !== "allow");
    const phoneRegions = [...(policy.phoneRegions ?? []).filter(isSupportedCountry), ...(options.phoneRegions ?? [])];
    // Where readings of a text disagree on a value's category, the one this policy treats most strictly stands.
    const strictness = Object.fromEntries(categories.map((c) => [c, actionFor(policy, c) === "block" ? 2 : 1]));
    this.detector = new PiiDetector({
      ...options,
      categories,
      strictness,
      ...(lists ? { lists } : {}),
      ...(phoneRegions.length ? { phoneRegions } : {}),
    });
    this.#budget = this.detector.newBudget();
    this.#opaqueBudget = new DetectionBudget(OPAQUE_MAX_CHARS, 0, options.timeBudgetMs ?? 2000);
  }

  /**
   * Reads the style sheets of a whole request before its strings are masked: a sheet in one
   * message or content part hides elements in another ("<style>.h{display:none}</style>" + "…<span class=h>9</span>…").
   */
  readStyleSheets(texts: readonly string[]): void {
    this.#sheets = selectorsOf(texts);
  }

  #detect(text: string, budget: DetectionBudget, opts: { entities?: boolean; otherReadings?: boolean; near?: readonly number[] } = {}): PiiFinding[] {
    if (this.#plain) return this.detector.detect(text, budget, { ...opts, entities: false, markup: false });
    if (this.#sheets === undefined) return this.detector.detect(text, budget, opts);
    // A text that is no string of the request (a document decoded from it) also holds its own sheets.
    const own = this.#sheets !== null && STYLE_SHEET.test(text) ? hiddenSelectors(text) : null;
    return this.detector.detect(text, budget, { ...opts, hiddenSelectors: this.#sheets === null ? undefined : withSelectors(this.#sheets, own) });
  }

  get failMode(): "closed" | "open" {
    return this.policy.failMode ?? "closed";
  }

  get restores(): boolean {
    return this.policy.restore ?? true;
  }

  actionFor(category: PiiCategory): PiiAction {
    return actionFor(this.policy, category);
  }

  /** Masks one text. Throws PiiBudgetError when detection cannot complete. */
  maskText(text: string): string {
    return this.maskTexts([text])[0] ?? text;
  }

  /**
   * Masks a key or a tool name: every pattern, and names only when it holds a space (an
   * identifier such as "firstName" or "get_weather" names no one).
   */
  maskIdentifier(text: string): string {
    if (text.length < 3) return text;
    const spans = this.#detect(text, this.#budget, { entities: /\s/.test(text) }).map((f) => ({
      start: f.start,
      end: f.end,
      category: f.category,
      key: f.key,
      value: text.slice(f.start, f.end),
      continuation: false,
    }));
    return this.#apply(text, spans);
  }

  /**
   * Masks a string that is random by nature (a provider id, a thinking signature, base64 the
   * proxy cannot read as text): every pattern detector, but no entity tagger and no generic
   * high-entropy rule, which would take every such string for a secret. Opaque strings have
   * their own size budget: they are often large and cost the pattern detectors little.
   */
  maskOpaque(text: string): string {
    if (text.length < 3) return text;
    const spans = this.#detect(text, this.#opaqueBudget, { entities: false })
      .filter((f) => f.detector !== "high_entropy")
      .map((f) => ({ start: f.start, end: f.end, category: f.category, key: f.key, value: text.slice(f.start, f.end), continuation: false }));
    return this.#apply(text, spans);
  }

  /** Whether this policy blocks any category the detector finds. */
  get blocksAny(): boolean {
    return PII_CATEGORIES.some((c) => this.detector.categories.has(c) && this.actionFor(c) === "block");
  }

  /**
   * Reads `text` with the pattern detectors for the verdict only (inline media's text runs):
   * a category this policy blocks is blocked and counted; nothing is masked or mapped. `names`:
   * text the media declare as text, read for people's names instead.
   */
  checkBlockedOnly(text: string, options: { names?: boolean } = {}): void {
    if (text.length < 3 || !this.blocksAny) return;
    if (options.names) {
      this.#checkBlockedNames(text);
      return;
    }
    this.#checkRuns(text, true, true);
  }

  /**
   * Reads the text runs of binary data (see binaryReadings) for the verdict and the counts: the
   * pattern detectors, as checkBlockedOnly reads media text, every category counted. Runs of
   * random bytes hold chance matches no one wrote: no generic high-entropy token, and an e-mail
   * only under a real domain written as people write it.
   */
  checkBinaryRuns(text: string): void {
    // Binary bodies are read nine ways already (binaryReadings), and random bytes hold a superscript every hundred or so:
    // the readings of glued characters would triple a 4 MiB scan, so their runs get the first reading only.
    if (text.length >= 3) this.#checkRuns(text, false, false);
  }

  /**
   * After a scan that could not complete under failMode "open": every text of the request is
   * read once more as written (pattern detectors, the deny list and the readings of glued
   * characters, each text also without its tags, comments and Markdown marks; no markup tree, no
   * tagger; a budget of its own), and values split across `ordered` neighbours are looked for; a
   * category this policy blocks found there is blocked. "open" forwards what could not be
   * checked, never a value anyone can read plainly: a formatting bomb or a page of prose that
   * makes the full scan give up costs an attacker nothing. A text this reading cannot finish
   * either is left (the others are still read).
   */
  checkBlockedAfterFailure(texts: Iterable<string>, ordered: readonly string[] = []): void {
    if (!this.blocksAny) return;
    const budget = new DetectionBudget(OPAQUE_MAX_CHARS, 0, this.detector.options.timeBudgetMs ?? 2000);
    const block = (category: PiiCategory) => {
      if (this.actionFor(category) !== "block") return;
      this.#blocked.add(category);
      // At least one (the part read before the failure may have counted it already).
      this.#counts[category] ??= 1;
    };
    this.#plain = true;
    try {
      for (const text of texts) {
        if (text.length < 3) continue;
        for (const reading of plainReadings(text))
          try {
            for (const f of this.detector.detect(reading, budget, { entities: false, markup: false })) block(f.category);
          } catch (error) {
            if (!(error instanceof PiiBudgetError)) throw error;
            // Out of time or characters: nothing further can be read.
            if (error.reason === "time" || error.reason === "size") return;
          }
      }
      if (ordered.length > 1)
        try {
          this.checkSplitValues(ordered);
        } catch (error) {
          if (!(error instanceof PiiBudgetError)) throw error;
        }
    } finally {
      this.#plain = false;
    }
  }

  #checkRuns(text: string, blockedOnly: boolean, otherReadings: boolean): void {
    for (const f of this.#detect(text, this.#opaqueBudget, { entities: false, otherReadings })) {
      const blocks = this.actionFor(f.category) === "block";
      // Chance runs of random bytes spell a label and a token ("mdp467:OUw"): no labelled password there either.
      if (f.detector === "high_entropy" || f.detector === "labelled_password" || (blockedOnly && !blocks)) continue;
      if (f.category === "email" && !underRealDomain(text.slice(f.start, f.end))) continue;
      if (blocks) this.#blocked.add(f.category);
      this.#counts[f.category] = (this.#counts[f.category] ?? 0) + 1;
    }
  }

  /**
   * Text inline media declare as text (see checkBlockedOnly): every pattern, and names when the
   * policy blocks people. Of the tagger's findings only people count: the organisations and
   * places of media metadata are the software, the device maker and the colour profile's
   * vendor, not data about anyone.
   */
  #checkBlockedNames(text: string): void {
    const names = this.actionFor("person") === "block" && this.detector.categories.has("person");
    for (const f of this.#detect(text, names ? this.#budget : this.#opaqueBudget, { entities: names })) {
      if (f.detector === "high_entropy" || this.actionFor(f.category) !== "block" || (f.detector === "ner" && f.category !== "person")) continue;
      this.#blocked.add(f.category);
      this.#counts[f.category] = (this.#counts[f.category] ?? 0) + 1;
    }
  }

  /**
   * Under a `block` rule, finds values split anywhere across the strings of a request, keys
   * included (`texts` in document order): the seam scan over every neighbouring pair, and the
   * card scan over the request's digit runs (splitCardAcross). Only the verdict and the counts
   * change; masking stays as maskTexts decided it.
   */
  checkSplitValues(texts: readonly string[]): void {
    const blocking = SPLIT_CATEGORIES.filter((c) => this.detector.categories.has(c) && this.actionFor(c) === "block");
    if (blocking.length === 0) return;
    // Read once for the request, not per join or value found (a request of many split values re-read its whole text for each).
    const selectors = this.#sheets !== undefined ? this.#sheets : selectorsOf(texts);
    const found = this.#acrossStrings(texts, selectors);
    // The card scan reads each string as shown: markup beside a piece ("…1111 11<b>", "11</b>") is none of its digits.
    // A footnote mark or hidden text beside a piece may also be read without its text; read so only where there is one.
    if (
      blocking.includes("credit_card") &&
      (splitCardAcross(texts.map((t) => markupFreeText(t, "glued"))) ||
        (texts.some((t) => holdsFootnotesOrHidden(t, selectors)) && splitCardAcross(texts.map((t) => markupFreeText(t, "dropped", selectors)))))
    )
      found.push("credit_card");
    // Read again without small numbers between the pieces ("4111/1111/1111/1111/2", `{"a":"4111
    // 1111","n":2,…}`): a page or a count must not hide a card, an IBAN or a phone number, whose
    // checks (Luhn and issuer, mod 97, the numbering plan and a piece of groups or a "+") keep lists of figures out.
    // Only a number that is the value of a named field goes ("page", "2"): in a list of integers
    // ([4523, 12, 9981, …]) a small one is an element, and the list stays longer than a card.
    const withoutSmall = texts.filter((t, i) => !(SMALL_NUMBER.test(t) && i > 0 && FIELD_NAME.test(texts[i - 1] ?? "")));
    if (withoutSmall.length < texts.length && (blocking.includes("credit_card") || blocking.includes("iban") || blocking.includes("phone"))) {
      for (const c of this.#acrossStrings(withoutSmall, selectors)) if (c === "credit_card" || c === "iban" || c === "phone") found.push(c);
      // Bare single numbers are what orders and listings are made of ({"sku":4521,"qty":2,…}): a card
      // there needs a piece printed in groups or a field named for a card.
      if (blocking.includes("credit_card") && texts.some((t) => GROUPED_PIECE.test(t) || CARD_FIELD.test(t)) && splitCardAcross(withoutSmall))
        found.push("credit_card");
    }
    // An IBAN's check (country, length, mod 97) holds with any small number left out ("/DE8937040044/2/0532013000").
    const withoutAnySmall = texts.filter((t) => !SMALL_NUMBER.test(t));
    if (withoutAnySmall.length < withoutSmall.length && blocking.includes("iban") && this.#acrossStrings(withoutAnySmall, selectors).includes("iban"))
      found.push("iban");
    // So does a card given in printed groups (["4111 1111", 2, "1111 1111"]): lists of integers hold no such piece.
    if (
      withoutAnySmall.length < withoutSmall.length &&
      blocking.includes("credit_card") &&
      texts.some((t) => GROUPED_PIECE.test(t)) &&
      splitCardAcross(withoutAnySmall)
    )
      found.push("credit_card");
    // Each split category counts once: the two joins find the same value.
    for (const c of new Set(found)) {
      if (!blocking.includes(c)) continue;
      this.#blocked.add(c);
      this.#counts[c] = (this.#counts[c] ?? 0) + 1;
    }
  }

  /**
   * Categories of the values found in the concatenation of `texts` that cross from one text into
   * another and that no text explains on its own.
   */
  #acrossStrings(texts: readonly string[], selectors: HiddenSelectors | null): PiiCategory[] {
    const found: PiiCategory[] = [];
    // Keys and protocol words of lower-case letters alone ("type", "properties") cannot hold a
    // piece of a card, IBAN or e-mail address; dropped, so the pieces around them meet.
    // A word right before "@…" stays: it is the mailbox ("?to=jsmith&domain=@example.org").
    const kept = texts.flatMap((t, i) => (t.length > 0 && (!STRUCTURAL_WORD.test(t) || (texts[i + 1] ?? "").startsWith("@")) ? [i] : []));
    const parts = kept.map((i) => texts[i] ?? "");
    if (parts.length < 2) return found;
    const own = new Map<number, Span[]>();
    const ownSpans = (k: number) => {
      let list = own.get(k);
      if (!list) {
        const t = parts[k] ?? "";
        list = this.#cache.get(t) ?? this.#patternSpans(t);
        own.set(k, list);
      }
      return list;
    };
    // Joined with nothing ("jane.roe@exa" + "mple.org"), then with a space where a word's end meets a word or a value's
    // start, so a value that ends a string is not run into the next word ("example.org" + "sent") and one that opens a
    // string is not glued to the last ("text/html" + "+44 20 7946" + " 0958": a phone number has no letter before its "+").
    for (const spaced of [false, true]) {
      const starts: number[] = [];
      let joined = "";
      let spaces = 0;
      // The last character so far, kept apart: indexing a string built by concatenation flattens it (quadratic).
      let last = "";
      for (const t of parts) {
        if (spaced && WORD_END.test(last) && VALUE_START.test(t[0] ?? "")) {
          joined += " ";
          spaces++;
        }
        starts.push(joined.length);
        joined += t;
        if (t.length > 0) last = t[t.length - 1] ?? "";
      }
      // No word met another at a seam: the spaced join is the plain one, already read.
      if (spaced && spaces === 0) break;
      const textAt = (offset: number) => {
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if ((starts[mid] ?? 0) <= offset) lo = mid;
          else hi = mid - 1;
        }
        return lo;
      };
      // Only values across a seam count: a long join's markup is read around its seams alone.
      const near = joined.length > SEAMS_ONLY_MIN ? { near: starts.slice(1) } : {};
      for (const f of this.#detect(joined, this.#opaqueBudget, { entities: false, ...near })) {
        // The generic high-entropy rule reads any two random-looking neighbours (an id, a hash, a
        // token beside a word) as one secret; a split secret counts only in a known key format.
        if (!SPLIT_CATEGORIES.includes(f.category) || f.detector === "high_entropy") continue;
        const first = textAt(f.start);
        const last = textAt(f.end - 1);
        if (first === last) continue;
        // A piece some text already explains on its own (a whole e-mail at its end) is not a split value.
        let explained = false;
        for (let k = first; k <= last && !explained; k++) {
          const from = Math.max(0, f.start - (starts[k] ?? 0));
          const to = Math.min((parts[k] ?? "").length, f.end - (starts[k] ?? 0));
          explained = ownSpans(k).some((s) => s.start <= from && s.end >= to && to > from);
        }
        if (explained) continue;
        const seams = starts.slice(first + 1, last + 1).map((at) => at - f.start);
        if (plausibleSplit(f.category, joined.slice(f.start, f.end), parts.slice(first, last + 1), seams, joined[f.end] ?? "", selectors))
          found.push(f.category);
      }
    }
    return found;
  }

  #patternSpans(text: string): Span[] {
    if (text.length < 3) return [];
    return this.#detect(text, this.#opaqueBudget, { entities: false }).map((f) => ({
      start: f.start,
      end: f.end,
      category: f.category,
      key: f.key,
      value: text.slice(f.start, f.end),
      continuation: false,
    }));
  }

  /**
   * Masks a sequence of texts that a reader sees one after the other (message contents,
   * string fields in document order). A value split across two neighbours is found by
   * scanning the seam between them as well.
   */
  maskTexts(texts: readonly string[]): string[] {
    const spans = texts.map((t) => this.#spansOf(t));
    this.#seams(texts, spans);
    return texts.map((t, i) => this.#apply(t, spans[i] ?? []));
  }

  result(): MaskResult {
    return {
      blockedCategories: PII_CATEGORIES.filter((c) => this.#blocked.has(c)),
      counts: { ...this.#counts },
      mapping: this.restores ? { ...this.#mapping } : {},
    };
  }

  #spansOf(text: string): Span[] {
    if (text.length < 3) return [];
    const cached = this.#cache.get(text);
    if (cached) return [...cached];
    const spans = this.#detect(text, this.#budget).map((f) => ({
      start: f.start,
      end: f.end,
      category: f.category,
      key: f.key,
      value: text.slice(f.start, f.end),
      continuation: false,
    }));
    this.#encodedSpans(text, spans);
    this.#cache.set(text, spans);
    return [...spans];
  }

  /**
   * Base64 tokens in running text that carry UTF-8 text (a value a client encoded to slip it past
   * the detectors): the decoded text meets the pattern detectors, and a token holding a value is
   * one span of that value's category, so it is masked (and restored) or blocked whole.
   */
  #encodedSpans(text: string, spans: Span[]): void {
    if (text.length < BASE64_TOKEN_MIN) return;
    BASE64_TOKEN.lastIndex = 0;
    for (let m = BASE64_TOKEN.exec(text); m; m = BASE64_TOKEN.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      // A token already read as a secret (random-looking) is read again for what it encodes.
      const overlapping = spans.filter((s) => s.start < end && start < s.end);
      if (overlapping.some((s) => s.category !== "secret")) continue;
      const decoded = base64TextOf(m[0]);
      if (decoded === undefined) continue;
      const found = this.#detect(decoded, this.#opaqueBudget, { entities: false }).find((f) => f.detector !== "high_entropy");
      if (!found) continue;
      for (const s of overlapping) spans.splice(spans.indexOf(s), 1);
      spans.push({ start, end, category: found.category, key: found.key, value: m[0], continuation: false });
    }
  }

  /**
   * Values split across neighbouring texts: around each seam, the last SEAM_WINDOW characters
   * before it and the first SEAM_WINDOW after it (over as many short texts as it takes) are
   * joined and scanned, with a space and with nothing between the texts. A value found across a
   * seam is masked in the first text it starts in and removed from the others.
   */
  #seams(texts: readonly string[], spans: Span[][]): void {
    const parts = texts.map((t, i) => ({ i, t })).filter((p) => p.t.length > 0);
    // The request's style sheets, read once and only when a value is found across a seam.
    let selectors: HiddenSelectors | null | undefined = this.#sheets;
    const sheets = (): HiddenSelectors | null => {
      if (selectors === undefined) selectors = selectorsOf(texts);
      return selectors;
    };
    for (let k = 0; k + 1 < parts.length; k++) {
      for (const joiner of [" ", ""]) {
        // Segments of the window: [text index, start in text, start in window, length].
        const segments: Array<[number, number, number, number]> = [];
        const left: Array<[number, number, number]> = [];
        let need = SEAM_WINDOW;
        for (let a = k; a >= 0 && need > 0; a--) {
          const p = parts[a];
          if (!p) break;
          const take = Math.min(need, p.t.length);
          left.unshift([p.i, p.t.length - take, take]);
          need -= take;
        }
        need = SEAM_WINDOW;
        const right: Array<[number, number, number]> = [];
        for (let b = k + 1; b < parts.length && need > 0; b++) {
          const p = parts[b];
          if (!p) break;
          const take = Math.min(need, p.t.length);
          right.push([p.i, 0, take]);
          need -= take;
        }
        let window = "";
        for (const [i, from, length] of [...left, ...right]) {
          if (window.length > 0) window += joiner;
          segments.push([i, from, window.length, length]);
          window += (texts[i] ?? "").slice(from, from + length);
        }
        // The seam this window is about: between the last left segment and the first right one.
        const seamAt = (segments[left.length - 1]?.[2] ?? 0) + (segments[left.length - 1]?.[3] ?? 0);
        for (const f of this.#detect(window, this.#budget, { entities: false })) {
          // Random-looking neighbours (ids, hashes, a token beside a word) joined read as one
          // high-entropy secret; across a seam only a known key format counts.
          if (f.start >= seamAt || f.end <= seamAt + joiner.length || f.detector === "high_entropy") continue;
          const covered = segments.filter(([, , at, length]) => f.start < at + length && f.end > at);
          if (covered.length < 2) continue;
          const pieces = covered.map(([i, from, at, length]) => {
            const start = from + Math.max(0, f.start - at);
            const end = from + Math.min(length, f.end - at);
            return { i, start, end };
          });
          // A value one text already explains on its own (a finding there covers its piece) is not a split value.
          if (pieces.some((p) => (spans[p.i] ?? []).some((s) => !s.continuation && s.start <= p.start && s.end >= p.end))) continue;
          const value = window.slice(f.start, f.end);
          const seams = covered.slice(1).map(([, , at]) => at - f.start);
          if (
            !plausibleSplit(
              f.category,
              value,
              pieces.map((p) => texts[p.i] ?? ""),
              seams,
              window[f.end] ?? "",
              sheets(),
            )
          )
            continue;
          const base = { category: f.category, key: f.key, value };
          pieces.forEach((p, n) => {
            // The first piece runs to the end of its text so the placeholder replaces all of it there.
            const end = n === 0 ? (texts[p.i] ?? "").length : p.end;
            replaceOverlapping(spans, p.i, { ...base, start: p.start, end, continuation: n > 0 });
          });
        }
      }
    }
  }

  #apply(text: string, spans: Span[]): string {
    if (spans.length === 0) return text;
    spans.sort((x, y) => x.start - y.start);
    const parts: string[] = [];
    let pos = 0;
    for (const s of spans) {
      parts.push(text.slice(pos, s.start));
      pos = s.end;
      if (s.continuation) continue;
      this.#counts[s.category] = (this.#counts[s.category] ?? 0) + 1;
      parts.push(this.#replacement(s));
    }
    parts.push(text.slice(pos));
    return parts.join("");
  }

  #replacement(s: Span): string {
    const action = this.actionFor(s.category);
    if (action === "block") this.#blocked.add(s.category);
    if (action !== "mask") return `[REDACTED:${s.category}]`;
    const id = `${s.category}\u0000${s.key}`;
    let placeholder = this.#placeholders.get(id);
    if (!placeholder) {
      const n = (this.#next.get(s.category) ?? 0) + 1;
      this.#next.set(s.category, n);
      placeholder = `<${PLACEHOLDER_LABELS[s.category]}_${n}>`;
      this.#placeholders.set(id, placeholder);
      this.#mapping[placeholder] = s.value;
    }
    return placeholder;
  }
}

/** Puts a seam span into a text's list, dropping the partial findings it covers. */
function replaceOverlapping(spans: Span[][], i: number, span: Span): void {
  const list = spans[i];
  if (!list) return;
  const kept = list.filter((s) => s.end <= span.start || s.start >= span.end);
  kept.push(span);
  spans[i] = kept;
}

/**
 * Tags (quoted attribute values may hold "<" and ">"), comments ("<!-->" and "<!--->" are whole ones) and bogus
 * comments, read without a tree (a "<" that opens none stays).
 */
const TAG_OR_COMMENT = /<!--(?:-?>|[\s\S]*?(?:-->|$))|<[a-zA-Z/!?](?:[^<>"']|"[^"]*"|'[^']*')*>/g;
const MARKDOWN_MARKS = /[*_~`]+/g;
/** A Markdown link or image: its text is what a view shows. */
const MARKDOWN_LINK = /!?\[([^\]\n]*)\]\([^)\n]*\)/g;

/** A text as written, and (where it holds markup) without its tags and Markdown marks, glued and apart. */
function plainReadings(text: string): string[] {
  if (!/[<*_~`[]/.test(text)) return [text];
  const glued = text.replace(TAG_OR_COMMENT, "").replace(MARKDOWN_LINK, "$1").replace(MARKDOWN_MARKS, "");
  const apart = text.replace(TAG_OR_COMMENT, " ").replace(MARKDOWN_LINK, "$1");
  return [...new Set([text, glued, apart])];
}

export function createMasker(policy: PiiPolicy = {}, lists?: PiiLists, options: MaskerOptions = {}): Masker {
  return new Masker(policy, lists, options);
}
