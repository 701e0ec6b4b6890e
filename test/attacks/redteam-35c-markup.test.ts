// Red team 35c on round 35's change (diff under review: SPEC, README, diff.patch; after red teams 35 and 35b):
// (A) holdsUnbreakingBlockTag / markupFree's `breaks`, (B) failMode "open"'s re-read (Masker.checkBlockedAfterFailure,
// plainReadings), (C) the new people / birth-date rules (false positives on clean text), (D) cost.
// Every markup leak input was loaded in Chromium (playwright-core, /usr/bin/chromium): document.body.innerText of the
// page ("page") and innerText of a <div> in a standards-mode page whose innerHTML is the text ("div"); both show the
// value named on one line ("Card 4111 1111 1111 1111") unless the title says otherwise.
// Every test asserts the SECURE behaviour: a failing test is a confirmed break; the controls pass.
import { describe, expect, it } from "vitest";
import { createMasker, detectPii } from "../../workers/pii/index.js";
import { BLOCKING, ascii, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";
import { BLOCK_STRUCTURED, type LlmSender, llmPiiAgent } from "./support/llm-pii.js";
import { all, foundOrRefused, html, json, mail } from "./support/markup-values.js";

const user = (content: unknown) => ({ role: "user", content });
const REFUSED = { status: 422, forwarded: false };
const FORWARDED = { status: 200, forwarded: true };
const outcome = async (s: LlmSender, messages: unknown[]) => {
  const r = await s.send(messages);
  return { status: r.status, forwarded: r.forwarded, text: r.text };
};
const expectLlm = async (s: LlmSender, messages: unknown[], want: typeof REFUSED | typeof FORWARDED) => {
  const r = await outcome(s, messages);
  expect({ status: r.status, forwarded: r.forwarded }, r.text).toEqual(want);
};

// CASES-BEGIN (plain data: also loaded in Chromium)
const C = "Card 4111 1111 1111 11";
/** A1: a block element whose own style lays it out inline-level by a value INLINE_DISPLAY does not list. */
const A1 = [
  ["display:initial (display's initial value is inline)", `<div>${C}<div style="display:initial">11</div></div>`],
  ["display:unset (display is not inherited: unset = initial = inline)", `<div>${C}<div style="display:unset">11</div></div>`],
  ["all:unset", `<div>${C}<div style="all:unset">11</div></div>`],
  ["all:initial", `<div>${C}<div style="all:initial">11</div></div>`],
  ["display:inherit inside an inline <span>", `<span>${C}<div style="display:inherit">11</div></span>`],
  ["display:-webkit-inline-box", `<div>${C}<div style="display:-webkit-inline-box">11</div></div>`],
  ["display:-webkit-inline-flex", `<div>${C}<div style="display:-webkit-inline-flex">11</div></div>`],
  ["display:table-cell (one anonymous-table cell, no tab)", `<div>${C}<div style="display:table-cell">11</div></div>`],
  ["display:table-row", `<div>${C}<div style="display:table-row">11</div></div>`],
  ["display:var(--d) with --d:inline", `<div>${C}<div style="--d:inline;display:var(--d)">11</div></div>`],
  ["an <li> with display:table-cell", `<div>${C}<li style="display:table-cell">11</li></div>`],
] as const;

/** 700 characters of prose with no markup: longer than two GLUED_REACH windows. */
const PROSE = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ".repeat(
  6,
);
/** A2: a raw-text element whose text holds a "<div>" more than two windows in; a stray </div> after it splits the card. */
const A2 = [
  ["a <textarea> holding '<div>' (an HTML sample) 700 characters in", `<textarea>${PROSE}<div></textarea><p>${C}</div>11</p>`],
  ["an <xmp> holding '<div>' 700 characters in", `<xmp>${PROSE}<div></xmp><p>${C}</div>11</p>`],
] as const;

/** B: inline markup the failMode "open" re-read's tag regex (<[a-zA-Z/!?][^<>]*>) does not take out. */
const B = [
  ["a <b title='x>'> (a '>' in a quoted attribute)", "Card 4111 1111 1111 11<b title='x>'>11</b>"],
  ['a <b title="<"> (a "<" in a quoted attribute)', 'Card 4111 1111 1111 11<b title="<">11</b>'],
  ["an <img alt='>'> between two digits", "Card 4111 1111 1111 11<img alt='>'>11"],
  ["an abruptly closed comment <!---> (a whole comment in HTML)", "Card 4111 1111 1111 11<!--->11"],
  ["a Markdown link [11](x) (a Markdown view shows '11')", "Card 4111 1111 1111 11[11](https://x.test)"],
] as const;
// CASES-END

