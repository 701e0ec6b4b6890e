// Attack class: an e-mail address written loosely so the strict pattern misses it: spaces around
// the "@", a bare "at"/"AT" between an address-like local part and a real domain, a quoted local
// part, to get it past a `block` policy. Prose ("look at example.com") and code ("python
// @app.route") must still pass.
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
  exits = await piiExits("pii-mail");
});

const VARIANTS: Array<[string, string]> = [
  ["a bare 'at' after a dotted local part", "write to jane.roe at example.org"],
  ["an upper-case 'AT'", "write to jane.roe AT example.org"],
  ["spaces around the @", "write to jane.roe @ example.org"],
  ["a space after the @", "write to jane.roe@ example.org"],
  ["a space before the @", "write to jane.roe @example.org"],
  ["a quoted local part", 'write to "jane roe"@example.org'],
  ["a bare 'at' after a one-word local part no list holds", "write to jsmith at example.org"],
  ["a bare 'at' after a given name", "write to Ngozi at example.org"],
  ["line breaks around the @", "write to jane.roe\n@\nexample.org"],
  ["a line break before the @", "write to jane.roe\r\n@example.org"],
  ["a line break after the @", "write to jane.roe@\nexample.org"],
];

describe("LLM proxy (OpenAI and Anthropic SDKs)", () => {
  it.each(VARIANTS)("attack: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });

  it.each([
    ["'look at example.com'", "look at example.com for the details; we are hosted at example.com"],
    ["a Python decorator", "language python\n@app.route('/health')\ndef health(): return 'ok'"],
    ["a mention", "thanks @example.org team, and ask alice @bob.dev"],
    ["versions and tools", "released v1.2 at example.com, built with Node.js at example.com"],
    ["products and repositories before 'at'", "Download Python3.12 at python.org; GPT-4o at chatgpt.com; my_project at github.com"],
    ["a matrix product", "scores = weights @ inputs.app"],
    ["everyday words before 'at' and a domain", "support at example.com is open; deployed at example.org; see the docs at example.net"],
    ["a mention and a decorator on their own lines", "ping\n@alice.dev\nand\n@app.route('/x')"],
  ])("clean control: %s reaches the provider", async (_name, text) => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} ${text}`);
  });
});

describe("egress and tool arguments", () => {
  it.each(VARIANTS.slice(0, 4))("attack: %s in a text egress body reaches the target", async (_name, text) => {
    const m = mark();
    expect(await egressOutcome(exits, m, text, "text/plain")).toEqual(EGRESS_REFUSED);
  });

  it.each(VARIANTS.slice(4))("attack: %s in tool arguments reaches the tool", async (_name, text) => {
    const m = mark();
    expect(await toolOutcome(exits, m, `${m} ${text}`)).toEqual(TOOL_REFUSED);
  });
});
