// Attack class: HTML character references that the detection copy and the egress decoded view
// read wrongly. Names every JavaScript object has ("&toString;", "&constructor;") were looked up in
// plain objects and returned functions: the scan threw, so a fail-open policy sent the request
// unread and a fail-closed one refused clean text, and the egress scrubber answered 500. Named
// spaces and invisible characters ("&thinsp;", "&shy;", "&ZeroWidthSpace;") and a decimal reference
// without its semicolon ("&#64", which browsers read) hid a card or an e-mail address.
import { describe, expect, it } from "vitest";
import { decodedView } from "../../workers/egress/decoded-view.js";
import { detectPii } from "../../workers/pii/index.js";
import { ascii, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

const PROTOTYPE_NAMES = ["toString", "valueOf", "hasOwnProperty", "constructor", "__proto__", "isPrototypeOf"];

describe("names every object has", () => {
  it("attack: a prototype name beside an e-mail and a card does not stop the scan", () => {
    for (const name of PROTOTYPE_NAMES) {
      const text = `mail jane.doe@example.com card 4111 1111 1111 1111 &${name};`;
      const found = detectPii(text, { categories: ["email", "credit_card"] }).map((f) => f.category);
      expect(found, name).toEqual(expect.arrayContaining(["email", "credit_card"]));
    }
  });

  it("attack: the egress decoded view reads a prototype name as written, without throwing", () => {
    for (const name of PROTOTYPE_NAMES) {
      const view = decodedView(ascii(`ok &${name}; ok`), true);
      if (view) expect(new TextDecoder().decode(view.bytes), name).not.toMatch(/function/);
    }
  });

  it("attack: through the egress exit, the body with a prototype name is refused for its e-mail; a clean one is delivered", async () => {
    const agent = await egressPiiAgent("pii-reference-prototype");
    await expectRefused(agent, "/e", { headers: { "content-type": "text/plain" }, rawBody: ascii("mail jane.doe@example.com &toString;") });
    await expectDelivered(agent, "/e", {
      headers: { "content-type": "text/plain" },
      rawBody: ascii("hello &toString; &valueOf; &constructor; there"),
    });
  });
});

describe("references that hide a value", () => {
  it("attack: named spaces and invisible characters inside a card or an address, and a decimal reference without its semicolon, are refused", async () => {
    const agent = await egressPiiAgent("pii-reference-spaces");
    for (const body of [
      "card 4111&thinsp;1111&thinsp;1111&thinsp;1111",
      "card 4111&ensp;1111&emsp;1111&numsp;1111",
      "card 4111&MediumSpace;1111&MediumSpace;1111&MediumSpace;1111",
      "mail jane.doe@exam&shy;ple.com",
      "mail jane.doe@exam&ZeroWidthSpace;ple.com",
      "mail jane.doe@exam&zwj;ple.com",
      "mail jane.doe@exam&#173;ple.com",
      "mail jane.doe@exam&#x200b;ple.com",
      "mail jane.doe&#64example.com today",
    ]) {
      await expectRefused(agent, "/e", { headers: { "content-type": "text/plain" }, rawBody: ascii(body) });
    }
  });
});

describe("references the hand-made table did not know (red team 27)", () => {
  it("attack: every spelling a browser reads — hex without semicolon, zero padding, legacy names without semicolon, rare named spaces, BOM, dots and bullets — is refused", async () => {
    const agent = await egressPiiAgent("pii-reference-browser");
    for (const body of [
      "<p>mail jane.doe&#x40gmail.com</p>",
      "<p>mail jane.doe&#00000000064;example.com</p>",
      "<p>mail jane.doe&#x0000000040;example.com</p>",
      "<p>mail jane.doe@exam&#65279;ple.com</p>",
      "<p>mail jane.doe@exam&NegativeMediumSpace;ple.com</p>",
      "<p>mail jane.doe@exam&InvisibleComma;ple.com</p>",
      "<p>mail jane.doe@exam&shyple.com</p>",
      "<p>card 4111&nbsp1111&nbsp1111&nbsp1111</p>",
      "<p>card 4111&NonBreakingSpace;1111&NonBreakingSpace;1111&NonBreakingSpace;1111</p>",
      "<p>card 4111&middot;1111&middot;1111&middot;1111</p>",
      "<p>card 4111&bull;1111&bull;1111&bull;1111</p>",
    ]) {
      await expectRefused(agent, "/e", { headers: { "content-type": "text/html" }, rawBody: ascii(body) });
    }
  });

  it("attack: a reference that is also a field separator ('&commat;') in a query string or a form body is refused", async () => {
    const agent = await egressPiiAgent("pii-reference-fields");
    await expectRefused(agent, "/e?q=mail%20jane.doe&commat;example.com", { method: "GET" });
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      rawBody: ascii("q=mail+jane.doe&commat;example.com"),
    });
    await expectDelivered(agent, "/e?q=fish&chips=2&copy=1&lang=en", { method: "GET" });
  });

  it("the detection copy reads them too, and leaves an ampersand that opens none as written", () => {
    for (const text of ["mail jane.doe&#x40gmail.com", "mail jane.doe@exam&#65279;ple.com", "card 4111&bull;1111&bull;1111&bull;1111"]) {
      expect(detectPii(text, { categories: ["email", "credit_card"] }), text).not.toEqual([]);
    }
    expect(detectPii("AT&T and R&D &unknownname; &toString;", { categories: ["email", "credit_card"] })).toEqual([]);
  });
});

describe("references glued to a value (red team 27b)", () => {
  it("attack: a symbol, superscript, fraction or letter written as a reference beside a value does not hide it", async () => {
    for (const text of [
      "Write to jane.doe@example.com&sup2 now",
      "Write to jane.doe@example.com&half; now",
      "card 4111 1111 1111 1111&sup1; ok",
      "card &frac14;4111 1111 1111 1111 ok",
      "call +1 415 555 0132&Amacr; ok",
      "IBAN DE89 3704 0044 0532 0130 00&sup1 ok",
      "SSN &half;123-45-6789 ok",
    ]) {
      expect(detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }), text).not.toEqual([]);
    }
    const agent = await egressPiiAgent("pii-reference-glued");
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/json" },
      rawBody: ascii(JSON.stringify({ to: "jane.doe@example.com&sup2;" })),
    });
    await expectRefused(agent, "/e?c=4111111111111111%26sup1", { method: "GET" });
  });

  it("the letters of a name written with references are still read whole", () => {
    const text = "Kontakt: J&uuml;rgen M&Uuml;LLER";
    expect(detectPii(text, { categories: ["person"] }).map((f) => text.slice(f.start, f.end))).toEqual(["J&uuml;rgen M&Uuml;LLER"]);
  });

  it("attack: a numeric reference padded past the decoded view's window is read to its semicolon", () => {
    const padded = (digits: string) => `a&#${"0".repeat(60)}${digits};b`;
    expect(new TextDecoder().decode(decodedView(ascii(padded("103")), true)?.bytes)).toBe("agb");
    expect(new TextDecoder().decode(decodedView(ascii(`a&#x${"0".repeat(40)}4a;b`), true)?.bytes)).toBe("aJb");
  });
});
