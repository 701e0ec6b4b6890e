// Machine identifiers in hex: UUIDs ("9985e577-6002-4516-9800-87adcdd4955e"), digests and record
// ids of the usual widths (span ids 16, ObjectIds 24, MD5 and trace ids 32, SHA-1 and Ethereum
// addresses 40, SHA-224 56, SHA-256 64, SHA-384 96, SHA-512 128; "0x" before one too) and MAC
// addresses. Their digits read as cards, IBANs, phones and national ids about once in 500 ids (a
// run of 12+ digits passing Luhn, "be05-ff03…" read as a Belgian IBAN), and agent traffic is full
// of them. A finding that lies inside such an identifier, or joins two of them, is part of them. A
// finding that runs out of the id ("…87adcdd49003 4111 1111 1111 1111": the id's last digits and
// the card after it) is kept: the value is there. A value laid out from a UUID's first group along
// whole groups ("41111111-1111-1111-…") is still read: the form one would build to carry a value,
// not one a random id takes by chance (its first groups all digits: ~1 in 20,000 v4 UUIDs).
import type { RawFinding } from "../types.js";

const DIGEST_WIDTHS = new Set([16, 20, 24, 32, 40, 48, 56, 64, 96, 128]);
const UUID_WIDTHS = [8, 4, 4, 4, 12] as const;
const ALNUM = /[\p{L}\p{N}]/u;
const HEX_LOWER = /^[\da-f]+$/;
const HEX_UPPER = /^[\dA-F]+$/;
const HEX_LETTER = /[a-fA-F]/;

const MAX_REACH = 160;

/** 0-9, a-f, A-F or "-". */
function isHexOrDash(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 45;
}

/** A hex group written in one case ("9cc4", "D24185C8C6DF", "2024"). */
function oneCaseHex(group: string): boolean {
  return HEX_LOWER.test(group) || HEX_UPPER.test(group);
}

/** Group boundaries of an identifier: a finding may start at `starts` and end at `ends` only. */
type Identifier = { start: number; end: number; starts: number[]; ends: number[] };

/**
 * The identifier holding offset `at`, if any: the run of hex digits and dashes around it, split at
 * its dashes, holding a UUID (8-4-4-4-12) or a digest-width group, with no letter or digit glued on
 * either side of the identifier itself.
 */
function identifierAt(text: string, at: number): Identifier | undefined {
  // The widest identifier is 128 digits; a longer run around `at` is read as it is (a finding kept).
  let a = at;
  let b = at;
  while (a > 0 && isHexOrDash(text.charCodeAt(a - 1))) if (at - --a > MAX_REACH) return undefined;
  while (b < text.length && isHexOrDash(text.charCodeAt(b))) if (++b - at > MAX_REACH) return undefined;
  // Most findings stand in a short run ("4111" of a card): no UUID or digest fits in under 16
  // characters, and a MAC address written with colons shows as a run of two.
  if (b - a < 16) return b - a === 2 ? macAt(text, at) : undefined;
  const groups: Array<{ start: number; end: number }> = [];
  for (let i = a; i < b; i++) {
    if (text[i] === "-") continue;
    let j = i;
    while (j < b && text[j] !== "-") j++;
    groups.push({ start: i, end: j });
    i = j;
  }
  const standsAlone = (start: number, end: number) => !ALNUM.test(text[start - 1] ?? "") && !ALNUM.test(text[end] ?? "");
  for (let g = 0; g + 5 <= groups.length; g++) {
    // A UUID: five groups of 8, 4, 4, 4 and 12 hex digits, each in one case, joined by single dashes.
    const five = groups.slice(g, g + 5);
    const start = five[0]?.start ?? 0;
    const end = five[4]?.end ?? 0;
    if (
      five.length === 5 &&
      start <= at &&
      at < end &&
      five.every((x, k) => x.end - x.start === UUID_WIDTHS[k] && (k === 0 || x.start === (five[k - 1]?.end ?? 0) + 1)) &&
      five.every((x) => oneCaseHex(text.slice(x.start, x.end))) &&
      HEX_LETTER.test(text.slice(start, end)) &&
      standsAlone(start, end)
    )
      return { start, end, starts: five.map((x) => x.start), ends: five.map((x) => x.end) };
  }
  // A digest or record id: the group holding `at`, of a usual width, with a letter (all digits is a number).
  const group = groups.find((x) => x.start <= at && at < x.end);
  if (!group) return undefined;
  // A MAC address's groups are two digits wide ("7c:07:63…"): only such a group can be in one.
  if (group.end - group.start === 2) return macAt(text, at);
  const value = text.slice(group.start, group.end);
  // "0x" before a hash or an address ("0x6242fb41…") is how it is written, not a glued word.
  const opensAt = /0[xX]$/.test(text.slice(group.start - 2, group.start)) ? group.start - 2 : group.start;
  if (DIGEST_WIDTHS.has(value.length) && oneCaseHex(value) && HEX_LETTER.test(value) && standsAlone(opensAt, group.end))
    return { start: group.start, end: group.end, starts: [group.start], ends: [group.end] };
  return undefined;
}

