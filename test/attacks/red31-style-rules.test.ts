// Red team 31: style-sheet rules a browser applies (red team 30d's reading) through the LLM proxy,
// with the official OpenAI and Anthropic SDKs. Each bypass is text a browser shows as a whole card
// (the hidden digit is not shown); it must be refused. The controls are text a browser shows with
// no card at all; they must reach the provider.
import { beforeAll, describe, it } from "vitest";
import { expectLlmPasses, expectLlmRefused, mark, type PiiExits, piiExits } from "./support/pii-exits.js";

let exits: PiiExits;
beforeAll(async () => {
  exits = await piiExits("red31-style");
});

describe("red31: style-sheet rules a browser applies and the masker does not read", () => {
  it.each([
    // New in the diff (a495bd2 blocked each of these).
    ["attribute selector with a value", "<style>[data-h=x]{display:none}</style>Card 4111 1111 1111 11<span data-h=x>9</span>11"],
    [
      "attribute selector with a quoted value",
      '<style>[aria-hidden="true"]{display:none}</style>Card 4111 1111 1111 11<span aria-hidden="true">9</span>11',
    ],
    ["a selector list inside :is()", "<style>:is(.a,.b){display:none}</style><p>Card 4111 1111 1111 11<i class=a>9</i>11</p>"],
    ["a selector list inside :where()", "<style>:where(.a,.b){display:none}</style><p>Card 4111 1111 1111 11<i class=a>9</i>11</p>"],
    ["a bare element nested in a rule", "<style>.c{ i{display:none} }</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["a bare element nested on &", "<style>.c{ & i{display:none} }</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    [
      "a brace inside a @font-face string",
      '<style>@font-face{font-family:"{"} .h{display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11',
    ],
    ["a brace inside a content string", '<style>.x{content:"{"} i{display:none}</style>Card 4111 1111 1111 11<i>9</i>11'],
    ["a complex selector inside :not()", "<style>.h:not(.v .h){display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11"],
    ["a compound inside :not() (not both)", "<style>.h:not(.v.h){display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11"],
    // Older (a495bd2 missed them too).
    [
      "a state that holds in a static page (form:valid)",
      "<style>form:valid .h{display:none}</style><form>Card 4111 1111 1111 11<span class=h>9</span>11</form>",
    ],
    ["a bare element under an ancestor", "<style>.c i{display:none}</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["a child combinator", "<style>.c > i{display:none}</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["every descendant of .c but its own text", "<style>.c *{display:none}</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["a comment opener inside a string", '<style>.x{content:"/*"} .h{display:none} /* */</style>Card 4111 1111 1111 11<span class=h>9</span>11'],
  ])("%s: refused through both SDKs, the provider never sees it", async (_title, text) => {
    const m = mark();
    await expectLlmRefused(exits, m, `${m} ${text}`);
  });

  it.each([
    // New: a nested rule under a selector list hides the list's first selector itself.
    ["a nested rule under a selector list", "<style>.a,.b{ .x{display:none} }</style><p>Code 4111 1111 1111 11<span class=a>9</span>11</p>"],
    ["a nested rule on & under a selector list", "<style>.a,.b{ & .x{display:none} }</style><p>Code 4111 1111 1111 11<span class=a>9</span>11</p>"],
  ])("%s: delivered through both SDKs (no card is shown)", async (_title, text) => {
    const m = mark();
    await expectLlmPasses(exits, m, `${m} ${text}`);
  });
});
