// Red team 34 on the 32e markup mends (workers/pii/detectors/markup.ts): every sheet range read whole under a
// character budget (4 × text + 256 K, else PiiBudgetError), a self-closed style in SVG holding no sheet, SVG
// templates counted apart, HTML end tags inside SVG/MathML read both ways with both readings' sheets kept, an
// "exact" list of foreign element names. Each input was also loaded in Chromium (document.body.innerText): the
// value named in each title is what a browser shows. Every test asserts the SECURE behaviour: a failing test
// is a confirmed break; the controls pass.
import { beforeAll, describe, expect, it } from "vitest";
import { hiddenSelectors } from "../../workers/pii/detectors/markup.js";
import { PiiBudgetError } from "../../workers/pii/index.js";
import { type TemplateSender, llmBlockingAgent } from "./support/llm-pii.js";
import { BLOCKING, ascii, egressPiiAgent, expectDelivered, expectRefused, sendEgress } from "./support/egress-pii.js";
import { all, html, json, mail, C, C448, IBAN, P, foundOrRefused } from "./support/markup-values.js";

// A digit a sheet hides (the browser shows the card whole); a 4-4-8 card whose "x" digits a browser SHOWS.
/** An HTML sheet: "<style/>" is a sheet in HTML (the "/" is ignored), none in SVG. */
const SS = "<style/>.x{display:none}</style>";

describe("B1 (new): an HTML element named like an SVG/MathML element, its end tag leaving foreign content — neither reading leaves", () => {
  // Browser: "</g>" in SVG reaches the HTML <g> (an unknown element) open under <svg>, pops it and SVG with it; the
  // "<style/>" after is HTML's, a sheet to "</style>", and ".x" is hidden. The pass: "g" is in FOREIGN_ELEMENT, so
  // both readings stay in SVG, the self-closed style holds nothing, the "9" is read as shown.
  it.each([
    ["<g>", `<g><svg></g>${SS}<p>${C}`, "credit_card"],
    ["<text> around an icon", `<text><svg viewBox="0 0 8 8"><path d="M0 0h8v8z"/></text>${SS}<p>${C}`, "credit_card"],
    ["<desc>", `<desc><svg></desc>${SS}<p>${C}`, "credit_card"],
    ["<use>", `<use><svg></use>${SS}<p>${C}`, "credit_card"],
    ["<filter>", `<filter><svg></filter>${SS}<p>${C}`, "credit_card"],
    ["<set>", `<set><svg></set>${SS}<p>${C}`, "credit_card"],
    ["<mrow> around MathML", `<mrow><math></mrow>${SS}<p>${C}`, "credit_card"],
    ["<g>, a phone", `<g><svg></g>${SS}${P}`, "phone"],
    ["<g>, an IBAN", `<g><svg></g>${SS}${IBAN}`, "iban"],
  ])("%s: the value a browser shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("control: the same sheet in HTML, no SVG, hides the digit and the card is found", () => {
    expect(all(`${SS}<p>${C}`)).toContain("credit_card");
  });

  it("control: with no end tag leaving SVG the self-closed style holds nothing (browser: 11911 shown, no card)", () => {
    expect(all(`<g><svg>${SS}</svg><p>${C}`)).not.toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card behind '<g><svg></g><style/>' is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34-b1");
    await expectRefused(agent, "/b1", { headers: json, rawBody: mail(`<g><svg></g>${SS}<p>${C}`) });
  });

  it("through the egress proxy (JSON mail body): the phone behind '<g><svg></g><style/>' is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34-b1p");
    await expectRefused(agent, "/b1p", { headers: json, rawBody: mail(`<g><svg></g>${SS}${P}`) });
  });

  it("control through the egress proxy: the card behind a plain HTML '<style/>' sheet is refused", async () => {
    const agent = await egressPiiAgent("rt34-b1c");
    await expectRefused(agent, "/b1c", { headers: json, rawBody: mail(`${SS}<p>${C}`) });
  });
});

