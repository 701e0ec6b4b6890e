// Attack class: control characters and terminal escape sequences inside a value (NUL, backspace,
// DEL, C1 controls, ANSI CSI and OSC sequences), which a terminal or log shows as nothing, to get an
// e-mail, card or phone number past a `block` policy on the LLM proxy, egress and tool arguments.
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
  exits = await piiExits("pii-ctl");
});

const VARIANTS: Array<[string, string]> = [
  ["a NUL inside an e-mail", "write to jane.roe\u0000@example.org"],
  ["a backspace inside an e-mail's domain", "write to jane.roe@exa\u0008mple.org"],
  ["a C1 control (U+0090) inside an e-mail's domain", "write to jane.roe@exam\u0090ple.org"],
  ["DEL characters between a card's groups", "card 4111\u007f1111\u007f1111\u007f1111"],
  ["a card coloured with ANSI SGR escapes", "card \u001b[1m4111\u001b[0m \u001b[1m1111\u001b[0m \u001b[32;1m1111\u001b[0m \u001b[1m1111\u001b[0m"],
  ["an OSC title sequence inside an e-mail's domain", "mail jane.roe@exa\u001b]0;build\u0007mple.org"],
  ["an 8-bit CSI inside a phone number", "call +1 415 555\u009b0m 0123"],
];

describe("LLM proxy (OpenAI and Anthropic SDKs)", () => {
  it.each(VARIANTS)("attack: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });

  it("clean control: coloured test-runner output with no values reaches the provider", async () => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} \u001b[32m PASS \u001b[0m test/app.test.ts (12 tests) 340 ms\u0000`);
  });
});

describe("egress", () => {
  it.each([
    ["a JSON-escaped NUL inside an e-mail", '{"to":"jane.roe\\u0000@example.org"}'],
    ["JSON-escaped escape sequences between a card's groups", '{"card":"4111\\u001b[0m1111\\u001b[0m1111\\u001b[0m1111"}'],
    ["a JSON-escaped backspace inside an e-mail", '{"to":"jane.roe@exa\\bmple.org"}'],
  ])("attack: %s reaches the target", async (_name, body) => {
    const m = mark();
    expect(await egressOutcome(exits, m, body, "application/json")).toEqual(EGRESS_REFUSED);
  });
});

describe("tool arguments", () => {
  it.each([
    ["a NUL inside an e-mail", "mail jane.roe\u0000@example.org"],
    ["an ANSI-coloured card", "card \u001b[1m4111\u001b[0m \u001b[1m1111\u001b[0m \u001b[1m1111\u001b[0m \u001b[1m1111\u001b[0m"],
  ])("attack: %s reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual(TOOL_REFUSED);
  });
});
