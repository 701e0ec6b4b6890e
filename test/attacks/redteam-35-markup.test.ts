// Red team 35 on round 34c's markup reading (workers/pii/detectors/markup.ts, detect.ts): the element cap that now
// refuses a tree too big to build, SVG read again with its presentation attributes display="none" / visibility="hidden"
// hiding, the fragment parse made only for a <frameset>, and the per-window readings moved into #markupReadings.
// Every leak input was loaded in Chromium 156 (playwright-core, /usr/bin/chromium): document.body.innerText of the
// page ("page") and innerText of a <div> in a standards-mode page whose innerHTML is the text ("div"); the value named
// in each title is what the browser shows whole (both views unless the title says "a <div>'s innerHTML").
// Every test asserts the SECURE behaviour: a failing test is a confirmed break; the controls pass.
import { beforeAll, describe, expect, it } from "vitest";
import { createMasker, detectPii } from "../../workers/pii/index.js";
import { ascii, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";
import { type TemplateSender, llmBlockingAgent, llmPiiAgent } from "./support/llm-pii.js";
import { all, foundOrRefused, html, json, mail } from "./support/markup-values.js";

// CASES-BEGIN (plain data: also loaded in Chromium to check what a browser shows)
/** A junk digit hidden by the hidden attribute: the browser never shows it. */
const J = "<span hidden>9</span>";

/** R1: tags the tree builder ignores (stray end tags, document-level tags mid-text, table parts outside a table). */
const R1 = [
  ["a stray </div>", "Card 4111 1111 1111 11</div>11", "credit_card"],
  ["a stray </li>", "Card 4111 1111 1111 11</li>11", "credit_card"],
  ["a stray </ul>", "Card 4111 1111 1111 11</ul>11", "credit_card"],
  ["a stray </table>", "Card 4111 1111 1111 11</table>11", "credit_card"],
  ["a stray </h1>", "Card 4111 1111 1111 11</h1>11", "credit_card"],
  ["a stray </section>", "Card 4111 1111 1111 11</section>11", "credit_card"],
  ["a stray </form>", "Card 4111 1111 1111 11</form>11", "credit_card"],
  ["a stray </title>", "Card 4111 1111 1111 11</title>11", "credit_card"],
  ["<td> outside a table", "Card 4111 1111 1111 11<td>11", "credit_card"],
  ["</td> outside a table", "Card 4111 1111 1111 11</td>11", "credit_card"],
  ["<tr> outside a table", "Card 4111 1111 1111 11<tr>11", "credit_card"],
  ["<tbody> outside a table", "Card 4111 1111 1111 11<tbody>11", "credit_card"],
  ["<caption> outside a table", "Card 4111 1111 1111 11<caption>11", "credit_card"],
  ["a second <html>", "Card 4111 1111 1111 11<html>11", "credit_card"],
  ["</html> mid-text", "Card 4111 1111 1111 11</html>11", "credit_card"],
  ["a second <body>", "Card 4111 1111 1111 11<body>11", "credit_card"],
  ["</body> mid-text", "Card 4111 1111 1111 11</body>11", "credit_card"],
  ["<head> in the body", "Card 4111 1111 1111 11<head>11", "credit_card"],
  ["</head> in the body", "Card 4111 1111 1111 11</head>11", "credit_card"],
  ["a nested <form>", "<form>Card 4111 1111 1111 11<form>11</form>", "credit_card"],
  ["a phone, a stray </div>", "Call +1 415 555 </div>0123 now", "phone"],
  ["a phone, <td> outside a table", "Call +1 415 555 <td>0123 now", "phone"],
  ["a phone, a stray </li>", "Call +1 415 555</li>-0123 now", "phone"],
  ["an IBAN, a stray </li>", "IBAN DE89 3704 0044 0532 </li>0130 00", "iban"],
  ["an IBAN, a second <body>", "IBAN DE89 3704 0044<body> 0532 0130 00", "iban"],
];

/** R2: block elements a style shows inline. */
const R2 = [
  ["a <div> with style=display:inline", 'Card 4111 1111 1111 11<div style="display:inline">11</div>', "credit_card"],
  ["a <div> with style=display:inline-block", 'Card 4111 1111 1111 11<div style="display:inline-block">11</div>', "credit_card"],
  ["a <div> with style=display:contents", 'Card 4111 1111 1111 11<div style="display:contents">11</div>', "credit_card"],
  ["a <div> with display: inline !important", 'Card 4111 1111 1111 11<div style="display: inline !important">11</div>', "credit_card"],
  [
    "two <li> with style=display:inline",
    "<ul><li style=display:inline>Card 4111 1111 1111 11</li><li style=display:inline>11</li></ul>",
    "credit_card",
  ],
  ["an <h1> shown inline", 'Card 4111 1111 1111 11<h1 style="display:inline;font-size:inherit">11</h1>', "credit_card"],
  ["a sheet rule section{display:inline}", "<style>section{display:inline}</style>Card 4111 1111 1111 11<section>11</section>", "credit_card"],
  ["a phone, a sheet rule .i{display:inline-block}", "<style>.i{display:inline-block}</style>Call +1 415 555 <div class=i>0123</div> now", "phone"],
  ["an IBAN, a <div> with style=display:inline", "IBAN DE89 3704 0044 05<div style=display:inline>32 0130 00</div>", "iban"],
];

/** R3: SVG's presentation attributes honoured on HTML elements (where they mean nothing), a junk digit really hidden. */
const R3 = [
  ["<span display=none>", `<p>Card 4111 1111 1111 11${J}<span display=none>11</span></p>`, "credit_card"],
  ['<b display="none">', `<p>Card 4111 1111 1111 11${J}<b display="none">11</b></p>`, "credit_card"],
  ["<span visibility=hidden>", `<p>Card 4111 1111 1111 11${J}<span visibility=hidden>11</span></p>`, "credit_card"],
  ["<i visibility=collapse>", `<p>Card 4111 1111 1111 11${J}<i visibility=collapse>11</i></p>`, "credit_card"],
  ["a phone, <span display=none>", `<p>Call +1 415 555 ${J}<span display=none>0123</span> now</p>`, "phone"],
  ["an IBAN, <span display=none>", `<p>IBAN DE89 3704 0044 05${J}<span display=none>32</span> 0130 00</p>`, "iban"],
];

/** R4: sheet rules no renderer applies (over-hiding), with the junk digit hidden by a sheet rule every renderer applies. */
const X2 = "Card 4111 1111 1111 11<span class=x>9</span><span class=y>11</span>";
const R4 = [
  ["@media print", `<style>.x{display:none}@media print{.y{display:none}}</style><p>${X2}</p>`],
  ["a <style media=print>", `<style>.x{display:none}</style><style media=print>.y{display:none}</style><p>${X2}</p>`],
  ["@supports of a value no browser supports", `<style>.x{display:none}@supports (display:nonsense){.y{display:none}}</style><p>${X2}</p>`],
  ["a later rule showing .y again", `<style>.x{display:none}.y{display:none}.y{display:inline}</style><p>${X2}</p>`],
  [
    "an attribute selector whose value does not match ([data-k=hide], data-k=show)",
    "<style>.x{display:none}[data-k=hide]{display:none}</style><p>Card 4111 1111 1111 11<span class=x>9</span><span data-k=show>11</span></p>",
  ],
  [":empty (a span holding digits is not empty)", `<style>.x{display:none}.y:empty{display:none}</style><p>${X2}</p>`],
  [
    "an ancestor the span is not under (.z .y, .z on another paragraph)",
    `<style>.x{display:none}.z .y{display:none}</style><p class=z>x</p><p>${X2}</p>`,
  ],
  [
    "an id selector in another case (#Y, id=y, standards mode)",
    "<!doctype html><style>.x{display:none}#Y{display:none}</style><p>Card 4111 1111 1111 11<span class=x>9</span><span id=y>11</span></p>",
  ],
  ["a class selector in another case (.Y, class=y, standards mode)", `<!doctype html><style>.x{display:none}.Y{display:none}</style><p>${X2}</p>`],
  [
    "a class selector in another case with no doctype (a <div>'s innerHTML in a standards page shows it)",
    `<style>.x{display:none}.Y{display:none}</style><p>${X2}</p>`,
  ],
];

/** R5: the document's own element hidden (<html>, <body>): a page shows nothing, a <div>'s innerHTML ignores it and shows all. */
const R5 = [
  ["<html hidden>", `<html hidden><p>Card 4111 1111 1111 11${J}11</p>`, "credit_card"],
  ["<html style=display:none>", `<html style=display:none><p>Card 4111 1111 1111 11${J}11</p>`, "credit_card"],
  ["<html><body hidden>", `<html><body hidden><p>Card 4111 1111 1111 11${J}11</p>`, "credit_card"],
  [
    "a full page whose <body hidden>",
    `<html><head><title>Order</title></head><body hidden><p>Card 4111 1111 1111 11${J}11</p></body></html>`,
    "credit_card",
  ],
  ["<html><body popover>", `<html><body popover><p>Card 4111 1111 1111 11${J}11</p></body></html>`, "credit_card"],
  [
    "<!doctype html><html><body style=display:none>",
    `<!doctype html><html><body style="display:none"><p>Card 4111 1111 1111 11${J}11</p></body></html>`,
    "credit_card",
  ],
  ["a phone, <html><body hidden>", `<html><body hidden><p>Call +1 415 555 ${J}0123 now</p>`, "phone"],
  ["an IBAN, <html><body hidden>", `<html><body hidden><p>IBAN DE89 3704 0044 05${J}32 0130 00</p>`, "iban"],
];

/** A card in SVG text with `mid` after its 14th digit. */
const T = (mid: string) => `<svg width=400 height=30><text y=20>Card 4111 1111 1111 11${mid}</text></svg>`;
/** R6: SVG's hiding attributes read otherwise than a browser reads them. */
const R6 = [
  ["HTML's hidden attribute on a <tspan> (no effect in SVG)", T(`<tspan display="none">9</tspan><tspan hidden>11</tspan>`)],
  ["a popover attribute on a <tspan> (no effect in SVG)", T(`<tspan display="none">9</tspan><tspan popover>11</tspan>`)],
  [
    "a second display attribute (the first, inline, is the one kept)",
    T(`<tspan display="none">9</tspan><tspan display="inline" display="none">11</tspan>`),
  ],
  ["display=none undone by the tspan's style attribute", T(`<tspan display="none">9</tspan><tspan display="none" style="display:inline">11</tspan>`)],
  [
    "display=none undone by a sheet rule (a presentation attribute yields to any rule)",
    `<svg width=400 height=30><style>tspan{display:inline}</style><text y=20>Card 4111 1111 1111 11<tspan style="display:none">9</tspan><tspan display="none">11</tspan></text></svg>`,
  ],
  ["display=&#110;one (a character reference)", T(`<tspan display="&#110;one">9</tspan>11`)],
  ["visibility=hidd&#x65;n (a character reference)", T(`<tspan visibility="hidd&#x65;n">9</tspan>11`)],
  ["display=/**/none (a CSS comment)", T(`<tspan display="/**/none">9</tspan>11`)],
  ["display=\\6e one (a CSS escape)", T(`<tspan display="\\6e one">9</tspan>11`)],
];

/** R7: SVG conditional processing: an element whose test fails is not rendered. */
const R7 = [
  ["a <tspan> with a systemLanguage no user has", T(`<tspan systemLanguage="zz">9</tspan>11`)],
  ["a <tspan> with requiredExtensions no browser supports", T(`<tspan requiredExtensions="http://x.invalid/e">9</tspan>11`)],
  [
    "a <switch> whose only child fails its test, inside a paragraph (found before round 34c)",
    "<p>Card 4111 1111 1111 11<svg width=0 height=0><switch><g systemLanguage=zz><text>9</text></g></switch></svg>11</p>",
  ],
];

/** R8: children of <text> that SVG never renders as text. */
const R8 = [
  ["<desc>", T("<desc>9</desc>11")],
  ["<metadata> in a <tspan>", T("<tspan><metadata>9</metadata></tspan>11")],
  ["<animate> in a <tspan>", T("<tspan><animate>9</animate></tspan>11")],
  ["<set> in a <tspan>", T("<tspan><set>9</set></tspan>11")],
  ["<clipPath> in a <tspan>", T("<tspan><clipPath>9</clipPath></tspan>11")],
  ["<g>", T("<g>9</g>11")],
  ["<rect>", T("<rect>9</rect>11")],
  ["an unknown element", T("<foo>9</foo>11")],
  ["a nested <text>", T("<text>9</text>11")],
];

/** R9: a number before the card making a longer Luhn-valid digit run ("26 4111 1111 1111 1111" is 18 digits, valid). */
const R9 = [
  ["Room 26, a hidden span", `Room 26 4111 1111 1111 11${J}11`],
  ["Card 26, a hidden span", `Card 26 4111 1111 1111 11${J}11`],
  ["Row 26, an inline display:none", "<p>Row 26 4111 1111 1111 11<b style=display:none>9</b>11</p>"],
];
// CASES-END

describe("R1: tags the tree builder ignores are read as line breaks — one stray tag splits a value, nothing hidden", () => {
  // Chromium (page and div): "Card 4111 1111 1111 1111", "Call +1 415 555 0123 now", "IBAN DE89 3704 0044 0532 0130 00".
  // markupFree() reads every tag named in BREAKING as "\n" (open or closing), whether or not the tree made an element
  // of it: a stray "</div>", a mid-text "<body>"/"<html>"/"<head>" or a "<td>" outside a table is ignored by the tree
  // builder and shows nothing, but every reading (glued, apart, dropped) puts a line break inside the value.
  it.each(R1)("%s: the value a browser shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("through the egress proxy (JSON mail body): the card split by a stray </div> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r1");
    await expectRefused(agent, "/r1", { headers: json, rawBody: mail("<p>Card 4111 1111 1111 11</div>11</p>") });
  });

  // Held: a text/html egress body is also read as its text runs joined (markupTexts, every tag dropped), which joins it.
  it("(held) through the egress proxy (text/html body): the card split by a second <body> is refused", async () => {
    const agent = await egressPiiAgent("rt35-r1h");
    await expectRefused(agent, "/r1h", { headers: html, rawBody: ascii("<html><body><p>Card 4111 1111 1111 11<body>11</p></body></html>") });
  });

  it("control: the card shown whole before a stray </div> is found", () => {
    expect(all("Card 4111 1111 1111 1111</div>")).toContain("credit_card");
  });
});

