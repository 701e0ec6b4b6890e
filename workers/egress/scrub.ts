// Removes injected secrets from whatever comes back: an upstream that echoes request headers
// (debug endpoints, reflection bugs) must not hand the agent the credential it never saw. Every
// spelling an upstream plausibly uses is recognised (encodings, escapes, hex, base64 at any offset
// of its groups, any letter case), wherever it stands in a header or a body.
//
// Only a whole secret is redacted, never a piece of one. Redacting long-enough pieces (a secret
// echoed cut short) was tried and taken out: the agent can make any upstream hand its own text
// back (a reflecting endpoint, or text it stores and reads back: an issue, a note), and a
// redaction that fires on a piece tells it which of its guesses ("the bytes I know" + one more)
// is a piece of the secret. Red teams 19 and 19b rebuilt a 93-character token that way in under
// 200 requests, starting from its public prefix. Recognising pieces stays, for the audit only:
// a request that holds a long piece of the credential it is sent with is flagged (`probeIn`),
// which the agent never sees.
import type { InjectSpec } from "../../schema/credentials.js";
import { percentDecoded } from "../pii/outbound.js";
import { decodedView } from "./decoded-view.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const SCRUBBED = encoder.encode("[REDACTED]");

/**
 * A secret as it is injected. `publicPrefix` counts the leading characters that are no secret (a
 * basic credential's user name and colon): the password alone is the secret, and the user name
 * alone is left in the answer.
 */
export interface ScrubbedSecret {
  value: string;
  publicPrefix: number;
}

/** Passwords that stand beside a key sent as the user name (GitHub's, Freshdesk's `X`, Stripe's empty one). */
const PLACEHOLDER_PASSWORD = /^(?:|x|x-oauth-basic|api_token|api|token|password|pass|dummy|unused|-)$/i;

/**
 * What the gateway must look for once it injects `secret` as `inject` says. A basic credential's
 * user name is public unless the key is the user name (an empty, short or placeholder password,
 * as Stripe, Freshdesk and GitHub take keys, or a user name shaped like a key): then the user
 * name alone is a secret too.
 */
export function injectedSecrets(inject: InjectSpec, secret: string): ScrubbedSecret[] {
  if (inject.type !== "basic") return [{ value: secret, publicPrefix: 0 }];
  const colon = secret.indexOf(":");
  const password = secret.slice(colon + 1);
  const user = secret.slice(0, colon);
  const keyPassword = password.length < 8 || PLACEHOLDER_PASSWORD.test(password);
  // A user name shaped like a key (16 characters or more of letters and digits, no address) is a
  // secret alone whatever stands after it (Wufoo's "footastic").
  const keyUser = keyPassword || (user.length >= 16 && /\d/.test(user) && /[A-Za-z]/.test(user) && !/[@\s]/.test(user));
  const alone = keyUser && user.length >= 4 ? [{ value: user, publicPrefix: 0 }] : [];
  return [{ value: secret, publicPrefix: keyPassword ? 0 : colon + 1 }, ...alone];
}

type SecretLike = string | ScrubbedSecret;

/**
 * The piece of a form's secret part that flags a request as a probe: a quarter of the part, plus
 * one (a start and an end shorter than this together leave half of it unknown); at least `floor`
 * bytes (runFloor: shorter pieces of a password or a numeric key turn up in ordinary requests),
 * at most 12 (a 12-byte piece of a token is never there by chance).
 */
function probeLength(secretPart: number, floor: number): number {
  return Math.min(12, Math.max(floor, Math.ceil(secretPart / 4) + 1));
}

/**
 * The shortest piece of a secret that flags a probe: about 40 bits of it, so that ordinary
 * requests do not hold one by chance — 8 characters of a mixed key or password, 10 of a hex key,
 * 12 of a numeric one (an order id may share 8 digits with a 20-digit key).
 */
function runFloor(secretPart: string): number {
  if (/^\d+$/.test(secretPart)) return 12;
  if (/^[0-9a-f]+$/i.test(secretPart)) return 10;
  return 8;
}

