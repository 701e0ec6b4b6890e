// Red team 35b on round 35's change (diff under review: SPEC, README, diff.patch): (A) failMode "open" now reads every
// string again as written after a failed scan (Masker.checkBlockedAfterFailure, from maskJsonStrings and scanOutbound)
// and (B) the markup reading's mends (BREAKING_TAG's unbroken reading, namespaces for hidden/popover and SVG's
// display/visibility, the certain-rules reading, SVG that draws no text, printedCardWithin, deduplicated readings).
// Every markup leak input was loaded in Chromium (playwright-core, /usr/bin/chromium): document.body.innerText of the
// page ("page") and innerText of a <div> in a standards-mode page whose innerHTML is the text ("div"); the value named
// is what both show on one line unless the title says otherwise.
// Every test asserts the SECURE behaviour: a failing test is a confirmed break; the controls pass.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";
import { targetRequests, toolCall } from "../workers/support/tools.js";
import { BLOCKING, ascii, egressPiiAgent, expectDelivered, expectRefused, noise, sendEgress } from "./support/egress-pii.js";
import { BLOCK_STRUCTURED, type LlmSender, llmPiiAgent } from "./support/llm-pii.js";
import { all, foundOrRefused, html, json, mail } from "./support/markup-values.js";

// ---------------------------------------------------------------------------------------------------------------
// Shared inputs
// ---------------------------------------------------------------------------------------------------------------

/** Round 35's own bomb (test/attacks/fail-open-forwarding.test.ts): 2.4 KB past the markup tree's element cap. */
const BOMB = `<span hidden></span><div>${Array.from({ length: 100 }, (_, i) => `<b id=${i}>`).join("")}</div>${"<div>x</div>".repeat(120)}`;
const OPEN = { ...BLOCK_STRUCTURED, failMode: "open" };
const OPEN_EXIT = { ...BLOCKING, failMode: "open" } as unknown as Record<string, "block">;
/** A card word, a pieces cue ("then") and one number run of `groups` one-digit groups: detectCardPieces spreads them. */
const RUN = (groups: number) => `, then ${"1 ".repeat(groups)}`;
/** A PNG signature, then a tEXt chunk whose comment is the card written plainly (what `strings` or an image viewer's metadata shows). */
const PNG =
  "iVBORw0KGgoAAAAcdEVYdENvbW1lbnQAQ2FyZCA0MTExIDExMTEgMTExMSAxMTExAAAAAAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/** An agent under a policy with `pii` on the LLM proxy (support/llm-pii.ts). */
const llmAgent = llmPiiAgent;
const user = (content: unknown) => ({ role: "user", content });
const REFUSED = { status: 422, forwarded: false };
const expectLlmRefused = async (s: LlmSender, messages: unknown[]) => {
  const r = await s.send(messages);
  expect({ status: r.status, forwarded: r.forwarded }, r.text).toEqual(REFUSED);
};

