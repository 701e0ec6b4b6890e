// Red team 34b on the round-34 markup change (workers/pii/detectors/markup.ts): style sheets, element names and
// element ends read from the document parse5 builds (`parse`, document mode, scripting on), while the visible-text
// reading (markupFree / MarkupScan) still finds tags with its own tokeniser and asks the tree only where the element
// that opens at a given offset, under a given name, ends. Every leak input was also loaded in Chromium 156
// (document.body.innerText; "fragment" = innerHTML into a <div>; "no script" = a context with JavaScript off):
// the value named in each title is what the browser shows. Every test asserts the SECURE behaviour: a failing
// test is a confirmed break; the controls pass.
import { beforeAll, describe, expect, it } from "vitest";
import { hiddenSelectors } from "../../workers/pii/detectors/markup.js";
import { PiiBudgetError, createMasker, maskJsonStrings } from "../../workers/pii/index.js";
import { type TemplateSender, llmBlockingAgent } from "./support/llm-pii.js";
import { ascii, egressPiiAgent, expectDelivered, expectRefused, sendEgress } from "./support/egress-pii.js";
import { all, html, json, mail, C, C448, P, SHEET, foundOrRefused } from "./support/markup-values.js";

describe("N1: a tag name holding a character HTML keeps in the name but the tokeniser ends it at (U+3000, NBSP, VT, NUL)", () => {
  // Browser: "<b\u3000 hidden>" is an element named "b\u3000" with a hidden attribute (display:none): the "9" is hidden,
  // the card shown whole. MarkupScan's tagName() stops the name at JS "\s" (or keeps NUL where parse5 writes U+FFFD), so
  // it asks the tree for the end of a "b" at that offset, finds none, and drops only the tag: "9" stays in every reading.
  it.each([
    ["U+3000 and a hidden attribute", "Card 4111 1111 1111 11<b\u3000 hidden>9</b\u3000>11", "credit_card"],
    ["NBSP and a hidden attribute, a phone", "Call +1 415 555 <i\u00a0 hidden>9</i\u00a0>0123 now", "phone"],
    ["VT and a hidden attribute", "Card 4111 1111 1111 11<b\u000b hidden>9</b\u000b>11", "credit_card"],
    ["U+3000, an IBAN", "IBAN DE89 3704 0044 05<b\u3000 hidden>9</b\u3000>32 0130 00", "iban"],
    ["NUL in the name and a class a sheet hides", `${SHEET}Card 4111 1111 1111 11<span\u0000 class=x>9</span\u0000>11`, "credit_card"],
  ])("%s: the value a browser shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("control: the same hidden element with a plain name hides the digit and the card is found", () => {
    expect(all("Card 4111 1111 1111 11<b hidden>9</b>11")).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card behind '<b\\u3000 hidden>' is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34b-n1");
    await expectRefused(agent, "/n1", { headers: json, rawBody: mail("<p>Card 4111 1111 1111 11<b\u3000 hidden>9</b\u3000>11</p>") });
  });

  it("control through the egress proxy: the card behind '<b hidden>' is refused", async () => {
    const agent = await egressPiiAgent("rt34b-n1c");
    await expectRefused(agent, "/n1c", { headers: json, rawBody: mail("<p>Card 4111 1111 1111 11<b hidden>9</b>11</p>") });
  });
});

describe("N2: parse5 is not the browser — '<select>' drops a style element Chromium keeps (customizable select parsing)", () => {
  // Chromium 156: "<select><style>…</style></select>" builds a style element inside the select; the sheet applies and
  // hides ".x". parse5 8 (the older "in select" rules) ignores the tag and keeps its text: no sheet, the "9" shown.
  it.each([
    ["a card", `<select><style>.x{display:none}</style></select><p>${C}`, "credit_card"],
    ["a phone", `<select><style>.x{display:none}</style></select>${P}`, "phone"],
  ])("%s after a select holding the sheet: the value Chromium shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("control: the sheet outside the select hides the digit and the card is found", () => {
    expect(all(`<select></select>${SHEET}<p>${C}`)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34b-n2");
    await expectRefused(agent, "/n2", { headers: json, rawBody: mail(`<select><style>.x{display:none}</style></select><p>${C}`) });
  });

  it("control through the egress proxy (HTML body): the same card is refused (the HTML body path holds)", async () => {
    const agent = await egressPiiAgent("rt34b-n2h");
    await expectRefused(agent, "/n2h", { headers: html, rawBody: ascii(`<select><style>.x{display:none}</style></select><p>${C}`) });
  });
});

