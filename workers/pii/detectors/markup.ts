// Text inside HTML ("<li>Contact: <strong>Gail Thornbury</strong></li>", "<b>Hannah</b>: I'll push
// the fix"): element tags glue a name to markup, and a line of tags reads as code to the technical
// gate, so names between them were never read. Entities are read on the text as a browser shows it:
// inline tags and comments dropped, block tags a line break, source line breaks a space (in a
// document with block tags). What a tag holds is still read, after the text: its attributes as
// written, one line per tag, and the values of the attributes people write prose into (alt,
// title…) on lines of their own, so a tooltip never joins the words it sits between. Offsets map
// back to the text as sent; the pattern detectors read that text itself.

const INLINE =
  "a|abbr|b|bdi|bdo|big|cite|code|data|del|dfn|em|font|i|ins|kbd|label|mark|nobr|q|rp|rt|ruby|s|samp|small|span|strike|strong|sub|sup|time|tt|u|var|wbr";
const BLOCK =
  "address|article|aside|blockquote|body|br|button|caption|center|dd|details|div|dl|dt|figcaption|figure|footer|form|h[1-6]|head|header|hr|html|img|input|legend|li|main|meta|nav|ol|option|p|pre|section|select|summary|table|tbody|td|textarea|tfoot|th|thead|title|tr|ul";
/** A custom element ("<user-card>"): inline, as a browser lays out an unknown element. */
const CUSTOM = "[a-z][a-z0-9]*-[a-z0-9-]+";
/**
 * An attribute as HTML writes it: a name, maybe `=` and a quoted or bare value. Tags are read by
 * this grammar, so prose with a stray "<b " and a later "=>" is no tag; every part is bounded, so
 * an unclosed quote costs one bounded scan.
 */
const ATTRIBUTE = `\\s+[^\\s"'<>/=]{1,64}(?:\\s*=\\s*(?:"[^"]{0,2000}"|'[^']{0,2000}'|[^\\s"'<>=\`]{1,2000}))?`;
// Groups: 1 an inline element's name, 2 a closing tag's mark, 3 the attributes.
const ELEMENT_TAG = new RegExp(`<(/)?(?:(${INLINE}|${CUSTOM})|(?:${BLOCK}))((?:${ATTRIBUTE}){0,64})\\s*/?>|<!--`, "giu");
/** A tag an IRC log writes its speaker in: "[12:03] <mark> …", "12:01 <del> …". */
const SPEAKER_BEFORE = /(?:^|\n)[ \t]*(?:\[[^\]\n]{1,24}\]|\d{1,2}:\d{2}(?::\d{2})?)[ \t]+$/u;
/** Attributes whose value is prose a person wrote or a form's filled-in value ("Photo of Gail Thornbury"). */
const PROSE_ATTRIBUTE = /(?<![\w-])(?:alt|title|aria-label|placeholder|label|value)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+))/giu;
const BLOCK_TAG = new RegExp(`<(?:${BLOCK})[\\s/>]`, "iu");
/** The name of an element this reading drops or breaks at: a line opening on one is markup, not an IRC speaker. */
export const HTML_ELEMENT = new RegExp(`^(?:${INLINE}|${BLOCK})$`, "iu");
const SOURCE_BREAK = /[\r\n\t]/g;
const CUT_TAG = /<\/?[A-Za-z][\w-]{0,30}(?:\s[^<>]{0,600})?$/u;

/** Text as shown, and for each of its characters (and its end) the offset in the text as sent. */
export interface Shown {
  text: string;
  at: Int32Array;
  /** 1 where the shown text has a line break of its own (between blocks, around a tag's attributes). */
  made: Uint8Array;
}

