// Fast paths of the pattern detectors (issue 19): each skips work that cannot find anything, so
// these pin the values at the edges of what is skipped (line edges for the loose e-mail scan, the
// first character of a phone number, several digit-group runs in one text). The whole-set check
// is scripts/pii-perf/dump-findings.ts (identical findings before and after).
import { describe, expect, it } from "vitest";
import { detectPii, type PiiCategory } from "../../../workers/pii/index.js";
import { CAPITAL_GROWS } from "../../../workers/pii/detectors/financial.js";
import { tokenRuns } from "../../../workers/pii/detectors/secrets.js";
import { linesHolding } from "../../../workers/pii/detectors/lines.js";
import { base64TextOf } from "../../../workers/pii/json.js";
import { groupSeparatorsAsSpaces, normalize, toOriginal } from "../../../workers/pii/normalize.js";

const structured = { categories: ["email", "phone", "credit_card", "tax_id", "iban", "secret", "ip_address"] as PiiCategory[] };

function found(text: string): Array<[PiiCategory, string]> {
  return detectPii(text, structured).map((f) => [f.category, text.slice(f.start, f.end)]);
}

describe("linesHolding", () => {
  it("gives each line holding the hint once, in order, without its line break", () => {
    const text = "alpha at one\nbeta\ngamma at two at three\r\n\ndelta at";
    const lines = linesHolding(text, / at/g).map(([s, e]) => text.slice(s, e));
    expect(lines).toEqual(["alpha at one", "gamma at two at three\r", "delta at"]);
  });

  it("finds the first and the last line, with or without a final line break", () => {
    expect(linesHolding("@a\nb\n@c", /@/g)).toEqual([
      [0, 2],
      [5, 7],
    ]);
    expect(linesHolding("@a\n", /@/g)).toEqual([[0, 2]]);
    expect(linesHolding("", /@/g)).toEqual([]);
    expect(linesHolding("no hint\nhere", /@/g)).toEqual([]);
  });

  it("refuses a hint that is not global (it would find the first line forever)", () => {
    expect(() => linesHolding("a@b", /@/)).toThrow();
  });
});

describe("loose e-mails are read line by line", () => {
  it("finds addresses on the first line, the last line and between CRLF lines", () => {
    const text = [
      "jane.roe at example.org",
      "a plain line",
      "ops+alerts @ example.com\r",
      'mail "jane roe"@example.org',
      "last: j.smith2@ example.net",
    ].join("\n");
    expect(found(text).filter(([c]) => c === "email")).toEqual([
      ["email", "jane.roe at example.org"],
      ["email", "ops+alerts @ example.com"],
      ["email", '"jane roe"@example.org'],
      ["email", "j.smith2@ example.net"],
    ]);
  });

  it("joins a local part and a domain across a line break (the whole text is read then)", () => {
    expect(found("jane.roe at\nexample.org").filter(([c]) => c === "email")).toEqual([["email", "jane.roe at\nexample.org"]]);
    expect(found("jane.roe\n@ example.org").filter(([c]) => c === "email")).toEqual([["email", "jane.roe\n@ example.org"]]);
  });

  it("still reads the prose around 'at' as prose on a line with an address", () => {
    expect(found("look at example.com, or write to jane.roe at example.org").filter(([c]) => c === "email")).toEqual([
      ["email", "jane.roe at example.org"],
    ]);
  });
});

describe("phone numbers start with +, ( or a digit", () => {
  it.each([
    ["+CC", "call +44 20 7946 0381 today", "+44 20 7946 0381"],
    ["00CC", "call 0044 20 7946 0381 today", "0044 20 7946 0381"],
    ["brackets", "phone (415) 555-0132 anytime", "(415) 555-0132"],
    ["after a label's colon", "Tel:0412 345 678", "0412 345 678"],
    ["after a slash, with +", "mobile/+49 30 901820 please", "+49 30 901820"],
  ])("%s", (_name, text, value) => {
    expect(found(text)).toContainEqual(["phone", value]);
  });
});

