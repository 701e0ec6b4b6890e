// Values written to slip past the detectors: control characters and terminal escapes inside them,
// unusual group separators, lower-case and look-alike IBANs, loose e-mail spellings, defanged IP
// addresses. Each class has its clean-text controls: the wider reading must not take prose, code
// or lists of numbers for a value.
import { describe, expect, it } from "vitest";
import { detectPii, type PiiCategory } from "../../../workers/pii/index.js";
import { groupSeparatorsAsSpaces, latinCapitals, normalize, withoutEscapeSequences } from "../../../workers/pii/normalize.js";

const structured = { categories: ["email", "phone", "credit_card", "tax_id", "iban", "secret", "ip_address"] as PiiCategory[] };

function found(text: string): Array<[PiiCategory, string, string]> {
  return detectPii(text, structured).map((f) => [f.category, text.slice(f.start, f.end), f.key]);
}

describe("control characters and escape sequences", () => {
  it.each([
    ["NUL inside an e-mail", "write to jane.roe\u0000@example.org", "email", "jane.roe\u0000@example.org", "jane.roe@example.org"],
    ["backspace inside the domain", "write to jane.roe@exa\u0008mple.org", "email", "jane.roe@exa\u0008mple.org", "jane.roe@example.org"],
    ["C1 control inside the local part", "write to jane\u0090.roe@example.org", "email", "jane\u0090.roe@example.org", "jane.roe@example.org"],
    ["DEL between card groups", "card 4111\u007f1111\u007f1111\u007f1111", "credit_card", "4111\u007f1111\u007f1111\u007f1111", "4111111111111111"],
    ["NULs between card groups", "card 4111\u00001111\u00001111\u00001111", "credit_card", "4111\u00001111\u00001111\u00001111", "4111111111111111"],
    [
      "ANSI SGR colours around each group",
      "card \u001b[1m4111\u001b[0m \u001b[1m1111\u001b[0m \u001b[31;1m1111\u001b[0m \u001b[1m1111\u001b[0m",
      "credit_card",
      "4111\u001b[0m \u001b[1m1111\u001b[0m \u001b[31;1m1111\u001b[0m \u001b[1m1111",
      "4111111111111111",
    ],
    [
      "an OSC title sequence inside an e-mail",
      "mail jane.\u001b]0;x\u0007roe@example.org",
      "email",
      "jane.\u001b]0;x\u0007roe@example.org",
      "jane.roe@example.org",
    ],
    ["8-bit CSI inside a phone number", "call +1 415 555\u009b0m 0123", "phone", "+1 415 555\u009b0m 0123", "+14155550123"],
    ["an escaped %00 inside an e-mail", "to=jane.roe%00@example.org", "email", "jane.roe%00@example.org", "jane.roe@example.org"],
  ])("%s", (_name, text, category, span, key) => {
    expect(found(text)).toEqual([[category, span, key]]);
  });

  it("withoutEscapeSequences keeps the text and its other control characters", () => {
    expect(withoutEscapeSequences("card \u001b[1m4111\u001b[0m \u001b]0;t\u0007x\u0000y \u009b31mz\u001b")).toBe("card 4111 x\u0000y z\u001b");
    expect(withoutEscapeSequences("plain")).toBe("plain");
  });

  it("keeps tabs and line breaks as separators, and leaves clean text with controls clean", () => {
    expect(normalize("a\tb\nc\r\n").text).toBe("a\tb\nc\r\n");
    expect(normalize("col\u001b[1mA\u001b[0m\u0000").text).toBe("colA");
    for (const clean of [
      "\u001b[32mPASS\u001b[0m test/app.test.ts (12 tests) 340 ms",
      "exit code 0\u0000\u0000 build 2024\u00001",
      "line\u0085next",
    ]) {
      expect(found(clean), clean).toEqual([]);
    }
  });
});

