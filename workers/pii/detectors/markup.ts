// Text inside HTML ("<li>Contact: <strong>Gail Thornbury</strong></li>", "<b>Hannah</b>: I'll push
// the fix"): element tags glue a name to markup, and a line of tags reads as code to the technical
// gate, so names between them were never read. Entities are read on the text as a browser shows it:
// inline tags and comments dropped, block tags a line break, source line breaks a space (in a
// document with block tags). What a tag holds is still read, after the text: its attributes as
// written, one line per tag, and the values of the attributes people write prose into (alt,
// title…) on lines of their own, so a tooltip never joins the words it sits between. Offsets map
// back to the text as sent; the pattern detectors read that text itself.

import { PiiBudgetError } from "../errors.js";
import { readReference } from "../references.js";

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
 * "<b>alice</b>@example.com", "11<!-- x -->11", "4111 1111 1111 11**11**", "alice\@example.com").
 * Tags are read the way an HTML tokeniser reads them: any element name (custom, namespaced or
 * unknown elements are inline), attribute names and unquoted values that hold "<", quoted values
 * that hold ">", every comment form and bogus comments (`<!x>`, `<?x?>`, `</>`); a block element
 * or `<br>` is a line break. Markdown: emphasis, strike-through and code marks that touch a letter
 * or digit (not "*" between two numbers, a product, nor "_" inside a word), backslash escapes and
 * the brackets and targets of links ("[alice](…)@example.com"). Every scan is linear in the text:
 * a tag that never ends rules out every tag after its "<".
 */
export interface MarkupFree {
  text: string;
  /** For each character of `text`, its offset in the text as sent. */
  at: Int32Array;
}

/**
 * How footnote marks (`<sup>`, `<sub>`) and hidden elements (`hidden`, `display:none`, `<script>`,
 * `<style>`, `<template>`) are read: "glued", their text kept as it stands beside the value (what a
 * model reading the source sees); "apart", a footnote a blank and hidden text gone; "dropped",
 * both gone (what a browser shows of "111<sup>2</sup>1" read without the mark, "111<span hidden>9</span>1").
 */
export type Footnotes = "glued" | "apart" | "dropped";

/**
 * Whether `text` holds footnote marks or hidden elements, so its "apart" and "dropped" readings may
 * differ from the glued one: a quick test, then every tag's opening as the tokeniser reads it (a
 * superset of the tags markupFree reads, which skips those inside other markup).
 */
export function holdsFootnotesOrHidden(text: string, selectors: HiddenSelectors | null = null, orDoubtful = true): boolean {
  if (!FOOTNOTE_OR_HIDDEN.test(text) && !(selectors && (selectors.anyTag ? text.includes("<") : CLASS_OR_ID.test(text)))) return false;
  if (text.includes("[^")) return true;
  const scan = new MarkupScan(text);
  // A "<" inside a tag read whole is no tag: the scan goes on after it (each was read again to the far ">": 36 KB took 40 s).
  for (let lt = text.indexOf("<"); lt >= 0; ) {
    const end = scan.markupEnd(lt, 1);
    if (end <= lt) {
      lt = text.indexOf("<", lt + 1);
      continue;
    }
    const name = text[lt + 1] === "/" ? null : tagName(text, lt);
    if (
      name !== null &&
      (name === "sup" || name === "sub" || HIDDEN_ELEMENT.test(name) || hidingTag(text.slice(lt, end), 1 + name.length, name, selectors))
    )
      return true;
    // A tag's start inside it is read as the tokeniser reads it (text of a value), but the element around it may be raw
    // text to a browser, whose tag a value's quote then swallows ("<textarea>…\"</textarea>…<span hidden>"): doubtful,
    // so the other readings are made (they cost time, never a value).
    // Asked whether a hidden element stands inside one value (`orDoubtful` false), such a tag is only a tag.
    const inner = orDoubtful ? text.indexOf("<", lt + 1) : -1;
    if (inner >= 0 && inner < end && TAG_START.test(text.slice(inner, inner + 2))) return true;
    lt = text.indexOf("<", end);
  }
  return false;
}
/**
 * A superset of what the dropped readings drop, read without parsing: a footnote reference, an
 * element that hides its content, or the words "hidden" and "style" anywhere (an attribute that
 * hides may stand after a quoted ">" or a long value; a style hides in CSS any way it is spelled).
 */