describe("groupSeparatorsAsSpaces with many runs", () => {
  it("turns every run's separators into spaces and leaves the rest as written", () => {
    const row = "card 4111|1111|1111|1111 and | North | 4521 | 3310 | then +1;415;555;0123 end";
    const spaced = "card 4111 1111 1111 1111 and | North | 4521 | 3310 | then +1 415 555 0123 end";
    const text = Array.from({ length: 300 }, () => row).join("\n");
    const out = groupSeparatorsAsSpaces(text);
    expect(out).toHaveLength(text.length);
    expect(out).toBe(Array.from({ length: 300 }, () => spaced).join("\n"));
  });
});

describe("IBANs read in capitals line by line", () => {
  it("lists every character whose capital is longer (the whole text is read as before then)", () => {
    const missed: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (ch.toUpperCase().length !== ch.length && !CAPITAL_GROWS.test(ch)) missed.push(cp.toString(16));
    }
    expect(missed).toEqual([]);
  });

  it.each([
    ["lower case, on the last line", "notes\nsee the invoice\niban de89 3704 0044 0532 0130 00", "de89 3704 0044 0532 0130 00"],
    ["look-alike Cyrillic letter, first line", "DЕ89 3704 0044 0532 0130 00 is the account\nthanks", "DЕ89 3704 0044 0532 0130 00"],
    ["with a growing capital elsewhere in the text", "Straße 5\nkonto de89 3704 0044 0532 0130 00", "de89 3704 0044 0532 0130 00"],
    ["groups joined by another separator", "a\nIBAN GB29|NWBK|6016|1331|9268|19\nb", "GB29|NWBK|6016|1331|9268|19"],
  ])("%s", (_name, text, value) => {
    expect(found(text)).toContainEqual(["iban", value]);
  });
});

describe("tokenRuns", () => {
  // What the loop replaces: whole runs of token characters, 20 or more.
  const REFERENCE = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{20,}/g;
  const reference = (text: string) => [...text.matchAll(REFERENCE)].map((m) => [m.index, m.index + m[0].length]);

  it.each([
    ["a key in prose", "use key AKIAxx9Q2kLmNp4Rt7VwZ0bC3dE5 then"],
    ["at both edges", "ghp_1234567890abcdefghijABCDEFGHIJ\nxx\nZm9vYmFyYmF6cXV4cXV1eA=="],
    ["exactly 19 and 20 characters", "abcdefghij123456789 abcdefghij1234567890"],
    ["non-ASCII letters end a run", "abcdefghij1234567890é abcdefghij1234567890ü1"],
    ["separators of every kind", "a/b+c=d_e-f0123456789ABCDEFG;x:y.z"],
    ["nothing", ""],
  ])("%s: the runs the regex finds", (_name, text) => {
    expect(tokenRuns(text)).toEqual(reference(text));
  });

  it("agrees with the regex on generated text", () => {
    const alphabet = "aZ09+/=_- .é\n:";
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let k = 0; k < 200; k++) {
      const text = Array.from({ length: 200 }, () => (next() % 5 === 0 ? alphabet[next() % alphabet.length] : "x")).join("");
      expect(tokenRuns(text)).toEqual(reference(text));
    }
  });
});

