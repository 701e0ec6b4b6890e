// Streaming restoration: placeholders split at every offset, bounded hold-back, look-alikes.
import { describe, expect, it } from "vitest";
import { createRestorer, restorerFactory, restoreText } from "../../../workers/pii/index.js";

const mapping = { "<EMAIL_1>": "jane@example.com", "<CARD_12>": "4111 1111 1111 1111", "<PERSON_2>": "Ann <Lee>" };
const masked = "Hi <PERSON_2>, mail <EMAIL_1> a < b and <EMAIL_9> or <CARD_12>!<EMAIL_1>";
const expected = "Hi Ann <Lee>, mail jane@example.com a < b and <EMAIL_9> or 4111 1111 1111 1111!jane@example.com";

function streamed(chunks: string[]): string {
  const r = createRestorer(mapping);
  return chunks.map((c) => r.push(c)).join("") + r.flush();
}

describe("createRestorer", () => {
  it("restores when the text is split into two chunks at every offset", () => {
    for (let i = 0; i <= masked.length; i++) expect(streamed([masked.slice(0, i), masked.slice(i)])).toBe(expected);
  });

  it("restores when the text arrives one character at a time and three-way splits", () => {
    expect(streamed([...masked])).toBe(expected);
    for (let i = 1; i < masked.length; i += 3)
      for (let j = i; j < masked.length; j += 5) expect(streamed([masked.slice(0, i), masked.slice(i, j), masked.slice(j)])).toBe(expected);
  });

  it("holds back no more than a placeholder prefix", () => {
    const r = createRestorer(mapping);
    expect(r.push("hello world ")).toBe("hello world ");
    expect(r.push("and <CAR")).toBe("and ");
    expect(r.push("D_1")).toBe("");
    expect(r.push("2> done <x")).toBe("4111 1111 1111 1111 done <x");
    expect(r.push("<EMAIL_1")).toBe("");
    expect(r.push("0> end")).toBe("<EMAIL_10> end");
    expect(r.push("<EMA")).toBe("");
    expect(r.flush()).toBe("<EMA");
    // A long stream with no placeholder passes through as it comes.
    const long = "x".repeat(100_000);
    expect(r.push(long)).toBe(long);
  });

  it("passes text through unchanged when nothing was masked", () => {
    const r = createRestorer({});
    expect(r.push("<EMAIL_1")).toBe("<EMAIL_1");
    expect(r.flush()).toBe("");
  });

  it("escapes originals for JSON strings when asked", () => {
    const out = restoreText('{"name":"<PERSON_1>"}', { "<PERSON_1>": 'Jo "JJ" \\ Ng' }, { jsonEscape: true });
    expect(JSON.parse(out)).toEqual({ name: 'Jo "JJ" \\ Ng' });
  });
});

describe("restorerFactory", () => {
  it("restores placeholders split across chunks in a restorer made after others that never held a prefix", () => {
    for (const jsonEscape of [false, true]) {
      const factory = restorerFactory(mapping);
      // Whole texts first: nothing is held back, so no prefix has been needed yet.
      expect(factory({ jsonEscape }).push("x <EMAIL_1> y")).toBe("x jane@example.com y");
      for (let i = 0; i <= masked.length; i++) {
        const r = factory({ jsonEscape });
        const out = r.push(masked.slice(0, i)) + r.push(masked.slice(i)) + r.flush();
        // No original in the mapping needs JSON escaping, so both escapings restore the same text.
        expect(out).toBe(expected);
      }
    }
  });

  it("holds back a placeholder prefix and nothing else, for each escaping", () => {
    const factory = restorerFactory({ "<EMAIL_1>": 'a"b@example.com' });
    const plain = factory();
    expect(plain.push("see <EMA")).toBe("see ");
    expect(plain.push("IL_1> and <EMX")).toBe('a"b@example.com and <EMX');
    const json = factory({ jsonEscape: true });
    expect(json.push("<EMAIL_")).toBe("");
    expect(json.push("1>")).toBe('a\\"b@example.com');
    expect(json.push("<E")).toBe("");
    expect(json.flush()).toBe("<E");
  });
});
