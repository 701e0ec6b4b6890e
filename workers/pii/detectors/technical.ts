// The structural gate on entity spans: code, configuration, logs, CLI output and tables are full
// of capitalised identifiers and words the tagger takes for names, and hold names only in a few
// places (a name field, a full known name). Identifiers are never entities anywhere.
import { Gaz } from "../tagger/features.js";
import type { EntityKind, Tagger } from "../tagger/tagger.js";
import { nameLikeness } from "../tagger/name-shape.js";
import { Shape, tokenize } from "../tagger/tokens.js";
import { isHandleName } from "./names.js";

/** `speaker`: a chat transcript's speaker (names.ts addChatSpeakers), a person whatever the line looks like. */
type Span = { kind: EntityKind; start: number; end: number; speaker?: boolean };

// A line of a log, trace or tool output: a timestamp, a level or a stack frame opens it.
const LOG_OPENING =
  /^(?:[0-9a-f]{7,40} |\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\[?\d\d:\d\d:\d\d|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d|[IWEF]\d{4} \d\d:|\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR!?|FATAL|CRITICAL)\b|at [\w$.<>[\]/]+ ?\(|at (?:async )?[\w$./:<>]+:\d+|File "[^"]+", line \d+|#\d+ 0x[\da-f]+|\d+\s+\S+\s+0x[\da-f]{6,}|(?:npm|yarn|pnpm) (?:ERR|WARN)|[+-]{3} [ab/]|@@ |diff --git|index [\da-f]{7}|\$ |[✓✔✗×❯➜→] |={3,}|-{3,}|\*{3,})/;
// Characters that seldom stand in prose: brackets, operators, sigils.
const CODE_CHARS = /[{}[\]<>=$\\`_^~]/g;
// A key and its value in code or configuration: a quoted or identifier-shaped key ("name":, max_size =, spring.jpa:).
const CODE_KEY =
  /^\s*(?:["'][^"'\s]{1,60}["']\s*[:=]|[\w-]*\w[_.]\w[\w.-]*\s*[:=]|\w+\s*=(?!=)|[a-z][\w-]*:\s*(?:$|["'[{|>\d-]|true\b|false\b|null\b|~))/;
// A chat line whose speaker is a user name ("tiny_tim_77: my uncle Rodrigo fished…", "sara.b: no
// sono da nonna Lucia"): a handle of a few parts, then prose of three words or more with no
// character of code. A key of configuration is followed by a value, seldom by a sentence.
const CHAT_HANDLE_LINE = /^[\p{L}\d]+(?:[_.][\p{L}\d]+){1,2}:\s+(?=(?:\S+\s+){2,}\S)[¿¡"“]?\p{L}[^{}[\]<>=$\\`^~|;]*$/u;
// A line of a help text or listing: columns kept apart by runs of spaces, or an indented flag.
const COLUMNS = /\S(?: {2,}|\t)\S.*\S(?: {2,}|\t)\S/;
/** A sentence: a capital, then five lower-case words or more. Blanks doubled between its words make no table of it. */
const SENTENCE_OPENS = /^["“(]?\p{Lu}/u;
const LOWER_WORD = /(?:^|\s)\p{Ll}/gu;
function sentence(line: string): boolean {
  return SENTENCE_OPENS.test(line) && (line.match(LOWER_WORD)?.length ?? 0) >= 5;
}
const FLAG_LINE = /^\s*-{1,2}[\w[]/;
/** A dash and a capitalised word ending a line after a sentence: a signature, not an option. */
const DASH_SIGNATURE = /(?<=[.!?]\s{1,3})-\p{Lu}\p{Ll}{2,}\s*$/u;
const PATH_OR_URL = /:\/\/|(?:^|\s)\.{0,2}\/[a-z_][\w.-]*\/[\w.-]|(?<![a-z])[a-z]\w*\/\w+\.[a-z]{1,4}\b/i;
const CODE_ENDING = /[{;[(]\s*$|["'\])}],\s*$|^\s*[}\])]/;
const CODE_KEYWORD =
  /^\s*(?:import|export|from|const|let|var|function|def|class|return|if|elif|else|for|while|switch|case|try|catch|except|raise|throw|public|private|protected|static|final|async|await|fn|pub|use|impl|struct|enum|interface|type|package|module|namespace|include|require|#include|#define|#if|#endif|SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|FROM|WHERE|JOIN|RUN|COPY|ENV|FROM|CMD|EXPOSE|WORKDIR|ARG|LABEL|echo|export|set|fi|done|then|local|sudo|npm|npx|git|cd|mkdir|rm|cp|mv|curl)\b/;

/** Whether a line reads as code, configuration, log or tool output rather than prose (a table's row included). */
export function technicalLine(line: string): boolean {
  return lineKind(line) !== PROSE;
}

/** Whether a line is a table's row: aligned columns or a Markdown row, and nothing of code, a log or a path. */
export function tableLine(line: string): boolean {
  return lineKind(line) === TABLE;
}

/** The parts of `span` between a table's column gaps (two blanks or more, a tab), each without the blanks around it. */
function cellsOf(text: string, span: Span): Span[] {
  const cells: Span[] = [];
  const gap = / {2,}|\t+/g;
  const value = text.slice(span.start, span.end);
  let from = 0;
  for (let m = gap.exec(value); ; m = gap.exec(value)) {
    const to = m ? m.index : value.length;
    const cell = value.slice(from, to);
    const lead = cell.length - cell.trimStart().length;
    if (cell.trim()) cells.push({ ...span, start: span.start + from + lead, end: span.start + from + lead + cell.trim().length });
    if (!m) break;
    from = m.index + m[0].length;
  }
  return cells;
}

function headerWord(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  if (t.count !== 1) return false;
  const flags = model.gazetteer.flags(t.word[0] ?? 0);
  return (flags & Gaz.common) !== 0 && !(flags & Gaz.last);
}

const PROSE = 0;
const TECHNICAL = 1;
/** A row of a table: aligned columns or a Markdown row, and nothing of code, a log or a path. */
const TABLE = 2;
const MARKDOWN_ROW = /^\|.*\|\s*$/;

function lineKind(line: string): number {
  const t = line.trim();
  if (t.length === 0) return PROSE;
  // Each regex below is tried at every position of a line, so the ones that need a character a
  // prose line seldom holds (two blanks or a tab, a slash) run only when it is there.
  const gaps = t.includes("  ") || t.includes("\t");
  if (LOG_OPENING.test(t) || (CODE_KEY.test(line) && !CHAT_HANDLE_LINE.test(t)) || FLAG_LINE.test(line) || CODE_ENDING.test(line)) return TECHNICAL;
  if (((gaps && COLUMNS.test(line) && !sentence(t)) || MARKDOWN_ROW.test(t)) && !(t.includes("/") && PATH_OR_URL.test(t)) && !CODE_KEYWORD.test(line))
    return TABLE;
  if (
    /\b0x[\da-fA-F]{2,}\b|(?:\b\d[\d.]*,\s*){3}|[\x21-\x7e]\s=\s|\S {2,}[\d.,]+\s?[A-Za-z%]{0,3}\s*$|\s->\s|=>|::|(?:^|\s)--?[A-Za-z][\w-]*(?=[\s=]|$)/.test(
      // A name signing a message after a dash is no option ("…soita minulle. -Aleksi").
      t.replace(DASH_SIGNATURE, ""),
    )
  )
    return TECHNICAL;
  if (/^(?:from\s+[\w.]+\s+import|import\s+[\w.{*])/.test(t)) return TECHNICAL;
  if (CODE_KEYWORD.test(line) && /[(){}=;<>]/.test(t)) return TECHNICAL;
  if (/^(?:\/\/|\/\*|#!|<!--)/.test(t) || /^\s+\*[\s/]/.test(line)) return TECHNICAL;
  const code = t.match(CODE_CHARS)?.length ?? 0;
  // A path or URL; a match never starts after a letter, since one starting there could start earlier.
  return code >= 3 || (code >= 2 && code / t.length > 0.04) || (t.includes("/") && PATH_OR_URL.test(t)) ? TECHNICAL : PROSE;
}

/**
 * Where each line starts and whether it is technical; a text mostly made of such lines is technical throughout, one with a quarter of them is mixed.
 * A line is judged without the values the pattern detectors found in it (`values`, in order): an IPv6 address's "::" or
 * a key's underscores make no code of the prose around them ("Hola Carmen, … desde 2001:db8::e327").
 */
function lineMap(
  text: string,
  values: ReadonlyArray<{ start: number; end: number }>,
): { starts: number[]; technical: boolean[]; table: boolean[]; document: boolean; mixed: boolean } {
  const starts: number[] = [];
  let next = 0;
  const technical: boolean[] = [];
  const table: boolean[] = [];
  let at = 0;
  let lines = 0;
  let count = 0;
  while (at <= text.length) {
    const nl = text.indexOf("\n", at);
    const end = nl === -1 ? text.length : nl;
    let line = text.slice(at, end);
    while (next < values.length && (values[next]?.end ?? 0) <= at) next++;
    if (next < values.length && (values[next]?.start ?? end) < end) line = withoutValues(text, at, end, values, next);
    const kind = lineKind(line);
    const tech = kind !== PROSE;
    starts.push(at);
    technical.push(tech);
    table.push(kind === TABLE);
    if (line.trim()) {
      lines++;
      // A chat line keyed by a user name is prose for its own entities, but keyed like
      // configuration: it counts toward the text's share, so it never turns a document of fields
      // into mixed text (where a name field's lower-case value would be lost).
      if (tech || (CHAT_HANDLE_LINE.test(line.trim()) && CODE_KEY.test(line))) count++;
    }
    if (nl === -1) break;
    at = nl + 1;
  }
  return { starts, technical, table, document: lines >= 4 && count / lines >= 0.6, mixed: lines >= 2 && count / lines >= 0.25 };
}

/**
 * The line [from, to) with each value inside it written as letters, its length kept (the share of code
 * characters is per character; digits would make a list of values a list of numbers).
 */
function withoutValues(text: string, from: number, to: number, values: ReadonlyArray<{ start: number; end: number }>, first: number): string {
  let line = "";
  let at = from;
  for (let i = first; i < values.length; i++) {
    const v = values[i] as { start: number; end: number };
    if (v.start >= to) break;
    const start = Math.max(v.start, at);
    const end = Math.min(v.end, to);
    if (end <= start) continue;
    line += `${text.slice(at, start)}${"x".repeat(end - start)}`;
    at = end;
  }
  return line + text.slice(at, to);
}

function lineOf(starts: number[], pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// Characters that glue a word into an identifier, a path, a URL or a member access.
const GLUE_BEFORE = /[A-Za-z0-9_$\\%`]$|[A-Za-z0-9_$][./:#]$|(?:^|[\s`'"(])--?$/;
const GLUE_AFTER = /^[A-Za-z0-9_$@\\(<[`=]|^[./][A-Za-z0-9_]|^:[0-9/]|^::/;
// Inside a name, place or organisation: never brackets, operators or sigils.
const CODE_INSIDE = /[{}[\]<>;=$\\`|_*@%^~]|::|\w\(|[a-z]{2}\.[A-Za-z]{2}|\s-[A-Za-z]\b|\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z\d]{6,}\b/;
const CODE_INSIDE_ADDRESS = /[{}[\]<>;=$\\`|_*@%^~]|\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z\d]{8,}\b/;

/** A span that is part of an identifier, path, URL or expression ("github.com", "GIT_DIR", "RegExp(e"). */
export function inIdentifier(text: string, start: number, end: number, kind: EntityKind): boolean {
  const value = text.slice(start, end);
  if ((kind === "address" ? CODE_INSIDE_ADDRESS : CODE_INSIDE).test(value)) return true;
  // A possessive's apostrophe ends the name ("Olga's"); a dot after a number is an ordinal ("2.º").
  const last = text.slice(start, end).replace(/['’]$/, "");
  const after = text.slice(start + last.length, start + last.length + 2);
  // Han, kana or Hangul right before "(" is prose: NFKC writes the full-width bracket "（" as "(".
  const bracketAfterUncased = after.startsWith("(") && /\p{Lo}$/u.test(last);
  // A label of a person's field glued to its value ("Recipient:John Smith", "From:Anna Berg") names the field, not code.
  const labelledPerson =
    kind === "person" && text[start - 1] === ":" && /\s/u.test(value) && PERSON_LABEL_BEFORE.test(text.slice(Math.max(0, start - 24), start));
  return (
    (GLUE_BEFORE.test(text.slice(Math.max(0, start - 2), start)) && !labelledPerson) ||
    (GLUE_AFTER.test(after) && !(/\d$/.test(last) && after.startsWith(".")) && !bracketAfterUncased)
  );
}

/** A person's field label written as people write forms, right before its colon ("Recipient:", "From:"). */
const PERSON_LABEL_BEFORE =
  /(?:^|[\s(])(?:[Rr]ecipient|[Ss]ender|[Ff]rom|[Tt]o|[Cc]c|[Nn]ame|[Ff]ull [Nn]ame|[Cc]ontact|[Cc]ustomer|[Pp]atient|[Hh]older|[Aa]ttn|[Aa]ttention|[Dd]estinatario|[Ee]mpfänger|[Dd]estinataire|[Oo]dbiorca|[Nn]adawca)\s?:$/u;

// A field that holds a person, organisation or place in code, configuration or a log line
// ("author": "…", customer_name=…, city: …), right before the value.
const FIELD_END = "s?[\"'`\\]]?\\s*[:=]\\s*[=>]?\\s*[\"'`[(]?\\s*$";
const PERSON_FIELD = new RegExp(
  "(?:name|author|owner|maintainer|contact|customer|client|user|employee|patient|person|recipient|sender|assignee|reporter|holder|beneficiary|signer|signed|manager|from|to|cc|reply-to|nom|nombre|nome|naam|vorname|nachname)" +
    FIELD_END,
  "iu",
);
const PLACE_ORG_FIELD = new RegExp(
  "(?:company|employer|organi[sz]ation|org|vendor|supplier|bank|school|city|town|country|region|state|province|address|street|location|place|residence|birthplace|firma|ort|stadt|ville|ciudad|cidade|adresse|direcci[oó]n|endere[cç]o)" +
    FIELD_END,
  "iu",
);

/**
 * Strong evidence for a span in technical text: a name field just before it, or (for a person)
 * two or more capitalised words opening with a known given name and ending with a known family
 * name, none of them an everyday or technical word.
 */
function strongEvidence(text: string, span: Span, lineStart: number, model: Tagger): boolean {
  const value = text.slice(span.start, span.end);
  const t = tokenize(value);
  const flags = (i: number) => model.gazetteer.flags(t.word[i] ?? 0);
  const words: number[] = [];
  for (let i = 0; i < t.count; i++) if (t.shape[i] !== Shape.Punct && t.shape[i] !== Shape.SingleCap) words.push(i);
  // A name field before it, holding something other than an everyday or technical word ("name: CI", "name: Install deps").
  const before = text.slice(Math.max(lineStart, span.start - 48), span.start);
  if ((span.kind === "person" ? PERSON_FIELD : PLACE_ORG_FIELD).test(before)) {
    // Several words pass when one is a known name ("Bui Thanh Long").
    const named = words.length > 1 && words.some((i) => flags(i) & NAMES);
    return (
      (named || words.every((i) => !(flags(i) & (Gaz.dictionary | Gaz.techTerm)) || flags(i) & Gaz.first)) &&
      !(words.length === 1 && t.shape[words[0] ?? 0] === Shape.AllCaps && value.length <= 4)
    );
  }
  if (span.kind === "address") return /\d/.test(value) && ADDRESS_WORDS.test(value);
  if (span.kind !== "person" || words.length < 2) return false;
  // A full name: capitalised words, a known given name first, then names or words no list knows that look like names.
  for (const i of words) if (t.shape[i] !== Shape.Capitalised && t.shape[i] !== Shape.AllCaps) return false;
  if (!(flags(words[0] ?? 0) & Gaz.first) || flags(words[0] ?? 0) & Gaz.techTerm) return false;
  return words.slice(1).every((i) => flags(i) & NAMES || (!(flags(i) & EVERYDAY) && nameLikeness(value.slice(t.starts[i], t.ends[i])) >= 0));
}

/**
 * What a span needs in the prose parts of technical text (comments, lines between code): capitalised
 * words, none of them an acronym, code-cased or holding a digit, the first one not an everyday word
 * alone ("Added XOR", "Raise HashMismatch", "la gramatica" are not names).
 */
function proseEvidence(text: string, span: Span, model: Tagger): boolean {
  if (strongEvidence(text, span, span.start, model)) return true;
  const t = tokenize(text.slice(span.start, span.end));
  let first = true;
  let words = 0;
  let named = false;
  for (let i = 0; i < t.count; i++) {
    const shape = t.shape[i];
    if (shape === Shape.Punct || shape === Shape.SingleCap) continue;
    const word = text.slice(span.start + (t.starts[i] ?? 0), span.start + (t.ends[i] ?? 0));
    if (shape !== Shape.Capitalised || CODE_CASE.test(word)) return false;
    const flags = model.gazetteer.flags(t.word[i] ?? 0);
    if (first && flags & EVERYDAY && !(flags & PLACES_AND_NAMES)) return false;
    first = false;
    words++;
    if (flags & PLACES_AND_NAMES) named = true;
  }
  // One word must be a name or place some list knows ("Guillaume", "Vladivostok"; not "Liberapay").
  return words > 1 || named;
}

const HEADING = /^\s*#{2,}\s/;
const CODE_CASE = /\p{Ll}\p{Lu}|\d/u;
const PLACES_AND_NAMES = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName;
const EVERYDAY = Gaz.techTerm | Gaz.dictionary | Gaz.common;
const NAMES = Gaz.first | Gaz.last;
// A comment opens here: what follows is prose written by a person, read as such unless the whole text is code.
const COMMENT = /(?:^|\s)(?:\/\/|#|\/\*|\*|<!--|--)\s?(?=\S)/;

// Street, unit and postal words of the common languages: an address in a log line has one.
const ADDRESS_WORDS =
  /\b(?:unit|street|st|road|rd|avenue|ave|lane|drive|blvd|boulevard|way|court|place|suite|apt|floor|po box|rue|avenue|chemin|calle|avenida|rua|via|piazza|stra(?:ß|ss)e|str|weg|platz|straat|laan|gatan|vej|ulica|ul)\b/iu;

/** Whether `at` lies in the comment part of the line starting at `lineStart`. */
function inComment(text: string, lineStart: number, at: number): boolean {
  const m = COMMENT.exec(text.slice(lineStart, at + 1));
  return m !== null;
}

/**
 * Drops the entity spans that sit in an identifier anywhere, and those in technical lines (or a
 * mostly technical text) that have no strong evidence.
 */
export function gateTechnical(
  text: string,
  spans: ReadonlyArray<Span>,
  model: Tagger,
  values: ReadonlyArray<{ start: number; end: number }> = [],
): Span[] {
  if (spans.length === 0) return [];
  let map: ReturnType<typeof lineMap> | null = null;
  const kept: Span[] = [];
  for (const span of spans) {
    if (span.speaker) {
      kept.push(span);
      continue;
    }
    // A user name of a given and a family name ("sara_lindqvist") is a person written as an identifier.
    const handle = span.kind === "person" && isHandleName(text.slice(span.start, span.end), model, text[span.start - 1] === "@");
    if (!handle && inIdentifier(text, span.start, span.end, span.kind)) continue;
    map ??= lineMap(
      text,
      [...values].sort((a, b) => a.start - b.start),
    );
    const line = lineOf(map.starts, span.start);
    const lineStart = map.starts[line] ?? 0;
    // A heading of a technical text ("## Max per-connection headers", "### Command-line Options") is read as a technical line.
    const heading = HEADING.test(text.slice(lineStart, span.start));
    // A table's row holds people as prose does ("Ahmed Khan  Leeds  Ops", "| Maria Kowalska | Krakow |"): a name's capitals and lists, not a full name.
    if (map.table[line] && !heading) {
      // Each cell alone: the tagger reads across the gaps ("Ahmed Khan  Leeds", a header "Name  City  Team").
      // A one-word cell that is an everyday English word is a header's ("Name", "Team"), unless a family name.
      for (const cell of cellsOf(text, span))
        if (proseEvidence(text, cell, model) && !headerWord(text.slice(cell.start, cell.end), model)) kept.push(cell);
      continue;
    }
    if (map.document || heading || (map.technical[line] && !inComment(text, lineStart, span.start))) {
      if (!strongEvidence(text, span, lineStart, model)) continue;
    } else if ((map.technical[line] || map.mixed) && !proseEvidence(text, span, model)) continue;
    kept.push(span);
  }
  return kept;
}
