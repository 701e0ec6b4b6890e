// Attack class: a character that a reader may take as part of a value or as standing apart from it
// — a superscript or subscript digit, a fraction, a circled digit, a trademark sign, a mathematical
// letter, an accented letter beside a digit — written as itself or as an HTML character reference.
// The detection copy read each one way only: the raw superscript was a digit, so
// "jane.doe@example.com²" became an address ending in "com2" and was found by no detector; the
// reference was kept as written, so "4111 1111 1111 111&sup1;" (a card a reader completes) and
// "user1&eacute;@example.com" were found by none (red team 27c).
import { describe, expect, it } from "vitest";
import { Masker, detectPii } from "../../workers/pii/index.js";
import { ascii, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

const VALUES = ["email", "credit_card", "phone", "iban", "tax_id"] as const;

function found(text: string): string[] {
  return detectPii(text, { categories: [...VALUES] }).map((f) => f.category);
}

describe("characters glued to a value, read both ways", () => {
  it("attack: a superscript, subscript or letter reference inside a card, a phone number or an address is read as its digit or letter", () => {
    for (const [text, category] of [
      ["card 4111 1111 1111 111&sup1; ok", "credit_card"],
      ["card 4111 1111 1111 111&#185; ok", "credit_card"],
      ["card 4111 1111 1111 111&#x2081; ok", "credit_card"],
      ["card &#9315;111 1111 1111 1111 ok", "credit_card"],
      ["call +1 415 555 013&#x2082; today", "phone"],
      ["call +1 415 555 013&sup2; today", "phone"],
      ["mail user1&eacute;@example.com today", "email"],
      ["mail jane.doe@ex4&#x1D41A;mple.com today", "email"],
      ["mail jane.doe@ex4&#x1d41a;mple.com today", "email"],
    ] as const) {
      expect(found(text), text).toContain(category);
    }
  });

  it("attack: the whole address is masked when a letter reference stands beside a digit inside it", () => {
    const text = "mail jos&eacute;1@gmail.com today";
    const spans = detectPii(text, { categories: ["email"] }).map((f) => text.slice(f.start, f.end));
    expect(spans).toEqual(["jos&eacute;1@gmail.com"]);
  });

  it("attack: the same characters written raw at a value's edge do not hide it", () => {
    for (const [text, category] of [
      ["Write to jane.doe@example.com² now", "email"],
      ["Write to jane.doe@example.com₃ now", "email"],
      ["Write to jane.doe@example.com½ now", "email"],
      ["Write to jane.doe@example.com① now", "email"],
      ["call +1 415 555 0132Ā now", "phone"],
      ["call +1 415 555 0132é now", "phone"],
      ["call +1 415 555 0132ª now", "phone"],
      ["card 4111 1111 1111 1111² ok", "credit_card"],
      ["IBAN DE89 3704 0044 0532 0130 00³ ok", "iban"],
    ] as const) {
      expect(found(text), text).toContain(category);
    }
  });

  it("footnote marks, units and ordinals in clean text stay clean", () => {
    for (const text of [
      "Revenue grew 12% in 2019¹ and 2020² (see notes).",
      "The room is 24 m² and the tank holds 3 m³ of water.",
      "E = mc² and H₂O are formulas, not people.",
      "Il est arrivé 2ème, elle 1ª, and 5½ hours later the 3º team.",
      "Version 4.2.1™ ships on the 3rd floor.",
    ]) {
      expect(found(text), text).toEqual([]);
    }
  });

  it("attack: through the egress exit, a glued character beside a value is refused and a footnote is delivered", async () => {
    const agent = await egressPiiAgent("pii-glued-characters");
    for (const body of ["card 4111 1111 1111 111&sup1;", "mail jane.doe@example.com\u00b2 today", "mail user1&eacute;@example.com"]) {
      await expectRefused(agent, "/e", { headers: { "content-type": "text/plain; charset=utf-8" }, rawBody: new TextEncoder().encode(body) });
    }
    await expectRefused(agent, "/e?c=4111%201111%201111%20111%26sup1%3B", { method: "GET" });
    await expectDelivered(agent, "/e", {
      headers: { "content-type": "text/plain; charset=utf-8" },
      rawBody: new TextEncoder().encode("Revenue grew in 2019\u00b9 and the room is 24 m\u00b2."),
    });
    await expectDelivered(agent, "/e", { headers: { "content-type": "text/plain" }, rawBody: ascii("fish &amp; chips &sup2; ok") });
  });
});

describe("readings that disagree (red team 28)", () => {
  it("attack: a value only another reading finds keeps the category the policy blocks, not the one it overlaps", () => {
    const policy = { tax_id: "block", iban: "block", phone: "block", ip_address: "mask", date_of_birth: "mask", organization: "mask" } as const;
    for (const [text, category] of [
      ["SSN &sup1;23-45-6789 10.0.0.1", "tax_id"],
      ["SSN 1&sup2;3-45-6789 born 1990-01-02", "tax_id"],
      ["IBAN GB82 WEST &sup1;234 5698 7654 32", "iban"],
      ["tel +44 20 7946 &#x2070;958 from 10.0.0.1", "phone"],
    ] as const) {
      const masker = new Masker(policy);
      masker.maskText(text);
      expect(masker.result().blockedCategories, text).toContain(category);
    }
  });

  it("attack: a raw glued character on one side and a reference on the other do not hide the value", () => {
    for (const [text, category] of [
      ["visa \u00b24111 1111 1111 1111&sup2; ok", "credit_card"],
      ["visa &#9312;4111 1111 1111 1111\u2082 ok", "credit_card"],
      ["IBAN \u00b2DE89 3704 0044 0532 0130 00&sup2; ok", "iban"],
      ["SSN &frac12;123-45-6789\u00b2 ok", "tax_id"],
    ] as const) {
      expect(found(text), text).toContain(category);
    }
  });

  it("attack: a modifier or symbol letter glued to a value, an accented letter glued to its '+', and escaped superscripts", () => {
    for (const [text, category] of [
      ["IBAN \u1d43DE89 3704 0044 0532 0130 00 ok", "iban"],
      ["pay to \u00aaDE89 3704 0044 0532 0130 00", "iban"],
      ["VAT \u1d43DE123456789 ok", "tax_id"],
      ["VAT &frac12;DE123456789 ok", "tax_id"],
      ["mail AB 12 34 56 C\u00aa", "tax_id"],
      ["call +1 415 555 0132\u2113", "phone"],
      ["call \u00e9+14155550132", "phone"],
      ["Please charge 4111111111111111%C2%B9 today", "credit_card"],
      ["mail jane.doe@example.com%C2%B2 please", "email"],
      ["mail jane@\u{1F174}\u{1F187}\u{1F170}\u{1F17C}\u{1F17F}\u{1F17B}\u{1F174}.com", "email"],
    ] as const) {
      expect(found(text), text).toContain(category);
    }
  });

  it("attack: hundreds of glued characters among thousands of values finish inside the detector's own time budget", () => {
    const unit = "a@b.co ".repeat(66);
    const text = Array.from({ length: 300 }, () => `${unit} \u00b2`).join("");
    expect(() => detectPii(text, { categories: ["email"] })).not.toThrow();
  });
});

describe("two glued characters on one value (red team 28b)", () => {
  it("attack: a digit written as a superscript beside a footnote mark is read with the value, the mark apart", () => {
    for (const [text, category] of [
      ["card 4111 1111 1111 111\u00b9\u00b2 exp", "credit_card"],
      ["card \u00b24111 1111 1111 111&sup1; exp", "credit_card"],
      ["card &sup2;4111 1111 1111 111&sup1; exp", "credit_card"],
      ["card \u24604111 1111 1111 111\u2460 exp", "credit_card"],
      ["Visa 5555 5555 5555 444\u2074\u00b9", "credit_card"],
      ["IBAN GB82 WEST 1234 5698 7654 3\u00b2\u00b9", "iban"],
      ["IBAN \u00b9\uff27B82 WEST 1234 5698 7654 32", "iban"],
    ] as const) {
      expect(found(text), text).toContain(category);
    }
    const key = "key AKIAIOSFODNN7EXAMPL\u1d31\u00b2 ok";
    expect(detectPii(key, { categories: ["secret"] }).map((f) => f.category)).toContain("secret");
  });

  it("attack: no digit or letter of a value is left beside its placeholder", () => {
    for (const [text, left] of [
      ["tel +44 20 7946 096\u2070\u00b9 ok", "\u2070"],
      ["mail \u249clice@example.com", "\u249c"],
    ] as const) {
      const masker = new Masker({ phone: "mask", email: "mask" });
      expect(masker.maskText(text), text).not.toContain(left);
    }
  });
});
