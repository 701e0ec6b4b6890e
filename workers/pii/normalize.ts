// Detection copy of a text: invisible/format characters removed and NFKC applied, with a map
// from every normalised offset back to the original so masking replaces the right span.

/** Zero-width, bidi, soft hyphen, word joiners, BOM, variation selectors, tags, fillers. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists invisible code points one by one on purpose
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0]|\uDB40[\uDC00-\uDDEF]/u;
const NEEDS_WORK = /[^\x00-\x7F]/g;
const COMBINING = /\p{M}/u;

export interface NormalizedText {
  text: string;
  /** Original start of normalised unit i; undefined when the text is unchanged. */
  starts: Int32Array | undefined;
  /** Original end (exclusive) of the cluster normalised unit i came from. */
  ends: Int32Array | undefined;
}

export function normalize(original: string): NormalizedText {
  NEEDS_WORK.lastIndex = 0;
  if (!NEEDS_WORK.test(original)) return { text: original, starts: undefined, ends: undefined };
  // NFKC never expands a cluster beyond 18 units; size generously and trim at the end.
  let cap = original.length + 64;
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  const parts: string[] = [];
  let n = 0;
  const ensure = (extra: number) => {
    if (n + extra <= cap) return;
    cap = Math.max(cap * 2, n + extra);
    const s = new Int32Array(cap);
    s.set(starts);
    starts = s;
    const e = new Int32Array(cap);
    e.set(ends);
    ends = e;
  };
  let i = 0;
  const len = original.length;
  NEEDS_WORK.lastIndex = 0;
  while (i < len) {
    NEEDS_WORK.lastIndex = i;
    const m = NEEDS_WORK.exec(original);
    const next = m ? m.index : len;
    if (next > i) {
      ensure(next - i);
      parts.push(original.slice(i, next));
      for (let k = i; k < next; k++) {
        starts[n] = k;
        ends[n] = k + 1;
        n++;
      }
      i = next;
    }
    if (!m) break;
    // One cluster: a code point plus the combining marks that follow it.
    const cp = original.codePointAt(i) ?? 0;
    let j = i + (cp > 0xffff ? 2 : 1);
    const first = original.slice(i, j);
    if (INVISIBLE.test(first)) {
      i = j;
      continue;
    }
    while (j < len) {
      const c = original.codePointAt(j) ?? 0;
      const ch = String.fromCodePoint(c);
      if (!COMBINING.test(ch) && !INVISIBLE.test(ch)) break;
      j += ch.length;
    }
    const cluster = original.slice(i, j).replace(new RegExp(INVISIBLE.source, "gu"), "");
    const out = cluster.normalize("NFKC");
    ensure(out.length);
    parts.push(out);
    for (let k = 0; k < out.length; k++) {
      starts[n] = i;
      ends[n] = j;
      n++;
    }
    i = j;
  }
  return { text: parts.join(""), starts: starts.subarray(0, n), ends: ends.subarray(0, n) };
}

/** Maps a normalised span [start, end) back to the original text. */
export function toOriginal(norm: NormalizedText, start: number, end: number, originalLength: number): [number, number] {
  if (!norm.starts || !norm.ends) return [start, end];
  const s = start < norm.starts.length ? (norm.starts[start] ?? originalLength) : originalLength;
  const e = end > 0 ? (norm.ends[end - 1] ?? originalLength) : 0;
  return [s, Math.max(s, e)];
}
