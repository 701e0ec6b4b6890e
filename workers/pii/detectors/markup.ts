// Text inside HTML ("<li>Contact: <strong>Gail Thornbury</strong></li>", "<b>Hannah</b>: I'll push
// the fix"): element tags glue a name to markup, and a line of tags reads as code to the technical
// gate, so names between them were never read. Entities are read on the text as a browser shows it:
// inline tags and comments dropped, block tags a line break, source line breaks a space (in a
// document with block tags). What a tag holds is still read, after the text: its attributes as
// written, one line per tag, and the values of the attributes people write prose into (alt,
// title…) on lines of their own, so a tooltip never joins the words it sits between. Offsets map
// back to the text as sent; the pattern detectors read that text itself.

import { type DefaultTreeAdapterMap, defaultTreeAdapter, parse as parseDocument, parseFragment } from "parse5";
import { PiiBudgetError } from "../errors.js";
import { readReference } from "../references.js";

type DocumentNode = DefaultTreeAdapterMap["node"];
type DocumentElement = DefaultTreeAdapterMap["element"];

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
      (name === "sup" ||
        name === "sub" ||
        HIDDEN_ELEMENT.test(name) ||
        hidingTag(text.slice(lt, end), 1 + name.length, name, selectors) ||
        ((name === "svg" || name === "math") && documentOf(text).unrendered.size > 0))
    )
      return true;
    // A tag's start inside it is read as the tokeniser reads it (text of a value), but the element around it may be raw
    // text to a browser, whose tag a value's quote then swallows ("<textarea>…\"</textarea>…<span hidden>"): doubtful,
    // so the other readings are made (they cost time, never a value).
    // Asked whether a hidden element stands inside one value (`orDoubtful` false), such a tag is only a tag.
    // So is a shown raw-text element ("<xmp><!--</xmp>": the tokeniser reads a comment the tree does not).
    if (orDoubtful && name !== null && SHOWN_RAW_TEXT.test(name)) return true;
    const inner = orDoubtful ? text.indexOf("<", lt + 1) : -1;
    if (inner >= 0 && inner < end && TAG_START.test(text.slice(inner, inner + 2))) return true;
    lt = text.indexOf("<", end);
  }
  return false;
}
/**
 * The marks of `text` (markupAt), each start tag of an element the dropped readings drop reaching to
 * that element's end as the tree builder ends it: a window read around a mark must hold the whole
 * element, or the digits on both sides of a long hidden span are never read together.
 */
export function withHiddenReach(text: string, marks: ReadonlyArray<[number, number]>, selectors: HiddenSelectors | null): Array<[number, number]> {
  if (!holdsFootnotesOrHidden(text, selectors)) return [...marks];
  const { ends } = documentOf(text);
  return marks.map(([start, end]) => {
    const reach = ends.get(start);
    if (reach === undefined || reach <= end || text[start] !== "<") return [start, end];
    return droppedElement(text, start, end, selectors) ? [start, reach] : [start, end];
  });
}