describe("the detection copy's offset map stays small", () => {
  it("copies letters that read as themselves with the text around them: one segment", () => {
    const text = `café ${"a".repeat(1000)} naïve Ελλάδα 東京`;
    const norm = normalize(text);
    expect(norm.text).toBe(text);
    expect(norm.segments).toHaveLength(4);
    for (const [s, e] of [
      [0, 4],
      [1006, 1011],
      [1018, 1020],
    ] as const)
      expect(toOriginal(norm, s, e, text.length)).toEqual([s, e]);
  });

  it("maps a second round of decoding by runs, not by unit, to the same offsets", () => {
    const text = `${"plain words ".repeat(500)}mail jane%2Eroe%2540example.org then ＡＢ &amp;#64; ${"more ".repeat(500)}`;
    const norm = normalize(text);
    expect(norm.text).toContain("mail jane.roe@example.org then AB @ more");
    // One segment per unit before: 4 numbers for each of ~8,500 units.
    expect(norm.segments?.length ?? 0).toBeLessThan(100);
    const at = norm.text.indexOf("jane.roe@example.org");
    expect(toOriginal(norm, at, at + "jane.roe@example.org".length, text.length)).toEqual([
      text.indexOf("jane%2E"),
      text.indexOf("example.org") + "example.org".length,
    ]);
    const ab = norm.text.indexOf("AB");
    expect(toOriginal(norm, ab, ab + 1, text.length)).toEqual([text.indexOf("ＡＢ"), text.indexOf("ＡＢ") + 1]);
    const amp = norm.text.indexOf("@ more");
    expect(toOriginal(norm, amp, amp + 1, text.length)).toEqual([text.indexOf("&amp;#64;"), text.indexOf("&amp;#64;") + "&amp;#64;".length]);
  });
});

describe("groupSeparatorsAsSpaces reads the lines with seven digits only", () => {
  // The whole-text reading it replaces (normalize.ts before issue 19's speed work).
  const RUNS =
    /(?<![\p{L}\p{N}\p{M}]|[\p{L}\p{N}][^\p{L}\p{N}\p{M}\s])\+?[\p{L}\p{N}]{1,6}([^\p{L}\p{N}\p{M}\s.-]| [^\p{L}\p{N}\p{M}\s.,-] )[\p{L}\p{N}]{1,6}(?:\1[\p{L}\p{N}]{1,6}){1,10}(?![\p{L}\p{N}\p{M}]|\1[\p{L}\p{N}])/gu;
  function reference(text: string): string {
    if (!/\p{N} ?[^\p{L}\p{N}\p{M}\s.-] ?\p{N}/u.test(text)) return text;
    let out = text;
    for (const m of text.matchAll(RUNS)) {
      const run = m[0];
      const digits = run.replace(/\D/g, "").length;
      if (digits < 7 || run.replace(/[^\p{L}]/gu, "").length > digits || /^\d{1,3}(?:[^\d]\d{3})+$/.test(run)) continue;
      const sep = m[1] ?? "";
      const edge = sep.trim();
      if (
        /^\p{L}+$/u.test(run.split(sep)[0] ?? "") ||
        text.slice(0, m.index).trimEnd().endsWith(edge) ||
        text
          .slice(m.index + run.length)
          .trimStart()
          .startsWith(edge)
      )
        continue;
      const spaced = sep.length === 3 ? " \u2010 " : " ".repeat(sep.length);
      out = `${out.slice(0, m.index)}${run.split(sep).join(spaced)}${out.slice(m.index + run.length)}`;
    }
    return out;
  }

  it("turns the same separators into spaces as the whole-text reading", () => {
    const pieces = [
      "4111|1111|1111|1111",
      "+1;415;555;0123",
      "12:30",
      "a|b|c",
      "| 4521 | 3310 |",
      "DE89/3704/0044/0532/0130/00",
      "1,234,567",
      "x",
      " ",
      "\n",
      "7",
      "·",
      "12 | 34 | 56 | 78",
    ];
    let seed = 5;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    let changed = 0;
    for (let k = 0; k < 400; k++) {
      const text = Array.from({ length: 10 }, () => pieces[next() % pieces.length]).join(next() % 2 ? " " : "\n");
      const expected = reference(text);
      expect(groupSeparatorsAsSpaces(text)).toBe(expected);
      if (expected !== text) changed++;
    }
    expect(changed).toBeGreaterThan(50);
  });
});