/** The text of `sent` as shown, or null when it holds no HTML element tag. */
export function markupShown(sent: string): Shown | null {
  if (!sent.includes("<")) return null;
  ELEMENT_TAG.lastIndex = 0;
  if (!ELEMENT_TAG.test(sent)) return null;
  // A document with blocks breaks its source lines anywhere: a browser shows them as spaces.
  const layout = BLOCK_TAG.test(sent);
  const parts: string[] = [];
  const at: number[] = [];
  const made: number[] = [];
  const after: Array<[number, number]> = [];
  const keep = (from: number, to: number, text = sent.slice(from, to)) => {
    parts.push(text);
    for (let i = from; i < to; i++) {
      at.push(i);
      made.push(0);
    }
  };
  const lineBreak = (offset: number) => {
    parts.push("\n");
    at.push(offset);
    made.push(1);
  };
  const text = (from: number, to: number) => keep(from, to, layout ? sent.slice(from, to).replace(SOURCE_BREAK, " ") : undefined);
  let last = 0;
  ELEMENT_TAG.lastIndex = 0;
  for (let m = ELEMENT_TAG.exec(sent); m; m = ELEMENT_TAG.exec(sent)) {
    if (m[0] === "<!--") {
      // A comment is dropped up to its end; one left open runs to the end of the text.
      const close = sent.indexOf("-->", m.index + 4);
      text(last, m.index);
      last = close < 0 ? sent.length : close + 3;
      ELEMENT_TAG.lastIndex = last;
      if (close < 0) break;
      continue;
    }
    const inline = m[2] !== undefined;
    // An IRC speaker in angle brackets is the log's text, whatever word it is ("<mark> did it deploy?").
    if (inline && m[1] === undefined && m[3] === "" && SPEAKER_BEFORE.test(sent.slice(Math.max(0, m.index - 32), m.index))) continue;
    text(last, m.index);
    last = m.index + m[0].length;
    if (!inline) lineBreak(m.index);
    if (/\S/u.test(m[3] ?? "")) after.push([m.index, last]);
  }
  // A tag cut off at the end of the text ("…Gail Thornbury<b") is markup, not part of the last word.
  const cut = CUT_TAG.exec(sent.slice(Math.max(last, sent.length - 700)));
  text(last, cut ? sent.length - cut[0].length : sent.length);
  for (const [start, end] of after) {
    const tag = sent.slice(start, end);
    const name = tag.search(/[\s/>]/u);
    // The attributes as written (read as before this reading of markup), then each prose value alone.
    lineBreak(start);
    keep(start + name, end - 1);
    PROSE_ATTRIBUTE.lastIndex = 0;
    for (let a = PROSE_ATTRIBUTE.exec(tag); a; a = PROSE_ATTRIBUTE.exec(tag)) {
      const value = a[1] ?? a[2] ?? a[3] ?? "";
      if (!/\p{L}/u.test(value)) continue;
      const from = start + a.index + a[0].length - value.length - (a[3] === undefined ? 1 : 0);
      lineBreak(from);
      keep(from, from + value.length);
    }
  }
  at.push(sent.length);
  made.push(1);
  return { text: parts.join(""), at: Int32Array.from(at), made: Uint8Array.from(made) };
}

/**
 * The spans of the text as sent that shown span [start, end) covers: one per run between the
 * shown text's own line breaks, so a span never joins a tag's attribute to the text beside it.
 */
export function sentSpans(shown: Shown, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = -1;
  for (let i = start; i <= end; i++) {
    if (i < end && !shown.made[i]) {
      if (from < 0) from = i;
      continue;
    }
    if (from >= 0) out.push([shown.at[from] ?? 0, (shown.at[i - 1] ?? 0) + 1]);
    from = -1;
  }
  return out;
}

/** Shown offsets of sent offsets (the first shown character at or after each), for the pattern detectors' spans. */
export function shownOffsets(shown: Shown, sentLength: number): Int32Array {
  const shownAt = new Int32Array(sentLength + 1).fill(-1);
  for (let i = 0; i < shown.at.length; i++) {
    const offset = shown.at[i] ?? 0;
    if (!shown.made[i] && (shownAt[offset] ?? -1) < 0) shownAt[offset] = i;
  }
  shownAt[sentLength] = shown.text.length;
  for (let p = sentLength - 1; p >= 0; p--) if ((shownAt[p] ?? -1) < 0) shownAt[p] = shownAt[p + 1] ?? shown.text.length;
  return shownAt;
}

/**
 * The markup a value may be cut by, as a browser or a Markdown renderer shows it: what the
 * pattern detectors read besides the text as sent ("4111 1111 <span>1111</span> 1111",
 * "<b>alice</b>@example.com", "11<!-- x -->11", "4111 1111 1111 11**11**"). Read the way an HTML
 * tokeniser reads: any element name (custom, namespaced or unknown elements are inline), quoted
 * attribute values that hold ">" or "<", every comment form and bogus comments (`<!x>`, `<?x?>`,
 * `</>`); a block element or `<br>` is a line break. In Markdown, emphasis and code marks that
 * touch a letter or digit are dropped.
 */
export interface MarkupFree {
  text: string;
  /** For each character of `text`, its offset in the text as sent. */
  at: Int32Array;
}

/** Elements a browser breaks the line at; images, buttons and form fields sit on the line like words. */
const BREAKING =
  /^(?:address|article|aside|blockquote|body|br|caption|center|dd|details|div|dl|dt|figcaption|figure|footer|form|h[1-6]|head|header|hr|html|legend|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|title|tr|ul)$/iu;
/** What may follow the "<" of a tag, comment or bogus comment. */
const TAG_OPENER = /^[a-z!?/]$/iu;
/** Longest tag read as one (attributes included): past it a "<" is text. */
const TAG_MAX = 4096;
const ALNUM = /[\p{L}\p{N}]/u;

/** Where markup stands in `text` (tags, comments, Markdown marks touching a word): [start, end) spans, at most `max` + 1 of them. */
export function markupAt(text: string, max: number): Array<[number, number]> {
  const at: Array<[number, number]> = [];
  MARKUP_START.lastIndex = 0;
  for (let m = MARKUP_START.exec(text); m && at.length <= max; m = MARKUP_START.exec(text)) {
    const end = markupEnd(text, m.index);
    if (end > m.index) {
      at.push([m.index, end]);
      MARKUP_START.lastIndex = end;
    }
  }
  return at;
}