/** The [start, end) spans of the elements of `text` the dropped readings drop (see withHiddenReach), in order. */
export function droppedElements(text: string, selectors: HiddenSelectors | null): Array<[number, number]> {
  if (!holdsFootnotesOrHidden(text, selectors)) return [];
  const out: Array<[number, number]> = [];
  const scan = new MarkupScan(text);
  for (const [start, reach] of documentOf(text).ends) {
    if (text[start] !== "<") continue;
    const tagEnd = scan.markupEnd(start, 1);
    if (tagEnd > start && reach > tagEnd && droppedElement(text, start, tagEnd, selectors)) out.push([start, reach]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Whether the element whose start tag is text[start, end) is one the dropped readings drop. */
function droppedElement(text: string, start: number, end: number, selectors: HiddenSelectors | null): boolean {
  const name = tagName(text, start);
  return (
    name !== null &&
    (name === "sup" ||
      name === "sub" ||
      HIDDEN_ELEMENT.test(name) ||
      hidingTag(text.slice(start, end), 1 + name.length, name, selectors) ||
      documentOf(text).unrendered.has(start))
  );
}

/**
 * A superset of what the dropped readings drop, read without parsing: a footnote reference, an
 * element that hides its content, or the words "hidden" and "style" anywhere (an attribute that
 * hides may stand after a quoted ">" or a long value; a style hides in CSS any way it is spelled).
 */
const CLASS_OR_ID = /[\s/"'](?:class|id)\s*=/iu;
const SHOWN_RAW_TEXT = /^(?:xmp|textarea|plaintext)$/u;
const HIDING_VISIBILITY = /^(?:hidden|collapse)$/iu;
/** Which namespace a tag's element is in, when known ("either": read as hiding in both, a superset). */
type Namespace = "html" | "svg" | "math" | "either";
const FOOTNOTE_OR_HIDDEN =
  /\[\^|<(?:su[pb]|svg|math|script|style|template|noscript|title|datalist|dialog|canvas|noembed|noframes|rp|iframe|video|audio|details|xmp|textarea|plaintext)(?![a-z\d-])|hidden|style|popover|display|visibility/iu;

/** A details element's first child a summary (blanks before it). */
const SUMMARY_FIRST = /^\s*<summary/iu;
/** Elements a browser breaks the line at; images, buttons and form fields sit on the line like words. */
const BREAKING_NAMES =
  "address|article|aside|blockquote|body|br|caption|center|dd|details|div|dl|dt|figcaption|figure|footer|form|h[1-6]|head|header|hr|html|legend|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|title|tr|ul";
const BREAKING = new RegExp(`^(?:${BREAKING_NAMES})$`, "iu");
/** A block element's tag anywhere. */
const BREAKING_TAG = new RegExp(`<(\\/?)(?:${BREAKING_NAMES})(?![a-z\\d-])`, "giu");

/**
 * Whether some block element's tag in `text` breaks no line in a browser (see markupFree's `breaks`): one the tree
 * builder ignored ("11</div>11", "<td>" outside a table), or one of an element its own style or a sheet's rule may lay
 * out inline. Only then is the text read a second way; most pages' block tags all break.
 */
export function holdsUnbreakingBlockTag(text: string, selectors: HiddenSelectors | null, context?: MarkupContext): boolean {
  BREAKING_TAG.lastIndex = 0;
  if (!BREAKING_TAG.test(text)) return false;
  const doc = documentOf(context?.text ?? text);
  const from = context?.from ?? 0;
  BREAKING_TAG.lastIndex = 0;
  for (let m = BREAKING_TAG.exec(text); m; m = BREAKING_TAG.exec(text)) {
    const closing = m[1] === "/";
    if (!closing && m[0].slice(1).toLowerCase() === "br") continue;
    if (closing ? !doc.closers.has(from + m.index) : !doc.ends.has(from + m.index)) return true;
    if (doc.inline.has(from + m.index)) return true;
    if (!closing && selectors?.showing) {
      const end = text.indexOf(">", m.index);
      if (shownByRule(text.slice(m.index, end < 0 ? text.length : end + 1), m[0].slice(1).toLowerCase(), selectors)) return true;
    }
  }
  return false;
}
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
  /**
   * Every renderer applies it as written: a rule of the page's own sheet (no media attribute), inside no at-rule or
   * nesting, its selector one compound of an element name, classes and ids (in lower case) and nothing read loosely.
   */
  certain?: true;
  /** Its declarations are "!important": the element's own style does not undo it. */
  important?: true;
}

/** The hiding rules of a text's style sheets, indexed by a name each requires (a class, id, element or attribute name). */
export interface HiddenSelectors {
  byName: ReadonlyMap<string, readonly HidingRule[]>;
  /** Some rule selects by element or attribute name alone: any tag may be hidden, not only one with a class or id. */
  anyTag: boolean;
  /** Classes and ids compared as written (the certain rules' reading; otherwise in lower case, hiding more). */
  exact?: true;
  /**
   * The names (".c", "#i"; ANY_ELEMENT for a rule by element or attribute name) of rules that set how their elements
   * show without hiding them: SVG's presentation attributes yield to them (the reading without sheets still applies them).
   */
  showing?: ReadonlySet<string>;
}

/**
 * The certain rules of `selectors` alone (HidingRule.certain), compared as written; null when none, or when they are
 * all of them. Read beside all rules and none: a rule only some renderers apply (print media, a false @supports, a
 * selector read loosely) must not hide digits the others show while a certain rule hides a junk digit.
 */
export function certainSelectors(selectors: HiddenSelectors): HiddenSelectors | null {
  const byName = new Map<string, HidingRule[]>();
  let all = true;
  let anyTag = false;
  for (const [name, rules] of selectors.byName) {
    const certain = rules.filter((r) => r.certain);
    if (certain.length < rules.length) all = false;
    if (certain.length === 0) continue;
    byName.set(name, certain);
    if (certain.some((r) => !r.classes.length && !r.ids.length)) anyTag = true;
  }
  return all || byName.size === 0 ? null : { byName, anyTag, exact: true, ...(selectors.showing ? { showing: selectors.showing } : {}) };
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
  const document = documentOf(text);
  // Nested lists make a sheet's selectors many times its length (64-wide lists under 64-wide lists): past this many,
  // the text is refused as a budget overrun (fail closed) rather than read for seconds or read in part.
  const work = { left: Math.floor(text.length / CHARACTERS_PER_SELECTOR) + SELECTOR_SLACK };
  const add = (ruleRead: HidingRule) => {
    let rule = ruleRead;
    // An element name under an ancestor hides that element only where the ancestor holds it. The
    // elements are not matched as a tree: where the document holds an element the ancestor's
    // compound names, every such element is read as hidden (".c i" and a class "c": every <i>); elsewhere none.
    if (rule.within) {
      if (!namedIn(document.names, rule.within)) return;
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
  const showing = new Set<string>();
  for (const sheet of document.sheets) readSheet(withoutComments(sheet), add, work, document.certainSheets.has(sheet), showing);
  // A certain rule another rule may undo (".y{display:none}.y{display:inline}") is certain no more.
  if (showing.size > 0)
    for (const rules of byName.values())
      for (const rule of rules) if (rule.certain && (showing.has(ANY_ELEMENT) || ruleNames(rule).some((n) => showing.has(n)))) delete rule.certain;
  return byName.size > 0 || showing.size > 0 ? { byName, anyTag, ...(showing.size > 0 ? { showing } : {}) } : null;
}

/** Selectors read per text: one per four of its characters and 16 K more (a sheet's hiding rules hold far fewer). */
const CHARACTERS_PER_SELECTOR = 4;
const SELECTOR_SLACK = 16 * 1024;

const HTML_NS = "http://www.w3.org/1999/xhtml";
const SVG_NS = "http://www.w3.org/2000/svg";

/** What the document a browser builds of a text holds for the markup passes (see documentOf). */
interface DocumentReading {
  /** The text of each style sheet applied. */
  sheets: string[];
  /** Those every renderer applies: the page's own style elements (scripting on) with no media attribute. */
  certainSheets: Set<string>;
  /** The names its elements hold. */
  names: Names;
  /** Where each element written in the text opens (its start tag's "<"), and where it ends. */
  ends: Map<number, number>;
  /** Where each raw-text element's text (a script's, a textarea's, an xmp's…) ends: its closing tag, or where it was closed. */
  rawEnds: Map<number, number>;
  /** Where each SVG element opens (HTML's hidden attribute means nothing there, its presentation attributes do). */
  svg: Set<number>;
  /** Where each MathML element opens (HTML's hidden attribute means nothing there either). */
  math: Set<number>;
  /** Where each end tag that ended an element stands (one the tree builder ignored ends nothing: "11</div>11"). */
  closers: Set<number>;
  /** Where the tags of a block element its own style lays out inline stand ("<div style=display:inline>", its end tag). */
  inline: Set<number>;
  /**
   * Where each SVG element opens that draws no text: one never rendered (desc, defs, clipPath, animation…), a child
   * of text content other than tspan, textPath or a, a switch's child after its first, and one whose conditional
   * attributes (systemLanguage, requiredExtensions) may fail; the dropped readings drop them.
   */
  unrendered: Set<number>;
}

/** The last text read and its reading: a text is read by several passes (each footnote reading, a masker's joined and own texts). */
// Two: a window's reading asks the whole text's tree where its block tags end (markupFree's `context`).
const lastReadings: Array<{ text: string; reading: DocumentReading }> = [];

/**
 * The document a browser builds of `text` read as HTML: its style sheets, the names its elements
 * hold and where each element ends. parse5 builds the tree as the HTML standard does (tokeniser
 * states, foreign content and its integration points, templates, elements closed by others): every
 * reading of it written here by hand was broken by a red team (docs/pii.md).
 * A sheet is the text of an HTML or SVG style element of a CSS type, none inside a template's inert
 * content: raw text in HTML; in SVG its own text nodes, references and CDATA read, comments and child
 * elements not. One sheet per element, so the sheets together are never longer than the text.
 * An element ends after its closing tag, or where the tag or the text's end that closed it starts.
 */
function documentOf(text: string): DocumentReading {
  const known = lastReadings.find((r) => r.text === text);
  if (known) return known.reading;
  const reading: DocumentReading = {
    sheets: [],
    certainSheets: new Set(),
    names: { elements: new Set(), classes: new Set(), ids: new Set(), attributes: new Set() },
    ends: new Map(),
    rawEnds: new Map(),
    svg: new Set(),
    math: new Set(),
    closers: new Set(),
    inline: new Set(),
    unrendered: new Set(),
  };
  const { names, ends, rawEnds } = reading;
  const sheets = new Set<string>();
  // The first titled sheet names the preferred set; a sheet of another title is an alternate a browser leaves off.
  let preferred: string | undefined;
  // What the page's nodes hold as text, comments and start tags: a "<style" there is no style element.
  const covered: Array<[number, number]> = [];
  // The renderer is not known: a browser loading a page (scripts on), a mail client or a script-less view (a
  // "<noscript>" sheet applies), a web app putting the text inside an element (a "<frameset>" is ignored there). The
  // sheets of every reading are read (hiding more); the detector also reads the text with no sheet (hiding less).
  const parses: DocumentNode[] = [parseDocument(text, { sourceCodeLocationInfo: true, treeAdapter: cappedTreeAdapter(text) })];
  if (NOSCRIPT_OPEN.test(text))
    parses.push(parseDocument(text, { scriptingEnabled: false, sourceCodeLocationInfo: true, treeAdapter: cappedTreeAdapter(text) }));
  if (FRAMESET_OPEN.test(text)) parses.push(parseFragment(text, { sourceCodeLocationInfo: true, treeAdapter: cappedTreeAdapter(text) }));
  parses.forEach((root, index) => {
    // A stack, not recursion: the document may nest as deep as the text has tags.
    const stack: Array<{ node: DocumentNode; inert: boolean }> = [{ node: root, inert: false }];
    for (let item = stack.pop(); item; item = stack.pop()) {
      const { node, inert } = item;
      if ("tagName" in node) {
        names.elements.add(node.tagName.toLowerCase());
        for (const { name, value } of node.attrs) {
          names.attributes.add(name.toLowerCase());
          if (name !== "class" && name !== "id") continue;
          for (const token of value.split(HTML_BLANKS)) if (token) (name === "class" ? names.classes : names.ids).add(token.toLowerCase());
        }
        // Where the page's elements end, by where they open (the tokeniser may read a name otherwise: "<b\u3000 hidden>"); a
        // formatting element the builder rebuilds keeps its first start and ends last; of several readings, the longest.
        const at = node.sourceCodeLocation;
        if (at?.startTag) {
          const end = at.endTag?.endOffset ?? Math.max(at.endOffset, at.startTag.endOffset);
          ends.set(at.startTag.startOffset, Math.max(end, ends.get(at.startTag.startOffset) ?? 0));
          if (index === 0) covered.push([at.startTag.startOffset, at.startTag.endOffset]);
          if (index === 0 && node.namespaceURI === HTML_NS && RAW_TEXT_ELEMENT.test(node.tagName))
            rawEnds.set(at.startTag.startOffset, at.endTag?.startOffset ?? Math.max(at.endOffset, at.startTag.endOffset));
          if (index === 0 && node.namespaceURI === SVG_NS) {
            reading.svg.add(at.startTag.startOffset);
            if (drawsNoText(node)) reading.unrendered.add(at.startTag.startOffset);
          }
          if (index === 0 && node.namespaceURI === MATH_NS) {
            reading.math.add(at.startTag.startOffset);
            // An maction shows its selected child (the first, as written): the others draw nothing.
            const parent = node.parentNode;
            if (
              MATH_DRAWS_NOTHING.test(node.tagName.toLowerCase()) ||
              (parent && "tagName" in parent && parent.tagName === "maction" && parent.childNodes.find((c) => "tagName" in c) !== node)
            )
              reading.unrendered.add(at.startTag.startOffset);
          }
          if (node.namespaceURI === HTML_NS && BREAKING.test(node.tagName) && inlineStyle(node.attrs)) {
            reading.inline.add(at.startTag.startOffset);
            if (at.endTag) reading.inline.add(at.endTag.startOffset);
          }
        }
        if (at?.endTag) reading.closers.add(at.endTag.startOffset);
        if (node.tagName === "style" && !inert && (node.namespaceURI === HTML_NS || node.namespaceURI === SVG_NS) && cssType(node.attrs)) {
          const sheet = node.childNodes.map((child) => ("value" in child && child.nodeName === "#text" ? child.value : "")).join("");
          sheets.add(sheet);
          // A media attribute, or the title of an alternate set, makes a sheet not every renderer's.
          const title = node.attrs.find((a) => a.name === "title")?.value;
          if (index === 0 && title !== undefined) preferred ??= title;
          if (index === 0 && !node.attrs.some((a) => a.name === "media") && (title === undefined || title === preferred))
            reading.certainSheets.add(sheet);
        }
        // A style sheet linked as a data: URL is loaded with the page (no fetch: it is in the text).
        if (node.tagName === "link" && !inert && /\bstylesheet\b/iu.test(node.attrs.find((a) => a.name === "rel")?.value ?? "")) {
          const sheet = dataSheet(node.attrs.find((a) => a.name === "href")?.value ?? "");
          if (sheet !== null) sheets.add(sheet);
        }
        // A template's content is inert (its sheets apply nowhere); its names and elements are read all the same.
        if (node.tagName === "template" && "content" in node) stack.push({ node: node.content, inert: true });
      } else if (index === 0 && "sourceCodeLocation" in node && node.sourceCodeLocation && (node.nodeName === "#comment" || rawText(node)))
        covered.push([node.sourceCodeLocation.startOffset, node.sourceCodeLocation.endOffset]);
      if ("childNodes" in node) for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push({ node: node.childNodes[i] as DocumentNode, inert });
    }
  });
  // And a style start tag the tree builder dropped (not an element's, nor inside text, a comment or a tag): parsers
  // differ there ("<select><style>": parse5 drops it, current Chromium keeps it). Its text to the closing tag or the
  // next style start; disjoint, never longer than the text.
  covered.sort((a, b) => a[0] - b[0]);
  for (const [at, sheet] of styleElementTexts(text)) if (!ends.has(at) && !coveredAt(covered, at)) sheets.add(sheet);
  // A sheet's "@import" of a data: URL is read too (one level: an import inside it is a sheet of its own).
  for (const sheet of [...sheets])
    for (const m of sheet.matchAll(DATA_IMPORT)) {
      const imported = dataSheet(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? "");
      if (imported !== null) sheets.add(imported);
    }
  reading.sheets = [...sheets];
  lastReadings.unshift({ text, reading });
  lastReadings.length = Math.min(lastReadings.length, 2);
  return reading;
}
const NOSCRIPT_OPEN = /<noscript/iu;
const MATH_NS = "http://www.w3.org/1998/Math/MathML";
/** MathML that draws nothing: annotations and phantoms. */
const MATH_DRAWS_NOTHING = /^(?:annotation|annotation-xml|mphantom)$/u;
/** An inline-level display in an element's own style attribute. */
function inlineStyle(attrs: ReadonlyArray<{ name: string; value: string }>): boolean {
  const style = attrs.find((a) => a.name === "style")?.value;
  return style !== undefined && INLINE_DISPLAY.test(cssText(style, false));
}
/**
 * A style that may lay a block element out in the line: any display but a block-level one ("inline", "contents",
 * "table-cell", "initial", "unset", "var(--d)", "-webkit-inline-box"…), or "all" reset.
 */
const INLINE_DISPLAY = /(?:^|;)\s*(?:all\s*:|display\s*:\s*(?!(?:block|flex|grid|table|list-item|flow-root|none)\s*(?:!\s*important\s*)?(?:;|$)))/u;
const FOREIGN_OPEN = /<(?:svg|math)/iu;
/** SVG's elements whose names HTML has not, and those both have. */
const SVG_ONLY_NAME =
  /^(?:tspan|textpath|g|rect|circle|ellipse|line|polyline|polygon|path|use|symbol|defs|switch|foreignobject|lineargradient|radialgradient|clippath|mask|marker|pattern|filter|desc|metadata|animate|animatemotion|animatetransform|set|mpath|image|view)$/u;
const SVG_OR_HTML_NAME = /^(?:a|title|script|style|text|font)$/u;

/** SVG elements never drawn, and those drawn as text inside text content. */
const SVG_NEVER_DRAWN =
  /^(?:desc|title|metadata|defs|symbol|clippath|mask|pattern|marker|lineargradient|radialgradient|filter|script|style|animate|animatemotion|animatetransform|set|mpath|view|cursor|font|font-face)$/u;
const SVG_TEXT_CONTENT = /^(?:text|tspan|textpath)$/u;
const SVG_DRAWN_IN_TEXT = /^(?:tspan|textpath|a)$/u;
/** Conditional processing a browser may fail: an extension it lacks, a language other than English (a reader's may be). */
const SVG_CONDITIONAL = /^(?:systemlanguage|requiredextensions)$/u;

/** Whether an SVG element draws no text (see DocumentReading.unrendered). */
function drawsNoText(node: DocumentElement): boolean {
  const name = node.tagName.toLowerCase();
  if (SVG_NEVER_DRAWN.test(name)) return true;
  if (
    node.attrs.some(
      (a) => SVG_CONDITIONAL.test(a.name.toLowerCase()) && !(a.name.toLowerCase() === "systemlanguage" && /(?:^|,)\s*en\b/iu.test(a.value)),
    )
  )
    return true;
  const parent = "parentNode" in node ? node.parentNode : null;
  if (!parent || !("tagName" in parent) || parent.namespaceURI !== SVG_NS) return false;
  const parentName = parent.tagName.toLowerCase();
  // Inside text content ("a" within it too), only tspan, textPath and a draw.
  if ((SVG_TEXT_CONTENT.test(parentName) || (parentName === "a" && withinSvgText(parent))) && !SVG_DRAWN_IN_TEXT.test(name)) return true;
  // A switch draws its first child that passes its tests: any after the first may not be drawn.
  return parentName === "switch" && parent.childNodes.find((c) => "tagName" in c) !== node;
}

/** Whether an SVG element stands inside text content. */
function withinSvgText(node: DocumentNode): boolean {
  let up = "parentNode" in node ? node.parentNode : null;
  while (up && "tagName" in up && up.namespaceURI === SVG_NS) {
    if (SVG_TEXT_CONTENT.test(up.tagName.toLowerCase())) return true;
    up = up.parentNode;
  }
  return false;
}
const DATA_IMPORT = /@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|"([^"]*)"|'([^']*)')/giu;

/** The CSS a "data:text/css" URL holds (percent-encoded or base64), or null for any other URL or a malformed one. */
function dataSheet(url: string): string | null {
  const m = /^\s*data:text\/css(?:;[^,]*)?,/iu.exec(url);
  if (!m) return null;
  const body = url.slice(m[0].length);
  try {
    return /;base64,$/iu.test(m[0]) ? atob(decodeURIComponent(body)) : decodeURIComponent(body);
  } catch {
    return null;
  }
}
/** A frameset drops a document's body; a fragment inserted into a page ignores it. */
const FRAMESET_OPEN = /<frameset[\t\n\f\r />]/iu;
const STYLE_START = /<style[\t\n\f\r />]/giu;
const STYLE_CLOSE_OR_START = /<\/?style[\t\n\f\r />]/giu;

/** A text node of an element whose text is raw (a "<style" there is text): a script's, a textarea's, an xmp's… */
function rawText(node: DocumentNode): boolean {
  if (node.nodeName !== "#text" || !("parentNode" in node) || !node.parentNode || !("tagName" in node.parentNode)) return false;
  return node.parentNode.namespaceURI === HTML_NS && RAW_TEXT_ELEMENT.test(node.parentNode.tagName);
}
const RAW_TEXT_ELEMENT = /^(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)$/u;
const RAW_TEXT_START = /^<(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)[\t\n\f\r />]/iu;

/** Where each "<style" start tag stands, and the text after it to the next "</style" or "<style". */
function styleElementTexts(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  STYLE_START.lastIndex = 0;
  for (let m = STYLE_START.exec(text); m; m = STYLE_START.exec(text)) {
    const open = text.indexOf(">", m.index);
    if (open < 0) break;
    STYLE_CLOSE_OR_START.lastIndex = open + 1;
    const next = STYLE_CLOSE_OR_START.exec(text);
    const end = next ? next.index : text.length;
    out.push([m.index, text.slice(open + 1, end)]);
    STYLE_START.lastIndex = Math.max(end, open + 1);
  }
  return out;
}

/** Whether `at` falls inside one of the sorted ranges (which may nest: a text node inside a start tag's range never does). */
function coveredAt(ranges: ReadonlyArray<readonly [number, number]>, at: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  let last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((ranges[mid]?.[0] ?? 0) <= at) {
      last = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Ranges do not overlap (text, comments and start tags are disjoint): the last to start at or before `at` decides.
  const range = ranges[last];
  return range !== undefined && at < range[1];
}

/**
 * parse5's tree adapter, counting the elements it makes: a tree builder rebuilds the formatting elements open
 * at every block ("<b id=1>…<b id=200>" then "<div>x</div>" × 1,000 makes 200,000), so past one element for every
 * two characters of the text (and 8 K more) the text is refused as a budget overrun instead of built for seconds (a
 * reading without the tree ends elements where an attacker's tags say and loses values: red team 34c).
 */
function cappedTreeAdapter(text: string): typeof defaultTreeAdapter {
  let left = Math.floor(text.length / 2) + 8192;
  return {
    ...defaultTreeAdapter,
    createElement(tagName, namespaceURI, attrs) {
      if (--left < 0) throw new PiiBudgetError("size");
      return defaultTreeAdapter.createElement(tagName, namespaceURI, attrs);
    },
  };
}

/** A style element's type is CSS when absent, empty or "text/css" (ASCII case-insensitive); another type is no sheet. */
function cssType(attrs: ReadonlyArray<{ name: string; value: string }>): boolean {
  const type = attrs.find((a) => a.name === "type");
  return type === undefined || type.value === "" || type.value.toLowerCase() === "text/css";
}

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

/** A style element, or a sheet linked ("rel=stylesheet"): the texts hiddenSelectors reads. */
const STYLE_OPEN = /<style|stylesheet/iu;
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
  const showing = a.showing || b.showing ? new Set([...(a.showing ?? []), ...(b.showing ?? [])]) : undefined;
  return { byName, anyTag: a.anyTag || b.anyTag, ...(showing ? { showing } : {}) };
}

/** One pass over a sheet: each block's selector (nesting resolved) and its own declarations, a stack for nested blocks. */
function readSheet(css: string, add: (rule: HidingRule) => void, work: { left: number }, certainSheet = false, showing?: Set<string>): void {
  // A block is loose inside an at-rule (media, supports, layer…) or a nested rule: not every renderer applies it as read.
  const blocks: Array<{ selector: string; declarations: string; loose: boolean }> = [];
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
                : nested(parent, own, work);
      blocks.push({ selector, declarations: "", loose: blocks.length > 0 || own.startsWith("@") });
      from = i + 1;
    } else if (c === ";" || c === "}") {
      const block = blocks[blocks.length - 1];
      if (block) block.declarations += `${css.slice(from, i)};`;
      from = i + 1;
      if (c === "}" && block) {
        blocks.pop();
        const declarations = block.selector && block.selector !== NO_ELEMENT ? cssText(block.declarations, false) : "";
        const hides = declarations !== "" && hidingDeclarations(declarations);
        const list = hides || (showing && SHOWING_PROPERTY.test(declarations)) ? splitOutside(block.selector, (c) => c === ",") : [];
        // A rule that sets how its elements show (not hiding them) may undo a hiding rule's: its subjects' names noted.
        if (showing && !hides)
          for (const selector of list) {
            if (--work.left < 0) throw new PiiBudgetError("size");
            const rule = subjectRule(selector);
            // By its classes or ids, else by its element's name; one by attribute alone may select any element.
            if (rule && (rule.classes.length || rule.ids.length)) {
              for (const name of ruleNames(rule)) if (name !== rule.type) showing.add(name);
            } else if (rule?.type) showing.add(rule.type);
            else showing.add(ANY_ELEMENT);
          }
        if (hides) {
          // A list holding a selector not read as written may be one a browser drops whole (an invalid one drops the rule).
          const certainList = certainSheet && !block.loose && list.every((one) => EXACT_SELECTOR.test(one.trim()));
          const important = IMPORTANT.test(declarations);
          for (const selector of list)
            for (const one of withoutIsLists(selector)) {
              if (--work.left < 0) throw new PiiBudgetError("size");
              const rule = subjectRule(one);
              if (!rule) continue;
              if (certainList) rule.certain = true;
              if (important) rule.important = true;
              add(rule);
            }
        }
      }
    }
  }
}

const NO_ELEMENT = "\u0000";
const IMPORTANT = /!\s*important/u;
/** A style setting the property a presentation attribute names. */
const SETS_PROPERTY = { display: /(?:^|;)\s*display\s*:/u, visibility: /(?:^|;)\s*visibility\s*:/u } as const;
const SHOWING_PROPERTY = /(?:^|;)\s*(?:display|visibility|content-visibility|all)\s*:/u;
/** The names a rule requires, as hiddenSelectors keys them (".c", "#i", an element's name). */
function ruleNames(rule: HidingRule): string[] {
  return [...rule.classes.map((c) => `.${c}`), ...rule.ids.map((id) => `#${id}`), ...(rule.type ? [rule.type] : [])];
}
/** One compound of an element name, classes and ids in lower case ("span.x", "#note"): matched as written. */
const EXACT_SELECTOR = /^(?:[a-z][a-z\d-]*)?(?:[.#][a-z_][a-z\d_-]*)*$/u;
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
function nested(parent: string, own: string, work: { left: number }): string {
  const alone = own.replaceAll("&", "");
  if (parent.length > MOST_SELECTOR_TEXT || own.length > MOST_SELECTOR_TEXT) return alone;
  const parents = splitOutside(parent, (c) => c === ",").map((p) => p.trim());
  const owns = splitOutside(own, (c) => c === ",").map((o) => o.trim());
  if (parents.length * owns.length > MOST_SELECTORS) return alone;
  // Building the list is work too, charged as its selectors are (a nesting of lists rebuilds each).
  work.left -= parents.length * owns.length;
  if (work.left < 0) throw new PiiBudgetError("size");
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
function hidingTag(tag: string, nameEnd: number, element: string, selectors: HiddenSelectors | null, where: Namespace = "either"): boolean {
  // The document's own elements: a page that hides its body shows nothing at all, and an element's innerHTML ignores
  // these tags and their attributes (shows all); read as hiding, they only ever lost what the second view shows.
  if (element === "html" || element === "body") return false;
  let open = false;
  let classes: string[] = [];
  let exactClasses: string[] = [];
  let ids: string[] = [];
  let presentation: "display" | "visibility" | null = null;
  let styleSets = "";
  const attributes = new Set<string>();
  for (const [name, value] of tagAttributes(tag, nameEnd)) {
    // Of two attributes of one name, the tokeniser keeps the first.
    if (attributes.has(name)) continue;
    attributes.add(name);
    // Hidden, or a popover not shown (the user agent's "[popover]:not(:popover-open)" hides it): HTML's, nothing in SVG.
    if ((name === "hidden" || name === "popover") && (where === "html" || where === "either")) return true;
    // SVG's presentation attributes that hide ("<tspan display=none>", "visibility=hidd&#x65;n"), read as CSS values are;
    // nothing on an HTML element.
    if ((name === "display" || name === "visibility") && (where === "svg" || where === "either")) {
      const compact = cssText(value, true).replace(/\s+/gu, "");
      if (name === "display" ? compact === "none" : HIDING_VISIBILITY.test(compact)) presentation ??= name;
    }
    if (name === "open") open = true;
    // Read as the sheet is: references decoded, split at HTML's blanks (not a no-break space), in
    // lower case; ":not()" compares as written.
    if (selectors && (name === "class" || name === "id")) {
      const tokens = withReferences(value).split(HTML_BLANKS).filter(Boolean);
      if (name === "class") {
        exactClasses = tokens;
        classes = selectors.exact ? tokens : tokens.map((c) => c.toLowerCase());
      } else ids = selectors.exact ? tokens : tokens.map((id) => id.toLowerCase());
    }
    if (name === "style") {
      const css = cssText(value, true);
      if (hidingDeclarations(css)) return true;
      styleSets = css;
    }
  }
  // A presentation attribute yields to the element's own style setting the same property, and to a sheet's rule that
  // sets how the element shows.
  if (presentation !== null && !SETS_PROPERTY[presentation].test(styleSets)) {
    const showing = selectors?.showing;
    const shownByRule =
      showing !== undefined &&
      (showing.has(ANY_ELEMENT) ||
        showing.has(element) ||
        classes.some((c) => showing.has(`.${c.toLowerCase()}`)) ||
        ids.some((id) => showing.has(`#${id.toLowerCase()}`)));
    if (!shownByRule) return true;
  }
  // A sheet's rule yields to the element's own style setting how it shows, unless "!important".
  const ownDisplay = /(?:^|;)\s*(?:display|visibility|all)\s*:/u.test(styleSets);
  if (selectors && element) {
    const has = new Set(classes);
    const exact = new Set(exactClasses);
    const idSet = new Set(ids);
    const matches = (r: HidingRule): boolean =>
      (!ownDisplay || r.important === true) &&
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

/** Whether a sheet's rule sets how the element of this start tag shows (its name, a class or an id: see HiddenSelectors.showing). */
function shownByRule(tag: string, element: string, selectors: HiddenSelectors | null): boolean {
  const showing = selectors?.showing;
  if (!showing) return false;
  if (showing.has(ANY_ELEMENT) || showing.has(element)) return true;
  for (const [name, value] of tagAttributes(tag, 1 + element.length))
    if (
      (name === "class" || name === "id") &&
      withReferences(value)
        .split(HTML_BLANKS)
        .some((t) => t && showing.has(`${name === "class" ? "." : "#"}${t.toLowerCase()}`))
    )
      return true;
  return false;
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
    // "!important" counts only last ("display:!important none" is no declaration a browser keeps).
    const value = declaration
      .slice(colon + 1)
      .replace(/!\s*important\s*$/u, "")
      .trim();
    if (value.includes("!")) continue;
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

/**
 * `text` without its markup (see MarkupFree), footnote marks and hidden elements read as `footnotes` says; `markdown` false:
 * HTML's markup alone; `breaks` false: a block element's tag breaks no line (a stray "</div>" the tree builder ignores, a
 * "<div style=display:inline>": the browser shows the text on one line).
 */
/** The whole text a window was cut from, and where the window starts in it: its tree says where block tags end. */
export interface MarkupContext {
  text: string;
  from: number;
}

export function markupFree(
  text: string,
  footnotes: Footnotes = "glued",
  selectors: HiddenSelectors | null = null,
  markdown = true,
  breaks = true,
  context?: MarkupContext,
): MarkupFree {
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
  // With SVG or MathML in the text, the tree says which elements are whose and which draw no text; without the
  // element's "<svg" or "<math" in the text (a window inside one), an element whose name is SVG's alone is SVG's
  // and one of both is either.
  const foreign = FOREIGN_OPEN.test(text);
  const namespaceAt = (i: number, name: string): Namespace => {
    if (foreign) {
      const doc = documentOf(text);
      return doc.svg.has(i) ? "svg" : doc.math.has(i) ? "math" : "html";
    }
    return SVG_ONLY_NAME.test(name) ? "svg" : SVG_OR_HTML_NAME.test(name) ? "either" : "html";
  };
  // Without `breaks`: a block tag breaks the line only where the tree builder made or ended an element with it, one
  // its own style does not lay out inline, nor a sheet's rule that sets how it shows (it may show it inline).
  const breaksLine = (i: number, closing: boolean, tag: string, name: string): boolean => {
    // The whole text's tree: a window's own would open an element whose start the window cut off ("<textarea>…<div>").
    const doc = documentOf(context?.text ?? text);
    const at = (context?.from ?? 0) + i;
    if (closing ? !doc.closers.has(at) : !doc.ends.has(at)) return false;
    if (doc.inline.has(at)) return false;
    return closing || !shownByRule(tag, name, selectors);
  };
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
        const summaryEnd = scan.elementEnd(summaryAt, summaryAt);
        if (summaryEnd > summaryAt) detailsHidden = [summaryEnd, scan.elementEnd(i, end)];
        shown = "\n";
      } else if (closing && name === "summary" && detailsHidden && end === detailsHidden[0]) {
        end = Math.max(end, detailsHidden[1]);
        detailsHidden = null;
      } else if (
        name !== null &&
        !closing &&
        footnotes !== "glued" &&
        (name === "sup" ||
          name === "sub" ||
          HIDDEN_ELEMENT.test(name) ||
          hidingTag(text.slice(i, end), 1 + name.length, name, selectors, namespaceAt(i, name)) ||
          (foreign && documentOf(text).unrendered.has(i)))
      ) {
        // The element and what it holds, up to its closing tag, stand apart as one blank or go.
        end = scan.elementEnd(i, end);
        shown = footnotes === "apart" && (name === "sup" || name === "sub") ? " " : "";
      } else if (name !== null && BREAKING.test(name) && (breaks || name === "br" || breaksLine(i, closing, text.slice(i, end), name))) shown = "\n";
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
    // A raw-text element's text is text to its closing tag ("<xmp><!--</xmp>" opens no comment), as the tree reads it.
    if (text.charCodeAt(i) === 60 && RAW_TEXT_START.test(text.slice(i, i + 12))) {
      const rawEnd = scan.rawTextEnd(i);
      if (rawEnd !== undefined && rawEnd > re.lastIndex) re.lastIndex = rawEnd;
    }
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
   * Where the element opened at `openAt` (its opening tag ending at `from`) ends, as a browser
   * builds it: after its closing tag, or where another tag or the text's end closes it; `from` when
   * no element opens there.
   */
  /** Where the text of the raw-text element opened at `openAt` ends (its closing tag), or undefined when none opens there. */
  rawTextEnd(openAt: number): number | undefined {
    return documentOf(this.#text).rawEnds.get(openAt);
  }

  elementEnd(openAt: number, from: number): number {
    // The document is built once, when a hidden element or footnote first needs its end.
    return documentOf(this.#text).ends.get(openAt) ?? from;
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

/** A link's target after its text, with an optional title ("](#)", "](<a b>)", "](# \"t\")"), or a reference label ("][r]"). */
const LINK_TARGET = /^\](?:\(\s*(?:<[^<>\n]*>|[^\s()]*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*\)|\[[^\]\n]{0,64}\])/u;
