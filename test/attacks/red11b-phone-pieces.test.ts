// Red team s11b, attack class: a phone number given in pieces announced by words, the way this
// round reads cards ("starts … ends", "then"). Cards in that shape are refused; a phone number in
// the same shape reaches every exit. Each attack test asserts the safe outcome (refused, never
// seen), so it FAILS while the bypass works; the HELD control is the number written whole.
import { beforeAll, describe, expect, it } from "vitest";
import { EGRESS_REFUSED, type PiiExits, TOOL_REFUSED, egressOutcome, expectLlmRefused, mark, piiExits, toolOutcome } from "./support/pii-exits.js";
import { eachCase } from "./support/known-gaps.js";

/** Cases this round left open (docs/pii.md, "What block does not catch"); skipped, listed by title. */
const KNOWN_GAPS = new Set<string>([
  "attack: a mobile number announced in halves reaches the provider",
  "attack: a mobile number with '(then)' between its parts reaches the provider",
  "attack: a mobile number announced in halves in a text egress body reaches the target",
  "attack: a mobile number with '(then)' between its parts in a text egress body reaches the target",
  "attack: a mobile number announced in halves in tool arguments reaches the tool",
  "attack: a mobile number with '(then)' between its parts in tool arguments reaches the tool",
]);

let exits: PiiExits;
beforeAll(async () => {
  exits = await piiExits("red11b-phone");
});

const BYPASSES: Array<[string, string]> = [
  ["a mobile number announced in halves", "my number starts +44 7911 and ends 123456"],
  ["a mobile number with '(then)' between its parts", "the number is +44 (then) 7911 (then) 123456"],
];

describe("HELD control", () => {
  it("a UK mobile number written whole is refused", async () => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} call +44 7911 123456`);
  });
});

describe("bypasses: a phone number in announced pieces", () => {
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
