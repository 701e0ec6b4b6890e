// Removes injected secrets from whatever comes back: an upstream that echoes request headers
// (debug endpoints, reflection bugs) must not hand the agent the credential it never saw, whole or
// in part. A truncated echo (a log line cut at a fixed width, the tail of a header, a window of an
// encoded form) is as good as the whole where the agent can move the cut, so any long-enough run of
// a secret's form is redacted, not only the form entire.
import type { InjectSpec } from "../../schema/credentials.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const SCRUBBED = encoder.encode("[REDACTED]");

/**
 * A secret as it is injected. `publicPrefix` counts the leading characters that are no secret (a
 * basic credential's user name and colon): runs that lie only there are left in the answer.
 */
export interface ScrubbedSecret {
  value: string;
  publicPrefix: number;
}

/** What the gateway must look for once it injects `secret` as `inject` says. */
export function injectedSecret(inject: InjectSpec, secret: string): ScrubbedSecret {
  return { value: secret, publicPrefix: inject.type === "basic" ? secret.indexOf(":") + 1 : 0 };
}

type SecretLike = string | ScrubbedSecret;

/**
 * The run of a form's secret part an answer may show: a quarter of the part, plus one, so that a
 * start and an end shorter than this together still leave half of it unknown; at least 6 bytes
 * (shorter runs of a random token turn up by chance in large bodies and would corrupt them), at
 * most 12 (a 12-byte run of a token is never there by chance). A part shorter than 6 bytes is
 * redacted only whole.
 */
function longestAllowedRun(secretPart: number): number {
  return Math.min(12, Math.max(6, Math.ceil(secretPart / 4) + 1));
}

interface Form {
  bytes: Uint8Array;
  /** The same bytes with ASCII letters in lower case: runs are matched regardless of case. */
  folded: Uint8Array;
  /** Where the secret part starts (after the public prefix's encoding). */
  secretFrom: number;
  /** The shortest run of the secret part that is redacted; Infinity when only the whole form is. */
  minRun: number;
}

/** A secret's forms, and an index of the short pieces of their secret parts that anchor a run. */
interface Matcher {
  forms: Form[];
  /** The pieces' length: every run worth redacting holds a piece the index anchors. */
  piece: number;
  /** How far apart the body is looked up: `piece` when every offset is indexed, else 1. */
  stride: number;
  /** Piece (read as a number, `pieceKey`) → where it occurs: form index and offset, at most 8. */
  pieces: Map<number, Array<[number, number]>>;
  /** Two-byte prefilter: bit set when some piece starts with those two bytes. */
  pairs: Uint8Array;
  longest: number;
}

/**
 * The spellings a secret may take in a response: raw; percent-encoded as a URL component, a URL
 * and a form field (`+` for space, `~!'()*` escaped), each also in lower-case hex; JSON-escaped;
 * the bytes in hex; base64 and base64url (as sent for basic auth, or re-encoded by an echoing
 * server). Each comes with the length of the public prefix in the same spelling. Runs are matched
 * whatever the case of their letters (an echo may upper- or lower-case what it shows).
 */
