// Red team 34c on round 34b's markup reading (workers/pii/detectors/markup.ts, detect.ts): the treeless fallback past
// the element cap, the hidden-reach windows, the "reading without sheets" that is claimed to make over-hiding harmless,
// and the cost of three parses. Every leak input was also loaded in Chromium (playwright-core, /usr/bin/chromium):
// document.body.innerText of the page and of a <div> whose innerHTML is the text; the value named in each title is
// what both show. Every test asserts the SECURE behaviour: a failing test is a confirmed break; the controls pass.
import { describe, expect, it } from "vitest";
import { createMasker } from "../../workers/pii/index.js";
import { BLOCKING, ascii, egressPiiAgent, expectDelivered, expectRefused, sendEgress } from "./support/egress-pii.js";
import { all, html, json, mail, foundOrRefused } from "./support/markup-values.js";

/**
 * 34b's formatting-element bomb, small: n distinct "<b id=…>" left open, then m "<div>x</div>" each rebuilding all n.
 * bomb(100, 120) is 2.4 KB of markup and makes 12,000 elements, past the cap (one per two characters + 8,192): the text
 * is then read "without a tree" (documentOf's treeless branch). bomb(100, 40) stays under the cap (the control).
 */
const bomb = (n: number, m: number) => `<div>${Array.from({ length: n }, (_, i) => `<b id=${i}>`).join("")}</div>${"<div>x</div>".repeat(m)}`;
const TREELESS = bomb(100, 120);
const UNDER_CAP = bomb(100, 40);

describe("T1: the treeless fallback ends an element at its name's next closing tag — a nested same-name element ends the hidden one early", () => {
  // Chromium: "<span hidden><span></span>9</span>" hides the "9" (the outer span ends at the second </span>); the text
  // reads "Card 4111 1111 1111 1111". Without a tree, elementEnd() ends the hidden span at the FIRST "</span" (the inner
  // one's): "9" is shown in every reading, "4111 1111 1111 11911" is no card. 2.4 KB of markup before it turns the tree off.
  it.each([
    ["a card", `${TREELESS}<p>Card 4111 1111 1111 11<span hidden><span></span>9</span>11`, "credit_card"],
    ["a phone", `${TREELESS}<p>Call +1 415 555 <span hidden><span></span>9</span>0123 now`, "phone"],
    ["an IBAN", `${TREELESS}<p>IBAN DE89 3704 0044 05<span hidden><span></span>9</span>32 0130 00`, "iban"],
    ["a card, the inner end tag inside a hidden script", `${TREELESS}<p>Card 4111 1111 1111 11<b hidden><script></b></script>9</b>11`, "credit_card"],
  ])(
    "%s after 2.4 KB of formatting elements: the value Chromium shows whole is found, or the text refused (no reading without a tree)",
    (_title, text, category) => {
      const got = foundOrRefused(text);
      expect(got.includes(category) || got.includes("refused:PiiBudgetError"), got.join(", ")).toBe(true);
    },
  );

  it("control: the same nesting under the cap (a tree is built) is found", () => {
    expect(all(`${UNDER_CAP}<p>Card 4111 1111 1111 11<span hidden><span></span>9</span>11`)).toContain("credit_card");
  });

  it("control: the same nesting without any bomb is found", () => {
    expect(all("Card 4111 1111 1111 11<span hidden><span></span>9</span>11")).toContain("credit_card");
  });

  it("through the egress proxy (text/html body): the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34c-t1");
    await expectRefused(agent, "/t1", { headers: html, rawBody: ascii(`${TREELESS}<p>Card 4111 1111 1111 11<span hidden><span></span>9</span>11`) });
  });

  it("through the egress proxy (JSON mail body): the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34c-t1m");
    await expectRefused(agent, "/t1m", { headers: json, rawBody: mail(`${TREELESS}<p>Card 4111 1111 1111 11<span hidden><span></span>9</span>11`) });
  });
});

