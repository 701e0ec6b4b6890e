// Red team s11b, attack class: IBANs in groups of uneven length (this round's reading joins any
// groups of 1-12 letters or digits after two letters and two digits until the country's length,
// and mod 97 decides). Each test asserts the safe outcome, so it FAILS while the problem exists:
// - false blocks: ordinary words after a code such as a room, printer, item or flight code
//   ("Room DE84 is free for …") are groups too, so one such sentence in about a hundred whose
//   words add up to the country's length is refused as an IBAN (mod 97 passes 1 in 97): measured
//   with detectPii, 26 hits over 13,600 fills of four sentences with 34 country codes x 100 numbers;
// - bypasses: an IBAN whose groups are cut by a line break or joined by words ("then", "and").
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
  "attack: an IBAN with a line break before its last groups reaches the provider",
  "attack: an IBAN with a line break in the middle reaches the provider",
  "attack: an IBAN whose groups are joined by 'then' reaches the provider",
  "attack: an IBAN whose groups are joined by 'and' reaches the provider",
  "attack: an IBAN with a spaced mark changing between groups reaches the provider",
  "attack: an IBAN with a line break before its last groups in a text egress body reaches the target",
  "attack: an IBAN with a line break in the middle in a text egress body reaches the target",
  "attack: an IBAN whose groups are joined by 'then' in a text egress body reaches the target",
  "attack: an IBAN whose groups are joined by 'and' in a text egress body reaches the target",
  "attack: an IBAN with a spaced mark changing between groups in a text egress body reaches the target",
  "attack: an IBAN with a line break before its last groups in tool arguments reaches the tool",
  "attack: an IBAN with a line break in the middle in tool arguments reaches the tool",
  "attack: an IBAN whose groups are joined by 'then' in tool arguments reaches the tool",
  "attack: an IBAN whose groups are joined by 'and' in tool arguments reaches the tool",
  "attack: an IBAN with a spaced mark changing between groups in tool arguments reaches the tool",
]);

let exits: PiiExits;
beforeAll(async () => {
  exits = await piiExits("red11b-iban");
});

const EVERYDAY: Array<[string, string]> = [
  ["a meeting room code", "Room DE84 is free for the design review after lunch."],
  ["a printer model", "The PL89 printer on floor three is out of toner again."],
  ["an item code in an order", "Add item CH83 to the order and ship it by Friday."],
  ["a flight number", "Please book me on flight NL25 to Rome tomorrow morning."],
];

const BYPASSES: Array<[string, string]> = [
  ["an IBAN with a line break before its last groups", "IBAN DE89 3704 0044 0532\n0130 00"],
  ["an IBAN with a line break in the middle", "IBAN DE89 3704 0044\n0532 0130 00"],
  ["an IBAN whose groups are joined by 'then'", "IBAN DE89 then 3704 0044 then 0532 0130 00"],
  ["an IBAN whose groups are joined by 'and'", "IBAN DE89 and 3704 0044 and 0532 0130 00"],
  ["an IBAN with a spaced mark changing between groups", "IBAN DE89 3704 / 0044 - 0532 / 0130 00"],
];

describe("HELD control", () => {
  it("an IBAN in uneven groups on one line is refused", async () => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} IBAN DE89 37 040044 0532 0130 00`);
  });
});

describe("false blocks: codes in everyday sentences", () => {
  eachCase(EVERYDAY, KNOWN_GAPS, "clean: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} ${text}`);
  });
  eachCase(EVERYDAY, KNOWN_GAPS, "clean: %s reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual({ error: undefined, targetSawIt: true });
  });
});

describe("bypasses: an IBAN in pieces", () => {
  eachCase(BYPASSES, KNOWN_GAPS, "attack: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });
  eachCase(BYPASSES, KNOWN_GAPS, "attack: %s in a text egress body reaches the target", async (_name, text) => {
    const m = mark();
    expect(await egressOutcome(exits, m, text, "text/plain")).toEqual(EGRESS_REFUSED);
  });
  eachCase(BYPASSES, KNOWN_GAPS, "attack: %s in tool arguments reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual(TOOL_REFUSED);
  });
});