function spellings(secret: string, publicPrefix: number): Array<[string, number]> {
  const prefix = secret.slice(0, publicPrefix);
  const bytes = (s: string) => encoder.encode(s).length;
  let binary = "";
  for (const b of encoder.encode(secret)) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  // A base64 character holds prefix bits only while it ends within the prefix's bytes.
  const base64From = Math.floor((bytes(prefix) * 4) / 3);
  const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const formField = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
  const textual: Array<(s: string) => string> = [
    (s) => s,
    encodeURIComponent,
    (s) => lowerHex(encodeURIComponent(s)),
    encodeURI,
    formField,
    (s) => lowerHex(formField(s)),
    (s) => JSON.stringify(s).slice(1, -1),
  ];
  const out = new Map<string, number>();
  for (const spell of textual) out.set(spell(secret), bytes(spell(prefix)));
  // Hex, as debug dumps show bytes (two digits per byte; either case, as runs are matched).
  const hex = (s: string) => Array.from(encoder.encode(s), (b) => b.toString(16).padStart(2, "0")).join("");
  out.set(hex(secret), hex(prefix).length);
  for (const b64 of [base64, base64.replace(/=+$/, ""), base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")]) {
    out.set(b64, base64From);
  }
  return [...out].filter(([form]) => form.length >= 4);
}

function buildMatcher(secret: ScrubbedSecret): Matcher {
  const forms: Form[] = spellings(secret.value, secret.publicPrefix).map(([text, secretFrom]) => {
    const bytes = encoder.encode(text);
    const part = bytes.length - secretFrom;
    return { bytes, folded: bytes.map((b) => FOLD[b] as number), secretFrom, minRun: part >= 6 ? longestAllowedRun(part) : Number.POSITIVE_INFINITY };
  });
  const shortest = Math.min(...forms.map((f) => f.minRun));
  // Any stretch of `shortest` bytes holds a whole piece starting at a multiple of `piece` when
  // shortest ≥ 2·piece − 1; six bytes is the most a number key holds exactly.
  const piece = Number.isFinite(shortest) ? Math.min(6, Math.floor((shortest + 1) / 2)) : 0;
  // A usual secret's pieces are indexed at every offset and the body looked up every `piece`
  // bytes. A long one (a key file, up to 16 KiB) would need an index of hundreds of thousands of
  // pieces: its pieces are indexed every `piece` bytes (and at every offset of its last two) and
  // the body looked up at every byte instead; either way every long-enough run meets an anchor.
  const secretBytes = forms.reduce((n, f) => n + (Number.isFinite(f.minRun) ? f.bytes.length - f.secretFrom : 0), 0);
  const everyOffset = secretBytes <= EVERY_OFFSET_MAX;
  const pieces = new Map<number, Array<[number, number]>>();
  const pairs = new Uint8Array(65536 / 8);
  const anchor = (form: Form, f: number, j: number) => {
    const key = pieceKey(form.folded, j, piece);
    const at = pieces.get(key) ?? [];
    // A piece repeated more often belongs to a degenerate secret ("aaaa…"): eight anchors bound the work.
    if (at.length < 8 && !at.some(([g, k]) => g === f && k === j)) at.push([f, j]);
    pieces.set(key, at);
    const pair = (form.folded[j] as number) | ((form.folded[j + 1] as number) << 8);
    pairs[pair >> 3] = (pairs[pair >> 3] as number) | (1 << (pair & 7));
  };
  if (piece > 0) {
    forms.forEach((form, f) => {
      if (!Number.isFinite(form.minRun)) return;
      const end = form.bytes.length - piece;
      for (let j = form.secretFrom; j <= end; j += everyOffset ? 1 : piece) anchor(form, f, j);
      if (!everyOffset) for (let j = Math.max(form.secretFrom, end - piece); j <= end; j++) anchor(form, f, j);
    });
  }
  return { forms, piece, stride: everyOffset ? piece : 1, pieces, pairs, longest: Math.max(0, ...forms.map((f) => f.bytes.length)) };
}

/** The most secret-part bytes (over all forms) indexed at every offset; about 200 characters of secret. */
const EVERY_OFFSET_MAX = 4096;

/** ASCII letters in lower case, other bytes as they are. */
const FOLD = Uint8Array.from({ length: 256 }, (_, b) => (b >= 65 && b <= 90 ? b + 32 : b));

/** Folded bytes `data[at, at + length)` as one number (exact up to six bytes). */
function pieceKey(data: Uint8Array, at: number, length: number): number {
  let key = 0;
  for (let k = length - 1; k >= 0; k--) key = key * 256 + (FOLD[data[at + k] as number] as number);
  return key;
}

// The isolate's opened credentials are cached already (vault/credentials.ts); this keeps their
// matchers beside them, bounded, instead of re-encoding each secret a dozen ways per request.
const MATCHERS_MAX = 256;
const matchers = new Map<string, Matcher>();

function matcherOf(secret: SecretLike): Matcher {
  const s = typeof secret === "string" ? { value: secret, publicPrefix: 0 } : secret;
  const key = `${s.publicPrefix}:${s.value}`;
  const known = matchers.get(key);
  if (known) return known;
  const built = buildMatcher(s);
  if (matchers.size >= MATCHERS_MAX) matchers.clear();
  matchers.set(key, built);
  return built;
}

/** What scrubs the answer to a call: the matchers of the secrets it injected. */
export type Scrubber = readonly Matcher[];

/** The scrubber for an answer to a call that injected `secrets` (null when none was). */
export function scrubberFor(secrets: readonly SecretLike[]): Scrubber | null {
  return secrets.length > 0 ? secrets.map(matcherOf) : null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = hay.indexOf(first ?? 0, from); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first ?? 0, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * The byte ranges of `data` to redact: every run of a form whose secret part reaches the form's
 * `minRun` (the whole form among them), and every whole form too short for that. Unless `final`,
 * a run that reaches the end of `data` and could go on in the next chunk is left for then (the
 * stream holds it back).
 */
function redactions(data: Uint8Array, matchers: readonly Matcher[], final: boolean): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (const m of matchers) {
    // A form whose secret part is too short for runs is redacted only whole.
    for (const { bytes, minRun } of m.forms) {
      if (Number.isFinite(minRun)) continue;
      for (let at = indexOf(data, bytes, 0); at !== -1; at = indexOf(data, bytes, at + bytes.length)) found.push([at, at + bytes.length]);
    }
    if (m.piece === 0) continue;
    // A run already followed from an earlier anchor, by form and alignment, is not followed again.
    const followed = new Map<number, number>();
    const { piece, stride, pieces, pairs, forms } = m;
    for (let i = 0; i + piece <= data.length; i += stride) {
      const pair = (FOLD[data[i] as number] as number) | ((FOLD[data[i + 1] as number] as number) << 8);
      if (((pairs[pair >> 3] as number) & (1 << (pair & 7))) === 0) continue;
      const anchors = pieces.get(pieceKey(data, i, piece));
      if (!anchors) continue;
      for (const [f, j] of anchors) {
        const alignment = (i - j) * 16 + f;
        if ((followed.get(alignment) ?? -1) > i) continue;
        const form = forms[f] as Form;
        const bytes = form.folded;
        let start = i;
        let from = j;
        while (start > 0 && from > 0 && FOLD[data[start - 1] as number] === bytes[from - 1]) {
          start--;
          from--;
        }
        let end = i + piece;
        let to = j + piece;
        while (end < data.length && to < bytes.length && FOLD[data[end] as number] === bytes[to]) {
          end++;
          to++;
        }
        followed.set(alignment, end);
        if (!final && end === data.length && to < bytes.length) continue;
        if (to - Math.max(from, form.secretFrom) >= form.minRun) found.push([start, end]);
      }
    }
  }
  return merged(found);
}

function merged(ranges: Array<[number, number]>): Array<[number, number]> {
  if (ranges.length < 2) return ranges;
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [ranges[0] as [number, number]];
  for (const [s, e] of ranges.slice(1)) {
    const last = out[out.length - 1] as [number, number];
    if (s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** `data[0, end)` with each range replaced by SCRUBBED. */
function replaced(data: Uint8Array, ranges: ReadonlyArray<readonly [number, number]>, end = data.length): Uint8Array {
  if (ranges.length === 0) return data.subarray(0, end);
  const out = new Uint8Array(end + ranges.length * SCRUBBED.length);
  let size = 0;
  let from = 0;
  for (const [s, e] of ranges) {
    out.set(data.subarray(from, s), size);
    size += s - from;
    out.set(SCRUBBED, size);
    size += SCRUBBED.length;
    from = e;
  }
  out.set(data.subarray(from, end), size);
  size += end - from;
  return out.subarray(0, size);
}

/** A whole body with every form of the secrets, whole or a long-enough run of it, replaced (StreamScrubber for a stream). */
export function scrubBytes(data: Uint8Array, matchers: readonly Matcher[]): Uint8Array {
  return replaced(data, redactions(data, matchers, true));
}

/** The same for a text (an error message, a tool's result). */
export function scrubText(text: string, secrets: readonly SecretLike[]): string {
  if (secrets.length === 0) return text;
  const bytes = encoder.encode(text);
  const ranges = redactions(bytes, secrets.map(matcherOf), true);
  return ranges.length === 0 ? text : decoder.decode(replaced(bytes, ranges));
}

/**
 * Scrubs a body read chunk by chunk, even where a secret straddles two chunks: it holds back only
 * the longest form's length (no run is longer), so the answer still streams.
 */
export class StreamScrubber {
  readonly #matchers: readonly Matcher[];
  readonly #hold: number;
  #pending = new Uint8Array(0);

  constructor(matchers: readonly Matcher[]) {
    this.#matchers = matchers;
    this.#hold = Math.max(0, ...matchers.map((m) => m.longest));
  }

  /** The clean bytes that can go out now (possibly none). */
  push(chunk: Uint8Array): Uint8Array {
    const joined = new Uint8Array(this.#pending.length + chunk.length);
    joined.set(this.#pending);
    joined.set(chunk, this.#pending.length);
    const ranges = redactions(joined, this.#matchers, false);
    // Held back: the last `hold` bytes, less any redaction that starts before them (it goes out whole).
    let emit = Math.max(0, joined.length - this.#hold);
    const out: Array<[number, number]> = [];
    for (const r of ranges) {
      if (r[0] >= emit) break;
      out.push(r);
      emit = Math.max(emit, r[1]);
    }
    this.#pending = joined.slice(emit);
    return replaced(joined, out, emit);
  }

  /** What was held back, scrubbed, once the body has ended. */
  flush(): Uint8Array | null {
    return this.#pending.length ? scrubBytes(this.#pending, this.#matchers) : null;
  }
}

/**
 * Header values holding a secret, whole or a long-enough run of it, are replaced outright; a
 * header whose name holds one is dropped.
 */
export function scrubHeaders(headers: Headers, matchers: readonly Matcher[]): Headers {
  const out = new Headers();
  const holds = (text: string) => redactions(encoder.encode(text), matchers, true).length > 0;
  headers.forEach((value, name) => {
    if (!holds(name)) out.append(name, holds(value) ? "[REDACTED]" : value);
  });
  return out;
}
