// Machine identifiers in hex: UUIDs ("9985e577-6002-4516-9800-87adcdd4955e") and digests or record
// ids of the usual widths (span ids 16, ObjectIds 24, MD5 and trace ids 32, SHA-1 40, SHA-256 64,
// SHA-512 128). Their digits read as cards, IBANs and national ids about once in 500 ids (a run of
// 12+ digits passing Luhn, "be05-ff03…" read as a Belgian IBAN), and agent traffic is full of them.
// A finding that starts or ends inside such an identifier is part of it. A value laid out along a
// UUID's whole groups ("41111111-1111-1111-…": two groups or more) is still read: those are the
// forms one would build to carry a value, not ones a random id takes by chance.
import type { RawFinding } from "../types.js";

const DIGEST_WIDTHS = new Set([16, 24, 32, 40, 64, 128]);
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
  const groups: Array<{ start: number; end: number }> = [];
  for (let i = a; i < b; i++) {
    if (text[i] === "-") continue;
    let j = i;
    while (j < b && text[j] !== "-") j++;
    groups.push({ start: i, end: j });
    i = j;
  }
  const standsAlone = (start: number, end: number) => !ALNUM.test(text[start - 1] ?? "") && !ALNUM.test(text[end] ?? "");
  for (let g = 0; g < groups.length; g++) {
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
  const value = text.slice(group.start, group.end);
  if (DIGEST_WIDTHS.has(value.length) && oneCaseHex(value) && HEX_LETTER.test(value) && standsAlone(group.start, group.end))
    return { start: group.start, end: group.end, starts: [group.start], ends: [group.end] };
  return undefined;
}

/** Whether a finding is a piece of an identifier rather than a value written on its own. */
function fragmentOfIdentifier(text: string, f: RawFinding): boolean {
  for (const at of [f.start, f.end - 1]) {
    const id = identifierAt(text, at);
    if (!id) continue;
    // The whole token ("BE19845245904536" is hex too), or laid out along two whole groups or more
    // of a UUID: a value written in that shape on purpose.
    if (f.start === id.start && f.end === id.end) continue;
    const starts = id.starts.indexOf(f.start);
    if (starts >= 0 && id.ends.indexOf(f.end) > starts) continue;
    return true;
  }
  return false;
}

/**
 * Drops pattern findings that are pieces of hex identifiers. Secrets are left to their detector
 * (which knows a UUID opens nothing); each other finding costs a look at the characters around it.
 */
export function dropIdentifierFragments(text: string, found: RawFinding[]): void {
  let kept = 0;
  for (const f of found) if (f.category === "secret" || f.category === "email" || !fragmentOfIdentifier(text, f)) found[kept++] = f;
  found.length = kept;
}
