// Per-request masker: turns findings into stable placeholders, redactions or a block verdict,
// and keeps the counts and the placeholder->original mapping for the response.
import { type DetectOptions, type DetectionBudget, PiiDetector } from "./detect.js";
import { PII_CATEGORIES, actionFor, type PiiAction, type PiiCategory, type PiiLists, type PiiPolicy } from "./types.js";

export const PLACEHOLDER_LABELS: Record<PiiCategory, string> = {
  email: "EMAIL",
  phone: "PHONE",
  credit_card: "CARD",
  tax_id: "TAX_ID",
  iban: "IBAN",
  secret: "SECRET",
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
  readonly #placeholders = new Map<string, string>();
  readonly #next = new Map<PiiCategory, number>();
  readonly #mapping: Record<string, string> = {};
  readonly #counts: Partial<Record<PiiCategory, number>> = {};
  readonly #blocked = new Set<PiiCategory>();
  readonly #cache = new Map<string, Span[]>();

  constructor(policy: PiiPolicy = {}, lists?: PiiLists, options: MaskerOptions = {}) {
    this.policy = policy;
    const categories = PII_CATEGORIES.filter((c) => actionFor(policy, c) !== "allow");
    this.detector = new PiiDetector({ ...options, categories, ...(lists ? { lists } : {}) });
    this.#budget = this.detector.newBudget();
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
   * Masks a sequence of texts that a reader sees one after the other (message contents,
   * string fields in document order). A value split across two neighbours is found by
   * scanning the seam between them as well.
   */
  maskTexts(texts: readonly string[]): string[] {
    const spans = texts.map((t) => this.#spansOf(t));
    for (let i = 0; i + 1 < texts.length; i++) this.#seam(texts, spans, i);
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
    const spans = this.detector.detect(text, this.#budget).map((f) => ({
      start: f.start,
      end: f.end,
      category: f.category,
      key: f.key,
      value: text.slice(f.start, f.end),
      continuation: false,
    }));
    this.#cache.set(text, spans);
    return [...spans];
  }

  #seam(texts: readonly string[], spans: Span[][], i: number): void {
    const a = texts[i] ?? "";
    const b = texts[i + 1] ?? "";
    if (a.length === 0 || b.length === 0) return;
    const tail = a.slice(-SEAM_WINDOW);
    const head = b.slice(0, SEAM_WINDOW);
    for (const joiner of [" ", ""]) {
      const joined = tail + joiner + head;
      const seamAt = tail.length;
      for (const f of this.detector.detect(joined, this.#budget, { entities: false })) {
        if (f.start >= seamAt || f.end <= seamAt + joiner.length) continue;
        const aStart = a.length - tail.length + f.start;
        const bEnd = f.end - seamAt - joiner.length;
        // A value one side already explains on its own is not a split value.
        const overlapsOwn = (list: Span[] | undefined, start: number, end: number) =>
          (list ?? []).some((s) => !s.continuation && s.start < end && s.end > start);
        if (overlapsOwn(spans[i], aStart, a.length) || overlapsOwn(spans[i + 1], 0, bEnd)) continue;
        const value = joined.slice(f.start, f.end);
        const base = { category: f.category, key: f.key, value };
        replaceOverlapping(spans, i, { ...base, start: aStart, end: a.length, continuation: false });
        replaceOverlapping(spans, i + 1, { ...base, start: 0, end: bEnd, continuation: true });
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

export function createMasker(policy: PiiPolicy = {}, lists?: PiiLists, options: MaskerOptions = {}): Masker {
  return new Masker(policy, lists, options);
}
