// Attack class: an IPv4 address written defanged, as threat reports do ("203.0.113[.]77",
// "203[.]0[.]113[.]77", "(.)", "{.}", "[dot]"), to get it past a policy blocking ip_address.
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
  exits = await piiExits("pii-ip");
});

const VARIANTS: Array<[string, string]> = [
  ["the last dot in brackets", "connect to 203.0.113[.]77"],
  ["every dot in brackets", "connect to 203[.]0[.]113[.]77"],
  ["dots in parentheses", "connect to 198(.)51(.)100(.)7"],
  ["dots in braces", "connect to 192{.}0{.}2{.}1"],
  ["dots spelled [dot]", "connect to 10[dot]1[dot]2[dot]3"],
];

describe("LLM proxy (OpenAI and Anthropic SDKs)", () => {
  it.each(VARIANTS)("attack: an IP address with %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });

  it("clean control: bracketed dots in code and a defanged loopback reach the provider", async () => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} items[.]length, a[.]b and localhost 127[.]0[.]0[.]1`);
  });
});

describe("egress and tool arguments", () => {
  it.each(VARIANTS.slice(0, 3))("attack: an IP address with %s in a JSON egress body reaches the target", async (_name, text) => {
    const m = mark();
    expect(await egressOutcome(exits, m, JSON.stringify({ note: text }), "application/json")).toEqual(EGRESS_REFUSED);
  });

  it.each(VARIANTS.slice(3))("attack: an IP address with %s in tool arguments reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual(TOOL_REFUSED);
  });
});