describe("base64TextOf without exceptions for bytes that are not UTF-8", () => {
  const b64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));
  const utf8 = (text: string) => [...new TextEncoder().encode(text)];

  it.each<[string, number[], string | undefined]>([
    ["plain text", utf8("jane.roe@example.org"), "jane.roe@example.org"],
    ["text spelling U+FFFD itself", utf8("call \ufffd 0412 345 678"), "call \ufffd 0412 345 678"],
    ["a BOM, dropped as the strict decoder does", [0xef, 0xbb, 0xbf, ...utf8("hello world")], "hello world"],
    ["invalid bytes", [0xc3, 0x28, 0xa0, 0xa1, 0x41, 0x42, 0x43, 0x44, 0x45], undefined],
    ["invalid bytes and an encoded U+FFFD", [0xef, 0xbf, 0xbd, 0xc3, 0x28, 0x41, 0x42, 0x43, 0x44], undefined],
    ["an encoded surrogate (CESU-8)", [0xed, 0xa0, 0x80, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46], undefined],
    ["control characters", [0x41, 0x00, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48], undefined],
    ["a PNG", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00], undefined],
  ])("%s", (_name, bytes, text) => {
    expect(base64TextOf(b64(bytes))).toBe(text);
  });
});

describe("IBANs in uneven groups", () => {
  // Without separators required between groups the reading split such a run into groups in
  // exponentially many ways (a base64 token in capitals stalled the proxy for minutes).
  it("reads a long run of letters and digits after a country code in one pass, and still finds an uneven IBAN", () => {
    const run = `please process de12${"abcdefghijkl".repeat(20)}x_ today`;
    expect(found(run).filter(([c]) => c === "iban")).toEqual([]);
    expect(found("IBAN DE89 37 040044 0532 0130 00").filter(([c]) => c === "iban")).toEqual([["iban", "DE89 37 040044 0532 0130 00"]]);
  });
});

describe("runs of characters that read as themselves are copied at once", () => {
  it("still reads a mark or an invisible character after the run's last letter as before", () => {
    // "й" written as и + U+0306 after a run of Cyrillic: NFKC joins it; the soft hyphen goes; a mark
    // after an ASCII letter is dropped ("Jose\u0301"), as where no run is copied.
    const text = "Привет, Jose\u0301 и Андреи\u0306 Ан\u00adна";
    const norm = normalize(text);
    expect(norm.text).toBe("Привет, Jose и Андрей Анна");
    const at = norm.text.indexOf("Андрей");
    expect(toOriginal(norm, at, at + 6, text.length)).toEqual([text.indexOf("Андреи"), text.indexOf("Андреи") + 7]);
    expect(normalize("Jose\u0301").text).toBe("Jose");
  });

  it("stops at a percent escape, a character reference and a digit of another script", () => {
    expect(normalize("Письмо на jane%40example.org").text).toBe("Письмо на jane@example.org");
    expect(normalize("Письмо на jane&#64;example.org").text).toBe("Письмо на jane@example.org");
    expect(normalize("Телефон ٠١٢٣٤٥٦٧٨٩ и ①").text).toBe("Телефон 0123456789 и 1");
  });
});

describe("labels in a script without ASCII", () => {
  it("find the password that follows the last of many labels within the window", () => {
    const text = `${"密码".repeat(5000)} Zq8vTn3wLp`;
    expect(found(text).filter(([c]) => c === "secret")).toEqual([["secret", "Zq8vTn3wLp"]]);
  });

  it("find nothing where no ASCII follows within the window, and stay linear", () => {
    expect(found("密码".repeat(200_000)).filter(([c]) => c === "secret")).toEqual([]);
    expect(found(`${"密码".repeat(100)}${"的".repeat(64)}Zq8vTn3wLp`).filter(([c]) => c === "secret")).toEqual([]);
  });
});

describe("PO boxes and CJK addresses behind their hints", () => {
  it("finds a PO box in any case after CJK text, and a Japanese and a Korean address", () => {
    const all = (text: string) => detectPii(text, { categories: ["address"] }).map((f) => text.slice(f.start, f.end));
    expect(all("邮寄到 P.O. Box 4411 谢谢")).toContain("P.O. Box 4411");
    expect(all("送付先: 東京都港区芝公園4丁目2-8")).toEqual(["東京都港区芝公園4丁目2-8"]);
    expect(all("주소: 서울특별시 종로구 세종대로 209")).toEqual(["서울특별시 종로구 세종대로 209"]);
  });
});
