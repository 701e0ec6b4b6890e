// Attack class: digit groups joined by a separator the number detectors did not read (pipes,
// semicolons, bullets, middle dots, U+2800 braille blanks, colons, asterisks), and a card given in
// two halves a few words apart, to get a card, phone number or IBAN past a `block` policy. Lists
// of numbers written the same ways must still pass: Luhn, the numbering plan and mod 97 decide.
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
  exits = await piiExits("pii-sep");
});

describe("LLM proxy (OpenAI and Anthropic SDKs)", () => {
  it.each([
    ["a card in groups joined by pipes", "charge 4111|1111|1111|1111 now"],
    ["a card in groups joined by semicolons", "charge 5555;5555;5555;4444 now"],
    ["a card in groups joined by bullets", "charge 4111\u20221111\u20221111\u20221111 now"],
    ["a card in groups joined by middle dots", "charge 4111\u00b71111\u00b71111\u00b71111 now"],
    ["a card in groups joined by U+2800 braille blanks", "charge 4111\u28001111\u28001111\u28001111 now"],
    ["a card in groups joined by asterisks", "charge 4111*1111*1111*1111 now"],
    ["an Amex in 4-6-5 joined by colons", "charge 3782:822463:10005 now"],
    ["a card in groups joined by spaced pipes", "charge 4111 | 1111 | 1111 | 1111 now"],
    ["a card in groups joined by spaced dashes", "charge 4111 - 1111 - 1111 - 1111 now"],
    ["a card given in two halves", "my card starts 4111 1111 and ends 1111 1111, thanks"],
    ["a phone number in pipe-separated groups", "call +1|415|555|0123 tomorrow"],
    ["a phone number in groups joined by spaced pipes", "call +1 | 415 | 555 | 0123 tomorrow"],
    ["an IBAN in groups joined by spaced semicolons", "IBAN DE89 ; 3704 ; 0044 ; 0532 ; 0130 ; 00"],
    ["a phone number in bullet-separated groups", "call +44\u202220\u20227946\u20220958 tomorrow"],
    ["an IBAN in groups joined by slashes", "IBAN DE89/3704/0044/0532/0130/00"],
    ["an IBAN in groups joined by pipes", "IBAN GB29|NWBK|6016|1331|9268|19"],
  ])("attack: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });

  it.each([
    ["numbers in a pipe table", "| 2019 | 2020 | 2021 | 2022 |\n|1234|5678|9012|3456|"],
    ["an amount in thousands", "we shipped 4,111,111,111 units and 1'234'567 CHF"],
    ["year ranges", "revenue grew in 2019-2020 and 2021-2022"],
    ["opening hours", "open 0900-1200 and 1300-1700 daily"],
  ])("clean control: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} ${text}`);
  });
});

describe("egress and tool arguments", () => {
  it.each([
    ["a card joined by pipes in a text body", "card 4111|1111|1111|1111", "text/plain"],
    ["a card joined by semicolons in a JSON body", '{"card":"4111;1111;1111;1111"}', "application/json"],
    ["an IBAN joined by bullets in a JSON body", '{"iban":"DE89\u20223704\u20220044\u20220532\u20220130\u202200"}', "application/json"],
  ])("attack: %s reaches the target", async (_name, body, type) => {
    const m = mark();
    expect(await egressOutcome(exits, m, body, type)).toEqual(EGRESS_REFUSED);
  });

  it.each([
    ["a card joined by braille blanks", "card 4111\u28001111\u28001111\u28001111"],
    ["a phone number joined by semicolons", "call +1;415;555;0123"],
  ])("attack: %s in tool arguments reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual(TOOL_REFUSED);
  });
});