interface Form {
  bytes: Uint8Array;
  /** The same bytes with ASCII letters in lower case: runs are matched regardless of case. */
  folded: Uint8Array;
  /** Where the secret part starts (after the public prefix's spelling). */
  secretFrom: number;
  /**
   * The secret's bytes a run must spell to be the whole secret: all of them (past the public
   * prefix) for a textual form; for base64, those not sharing an encoded group with whatever
   * stands beside the secret ("Bearer " before a token, ":X" after a key), at most two at each end.
   */
  whole: [number, number];
  /** The shortest run of the secret part that flags a probe; Infinity for a part too short for pieces (matched whole, exactly). */
  minRun: number;
  /** Base64, which may be broken into lines: its runs read across CR and LF. */
  wrapped: boolean;
  /** The secret's bytes a run [from, to) of this form spells whole: [first, end), possibly empty. */
  secretBytes(from: number, to: number): [number, number];
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
  /** The most answer bytes a whole secret may take, in a form or in the decoded reading of one (a stream holds this many back). */
  reach: number;
}

/** A spelling applied to one character at a time (every textual form is the concatenation of its characters' spellings). */
type Spell = (char: string) => string | Uint8Array;
const percent = encodeURIComponent;
const formField = (c: string) => new URLSearchParams({ v: c }).toString().slice(2);
const json = (c: string) => JSON.stringify(c).slice(1, -1);
const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** Python's html.escape and React write the apostrophe `&#x27;`; Jinja2 writes both quotes by number. */
const HTML_HEX_APOSTROPHE: Record<string, string> = { ...HTML_ESCAPES, "'": "&#x27;" };
const HTML_NUMBERED_QUOTES: Record<string, string> = { ...HTML_ESCAPES, '"': "&#34;" };
const GO_ESCAPES: Record<string, string> = { "&": "\\u0026", "<": "\\u003c", ">": "\\u003e" };
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** Percent-encoding of RFC 3986 as Python, Go and PHP write it: every byte but the unreserved ones (`*` too). */
const strictPercent = (c: string, keep = "") =>
  Array.from(encoder.encode(c), (b) => {
    const ch = String.fromCharCode(b);
    return UNRESERVED.test(ch) || keep.includes(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
/** JSON with every character past ASCII as its UTF-16 `\u` escapes (Python's json.dumps, Flask). */
const jsonAscii = (c: string) =>
  Array.from(json(c), (ch) =>
    ch.charCodeAt(0) > 0x7e ? Array.from(ch, (u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, "0")}`).join("") : ch,
  ).join("");
/** A character's UTF-16 code units (two for one past the BMP), little- or big-endian. */
function utf16(c: string, little: boolean): Uint8Array {
  const out = new Uint8Array(c.length * 2);
  for (let i = 0; i < c.length; i++) {
    const u = c.charCodeAt(i);
    out[2 * i] = little ? u & 255 : u >> 8;
    out[2 * i + 1] = little ? u >> 8 : u & 255;
  }
  return out;
}
/** A character's UTF-8 bytes read as Latin-1 (a server that reads headers so). */
const latin1Reading = (c: string) => String.fromCharCode(...encoder.encode(c));
/**
 * The textual spellings a secret may take in a response: raw; percent-encoded as a URL component,
 * a URL, a form field (`+` for space, `~!'()*` escaped), twice, and as RFC 3986 has it (Python's
 * quote with and without `/` kept, quote_plus); JSON-escaped, also as Go (`&<>`), PHP (`\/`) and
 * Python (ASCII only) write it; HTML-escaped three ways; the bytes in hex, plain and as `\x` escapes; UTF-16LE and BE; its UTF-8
 * bytes read as Latin-1 (a server that reads headers so, and answers in UTF-8). Hex digits and
 * letters match in either case, as every run does.
 */
const SPELLINGS: Spell[] = [
  (c) => c,
  percent,
  encodeURI,
  formField,
  (c) => percent(percent(c)),
  (c) => strictPercent(c),
  (c) => strictPercent(c, "/"),
  (c) => (c === " " ? "+" : strictPercent(c)),
  json,
  (c) => GO_ESCAPES[c] ?? json(c),
  (c) => json(c).replaceAll("/", "\\/"),
  jsonAscii,
  (c) => HTML_ESCAPES[c] ?? c,
  (c) => HTML_HEX_APOSTROPHE[c] ?? c,
  (c) => HTML_NUMBERED_QUOTES[c] ?? c,
  (c) => Array.from(encoder.encode(c), (b) => b.toString(16).padStart(2, "0")).join(""),
  (c) => Array.from(encoder.encode(c), (b) => `\\x${b.toString(16).padStart(2, "0")}`).join(""),
  (c) => utf16(c, true),
  (c) => utf16(c, false),
  latin1Reading,
  // .NET and Java strings hold the Latin-1 reading of header bytes; written out, they are UTF-16.
  (c) => utf16(latin1Reading(c), true),
];

function textualForm(secret: string, spell: Spell, publicPrefix: number): Omit<Form, "minRun" | "wrapped"> {
  const parts: Uint8Array[] = [];
  // Per byte of the secret: where its character's spelling starts and ends in the form.
  const starts: number[] = [];
  const ends: number[] = [];
  // A key file has few distinct characters: each is spelled once.
  const spelledOf = new Map<string, [Uint8Array, number]>();
  let at = 0;
  let secretFrom = 0;
  let chars = 0;
  for (const char of secret) {
    if (chars === publicPrefix) secretFrom = at;
    chars += char.length;
    let known = spelledOf.get(char);
    if (!known) {
      const spelled = spell(char);
      known = [typeof spelled === "string" ? encoder.encode(spelled) : spelled, encoder.encode(char).length];
      spelledOf.set(char, known);
    }
    const [spelled, width] = known;
    parts.push(spelled);
    for (let k = width; k > 0; k--) {
      starts.push(at);
      ends.push(at + spelled.length);
    }
    at += spelled.length;
  }
  if (chars <= publicPrefix) secretFrom = at;
  const bytes = new Uint8Array(at);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  return {
    bytes,
    folded: bytes.map((b) => FOLD[b] as number),
    secretFrom,
    whole: [encoder.encode(secret.slice(0, publicPrefix)).length, starts.length],
    secretBytes: (from, to) => {
      let first = 0;
      while (first < starts.length && (starts[first] as number) < from) first++;
      let end = first;
      while (end < ends.length && (ends[end] as number) <= to) end++;
      return [first, end];
    },
  };
}

/**
 * Base64 of the secret as it stands after `shift` other bytes (0, 1, 2: "Bearer " + token, a
 * header line, a JSON dump encoded whole put it at any of the three), without the first group
 * when shifted (it holds the other bytes' bits), standard or URL-safe, padded or not.
 */
function base64Forms(secretBytes: Uint8Array, publicBytes: number): Array<Omit<Form, "minRun" | "wrapped">> {
  const out: Array<Omit<Form, "minRun" | "wrapped">> = [];
  for (const shift of [0, 1, 2]) {
    let binary = "\0".repeat(shift);
    for (const b of secretBytes) binary += String.fromCharCode(b);
    const skip = shift === 0 ? 0 : 4;
    const standard = btoa(binary).slice(skip);
    const variants = shift === 0 ? [standard, standard.replace(/=+$/, "")] : [standard.replace(/=+$/, "")];
    variants.push(standard.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""));
    for (const text of variants) {
      const bytes = encoder.encode(text);
      // Character i holds bits [6(i + skip), 6(i + skip) + 6) of the shifted bytes; secret byte b is bits [8(b + shift), 8(b + shift) + 8).
      const bitOf = (i: number) => 6 * (i + skip) - 8 * shift;
      const n = secretBytes.length;
      out.push({
        bytes,
        folded: bytes.map((b) => FOLD[b] as number),
        // The first group holds `shift` other bytes (left out of the form), the last may hold the bytes after the secret.
        whole: [Math.max(publicBytes, shift === 0 ? 0 : 3 - shift), n - ((n + shift) % 3)],
        // A character holds public bits while it starts within the public bytes.
        secretFrom: Math.max(0, Math.min(bytes.length, Math.floor((8 * publicBytes + 8 * shift) / 6) - skip)),
        secretBytes: (from, to) => [Math.max(0, Math.ceil(bitOf(from) / 8)), Math.max(0, Math.min(secretBytes.length, Math.floor(bitOf(to) / 8)))],
      });
    }
  }
  return out;
}

function buildMatcher(secret: ScrubbedSecret): Matcher {
  const publicBytes = encoder.encode(secret.value.slice(0, secret.publicPrefix)).length;
  const spelled = [
    ...SPELLINGS.map((spell) => textualForm(secret.value, spell, secret.publicPrefix)),
    ...base64Forms(encoder.encode(secret.value), publicBytes),
    // .NET's Convert.ToBase64String(Encoding.Unicode.GetBytes(...)), PowerShell's -EncodedCommand;
    // Java's getBytes("UTF-16") and .NET's BigEndianUnicode.
    ...base64Forms(utf16(secret.value, true), 2 * secret.publicPrefix),
    ...base64Forms(utf16(secret.value, false), 2 * secret.publicPrefix),
  ];
  const floor = runFloor(secret.value.slice(secret.publicPrefix));
  const seen = new Set<string>();
  const forms: Form[] = [];
  for (const [k, form] of spelled.entries()) {
    const key = decoder.decode(form.bytes);
    if (form.bytes.length < 4 || seen.has(key)) continue;
    seen.add(key);
    const part = form.bytes.length - form.secretFrom;
    forms.push({ ...form, wrapped: k >= SPELLINGS.length, minRun: part >= floor ? probeLength(part, floor) : Number.POSITIVE_INFINITY });
  }
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
  // A run of wrapped base64 is longer by its line breaks (two bytes per line of 60 or more;
  // indented lines take more, within the hex spelling's twice the secret's length).
  const longest = Math.max(0, ...forms.map((f) => f.bytes.length + (f.wrapped ? 2 * Math.ceil(f.bytes.length / 60) : 0)));
  return {
    forms,
    piece,
    stride: everyOffset ? piece : 1,
    pieces,
    pairs,
    longest,
    // The decoded reading takes up to eight answer bytes per byte of the secret (`&lowbar;`; `%2F`,
    // `\u00c3`, `0x73, `, a hex dump line take fewer), and a line break per line.
    reach: Math.max(longest, READING_BYTES_PER_BYTE * encoder.encode(secret.value).length + 64),
  };
}

/** The most secret-part bytes (over all forms) indexed at every offset; about 100 characters of a secret with symbols, more of a plain one. */
const EVERY_OFFSET_MAX = 4096;

/** What may stand between the lines of wrapped base64: CR, LF, space, tab. */
const BREAK = new Uint8Array(256);
for (const b of [9, 10, 13, 32]) BREAK[b] = 1;

/** ASCII letters in lower case, other bytes as they are. */
const FOLD = Uint8Array.from({ length: 256 }, (_, b) => (b >= 65 && b <= 90 ? b + 32 : b));

/** Folded bytes `data[at, at + length)` as one number (exact up to six bytes). */
function pieceKey(data: Uint8Array, at: number, length: number): number {
  let key = 0;
  for (let k = length - 1; k >= 0; k--) key = key * 256 + (FOLD[data[at + k] as number] as number);
  return key;
}

// The isolate's opened credentials are cached already (vault/credentials.ts); this keeps their
// matchers beside them, bounded, instead of spelling each secret twenty ways per request.
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
export interface Scrubber {
  matchers: readonly Matcher[];
}

/** The scrubber for an answer to a call that injected `secrets` (null when none was). */
export function scrubberFor(secrets: readonly SecretLike[]): Scrubber | null {
  return secrets.length > 0 ? { matchers: secrets.map(matcherOf) } : null;
}

/** How much of each piece the agent sent is read for probes (the audit's flag, not a control). */
const PROBE_READ = 256 * 1024;

/**
 * Whether what the agent sent (its URL, header values, body) holds a long piece of one of
 * `secrets`, raw or in a spelling the matcher knows, also once percent escapes are undone: it
 * knows or is guessing part of a credential it never saw. For the audit only: the agent's answer
 * is the same either way.
 */
export function probeIn(secrets: readonly SecretLike[], agentSent: ReadonlyArray<string | Uint8Array>): boolean {
  if (secrets.length === 0) return false;
  const ms = secrets.map(matcherOf);
  // One text of every piece, a line apart (a piece cannot run into the next), read raw and unescaped.
  const text = agentSent
    .map((piece) => (typeof piece === "string" ? piece : decoder.decode(piece.subarray(0, PROBE_READ))).slice(0, PROBE_READ))
    .join("\n");
  const variants = [encoder.encode(text)];
  if (text.includes("%")) variants.push(encoder.encode(percentDecoded(text, true)));
  return variants.some((v) => ms.some((m) => runsIn(v, m, true, "probe").length > 0));
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
 * The runs of `data` under one matcher: for "redact", each that spells the whole secret past its
 * public prefix (any letter case; base64 less its edge groups, `whole`); for "probe", each whose
 * piece of the secret part reaches the form's `minRun`. A form whose part is too short for pieces
 * is matched whole, exactly, either way. Unless `final`,
 * a run that reaches the end of `data` and could go on in the next chunk is left for then (the
 * stream holds it back).
 */
function runsIn(data: Uint8Array, m: Matcher, final: boolean, purpose: "redact" | "probe"): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  // A form whose secret part is too short for runs is redacted only whole.
  for (const form of m.forms) {
    if (Number.isFinite(form.minRun)) continue;
    const { bytes } = form;
    for (let at = indexOf(data, bytes, 0); at !== -1; at = indexOf(data, bytes, at + bytes.length)) {
      found.push([at, at + bytes.length]);
    }
  }
  if (m.piece === 0) return found;
  // A run already followed from an earlier anchor, by form and alignment, is not followed again;
  // nor is a stretch already covered by a secret found (a degenerate one would follow every anchor;
  // a secret overlapping it that goes on past it by less than two pieces is missed, and is a piece).
  const followed = new Map<number, number>();
  let covered = 0;
  const { piece, stride, pieces, pairs, forms } = m;
  for (let i = 0; i + piece <= data.length; i += stride) {
    if (i < covered) continue;
    const pair = (FOLD[data[i] as number] as number) | ((FOLD[data[i + 1] as number] as number) << 8);
    if (((pairs[pair >> 3] as number) & (1 << (pair & 7))) === 0) continue;
    const anchors = pieces.get(pieceKey(data, i, piece));
    if (!anchors) continue;
    for (const [f, j] of anchors) {
      const alignment = (i - j) * forms.length + f;
      if ((followed.get(alignment) ?? -1) > i) continue;
      const form = forms[f] as Form;
      const bytes = form.folded;
      let start = i;
      let from = j;
      let end = i + piece;
      let to = j + piece;
      let reachedEnd: boolean;
      if (!form.wrapped) {
        while (start > 0 && from > 0 && FOLD[data[start - 1] as number] === bytes[from - 1]) {
          start--;
          from--;
        }
        while (end < data.length && to < bytes.length && FOLD[data[end] as number] === bytes[to]) {
          end++;
          to++;
        }
        reachedEnd = end === data.length;
      } else {
        // Base64 may be broken into lines (MIME, PEM), folded or indented: its runs read across
        // CR, LF, spaces and tabs.
        while (start > 0 && from > 0) {
          const b = data[start - 1] as number;
          if (BREAK[b]) start--;
          else if (FOLD[b] === bytes[from - 1]) {
            start--;
            from--;
          } else break;
        }
        while (start < i && BREAK[data[start] as number]) start++;
        while (end < data.length && to < bytes.length) {
          const b = data[end] as number;
          if (BREAK[b]) end++;
          else if (FOLD[b] === bytes[to]) {
            end++;
            to++;
          } else break;
        }
        reachedEnd = end === data.length;
        while (end > i + piece && BREAK[data[end - 1] as number]) end--;
      }
      followed.set(alignment, end);
      if (!final && reachedEnd && to < bytes.length) continue;
      const spelled = to - Math.max(from, form.secretFrom);
      // Cheap bounds first: a probe's piece; the secret part less a base64 group's characters at each end.
      if (purpose === "probe" ? spelled < form.minRun : spelled < form.bytes.length - form.secretFrom - 8) continue;
      if (purpose === "redact") {
        const [first, last] = form.secretBytes(from, to);
        if (first > form.whole[0] || last < form.whole[1]) continue;
      }
      found.push([start, end]);
      covered = Math.max(covered, end);
    }
  }
  return found;
}

/**
 * The byte ranges of `data` to redact (whole secrets) under every matcher, merged: as the answer
 * stands, and as its reader decodes it (decoded-view.ts), each run found there widened to the
 * escapes it came from.
 */
function redactions(data: Uint8Array, scrubber: Scrubber, final: boolean): Array<[number, number]> {
  const found = scrubber.matchers.flatMap((m) => runsIn(data, m, final, "redact"));
  const view = decodedView(data, false);
  const inView = view ? scrubber.matchers.flatMap((m) => runsIn(view.bytes, m, final, "redact")) : [];
  if (inView.length > 0) {
    const { start, end } = decodedView(data, true) as NonNullable<typeof view>;
    for (const [s, e] of inView) found.push([start[s] as number, end[e - 1] as number]);
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

/** A whole body with every form of the secrets replaced (StreamScrubber for a stream). */
export function scrubBytes(data: Uint8Array, scrubber: Scrubber): Uint8Array {
  return replaced(data, redactions(data, scrubber, true));
}

/** The same for a text (an error message, a tool's result). */
export function scrubText(text: string, secrets: readonly SecretLike[]): string {
  const scrubber = scrubberFor(secrets);
  if (!scrubber) return text;
  const bytes = encoder.encode(text);
  const ranges = redactions(bytes, scrubber, true);
  if (ranges.length === 0) return text;
  // Cut the text itself at the ranges' characters, so what is kept stays as it was (a lone surrogate too).
  const indexAt = new Map<number, number>();
  let offset = 0;
  let index = 0;
  for (const char of text) {
    indexAt.set(offset, index);
    const code = char.codePointAt(0) as number;
    offset += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    index += char.length;
  }
  indexAt.set(offset, index);
  // A range's ends fall on a character's first byte, or inside one: widened to the whole character.
  const startOf = (b: number) => {
    while (!indexAt.has(b)) b--;
    return indexAt.get(b) as number;
  };
  const endOf = (b: number) => {
    while (!indexAt.has(b)) b++;
    return indexAt.get(b) as number;
  };
  let out = "";
  let from = 0;
  for (const [s, e] of ranges) {
    out += `${text.slice(from, startOf(s))}[REDACTED]`;
    from = endOf(e);
  }
  return out + text.slice(from);
}

/** The most bytes a stream waits for before it reads its hold again. */
const BATCH_MAX = 4096;

/** Answer bytes per byte of a secret the decoded reading may undo (`&lowbar;` for `_`). */
const READING_BYTES_PER_BYTE = 8;

/**
 * Scrubs a body read chunk by chunk, even where a secret straddles two chunks: it holds back only
 * the longest form's length (no run is longer), so the answer still streams.
 */
export class StreamScrubber {
  readonly #scrubber: Scrubber;
  readonly #hold: number;
  /** New bytes read before the held ones are read again: small chunks do not each re-read the hold. */
  readonly #batch: number;
  #pending = new Uint8Array(0);

  constructor(scrubber: Scrubber) {
    this.#scrubber = scrubber;
    this.#hold = Math.max(0, ...scrubber.matchers.map((m) => m.reach));
    this.#batch = Math.min(BATCH_MAX, Math.ceil(this.#hold / 2));
  }

  /** The clean bytes that can go out now (possibly none). */
  push(chunk: Uint8Array): Uint8Array {
    const joined = new Uint8Array(this.#pending.length + chunk.length);
    joined.set(this.#pending);
    joined.set(chunk, this.#pending.length);
    // Nothing can go out before more than `hold` bytes are held; the hold is read again once a
    // batch more has come (each byte is read about three times, not once per small chunk).
    if (joined.length < this.#hold + this.#batch) {
      this.#pending = joined;
      return joined.subarray(0, 0);
    }
    const ranges = redactions(joined, this.#scrubber, false);
    // Held back: the last `hold` bytes, less any redaction that starts before them (it goes out whole).
    let emit = joined.length - this.#hold;
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
    return this.#pending.length ? scrubBytes(this.#pending, this.#scrubber) : null;
  }
}

/** Header values holding a secret are replaced outright; a header whose name holds one is dropped. */
export function scrubHeaders(headers: Headers, scrubber: Scrubber): Headers {
  const out = new Headers();
  const holds = (text: string) => redactions(encoder.encode(text), scrubber, true).length > 0;
  headers.forEach((value, name) => {
    if (!holds(name)) out.append(name, holds(value) ? "[REDACTED]" : value);
  });
  return out;
}
