// Attack class: a card or IBAN written in one text in a shape the grouped readings did not take:
// pieces with words between them however far apart ("4111 then 1111 …", halves a page apart),
// quoted CSV cells, a different spaced mark between each pair of groups, an IBAN in groups of
// uneven length, to get it past a `block` policy. Lists of figures written the same ways must
// still pass: the pieces must be consecutive numbers of the text, an issued card in a card layout,
// with a word of a card or of its parts beside them.
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

let exits: PiiExits;
beforeAll(async () => {
  exits = await piiExits("pii-pieces");
});

const filler = "and then some other unrelated words about the weather and the road. ".repeat(15);
const ATTACKS: Array<[string, string]> = [
  ["groups with a word between each", "my card: 4111 then 1111 then 1111 then 1111"],
  ["groups with separators spelled out", "card number 5555 dash 5555 dash 5555 dash 4444"],
  ["halves a page apart", `the card begins 4111 1111 ${filler} and it ends 1111 1111`],
  ["an Amex in its groups a sentence apart", `card 3782 ${filler} next 822463 ${filler} last 10005`],
  ["quoted CSV cells", 'parts: "4111","1111","1111","1111"'],
  ["single-quoted cells with semicolons", "parts: '5555';'5555';'5555';'4444'"],
  ["a different spaced mark between each pair of groups", "card 4111 / 1111 - 1111 . 1111"],
  ["an IBAN in groups of uneven length", "IBAN DE89 37 040044 0532 0130 00"],
  ["an IBAN in uneven groups after a code that looks like an IBAN's start", "ref PM43 GB29 NWBK 601613 31926819"],
];

describe("LLM proxy (OpenAI and Anthropic SDKs)", () => {
  it.each(ATTACKS)("attack: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });

  it.each([
    // Each control's digits pass Luhn in an issuer range: only the shape keeps them apart from a card.
    ["4-digit quantities with units", "we sold 4500 units, then 4200 units, then 3900 units and then 4103 units"],
    ["a list of 4-digit codes longer than a card", "card codes 4111 then 1111 then 1111 then 1111 then 2222 then 3333"],
    ["4-digit tickets announced one by one, no card word", "Next up is ticket 4111, then 1111, then 1111 and last 1111."],
    ["years with words between", "from 2019 then 2020 then 2021 then 2022 the card sales grew"],
    ["a quoted CSV row of figures after a label cell", 'North,"4521","3310","2207","1204"'],
    ["two 4-4 references far apart, the second not announced", `order 4111 1111 ${filler} or the warehouse on 1111 1111`],
  ])("clean control: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} ${text}`);
  });
});

describe("egress and tool arguments", () => {
  it.each(ATTACKS.slice(0, 4))("attack: %s in a text egress body reaches the target", async (_name, text) => {
    const m = mark();
    expect(await egressOutcome(exits, m, text, "text/plain")).toEqual(EGRESS_REFUSED);
  });

  it.each(ATTACKS.slice(4))("attack: %s in tool arguments reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual(TOOL_REFUSED);
  });
});