describe("N3: document mode is not how a mail client renders — '<frameset>' drops every later sheet from the tree", () => {
  // parse(): "<frameset></frameset>" first makes a frameset document: everything after it (the sheet too) is dropped.
  // A mail client or web app inserting the HTML as a fragment (innerHTML in a <div>) ignores <frameset>: the sheet
  // applies and Chromium shows "Card 4111 1111 1111 1111". The engine reads no sheet and the "9" as shown.
  it("'<frameset></frameset>' then a sheet and the card: the card a fragment shows whole is found", () => {
    expect(foundOrRefused(`<frameset></frameset>${SHEET}<p>${C}`)).toContain("credit_card");
  });

  it("control: without the frameset the card is found", () => {
    expect(all(`${SHEET}<p>${C}`)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34b-n3");
    await expectRefused(agent, "/n3", { headers: json, rawBody: mail(`<frameset></frameset>${SHEET}<p>${C}`) });
  });
});

describe("N4: the tokeniser reads a comment inside raw text ('<xmp><!--') and swallows a hidden element's start", () => {
  // Browser: "<xmp>" is raw text to "</xmp>" (it shows "<!--" on its own line); then "<span hidden>" hides "9" and the
  // card is shown whole on the next line. MarkupScan does not know raw text: it reads "<!--" as a comment running to
  // the "-->" in a later title attribute, so the hidden span's start is never read and the tree is never asked.
  it("the card after '<xmp><!--</xmp>' with a hidden digit is found", () => {
    const text = `<xmp><!--</xmp>Card 4111 1111 1111 11<span hidden>9</span>11<i title="-->"></i>`;
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("control: without the xmp the card is found", () => {
    expect(all(`<p></p>Card 4111 1111 1111 11<span hidden>9</span>11<i title="-->"></i>`)).toContain("credit_card");
  });
});

describe("N5: a hidden element longer than a detection window splits the value into two windows", () => {
  // Browser: "<span hidden>" with 720 characters of filler, then "9" — all hidden — so "Card 4111 1111 1111 1111".
  // detect.ts reads markup in windows of 256 (+64) characters around each mark; the hidden element's start and its
  // end tag are in two windows, the tree of each window is its own, and no reading joins the digits around it.
  const filler = "lorem ipsum ".repeat(60);
  it.each([
    ["hidden attribute, a card", `Card 4111 1111 1111 11<span hidden>${filler}9</span>11`, "credit_card"],
    ["hidden attribute, a phone", `Call +1 415 555 <span hidden>${filler}9</span>0123 now`, "phone"],
    ["a class a sheet hides, a card", `${SHEET}<p>Card 4111 1111 1111 11<span class=x>${filler}9</span>11</p>`, "credit_card"],
  ])("%s: the value a browser shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("control: 240 characters of hidden filler (one window) — the card is found", () => {
    expect(all(`Card 4111 1111 1111 11<span hidden>${"lorem ipsum ".repeat(20)}9</span>11`)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the long-hidden card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34b-n5");
    await expectRefused(agent, "/n5", { headers: json, rawBody: mail(`<p>Card 4111 1111 1111 11<span hidden>${filler}9</span>11</p>`) });
  });
});

describe("N6: a formatting-element bomb — parse5's tree costs quadratic time (reconstructing active formatting elements)", () => {
  // "<b id=0>…<b id=N>" closed by "</div>" stay in the list of active formatting elements (distinct attributes defeat the
  // Noah's Ark clause); each later "<div>x</div>" reconstructs all N as clones: N × M elements built and then walked by
  // documentOf. 13 KB ≈ 1 s, 25 KB ≈ 2.7 s, 51 KB ≈ 21 s of hiddenSelectors on this machine (node).
  const bomb = (n: number, m: number) =>
    `${SHEET}<div>${Array.from({ length: n }, (_, i) => `<b id=${i}>`).join("")}</div>${"<div>x</div>".repeat(m)}`;
  const text = bomb(200, 2000);

  // Its cost is measured by the test's timeout (3 s), not asserted: read or refused as a budget overrun, never for seconds.
  it(`a ${Math.round(text.length / 1024)} KB text: its sheets are read, or the text refused as a budget overrun, within the test's timeout`, {
    timeout: 3_000,
  }, () => {
    try {
      expect(hiddenSelectors(text)).not.toBeNull();
    } catch (error) {
      expect(error).toBeInstanceOf(PiiBudgetError);
    }
  });

  it("control: 200 formatting elements and one reconstruction read within the test's timeout", { timeout: 3_000 }, () => {
    expect(hiddenSelectors(bomb(200, 1))).not.toBeNull();
  });

  it(`through the egress proxy: the ${Math.round(text.length / 1024)} KB body with a card is refused, never forwarded, within the test's timeout`, {
    timeout: 10_000,
  }, async () => {
    const agent = await egressPiiAgent("rt34b-n6");
    const r = await sendEgress(agent, "/n6", { headers: html, rawBody: ascii(`${text}<p>Card 4111 1111 1111 1111`) });
    expect(r.targetSawIt, `${r.status}: ${r.text}`).toBe(false);
  });
});

describe("N7: parse() runs with scripting on — a sheet in <noscript> applies where no script runs (mail clients, DOMParser)", () => {
  // Chromium with JavaScript off (and any renderer without scripting) parses <noscript> as markup: the sheet applies and
  // hides ".x"; "Card 4111 1111 1111 1111". parse5's default reads it as raw text: no sheet.
  it("a sheet inside <noscript>: the card a script-less renderer shows whole is found", () => {
    expect(foundOrRefused(`<noscript><style>.x{display:none}</style></noscript><p>${C}`)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34b-n7");
    await expectRefused(agent, "/n7", { headers: json, rawBody: mail(`<noscript><style>.x{display:none}</style></noscript><p>${C}`) });
  });
});

describe("N8: elements a browser hides that the engine shows (UA style sheet, SVG rendering, data: style sheets)", () => {
  it.each([
    // Chromium: [popover]:not(:popover-open) { display: none }.
    ["'popover' attribute, a card", "<p>Card 4111 1111 1111 11<span popover>9</span>11</p>", "credit_card"],
    ["'popover' attribute, a phone", "Call +1 415 555 <span popover>9</span>0123 now", "phone"],
    // A browser loads a data: style sheet (link or @import); the engine reads neither.
    ["a data: style sheet link", `<link rel=stylesheet href="data:text/css,.x{display:none}"><p>${C}`, "credit_card"],
    ["a data: @import", `<style>@import url("data:text/css,.x{display:none}");</style><p>${C}`, "credit_card"],
  ])("%s: the value a browser shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });
});

describe("N9: over-hiding — rules a browser does not apply hide digits it shows, and a 4-4-8 card is dropped", () => {
  // Chromium shows "Card 4111 1111 11111111" (a 16-digit Visa test number) in each; the engine reads ".x" as hidden.
  it.each([
    ["'media=print' on the style element", `<style media=print>.x{display:none}</style>${C448}`],
    ["'@media print'", `<style>@media print{.x{display:none}}</style>${C448}`],
    ["'@supports' of an unknown value", `<style>@supports (display:frobnicate){.x{display:none}}</style>${C448}`],
    ["'@scope (.nav)' with no .nav", `<style>@scope (.nav) {.x{display:none}}</style>${C448}`],
    ["a later rule showing it again", `<style>.x{display:none}.x{display:inline}</style>${C448}`],
    ["an inline style showing it again", `${SHEET}Card 4111 1111 11<b class=x style="display:inline">11</b>1111`],
  ])("%s: the 4-4-8 card a browser shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("a sheet that does hide the '11' (a browser shows 14 digits): the card is found all the same, as a view without sheets shows it", () => {
    expect(all(`${SHEET}${C448}`)).toContain("credit_card");
  });
});

describe("N10: several strings of one request — a comment in one string swallows the next string's sheet in the joined reading", () => {
  // A mail API rendering the "head" and "html" fields together shows the card whole (the sheet hides ".x"); the masker
  // reads the sheets of all strings joined, where the "<!--" of an earlier field comments out the sheet.
  const blocked = (fields: Record<string, string>) => {
    const masker = createMasker({ credit_card: "block", phone: "block" });
    maskJsonStrings(fields, masker);
    return masker.result().blockedCategories;
  };
  it("{note: '<!--', head: sheet, html: card}: the card is blocked", () => {
    expect(blocked({ note: "Draft <!-- internal", head: SHEET, html: `<p>${C}</p>` })).toContain("credit_card");
  });
  it("control: {head: sheet, html: card} is blocked", () => {
    expect(blocked({ head: SHEET, html: `<p>${C}</p>` })).toContain("credit_card");
  });
});

describe("N1/N5 through the LLM proxy (block policy on card and phone)", () => {
  let sender: TemplateSender;
  beforeAll(async () => {
    sender = await llmBlockingAgent("rt34b-llm");
  });
  const chat = (content: string) => sender.chat(content);
  const expectBlocked = (content: string) => sender.expectBlocked(content);

  it("N1: the phone behind '<i\\u00a0 hidden>' is blocked, the provider never reached", async () => {
    await expectBlocked("Call +1 415 555 <i\u00a0 hidden>9</i\u00a0>0123 now");
  });
  it("N5: the card behind a 720-character hidden span is blocked, the provider never reached", async () => {
    await expectBlocked(`<p>Card 4111 1111 1111 11<span hidden>${"lorem ipsum ".repeat(60)}9</span>11</p>`);
  });
  it("control: the card behind '<b hidden>' is blocked", async () => {
    await expectBlocked("<p>Card 4111 1111 1111 11<b hidden>9</b>11</p>");
  });
  it("control: a clean template reaches the provider", async () => {
    const res = await chat("<p>Order shipped, thanks!<b hidden>ref</b></p>");
    expect(res.status, res.text).toBe(200);
  });
});

describe("controls: clean texts are delivered", () => {
  it("control through the egress proxy: a clean HTML mail with a sheet and hidden elements is delivered", async () => {
    const agent = await egressPiiAgent("rt34b-clean");
    await expectDelivered(agent, "/clean", { headers: json, rawBody: mail(`${SHEET}<p>Order 1234 shipped<span class=x> (internal)</span>.</p>`) });
  });
});
