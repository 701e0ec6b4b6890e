// Red team s11b, attack class: a card given in pieces in one text (this round's reading of pieces
// announced by cue words, quoted cells and a changing spaced mark). Two sides, each test asserting
// the safe outcome, so it FAILS while the problem exists:
// - false blocks: everyday lists of four 4-digit numbers (jobs, tickets, rooms) or two 4-4
//   references announced by "first/then/next/second/last" are read as a card whenever the digits
//   happen to be an issued card (Luhn and issuer range): about 1 in 20-25 such texts (measured with
//   detectPii over 2000 random fills of each template below);
// - bypasses: the same pieces with a joining word that is no cue ("and", "plus"), a 4-digit number
//   beside them, another number between them, a mark that changes between non-listed marks, one
//   mark with two spaces around it, halves of eight digits with no space, or more than 64 numbers
//   (a table) earlier in the text.
import { beforeAll, describe, expect, it } from "vitest";
import {
  EGRESS_REFUSED,
  type PiiExits,
  TOOL_REFUSED,
  egressOutcome,
  expectLlmPasses,
  expectLlmRefused,
  mark,
  piiExits,
  toolOutcome,
} from "./support/pii-exits.js";
import { eachCase } from "./support/known-gaps.js";

/** Cases this round left open (docs/pii.md, "What block does not catch"); skipped, listed by title. */
const KNOWN_GAPS = new Set<string>([
  "attack: groups joined by 'and' reaches the provider",
  "attack: groups joined by 'plus' reaches the provider",
  "attack: a PIN after the announced groups reaches the provider",
  "attack: a reference before the announced groups reaches the provider",
  "attack: a page number between announced halves reaches the provider",
  "attack: halves announced in Spanish reaches the provider",
  "attack: a spaced mark changing between |, + and : reaches the provider",
  "attack: a spaced mark changing between // and - reaches the provider",
  "attack: two 8-digit halves without spaces reaches the provider",
  "attack: announced groups after a table of 69 numbers reaches the provider",
  "attack: groups joined by 'and' in a text egress body reaches the target",
  "attack: groups joined by 'plus' in a text egress body reaches the target",
  "attack: a PIN after the announced groups in a text egress body reaches the target",
  "attack: a reference before the announced groups in a text egress body reaches the target",
  "attack: a page number between announced halves in a text egress body reaches the target",
  "attack: halves announced in Spanish in a text egress body reaches the target",
  "attack: a spaced mark changing between |, + and : in a text egress body reaches the target",
  "attack: a spaced mark changing between // and - in a text egress body reaches the target",
  "attack: two 8-digit halves without spaces in a text egress body reaches the target",
  "attack: announced groups after a table of 69 numbers in a text egress body reaches the target",
  "attack: groups joined by 'and' in tool arguments reaches the tool",
  "attack: groups joined by 'plus' in tool arguments reaches the tool",
  "attack: a PIN after the announced groups in tool arguments reaches the tool",
  "attack: a reference before the announced groups in tool arguments reaches the tool",
  "attack: a page number between announced halves in tool arguments reaches the tool",
  "attack: halves announced in Spanish in tool arguments reaches the tool",
  "attack: a spaced mark changing between |, + and : in tool arguments reaches the tool",
  "attack: a spaced mark changing between // and - in tool arguments reaches the tool",
  "attack: two 8-digit halves without spaces in tool arguments reaches the tool",
  "attack: announced groups after a table of 69 numbers in tool arguments reaches the tool",
]);

let exits: PiiExits;
beforeAll(async () => {
  exits = await piiExits("red11b-pieces");
});

// Each holds the digits of an issued card (Luhn, issuer range): only the words say it is not one.
const EVERYDAY: Array<[string, string]> = [
  ["a run order of four job numbers", "First run job 4521, then job 3310, then job 2207, then job 1204."],
  ["two parcel tracking references", "Tracking: first parcel 4690 2776, second parcel 7608 5633."],
  ["a queue of support tickets", "Next up is ticket 6021, then 3114, then 4394 and last 6622."],
  ["rooms of a schedule", "Part one is in room 2696; the second part moves to 1848, then 6256, then 3704."],
];

const TABLE = Array.from({ length: 69 }, (_, i) => `row ${i + 1}: ${(i + 1) * 3}`).join(" ");
const BYPASSES: Array<[string, string]> = [
  ["groups joined by 'and'", "card 4111 and 1111 and 1111 and 1111"],
  ["groups joined by 'plus'", "card 4111 plus 1111 plus 1111 plus 1111"],
  ["a PIN after the announced groups", "card: 4111 then 1111 then 1111 then 1111, pin 1234"],
  ["a reference before the announced groups", "ref 7731 card 4111 then 1111 then 1111 then 1111"],
  ["a page number between announced halves", "the card begins 4111 1111 (see page 2) and ends 1111 1111"],
  ["halves announced in Spanish", "el número empieza 4111 1111 y termina 1111 1111"],
  ["a spaced mark changing between |, + and :", "card 4111 | 1111 + 1111 : 1111"],
  ["a spaced mark changing between // and -", "card 4111 // 1111 - 1111 // 1111"],
  ["two 8-digit halves without spaces", "the first eight digits are 41111111 and the rest 11111111"],
  ["the same mark with two spaces on each side", "card 4111  |  1111  |  1111  |  1111"],
  ["a dash with two spaces on each side", "card 4111  -  1111  -  1111  -  1111"],
  // The piece reading looks at the first 64 numbers of a text only: a table before the card hides it.
  ["announced groups after a table of 69 numbers", `${TABLE}. card 4111 then 1111 then 1111 then 1111`],
];

describe("HELD control", () => {
  it("a card announced piece by piece is refused", async () => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} card 4111 then 1111 then 1111 then 1111`);
  });
});

describe("false blocks: everyday numbered lists (LLM proxy, OpenAI and Anthropic SDKs)", () => {
  eachCase(EVERYDAY, KNOWN_GAPS, "clean: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} ${text}`);
  });
});

describe("false blocks: the same texts on egress", () => {
  eachCase(EVERYDAY, KNOWN_GAPS, "clean: %s in a text egress body reaches the target", async (_name, text) => {
    const m = mark();
    expect(await egressOutcome(exits, m, text, "text/plain")).toEqual({ status: 200, targetSawIt: true });
  });
});

describe("bypasses: a card in pieces still reaches the provider", () => {
  eachCase(BYPASSES, KNOWN_GAPS, "attack: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });
});

describe("bypasses: the same on egress and tool arguments", () => {
  eachCase(BYPASSES, KNOWN_GAPS, "attack: %s in a text egress body reaches the target", async (_name, text) => {
    const m = mark();
    expect(await egressOutcome(exits, m, text, "text/plain")).toEqual(EGRESS_REFUSED);
  });
  eachCase(BYPASSES, KNOWN_GAPS, "attack: %s in tool arguments reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual(TOOL_REFUSED);
  });
});