describe("R2: block elements a style shows inline are read as line breaks", () => {
  // Chromium (page and div): the value on one line ("Card 4111 1111 1111 1111"). The engine reads only styles that
  // hide; a block tag is always "\n", so "display:inline" (or inline-block, contents) never joins the value again.
  it.each(R2)("%s: the value a browser shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("through the egress proxy (JSON mail body): the card completed in an inline <div> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r2");
    await expectRefused(agent, "/r2", { headers: json, rawBody: mail('<p>Card 4111 1111 1111 11<div style="display:inline">11</div></p>') });
  });

  // Unlike R1's text/html case, the joined text runs do not save it: the style attribute's value is a run between the two.
  it("through the egress proxy (text/html body): the card completed in an inline <div> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r2h");
    await expectRefused(agent, "/r2h", { headers: html, rawBody: ascii('<p>Card 4111 1111 1111 11<div style="display:inline">11</div></p>') });
  });

  it("control: the card split at a group boundary by an inline <div> is found", () => {
    expect(all("Card 4111 1111<div style=display:inline> 1111 1111</div>")).toContain("credit_card");
  });
});

describe("R3 (regression of 34c): SVG's display/visibility attributes hide HTML elements, where a browser ignores them", () => {
  // Chromium (page and div): "Card 4111 1111 1111 1111". display="none" and visibility="hidden" are presentation
  // attributes of SVG elements only; on a <span> they are unknown attributes. hidingTag() honours them on any element:
  // the dropped reading loses the shown "11", the glued one keeps the junk "9". Before 34c every row was found.
  it.each(R3)("%s: the value a browser shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("through the egress proxy (text/html body): the card behind <span display=none> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r3");
    await expectRefused(agent, "/r3", { headers: html, rawBody: ascii(`<p>Card 4111 1111 1111 11${J}<span display=none>11</span></p>`) });
  });

  it("control: a <tspan display=none> junk digit inside SVG text is taken out and the card found (34c T8)", () => {
    expect(all(T(`<tspan display="none">9</tspan>11`))).toContain("credit_card");
  });
});

