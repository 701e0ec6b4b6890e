// Text inside HTML ("<li>Contact: <strong>Gail Thornbury</strong></li>", "<b>Hannah</b>: I'll push
// the fix"): element tags glue a name to markup, and a line of tags reads as code to the technical
// gate, so names between them were never read. Entities are read on the text as a browser shows it:
// inline tags dropped, block tags a line break, and the values of the attributes people write prose
// into (alt, title, aria-label…) on lines of their own. Offsets map back to the text as sent; the
// pattern detectors read that text itself.

const INLINE = "a|abbr|b|bdi|cite|code|del|em|font|i|ins|kbd|label|mark|q|s|small|span|strike|strong|sub|sup|time|tt|u|var";
const BLOCK =
  "address|article|aside|blockquote|body|br|button|caption|center|dd|details|div|dl|dt|figcaption|figure|footer|form|h[1-6]|head|header|hr|html|img|input|legend|li|main|meta|nav|ol|option|p|pre|section|select|summary|table|tbody|td|textarea|tfoot|th|thead|title|tr|ul";
// The attributes' run is bounded and holds no angle bracket: each tag is read once, whatever follows.
// Other angle brackets (generics, `<ingrid>` in an IRC log, `<name>` in XML) are text.
const ELEMENT_TAG = new RegExp(`</?(?:(${INLINE})|${BLOCK})(?=[\\s/>])[^<>]{0,600}>`, "giu");
/**
 * Attributes whose value is prose a person wrote or a form's filled-in value, which may name someone
 * ("Photo of Gail Thornbury"); not a meta tag's content (a generator's or viewport's settings).
 */
const PROSE_ATTRIBUTE = /(?<![\w-])(?:alt|title|aria-label|placeholder|label|value)\s*=\s*(["'])([^"'<>]*)\1/giu;

/** Text as shown, and for each of its characters (and its end) the offset in the text as sent. */
export interface Shown {
  text: string;
  at: Int32Array;
}

/** The text of `sent` as shown, or null when it holds no HTML element tag. */
export function markupShown(sent: string): Shown | null {
  if (!sent.includes("<")) return null;
  ELEMENT_TAG.lastIndex = 0;
  if (!ELEMENT_TAG.test(sent)) return null;
  const parts: string[] = [];
  const at: number[] = [];
  const keep = (from: number, to: number) => {
    parts.push(sent.slice(from, to));
    for (let i = from; i < to; i++) at.push(i);
  };
  let last = 0;
  ELEMENT_TAG.lastIndex = 0;
  for (let m = ELEMENT_TAG.exec(sent); m; m = ELEMENT_TAG.exec(sent)) {
    keep(last, m.index);
    last = m.index + m[0].length;
    const inline = m[1] !== undefined;
    PROSE_ATTRIBUTE.lastIndex = 0;
    let prose = false;
    for (let a = PROSE_ATTRIBUTE.exec(m[0]); a; a = PROSE_ATTRIBUTE.exec(m[0])) {
      const value = a[2] ?? "";
      if (!/\p{L}/u.test(value)) continue;
      const from = m.index + a.index + a[0].length - 1 - value.length;
      parts.push("\n");
      at.push(from);
      keep(from, from + value.length);
      prose = true;
    }
    if (!inline || prose) {
      parts.push("\n");
      // Offsets stay in order (a binary search reads them): after an attribute, the tag's last character.
      at.push(prose ? m.index + m[0].length - 1 : m.index);
    }
  }
  keep(last, sent.length);
  at.push(sent.length);
  return { text: parts.join(""), at: Int32Array.from(at) };
}

/** The shown offset of sent offset `offset`: the first shown character at or after it. */
export function shownOffset(shown: Shown, offset: number): number {
  let lo = 0;
  let hi = shown.at.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((shown.at[mid] ?? 0) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