describe("group separators", () => {
  it.each([
    ["pipes", "4111|1111|1111|1111"],
    ["semicolons", "4111;1111;1111;1111"],
    ["bullets", "4111\u20221111\u20221111\u20221111"],
    ["middle dots", "4111\u00b71111\u00b71111\u00b71111"],
    ["braille blanks", "4111\u28001111\u28001111\u28001111"],
    ["colons", "4111:1111:1111:1111"],
    ["plus signs", "4111+1111+1111+1111"],
    ["asterisks", "4111*1111*1111*1111"],
    ["an Amex in 4-6-5 with pipes", "3782|822463|10005"],
    ["spaced pipes", "4111 | 1111 | 1111 | 1111"],
    ["spaced dashes", "4111 - 1111 - 1111 - 1111"],
    ["spaced slashes", "4111 / 1111 / 1111 / 1111"],
    ["double pipes", "4111||1111||1111||1111"],
  ])("a card in groups joined by %s", (_name, card) => {
    const text = `charge ${card} today`;
    expect(found(text).map(([c, s]) => [c, s])).toEqual([["credit_card", card]]);
  });

  it.each([
    ["pipes", "call +1|415|555|0123 tomorrow", "+1|415|555|0123", "+14155550123"],
    ["semicolons", "call +44;20;7946;0958 today", "+44;20;7946;0958", "+442079460958"],
    ["bullets after a phone word", "tel 415\u2022555\u20220123", "415\u2022555\u20220123", "+14155550123"],
    ["spaced pipes", "call +1 | 415 | 555 | 0123 now", "+1 | 415 | 555 | 0123", "+14155550123"],
  ])("a phone number in groups joined by %s", (_name, text, span, key) => {
    expect(found(text)).toEqual([["phone", span, key]]);
  });

  it.each([
    ["slashes", "IBAN DE89/3704/0044/0532/0130/00", "DE89/3704/0044/0532/0130/00"],
    ["pipes", "IBAN GB29|NWBK|6016|1331|9268|19", "GB29|NWBK|6016|1331|9268|19"],
    ["dots", "IBAN DE89.3704.0044.0532.0130.00", "DE89.3704.0044.0532.0130.00"],
    ["spaced pipes", "IBAN DE89 | 3704 | 0044 | 0532 | 0130 | 00", "DE89 | 3704 | 0044 | 0532 | 0130 | 00"],
  ])("an IBAN in groups joined by %s", (_name, text, span) => {
    expect(found(text).map(([c, s]) => [c, s])).toEqual([["iban", span]]);
  });

  it("a card given in two halves a few words apart", () => {
    const text = "my card starts 4111 1111 and ends 1111 1111, thanks";
    expect(found(text)).toEqual([["credit_card", "4111 1111 and ends 1111 1111", "4111111111111111"]]);
    expect(found("first half 4111-1111\nsecond half 1111-1111").map(([c]) => c)).toEqual(["credit_card"]);
  });

  it.each([
    // Lists of numbers do not become cards: mixed separators, thousands, years, failed Luhn.
    "totals 4111|1111;1111|1111",
    "a large amount: 4,111,111,111,111,111 units",
    "Swiss price 1'234'567 CHF",
    "revenue in 2019-2020 and 2021-2022 grew",
    "scores 1234|5678|9012|3456 in the table",
    "| 2019 | 2020 | 2021 | 2022 |",
    "path /api/v1/2024/01/05/report",
    "SKU 1200 4400 and then 1300 5500 units",
    "halves too far apart 4111 1111 and then a very long sentence with nothing in it 1111 1111",
    "open 0900-1200 and 1300-1700 daily",
    "time 10:15:30:500 and ratio 3:4:5",
    "years 2019 - 2020 - 2021 - 2022",
    "ports 8080 | 8081 | 8443 | 9090",
    "ids 4111 | 1111 | 1111 | 1111 | 2222 | 3333",
    "four numbers 4111, 1111, 1111, 1111",
    "| 2023 | 1200 | 3400 | 5600 |\n| 2024 | 1300 | 3500 | 5700 |",
    "| id | qty | price |\n| 1001 | 20 | 350 |\n| 1002 | 15 | 420 |",
    "pages 120 - 135 - 150 - 200",
  ])("clean: %s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it("an all-digit IPv6 address stays an IP address, not a card", () => {
    expect(found("server 2001:4860:4860:0000:0000:0000:0000:8888 answers").map(([c]) => c)).toEqual(["ip_address"]);
  });

  it("keeps offsets: the spaced view has the same length", () => {
    const text = "x 4111\u28001111\u28001111\u28001111 \ud83d\ude00|1|2";
    expect(groupSeparatorsAsSpaces(text)).toHaveLength(text.length);
    expect(groupSeparatorsAsSpaces("a|b|c")).toBe("a|b|c");
  });
});

describe("IBANs in lower case and with look-alike letters", () => {
  it.each([
    ["lower case, grouped", "iban de89 3704 0044 0532 0130 00", "de89 3704 0044 0532 0130 00"],
    ["lower case, compact", "iban de89370400440532013000", "de89370400440532013000"],
    ["mixed case", "IBAN gB29 nWbK 6016 1331 9268 19", "gB29 nWbK 6016 1331 9268 19"],
    ["Cyrillic Е in the country code", "IBAN D\u041589 3704 0044 0532 0130 00", "D\u041589 3704 0044 0532 0130 00"],
    ["Cyrillic К in the bank code", "IBAN GB29 NWB\u041a 6016 1331 9268 19", "GB29 NWB\u041a 6016 1331 9268 19"],
    ["Greek Α and Cyrillic т", "iban \u0391\u0442697032418725250985", "\u0391\u0442697032418725250985"],
    ["followed by words", "to AT28 6737 1573 3507 8976 by Friday", "AT28 6737 1573 3507 8976"],
  ])("%s", (_name, text, span) => {
    const f = found(text);
    expect(f.map(([c, s]) => [c, s])).toEqual([["iban", span]]);
    expect(f[0]?.[2]).toMatch(/^[A-Z]{2}\d{2}[A-Z0-9]+$/);
  });

  it.each(["de12 3456 7890 1234 5678 90 is no account", "see section ab12 cd34 ef56 gh78", "Москва and Αθήνα"])("clean: %s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it("reads letters in Latin capitals, same length", () => {
    expect(latinCapitals("d\u0415\u0391 x\u00e9 4\u0441")).toBe("DEA X\u00c9 4C");
    expect(latinCapitals("stra\u00dfe de89")).toBe("STRA\u00dfE DE89");
  });
});