describe("T2: the treeless fallback ends an element a later tag closes at a far closing tag — it hides digits a browser shows", () => {
  // Chromium: a second "<a>" (or "<nobr>") closes the open one (adoption agency): "<a hidden>9<a>11</a>" hides "9" only and
  // shows "11": "Card 4111 1111 1111 1111". Treeless, the hidden a ends at the next "</a>", hiding "9<a>11": the reading
  // with hiding sees 14 digits, the reading without sees 17.
  it.each([
    ["<a>", `${TREELESS}<p>Card 4111 1111 1111 11<a hidden>9<a>11</a>`],
    ["<nobr>", `${TREELESS}<p>Card 4111 1111 1111 11<nobr hidden>9<nobr>11</nobr>`],
  ])("a %s closed by the next one: the card Chromium shows whole is found, or the text refused (no reading without a tree)", (_title, text) => {
    const got = foundOrRefused(text);
    expect(got.includes("credit_card") || got.includes("refused:PiiBudgetError"), got.join(", ")).toBe(true);
  });

  it("control: with a tree (no bomb) the same card is found", () => {
    expect(all("<p>Card 4111 1111 1111 11<a hidden>9<a>11</a>")).toContain("credit_card");
  });
});

// Known gap (docs/pii.md, round 34, "Left"): skipped until mended; a fix takes ".skip" off.
describe.skip("T3: over-hiding is not made harmless — the reading 'without sheets' still applies inline styles and the hidden attribute", () => {
  // docs/pii.md round 34b: "the detector now also reads every text … as a view without any sheet shows it, so over-hiding
  // never loses a value". Over-hiding through what is not a sheet is never undone: one junk digit really hidden, plus
  // digits the engine hides but Chromium shows (the cascade is not computed): the reading with hiding loses the shown
  // digits, the reading without it keeps the junk. Chromium: "Card 4111 1111 1111 1111" for every row.
  const J = "<span hidden>9</span>";
  it.each([
    ["hidden overridden by an inline display", `<p>Card 4111 1111 1111 11${J}<span hidden style="display:inline">11</span></p>`],
    [
      "hidden overridden by a sheet ([hidden]{display:inline})",
      `<style>[hidden]{display:inline}</style><p>Card 4111 1111 1111 11<b style=display:none>9</b><span hidden>11</span></p>`,
    ],
    [
      "a later inline declaration (display:none;display:inline)",
      `<p>Card 4111 1111 1111 11${J}<span style="display:none;display:inline">11</span></p>`,
    ],
    [
      "a later inline declaration (font-size:0;font-size:16px)",
      `<p>Card 4111 1111 1111 11${J}<span style="font-size:0;font-size:16px">11</span></p>`,
    ],
    ["a later inline declaration (opacity:0;opacity:1)", `<p>Card 4111 1111 1111 11${J}<span style="opacity:0;opacity:1">11</span></p>`],
    [
      "an !important sheet rule over an inline display:none",
      `<style>.y{display:inline!important}</style><p>Card 4111 1111 1111 11${J}<span class=y style=display:none>11</span></p>`,
    ],
    ["width:0 on an inline element (does not apply)", `<p>Card 4111 1111 1111 11${J}<span style="width:0">11</span></p>`],
    ["height:0 on an inline element (does not apply)", `<p>Card 4111 1111 1111 11${J}<span style="height:0">11</span></p>`],
    ["max-height:0 on an inline element (does not apply)", `<p>Card 4111 1111 1111 11${J}<span style="max-height:0">11</span></p>`],
    [
      "content-visibility:hidden on an inline element (does not apply)",
      `<p>Card 4111 1111 1111 11${J}<span style="content-visibility:hidden">11</span></p>`,
    ],
    [
      "visibility:hidden with a visibility:visible child",
      `<p>Card 4111 1111 1111 11${J}<span style="visibility:hidden"><b style="visibility:visible">11</b></span></p>`,
    ],
    ["hidden=until-found (innerText holds it; hidden from sight until found)", `<p>Card 4111 1111 1111 11${J}<span hidden=until-found>11</span></p>`],
  ])("%s: the card Chromium shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("a phone the same way (hidden + inline display)", () => {
    expect(foundOrRefused(`<p>Call +1 415 555 <span hidden>9</span><span hidden style="display:inline">0123</span> now</p>`)).toContain("phone");
  });

  it("control: a sheet rule shown again by a later sheet rule is found (the reading without sheets covers sheets)", () => {
    expect(
      all(`<style>.y{display:none}.y{display:inline}</style><p>Card 4111 1111 1111 11<span hidden>9</span><span class=y>11</span></p>`),
    ).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card behind 'hidden style=display:inline' is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34c-t3");
    await expectRefused(agent, "/t3", {
      headers: json,
      rawBody: mail(`<p>Card 4111 1111 1111 11${J}<span hidden style="display:inline">11</span></p>`),
    });
  });

  it("control through the masker: a sheet-hidden junk digit is masked with the card", () => {
    expect(
      createMasker({ credit_card: "mask" }).maskText("<style>.x{display:none}</style>Card 4111 1111 1111 11<span class=x>9</span>11"),
    ).not.toContain("4111");
  });

  it("through the masker as the LLM proxy uses it: the card is masked", () => {
    const masker = createMasker({ credit_card: "mask" });
    const text = `<p>Card 4111 1111 1111 11${J}<span style="display:none;display:inline">11</span></p>`;
    const out = masker.maskText(text);
    expect(out.includes("4111 1111 1111 11") && out.includes(">11</span>")).toBe(false);
  });
});

