// Red team s11b, attack class: loose e-mails, one word before a bare "at" (this round: a word of
// letters no word list holds, or a given name that is no everyday word, counts as a mailbox). Each
// test asserts the safe outcome, so it FAILS while the problem exists:
// - false blocks: "<product> at <product>.org" (where to download or read about a tool) and
//   "<person> at <Company>.com" (where someone works) are read as addresses and refused;
// - bypasses: a mailbox with a hyphen ("j-roe at …") or a domain with a space before its dot.
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
  "attack: a hyphenated mailbox before 'at' reaches the provider",
  "attack: a domain with a space before its dot reaches the provider",
  "attack: a hyphenated mailbox before 'at' in a text egress body reaches the target",
  "attack: a domain with a space before its dot in a text egress body reaches the target",
  "attack: a hyphenated mailbox before 'at' in tool arguments reaches the tool",
  "attack: a domain with a space before its dot in tool arguments reaches the tool",
]);

let exits: PiiExits;
beforeAll(async () => {
  exits = await piiExits("red11b-email");
});

const EVERYDAY: Array<[string, string]> = [
  ["where to download a tool", "Download ffmpeg at ffmpeg.org and install it."],
  ["a hosting product and its site", "Deploy it on netlify at netlify.com"],
  ["a SaaS product and its site", "Sign up for zapier at zapier.com"],
  ["a packet analyser and its site", "Download wireshark at wireshark.org"],
  ["a person and the company where they were met", "I met Priya at Booking.com last year."],
  ["a colleague and the company where she works", "Our intern Anneke at Adyen.com starts Monday"],
];

const BYPASSES: Array<[string, string]> = [
  ["a hyphenated mailbox before 'at'", "write to j-roe at example.org"],
  ["a domain with a space before its dot", "write to jsmith at example .org"],
];

describe("HELD control", () => {
  it("a one-word mailbox before a bare 'at' is refused", async () => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} write to jsmith at example.org`);
  });
});

describe("false blocks: products and people beside their site", () => {
  eachCase(EVERYDAY, KNOWN_GAPS, "clean: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} ${text}`);
  });
  eachCase(EVERYDAY, KNOWN_GAPS, "clean: %s reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual({ error: undefined, targetSawIt: true });
  });
});

describe("bypasses: loose e-mails still reach the exits", () => {
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
