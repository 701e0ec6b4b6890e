// The egress split check's cost on long requests of many strings. An HTML body is read as itself and as its
// text pieces, and the split check joins every string of the request to find values cut across them: on a page
// it read the whole join twice (plain and with spaces between letters) without markup, beside the scan of the
// body itself, so a clean 100 KB page took most of the scan's time budget and was refused for time under load
// (CI). Under failMode "open", a scan that ran out of budget is read again; that re-read's spaced join asked the
// string it was building for its last character once per string, which copies the whole string each time: a
// 600 KB page with a card took ~40 s of CPU the second time it was sent (the first, cold, overran into "time").
// The join is now read without markup only around its seams, with each window reaching as far in shown
// characters as a value can (tags, marks and hidden elements skipped), so values cut there are still found.
import { describe, it } from "vitest";
import { BLOCKING, ascii, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

const html = { "content-type": "text/html" };
const json = { "content-type": "application/json" };
const row = (i: number) => `<div class="row"><span class="name">Item ${i}</span> <a href="/items/${i}">details</a> <em>in stock</em></div>\n`;
/** A generated report page of about `kb` KB: a sheet, a row per item, no personal data. */
function page(kb: number): string {
  let s = `<!doctype html><html><head><title>Report</title><style>.hidden{display:none}.nav{color:#333}</style></head><body>`;
  for (let i = 0; s.length < kb * 1000; i++) s += row(i);
  return `${s}</body></html>`;
}
function rows(kb: number): string {
  let s = "";
  for (let i = 0; s.length < kb * 1000; i++) s += row(i);
  return s;
}
const filler = "lorem ipsum dolor ".repeat(300);
const ROWS = rows(60);

describe("the split check's spaced join under failMode open re-copied the whole join for every string", () => {
  it("a 600 KB page with a card, sent twice, is refused both times (the second scan ran ~40 s)", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("pssc-open", { ...BLOCKING, failMode: "open" } as unknown as Record<string, "block">);
    const body = ascii(page(600).replace("</body>", "<p>Card 4111 1111 1111 1111</p></body>"));
    await expectRefused(agent, "/pssc-open-1", { headers: html, rawBody: body });
    await expectRefused(agent, "/pssc-open-2", { headers: html, rawBody: body });
  });
});

describe("a clean page read whole three times over by the split check", () => {
  // The scan's 2 s budget is wall time: when the whole suite loads both cores one send can overrun it; a retry keeps a
  // scan that is slow every time failing (as red12-scan-cost's controls do).
  it("a clean 100 KB page is delivered, twice", { timeout: 60_000, retry: 2 }, async () => {
    const agent = await egressPiiAgent("pssc-clean");
    await expectDelivered(agent, "/pssc-clean-1", { headers: html, rawBody: ascii(page(100)) });
    await expectDelivered(agent, "/pssc-clean-2", { headers: html, rawBody: ascii(page(100)) });
  });
});

// The join of a long request is read without markup only around its seams: a value cut at a seam behind
// markup that is long in characters sent but short in characters shown is still read whole.
describe("values cut at a seam of a long join, behind markup long in characters sent", () => {
  /** A header carrying the value's first piece, and the body's content type. */
  const withRef = (ref: string, headers: Record<string, string>) => ({ ...headers, "x-order-ref": ref });
  const cases: Array<[string, Record<string, string>, string]> = [
    [
      "a card between a header and a body opening with a 5,000-character hidden span",
      withRef("4111 1111", html),
      `<div hidden>${filler}</div> 1111 1111 <p>${ROWS}`,
    ],
    [
      "a card between a header and a body opening with a 900-character attribute",
      withRef("4111 1111", html),
      `<b title='${"a".repeat(900)}'>1111 1111</b>${ROWS}`,
    ],
    ["a card between a header and a body opening with 300 empty elements", withRef("4111 1111", html), `${"<i></i>".repeat(300)}1111 1111 ${ROWS}`],
    [
      "a card between a long JSON string ending in a 5,000-character hidden span and the next string",
      json,
      JSON.stringify({ html: `${ROWS}<p>Card 4111 1111<span style="display:none">${filler}</span>`, rest: "1111 1111</p>" }),
    ],
    [
      "a card between a JSON string and a long one opening with a hidden span",
      json,
      JSON.stringify({ a: "Card 4111 1111", html: `<span hidden>${filler}</span>1111 1111 ${ROWS}` }),
    ],
    [
      "an IBAN between a header and a body opening with a hidden span",
      withRef("DE89 3704 0044", html),
      `<div hidden>${filler}</div> 0532 0130 00 <p>${ROWS}`,
    ],
    [
      "an IBAN between a long JSON string ending in a hidden span and the next string",
      json,
      JSON.stringify({ html: `${ROWS}<p>IBAN DE89 3704 0044<span style="display:none">${filler}</span>`, rest: "0532 0130 00</p>" }),
    ],
    [
      "an e-mail address between a header and a body opening with a hidden span",
      withRef("jane.roe", html),
      `<div hidden>${filler}</div>@example.org <p>${ROWS}`,
    ],
    [
      "an e-mail address between a long JSON string ending in a 900-character attribute and the next string",
      json,
      JSON.stringify({ html: `${ROWS}<p>write to jane.roe<b title='${"a".repeat(900)}'>`, rest: "</b>@example.org</p>" }),
    ],
    [
      "a phone number between a header and a body opening with 200 empty elements",
      withRef("+44 20 7946", html),
      `${"<i></i>".repeat(200)} 0958 <p>${ROWS}`,
    ],
  ];
  for (const [n, [name, headers, body]] of cases.entries())
    it(`${name}: refused`, { timeout: 60_000 }, async () => {
      const agent = await egressPiiAgent(`pssc-${n}`);
      await expectRefused(agent, `/pssc-${n}`, { headers, rawBody: ascii(body) });
    });

  it("control: the same long bodies without the first piece are delivered", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("pssc-ctl");
    await expectDelivered(agent, "/pssc-ctl-1", {
      headers: withRef("order 52", html),
      rawBody: ascii(`<div hidden>${filler}</div> 1111 1111 <p>${ROWS}`),
    });
    await expectDelivered(agent, "/pssc-ctl-2", {
      headers: json,
      rawBody: ascii(JSON.stringify({ html: `${ROWS}<p>Order 4111`, rest: "1111 1111</p>" })),
    });
  });
});