// Known gap (docs/pii.md, round 34, "Left"): skipped until mended; a fix takes ".skip" off.
describe.skip("T6: a script-less renderer (a mail client, N7's premise) shows <noscript>; the engine always hides it", () => {
  // Chromium with JavaScript off: "Card 4111 1111 1111 1111" ("9" hidden by its attribute, "11" in <noscript> shown). The
  // engine hides <noscript> (HIDDEN_ELEMENT) in every reading that hides anything: 14 digits there, 17 in the plain one.
  it.each([
    ["a card", "<p>Card 4111 1111 1111 11<span hidden>9</span><noscript>11</noscript></p>", "credit_card"],
    ["a phone", "<p>Call +1 415 555 <span hidden>9</span><noscript>0123</noscript> now</p>", "phone"],
  ])("%s completed inside <noscript>: the value a script-less view shows whole is found", (_title, text, category) => {
    expect(foundOrRefused(text)).toContain(category);
  });

  it("through the egress proxy (JSON mail body): the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34c-t6");
    await expectRefused(agent, "/t6", { headers: json, rawBody: mail("<p>Card 4111 1111 1111 11<span hidden>9</span><noscript>11</noscript></p>") });
  });

  it("control: the card whole inside <noscript> beside the digits is found", () => {
    expect(all("<p>Card 4111 1111 1111 11<noscript>11</noscript></p>")).toContain("credit_card");
  });
});

