import { describe, expect, it } from "vitest";
import { pinTokens, tokenize, type Tokens } from "../../../workers/pii/tagger/tokens.js";

/** The fields of `t` a caller reads, copied out of the reused buffers. */
function snapshot(t: Tokens) {
  const n = t.count;
  return {
    count: n,
    starts: [...t.starts.subarray(0, n)],
    ends: [...t.ends.subarray(0, n)],
    word: [...t.word.subarray(0, n)],
    shape: [...t.shape.subarray(0, n)],
  };
}

describe("pinned piece tokens", () => {
  const piece = "Maria Schmidt flew from Lyon to Oslo on Monday.";

  it("keeps a piece's tokens while other texts are tokenised in between", () => {
    const expected = snapshot(tokenize(piece));
    const pinned = pinTokens(piece);
    tokenize("Acme Holdings");
    tokenize("a much longer text, with more tokens than the piece has, so the other buffer must grow to hold them all");
    expect(snapshot(pinned)).toEqual(expected);
    expect(snapshot(tokenize(piece))).toEqual(expected);
  });

  it("gives every other text its own tokens, never the pinned ones", () => {
    pinTokens(piece);
    const other = snapshot(tokenize("Oslo"));
    expect(other.count).toBe(1);
    expect(other.ends).toEqual([4]);
    // Pinning the next piece frees the earlier one: it is tokenised afresh, with the same result.
    const next = "Jan Novák works in Brno.";
    const nextTokens = snapshot(pinTokens(next));
    expect(snapshot(tokenize(next))).toEqual(nextTokens);
    expect(snapshot(tokenize(piece)).count).toBe(snapshot(pinTokens(piece)).count);
  });
});