describe("B2 (new): both readings' sheets kept — the leaving reading's sheet over-hides shown digits, a 4-4-8 card passes", () => {
  // Browser: a stray end tag in SVG (nothing of that name open) is ignored, "<style/>" in SVG holds nothing, the
  // 4-4-8 card is shown whole. The pass's leaving reading leaves SVG on it, reads "<style/>" as HTML's sheet, and
  // its ".x" rule (kept with the staying reading's) hides the "11" the browser shows: the card is dropped.
  it.each([
    ["a stray '</span>'", `<svg></span>${SS}</svg>${C448}`],
    ["'</body>' (no leaving in a browser: after-body mode goes back to SVG)", `<svg></body>${SS}</svg>${C448}`],
    ["an SVG element missing from the 'exact' list: animateColor", `<svg><animateColor></animateColor>${SS}</svg>${C448}`],
    ["an SVG element missing from the 'exact' list: cursor", `<svg><cursor></cursor>${SS}</svg>${C448}`],
    [
      "MathML annotation-xml with no encoding (no integration point; the leaving reading reads one)",
      `<math><annotation-xml>${SS}</annotation-xml></math>${C448}`,
    ],
  ])("%s, then '<style/>' in SVG: the 4-4-8 card a browser shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("control: with no stray end tag the card is found (32e's own case)", () => {
    expect(all(`<svg>${SS}</svg>${C448}`)).toContain("credit_card");
  });

  it("a 4-4-8 card whose '11' a real sheet hides is found all the same: a view without style sheets (a model reading the markup) shows 16 digits", () => {
    expect(all(`<style>.x{display:none}</style>${C448}`)).toContain("credit_card");
  });

  it("through the egress proxy (HTML body): the 4-4-8 card after '<svg></span><style/>' is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34-b2");
    await expectRefused(agent, "/b2", { headers: html, rawBody: ascii(`<svg></span>${SS}</svg>${C448}`) });
  });

  it("through the egress proxy (JSON mail body): the same card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34-b2j");
    await expectRefused(agent, "/b2j", { headers: json, rawBody: mail(`<svg></span>${SS}</svg>${C448}`) });
  });

  it("control through the egress proxy: the 4-4-8 card after '<svg><style/>' (no stray end tag) is refused", async () => {
    const agent = await egressPiiAgent("rt34-b2c");
    await expectRefused(agent, "/b2c", { headers: html, rawBody: ascii(`<svg>${SS}</svg>${C448}`) });
  });
});