// Known gap (docs/pii.md, round 34, "Left"): skipped until mended; a fix takes ".skip" off.
describe.skip("T7: data: style sheets the engine does not read — nested imports, @import spelled otherwise, quirks-mode MIME types", () => {
  // DATA_IMPORT needs "@import" + blank + url(…)/string, read one level; dataSheet() needs "data:text/css". Chromium:
  // every row hides ".x" and reads "Card 4111 1111 1111 1111" (document.body.innerText after load). The engine reads no
  // sheet, so the "9" stays in every reading.
  const C = "<p>Card 4111 1111 1111 11<span class=x>9</span>11</p>";
  const d = "<!doctype html>";
  const inner = "data:text/css,.x{display:none}";
  const lvl2 = `data:text/css,${encodeURIComponent(`@import url("${inner}");`)}`;
  it.each([
    ["an @import inside an imported data: sheet (two levels)", `${d}<style>@import url("${lvl2}");</style>${C}`],
    [
      "an @import inside a <link> data: sheet, no blank after @import",
      `${d}<link rel=stylesheet href="data:text/css,@import%22data:text/css,.x%7Bdisplay:none%7D%22;">${C}`,
    ],
    ["@import with no blank before its string", `${d}<style>@import"data:text/css,.x{display:none}";</style>${C}`],
    ["@import/**/url(…)", `${d}<style>@import/**/url("data:text/css,.x{display:none}");</style>${C}`],
    ["@\\69mport (an escape in the at-keyword)", `${d}<style>@\\69mport url("data:text/css,.x{display:none}");</style>${C}`],
    ["an escape in the URL string (\\64 ata:)", `${d}<style>@import url("\\64 ata:text/css,.x{display:none}");</style>${C}`],
    ["url( left open at the sheet's end", `${d}<style>@import url(data:text/css,.x{display:none}</style>${C}`],
    ["quirks mode: a <link> data: sheet with no MIME type", `<link rel=stylesheet href="data:,.x{display:none}">${C}`],
    ["quirks mode: a <link> data:text/plain sheet", `<link rel=stylesheet href="data:text/plain,.x{display:none}">${C}`],
    ["quirks mode: @import of a data: URL with no MIME type", `<style>@import url("data:,.x{display:none}");</style>${C}`],
  ])("%s: the card Chromium shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card behind a two-level import is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34c-t7");
    await expectRefused(agent, "/t7", { headers: json, rawBody: mail(`<style>@import url("${lvl2}");</style>${C}`) });
  });

  it('control: a one-level @import url("data:text/css,…") is read and the card found', () => {
    expect(all(`${d}<style>@import url("${inner}");</style>${C}`)).toContain("credit_card");
  });

  it("control: a <link> data:text/css sheet is read and the card found", () => {
    expect(all(`${d}<link rel=stylesheet href="${inner}">${C}`)).toContain("credit_card");
  });
});

describe("T8: a value inside SVG text — the engine reads SVG as hidden, so hidden junk inside a <text> is never taken out", () => {
  // Chromium: "<svg><text>Card 4111 1111 1111 11<tspan …>9</tspan>11</text></svg>" with the tspan hidden by an inline
  // style, the SVG display="none" presentation attribute or visibility="hidden": innerText "Card 4111 1111 1111 1111".
  // The engine finds nothing: the plain reading holds 17 digits, and the reading that hides never shows the text.
  const S = (mid: string) => `<svg width=400 height=30><text y=20>Card 4111 1111 1111 11${mid}11</text></svg>`;
  it.each([
    ["a tspan with style=display:none", S(`<tspan style="display:none">9</tspan>`)],
    ["a tspan with the display=none presentation attribute", S(`<tspan display="none">9</tspan>`)],
    ["a tspan with visibility=hidden", S(`<tspan visibility="hidden">9</tspan>`)],
    ["an SVG <a> with display=none", S(`<a display="none">9</a>`)],
  ])("%s: the card Chromium shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("through the egress proxy (JSON mail body): the card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt34c-t8");
    await expectRefused(agent, "/t8", { headers: json, rawBody: mail(S(`<tspan style="display:none">9</tspan>`)) });
  });

  it("control: the card whole inside SVG text is found", () => {
    expect(all(S(""))).toContain("credit_card");
  });
});

