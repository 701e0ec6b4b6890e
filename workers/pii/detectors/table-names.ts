// People in the cells of a table: a Markdown table, tab-separated rows or columns aligned by blanks.
// A cell holds a name without the sentence the tagger reads names from ("| Maria | Leeds |"), often
// written small ("| maria kowalska | leeds |"): the column's header says what it holds ("Name",
// "Assignee", "Vorname"), and a cell that is a full name by the lists is one in any column.
import { Gaz } from "../tagger/features.js";
import { nameLikeness } from "../tagger/name-shape.js";
import type { Tagger } from "../tagger/tagger.js";
import { type NameSpan, flagsOf, namedLikeAPerson, replaceOverlapping } from "./names.js";
import { tableLine } from "./technical.js";

/** Headers of a column of people: alone in their cell, or after "first", "full", "contact"… ("File name", "Team name" are not). */
const PERSON_HEADER =
  /^(?:(?:full|first|last|given|family|middle|contact|customer|client|employee|patient|student|user'?s?|owner'?s?|guest|member)[\s_-]?)?(?:names?|surnames?|assignees?|owners?|employees?|contacts?|customers?|clients?|persons?|people|authors?|members?|staff|attendees?|participants?|students?|patients?|reviewers?|reporters?|guests?|candidates?|applicants?|managers?|approvers?|requesters?|signatories|signer|maintainers?|kunde|kundin|kunden|mitarbeiter(?:in)?|teilnehmer(?:in)?|ansprechpartner(?:in)?|kontaktperson|autor(?:in)?|auteur|cliente|empleado|empleada|usuario|responsable|encargado|participante|utente|titolare|utilisateur|participant|nom|prénom|prenom|nombres?|apellidos?|nomes?|sobrenome|cognome|naam|voornaam|achternaam|vorname|nachname|imię|imie|nazwisko|jméno|příjmení|nimi|sukunimi|etunimi|név|navn|fornavn|etternavn|efternamn|förnamn|имя|фамилия|фио|名前|氏名|姓名|이름|성명)$/iu;
/** Headers of a column of places or things: no cell of it is read as a lone given name ("| City |" over "| Paris |"). */
const OTHER_HEADER =
  /^(?:cit(?:y|ies)|towns?|countr(?:y|ies)|locations?|places?|offices?|sites?|regions?|states?|provinces?|venues?|address(?:es)?|languages?|tools?|products?|projects?|teams?|departments?|roles?|rolle|rol|rôle|ruolo|função|funktion|positions?|titles?|titel|abteilung|ville|ciudad|cidade|città|stadt|ort|land|pays|país)$/iu;
/**
 * Headers of a column of things' attributes: a table holding one names things, so its "Name" or
 * "Owner" column is read like any other (packages and versions, services and regions, codenames).
 */
const THING_HEADER =
  /^(?:versions?|descriptions?|values?|status|types?|sizes?|regions?|ports?|paths?|defaults?|licen[cs]es?|downloads|stars|count|id|ids|outputs?|formats?|schedules?|packages?|modules?|dependenc(?:y|ies)|commands?|options?|flags?|keys?|prices?|sku|quantity|qty|urls?|links?|files?|codenames?|releases?|services?|components?|endpoints?|hosts?|images?|tags?|branch(?:es)?|environments?|env|cpu|memory|ram|disk|uptime|purpose|context|models?|usage|category|categories|notes?)$/iu;