/** Where markup may open: a "<" before what a tag, comment or bogus comment opens on, or a run of one to three Markdown marks. */
const MARKUP_START = /<[a-zA-Z!?/]|(?<![*~`])[*~`]{1,3}(?![*~`])/g;

/** End of the markup opening at `text[i]`, or -1. */
function markupEnd(text: string, i: number): number {
  return text.charCodeAt(i) === 60 ? tagEnd(text, i) : markdownMarkAt(text, i);
}

/**
 * `text` without its markup (see MarkupFree). `supApart`: a superscript or subscript element is
 * read as a blank (a footnote mark beside a value), not glued to the value.
 */
export function markupFree(text: string, supApart = false): MarkupFree {
  // Each character shown stands for one or more sent: the offsets fit in the text's length.
  const at = new Int32Array(text.length);
  let n = 0;
  const parts: string[] = [];
  const keep = (from: number, to: number) => {
    parts.push(text.slice(from, to));
    for (let k = from; k < to; k++) at[n++] = k;
  };
  let last = 0;
  MARKUP_START.lastIndex = 0;
  for (let m = MARKUP_START.exec(text); m; m = MARKUP_START.exec(text)) {
    const i = m.index;
    let end = markupEnd(text, i);
    if (end <= i) continue;
    let shown = "";
    if (text.charCodeAt(i) === 60) {
      const name = tagName(text, i);
      if (supApart && (name === "sup" || name === "sub") && text[i + 1] !== "/") {
        // The element and what it holds, up to its closing tag, stand apart as one blank.
        const close = text.slice(end, end + 24).search(name === "sup" ? SUP_CLOSE : SUB_CLOSE);
        if (close >= 0) end = tagEnd(text, end + close);
        shown = " ";
      } else if (name !== null && BREAKING.test(name)) shown = "\n";
    }
    keep(last, i);
    if (shown) {
      parts.push(shown);
      at[n++] = i;
    }
    last = end;
    MARKUP_START.lastIndex = end;
  }
  keep(last, text.length);
  return { text: parts.join(""), at: at.subarray(0, n) };
}
const SUP_CLOSE = /<\/sup\s*>/iu;
const SUB_CLOSE = /<\/sub\s*>/iu;

/** The lower-case name of the element tag at `i` ("<b …>", "</b>"), null for a comment or a bogus one. */
function tagName(text: string, i: number): string | null {
  const m = /^<\/?([a-z][^\s/>]*)/iu.exec(text.slice(i, i + 64));
  return m ? (m[1] ?? "").toLowerCase() : null;
}

/** End of the tag, comment or bogus comment opening at `text[i]` ("<"), or -1 when none opens there. */
function tagEnd(text: string, i: number): number {
  const next = text[i + 1] ?? "";
  // Most "<" in prose and code open nothing ("a < b", "<<", "<3"): one look at the next character.
  if (!TAG_OPENER.test(next)) return -1;
  if (text.startsWith("<!--", i)) {
    // "<!-->" and "<!--->" are whole (empty) comments; otherwise up to "-->" or "--!>"; one left open runs to the end.
    if (text[i + 4] === ">") return i + 5;
    if (text.startsWith("->", i + 4)) return i + 6;
    const close = /--!?>/g;
    close.lastIndex = i + 4;
    const m = close.exec(text);
    return m ? m.index + m[0].length : text.length;
  }
  // A bogus comment ("<!x>", "<?x?>", "<![CDATA[…]]>", "</ x>") runs to the next ">"; "</>" is dropped.
  if (next === "!" || next === "?" || (next === "/" && !/[a-z]/iu.test(text[i + 2] ?? ""))) {
    const close = text.indexOf(">", i + 2);
    return close >= 0 && close - i <= TAG_MAX ? close + 1 : -1;
  }
  const nameAt = next === "/" ? i + 2 : i + 1;
  if (!/[a-z]/iu.test(text[nameAt] ?? "")) return -1;
  // The name, then attributes: quoted values may hold ">" and "<".
  let k = nameAt;
  const limit = Math.min(text.length, i + TAG_MAX);
  while (k < limit) {
    const ch = text[k] ?? "";
    if (ch === ">") return k + 1;
    if (ch === '"' || ch === "'") {
      // A quote opens a value only after "="; elsewhere it is part of a name.
      if (/=\s*$/u.test(text.slice(Math.max(nameAt, k - 8), k))) {
        const close = text.indexOf(ch, k + 1);
        if (close < 0 || close >= limit) return -1;
        k = close + 1;
        continue;
      }
    }
    // A "<" outside a quoted value: the text before was no tag ("a<b && c<d").
    if (ch === "<") return -1;
    k++;
  }
  return -1;
}

/** End of the Markdown marks opening at `text[i]` (a run of one to three), or -1: they must touch a letter or digit on one side. */
function markdownMarkAt(text: string, i: number): number {
  let end = i;
  while (end < text.length && end - i < 3 && MARK.has(text.charCodeAt(end))) end++;
  if (MARK.has(text.charCodeAt(end)) || MARK.has(text.charCodeAt(i - 1))) return -1;
  return ALNUM.test(text[i - 1] ?? "") || ALNUM.test(text[end] ?? "") ? end : -1;
}
/** "*", "~" and "`". */
const MARK = new Set([42, 126, 96]);