// Known gap (docs/pii.md, round 34, "Left"): skipped until mended; a fix takes ".skip" off.
describe.skip("T4: the hidden reach misses an element hidden by a descendant '*' rule — a long hidden child splits the card across windows", () => {
  // Chromium: ".x *{display:none}" hides the <i> and its 900 characters: "Card 4111 1111 1111 1111". withHiddenReach()
  // stretches a window only for a start tag that hides by itself (hidingTag on the tag alone); the <i> is hidden by its
  // ancestor, so the windows around "11<span…" and "</span>11" are 900 characters apart and never read together.
  const pad = "a ".repeat(450);
  it.each([
    ["'.x *'", `<style>.x *{display:none}</style><p>Card 4111 1111 1111 11<span class=x><i>${pad}9</i></span>11</p>`],
    ["'.x > *'", `<style>.x > *{display:none}</style><p>Card 4111 1111 1111 11<span class=x><i>${pad}9</i></span>11</p>`],
  ])("%s hiding a 900-character child: the card Chromium shows whole is found", (_title, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });

  it("control: '.x i' hiding the same child is found", () => {
    expect(all(`<style>.x i{display:none}</style><p>Card 4111 1111 1111 11<span class=x><i>${pad}9</i></span>11</p>`)).toContain("credit_card");
  });

  it("control: '.x' hiding the 900-character span itself is found", () => {
    expect(all(`<style>.x{display:none}</style><p>Card 4111 1111 1111 11<span class=x>${pad}9</span>11</p>`)).toContain("credit_card");
  });
});

describe("T5: cost — a clean full HTML page (<html>/<body> and a sheet) is parsed twice and read twice", () => {
  // A 600 KB generated report page (doctype, <html>, <head><style>, <body>, a row per item, no PII). "<html>"/"<body>"
  // makes documentOf parse a fragment too, and the sheet makes the detector read the text twice. Round 34 (b5b2780^)
  // read it in ~1.2 s on this machine; 34b takes ~2.2 s and refuses it as a time budget overrun (PiiBudgetError).
  const head = `<!doctype html><html><head><title>Report</title><style>.hidden{display:none}.nav{color:#333}</style></head><body>`;
  const row = (i: number) => `<div class="row"><span class="name">Item ${i}</span> <a href="/items/${i}">details</a> <em>in stock</em></div>\n`;
  const page = (kb: number) => {
    let s = head;
    for (let i = 0; s.length < kb * 1000; i++) s += row(i);
    return `${s}</body></html>`;
  };
  const big = page(600);

  it("a 600 KB clean page is read and passes (not refused)", { timeout: 120_000 }, () => {
    expect(foundOrRefused(big)).toEqual([]);
  });

  // Pre-existing (also fails at b5b2780^, the egress scan of this page overruns its time budget before and after the
  // change): under failMode open the overrun forwards the body unscanned.
  it("(pre-existing) through the egress proxy under failMode open: a card after the 600 KB page is refused, never forwarded", {
    timeout: 120_000,
  }, async () => {
    const agent = await egressPiiAgent("rt34c-t5o", { ...BLOCKING, failMode: "open" } as unknown as Record<string, "block">);
    await expectRefused(agent, "/t5o", { headers: html, rawBody: ascii(big.replace("</body>", "<p>Card 4111 1111 1111 1111</p></body>")) });
  });

  it("control: a 100 KB clean page passes", { timeout: 120_000 }, () => {
    expect(foundOrRefused(page(100))).toEqual([]);
  });

  // Pre-existing (also fails at b5b2780^): 100 KB of clean page is refused for time through egress on this loaded machine.
  // The scan's 2 s budget is wall time (~0.9 s alone); a full run's load once overran it: retried twice, as
  // pii-split-scan-cost's delivery of the same page is (a scan slow every time still fails; the assertion is unchanged).
  it("(pre-existing) through the egress proxy: a clean 100 KB page is delivered", { timeout: 120_000, retry: 2 }, async () => {
    const agent = await egressPiiAgent("rt34c-t5c");
    await expectDelivered(agent, "/t5c", { headers: html, rawBody: ascii(page(100)) });
  });
});

describe("controls that held", () => {
  it("the sheet-hidden digit splitting a card is found", () => {
    expect(all("<style>.x{display:none}</style>Card 4111 1111 1111 11<span class=x>9</span>11")).toContain("credit_card");
  });
  it("a plain card passes through the egress proxy only refused", async () => {
    const agent = await egressPiiAgent("rt34c-ctl");
    const r = await sendEgress(agent, "/ctl", { headers: html, rawBody: ascii("<p>Card 4111 1111 1111 1111</p>") });
    expect(r.targetSawIt).toBe(false);
  });
});
