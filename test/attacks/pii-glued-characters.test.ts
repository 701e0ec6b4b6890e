// Attack class: a character that a reader may take as part of a value or as standing apart from it
// — a superscript or subscript digit, a fraction, a circled digit, a trademark sign, a mathematical
// letter, an accented letter beside a digit — written as itself or as an HTML character reference.
// The detection copy read each one way only: the raw superscript was a digit, so
// "jane.doe@example.com²" became an address ending in "com2" and was found by no detector; the
// reference was kept as written, so "4111 1111 1111 111&sup1;" (a card a reader completes) and
// "user1&eacute;@example.com" were found by none (red team 27c).
import { describe, expect, it } from "vitest";
import { detectPii } from "../../workers/pii/index.js";
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