/** The header that names things as often as people. */
const NAME_HEADER = /^names?$/iu;
/** What a cell of a people column holds: one to four words of letters, no digit, no sign of code. */
const NAME_CELL = /^\p{L}[\p{L}\p{M}'’.-]*(?:[ ,]{1,3}\p{L}[\p{L}\p{M}'’.-]*){0,3}$/u;
const WORD = /\p{L}[\p{L}\p{M}'’-]*/gu;
/** Lists of a cell word that make it no part of a name: everyday, technical, time, organisation, street, title words, countries (city lists hold "Maria" and "John"). */
const NOT_IN_NAME = Gaz.common | Gaz.techTerm | Gaz.time | Gaz.orgWord | Gaz.street | Gaz.title | Gaz.nationality | Gaz.country;
const SEPARATOR_CELL = /^:?-{2,}:?$/;

type Cell = { start: number; end: number; value: string };

const MAX_NAME_CELL = 96;
/** Marks around a name in a cell: emphasis and code marks, footnote marks, a link's brackets, a role in brackets, an emoji. */
const CELL_DECORATION_START = /^(?:[*_`~]+|\[)/u;
const CELL_DECORATION_END =
  /(?:\]\([^)]*\)|\s*\([^)]{1,24}\)|\s?\[\^?\d{1,2}\]|\^\d{1,2}|[*_`~†‡]+|[\u00b9\u00b2\u00b3\u2070-\u2079]+|(?<=\p{L})\d{1,2}|\s*\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]*)$/u;

/** The cell without the marks around the name it holds ("`maria kowalska`", "[Maria](mailto:…)", "Maria Kowalska¹", "ana (lead)"). */
function undecorated(cell: Cell): Cell {
  let { start, end, value } = cell;
  // A name is a few words: a long cell is none, and the patterns below would try every position of it.
  if (value.length > MAX_NAME_CELL) return cell;
  for (let round = 0; round < 3; round++) {
    const head = CELL_DECORATION_START.exec(value);
    const tail = CELL_DECORATION_END.exec(value);
    if (!head && !tail) break;
    const from = head ? head[0].length : 0;
    const to = tail ? value.length - tail[0].length : value.length;
    if (to <= from) break;
    start += from;
    end -= value.length - to;
    value = value.slice(from, to).trim();
    end = start + value.length;
  }
  return { start, end, value };
}

/** The cells of a table line starting at `at`: split on pipes in a Markdown row, else on tabs and runs of blanks. */
function cellsOfLine(line: string, at: number): Cell[] {
  const cells: Cell[] = [];
  const markdown = line.includes("|");
  const gap = markdown ? /\|/g : / {2,}|\t+/g;
  let from = 0;
  for (let m = gap.exec(line); ; m = gap.exec(line)) {
    const to = m ? m.index : line.length;
    const raw = line.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    const value = raw.trim();
    // A Markdown row's pipes open and close it: an empty first and last piece is no cell.
    if (!(markdown && value === "" && (from === 0 || !m))) cells.push({ start: at + from + lead, end: at + from + lead + value.length, value });
    if (!m) break;
    from = m.index + m[0].length;
  }
  return cells;
}

/** Every word of the cell is a listed name or looks like one, the first a given name, none a word of another kind. */
function fullName(value: string, model: Tagger): boolean {
  const words = value.match(WORD) ?? [];
  if (words.length < 2 || words.length > 4) return false;
  const lower = value === value.toLowerCase();
  return words.every((word, k) => {
    const flags = flagsOf(word, model);
    if (flags & NOT_IN_NAME) return false;
    if (k === 0) return (flags & Gaz.first) !== 0;
    // Written small, every word must be listed: a lower-case cell is as often a phrase.
    return (flags & (Gaz.first | Gaz.last)) !== 0 || (!lower && !(flags & Gaz.dictionary) && nameLikeness(word) >= 0);
  });
}

/**
 * A cell under a people header holds someone: a listed given or family name that is no everyday or
 * technical word, or a capitalised word no list knows that
 * looks like a name; not a tag ("TBD", "N/A", "Unassigned") or a word written small no name list holds ("lodash").
 */
function someName(value: string, model: Tagger): boolean {
  if (/^\p{Lu}{1,4}$/u.test(value) || namedLikeAPerson(value)) return false;
  return (value.match(WORD) ?? []).some((word) => {
    const flags = flagsOf(word, model);
    const small = word === word.toLowerCase();
    if (flags & (Gaz.first | Gaz.last)) return !(flags & (Gaz.common | Gaz.techTerm));
    return !small && !(flags & KNOWN) && nameLikeness(word) >= 0;
  });
}
const KNOWN = Gaz.common | Gaz.dictionary | Gaz.frequent | Gaz.techTerm;