/** An agent whose MCP tool (an HTTP tool posting its arguments to the target) is under toolArguments `rule`. */
async function toolAgent(label: string, rule: Record<string, unknown>): Promise<{ token: string; tool: string }> {
  const org = await seedOrg(label);
  const agent = await createAgent(org, { name: label, autonomy: 5 });
  await attachPolicy(org, { name: label, piiExits: { toolArguments: rule } }, { scope: "agent", id: agent.id });
  const tool = `${label}-echo-${Math.random().toString(36).slice(2, 8)}`;
  const created = await create(org, "tools", {
    name: tool,
    description: "echo",
    inputSchema: { type: "object" },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/${label}-echo`,
  });
  await create(org, `tools/${created.id}/grants`, { scope: "agent", id: agent.id });
  return { token: agent.token, tool };
}
/** Calls the tool with `args` (holding `m`): the JSON-RPC error code and whether the target saw `m`. */
async function toolOutcome(t: { token: string; tool: string }, args: Record<string, unknown>, m: string) {
  const res = await toolCall(t.token, t.tool, { ...args, m });
  const seen = (await targetRequests(300)).some((r) => (r.body ?? "").includes(m));
  return { error: res.json?.error?.code as number | undefined, targetSawIt: seen };
}
const TOOL_REFUSED = { error: -32014, targetSawIt: false };
const mark = () => `rt35b${Math.random().toString(36).slice(2, 10)}`;

// ---------------------------------------------------------------------------------------------------------------
// (A) failMode "open": the re-read after a failed scan
// ---------------------------------------------------------------------------------------------------------------

describe("A1: the re-read itself fails — a detector error stops it quietly, and a plain card is forwarded (no bomb needed)", () => {
  // detectCardPieces (financial.ts) spreads a number run's groups into an array (groups.push(...run.groups)); a run of
  // 150,000 one-digit groups in a text with "card" and "then" overflows the stack: PiiDetector.detect turns it into
  // PiiBudgetError("detector_error") (detectCardPieces needs two number runs: the card, or any number, before the run).
  // The full scan fails with it; under "open" checkBlockedAfterFailure reads the same
  // text with the same #patterns, gets the same error and "stops quietly". The card written plainly at the text's
  // start, and every later string, is forwarded.
  let open: LlmSender;
  let closed: LlmSender;
  beforeAll(async () => {
    open = await llmAgent("rt35b-a1", OPEN);
    closed = await llmAgent("rt35b-a1c", { ...BLOCK_STRUCTURED });
  }, 60_000);

  it("LLM proxy: 'Card 4111 1111 1111 1111, then 1 1 1 …' (300 KB) is refused, never forwarded", { timeout: 120_000 }, async () => {
    await expectLlmRefused(open, [user(`Card 4111 1111 1111 1111${RUN(150_000)}`)]);
  });
  it("LLM proxy: 'Card list 7, then 1 1 1 …' in one message and a plain e-mail in the next are refused", { timeout: 120_000 }, async () => {
    await expectLlmRefused(open, [user(`Card list 7${RUN(150_000)}`), user("write to jane.doe@example.com")]);
  });
  it("control: with one number run only ('Card list, then 1 1 1 …': no second run, no spread) the e-mail is refused", {
    timeout: 120_000,
  }, async () => {
    await expectLlmRefused(open, [user(`Card list${RUN(150_000)}`), user("write to jane.doe@example.com")]);
  });
  it("egress proxy (JSON body): the card before the run is refused, never forwarded", { timeout: 120_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-a1e", OPEN_EXIT);
    await expectRefused(agent, "/a1", { headers: json, rawBody: ascii(JSON.stringify({ note: `Card 4111 1111 1111 1111${RUN(150_000)}` })) });
  });
  it("control: a shorter run (5,000 groups) beside the card is blocked under open", { timeout: 60_000 }, async () => {
    await expectLlmRefused(open, [user(`Card 4111 1111 1111 1111${RUN(5_000)}`)]);
  });
  it("control: the 300 KB run is refused under failMode closed", { timeout: 120_000 }, async () => {
    await expectLlmRefused(closed, [user(`Card 4111 1111 1111 1111${RUN(150_000)}`)]);
  });
});

describe("A2: egress under open — a body declared in a coding the gateway cannot decode is never re-read", () => {
  // decodedForScan gives {body: null, unreadable: "encoding"} for Content-Encoding br/zstd/unknown or a gzip header on
  // bytes that are not gzip; scanOutbound then has no body at all, and checkBlockedAfterFailure reads only the URL and
  // headers. The bytes sent upstream are the agent's own: plain JSON with a card (most servers do not decode request
  // bodies, and an exfiltration endpoint reads them raw).
  const body = ascii(JSON.stringify({ card: "4111 1111 1111 1111", email: "jane.doe@example.com" }));
  it("Content-Encoding: br on a plain JSON body holding a card: refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35b-a2br", OPEN_EXIT);
    await expectRefused(agent, "/a2br", { headers: { ...json, "content-encoding": "br" }, rawBody: body });
  });
  it("Content-Encoding: gzip on the same plain bytes (not a gzip stream): refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35b-a2gz", OPEN_EXIT);
    await expectRefused(agent, "/a2gz", { headers: { ...json, "content-encoding": "gzip" }, rawBody: body });
  });
  it("Content-Encoding: x-custom on a plain text body: refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35b-a2x", OPEN_EXIT);
    await expectRefused(agent, "/a2x", {
      headers: { "content-type": "text/plain", "content-encoding": "x-custom" },
      rawBody: ascii("Card 4111 1111 1111 1111"),
    });
  });
  it("control: the same body without the Content-Encoding is refused under open", async () => {
    const agent = await egressPiiAgent("rt35b-a2ctl", OPEN_EXIT);
    await expectRefused(agent, "/a2ctl", { headers: json, rawBody: body });
  });
  it("control: the br body is refused under failMode closed (the default)", async () => {
    const agent = await egressPiiAgent("rt35b-a2cl");
    await expectRefused(agent, "/a2cl", { headers: { ...json, "content-encoding": "br" }, rawBody: body });
  });
});

describe("A3: beside a bomb, a value split by inline markup is forwarded — the re-read has no markup reading", () => {
  // The bomb that makes the scan fail is markup; the same request splits the value with one inline tag, a comment or
  // Markdown ("4111 1111 <b>1111</b> 1111", "<b>jane.doe</b>@example.com"). The provider receives the raw text and the
  // model reads the value as plainly as "4111 1111 1111 1111"; the full scan finds it (control), the re-read does not.
  let open: LlmSender;
  beforeAll(async () => {
    open = await llmAgent("rt35b-a3", OPEN);
  }, 60_000);
  it.each([
    ["a card with one group in <b>", "Card 4111 1111 <b>1111</b> 1111"],
    ["a card with an empty comment", "Card 4111 1111 1111 11<!-- -->11"],
    ["a card with Markdown bold", "Card 4111 1111 1111 11**11**"],
    ["an e-mail whose local part is in <b>", "Write to <b>jane.doe</b>@example.com"],
    ["an IBAN with one group in <i>", "IBAN DE89 3704 <i>0044</i> 0532 0130 00"],
  ])("LLM proxy: the bomb, then %s: refused, never forwarded", { timeout: 60_000 }, async (_t, value) => {
    await expectLlmRefused(open, [user(BOMB), user(value)]);
  });
  it("egress proxy (text/html): the bomb and a card with one group in <b>: refused, never forwarded", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-a3e", OPEN_EXIT);
    await expectRefused(agent, "/a3", { headers: html, rawBody: ascii(`${BOMB}<p>Card 4111 1111 <b>1111</b> 1111</p>`) });
  });
  it("MCP tool arguments: the bomb and '<b>jane.doe</b>@example.com': refused, never sent", { timeout: 60_000 }, async () => {
    const t = await toolAgent("rt35b-a3t", OPEN_EXIT);
    const m = mark();
    expect(await toolOutcome(t, { html: BOMB, note: "<b>jane.doe</b>@example.com" }, m)).toEqual(TOOL_REFUSED);
  });
  it("control: without the bomb the card with one group in <b> is refused", { timeout: 60_000 }, async () => {
    await expectLlmRefused(open, [user("hello"), user("Card 4111 1111 <b>1111</b> 1111")]);
  });
  it("control: without the bomb the tool's '<b>jane.doe</b>@example.com' is refused", { timeout: 60_000 }, async () => {
    const t = await toolAgent("rt35b-a3tc", OPEN_EXIT);
    expect(await toolOutcome(t, { note: "<b>jane.doe</b>@example.com" }, mark())).toEqual(TOOL_REFUSED);
  });
});

describe("A4: beside a bomb, a value split across two strings is forwarded — the re-read reads each string alone", () => {
  // maskTexts reads content strings as one sequence and checkSplitValues reads values split across fields; the re-read
  // reads every string on its own. Two text parts of one message are concatenated by the provider.
  let open: LlmSender;
  beforeAll(async () => {
    open = await llmAgent("rt35b-a4", OPEN);
  }, 60_000);
  const parts = [
    { type: "text", text: "Card 4111 1111" },
    { type: "text", text: " 1111 1111" },
  ];
  it("LLM proxy: the bomb, then a card in two text parts of one message: refused, never forwarded", { timeout: 60_000 }, async () => {
    await expectLlmRefused(open, [user(BOMB), user(parts)]);
  });
  it("LLM proxy: the bomb, then a card in two consecutive messages: refused, never forwarded", { timeout: 60_000 }, async () => {
    await expectLlmRefused(open, [user(BOMB), user("Card 4111 1111"), user("1111 1111")]);
  });
  it("egress proxy (JSON): the bomb in one field, a card in the next two: refused, never forwarded", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-a4e", OPEN_EXIT);
    await expectRefused(agent, "/a4", { headers: json, rawBody: ascii(JSON.stringify({ html: BOMB, card: "4111 1111", rest: "1111 1111" })) });
  });
  it("MCP tool arguments: the bomb in one field, a card in the next two: refused, never sent", { timeout: 60_000 }, async () => {
    const t = await toolAgent("rt35b-a4t", OPEN_EXIT);
    expect(await toolOutcome(t, { html: BOMB, card: "4111 1111", rest: "1111 1111" }, mark())).toEqual(TOOL_REFUSED);
  });
  it("control: without the bomb the two text parts are refused", { timeout: 60_000 }, async () => {
    await expectLlmRefused(open, [user("hello"), user(parts)]);
  });
  it("control: without the bomb the two JSON fields are refused by the egress proxy", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-a4ec", OPEN_EXIT);
    await expectRefused(agent, "/a4c", { headers: json, rawBody: ascii(JSON.stringify({ card: "4111 1111", rest: "1111 1111" })) });
  });
});

describe("A5: beside a bomb, a plain card followed by a footnote mark ('…1111¹') is forwarded", () => {
  // No markup at all: the superscript glues to the card in normalize() ("…11111", 17 digits) and the apart reading is
  // an "other reading", which the re-read skips (otherReadings: false). Chromium shows "Card 4111 1111 1111 1111¹".
  it("LLM proxy: the bomb, then 'Card 4111 1111 1111 1111¹': refused, never forwarded", { timeout: 60_000 }, async () => {
    const open = await llmAgent("rt35b-a5", OPEN);
    await expectLlmRefused(open, [user(BOMB), user("Card 4111 1111 1111 1111¹ (see terms)")]);
  });
  it("egress proxy (JSON): the bomb and 'Card 4111 1111 1111 1111²': refused, never forwarded", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-a5e", OPEN_EXIT);
    await expectRefused(agent, "/a5", { headers: json, rawBody: ascii(JSON.stringify({ html: BOMB, note: "Card 4111 1111 1111 1111²" })) });
  });
  it("control: the footnoted card alone is found by the detector", () => {
    expect(all("Card 4111 1111 1111 1111¹ (see terms)")).toContain("credit_card");
  });
});

describe("A6: beside a bomb, text inside inline media (an image's text chunk) is forwarded — the re-read skips media", () => {
  // Under block the full scan reads the text runs of inline media (checkBlockedOnly); maskJsonStrings' re-read calls
  // jsonStrings with readMedia: false. A PNG whose tEXt chunk holds "Card 4111 1111 1111 1111" in plain ASCII. (A PDF
  // file part is refused with 400 by the spend bound once the PII check has passed, so an image is used.)
  const file = { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } };
  let open: LlmSender;
  beforeAll(async () => {
    open = await llmAgent("rt35b-a6", OPEN);
  }, 60_000);
  it("LLM proxy: the bomb, then a PNG whose text chunk holds a card: refused, never forwarded", { timeout: 60_000 }, async () => {
    await expectLlmRefused(open, [user(BOMB), user([{ type: "text", text: "see attached" }, file])]);
  });
  it("control: the PNG alone is refused", { timeout: 60_000 }, async () => {
    await expectLlmRefused(open, [user([{ type: "text", text: "see attached" }, file])]);
  });
});

describe("A7: egress under open — a bomb beside a binary part: the binary body's text runs are never re-read", () => {
  // scanOutbound reads binary bodies (binaryBodies) after the sequences; a bomb in an earlier part throws first, and
  // checkBlockedAfterFailure reads sequences, identifiers and header values only. The card is a plain ASCII run in the
  // file (what `strings` shows).
  const file = (() => {
    const random = noise(600);
    const card = ascii(" Card 4111 1111 1111 1111 ");
    const out = new Uint8Array(random.length + card.length);
    out.set(random.subarray(0, 300));
    out.set(card, 300);
    out.set(random.subarray(300), 300 + card.length);
    return out;
  })();
  const multipart = (parts: Array<[string, string, Uint8Array]>) => {
    const chunks: Uint8Array[] = [];
    for (const [name, type, bytes] of parts) {
      chunks.push(
        ascii(`--b35\r\ncontent-disposition: form-data; name="${name}"; filename="${name}.bin"\r\ncontent-type: ${type}\r\n\r\n`),
        bytes,
        ascii("\r\n"),
      );
    }
    chunks.push(ascii("--b35--\r\n"));
    return new Blob(chunks);
  };
  const headers = { "content-type": "multipart/form-data; boundary=b35" };
  it("multipart: an HTML part holding the bomb, then a binary file with a plain card: refused, never forwarded", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-a7", OPEN_EXIT);
    await expectRefused(agent, "/a7", {
      headers,
      rawBody: multipart([
        ["description", "text/html", ascii(BOMB)],
        ["upload", "application/octet-stream", file],
      ]),
    });
  });
  it("the bomb in a query parameter, a binary body with a plain card: refused, never forwarded", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-a7q", OPEN_EXIT);
    await expectRefused(agent, `/a7q?note=${encodeURIComponent(BOMB)}`, { headers: { "content-type": "application/octet-stream" }, rawBody: file });
  });
  it("control: the binary file alone is refused", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-a7c", OPEN_EXIT);
    await expectRefused(agent, "/a7c", { headers, rawBody: multipart([["upload", "application/octet-stream", file]]) });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (B) the markup reading's mends
// ---------------------------------------------------------------------------------------------------------------

// CASES-BEGIN (plain data: also loaded in Chromium to check what a browser shows)
const J = "<span hidden>9</span>";
/** B1: a stray block tag the tree builder ignores, where BREAKING_TAG does not see a value around it. */
const B1 = [
  ["an empty <b></b> between the digit and a stray </div>", "Card 4111 1111 1111 11<b></b></div>11", "credit_card"],
  ["a closing </span> before a stray </div>", "<p>Card 4111 1111 1111 <span>11</span></div>11</p>", "credit_card"],
  ["a comment before a stray </div>", "Card 4111 1111 1111 11<!-- x --></div>11", "credit_card"],
  ["a character reference digit before a stray </div>", "Card 4111 1111 1111 1&#49;</div>11", "credit_card"],
  ["a dot-separated card, the stray </div> after a dot", "Card 4111.1111.1111.</div>1111", "credit_card"],
  ["an IBAN split after its country letters by a stray </li>", "IBAN DE</li>89 3704 0044 0532 0130 00", "iban"],
  ["a GB IBAN split inside its bank code by a stray </div>", "IBAN GB82 WE</div>ST 1234 5698 7654 32", "iban"],
  ["an e-mail split inside its domain by a stray </div>", "Mail jane.doe@exa</div>mple.com", "email"],
  ["an e-mail split before its top-level domain by a stray </div>", "Mail jane.doe@example.</div>com", "email"],
  ["an e-mail split in its domain by a <td> outside a table", "Mail jane.doe@exa<td>mple.com", "email"],
  ["a UK NINO split after its letters by a stray </div>", "NI AB</div> 12 34 56 C", "tax_id"],
  ["an EU VAT number split after its country code by a stray </div>", "VAT DE</div>123456789", "tax_id"],
] as const;

/** A card ending a paragraph of SVG text laid along a path of twelve lines (a chart's notes, drawn wrapped), `mid` after its 14th digit. */
const LONG_T = (mid: string) =>
  `<svg width=600 height=260><defs><path id=p d="${Array.from({ length: 12 }, (_, i) => `M0,${20 + i * 20} H560`).join(" ")}"/></defs><text font-size=14><textPath href="#p">${"Quarterly figures for the northern region, unaudited, subject to change. ".repeat(8)}Card 4111 1111 1111 11${mid}</textPath></text></svg>`;
/** B2: the namespace read from a window that does not hold the <svg> start tag; MathML read as HTML. */
const B2 = [
  ["REGRESSION: <tspan display=none> 590 characters into SVG text on a path (found before round 35)", LONG_T(`<tspan display="none">9</tspan>11`)],
  ["HTML's hidden on a <tspan> 590 characters into SVG text on a path", LONG_T(`<tspan display="none">9</tspan><tspan hidden>11</tspan>`)],
  ["HTML's hidden on a MathML <mn> (no effect there)", `<p>Card 4111 1111 1111 ${J}<math><mn hidden>1111</mn></math></p>`],
  [
    "a MathML <annotation> (never rendered) holding the junk",
    "<p>Card 4111 1111 1111 <math><semantics><mn>1111</mn><annotation>9</annotation></semantics></math></p>",
  ],
  [
    "a MathML <annotation-xml> holding the junk",
    "<p>Card 4111 1111 1111 <math><semantics><mn>1111</mn><annotation-xml>9</annotation-xml></semantics></math></p>",
  ],
  [
    "a MathML <maction> whose second child holds the junk",
    '<p>Card 4111 1111 1111 <math><maction actiontype="toggle"><mn>1111</mn><mn>9</mn></maction></math></p>',
  ],
  ["a MathML <mphantom> holding the junk", "<p>Card 4111 1111 1111 <math><mn>1111</mn><mphantom><mn>9</mn></mphantom></math></p>"],
] as const;

/** B3: a presentation attribute "yields" to any rule by element name that sets display, whatever element it selects. */
const B3 = [
  [
    "svg{display:block} beside a .x rule",
    '<style>.x{display:none}svg{display:block}</style><svg width=400 height=30><text y=20>Card 4111 1111 1111 1<tspan class=x>9</tspan>1<tspan display="none">9</tspan>11</text></svg>',
  ],
  [
    "p{visibility:visible} beside a .x rule",
    '<style>.x{display:none}p{visibility:visible}</style><svg width=400 height=30><text y=20>Card 4111 1111 1111 1<tspan class=x>9</tspan>1<tspan visibility="hidden">9</tspan>11</text></svg>',
  ],
] as const;

/** B4: rules read as certain (or as hiding) that no browser applies, with a junk digit hidden by a real rule. */
const X2 = "Card 4111 1111 1111 11<span class=x>9</span><span class=y>11</span>";
const B4 = [
  [
    "a <style title> of another set (an alternate sheet, disabled)",
    `<style title=a>.x{display:none}</style><style title=b>.y{display:none}</style><p>${X2}</p>`,
  ],
  ["a selector list with an invalid selector (the whole rule dropped)", `<style>.x{display:none}.y,.z::bogus{display:none}</style><p>${X2}</p>`],
  ["a later rule all:unset (display back to inline)", `<style>.x{display:none}.y{display:none}.y{all:unset}</style><p>${X2}</p>`],
  [
    "the element's own style display:inline over the sheet's rule",
    `<style>.x{display:none}.y{display:none}</style><p>Card 4111 1111 1111 11<span class=x>9</span><span class=y style="display:inline">11</span></p>`,
  ],
  ["display:!important none (invalid: !important first)", `<style>.x{display:none}.y{display:!important none}</style><p>${X2}</p>`],
  ["display:none\\9 (the IE hack: invalid in browsers)", `<style>.x{display:none}.y{display:none\\9}</style><p>${X2}</p>`],
  ["a style attribute display:!important none", `<p>Card 4111 1111 1111 11${J}<span style="display:!important none">11</span></p>`],
  ["a style attribute display:none\\9", `<p>Card 4111 1111 1111 11${J}<span style="display:none\\9">11</span></p>`],
  [
    "class=X under .x with no doctype (quirks: the page hides it; a standards <div> shows '11911')",
    `<style>.x{display:none}@media print{.y{display:none}}</style><p>Card 4111 1111 1111 11<span class=X>9</span><span class=y>11</span></p>`,
  ],
] as const;

/**
 * Cases left open after round 35 (docs/pii.md, thirty-fifth round, "Left"): skipped by name; a mend takes one off.
 * "none\9" (an escape a browser reads as part of the word) and quirks-mode class case are read as hiding; a
 * visibility:visible child of a visibility:hidden element is dropped with it.
 */
const OPEN_GAPS = new Set<string>([
  "display:none\\9 (the IE hack: invalid in browsers)",
  "a style attribute display:none\\9",
  "class=X under .x with no doctype (quirks: the page hides it; a standards <div> shows '11911')",
  "a visibility:visible child of a visibility:hidden <span>",
  "a visibility=visible <tspan> in a visibility=hidden <tspan>",
]);
const held = <T extends readonly [string, ...string[]]>(rows: readonly T[]): T[] => rows.filter((r) => !OPEN_GAPS.has(r[0]));
const open = <T extends readonly [string, ...string[]]>(rows: readonly T[]): T[] => rows.filter((r) => OPEN_GAPS.has(r[0]));

/** A card in SVG text with `mid` after its 14th digit. */
const T = (mid: string) => `<svg width=400 height=30><text y=20>Card 4111 1111 1111 11${mid}</text></svg>`;
/** B5: what a browser draws that the dropped readings drop. */
const B5 = [
  [
    "REGRESSION: a <tspan requiredFeatures> (ignored by browsers: always drawn)",
    T(`<tspan display="none">9</tspan><tspan requiredFeatures="http://www.w3.org/TR/SVG11/feature#Shape">11</tspan>`),
  ],
  [
    "REGRESSION: a <tspan systemLanguage> listing the reader's language",
    T(`<tspan display="none">9</tspan><tspan systemLanguage="en,fr,de,es,zh,ja">11</tspan>`),
  ],
  [
    "a visibility:visible child of a visibility:hidden <span>",
    '<p>Card 4111 1111 1111 11<span style="visibility:hidden">9<span style="visibility:visible">11</span></span></p>',
  ],
  ["a visibility=visible <tspan> in a visibility=hidden <tspan>", T('<tspan visibility="hidden">9<tspan visibility="visible">11</tspan></tspan>')],
] as const;

/** B6: ordinary lists of numbers, one a line, that the unbroken reading runs together into a card. */
const B6 = [
  ["meter readings one a line (<br>)", "Meter readings:<br>153<br>1664<br>4341<br>6627"],
  ["meter readings in <div>s", "<div>Meter readings:</div><div>421</div><div>5648</div><div>76</div><div>85745</div>"],
  ["meter readings in <p>s", "<p>Meter readings:</p><p>45</p><p>2076</p><p>12296</p><p>9903</p>"],
  ["meter readings in a list", "Meter readings:<ul><li>585</li><li>42</li><li>2118</li><li>69795</li><li>61</li></ul>"],
  ["five readings in <div>s", "<div>Readings</div><div>566</div><div>43669</div><div>360</div><div>979</div><div>98</div>"],
] as const;
// CASES-END

describe("B1: BREAKING_TAG misses a stray block tag inside a value (other markup before it, letters or a dot around it)", () => {
  // Chromium (page and div): the value on one line ("Card 4111 1111 1111 1111", "IBAN DE89 3704 0044 0532 0130 00",
  // "Mail jane.doe@example.com", "NI AB 12 34 56 C", "VAT DE123456789", "IBAN GB82 WEST 1234 5698 7654 32",
  // "Card 4111.1111.1111.1111"). BREAKING_TAG asks for a digit right before the tag (blanks and "-" only between) and a
  // digit, "+", "(", "-" or an e-mail's "@" after it: another tag, a comment or a reference before it, a letter on either
  // side (IBAN country code, NINO prefix, an e-mail's domain) or a dot leave the text read with the tag as a line break.
  it.each(B1)("%s: the value a browser shows whole is found", (_t, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });
  it("egress proxy (JSON mail body): the e-mail split inside its domain by a stray </div> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35b-b1");
    await expectRefused(agent, "/b1", { headers: json, rawBody: mail("<p>Please reply to jane.doe@exa</div>mple.com today</p>") });
  });
  // Left open: the </li> ends a real list item; Chromium 156 breaks the line there ("Pay to IBAN DE" / "89 3704 …", page and
  // div, checked in round 35), as the tree-based reading does; a model reading the markup may still join them.
  it.skip("(open) LLM proxy: the IBAN split after its country letters by a stray </li> is refused, never forwarded", async () => {
    const s = await llmAgent("rt35b-b1l", { ...BLOCK_STRUCTURED });
    await expectLlmRefused(s, [user("<ul><li>Pay to IBAN DE</li>89 3704 0044 0532 0130 00</ul>")]);
  });
  it("control (round 35's mend): the card split by a stray </div> between digits is found", () => {
    expect(all("Card 4111 1111 1111 11</div>11")).toContain("credit_card");
  });
  it("control: the e-mail split in its local part by a stray </div> is found", () => {
    expect(all("Mail jane.d</div>oe@example.com")).toContain("email");
  });
});

describe("B2: namespaces — read from a window without its <svg> tag, and MathML read as HTML", () => {
  // Chromium (page and div), rows 1-2: "… subject to change. Card 4111 1111 1111 1111" (the text drawn wrapped along the
  // path, screenshot; the display=none tspan not drawn, HTML's hidden ignored on a tspan). markupFree() is given the window around the markup, and namespaceAt() parses that
  // window (documentOf(text)): 590 characters of drawn text after the <textPath> tag the window holds no "<svg", every element is read
  // as HTML, SVG's display="none" means nothing and HTML's hidden hides. Row 1 was found before round 35 (display=none
  // hid any element). Rows 3-7: Chromium draws "Card 4111 1111 1111 1111" on one line (screenshot; innerText breaks
  // the line at MathML elements in both views, and the engine reads "<math><mn>1111</mn></math>" as part of the card:
  // control): HTML's hidden does nothing on MathML, and <annotation>, <annotation-xml>, a <maction>'s later children
  // and <mphantom> are never drawn; the engine reads MathML as HTML.
  it.each(B2)("%s: the card a browser shows whole is found", (_t, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
  it("egress proxy (JSON mail body): the REGRESSION row is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35b-b2");
    await expectRefused(agent, "/b2", { headers: json, rawBody: mail(B2[0][1]) });
  });
  it("control: the same paragraph without the junk is found", () => {
    expect(all(LONG_T("11"))).toContain("credit_card");
  });
  it("control: the same tspan 300 characters into the text is found", () => {
    expect(
      all(`<svg width=2000 height=30><text y=20>${"x".repeat(300)} Card 4111 1111 1111 11<tspan display="none">9</tspan>11</text></svg>`),
    ).toContain("credit_card");
  });
  it("control: a card completed in MathML is found", () => {
    expect(all("<p>Card 4111 1111 1111 <math><mn>1111</mn></math></p>")).toContain("credit_card");
  });
});

describe("B3: SVG's presentation attribute 'yields' to a rule that selects other elements (svg{display:block})", () => {
  // Chromium (page and div): "Card 4111 1111 1111 1111". hiddenSelectors() notes a showing rule by element name as
  // ANY_ELEMENT, so every presentation attribute in the text yields to "svg{display:block}" or "p{visibility:visible}",
  // though neither selects the tspan; the same rule makes ".x" uncertain, so no certain reading runs. The sheet reading
  // shows the presentation-hidden junk, the no-sheet reading the class-hidden one. Found before round 35.
  it.each(B3)("REGRESSION: %s: the card a browser shows whole is found", (_t, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
  it("egress proxy (JSON mail body): svg{display:block} is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35b-b3");
    await expectRefused(agent, "/b3", { headers: json, rawBody: mail(B3[0][1]) });
  });
  it("control: without the svg rule the card is found", () => {
    expect(all(B3[0][1].replace("svg{display:block}", ""))).toContain("credit_card");
  });
});

describe("B4: rules read as hiding (and certain) that no browser applies, beside a real rule hiding a junk digit", () => {
  // Chromium: "Card 4111 1111 1111 1111" in both views except the last row (the page, in quirks mode, hides class X:
  // quirks class selectors ignore case; a standards <div> shows "11911"). The certain reading keeps an alternate
  // (titled) sheet, a rule whose selector list a browser drops, a rule undone by all:unset or by the element's style, and
  // values no browser accepts ("!important none", "none\9" read as none after the escape's tab is squeezed out); the
  // full reading hides the shown "11" too and the no-sheet reading shows the junk.
  it.each(held(B4))("%s: the card a browser shows whole is found", (_t, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
  it.skip.each(open(B4))("(open) %s: the card a browser shows whole is found", (_t, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
  it("egress proxy (JSON mail body): the alternate sheet is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35b-b4");
    await expectRefused(agent, "/b4", { headers: json, rawBody: mail(B4[0][1]) });
  });
  it("control: round 35's @media print row is found", () => {
    expect(all(`<style>.x{display:none}@media print{.y{display:none}}</style><p>${X2}</p>`)).toContain("credit_card");
  });
});

describe("B5: SVG and CSS that a browser draws, dropped by the dropped readings", () => {
  // Chromium (page and div): "Card 4111 1111 1111 1111". requiredFeatures is ignored by browsers (SVG 2 dropped it;
  // always true) and a systemLanguage listing the reader's language passes, yet drawsNoText() drops any element with a
  // conditional attribute; an element that is visibility:hidden shows a child that sets visibility:visible, yet the
  // element is dropped with all it holds. Rows 1-2 were found before round 35.
  it.skip.each(open(B5))("(open) %s: the card a browser shows whole is found", (_t, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
  it.each(held(B5))("%s: the card a browser shows whole is found", (_t, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
  it("LLM proxy: the requiredFeatures row is refused, never forwarded", async () => {
    const s = await llmAgent("rt35b-b5", { ...BLOCK_STRUCTURED });
    await expectLlmRefused(s, [user(B5[0][1])]);
  });
  it("control: a failing systemLanguage junk digit is dropped and the card found", () => {
    expect(all(T(`<tspan systemLanguage="zz">9</tspan>11`))).toContain("credit_card");
  });
});

describe("B6 (false positives): ordinary lists of numbers, one a line, are read as a card and refused", () => {
  // Chromium (page and div): one number a line ("Meter readings:\n153\n1664\n4341\n6627"). BREAKING_TAG fires on any
  // digit, block tag, digit; the unbroken reading then runs the lines together ("153166443416627") and the glued
  // reading takes a Luhn-valid run as a card (no printed layout asked). <br> and </p> always break a line (a stray
  // </p> makes an empty paragraph). Of 1,000 generated lists of 4-7 numbers of 2-5 digits (250 each in <br>, <div>,
  // <p>, <li>), 32 are now read as cards, 1 before round 35.
  it.each(B6)("%s: no card found", (_t, text) => {
    expect(all(text)).toEqual([]);
  });
  it("LLM proxy (block): the <div> readings reach the provider", async () => {
    const s = await llmAgent("rt35b-b6", { ...BLOCK_STRUCTURED });
    const r = await s.send([user(B6[1][1])]);
    expect({ status: r.status, forwarded: r.forwarded }, r.text).toEqual({ status: 200, forwarded: true });
  });
  it("egress proxy (JSON mail body): the <p> readings are delivered", async () => {
    const agent = await egressPiiAgent("rt35b-b6e");
    await expectDelivered(agent, "/b6", { headers: json, rawBody: mail(B6[2][1]) });
  });
  it("control: a card in one line is found", () => {
    expect(all("<p>Card 4111 1111 1111 1111</p>")).toContain("credit_card");
  });
});

describe("B7 (cost): BREAKING_TAG backtracks quadratically over a run of block tags", () => {
  // BREAKING_TAG's second branch starts at every block tag and runs over all the tags and blanks after it before it
  // fails: "<p> " repeated n costs n²/2 steps, per window and per sheet set. Measured in Node 20 (regex alone):
  // 10,000 tags 0.5 s, 20,000 2.1 s, 40,000 (160 KB) 8.5 s; detectPii on 80 KB 2.1 s (73 ms before round 35), 8.7 s with a
  // style sheet. workerd's clock does not move during CPU work, so the 2 s time budget never stops it; a 4 MiB body
  // (a million tags) would run for hours. The limits below are hang guards (a test that times out is the break).
  it("detectPii on 40,000 '<p> ' (160 KB) returns within 10 s", { timeout: 10_000 }, () => {
    const found = foundOrRefused("<p> ".repeat(40_000));
    expect(found).toEqual([]);
  });
  // Left open (cost): ~4 s in workerd on this machine (37-50 s before round 35's mends), refused as a time overrun
  // (fail closed) under load.
  it.skip("(open) LLM proxy: a 160 KB message of '<p> ' with a style sheet is answered within 15 s", { timeout: 15_000 }, async () => {
    const s = await llmAgent("rt35b-b7", { ...BLOCK_STRUCTURED });
    const r = await s.send([user(`<style>.x{display:none}@media print{.y{display:none}}</style><span class=x>1</span>${"<p> ".repeat(40_000)}`)]);
    expect(r.status).toBe(200);
  });
  it("control: 2,000 '<p> ' (8 KB) is read quickly", { timeout: 10_000 }, () => {
    expect(foundOrRefused("<p> ".repeat(2_000))).toEqual([]);
  });
});

describe("controls: the helpers' requests reach their exits when clean", () => {
  it("LLM proxy under open: the bomb alone is forwarded", { timeout: 60_000 }, async () => {
    const s = await llmAgent("rt35b-c1", OPEN);
    const r = await s.send([user(BOMB)]);
    expect({ status: r.status, forwarded: r.forwarded }, r.text).toEqual({ status: 200, forwarded: true });
  });
  it("egress under open: the bomb alone is delivered", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35b-c2", OPEN_EXIT);
    await expectDelivered(agent, "/c2", { headers: json, rawBody: ascii(JSON.stringify({ html: BOMB })) });
  });
  it("MCP tool under open: clean arguments reach the tool's target", { timeout: 60_000 }, async () => {
    const t = await toolAgent("rt35b-c3", OPEN_EXIT);
    const m = mark();
    expect(await toolOutcome(t, { note: "hello" }, m)).toEqual({ error: undefined, targetSawIt: true });
  });
  it("egress: sendEgress reports a refused plain card", async () => {
    const agent = await egressPiiAgent("rt35b-c4", OPEN_EXIT);
    const r = await sendEgress(agent, "/c4", { headers: json, rawBody: ascii(JSON.stringify({ card: "4111 1111 1111 1111" })) });
    expect(r.status).toBe(422);
  });
});
