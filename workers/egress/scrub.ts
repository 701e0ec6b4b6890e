// Removes injected secrets from whatever comes back: an upstream that echoes request headers
// (debug endpoints, reflection bugs) must not hand the agent the credential it never saw.
const encoder = new TextEncoder();
export const SCRUBBED = encoder.encode("[REDACTED]");

/**
 * The byte forms a secret may take in a response: raw; percent-encoded as a URL component, a
 * URL and a form field (`+` for space, `~!'()*` escaped); base64 and base64url (as sent for
 * basic auth, or re-encoded by an echoing server); and JSON-escaped.
 */
export function secretForms(secret: string): Uint8Array[] {
  return formsOf(secret).bytes;
}

/** The same forms as text (header values, error messages). */
function secretTextForms(secret: string): string[] {
  return formsOf(secret).text;
}

// The isolate's opened credentials are cached already (vault/credentials.ts); this keeps their
// scrub forms beside them, bounded, instead of re-encoding each secret eight ways per request.
const FORMS_CACHE_MAX = 256;
const formsCache = new Map<string, { bytes: Uint8Array[]; text: string[] }>();

function formsOf(secret: string): { bytes: Uint8Array[]; text: string[] } {
  const known = formsCache.get(secret);
  if (known) return known;
  const bytes = computeSecretForms(secret);
  const decoder = new TextDecoder();
  const forms = { bytes, text: bytes.map((f) => decoder.decode(f)) };
  if (formsCache.size >= FORMS_CACHE_MAX) formsCache.clear();
  formsCache.set(secret, forms);
  return forms;
}

function computeSecretForms(secret: string): Uint8Array[] {
  let binary = "";
  for (const b of encoder.encode(secret)) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    encodeURI(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    base64,
    base64.replace(/=+$/, ""),
    base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""),
    JSON.stringify(secret).slice(1, -1),
  ]);
  return [...forms].filter((f) => f.length >= 4).map((f) => encoder.encode(f));
}

/** Replaces every form of the secrets (raw, URL-encoded, basic-auth base64) in a text. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secrets.flatMap(secretTextForms)) out = out.split(form).join("[REDACTED]");
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = hay.indexOf(first ?? 0, from); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first ?? 0, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Replaces every occurrence of any needle in `data`, returning the new bytes (a whole body; StreamScrubber for a stream). */
export function scrubBytes(data: Uint8Array, needles: Uint8Array[]): Uint8Array {
  let current = data;
  for (const needle of needles) {
    let at = indexOf(current, needle, 0);
    if (at === -1) continue;
    const parts: Uint8Array[] = [];
    let start = 0;
    while (at !== -1) {
      parts.push(current.subarray(start, at), SCRUBBED);
      start = at + needle.length;
      at = indexOf(current, needle, start);
    }
    parts.push(current.subarray(start));
    const size = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(size);
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    current = out;
  }
  return current;
}

/**
 * Scrubs secrets from a body read chunk by chunk, even when one straddles two chunks: it holds
 * back only (longest needle - 1) bytes, so the answer still streams.
 */
export class StreamScrubber {
  readonly #needles: Uint8Array[];
  readonly #hold: number;
  #pending = new Uint8Array(0);

  constructor(needles: Uint8Array[]) {
    this.#needles = needles;
    this.#hold = Math.max(0, ...needles.map((n) => n.length)) - 1;
  }

  /** The clean bytes that can go out now (possibly none). */
  push(chunk: Uint8Array): Uint8Array {
    const joined = new Uint8Array(this.#pending.length + chunk.length);
    joined.set(this.#pending);
    joined.set(chunk, this.#pending.length);
    const clean = scrubBytes(joined, this.#needles);
    const emit = Math.max(0, clean.length - this.#hold);
    this.#pending = clean.slice(emit);
    return clean.subarray(0, emit);
  }

  /** What was held back, scrubbed, once the body has ended. */
  flush(): Uint8Array | null {
    return this.#pending.length ? scrubBytes(this.#pending, this.#needles) : null;
  }
}

/** Header values that contain a secret are replaced outright. */
export function scrubHeaders(headers: Headers, secrets: string[]): Headers {
  const out = new Headers();
  const forms = secrets.flatMap(secretTextForms);
  headers.forEach((value, name) => {
    out.append(name, forms.some((f) => value.includes(f)) ? "[REDACTED]" : value);
  });
  return out;
}