describe("B3 (new): SVG templates counted apart are forgotten at an integration point", () => {
  // Browser: "</template>" with <desc> (SVG) the current node is read by foreign-content rules: it closes the SVG
  // template, the HTML template stays open and the later sheet is inert. The pass resets foreignTemplates at
  // "<desc>", reads "</template>" as closing the HTML template and reads the inert sheet: over-hide.
  it("'<template><svg><template><desc></template>' then a sheet inside the HTML template: the 4-4-8 card is found", () => {
    const text = `<template><svg><template><desc></template><style>.x{display:none}</style></svg></template>${C448}`;
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("control: without <desc> the SVG template is counted and the card found", () => {
    expect(all(`<template><svg><template></template><style>.x{display:none}</style></svg></template>${C448}`)).toContain("credit_card");
  });
});

describe("B4 (new): the character budget is no cost budget — a small text made to cost seconds", () => {
  // Each unclosed "<style>" is a range to the text's end; every range is read whole while the sum stays under
  // 4 × text + 256 K. With a sheet of nested 64-wide lists (~55 µs a character) the 256 K slack alone is ~14 s.
  const list = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(",");
  const unit = `${list(64, (i) => `.a${i}`)}{${`&:is(${list(12, (j) => `.x${j}`)}){display:none}`.repeat(20)}}`;
  const sheet = unit;
  const tail = "<p>Card 4111 1111 1111 1111";
  /** As many "<style>" starts as the character budget lets through (range i runs from the end of tag i to the end). */
  const starts = (() => {
    const fits = (n: number) => {
      const total = 7 * n + sheet.length + tail.length;
      let read = 0;
      for (let i = 0; i < n; i++) read += total - 7 * (i + 1);
      return read <= 4 * total + 256 * 1024;
    };
    let n = 1;
    while (fits(n + 1)) n++;
    return n;
  })();
  const text = `${"<style>".repeat(starts)}${sheet}${tail}`;

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

  it("control: the same sheet once, in one style element, read within the test's timeout", { timeout: 3_000 }, () => {
    expect(hiddenSelectors(`<style>${sheet}</style>`)).not.toBeNull();
  });

  it(`through the egress proxy: the ${Math.round(text.length / 1024)} KB body is refused, never forwarded, within the test's timeout`, {
    timeout: 10_000,
  }, async () => {
    const agent = await egressPiiAgent("rt34-b4");
    const r = await sendEgress(agent, "/b4", { headers: html, rawBody: ascii(text) });
    expect(r.targetSawIt, `${r.status}: ${r.text}`).toBe(false);
  });
});

describe("B5 (new): clean texts refused as a budget overrun (unclosed '<style>' read again at each start)", () => {
  // A browser reads one sheet from the first unclosed "<style>" to the end; the pass reads a range from each.
  // Texts with no personal data at all are refused under the default failMode "closed".
  const css = (i: number) =>
    Array.from({ length: 60 }, (_, k) => `.site${i}-c${k}{margin:0 auto;padding:${k}px;color:#333;font-family:Inter,sans-serif}`).join("\n");
  /** The heads of 20 pages a scraper cut at 4 KB (inside their inline CSS). */
  const pages = Array.from({ length: 20 }, (_, i) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Docs page ${i}</title><style>\n${css(i)}`.slice(0, 4096),
  );
  /** A CSS tutorial naming the element in prose 30 times (no sample closing it). */
  const tutorial = `${Array.from(
    { length: 30 },
    (_, i) =>
      `## Step ${i + 1}\n\nPut the rules for section ${i + 1} in the page's \`<style>\` element, in the head. ${"Selectors match elements by class, and later rules win when specificity ties. ".repeat(12)}\n`,
  ).join("\n")}`;

  it(`20 scraped page heads (${Math.round(pages.join("\n").length / 1024)} KB) in one text are read, not refused`, () => {
    expect(() => all(pages.join("\n\n"))).not.toThrow();
  });

  it(`a CSS tutorial (${Math.round(tutorial.length / 1024)} KB) naming '<style>' in prose is read, not refused`, () => {
    expect(() => all(tutorial)).not.toThrow();
  });

  it("control: one scraped page head is read", () => {
    expect(all(pages[0] as string)).toEqual([]);
  });

  it("through the egress proxy: 20 page heads posted as a JSON array (one string each) are delivered", async () => {
    const agent = await egressPiiAgent("rt34-b5");
    await expectDelivered(agent, "/b5", { headers: { "content-type": "application/json" }, rawBody: ascii(JSON.stringify({ documents: pages })) });
  });

  it("control through the egress proxy: one page head is delivered", async () => {
    const agent = await egressPiiAgent("rt34-b5c");
    await expectDelivered(agent, "/b5c", {
      headers: { "content-type": "application/json" },
      rawBody: ascii(JSON.stringify({ documents: pages.slice(0, 1) })),
    });
  });
});

describe("B6 (new, policy failMode 'open'): a budget overrun bought with 2 KB of '<style>' forwards a card unmasked", () => {
  // failMode "open" forwards what could not be scanned (documented). Before this change an overrun needed megabytes
  // or seconds of work; now ~260 unclosed "<style>" starts (1.8 KB) before a short text make the ranges overrun.
  const prefix = "<style>".repeat(260);
  const body = `${prefix}<p>Card 4111 1111 1111 1111 ${"lorem ipsum ".repeat(60)}`;
  it("the engine, asked directly, finds the card: 260 unclosed style start tags are one sheet, as a browser reads them (no overrun to fail open on)", () => {
    expect(all(body)).toContain("credit_card");
  });
  it("through the egress proxy under failMode open: the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34-b6", { ...BLOCKING, failMode: "open" } as unknown as Record<string, "block">);
    await expectRefused(agent, "/b6", { headers: html, rawBody: ascii(body) });
  });
  it("control under failMode open: the same card without the prefix is refused", async () => {
    const agent = await egressPiiAgent("rt34-b6c", { ...BLOCKING, failMode: "open" } as unknown as Record<string, "block">);
    await expectRefused(agent, "/b6c", { headers: html, rawBody: ascii(`<p>Card 4111 1111 1111 1111 ${"lorem ipsum ".repeat(60)}`) });
  });
});

describe("B1/B2 through the LLM proxy (block policy on card and phone)", () => {
  let sender: TemplateSender;
  beforeAll(async () => {
    sender = await llmBlockingAgent("rt34-llm");
  });
  const chat = (content: string) => sender.chat(content);
  const expectBlocked = (content: string) => sender.expectBlocked(content);

  it("B1: the card behind '<g><svg></g><style/>' is blocked, the provider never reached", async () => {
    await expectBlocked(`<g><svg></g>${SS}<p>${C}`);
  });
  it("B2: the 4-4-8 card after '<svg></span><style/>' is blocked, the provider never reached", async () => {
    await expectBlocked(`<svg></span>${SS}</svg>${C448}`);
  });
  it("control: the card behind a plain HTML sheet is blocked", async () => {
    await expectBlocked(`${SS}<p>${C}`);
  });
  it("control: a clean template reaches the provider", async () => {
    const res = await chat(`<g><svg></g>${SS}<p>Order shipped, thanks!</p>`);
    expect(res.status, res.text).toBe(200);
  });
});

describe("K (known gaps in docs/pii.md, shown here as concrete leaks)", () => {
  it.each([
    // "decided once per document each way": '</i>' (ignored) makes the leaving reading leave, '<textarea/>' (SVG's,
    // self-closed) then swallows the sheet to '</textarea>' there; the staying reading never leaves on '</div>'.
    ["K1 '</i>' then '</div>': both readings defeated", `<div><svg></i><textarea/></div>${SS}</textarea>${C}`],
    // "after </desc> never returning to SVG": '<textarea>' is SVG's, its '<style>' an SVG sheet; the pass reads it as
    // HTML's RCDATA and skips the sheet.
    ["K2 '</desc>' then an SVG textarea holding the sheet", `<svg><desc></desc><textarea><style>.x{display:none}</style></textarea></svg>${C}`],
    ["K2b '</desc>' then an SVG xmp holding the sheet", `<svg><desc></desc><title/><xmp><style>.x{display:none}</style></xmp></svg>${C}`],
  ])("%s: the card a browser shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it.each([
    ["K3 '<font>' without attributes stays in SVG", `<svg><font>${SS}</svg>${C448}`],
    ["K4 back in SVG after '</desc>', '<style/>' holds nothing", `<svg><desc></desc>${SS}</svg>${C448}`],
    ["K5 an SVG sheet inside an HTML comment (a comment node: no sheet text)", `<svg><style><!--.x{display:none}--></style></svg>${C448}`],
    ["K5b an SVG sheet's rule inside a child element (not its child text)", `<svg><style><desc>.x{display:none}</desc></style></svg>${C448}`],
  ])("%s: the 4-4-8 card a browser shows whole is found (over-hide)", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
});