describe("R4: sheet rules no renderer applies hide shown digits, and the reading without sheets shows the junk too", () => {
  // Chromium (page and div, standards mode unless said): "Card 4111 1111 1111 1111". 34b (N9) reads a text with sheets
  // also as a view without any sheet shows it, "so over-hiding never loses a value". With the junk digit hidden by a
  // sheet rule as well, the reading with sheets hides "9" and the shown "11" (14 digits) and the reading without sheets
  // shows both (17 digits): no reading is the browser's.
  it.each(R4)("%s: the card a browser shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card behind an @media print rule is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r4");
    await expectRefused(agent, "/r4", { headers: json, rawBody: mail(`<style>.x{display:none}@media print{.y{display:none}}</style><p>${X2}</p>`) });
  });

  it("control: the same over-hiding with the junk hidden by an attribute is found (34c control)", () => {
    expect(all(`<style>.x{display:none}@media print{.y{display:none}}</style><p>Card 4111 1111 1111 11${J}<span class=y>11</span></p>`)).toContain(
      "credit_card",
    );
  });
});

describe("R5: a hidden <html> or <body> drops the whole text in the hidden readings — a <div>'s innerHTML ignores it", () => {
  // Chromium, a <div>'s innerHTML in a page (what a web app rendering the text does): the <html>/<body> tags are ignored,
  // "Card 4111 1111 1111 1111" is shown. As a page the document element or body is hidden (nothing is drawn; innerText
  // then falls back to textContent, "…11911"). The engine reads only the document: its dropped reading loses the whole
  // text and the glued one keeps the junk digit. The fragment parse that read the text as an element's content is now
  // made only for a <frameset>.
  it.each(R5)("%s: the value a <div>'s innerHTML shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("through the egress proxy (text/html body): a full page whose <body hidden> holds the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r5");
    await expectRefused(agent, "/r5", {
      headers: html,
      rawBody: ascii(`<html><head><title>Order</title></head><body hidden><p>Card 4111 1111 1111 11${J}11</p></body></html>`),
    });
  });

  it("control: with a <frameset> the text is also read as an element's content and the card found", () => {
    expect(all(`<frameset><p>Card 4111 1111 1111 11${J}11</p>`)).toContain("credit_card");
  });
  it("control: a <body hidden> as the text's first tag is found", () => {
    expect(all(`<body hidden><p>Card 4111 1111 1111 11${J}11</p>`)).toContain("credit_card");
  });
});

