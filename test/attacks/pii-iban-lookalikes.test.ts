// Attack class: an IBAN written so the upper-case pattern misses it: lower or mixed case, without
// spaces, or with Cyrillic and Greek letters drawn like Latin ones (DЕ89 with a Cyrillic Е), to get
// it past a `block` policy. The checksum still decides, so prose with similar shapes passes.
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
  exits = await piiExits("pii-iban");
});

const VARIANTS: Array<[string, string]> = [
  ["a lower-case IBAN", "iban de89 3704 0044 0532 0130 00"],
  ["a lower-case IBAN without spaces", "iban de89370400440532013000"],
  ["a mixed-case IBAN", "IBAN gB29 nWbK 6016 1331 9268 19"],
  ["an IBAN with a Cyrillic \u0415 in the country code", "IBAN D\u041589 3704 0044 0532 0130 00"],
  ["an IBAN with a Cyrillic \u041a in the bank code", "IBAN GB29 NWB\u041a 6016 1331 9268 19"],
  ["an IBAN with a Greek \u0391 and a Cyrillic \u0442", "IBAN \u0391\u0442697032418725250985"],
];

describe("LLM proxy (OpenAI and Anthropic SDKs)", () => {
  it.each(VARIANTS)("attack: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });

  it("clean control: IBAN-shaped prose and Cyrillic words reach the provider", async () => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} see section ab12 cd34 ef56 gh78; de12 3456 7890 1234 5678 90 is no account; Москва`);
  });
});

describe("egress and tool arguments", () => {
  it.each(VARIANTS.slice(0, 4))("attack: %s in a JSON egress body reaches the target", async (_name, text) => {
    const m = mark();
    expect(await egressOutcome(exits, m, JSON.stringify({ note: text }), "application/json")).toEqual(EGRESS_REFUSED);
  });

  it.each(VARIANTS.slice(3))("attack: %s in tool arguments reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual(TOOL_REFUSED);
  });
});