/** A row of four readings whose digits run together into a Luhn-valid Visa number (no card is printed anywhere). */
const ROW = ["153", "1664", "4341", "6627"];
const CAPTION =
  "Monthly meter readings for the north building, as recorded by the caretaker on the first working day of each month. Readings are in cubic metres and were checked against the supplier's invoice; discrepancies above five per cent are flagged in the notes column of the quarterly report. ".repeat(
    2,
  );
const table = (caption: string, row: readonly string[]) =>
  `<table><caption>${caption}</caption><tr>${row.map((n) => `<td>${n}</td>`).join("")}</tr></table>`;
const TABLES = [
  ["meter readings 153 | 1664 | 4341 | 6627", ["153", "1664", "4341", "6627"]],
  ["meter readings 421 | 5648 | 76 | 85745", ["421", "5648", "76", "85745"]],
  ["meter readings 45 | 2076 | 12296 | 9903", ["45", "2076", "12296", "9903"]],
  ["meter readings 566 | 43669 | 360 | 979 | 98", ["566", "43669", "360", "979", "98"]],
] as const;

/** The failMode "open" bomb of round 35 (test/attacks/fail-open-forwarding.test.ts): past the markup tree's element cap. */
const BOMB = `<span hidden></span><div>${Array.from({ length: 100 }, (_, i) => `<b id=${i}>`).join("")}</div>${"<div>x</div>".repeat(120)}`;
const OPEN = { ...BLOCK_STRUCTURED, failMode: "open" };

// ---------------------------------------------------------------------------------------------------------------
// (A) the markup reading: block tags that break no line
// ---------------------------------------------------------------------------------------------------------------

describe("A1: a block element laid out inline-level by its own style, by a value INLINE_DISPLAY does not list, is read as a line break", () => {
  // documentOf marks a block element's tags as unbreaking (reading.inline) only where INLINE_DISPLAY matches its style:
  // inline, inline-block, inline-flex, inline-grid, inline-table, contents, ruby. CSS's initial value of display is
  // inline (display:initial, display:unset, all:unset, all:initial), "inherit" takes a <span> parent's inline, the
  // -webkit-inline-* values are inline-level in Chromium, a lone table-cell / table-row sits in an anonymous inline-less
  // table on the same line, and var() resolves to inline. Chromium (page and div): "Card 4111 1111 1111 1111".
  it.each(A1)("%s: the card a browser shows whole is found", (_t, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
  it("egress proxy (JSON mail body): the card completed in a <div style=display:initial> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35c-a1e");
    await expectRefused(agent, "/a1", { headers: json, rawBody: mail(A1[0][1]) });
  });
  it("egress proxy (text/html): the card completed in a <div style=all:unset> is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35c-a1h");
    await expectRefused(agent, "/a1h", { headers: html, rawBody: ascii(A1[2][1]) });
  });
  it("LLM proxy (block): the card completed in a display:table-cell <div> is refused, never forwarded", async () => {
    const s = await llmPiiAgent("rt35c-a1l", { ...BLOCK_STRUCTURED });
    await expectLlm(s, [user(A1[7][1])], REFUSED);
  });
  it("control: the same card completed in a <div style=display:inline> is found", () => {
    expect(all(`<div>${C}<div style="display:inline">11</div></div>`)).toContain("credit_card");
  });
  it("control: the same card completed in a <div style=display:inline-table> is found", () => {
    expect(all(`<div>${C}<div style="display:inline-table">11</div></div>`)).toContain("credit_card");
  });
});

describe("A2: the tree is built from the window, not the text — a raw-text element's '<div>' cut off from its start closes a stray </div>", () => {
  // #markupReadings calls holdsUnbreakingBlockTag(window) and markupFree(window), and both parse the window alone
  // (documentOf(window)). With 256 marks or fewer, windowsAround cuts the text 256 (+64) characters around each mark;
  // a "<div>" 700 characters into a <textarea> is a mark of its own whose window does not hold "<textarea>", so that
  // window's tree opens a div there and the stray "</div>" after "</textarea>" ends it (a line break in every reading).
  // The page's tree (and Chromium) reads "<div>" as the textarea's text and ignores the "</div>":
  // "…<div>" in the textarea, then "Card 4111 1111 1111 1111".
  it.each(A2)("%s, then a card split by a stray </div>: the card a browser shows whole is found", (_t, text) => {
    expect(foundOrRefused(text)).toContain("credit_card");
  });
  it("egress proxy (text/html): the <textarea> row is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("rt35c-a2e");
    await expectRefused(agent, "/a2", { headers: html, rawBody: ascii(A2[0][1]) });
  });
  it("LLM proxy (block): the <textarea> row is refused, never forwarded", async () => {
    const s = await llmPiiAgent("rt35c-a2l", { ...BLOCK_STRUCTURED });
    await expectLlm(s, [user(A2[0][1])], REFUSED);
  });
  it("control: with 120 characters in the <textarea> (one window) the card is found", () => {
    expect(all(`<textarea>${PROSE.slice(0, 120)}<div></textarea><p>${C}</div>11</p>`)).toContain("credit_card");
  });
  it("control: with more than 256 marks (the whole text one window) the card is found", () => {
    expect(all(`${A2[0][1]}${"<b>x</b>".repeat(300)}`)).toContain("credit_card");
  });
});