const MAC = /^[\da-f]{2}([:-])[\da-f]{2}(?:\1[\da-f]{2}){4}$/i;

/** The MAC address ("7c:07:63:95:24:76", "7C-07-63-95-24-76") holding offset `at`, if any. */
function macAt(text: string, at: number): Identifier | undefined {
  for (let start = Math.max(0, at - 16); start <= at; start++) {
    const end = start + 17;
    if (end > at && MAC.test(text.slice(start, end)) && !ALNUM.test(text[start - 1] ?? "") && !ALNUM.test(text[end] ?? ""))
      return { start, end, starts: [start], ends: [end] };
  }
  return undefined;
}

type Reading = "value" | "fragment" | { runsOutOf: Identifier };

/**
 * How a finding stands to the identifiers around it: a value of its own, a piece of one id (or the
 * junction of two), or a reading that runs out of an id into what follows or precedes it.
 */
function readingOf(text: string, f: RawFinding): Reading {
  const first = identifierAt(text, f.start);
  const last = identifierAt(text, f.end - 1);
  if (!first && !last) return "value";
  if (!first || !last) return { runsOutOf: (first ?? last) as Identifier };
  if (first.start !== last.start) return "fragment";
  // The whole token ("BE19845245904536" is hex too), or laid out from a UUID's first group along
  // whole groups: a value written in that shape on purpose.
  if (f.start === first.start && f.end === first.end) return "value";
  return f.start === first.starts[0] && first.ends.indexOf(f.end) > 0 ? "value" : "fragment";
}

/**
 * Drops pattern findings that are pieces of hex identifiers. A finding that runs out of an id
 * ("…87adcdd49003 4111 1111 1111 1111" read as one card from the id's last digits) is read again
 * by `reread` with the id blanked out, so the value beside the id is found whole. Secrets are left
 * to their detector (which knows a UUID opens nothing); each other finding costs a look at the
 * characters around it.
 */
export function dropIdentifierFragments(text: string, found: RawFinding[], reread: (blanked: string, out: RawFinding[]) => void): void {
  let kept = 0;
  const ranOut: RawFinding[] = [];
  const ids: Identifier[] = [];
  for (const f of found) {
    const reading = f.category === "secret" || f.category === "email" ? "value" : readingOf(text, f);
    if (reading === "value") found[kept++] = f;
    else if (reading !== "fragment") {
      ranOut.push(f);
      ids.push(reading.runsOutOf);
    }
  }
  found.length = kept;
  if (ranOut.length === 0) return;
  // One copy with every such id blanked (ids are the same or apart), and one sweep over the
  // readings: a text full of them costs a second scan, not one per id.
  ids.sort((x, y) => x.start - y.start);
  let blanked = "";
  let at = 0;
  for (const id of ids) {
    if (id.start < at) continue;
    blanked += text.slice(at, id.start) + " ".repeat(id.end - id.start);
    at = id.end;
  }
  blanked += text.slice(at);
  const again: RawFinding[] = [];
  reread(blanked, again);
  ranOut.sort((x, y) => x.start - y.start);
  const reach: number[] = [];
  for (const f of ranOut) reach.push(Math.max(f.end, reach.at(-1) ?? 0));
  const known = new Set(found.map((f) => `${f.category}:${f.start}:${f.end}`));
  for (const g of again) {
    if (g.category === "secret" || known.has(`${g.category}:${g.start}:${g.end}`)) continue;
    // The last reading that starts before g ends; with the furthest end so far, whether one overlaps g.
    let lo = 0;
    let hi = ranOut.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ranOut[mid]?.start ?? 0) < g.end) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && (reach[lo - 1] ?? 0) > g.start) found.push(g);
  }
}