describe("R6: SVG's hiding attributes read otherwise than a browser reads them (34c's mend 2)", () => {
  // Chromium (page and div): "Card 4111 1111 1111 1111" for every row. Over-hiding: HTML's hidden and popover mean
  // nothing on SVG elements (the UA sheet's [hidden] rule is for HTML elements), a duplicate attribute is dropped (the
  // first is kept), and a presentation attribute yields to any style rule. Under-hiding: the attribute value is a CSS
  // value read after the tokeniser decoded its references, with comments and escapes; hidingTag() compares it raw.
  it.each(R6)("%s: the card a browser shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it('through the egress proxy (JSON mail body): the card behind display="&#110;one" is refused, never forwarded', async () => {
    const agent = await egressPiiAgent("rt35-r6");
    await expectRefused(agent, "/r6", { headers: json, rawBody: mail(T(`<tspan display="&#110;one">9</tspan>11`)) });
  });

  it('control: visibility="hidden" on a tspan is read and the card found', () => {
    expect(all(T(`<tspan visibility="hidden">9</tspan>11`))).toContain("credit_card");
  });
});

describe("R7: SVG conditional processing attributes (systemLanguage, requiredExtensions, <switch>) are not read", () => {
  // Chromium (page and div): "Card 4111 1111 1111 1111": an element whose systemLanguage or requiredExtensions test
  // fails is not rendered, nor a <switch>'s children that fail. The engine shows the "9" in every reading. The <switch>
  // row was found before 34c (SVG was dropped whole).
  it.each(R7)("%s: the card a browser shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card around a failing <switch> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r7");
    await expectRefused(agent, "/r7", { headers: json, rawBody: mail(R7[2]?.[1] ?? "") });
  });
});