describe("loose e-mail spellings", () => {
  it.each([
    ["jane.roe at example.org", "jane.roe@example.org"],
    ["jane.roe AT example.org", "jane.roe@example.org"],
    ["jane.roe @ example.org", "jane.roe@example.org"],
    ["jane.roe@ example.org", "jane.roe@example.org"],
    ["jane.roe @example.org", "jane.roe@example.org"],
    ["jane.roe\n@ example.org", "jane.roe@example.org"],
    ["jsmith at example.org", "jsmith@example.org"],
    ["Ngozi @ example.org", "ngozi@example.org"],
    ["jane.roe\t@\texample.org", "jane.roe@example.org"],
    ['"jane roe"@example.org', '"jane roe"@example.org'],
    ['"jane.roe" @ example.org', '"jane.roe"@example.org'],
    ["jane.roe at ex\u0430mple.org", "jane.roe@ex\u0430mple.org"],
  ])("%s", (address, key) => {
    const text = `please write to ${address} with the invoice`;
    expect(found(text)).toEqual([["email", address, key]]);
  });

  it.each([
    "look at example.com for details",
    "we are hosted at example.com",
    "I use Node.js at example.com",
    "released v1.2 at example.com",
    "e.g. at example.com",
    "it's at example.com",
    "results at github.com and docs at readthedocs.io",
    "thanks @example.org team",
    "ask alice @bob.dev",
    "python @app.route('/health')",
    "language python\n@router.post('/items')",
    "see me @ home.local tonight",
    "a = b @ np.ones((3, 3))",
    'x = "abc" @ np.ones',
    "meet jane.roe at the office",
    "file report.pdf at example.com",
    // Set apart from the domain, a single word, an identifier or a product name is prose or code
    // (a red team's false blocks); "jroe42 at …" passes with them (docs/pii.md).
    "Download Python3.12 at python.org and install it",
    "I tried GPT-4o at chatgpt.com yesterday",
    "The build runs node18 at vercel.com",
    "Our repo my_project at github.com needs a README",
    "scores = weights @ inputs.app",
  ])("clean: %s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("defanged IP addresses", () => {
  it.each([
    ["203.0.113[.]77", "203.0.113.77"],
    ["203[.]0[.]113[.]77", "203.0.113.77"],
    ["198(.)51(.)100(.)7", "198.51.100.7"],
    ["192{.}0{.}2{.}1", "192.0.2.1"],
    ["10[dot]1[dot]2[dot]3", "10.1.2.3"],
  ])("%s", (ip, key) => {
    const text = `connect to ${ip} now`;
    expect(found(text)).toEqual([["ip_address", ip, key]]);
  });

  it.each(["items[.]length and a[.]b", "version 1[.]2[.]3[.]4", "localhost 127[.]0[.]0[.]1", "999[.]1[.]1[.]1"])("clean: %s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("characters read with the value beside them or apart from it", () => {
  it("the first reading folds a raw superscript and keeps a reference to one; the glued reading folds both, the apart reading blanks both", () => {
    expect(normalize("a\u00b2b &sup2; c")).toMatchObject({ text: "a2b &sup2; c", ambiguousAt: [1, 4] });
    expect(normalize("a\u00b2b &sup2; c", "glued").text).toBe("a2b 2 c");
    expect(normalize("a\u00b2b &sup2; c", "apart").text).toBe("a b   c");
  });

  it("an accented letter is ambiguous only beside a digit, and plain text is never", () => {
    expect(normalize("2\u00e8me")).toMatchObject({ text: "2\u00e8me", ambiguousAt: [1] });
    expect(normalize("2\u00e8me", "apart").text).toBe("2 me");
    expect(normalize("caf\u00e9 cr\u00e8me").ambiguousAt).toBeUndefined();
    expect(normalize("plain ascii 4111").ambiguousAt).toBeUndefined();
  });

  it("an ambiguity found in a second round of decoding is placed in the original", () => {
    expect(normalize("card 4111&amp;sup1; ok").ambiguousAt).toEqual([9]);
  });

  it("past 256 of them the other reading reads the whole text, and still finds a card among them", () => {
    expect(normalize("x\u00b2 ".repeat(300)).ambiguousAt).toEqual([]);
    const text = `${"x\u00b2 ".repeat(300)}card 4111 1111 1111 111&sup1; ok`;
    expect(found(text).map(([category]) => category)).toEqual(["credit_card"]);
  });

  it("the value found in either reading is masked over both, with the category that decides a block", () => {
    expect(found("card 4111 1111 1111 111&#x00b9; ok")).toEqual([["credit_card", "4111 1111 1111 111&#x00b9;", "4111111111111111"]]);
    expect(found("mail jane.doe@example.com\u2122 ok")).toEqual([["email", "jane.doe@example.com\u2122", "jane.doe@example.comtm"]]);
  });
});
