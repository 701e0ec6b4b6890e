// Attack class: under a PII `failMode: "open"` policy, make the scan fail on purpose so that a
// value the same policy blocks is forwarded. `open` forwards what could not be checked; it must
// not forward what could: a value written plainly is found by the pattern detectors whatever
// markup or prose beside it made the full scan give up.
import { describe, expect, it } from "vitest";
import { BLOCKING, ascii, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";
import { BLOCK_STRUCTURED, llmBlockingAgent } from "./support/llm-pii.js";
import { json } from "./support/markup-values.js";

const OPEN = { ...BLOCK_STRUCTURED, failMode: "open" };
const CARD = "Card 4111 1111 1111 1111";
const EMAIL = "write to jane.doe@example.com";

/** A formatting-element bomb (2.4 KB, past the markup tree's element cap) beside a hidden element: the tree is refused. */
const BOMB = `<span hidden></span><div>${Array.from({ length: 100 }, (_, i) => `<b id=${i}>`).join("")}</div>${"<div>x</div>".repeat(120)}`;
/** Prose past the tagger's 1 MiB budget per request. */
const PROSE = "The service reads the configuration at start-up and caches it for the process. ".repeat(14_000);

describe("fail-open forwarding: a scan made to fail still blocks what is written plainly (LLM proxy)", () => {
  it("a formatting bomb before a plain card in the same message: refused, never forwarded", { timeout: 60_000 }, async () => {
    const sender = await llmBlockingAgent("fo-bomb-same", OPEN);
    await sender.expectBlocked(`${BOMB}<p>${CARD}</p>`);
  });

  it("a formatting bomb in one message, a plain e-mail in the next: refused, never forwarded", { timeout: 60_000 }, async () => {
    const sender = await llmBlockingAgent("fo-bomb-next", OPEN);
    await sender.expectBlocked([BOMB, EMAIL]);
  });

  it("1.1 MB of prose past the tagger's budget, then a plain card: refused, never forwarded", { timeout: 120_000 }, async () => {
    const sender = await llmBlockingAgent("fo-prose", OPEN);
    await sender.expectBlocked([PROSE, CARD]);
  });

  it("control: the bomb alone is forwarded under failMode open (nothing it could check is blocked)", { timeout: 60_000 }, async () => {
    const sender = await llmBlockingAgent("fo-ctl-open", OPEN);
    const res = await sender.chat(BOMB);
    expect(res.status, res.text).toBe(200);
  });

  it("control: the bomb alone is refused under failMode closed", { timeout: 60_000 }, async () => {
    const sender = await llmBlockingAgent("fo-ctl-closed");
    await sender.expectBlocked(BOMB);
  });
});

describe("fail-open forwarding: a scan made to fail still blocks what is written plainly (egress proxy)", () => {
  const openBlocking = { ...BLOCKING, failMode: "open" } as unknown as Record<string, "block">;

  it("a JSON mail body whose HTML holds a formatting bomb and a plain card: refused, never forwarded", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("fo-eg-bomb", openBlocking);
    await expectRefused(agent, "/fo1", { headers: json, rawBody: ascii(JSON.stringify({ html: `${BOMB}<p>${CARD}</p>` })) });
  });

  it("a JSON body: the bomb in one field, a plain e-mail in a later one: refused, never forwarded", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("fo-eg-next", openBlocking);
    await expectRefused(agent, "/fo2", { headers: json, rawBody: ascii(JSON.stringify({ html: BOMB, note: EMAIL })) });
  });

  it("control: the bomb alone is delivered under failMode open", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("fo-eg-ctl", openBlocking);
    await expectDelivered(agent, "/fo3", { headers: json, rawBody: ascii(JSON.stringify({ html: BOMB })) });
  });
});