describe("R8: children of <text> that SVG never renders as text (desc, metadata, animation, shapes, unknown, nested text)", () => {
  // Chromium (page and div): "Card 4111 1111 1111 1111": inside <text> only character data, <tspan>, <textPath> and
  // <a> are rendered (and <title> is not). Related to the listed gap "SVG character data outside <text>", but here the
  // junk stands inside a <text>: a mend reading only "outside <text>" would leave these open.
  it.each(R8)("%s holding the junk digit: the card a browser shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card around a <desc> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r8");
    await expectRefused(agent, "/r8", { headers: json, rawBody: mail(T("<desc>9</desc>11")) });
  });

  it("control: a <title> inside a <tspan> is hidden and the card found", () => {
    expect(all(T("<tspan><title>9</title></tspan>11"))).toContain("credit_card");
  });
});

describe("R9: a number before a card split by hidden markup makes a longer Luhn-valid run that shadows the card", () => {
  // Chromium (page and div): "Room 26 4111 1111 1111 1111". As plain text the card is found; read through the markup,
  // "26 4111 1111 1111 1111" (18 digits, Luhn-valid, not printed as a card) is the match and is dropped, and the card
  // inside it is never read. Pre-existing; an attacker picks the number (a room, a row, a quantity).
  it.each(R9)("%s: the card a browser shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card after 'Room 26' is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35-r9");
    await expectRefused(agent, "/r9", { headers: json, rawBody: mail(`<p>Room 26 4111 1111 1111 11${J}11</p>`) });
  });

  it("control: the same text without markup is found", () => {
    expect(all("Room 26 4111 1111 1111 1111")).toContain("credit_card");
  });
});