describe("A3 (false positive): a table with a long caption — the window's tree has no <table>, its cells' digits run together into a card", () => {
  // The same cut the other way: a caption (or any cell) of more than ~512 characters without markup puts "<table>" out
  // of the window around the data row; there "<tr>", "<td>" and "</td>" stand outside any table, the window's tree
  // ignores them (holdsUnbreakingBlockTag: true), and the reading with block tags breaking nothing glues the cells
  // ("153166443416627"), read as a card (the glued reading asks no printed layout). Chromium: one row of cells,
  // innerText "153\t1664\t4341\t6627" under the caption. The four rows are red team 35b's B6 lists (1,000 generated).
  it.each(TABLES)("%s under a 560-character caption: no card found", (_t, row) => {
    expect(all(table(CAPTION, row))).toEqual([]);
  });
  it("LLM proxy (block): the clean table reaches the provider", async () => {
    const s = await llmPiiAgent("rt35c-a3l", { ...BLOCK_STRUCTURED });
    await expectLlm(s, [user(`Summarise this table:\n${table(CAPTION, ROW)}`)], FORWARDED);
  });
  it("egress proxy (text/html): the clean table is delivered", async () => {
    const agent = await egressPiiAgent("rt35c-a3e");
    await expectDelivered(agent, "/a3", { headers: html, rawBody: ascii(table(CAPTION, ROW)) });
  });
  it("control: the same rows under a short caption: no card found", () => {
    for (const [, row] of TABLES) expect(all(table("Meter readings", row))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (B) failMode "open": the re-read after a failed scan
// ---------------------------------------------------------------------------------------------------------------

describe("B: beside a bomb, a card split by inline markup the re-read's tag regex does not take out is forwarded", () => {
  // plainReadings (masker.ts) takes tags out with /<!--[\s\S]*?(?:-->|$)|<[a-zA-Z/!?][^<>]*>/g: a quoted '>' or '<' in
  // an attribute ends or breaks the match (what is left, "'>11", stays between the digits), "<!--->" is a whole
  // comment to HTML but the regex runs to the next "-->" or the end (taking the last digits with it), and a Markdown
  // link's brackets stay. The full scan finds each (control); after the bomb makes it fail, the re-read does not.
  // Chromium shows rows 1-4 as "Card 4111 1111 1111 1111"; row 5 is what a Markdown view shows.
  let open: LlmSender;
  it.each(B)("LLM proxy (open): the bomb, then %s: refused, never forwarded", { timeout: 60_000 }, async (_t, value) => {
    open ??= await llmPiiAgent("rt35c-b", OPEN);
    await expectLlm(open, [user(BOMB), user(value)], REFUSED);
  });
  it("egress proxy (open, JSON): the bomb and the <b title='x>'> card: refused, never forwarded", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt35c-be", { ...BLOCKING, failMode: "open" } as unknown as Record<string, "block">);
    await expectRefused(agent, "/b", { headers: json, rawBody: ascii(JSON.stringify({ html: BOMB, note: B[0][1] })) });
  });
  it.each(B)("control: without the bomb, %s is refused under open", { timeout: 60_000 }, async (_t, value) => {
    open ??= await llmPiiAgent("rt35c-b", OPEN);
    await expectLlm(open, [user("hello"), user(value)], REFUSED);
  });
  it("control: the bomb, then the card split by a plain <b> (35b's A3, mended) is refused", { timeout: 60_000 }, async () => {
    open ??= await llmPiiAgent("rt35c-b", OPEN);
    await expectLlm(open, [user(BOMB), user("Card 4111 1111 1111 11<b>11</b>")], REFUSED);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (C) the new people and birth-date rules: clean text altered
// ---------------------------------------------------------------------------------------------------------------

/** Ordinary text with no person: a capitalised noun phrase, a number between commas, a lower-case word (addAgedNames). */
const AGED = [
  "The old Release Candidate, 2, was tagged on Friday.",
  "Our sprint board shows Epic Checkout, 34, closed and Epic Search, 21, open.",
  "Parking Level, 3, is closed for cleaning.",
  "Sections Methods, 12, and Results, 14, were revised.",
  "Apartment Sunrise, 12, was renovated last year.",
  "The ticket says Build Pipeline, 42, failed overnight.",
] as const;
/** A project, firm or brand "born" on a date (the event verbs nació, nacque, nasceu, föddes, syntyi after a capitalised name). */
const BORN = [
  "El proyecto Linux nació el 17 de septiembre de 1991 en Helsinki.",
  "La marca Zara nació el 24 de mayo de 1975 en A Coruña.",
  "Il marchio Ferrari nacque il 12 marzo 1947 a Maranello.",
  "Il progetto Apache nacque il 12 marzo 1995 come fork di NCSA.",
  "O sistema Pix nasceu em 16 de novembro de 2020 no Brasil.",
  "Projektet Spotify föddes den 23 april 2006 i Stockholm.",
  "Yhtiö Nokia syntyi 12.5.1865 Tampereella.",
] as const;

describe("C1 (false positive): a capitalised noun phrase before a number between commas is masked as a person", () => {
  // addAgedNames (entities.ts) reads "<Capitalised words>, <1-3 digits>, <lower-case word>" as a person and its age;
  // it skips a first word that is a place, month, firm or (alone, opening a sentence) a known word, but not a
  // capitalised noun phrase of two words or one inside a sentence. None of these was a person before round 35.
  it.each(AGED)("%s: no person found", (text) => {
    expect(detectPii(text, { categories: ["person"] })).toEqual([]);
  });
  it("the masker (default policy) leaves the clean text unaltered", () => {
    const m = createMasker({});
    expect(m.maskText(AGED[0])).toBe(AGED[0]);
  });
  it("control: 'Greaves, 84, said the secret…' is a person", () => {
    expect(detectPii("Greaves, 84, said the secret was patience.", { categories: ["person"] }).map((f) => f.category)).toContain("person");
  });
});

describe("C2 (false positive): a project or brand 'born' on a date is read as a date of birth", () => {
  // detectBirthDates: the event verbs (nació, nacque, nasceu, föddes, syntyi) count "right after a name" (NAME_BEFORE:
  // two capitalised words, or one after a lower-case word) — "El proyecto Linux nació…" has one after "proyecto".
  // The dates were not read as birth dates before round 35.
  it.each(BORN)("%s: no date of birth found", (text) => {
    expect(detectPii(text, { categories: ["date_of_birth"] })).toEqual([]);
  });
  it("the masker (default policy) leaves the date unaltered", () => {
    const m = createMasker({ person: "allow", organization: "allow", location: "allow" });
    expect(m.maskText(BORN[0])).toBe(BORN[0]);
  });
  it("control: 'Gabriel García Márquez nació el 6 de marzo de 1927' is a birth date", () => {
    expect(detectPii("Gabriel García Márquez nació el 6 de marzo de 1927 en Aracataca.", { categories: ["date_of_birth"] }).length).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (D) cost
// ---------------------------------------------------------------------------------------------------------------

describe("D: cost — one stray tag or inline-block <div> brings back the second reading of a whole 600 KB page", () => {
  // The 34c page (T5): 600 KB, a sheet, more than 256 marks (one window). cdcb1a4 reads it with block tags breaking
  // nothing only where holdsUnbreakingBlockTag says some block tag breaks no line; one stray "</div>" or one
  // <div style=display:inline-block> (a logo, a badge: most real pages hold one) anywhere makes every block tag's
  // reading double for the whole page. Measured in Node on this (loaded) machine: plain 1.1 s, with one stray </div>
  // 2.0 s (time budget overrun, refused), with one inline-block <div> 1.5 s. Hang guards only; refusal is the break.
  const head = `<!doctype html><html><head><title>Report</title><style>.hidden{display:none}.nav{color:#333}</style></head><body>`;
  const row = (i: number) => `<div class="row"><span class="name">Item ${i}</span> <a href="/items/${i}">details</a> <em>in stock</em></div>\n`;
  const page = (kb: number, extra: string) => {
    let s = head + extra;
    for (let i = 0; s.length < kb * 1000; i++) s += row(i);
    return `${s}</body></html>`;
  };
  it("a 600 KB clean page with one stray </div> is read and passes (not refused)", { timeout: 120_000 }, () => {
    const found = foundOrRefused(page(600, "<p>Total</div></p>"));
    expect(found).toEqual([]);
  });
  it("a 600 KB clean page with one inline-block <div> is read and passes (not refused)", { timeout: 120_000 }, () => {
    const found = foundOrRefused(page(600, `<div style="display:inline-block">logo</div>`));
    expect(found).toEqual([]);
  });
  it("control: the 600 KB page without them passes", { timeout: 120_000 }, () => {
    const found = foundOrRefused(page(600, ""));
    expect(found).toEqual([]);
  });
});
