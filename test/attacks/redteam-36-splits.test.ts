// Red team 36: the split check's seam-only windows on joins longer than 8 KB. The windows reach 256 "shown"
// characters either side of a seam, counting skipped tags, marks and hidden elements as unshown, but counting as
// shown every character the detection copy later drops: invisible format characters (U+200B, U+00AD, ...) and
// character references to them (&shy;, &#8203;, &zwj;). A value cut at a seam, its second piece behind a tag and
// a run of such characters, is shown whole by a browser and read whole by a model, and was refused before this change
// (a long join with more than 256 marks was read whole without its markup); it was then forwarded. Mended: runs of
// blanks, invisible and combining characters and character references count for no shown character.
// Each test asserts the SAFE behaviour: a failing test is a break.
import { describe, expect, it } from "vitest";
import { BLOCKING, ascii, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

const html = { "content-type": "text/html" };
const json = { "content-type": "application/json" };
const row = (i: number) => `<div class="row"><span class="name">Item ${i}</span> <a href="/items/${i}">details</a> <em>in stock</em></div>\n`;
/** About `kb` KB of an ordinary listing: far more than 256 tags, no personal data. */
function rows(kb: number): string {
  let s = "";
  for (let i = 0; s.length < kb * 1000; i++) s += row(i);
  return s;
}
const ROWS = rows(10);
/** 600 zero-width spaces (raw): nothing a browser or a model shows. */
const ZW = "\u200b".repeat(600);
/** 120 soft-hyphen references (600 ASCII characters): nothing a browser shows. */
const SHY = "&shy;".repeat(120);

describe("regressions: a value cut at a seam of a long join, behind a tag and invisible characters", () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    [
      "a card: header '4111 1111', long HTML body '<b></b>' + 600 U+200B + ' 1111 1111'",
      { ...html, "x-order-ref": "4111 1111" },
      `<b></b>${ZW} 1111 1111 <p>`,
    ],
    [
      "an e-mail: header 'jane.roe', long HTML body '<b></b>' + 120 '&shy;' + '@example.org' (ASCII only)",
      { ...html, "x-order-ref": "jane.roe" },
      `<b></b>${SHY}@example.org <p>`,
    ],
    [
      "an e-mail: header 'jane.roe', long HTML body '<b></b>' + 600 U+200B + '@example.org'",
      { ...html, "x-order-ref": "jane.roe" },
      `<b></b>${ZW}@example.org <p>`,
    ],
    [
      "an IBAN: header 'DE89 3704 0044', long HTML body '<b></b>' + 600 U+200B + ' 0532 0130 00'",
      { ...html, "x-order-ref": "DE89 3704 0044" },
      `<b></b>${ZW} 0532 0130 00 <p>`,
    ],
  ];
  for (const [n, [name, headers, head]] of cases.entries()) {
    it(`attack: ${name} (10 KB of rows after it): refused`, { timeout: 60_000 }, async () => {
      const agent = await egressPiiAgent(`rt36-long-${n}`);
      await expectRefused(agent, `/rt36-long-${n}`, { headers, rawBody: ascii(head + rows(10)) });
    });
    it(`control: the same cut in a short request (no rows): refused`, { timeout: 60_000 }, async () => {
      const agent = await egressPiiAgent(`rt36-short-${n}`);
      await expectRefused(agent, `/rt36-short-${n}`, { headers, rawBody: ascii(head) });
    });
  }
  it("control: the card unsplit in the same long body is refused; the long body without the first piece is delivered", {
    timeout: 60_000,
  }, async () => {
    const agent = await egressPiiAgent("rt36-ctl");
    await expectRefused(agent, "/rt36-ctl-1", { headers: html, rawBody: ascii(`<p>Card 4111 1111<b></b>${ZW} 1111 1111 <p>${ROWS}`) });
    await expectDelivered(agent, "/rt36-ctl-2", {
      headers: { ...html, "x-order-ref": "order 52" },
      rawBody: ascii(`<b></b>${ZW} 1111 1111 <p>${ROWS}`),
    });
    await expectDelivered(agent, "/rt36-ctl-3", { headers: { ...html, "x-order-ref": "jane" }, rawBody: ascii(`<b></b>${SHY} example <p>${ROWS}`) });
  });
});