describe("through the LLM proxy (block policy): one case of each break is blocked, the provider never reached", () => {
  let sender: TemplateSender;
  let rawLlm: { expectBlocked(content: string): Promise<void> };
  beforeAll(async () => {
    sender = await llmBlockingAgent("rt35-llm");
    rawLlm = await rawLlmBlockingAgent("rt35-llm-raw");
  });

  // A stray </li> (no list item open): Chromium shows "Call +1 415 555-0123 now". Inside <ul><li>…</li>, the end tag ends
  // a real item and Chromium breaks the line there ("Call +1 415 555" / "-0123 now"), as the tree-based reading does.
  it("R1: the phone split by a stray </li>", async () => {
    await sender.expectBlocked("Call +1 415 555</li>-0123 now");
  });
  it("R2: the card completed in an inline <div>", async () => {
    await sender.expectBlocked('Card 4111 1111 1111 11<div style="display:inline">11</div>');
  });
  it("R3: the card behind <span display=none>", async () => {
    await sender.expectBlocked(`<p>Card 4111 1111 1111 11${J}<span display=none>11</span></p>`);
  });
  it("R5 (held here): the card in a page whose <body hidden>, after the helper's words (the page is not the text's start)", async () => {
    await sender.expectBlocked(`<html><body hidden><p>Card 4111 1111 1111 11${J}11</p></body></html>`);
  });
  it("R5: the card in a page whose <body hidden>, the page alone in a user message", async () => {
    await rawLlm.expectBlocked(`<html><body hidden><p>Card 4111 1111 1111 11${J}11</p></body></html>`);
  });
  it("R6: the card behind a <tspan hidden>", async () => {
    await sender.expectBlocked(T(`<tspan display="none">9</tspan><tspan hidden>11</tspan>`));
  });
  it("control: the card behind <b hidden> is blocked", async () => {
    await sender.expectBlocked(`<p>Card 4111 1111 1111 11<b hidden>9</b>11</p>`);
  });
  it("control: a clean page with stray tags, inline blocks, presentation attributes and SVG reaches the provider", async () => {
    const res = await sender.chat(CLEAN_PAGE);
    expect(res.status, res.text).toBe(200);
  });
});

/** As llmBlockingAgent (support/llm-pii.ts), but the content is sent alone as the user message (no words before it). */
async function rawLlmBlockingAgent(label: string): Promise<{ expectBlocked(content: string): Promise<void> }> {
  const sender = await llmPiiAgent(label);
  return {
    async expectBlocked(content: string) {
      const r = await sender.send([{ role: "user", content }]);
      expect({ status: r.status, forwarded: r.forwarded }, r.text).toEqual({ status: 422, forwarded: false });
    },
  };
}

