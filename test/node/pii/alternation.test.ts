// Alternations grouped by first character (workers/pii/detectors/alternation.ts) must match
// exactly as written: the same positions, the same alternative chosen where several would do.
import { describe, expect, it } from "vitest";
import { groupedByFirstCharacter, topLevelAlternatives } from "../../../workers/pii/detectors/alternation.js";

function matches(re: RegExp, text: string): string[] {
  return [...text.matchAll(re)].map((m) => `${m.index}:${m[0]}`);
}

/**
 * Texts of words that match, their prefixes and their other cases, joined by spaces, dots or
 * nothing, so near misses, overlaps and neighbours are frequent.
 */
function texts(words: readonly string[], count: number): string[] {
  let seed = 11;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  const piece = () => {
    const word = words[next() % words.length] ?? "";
    const cut = next() % 3 === 0 ? word.slice(0, 1 + (next() % word.length)) : word;
    return next() % 4 === 0 ? cut.toUpperCase() : cut;
  };
  return Array.from({ length: count }, () => Array.from({ length: 12 }, () => piece() + ([" ", ".", "", "x"][next() % 4] ?? "")).join(""));
}

describe("topLevelAlternatives", () => {
  it("splits at the top level only", () => {
    expect(topLevelAlternatives(String.raw`ab|c(?:d|e)|[|x]|\||f`)).toEqual(["ab", "c(?:d|e)", "[|x]", String.raw`\|`, "f"]);
    expect(topLevelAlternatives("abc")).toEqual(["abc"]);
  });
});

describe("groupedByFirstCharacter", () => {
  it.each<[string, string, string, string[]]>([
    ["prefixes of each other, shorter first", "born|birth|birthday|b\\.|né|née|nato|nata", "giu", ["born", "birthday", "b.", "née", "nata"]],
    ["longer first", "birthday|birth|née|né", "giu", ["birthday", "birth", "née", "né"]],
    ["capitals and small letters share a group under i", "Nato|born|nascita|Birth|b\\.", "giu", ["nato", "born", "nascita", "birth", "b."]],
    [
      "groups and classes after the first character",
      "p\\.?\\s?o\\.?\\s?box|post(?:al)?\\s+office|b\\.?p\\.|urodzon[ya]|narozen[aáý]?",
      "giu",
      ["p.o. box", "po box", "postal office", "post office", "b.p.", "bp.", "urodzona", "narozený"],
    ],
    ["case-sensitive", "Ab|ab|AB|aB", "g", ["Ab", "ab", "AB", "aB"]],
    [
      "non-Latin scripts",
      "生年月日|出生|生まれ|생년월일|출생|г\\.\\s?р\\.|γεν\\.|γέννησης",
      "giu",
      ["生年月日", "出生", "生まれ", "생년월일", "출생", "г.р.", "г. р.", "γεν.", "γέννησης"],
    ],
  ])("%s: the same matches", (_name, source, flags, words) => {
    const grouped = new RegExp(groupedByFirstCharacter(source, flags), flags);
    const original = new RegExp(source, flags);
    expect(grouped.source).not.toBe(original.source);
    let found = 0;
    for (const text of texts(words, 300)) {
      const expected = matches(original, text);
      expect(matches(grouped, text)).toEqual(expected);
      found += expected.length;
    }
    // The generated texts do hold matches (a check of no matches against no matches says nothing).
    expect(found).toBeGreaterThan(20);
  });

  it("unwraps one group around the whole alternation", () => {
    expect(groupedByFirstCharacter("(?:ab|ac|d)", "g")).toBe("(?:a(?:b|c)|d(?:))");
  });

  it.each([
    ["a quantifier after the first character", "ab|c?d"],
    ["an escape first", "\\d1|ab"],
    ["a group first", "(?:a)|(?:b)"],
    ["a class first", "[ab]c|d"],
  ])("leaves the source as written with %s", (_name, source) => {
    expect(groupedByFirstCharacter(source, "g")).toBe(source);
  });
});