const CLASS_OR_ID = /[\s/"'](?:class|id)\s*=/iu;
const FOOTNOTE_OR_HIDDEN =
  /\[\^|<(?:su[pb]|script|style|template|noscript|title|datalist|dialog|canvas|noembed|noframes|rp|iframe|video|audio|details)(?![a-z\d-])|hidden|style/iu;

/** A details element's first child a summary (blanks before it). */
const SUMMARY_FIRST = /^\s*<summary/iu;
/** Elements a browser breaks the line at; images, buttons and form fields sit on the line like words. */
const BREAKING =
  /^(?:address|article|aside|blockquote|body|br|caption|center|dd|details|div|dl|dt|figcaption|figure|footer|form|h[1-6]|head|header|hr|html|legend|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|title|tr|ul)$/iu;
/** HTML's block elements and those that break a line or hold no text in it. */
export const HTML_BLOCK = new RegExp(
  `^(?:${BLOCK}|html|head|body|span|div|main|nav|section|article|template|script|style|iframe|video|audio|canvas|object|svg|math)$`,
  "iu",
);
/** HTML's inline elements, as a browser lays them out in a line of text. */
export const HTML_INLINE = new RegExp(`^(?:${INLINE}|img|input|button|select|textarea|label|output|ruby|acronym|blink|slot)$`, "iu");
/**
 * Elements a browser does not show the text of: raw text and templates, a closed dialog, the
 * fallback of a canvas, an iframe, a video or an audio element (shown only where the element is
 * not supported), ruby's parentheses.
 */
const HIDDEN_ELEMENT = /^(?:script|style|template|noscript|title|datalist|dialog|canvas|noembed|noframes|rp|iframe|video|audio)$/iu;
/** One attribute of a tag as the tokeniser reads it: "/" and blanks between, a name, maybe "=" and a value. */
const TAG_ATTRIBUTE = /[\t\n\f\r /]*([^\t\n\f\r />][^\t\n\f\r />=]*)(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)"?|'([^']*)'?|([^\t\n\f\r >]*)))?/uy;
/** One of HTML's blanks (a no-break space, "\v" or U+3000 is none). */
const HTML_BLANK = /^[\t\n\f\r ]$/u;
const CSS_COMMENT = /\/\*[\s\S]*?(?:\*\/|$)/gu;
const CSS_ESCAPE = /\\(?:([\da-f]{1,6})[ \t\n\r\f]?|([^\n\da-f]))/giu;

/**
 * One rule of a style sheet that hides what it selects, by its subject (the selector's last
 * compound): an element name, classes, ids and attribute names it requires, classes `:not()` rules out.
 */
interface HidingRule {
  type: string | null;
  classes: string[];
  ids: string[];
  attributes: string[];
  notClasses: string[];
  /** For an element name under an ancestor (".c i"): the ancestor's compound, which must stand in the text outside its sheets. */
  within?: HidingRule;
}

/** The hiding rules of a text's style sheets, indexed by a name each requires (a class, id, element or attribute name). */
export interface HiddenSelectors {
  byName: ReadonlyMap<string, readonly HidingRule[]>;
  /** Some rule selects by element or attribute name alone: any tag may be hidden, not only one with a class or id. */
  anyTag: boolean;
}

/**
 * What the style sheets of `text` (its <style> elements) hide: the subject of each selector of a
 * rule whose own declarations hide (hidingDeclarations), nested rules and at-rules read by their
 * braces. Ancestors in a selector are not matched (".h *" hides what .h holds, read as .h hidden);
 * a rule on a state (":hover", ":focus"), a pseudo-element ("::after") or a bare element name under an
 * ancestor (".nav span") hides nothing shown. Null when nothing is hidden so.
 */
export function hiddenSelectors(text: string): HiddenSelectors | null {
  if (!STYLE_OPEN.test(text)) return null;
  const byName = new Map<string, HidingRule[]>();
  const seen = new Set<string>();
  let anyTag = false;
  // Lower case for ASCII only: offsets found in it are the text's ("İ" lower-cases to two characters).
  const lower = asciiLower(text);
  const markup = readMarkupBothWays(lower);
  let outside: Names | undefined;
  const add = (ruleRead: HidingRule) => {
    let rule = ruleRead;
    // An element name under an ancestor hides that element only where the ancestor holds it. The
    // elements are not read as a tree: where the text (outside its sheets) names the ancestor, every
    // such element is read as hidden (".c i" and a class "c": every <i>); elsewhere none (".nav-item span").
    if (rule.within) {
      outside ??= namesIn(lower, markup.tags);
      if (!namedIn(outside, rule.within)) return;
      // "*" under it keeps its ancestor: the ancestor's own text is shown.
      if (rule.type !== null) {
        rule = { ...rule };
        delete rule.within;
      }
    }
    const key = JSON.stringify(rule);
    if (seen.has(key)) return;
    seen.add(key);
    const name =
      rule.classes[0] !== undefined
        ? `.${rule.classes[0]}`
        : rule.ids[0] !== undefined
          ? `#${rule.ids[0]}`
          : (rule.type ?? (rule.attributes[0] !== undefined ? `[${rule.attributes[0]}` : ANY_ELEMENT));
    if (!rule.classes.length && !rule.ids.length) anyTag = true;
    const list = byName.get(name) ?? [];
    // Each tag is checked against the rules of its names: past MOST_RULES_PER_NAME, one rule requiring
    // the name alone stands for them all (it may hide more, never less).
    if (list.length >= MOST_RULES_PER_NAME) {
      byName.set(name, [
        {
          type: rule.classes.length || rule.ids.length ? null : rule.type,
          classes: rule.classes.slice(0, 1),
          ids: rule.classes.length ? [] : rule.ids.slice(0, 1),
          attributes: rule.classes.length || rule.ids.length || rule.type ? [] : rule.attributes.slice(0, 1),
          notClasses: [],
        },
      ]);
      return;
    }
    list.push(rule);
    byName.set(name, list);
  };
  for (const [from, to] of sheetReadings(markup.sheets, text.length)) readSheet(withoutComments(text.slice(from, to)), add);
  return byName.size > 0 ? { byName, anyTag } : null;
}

/** An opening tag a tokeniser reads: its element's name, where it opens, where the name ends and where it ends (after its ">"). */
interface OpeningTag {
  name: string;
  at: number;
  nameEnd: number;
  end: number;
}

/**
 * `lower`'s markup as a browser's tokeniser reads it for style sheets, in one pass: the opening tags
 * a browser makes elements of, and [start, end) of each style element's content (the sheets). A
 * "<style" inside a comment, a script, a textarea, a template or a noscript element (raw or inert
 * text) is none, nor "<style-box>"; a quoted ">" in a tag does not end it ('media=">"'), nor
 * "</stylex>" the element.
 */
function readMarkup(lower: string, endTagsLeaveForeign: boolean): { tags: OpeningTag[]; sheets: Array<[number, number]> } {
  const tags: OpeningTag[] = [];
  const sheets: Array<[number, number]> = [];
  // Tags are read to their ">" as MarkupScan reads them (quoted values after "=" only, no bound on their length), and
  // its memory of where no tag can end keeps the pass linear however many "<" never close.
  const scan = new MarkupScan(lower);
  // Open templates (their content is inert: a sheet there applies nowhere) and SVG or MathML elements (no raw text there).
  let templates = 0;
  let foreign = 0;
  // SVG or MathML elements named "template" open inside foreign content: their end tags close them, not an HTML template.
  let foreignTemplates = 0;
  for (let at = lower.indexOf("<"); at >= 0 && at < lower.length; at = lower.indexOf("<", at)) {
    // Comments (and their short and "--!>" forms); one left open runs to the end of the text.
    if (lower.startsWith("<!--", at)) {
      at = commentEnd(lower, at, scan.ahead) ?? lower.length;
      continue;
    }
    const end = scan.markupEnd(at, 1);
    // No tag ends here (a quoted value never closes, or no ">" follows): the "<" is text.
    if (end <= at) {
      at++;
      continue;
    }
    const start = at;
    const next = lower[start + 1] ?? "";
    at = end;
    // Bogus comments ("<?…>", "<!x…>").
    if (next === "!" || next === "?") continue;
    // The name to HTML's blanks only ("<style\u00a0>" is no style element); end tags' quoted values hold no markup
    // ('</x a="<script>">').
    const closing = next === "/";
    const name = (closing ? END_TAG_NAME : TAG_NAME).exec(lower.slice(start, start + 64))?.[1] ?? "";
    if (closing) {
      // "</template>" closes an open template from inside SVG or MathML too (it reaches the HTML element under them).
      if (name === "template" && foreign > 0 && foreignTemplates > 0) foreignTemplates--;
      else if (name === "template" && templates > 0) {
        templates--;
        foreign = 0;
        foreignTemplates = 0;
      } else if (foreign > 0 && (FOREIGN_ROOT.test(name) || FOREIGN_BREAKOUT_END.test(name)))
        // A root's end tag closes the innermost root, or (read the other way) every root open: "<svg><math></svg>".
        foreign = FOREIGN_ROOT.test(name) && !endTagsLeaveForeign ? foreign - 1 : 0;
      // An HTML element's end tag leaves SVG and MathML where that element is open ("<div><svg></div>"); ignored where
      // none is: the pass is made both ways.
      else if (foreign > 0 && endTagsLeaveForeign && !FOREIGN_ELEMENT.test(name)) foreign = 0;
      if (foreign === 0) foreignTemplates = 0;
      continue;
    }
    tags.push({ name, at: start, nameEnd: start + 1 + name.length, end });
    const selfClosed = selfClosedTag(lower.slice(start, end), 1 + name.length);
    if (foreign > 0) {
      // In SVG or MathML an element of HTML's text or layout, or an integration point's content (the point itself is
      // SVG's or MathML's: "<svg><title>" holds no raw text), is read as HTML again.
      if ((INTEGRATION_POINT.test(name) || (endTagsLeaveForeign && name === "annotation-xml")) && !selfClosed) {
        foreign = 0;
        foreignTemplates = 0;
        continue;
      }
      if (FOREIGN_BREAKOUT.test(name)) {
        foreign = 0;
        foreignTemplates = 0;
      } else {
        if (FOREIGN_ROOT.test(name) && !selfClosed) foreign++;
        if (name === "template" && !selfClosed) foreignTemplates++;
        // A style element there is a sheet (its text, read as markup by a browser; read here to its closing tag); one
        // closed by its "/" holds nothing (where a browser has left SVG, the other reading reads it as HTML's).
        if (name === "style" && !selfClosed && templates === 0) {
          const close = scan.ahead.find("</style>", at, (from) => closingTag(lower, "style", from));
          sheets.push([at, close < 0 ? lower.length : close]);
        }
        continue;
      }
    }
    if (FOREIGN_ROOT.test(name)) {
      if (!selfClosed) foreign = 1;
      continue;
    }
    if (name === "plaintext") break;
    if (name === "template") {
      templates++;
      continue;
    }
    if (!RAW_OR_INERT.test(name)) continue;
    // Raw text to the element's closing tag (a "/" before ">" is ignored in HTML: "<style/>" holds a sheet), looked for
    // once per name and pass. Never closed, its text runs to the end for a browser; read on as markup all the same
    // (a doubtful reading hides more, never less).
    const close = scan.ahead.find(`</${name}>`, at, (from) => closingTag(lower, name, from));
    if (name === "style" && templates === 0) sheets.push([at, close < 0 ? lower.length : close]);
    if (close >= 0) at = close + 2 + name.length;
  }
  return { tags, sheets };
}
/**
 * The markup read both ways where a browser's reading depends on the elements open: an HTML
 * element's end tag inside SVG or MathML leaves it (that element open) or is ignored (none open).
 * The sheets and tags of both readings together hide more, never less.
 */
function readMarkupBothWays(lower: string): { tags: OpeningTag[]; sheets: Array<[number, number]> } {
  const stays = readMarkup(lower, false);
  if (!FOREIGN_OPEN.test(lower)) return stays;
  const leaves = readMarkup(lower, true);
  const seen = new Set(stays.tags.map((t) => t.at));
  const tags = [...stays.tags, ...leaves.tags.filter((t) => !seen.has(t.at))].sort((a, b) => a.at - b.at);
  return { tags, sheets: [...stays.sheets, ...leaves.sheets] };
}
const FOREIGN_OPEN = /<(?:svg|math)[\t\n\f\r />]/u;

/**
 * What to read as sheets: every range whole (a fresh start each, as a browser reads each sheet), while
 * the characters read stay within a few times the text. Overlapping ranges (style elements nested in
 * SVG, or never closed: each to the same far end) could make that quadratic (2,000 nested "<style>"
 * took 14 s); past the bound the text is refused, as a budget overrun is, rather than read in part:
 * cutting a sheet short can drop the rule that hides a value.
 */
function sheetReadings(sheets: ReadonlyArray<readonly [number, number]>, textLength: number): Array<readonly [number, number]> {
  const seen = new Set<string>();
  const out: Array<readonly [number, number]> = [];
  let read = 0;
  for (const range of sheets) {
    const key = `${range[0]}:${range[1]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    read += range[1] - range[0];
    if (read > SHEET_READ_FACTOR * textLength + SHEET_READ_SLACK) throw new PiiBudgetError("size");
    out.push(range);
  }
  return out;
}
/** The characters of sheets read per text: four times the text, and 256 K more. */
const SHEET_READ_FACTOR = 4;
const SHEET_READ_SLACK = 256 * 1024;
const TAG_NAME = /^<([a-z][^\t\n\f\r />]*)/u;
const END_TAG_NAME = /^<\/([a-z][^\t\n\f\r />]*)/u;
/** Elements whose text a browser does not read as markup (raw text, RCDATA, inert templates, noscript with scripting on). */
const RAW_OR_INERT = /^(?:style|script|textarea|title|xmp|iframe|noembed|noframes|noscript|template)$/u;
/** HTML's blanks, "/" or ">": what may follow an element's name. */
const AFTER_NAME = /[\t\n\f\r />]/u;

/**
 * Where the comment opening at `at` ends, as the tokeniser reads it: after "-->" or "--!>", at once
 * for "<!-->" and "<!--->"; null when it is left open.
 */
function commentEnd(text: string, at: number, ahead: Ahead): number | null {
  if (text[at + 4] === ">") return at + 5;
  if (text.startsWith("->", at + 4)) return at + 6;
  const plain = ahead.next("-->", at + 4);
  const bang = ahead.next("--!>", at + 4);
  if (plain < 0 && bang < 0) return null;
  return plain >= 0 && (bang < 0 || plain < bang) ? plain + 3 : bang + 4;
}

/**
 * Where each needle next stands in one text, remembered: a scan that asks at increasing offsets
 * (every "<" of a text asking for the next ">") reads the text once, not once per question.
 */
class Ahead {
  readonly #seen = new Map<string, { from: number; at: number }>();
  constructor(readonly text: string) {}

  /** The next offset at or after `from` where `needle` stands, -1 when none does. */
  next(needle: string, from: number): number {
    // No closure on this path (every "<" asks it): the bundle names each closure made, on every call.
    return this.#recall(needle, from) ?? this.#remember(needle, from, this.text.indexOf(needle, from));
  }

  /** What `search` answers from `from` (the next offset it finds, or -1), remembered under `key` as `next`'s answers are. */
  find(key: string, from: number, search: (from: number) => number): number {
    return this.#recall(key, from) ?? this.#remember(key, from, search(from));
  }

  /** The answer remembered under `key` when it holds for `from` too (asked from an earlier offset, found at or after `from`, or nothing found). */
  #recall(key: string, from: number): number | undefined {
    const seen = this.#seen.get(key);
    return seen && from >= seen.from && (seen.at < 0 || seen.at >= from) ? seen.at : undefined;
  }

  #remember(key: string, from: number, at: number): number {
    this.#seen.set(key, { from, at });
    return at;
  }
}

/** Where the closing tag of raw-text element `name` starts at or after `from` ("</style" then a blank, "/" or ">"), or -1. */
function closingTag(lower: string, name: string, from: number): number {
  for (let at = lower.indexOf(`</${name}`, from); at >= 0; at = lower.indexOf(`</${name}`, at + 2)) {
    const next = lower[at + 2 + name.length];
    if (next === undefined || AFTER_NAME.test(next)) return at;
  }
  return -1;
}
/**
 * Whether a tag is closed by a "/" before its ">" as the tokeniser reads it: after the name, a blank, an attribute's
 * name or a quoted value ("<br/>", "<script async/>", '<x a="b"/>'), not as the last character of a bare value ("a=b/>").
 */
function selfClosedTag(tag: string, nameEnd: number): boolean {
  if (!tag.endsWith("/>")) return false;
  let lastBare = false;
  for (const [, value, bare] of tagAttributes(tag, nameEnd)) lastBare = bare && value.endsWith("/");
  return !lastBare;
}
const STYLE_OPEN = /<style/iu;
const asciiLower = (text: string) => text.replace(/[A-Z]+/gu, (upper) => upper.toLowerCase());
/** The key of a rule that selects every element (".c *" where the text names .c). */
const ANY_ELEMENT = "*";

/**
 * A tag's attributes as the tokeniser reads them, from `from` (after the element's name): "/" and
 * blanks between, each name in lower case, its value (references not read) and whether it is bare (unquoted).
 */
function* tagAttributes(tag: string, from: number): Generator<[name: string, value: string, bare: boolean]> {
  // The pattern is shared: its offset is set before each match, so two readings may interleave.
  for (let at = from; ; ) {
    TAG_ATTRIBUTE.lastIndex = at;
    const m = TAG_ATTRIBUTE.exec(tag);
    if (!m || m[0].length === 0) return;
    at = TAG_ATTRIBUTE.lastIndex;
    yield [(m[1] ?? "").toLowerCase(), m[2] ?? m[3] ?? m[4] ?? "", m[4] !== undefined];
  }
}

/** The element names, classes, ids and attribute names a text's tags hold (references in values read). */
interface Names {
  elements: Set<string>;
  classes: Set<string>;
  ids: Set<string>;
  attributes: Set<string>;
}
/** Elements a browser makes whether the text writes them or not. */
const IMPLIED_ELEMENTS = ["html", "head", "body", "tbody", "tr"];
/**
 * What the text's tags name, a superset of what a browser makes of them: the opening tags readMarkup reads, and every
 * "<name …" of the text read loosely to its first ">" (in comments, raw text and quoted values too). A tag the
 * tokeniser's reading left out then still names its ancestor: naming more hides more, never less.
 */
function namesIn(lower: string, tags: readonly OpeningTag[]): Names {
  const names: Names = { elements: new Set(IMPLIED_ELEMENTS), classes: new Set(), ids: new Set(), attributes: new Set() };
  const read = (tag: string, from: number) => {
    for (const [name, value] of tagAttributes(tag, from)) {
      names.attributes.add(name);
      if (name !== "class" && name !== "id") continue;
      for (const token of withReferences(value).split(HTML_BLANKS))
        if (token) (name === "class" ? names.classes : names.ids).add(token.toLowerCase());
    }
  };
  for (const tag of tags) {
    names.elements.add(tag.name);
    read(lower.slice(tag.at, tag.end), tag.nameEnd - tag.at);
  }
  for (const m of lower.matchAll(LOOSE_TAG)) {
    names.elements.add(m[1] ?? "");
    read(m[2] ?? "", 0);
  }
  return names;
}
/** "<", a name, and what follows up to the first ">" (matched once each: the scan goes on after it, so it stays linear). */
const LOOSE_TAG = /<([a-z][^\s/>]*)([^>]*)/gu;

/** Whether the text's tags name every element name, class, id and attribute a compound requires (a superset of holding such an element). */
function namedIn(names: Names, rule: HidingRule): boolean {
  return (
    (rule.type === null || rule.type === "*" || names.elements.has(rule.type)) &&
    rule.classes.every((c) => names.classes.has(c)) &&
    rule.ids.every((id) => names.ids.has(id)) &&
    rule.attributes.every((a) => names.attributes.has(a))
  );
}

/** The rules of two readings of style sheets together (a request's and a document decoded from it). */
export function withSelectors(a: HiddenSelectors | null, b: HiddenSelectors | null): HiddenSelectors | null {
  if (!a || !b) return a ?? b;
  const byName = new Map<string, HidingRule[]>();
  for (const source of [a, b]) for (const [name, rules] of source.byName) byName.set(name, [...(byName.get(name) ?? []), ...rules]);
  return { byName, anyTag: a.anyTag || b.anyTag };
}

/** One pass over a sheet: each block's selector (nesting resolved) and its own declarations, a stack for nested blocks. */
function readSheet(css: string, add: (rule: HidingRule) => void): void {
  const blocks: Array<{ selector: string; declarations: string }> = [];
  let from = 0;
  for (let i = 0; i < css.length; i++) {
    const c = css[i];
    if (c === "\\") {
      i++;
      continue;
    }
    // A string's braces and semicolons are its text ('content:"{"', 'font-family:"a;b"'), and an unquoted url()'s.
    if (c === '"' || c === "'") {
      i = stringEnd(css, i) - 1;
      continue;
    }
    if ((c === "u" || c === "U") && URL_OPEN.test(css.slice(i, i + 4)) && !/[\w-]/u.test(css[i - 1] ?? "")) {
      const close = css.indexOf(")", i + 4);
      i = close < 0 ? css.length : close;
      continue;
    }
    if (c === "{") {
      const own = css.slice(from, i).trim();
      const parent = blocks[blocks.length - 1]?.selector ?? "";
      // An at-rule's block applies to its parent's selector; a nested rule is the parent's ("&") or under it.
      // Keyframes, font faces and pages select no element.
      const selector =
        parent === NO_ELEMENT || NOT_SELECTING.test(own)
          ? NO_ELEMENT
          : own.startsWith("@")
            ? parent
            : !parent
              ? own
              : // Deep nesting reads a rule alone, without its ancestors (it may hide more): selectors stay short.
                blocks.length > MOST_NESTING
                ? own.replaceAll("&", "")
                : nested(parent, own);
      blocks.push({ selector, declarations: "" });
      from = i + 1;
    } else if (c === ";" || c === "}") {
      const block = blocks[blocks.length - 1];
      if (block) block.declarations += `${css.slice(from, i)};`;
      from = i + 1;
      if (c === "}" && block) {
        blocks.pop();
        if (block.selector && block.selector !== NO_ELEMENT && hidingDeclarations(cssText(block.declarations, false)))
          for (const selector of splitOutside(block.selector, (c) => c === ","))
            for (const one of withoutIsLists(selector)) {
              const rule = subjectRule(one);
              if (rule) add(rule);
            }
      }
    }
  }
}

const NO_ELEMENT = "\u0000";
const URL_OPEN = /^url\(/iu;
const CDO_OR_CDC = /<!--|-->/gu;
/** Selectors made of one, at most this many (a sheet of nested lists multiplies them). */
const MOST_SELECTORS = 64;

/** Where the CSS string opening at `at` (its quote) ends: after its closing quote, at a line break or at the end. */
function stringEnd(css: string, at: number): number {
  const quote = css[at];
  for (let i = at + 1; i < css.length; i++) {
    const c = css[i];
    if (c === "\\") i++;
    else if (c === quote) return i + 1;
    else if (c === "\n") return i;
  }
  return css.length;
}

/** A sheet without its comments and HTML comment marks ("<!--", "-->", which CSS skips); what strings hold is text ('content:"/*"' opens none). */
function withoutComments(sheet: string): string {
  const css = sheet.includes("<!--") || sheet.includes("-->") ? sheet.replace(CDO_OR_CDC, (mark) => " ".repeat(mark.length)) : sheet;
  if (!css.includes("/*")) return css;
  let out = "";
  let from = 0;
  for (let i = 0; i < css.length; i++) {
    const c = css[i];
    if (c === "\\") i++;
    else if (c === '"' || c === "'") i = stringEnd(css, i) - 1;
    else if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      out += `${css.slice(from, i)} `;
      i = end < 0 ? css.length : end + 1;
      from = i + 1;
    }
  }
  return out + css.slice(from);
}

/** Blocks nested deeper than this are read without their ancestors. */
const MOST_NESTING = 16;
/** Longest selector text a nesting builds; longer, a rule is read without its ancestors. */
const MOST_SELECTOR_TEXT = 4096;

/**
 * A nested rule's selector: each of its selectors under (or on "&") each of its parent's, as a
 * list. Where that list would be long, the rule's own selectors alone (ancestors not required:
 * it may hide more than a browser, never less).
 */
function nested(parent: string, own: string): string {
  const alone = own.replaceAll("&", "");
  if (parent.length > MOST_SELECTOR_TEXT || own.length > MOST_SELECTOR_TEXT) return alone;
  const parents = splitOutside(parent, (c) => c === ",").map((p) => p.trim());
  const owns = splitOutside(own, (c) => c === ",").map((o) => o.trim());
  if (parents.length * owns.length > MOST_SELECTORS) return alone;
  const out: string[] = [];
  for (const p of parents) for (const o of owns) out.push(o.includes("&") ? o.replaceAll("&", p) : `${p} ${o}`);
  const list = out.join(", ");
  return list.length > MOST_SELECTOR_TEXT ? alone : list;
}

const IS_LIST_OPEN = /:(?:is|where|matches|-webkit-any|-moz-any)\(/giu;
/**
 * A selector with its first ":is(a, b)" (or ":where") read as one selector per argument ("x:is(a)",
 * "x:is(b)"), recursively; past the budget, the rest of the arguments unexpanded (each still one
 * selector). A selector longer than MOST_SELECTOR_TEXT is read as written.
 */
function withoutIsLists(selector: string, budget = { left: MOST_SELECTORS }): string[] {
  if (selector.length > MOST_SELECTOR_TEXT) return [selector];
  for (const m of selector.matchAll(IS_LIST_OPEN)) {
    const open = m.index + m[0].length;
    let depth = 1;
    let close = open;
    for (; close < selector.length && depth > 0; close++) {
      const c = selector[close];
      if (c === "\\") close++;
      else if (c === "(") depth++;
      else if (c === ")") depth--;
    }
    const inner = selector.slice(open, close - 1);
    const parts = splitOutside(inner, (c) => c === ",");
    if (parts.length < 2) continue;
    const out: string[] = [];
    for (const part of parts) {
      const one = `${selector.slice(0, open)}${part.trim()}${selector.slice(close - 1)}`;
      if (budget.left-- > 0) out.push(...withoutIsLists(one, budget));
      else out.push(one);
    }
    return out;
  }
  return [selector];
}
const NOT_SELECTING = /^@(?:-[a-z]+-)?(?:keyframes|font-face|page|counter-style|property|font-feature-values)\b/iu;

/** The end of the CSS escape at `at` (a backslash): up to six hex digits and one blank after, or one character. */
function escapeEnd(text: string, at: number): number {
  let end = at + 1;
  while (end < at + 7 && /[\da-f]/iu.test(text[end] ?? "")) end++;
  if (end === at + 1) return at + 2;
  return /[ \t\n]/u.test(text[end] ?? "") ? end + 1 : end;
}

/** `text` split at the characters `separator` accepts, outside brackets and parentheses. */
function splitOutside(text: string, separator: (c: string) => boolean): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === "\\") i = escapeEnd(text, i) - 1;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth = Math.max(0, depth - 1);
    else if (depth === 0 && separator(c)) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

/**
 * A CSS identifier, escapes included ("w-1\/2", "\31 h", "group-hover\:x"). An escape takes all
 * its hex digits (six, or fewer where no hex digit follows), so each text has one reading: with
 * a choice, "\111111" repeated before no "]" was read every way (red team 31: 15 s for 112 bytes).
 */
const CSS_IDENT = String.raw`(?:\\(?:[\da-fA-F]{6}|[\da-fA-F]{1,5}(?![\da-fA-F]))[ \t\n\r\f]?|\\[^\n\da-fA-F]|[^ \t\n\r\f.#:[\](),>+~{}*\\"'=|^$])+`;
/** What ends an identifier (an attribute's name ends before "=", "~=", "|=", "^=", "$=", "*=" or "]"). */
const IDENT_END = String.raw`(?=[ \t\n\r\f.#:[\](),>+~{}*\\"'=|^$]|$)`;
const COMPOUND_PART = new RegExp(
  String.raw`(\*|${CSS_IDENT})|([.#])(${CSS_IDENT})|\[\s*(?:(?:\*|${CSS_IDENT})?\|(?!=))?(${CSS_IDENT})${IDENT_END}[^\]]{0,1024}\]|(::?)([\w-]+)(\((?:[^()]|\([^()]*\))*\))?`,
  "gu",
);
/** ":not()"'s argument as the reading honours it: one class or a list of them. */
const CLASS_LIST = new RegExp(String.raw`^\s*\.${CSS_IDENT}\s*(?:,\s*\.${CSS_IDENT}\s*)*$`, "u");
/** CSS's blanks (a no-break space is part of a name) and combinators. */
const COMBINATOR_CHARACTER = /[ \t\n\r\f>+~]/u;
/** States a rule waits for: what it hides under them is shown otherwise. */
const STATE =
  /^(?:hover|focus|focus-within|focus-visible|active|checked|target|visited|autofill|open|popover-open|modal|fullscreen|user-invalid|user-valid)$/u;
// States a page may be in as it loads (":valid", ":invalid", ":empty", ":placeholder-shown",
// ":indeterminate") are read as holding: what a rule hides under them may be hidden from the start.
const PSEUDO_ELEMENT = /^(?:before|after|first-line|first-letter|marker|placeholder|selection|backdrop|file-selector-button)$/u;

/** The rule a selector's subject makes, or null when it hides nothing shown (see hiddenSelectors). */
function subjectRule(selector: string): HidingRule | null {
  const compounds = splitCompounds(selector.trim());
  const rules = compounds.map(compoundRule);
  if (rules.some((r) => r === "state")) return null;
  const subject = rules[rules.length - 1];
  if (!subject || subject === "state") return null;
  // "*" under an ancestor: every element the ancestor holds, not its own text (see hiddenSelectors).
  if (subject.type === "*" && !subject.classes.length && !subject.ids.length && !subject.attributes.length && rules.length > 1) {
    const ancestor = rules[rules.length - 2];
    return ancestor && ancestor !== "state" ? { ...subject, type: null, within: ancestor } : null;
  }
  if (subject.type === "*") subject.type = null;
  const bare = !subject.classes.length && !subject.ids.length && !subject.attributes.length;
  if (bare && subject.type === null) return null;
  // An element name under an ancestor hides it there only (see hiddenSelectors).
  if (bare && rules.length > 1) {
    const ancestor = rules[rules.length - 2];
    return ancestor && ancestor !== "state" ? { ...subject, within: ancestor } : null;
  }
  return subject;
}

/** A selector's compounds, split at combinators (blanks, ">", "+", "~") outside brackets and parentheses. */
function splitCompounds(selector: string): string[] {
  return splitOutside(selector, (c) => COMBINATOR_CHARACTER.test(c)).filter((p) => p !== "");
}

function compoundRule(compound: string): HidingRule | "state" | null {
  const rule: HidingRule = { type: null, classes: [], ids: [], attributes: [], notClasses: [] };
  // matchAll reads with its own copy of the pattern: the call for an ":is()" argument inside this
  // loop reset a shared one, and the loop restarted forever (red team 31).
  for (const m of compound.matchAll(COMPOUND_PART)) {
    if (m[1]) rule.type = m[1] === "*" ? "*" : cssName(m[1]);
    else if (m[2] === ".") rule.classes.push(cssName(m[3] ?? ""));
    else if (m[2] === "#") rule.ids.push(cssName(m[3] ?? ""));
    else if (m[4]) rule.attributes.push(cssName(m[4]));
    else if (m[5]) {
      const pseudo = (m[6] ?? "").toLowerCase();
      if (m[5] === "::" || PSEUDO_ELEMENT.test(pseudo) || STATE.test(pseudo)) return "state";
      const inner = (m[7] ?? "").slice(1, -1);
      if (pseudo === "not") {
        // Only classes alone rule an element out; ":not(.v .h)" or ":not(.v.h)" is read as no condition (it may hide more).
        if (CLASS_LIST.test(inner))
          for (const c of inner.matchAll(new RegExp(String.raw`\.(${CSS_IDENT})`, "gu"))) rule.notClasses.push(cssExactName(c[1] ?? ""));
      } else if ((pseudo === "is" || pseudo === "where") && !inner.includes(",")) {
        // A complex argument ("a .h") is read by its subject (what it hides, its ancestors not matched).
        const within = compoundRule(splitCompounds(inner).at(-1) ?? "");
        if (within === "state") return "state";
        if (within) {
          rule.classes.push(...within.classes);
          rule.ids.push(...within.ids);
          rule.attributes.push(...within.attributes);
        }
      }
    }
  }
  // Each tag is checked against each requirement: a rule of thousands ("[a][a]…", ".a.a…") costs no more than a few.
  const capped = (names: string[]) => [...new Set(names)].slice(0, MOST_REQUIREMENTS);
  rule.classes = capped(rule.classes);
  rule.ids = capped(rule.ids);
  rule.attributes = capped(rule.attributes);
  rule.notClasses = rule.notClasses.length > MOST_REQUIREMENTS ? [] : [...new Set(rule.notClasses)];
  return rule;
}

/** An identifier with its escapes read, in lower case (class names match so in quirks mode). */
const cssName = (ident: string) => cssText(ident.trim(), false).trim();
/** An identifier with its escapes read, as written: ":not()" rules an element out only where a browser in any mode would. */
const cssExactName = (ident: string) => cssText(ident.trim(), false, false).trim();
/** HTML's blanks, which split a class attribute (a no-break space is part of a name). */
const HTML_BLANKS = /[ \t\n\r\f]+/u;
/** Most rules kept under one name (class, id, element or attribute) of a text's sheets. */
const MOST_RULES_PER_NAME = 64;
/** Most requirements of each kind one rule keeps: past them a rule requires less (it may hide more, never less). */
const MOST_REQUIREMENTS = 8;

/**
 * Whether the opening tag `tag` of `element` hides it: a `hidden` attribute (after a blank, a "/"
 * or a quoted value: "<span/hidden>"), its first style attribute hiding it however it is written
 * (character references, CSS comments and escapes: "display&colon;none", "display:/**\/none",
 * "display:\6e one"), a rule of a style sheet that selects it, a details element not opened.
 */
function hidingTag(tag: string, nameEnd: number, element: string, selectors: HiddenSelectors | null): boolean {
  let styled = false;
  let open = false;
  let classes: string[] = [];
  let exactClasses: string[] = [];
  let ids: string[] = [];
  const attributes = new Set<string>();
  for (const [name, value] of tagAttributes(tag, nameEnd)) {
    if (name === "hidden") return true;
    if (name === "open") open = true;
    if (selectors) {
      // Read as the sheet is: references decoded, split at HTML's blanks (not a no-break space), in
      // lower case; ":not()" compares as written. The first of two class or id attributes counts.
      if ((name === "class" || name === "id") && !attributes.has(name)) {
        const tokens = withReferences(value).split(HTML_BLANKS).filter(Boolean);
        if (name === "class") {
          exactClasses = tokens;
          classes = tokens.map((c) => c.toLowerCase());
        } else ids = tokens.map((id) => id.toLowerCase());
      }
      attributes.add(name);
    }
    // The first of two style attributes is the one a browser keeps.
    if (name === "style" && !styled) {
      styled = true;
      if (hidingDeclarations(cssText(value, true))) return true;
    }
  }
  if (selectors && element) {
    const has = new Set(classes);
    const exact = new Set(exactClasses);
    const idSet = new Set(ids);
    const matches = (r: HidingRule): boolean =>
      (r.type === null || r.type === element) &&
      r.classes.every((c) => has.has(c)) &&
      r.ids.every((id) => idSet.has(id)) &&
      r.attributes.every((a) => attributes.has(a)) &&
      !r.notClasses.some((c) => exact.has(c)) &&
      !(r.within && matches(r.within));
    const keys = [element, ANY_ELEMENT, ...classes.map((c) => `.${c}`), ...ids.map((id) => `#${id}`), ...[...attributes].map((a) => `[${a}`)];
    if (keys.some((key) => selectors.byName.get(key)?.some(matches))) return true;
  }
  // A details element shows only its summary until opened.
  return element === "details" && !open;
}

/**
 * Whether declarations (read by cssText) hide their element or its text: display none, visibility
 * hidden or collapse, content-visibility hidden, a zero or near-zero size, opacity or font size
 * (however the number is written: "+0", ".0", "0e0px", "0.001"), and any of them through a custom
 * property or calc(). Each declaration is read once, so a value of any length costs one pass.
 */
function hidingDeclarations(css: string): boolean {
  for (const declaration of css.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim();
    const value = declaration
      .slice(colon + 1)
      .replace(/!important/gu, "")
      .trim();
    const compact = value.replace(/\s+/gu, "");
    if (INDIRECT.test(compact) && HIDING_PROPERTY.test(property)) return true;
    if (property === "display" && compact === "none") return true;
    if (property === "visibility" && (compact === "hidden" || compact === "collapse")) return true;
    if (property === "content-visibility" && compact === "hidden") return true;
    // Opacity as a number or a percentage ("0.01", "1%").
    if (property === "opacity" && nearZero(compact, compact.endsWith("%") ? 5 : 0.05)) return true;
    if (SIZE_PROPERTY.test(property) && nearZero(compact, 0.5)) return true;
    if (property === "font" && value.split(/[\s/]+/u).some((token) => /^[+-]?[\d.]/u.test(token) && nearZero(token, 0.5))) return true;
  }
  return false;
}
const INDIRECT = /^(?:var|calc|min|max|clamp|env)\(/u;
const HIDING_PROPERTY = /^(?:display|visibility|content-visibility|opacity|font-size|font|height|width|max-height|max-width)$/u;
const SIZE_PROPERTY = /^(?:font-size|height|width|max-height|max-width)$/u;
/** A number at or below `limit` (negative too), any unit: "0", "+0px", ".0em", "0e0px", "-1". */
function nearZero(value: string, limit: number): boolean {
  const number = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/u.exec(value)?.[0];
  return number !== undefined && Number.parseFloat(number) <= limit;
}

/** An attribute value with its character references decoded. */
function withReferences(value: string): string {
  if (!value.includes("&")) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const reference = value.charCodeAt(i) === 38 ? readReference(value, i) : undefined;
    if (reference) {
      out += reference.value;
      i += reference.length - 1;
    } else out += value[i];
  }
  return out;
}

/** CSS as a browser reads it: an attribute's character references decoded (`references`), comments dropped, escapes read, in lower case. */
function cssText(value: string, references: boolean, lowerCase = true): string {
  const read = (references ? withReferences(value) : value)
    .replace(CSS_COMMENT, "")
    .replace(CSS_ESCAPE, (_, hex: string | undefined, char: string | undefined) =>
      hex ? String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff) || 0xfffd) : (char ?? ""),
    );
  return lowerCase ? read.toLowerCase() : read;
}
const ALNUM = /[\p{L}\p{N}]/u;
/** ASCII punctuation a Markdown backslash escapes. */
const ESCAPABLE = /[!-/:-@[-`{-~]/;
/** Where markup may open: a "<" before what a tag, comment or bogus comment opens on, a run of Markdown marks, a backslash, a bracket. */
const MARKUP_START = /<[a-zA-Z!?/]|[*~`_]+|\\|[[\]]/g;
/** Any character markup may open on. */
const MARKUP_CHARACTER = /[<*~`_\\[\]]/;
/** A run of marks that closes emphasis: the run, then no letter or digit (looked for ahead of a run between two). */
const CLOSING_RUN_MAX = 64;

/** Where markup stands in `text`: [start, end) spans, at most `max` + 1 of them. */
export function markupAt(text: string, max: number): Array<[number, number]> {
  const at: Array<[number, number]> = [];
  // Most texts hold no character markup opens on: one scan says so.
  if (!MARKUP_CHARACTER.test(text)) return at;
  const scan = new MarkupScan(text);
  const re = MARKUP_START;
  re.lastIndex = 0;
  for (let m = re.exec(text); m && at.length <= max; m = re.exec(text)) {
    const end = scan.markupEnd(m.index, m[0].length);
    if (end > m.index) {
      at.push([m.index, end]);
      re.lastIndex = text.charCodeAt(m.index) === 92 ? end + 1 : end;
    }
  }
  return at;
}

/** The text of markupFree alone, the text itself when it holds no character markup opens on. */
export function markupFreeText(text: string, footnotes: Footnotes, selectors: HiddenSelectors | null = null): string {
  return MARKUP_CHARACTER.test(text) ? markupFree(text, footnotes, selectors).text : text;
}

/** `text` without its markup (see MarkupFree), footnote marks and hidden elements read as `footnotes` says; `markdown` false: HTML's markup alone. */
export function markupFree(text: string, footnotes: Footnotes = "glued", selectors: HiddenSelectors | null = null, markdown = true): MarkupFree {
  const scan = new MarkupScan(text);
  // Each character shown stands for one or more sent: the offsets fit in the text's length.
  const at = new Int32Array(text.length);
  let n = 0;
  const parts: string[] = [];
  const keep = (from: number, to: number) => {
    parts.push(text.slice(from, to));
    for (let k = from; k < to; k++) at[n++] = k;
  };
  let last = 0;
  // A closed details element shows its summary: what follows the summary, to the element's end, is hidden.
  let detailsHidden: [number, number] | null = null;
  const re = MARKUP_START;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const i = m.index;
    // Read for HTML alone, Markdown's characters are text ("4111*1111*…11<b></b>11").
    if (!markdown && text.charCodeAt(i) !== 60) continue;
    let end = scan.markupEnd(i, m[0].length);
    if (end <= i) continue;
    let shown = "";
    if (text.charCodeAt(i) === 60) {
      const name = tagName(text, i);
      const closing = text[i + 1] === "/";
      const summary = name === "details" && !closing && footnotes !== "glued" ? SUMMARY_FIRST.exec(text.slice(end, end + 64)) : null;
      if (
        summary &&
        hidingTag(text.slice(i, end), 1 + "details".length, "details", selectors) &&
        !hidingTag(text.slice(i, end), 1 + "details".length, "", selectors)
      ) {
        const summaryAt = end + summary[0].length - "<summary".length;
        const summaryEnd = scan.elementEnd("summary", summaryAt, summaryAt);
        if (summaryEnd > summaryAt) detailsHidden = [summaryEnd, scan.elementEnd("details", i, end)];
        shown = "\n";
      } else if (closing && name === "summary" && detailsHidden && end === detailsHidden[0]) {
        end = Math.max(end, detailsHidden[1]);
        detailsHidden = null;
      } else if (
        name !== null &&
        !closing &&
        footnotes !== "glued" &&
        (name === "sup" || name === "sub" || HIDDEN_ELEMENT.test(name) || hidingTag(text.slice(i, end), 1 + name.length, name, selectors))
      ) {
        // The element and what it holds, up to its closing tag, stand apart as one blank or go.
        end = scan.elementEnd(name, i, end);
        shown = footnotes === "apart" && (name === "sup" || name === "sub") ? " " : "";
      } else if (name !== null && BREAKING.test(name)) shown = "\n";
    } else if (text.charCodeAt(i) === 91 && text[i + 1] === "^") {
      // A Markdown footnote reference ("11[^1]11", shown as a raised "1"): its label glued, apart or gone.
      const label = text.slice(i + 2, end - 1);
      if (footnotes === "glued") {
        keep(last, i);
        keep(i + 2, end - 1);
        last = end;
        re.lastIndex = end;
        continue;
      }
      shown = footnotes === "apart" && label ? " " : "";
    }
    keep(last, i);
    if (shown) {
      parts.push(shown);
      at[n++] = i;
    }
    last = end;
    // The character a backslash escapes is text, never markup ("2\*3\*4").
    re.lastIndex = text.charCodeAt(i) === 92 ? end + 1 : end;
  }
  keep(last, text.length);
  return { text: parts.join(""), at: at.subarray(0, n) };
}

/** The lower-case name of the element tag at `i` ("<b …>", "</b>"), null for a comment or a bogus one. */
export function tagName(text: string, i: number): string | null {
  const m = /^<\/?([a-z][^\s/>]*)/iu.exec(text.slice(i, i + 64));
  return m ? (m[1] ?? "").toLowerCase() : null;
}

/**
 * One left-to-right scan's reading of markup. Look-ups ahead ("where is the next >", "the next
 * closing quote") remember their answer, searches for marks and links are bounded, closing tags
 * are indexed once, and a tag whose quoted value never closes rules out the "<"s before that
 * quote: calls come in increasing offsets, so the whole scan stays linear in the text.
 */
class MarkupScan {
  readonly #text: string;
  /** No tag opens before this offset: a scan from an earlier "<" met a quote that never closes first. */
  #noTagBefore = 0;
  /** Where each needle next stands (shared with readMarkup's comment reading). */
  readonly ahead: Ahead;
  /** Where each element's opening and closing tags stand (built once, when a hidden element or footnote needs its end). */
  #tagIndex: Map<string, Map<number, number>> | null = null;
  /** A run of marks accepted as the closer of one before it ("11**1**1"). */
  readonly #closers = new Set<number>();

  constructor(text: string) {
    this.#text = text;
    this.ahead = new Ahead(text);
  }

  /** End of the markup at `i` (its start matched as `length` characters), or -1. */
  markupEnd(i: number, length: number): number {
    const c = this.#text.charCodeAt(i);
    if (c === 60) return this.#tagEnd(i);
    if (c === 92) return ESCAPABLE.test(this.#text[i + 1] ?? "") ? i + 1 : -1;
    if (c === 91 || c === 93) return this.#linkPartEnd(i);
    return this.#marksEnd(i, i + length);
  }

  /**
   * Where the element `name` opened at `openAt` (its opening tag ending at `from`) ends: after its
   * matching closing tag (same-name elements inside it paired first), or `from` when none matches.
   */
  elementEnd(name: string, openAt: number, from: number): number {
    const close = this.#tags().get(name)?.get(openAt);
    if (close === undefined) return from;
    const gt = this.ahead.next(">", close);
    return gt < 0 ? from : gt + 1;
  }

  /**
   * For each element name, its opening tags' offsets paired with their closing tags' (a stack over
   * the tags in order: same-name elements nest), read once by a scan of its own as the tokeniser
   * reads tags: what comments, attribute values and the raw text of scripts and styles hold is no
   * tag, except inside SVG and MathML, where those elements hold markup; a self-closing mark
   * closes an element only there or on a void element ("<span/>" opens a span).
   */
  #tags(): Map<string, Map<number, number>> {
    if (this.#tagIndex) return this.#tagIndex;
    const pairs = new Map<string, Map<number, number>>();
    const open = new Map<string, number[]>();
    const text = this.#text;
    const reader = new MarkupScan(text);
    let foreign = 0;
    for (let lt = text.indexOf("<"); lt >= 0; ) {
      const end = reader.#tagEnd(lt);
      if (end <= lt) {
        lt = text.indexOf("<", lt + 1);
        continue;
      }
      const name = tagName(text, lt);
      if (name !== null) {
        const closing = text[lt + 1] === "/";
        // An HTML element of text or layout opened inside SVG or MathML leaves it ("<svg><span/>" opens a span), and so
        // do the end tags </p> and </br>; inside MathML's text elements and SVG's foreignObject, desc and title HTML is
        // read as HTML (read here as leaving: what follows them is judged as HTML too, which drops more, never less).
        // An integration point closed by its own "/" holds nothing ("<svg><title/></svg>"): the content goes on as foreign.
        const closedPoint = foreign > 0 && !closing && text[end - 2] === "/" && INTEGRATION_POINT.test(name);
        if (
          foreign > 0 &&
          (closing ? FOREIGN_BREAKOUT_END.test(name) : FOREIGN_BREAKOUT.test(name) || (INTEGRATION_POINT.test(name) && !closedPoint))
        )
          foreign = 0;
        const selfClosing = !closing && text[end - 2] === "/" && (foreign > 0 || VOID_ELEMENT.test(name) || FOREIGN_ROOT.test(name));
        if (FOREIGN_ROOT.test(name) && !selfClosing) foreign = Math.max(0, foreign + (closing ? -1 : 1));
        const stack = open.get(name) ?? [];
        open.set(name, stack);
        if (closing) {
          const at = stack.pop();
          if (at !== undefined) {
            const byOpen = pairs.get(name) ?? new Map<number, number>();
            pairs.set(name, byOpen);
            byOpen.set(at, lt);
          }
        } else if (!selfClosing && !VOID_ELEMENT.test(name)) stack.push(lt);
        // A script's or style's text is raw in HTML: its "<span>" is no tag.
        if (!closing && foreign === 0 && RAW_TEXT.test(name)) {
          const closeTag = new RegExp(`</${name}`, "giu");
          closeTag.lastIndex = end;
          lt = closeTag.exec(text)?.index ?? -1;
          continue;
        }
      }
      lt = text.indexOf("<", end);
    }
    this.#tagIndex = pairs;
    return pairs;
  }

  #tagEnd(i: number): number {
    const text = this.#text;
    if (i < this.#noTagBefore) return -1;
    const next = text[i + 1] ?? "";
    // "<" opens markup only before a letter, "!", "?" or "/" ("if a < b" is text): every scan reads it so.
    if (!TAG_OPENER.test(next)) return -1;
    // A comment left open is its own four characters: a Markdown view shows what follows, so it is read.
    if (text.startsWith("<!--", i)) return commentEnd(text, i, this.ahead) ?? i + 4;
    // No ">" ahead: no tag, comment or bogus comment ends, here or after.
    const gt = this.ahead.next(">", i + 1);
    if (gt < 0) return -1;
    // A bogus comment ("<!x>", "<?x?>", "<![CDATA[…]]>", "</ x>") runs to the next ">"; "</>" is dropped.
    if (next === "!" || next === "?" || (next === "/" && !/[a-z]/iu.test(text[i + 2] ?? ""))) return gt + 1;
    const len = text.length;
    // HTML's blanks only: a no-break space after "=" opens an unquoted value ('a=\u00a0"…' quotes nothing).
    const blank = (k: number) => HTML_BLANK.test(text[k] ?? "");
    // The tag's name, then its attributes as the tokeniser reads them: a name (its first character may
    // be "="; "<" is a character of it), maybe "=" and a value, quoted (">" and "<" inside) or bare.
    let k = next === "/" ? i + 2 : i + 1;
    while (k < len && !blank(k) && text[k] !== "/" && text[k] !== ">") k++;
    for (;;) {
      while (k < len && (blank(k) || text[k] === "/")) k++;
      if (k >= len) {
        // Read to the end outside any quote: no "<" before it opens a tag that ends.
        this.#noTagBefore = len;
        return -1;
      }
      if (text[k] === ">") return k + 1;
      k++;
      while (k < len && !blank(k) && text[k] !== "/" && text[k] !== ">" && text[k] !== "=") k++;
      while (k < len && blank(k)) k++;
      if (text[k] !== "=") continue;
      k++;
      while (k < len && blank(k)) k++;
      const quote = text[k];
      if (quote === '"' || quote === "'") {
        const close = this.ahead.next(quote, k + 1);
        if (close < 0) {
          // A value that never closes ends this tag's reading only; the "<"s before its quote would meet it too.
          this.#noTagBefore = k;
          return -1;
        }
        k = close + 1;
      } else while (k < len && !blank(k) && text[k] !== ">") k++;
    }
  }

  /** A run of emphasis, strike-through or code marks [i, end): its end when it marks a word, else -1. */
  #marksEnd(i: number, end: number): number {
    const text = this.#text;
    if (this.#closers.delete(i)) return end;
    const before = text[i - 1] ?? "";
    const after = text[end] ?? "";
    const wordBefore = ALNUM.test(before);
    const wordAfter = ALNUM.test(after);
    if (!wordBefore && !wordAfter) return -1;
    const run = text.slice(i, end);
    if (!(wordBefore && wordAfter)) return end;
    // "_" marks emphasis only at a word's edge: inside a word it is the word's ("alice_smith", "snake_case").
    if (run.includes("_")) return -1;
    // Between two letters or digits a run is emphasis or code when the same run closes it soon after
    // ("11**1**1", "ali**ce@exa**mple"); between two digits, around a short piece of a number only:
    // "45*320151*1283" multiplies.
    // A run closing emphasis opened before a blank ("**4111 … 11**11"): the same run opens it, not after a letter or digit.
    const opened = text.slice(Math.max(0, i - CLOSING_RUN_MAX), i).lastIndexOf(run);
    if (opened >= 0 && !ALNUM.test(text[Math.max(0, i - CLOSING_RUN_MAX) + opened - 1] ?? "")) return end;
    const close = text.slice(end, end + CLOSING_RUN_MAX).indexOf(run);
    if (close < 0) return -1;
    // ("11**11 1111**" closes before a blank: emphasis, however long.)
    if (/\d/u.test(before) && /\d/u.test(after) && close > 4 && ALNUM.test(text[end + close + run.length] ?? "")) return -1;
    this.#closers.add(end + close);
    return end;
  }

  /** A link's "[" (before "](" or "][" on the line), or its "](target)" or "][label]": the end of what goes, else -1. */
  #linkPartEnd(i: number): number {
    const text = this.#text;
    if (text[i] === "[") {
      // A footnote reference ("[^1]") is one mark.
      if (text[i + 1] === "^") {
        const close = text.slice(i + 2, i + 18).indexOf("]");
        return close > 0 && !/\s/u.test(text.slice(i + 2, i + 2 + close)) ? i + 3 + close : -1;
      }
      const close = text.slice(i + 1, i + 130).indexOf("]");
      if (close < 0) return -1;
      const after = text[i + 1 + close + 1];
      if (after !== "(" && after !== "[") return -1;
      return /[\n[]/.test(text.slice(i + 1, i + 1 + close)) ? -1 : i + 1;
    }
    const target = LINK_TARGET.exec(text.slice(i, i + 514));
    return target ? i + target[0].length : -1;
  }
}

const TAG_OPENER = /^[A-Za-z!?/]$/u;
const TAG_START = /^<[A-Za-z]/u;
/** Elements whose text is raw: nothing in it is a tag. */
const RAW_TEXT = /^(?:script|style|textarea|title|xmp|noscript|iframe|noembed|noframes)$/u;
/** Elements that hold no content and take no closing tag. */
const VOID_ELEMENT = /^(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)$/u;
/** Roots of foreign content, where a self-closing mark closes and scripts and styles hold markup. */
const FOREIGN_ROOT = /^(?:svg|math)$/u;
/** HTML start tags that end SVG and MathML content (the tree builder's "in foreign content" list; "font" whatever its attributes, where the builder needs color, face or size). */
const FOREIGN_BREAKOUT =
  /^(?:b|big|blockquote|body|br|center|code|dd|div|dl|dt|em|embed|h[1-6]|head|hr|i|img|li|listing|menu|meta|nobr|ol|p|pre|ruby|s|small|span|strong|strike|sub|sup|table|tt|u|ul|var|font)$/u;
/** End tags that end SVG and MathML content. */
const FOREIGN_BREAKOUT_END = /^(?:p|br)$/u;
/** Elements of SVG and MathML (lower-cased), whose end tags stay in foreign content; any other end tag may leave it. */
const FOREIGN_ELEMENT =
  /^(?:svg|math|g|path|rect|circle|ellipse|line|polyline|polygon|text|tspan|textpath|defs|use|symbol|marker|mask|pattern|clippath|image|switch|view|filter|fe[a-z]+|lineargradient|radialgradient|stop|animate|animatemotion|animatetransform|set|mpath|metadata|foreignobject|desc|title|script|style|glyph|template|mi|mo|mn|ms|mtext|mrow|mfrac|msqrt|mroot|mstyle|merror|mpadded|mphantom|mfenced|menclose|msub|msup|msubsup|munder|mover|munderover|mmultiscripts|mprescripts|mtable|mtr|mtd|mlabeledtr|maction|mspace|mglyph|semantics|annotation|annotation-xml|none|maligngroup|malignmark)$/u;
/** MathML's text elements and SVG's HTML integration points, whose content is read as HTML. */
const INTEGRATION_POINT = /^(?:mi|mo|mn|ms|mtext|foreignobject|desc|title)$/u;

/** A link's target after its text, with an optional title ("](#)", "](<a b>)", "](# \"t\")"), or a reference label ("][r]"). */
const LINK_TARGET = /^\](?:\(\s*(?:<[^<>\n]*>|[^\s()]*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*\)|\[[^\]\n]{0,64}\])/u;