/** A clean page holding every construct above (no value): it must pass unaltered. */
const CLEAN_PAGE =
  "<!doctype html><html><head><title>Weekly notes</title><style>.muted{color:#666}@media print{.nav{display:none}}</style></head>" +
  "<body><div class=nav>Home</div></div><p>Team met on Monday; <span display=none>draft</span> agenda below.</p>" +
  "<ul><li style=display:inline>one</li><li style=display:inline>two</li></ul><td>stray cell</td>" +
  '<svg width=40 height=20><text y=15>Q3 <tspan hidden>draft</tspan><tspan display="none">old</tspan></text></svg></body></html>';

describe("the element cap (34c mend 1): ordinary pages pass, a tree too big to build is refused", () => {
  // A sloppy mail: <font> and <b> left open, then 2,000 paragraphs of a sentence each: the builder rebuilds both in every
  // paragraph (3 elements per ~60 characters), far under one element per two characters.
  const sloppy = `<p><font face=Arial><b>Hello team,${"<p>Thanks for the update, see you at the meeting on Friday.".repeat(2000)}`;

  it("control: a 120 KB sloppy mail with formatting elements left open is read, not refused", { timeout: 120_000 }, () => {
    expect(foundOrRefused(sloppy)).toEqual([]);
  });
  it("control: a card split by a hidden digit after the sloppy mail is found", { timeout: 120_000 }, () => {
    expect(foundOrRefused(`${sloppy}<p>Card 4111 1111 1111 11${J}11`)).toContain("credit_card");
  });
  it("control: a formatting-element bomb before a split card is refused (fail closed), never read without a tree", () => {
    const bomb = `<div>${Array.from({ length: 100 }, (_, i) => `<b id=${i}>`).join("")}</div>${"<div>x</div>".repeat(120)}`;
    expect(foundOrRefused(`${bomb}<p>Card 4111 1111 1111 11<span hidden><span></span>9</span>11`)).toEqual(["refused:PiiBudgetError"]);
  });
  it("control: a hidden formatting element the builder rebuilds around the junk digit hides it, and the card is found", () => {
    expect(all("<span>Card 4111 1111 1111 11<b hidden></span>9</b>11")).toContain("credit_card");
  });
});

describe("the frameset reading (34c mend 3)", () => {
  it("control: a card split by a hidden digit before a trailing <frameset> is found", () => {
    expect(all(`Card 4111 1111 1111 11${J}11<frameset>`)).toContain("credit_card");
  });
  it("control: a page whose <frameset> comes first (a <div> shows the card) is found", () => {
    expect(all(`<FRAMESET cols=*><p>Card 4111 1111 1111 11${J}11</p>`)).toContain("credit_card");
  });
});

describe("the refactor (#markupReadings): one window over the whole text and many findings", () => {
  it("control: 400 split cards in one text (more than 256 marks: one window) are all found", () => {
    const text = Array.from({ length: 400 }, (_, i) => `<p>Card ${i}: 4111 1111 1111 11${J}11</p>\n`).join("");
    expect(detectPii(text, { categories: ["credit_card"] }).length).toBe(400);
  });
  it("control: sheet and no-sheet readings both run per window (a sheet-hidden junk digit)", () => {
    expect(all("<style>.x{display:none}</style><p>Card 4111 1111 1111 11<span class=x>9</span>11</p>")).toContain("credit_card");
  });
});

describe("controls: clean markup passes unaltered", () => {
  it("the clean page is unaltered by the masker", () => {
    const masker = createMasker({ credit_card: "mask", phone: "mask", iban: "mask", email: "mask" });
    expect(masker.maskText(CLEAN_PAGE)).toBe(CLEAN_PAGE);
  });
  it("the clean page is delivered by the egress proxy (text/html)", async () => {
    const agent = await egressPiiAgent("rt35-clean");
    await expectDelivered(agent, "/clean", { headers: html, rawBody: ascii(CLEAN_PAGE) });
  });
  it("the clean page is delivered by the egress proxy (JSON mail body)", async () => {
    const agent = await egressPiiAgent("rt35-cleanm");
    await expectDelivered(agent, "/cleanm", { headers: json, rawBody: mail(CLEAN_PAGE) });
  });
  it("a plainly shown card in the clean page is refused by the egress proxy", async () => {
    const agent = await egressPiiAgent("rt35-plain");
    await expectRefused(agent, "/plain", { headers: html, rawBody: ascii(CLEAN_PAGE.replace("agenda below.", "card 4111 1111 1111 1111.")) });
  });
});