/** One capitalised given name that is no everyday or technical word ("Maria", not "Summer" or "Julia" in a table of languages). */
function givenNameAlone(value: string, model: Tagger): boolean {
  if (!/^\p{Lu}\p{Ll}+$/u.test(value) || namedLikeAPerson(value)) return false;
  const flags = flagsOf(value, model);
  // A given name that is also a city and no family name ("Paris", "Sebastian"): its cell may be a place's.
  // So may one that is a dictionary word ("Yoga" under "Mon"): a family name too ("Maria") keeps it a name.
  return (flags & Gaz.first) !== 0 && !(flags & NOT_IN_NAME) && (!(flags & (Gaz.city | Gaz.region | Gaz.dictionary)) || (flags & Gaz.last) !== 0);
}

/** A Markdown row with text after its last pipe ("| Maria | Leeds | see notes"). Without the pipe that opens it, a line is as often a menu ("Save | Cancel | Delete"). */
const PIPED_ROW = /^\s*\|(?:[^|\n]+\|){2,}/;
const COLUMN_GAP = /\S(?: {2}|\t)/;
/** A table's row as technical.ts reads one, or cells kept apart by tabs or pipes ("maria\tleeds"), with no character of code. */
function tableRow(line: string): boolean {
  // Every table row holds a pipe, or a tab or two blanks between cells (not an indentation): most lines of prose and code end here.
  if (!line.includes("|") && !COLUMN_GAP.test(line)) return false;
  return tableLine(line) || ((/\S\t+\S/.test(line) || PIPED_ROW.test(line)) && !/[{}[\]<>=;$\\`]/.test(line));
}

/** A Markdown table's separator row, with or without the pipes at its ends ("--- | ---", "|:--|--:|"). */
const SEPARATOR_ROW = /^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$/;

/** Adds the people of the text's tables: a column headed as people's, full names anywhere, lone given names in capitals. */
/** A header row of comma- or semicolon-separated values naming a column of people ("id;last_name;first_name;mobile"). */
const CSV_HEADER_HINT =
  /(?:^|[,;])\s*"?(?:(?:full|first|last|given|family|middle|customer|client|employee|patient|guest)[\s_-]?)?(?:names?|surnames?)"?\s*(?:[,;]|$)/imu;
const CSV_QUOTES = /^"(.*)"$/su;
const UNCASED_NAME_CELL =
  /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Thai}\p{sc=Arabic}\p{sc=Hebrew}\p{sc=Devanagari}ー・ ]{1,24}$/u;

/**
 * People in the columns of comma- or semicolon-separated values whose header names them ("last_name",
 * "first_name", "Name", "Nachname"): every row with the header's count of cells, its cells in those columns
 * read as a header-named table cell is (`someName`), in any case or script ("TOMLJANOVIĆ", "鈴木").
 */
function addCsvNames(text: string, spans: NameSpan[], model: Tagger): void {
  if (!CSV_HEADER_HINT.test(text)) return;
  let people: Set<number> | null = null;
  let delimiter = "";
  let width = 0;
  let at = 0;
  while (at <= text.length) {
    const nl = text.indexOf("\n", at);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(at, end).replace(/\r$/u, "");
    const parts = people ? line.split(delimiter) : [];
    if (people && parts.length === width) {
      let from = at;
      parts.forEach((part, k) => {
        const start = from + (part.length - part.trimStart().length);
        from += part.length + 1;
        if (!people?.has(k)) return;
        const quoted = CSV_QUOTES.exec(part.trim());
        const value = quoted ? (quoted[1] ?? "") : part.trim();
        const cellStart = start + (quoted ? 1 : 0);
        // A cell of a script without case is read as capitalised ("太郎"); someName reads it as written small.
        if (!value || !NAME_CELL.test(value) || !(UNCASED_NAME_CELL.test(value) || someName(value, model))) return;
        replaceOverlapping(spans, { kind: "person", start: cellStart, end: cellStart + value.length, speaker: true });
      });
    } else {
      // A header: the delimiter it uses most, and the columns whose header names people.
      people = null;
      delimiter = (line.match(/;/g)?.length ?? 0) > (line.match(/,/g)?.length ?? 0) ? ";" : ",";
      const headers = line.split(delimiter).map((h) => h.trim().replace(CSV_QUOTES, "$1"));
      width = headers.length;
      const named = new Set<number>();
      // A bare "name" column names things as often as people (countries, pets, colours, codenames, jobs): only a header
      // that says whose name it is counts ("last_name", "customer_name").
      headers.forEach((h, k) => {
        if (PERSON_HEADER.test(h.replace(/_/gu, " ")) && !NAME_HEADER.test(h)) named.add(k);
      });
      if (width >= 2 && named.size > 0) people = named;
    }
    if (nl === -1) break;
    at = end + 1;
  }
}

export function addTableNames(text: string, spans: NameSpan[], model: Tagger): void {
  if (text.includes(",") || text.includes(";")) addCsvNames(text, spans, model);
  if (!text.includes("|") && !COLUMN_GAP.test(text)) return;
  let people: Set<number> | null = null;
  let others = new Set<number>();
  let inTable = false;
  // Inside a Markdown table whose rows open without a pipe ("Name | City\n--- | ---\nmaria | leeds"): every piped line is a row.
  let piped = false;
  let at = 0;
  while (at <= text.length) {
    const nl = text.indexOf("\n", at);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(at, end);
    const nextEnd = nl === -1 ? -1 : text.indexOf("\n", nl + 1);
    const next = nl === -1 ? "" : text.slice(nl + 1, nextEnd === -1 ? text.length : nextEnd);
    if (!inTable && line.includes("|") && next.includes("-") && SEPARATOR_ROW.test(next)) piped = true;
    else if (piped && !line.includes("|")) piped = false;
    if (!(piped && line.includes("|")) && !tableRow(line)) {
      inTable = false;
      people = null;
      others = new Set();
    } else {
      const cells = cellsOfLine(line, at);
      if (!inTable) {
        // A block's first row is its header when a cell names a column of people.
        inTable = true;
        const headed = new Set<number>();
        cells.forEach((cell, k) => {
          if (PERSON_HEADER.test(cell.value)) headed.add(k);
          else if (OTHER_HEADER.test(cell.value)) others.add(k);
        });
        // A column of things' attributes beside it makes "Name" a thing's ("| Name | Version |"); "Patient" stays people's.
        const things = cells.some((cell) => THING_HEADER.test(cell.value));
        if (things) {
          for (const k of [...headed]) if (NAME_HEADER.test(cells[k]?.value ?? "")) headed.delete(k);
          for (let k = 0; k < cells.length; k++) if (!headed.has(k)) others.add(k);
        }
        people = headed.size > 0 ? headed : null;
        if (people || others.size > 0) {
          at = end + 1;
          if (nl === -1) break;
          continue;
        }
      }
      cells.forEach((written, k) => {
        const cell = undecorated(written);
        // A link's text alone is as often a product's or a site's ("[Buddy](https://buddy.works/)").
        const linked = /\]\((?!mailto:)/.test(written.value);
        if (!cell.value || SEPARATOR_CELL.test(cell.value) || !NAME_CELL.test(cell.value)) return;
        // A tool named like a person alone in its cell ("| Hugo | static site |") is the tool, whatever the tagger read.
        if (namedLikeAPerson(cell.value)) {
          for (let n = spans.length - 1; n >= 0; n--) {
            const x = spans[n] as NameSpan;
            if (x.kind === "person" && x.start >= cell.start && x.end <= cell.end) spans.splice(n, 1);
          }
          return;
        }
        const headed = people?.has(k) === true && !(linked && !/\s/.test(cell.value)) && someName(cell.value, model);
        if (headed || fullName(cell.value, model)) replaceOverlapping(spans, { kind: "person", start: cell.start, end: cell.end, speaker: true });
        else if (!others.has(k) && !linked && givenNameAlone(cell.value, model) && !spans.some((s) => s.start < cell.end && cell.start < s.end))
          spans.push({ kind: "person", start: cell.start, end: cell.end });
      });
    }
    if (nl === -1) break;
    at = end + 1;
  }
}