describe("regressions: the same cut across two JSON fields after a long field (no header involved)", () => {
  const items = Array.from({ length: 300 }, (_, i) => `<li><b>Item ${i}</b> <i>ok</i></li>`);
  const intro = items.join("");
  const cases: Array<[string, Record<string, string>]> = [
    ["an e-mail: {intro, to: 'jane.roe', html: '<b></b>' + 120 '&shy;' + '@example.org'}", { to: "jane.roe", html: `<b></b>${SHY}@example.org` }],
    [
      "an IBAN: {intro, ref: 'IBAN DE89 3704 0044', html: '<b></b>' + 600 U+200B + ' 0532 0130 00'}",
      { ref: "IBAN DE89 3704 0044", html: `<b></b>${ZW} 0532 0130 00` },
    ],
  ];
  for (const [n, [name, fields]] of cases.entries()) {
    it(`attack: ${name}, intro a 10 KB list: refused`, { timeout: 60_000 }, async () => {
      const agent = await egressPiiAgent(`rt36-json-${n}`);
      await expectRefused(agent, `/rt36-json-${n}`, { headers: json, rawBody: ascii(JSON.stringify({ intro, ...fields })) });
    });
    it(`control: the same with a 3 KB intro and 300 empty tags after (join under 8 KB): refused`, { timeout: 60_000 }, async () => {
      const agent = await egressPiiAgent(`rt36-json-s-${n}`);
      await expectRefused(agent, `/rt36-json-s-${n}`, {
        headers: json,
        rawBody: ascii(JSON.stringify({ intro: intro.slice(0, 3000), ...fields, pad: "<i></i>".repeat(300) })),
      });
    });
  }
});

describe("the phone the change meant to catch ('text/html' + '+44 20 7946' + ' 0958'), in a long join", () => {
  it("attack: header '+44 20 7946', long HTML body '<b></b>' + 600 U+200B + ' 0958': refused", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt36-phone");
    await expectRefused(agent, "/rt36-phone", { headers: { ...html, "x-ref": "+44 20 7946" }, rawBody: ascii(`<b></b>${ZW} 0958 <p>${ROWS}`) });
  });
  it("control: the same in a short request: refused", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt36-phone-s");
    await expectRefused(agent, "/rt36-phone-s", { headers: { ...html, "x-ref": "+44 20 7946" }, rawBody: ascii(`<b></b>${ZW} 0958 <p>`) });
  });
});

describe("pre-existing: a value cut across two short JSON strings, behind a tag and soft-hyphen references", () => {
  it("attack: {a: 'write to jane.roe<b></b>' + 120 '&shy;', b: '@example.org '}: refused", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt36-json-shy");
    await expectRefused(agent, "/rt36-json-shy", {
      headers: json,
      rawBody: ascii(JSON.stringify({ a: `write to jane.roe<b></b>${SHY}`, b: "@example.org " })),
    });
  });
});

describe("false refusals and cost", () => {
  // False before this change too (about 1 table of 13 with a decimal column): a Luhn-valid run with a card prefix read
  // across neighbouring cells, taking a number's fraction from one ("10.67" giving "67") and a whole part from another
  // ("35.48" giving "35"). Mended: a value cut at a number's decimal point is no card split across strings.
  it("clean: a JSON table of numeric string cells is delivered", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt36-table");
    const rowsTable = [
      ["57", "1493", "8636", "10.67"],
      ["78910", "3888", "449", "35.48"],
      ["20339", "3114", "7674", "54.79"],
      ["969", "4345", "175", "7.22"],
      ["3656", "4309", "3491", "73.63"],
      ["29525", "532", "123", "96.74"],
      ["4715", "8571", "7561", "52.90"],
      ["7851", "1101", "526", "49.13"],
    ];
    await expectDelivered(agent, "/rt36-table", { headers: json, rawBody: ascii(JSON.stringify({ rows: rowsTable })) });
  });
  it("clean: JSON of numeric neighbours the new spacing rule parts (ports, sizes, times, deltas) is delivered", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt36-spacing");
    const bodies = [
      { x: "1920", y: "1080", w: "640", h: "480" },
      { ports: ["8080", "443", "22", "3306", "5432", "6379"] },
      { open: "0800", close: "1730", tz: "+0100", days: "12345" },
      { balance: "1,204.50", change: "+44.20", pct: "(3.12%)" },
      { hh: "06", mm: "12", ss: "34", ff: "56", gg: "78" },
      { run: "7", store: "020", aisle: "7946", bin: "0958", shelf: "3" },
    ];
    for (const [i, b] of bodies.entries()) await expectDelivered(agent, `/rt36-spacing-${i}`, { headers: json, rawBody: ascii(JSON.stringify(b)) });
  });
  it("cost: a clean 230 KB JSON log of 5,000 strings is delivered within 10 s", { timeout: 60_000 }, async () => {
    const agent = await egressPiiAgent("rt36-log");
    const logs = Array.from(
      { length: 5000 },
      (_, i) => `2026-03-0${(i % 9) + 1}T10:${String(i % 60).padStart(2, "0")}:00Z INFO req ${1000 + i} took ${i % 97}ms`,
    );
    const t = Date.now();
    await expectDelivered(agent, "/rt36-log", { headers: json, rawBody: ascii(JSON.stringify({ logs })) });
    expect(Date.now() - t).toBeLessThan(10_000);
  });
});

void BLOCKING;
