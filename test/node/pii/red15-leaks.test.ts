// Red team 15: personal data this change lets through that the commit before it (2fc6d205) caught.
// A test PASSES when every part of the value is still masked and FAILS when part of it leaks.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { Masker } from "../../../workers/pii/index.js";
import { base64TextOf } from "../../../workers/pii/json.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const personSpans = (text: string) => detector.detect(text).filter((f) => f.category === "person");
/** Whether every character of `word` (its first occurrence) lies inside a person finding. */
const covered = (text: string, word: string) => {
  const at = text.indexOf(word);
  return personSpans(text).some((f) => f.start <= at && at + word.length <= f.end);
};

describe("red15 leaks: names in capitals that are also everyday words, written small by the re-casing", () => {
  it.each([
    ["headline 'JOHN SMITH ARRESTED FOR FRAUD' (base: JOHN SMITH)", "JOHN SMITH ARRESTED FOR FRAUD", ["JOHN", "SMITH"]],
    ["form 'FULL NAME: PENNY BROWN' (base: PENNY BROWN)", "FULL NAME: PENNY BROWN", ["PENNY", "BROWN"]],
    ["form 'NAME: WILL HUNTER' (base: WILL HUNTER)", "NAME: WILL HUNTER", ["WILL", "HUNTER"]],
    ["form 'PATIENT: HOPE KING, DOB 12/03/1980' (base: HOPE KING)", "PATIENT: HOPE KING, DOB 12/03/1980", ["HOPE", "KING"]],
    ["form 'CONTACT: ROBIN YOUNG' (base: ROBIN YOUNG)", "CONTACT: ROBIN YOUNG", ["ROBIN", "YOUNG"]],
    ["headline 'DR. ROSE WHITE TO LEAD HOSPITAL BOARD' (base: ROSE WHITE)", "DR. ROSE WHITE TO LEAD HOSPITAL BOARD", ["ROSE", "WHITE"]],
    ["form 'EMPLOYEE NAME: SUMMER WOOD' (base: SUMMER WOOD)", "EMPLOYEE NAME: SUMMER WOOD", ["SUMMER", "WOOD"]],
    ["form 'PATIENT: APRIL MAY, WARD 4': month names are always written small (base: APRIL MAY)", "PATIENT: APRIL MAY, WARD 4", ["APRIL", "MAY"]],
    ["form 'NEXT OF KIN: DAISY FIELD' (base: DAISY FIELD)", "NEXT OF KIN: DAISY FIELD", ["DAISY", "FIELD"]],
  ])("%s", (_, text, words) => {
    for (const w of words) expect(covered(text, w), w).toBe(true);
  });

  it.each([
    ["form 'SIGNED: RICHARD FISHER': the surname FISHER leaks (base: RICHARD FISHER)", "SIGNED: RICHARD FISHER", "FISHER"],
    ["form 'APPLICANT NAME: MATTHEW BAKER': BAKER leaks (base: MATTHEW BAKER)", "APPLICANT NAME: MATTHEW BAKER", "BAKER"],
    ["letter 'DEAR JOHN SMITH, YOUR ORDER SHIPPED': SMITH leaks (base: JOHN SMITH)", "DEAR JOHN SMITH, YOUR ORDER SHIPPED", "SMITH"],
    ["headline 'CHEF GORDON RAMSAY OPENS NEW RESTAURANT': RAMSAY leaks (base: GORDON RAMSAY)", "CHEF GORDON RAMSAY OPENS NEW RESTAURANT", "RAMSAY"],
    [
      "Dutch form 'NAAM: JAN DE VRIES, AMSTERDAM': first name JAN leaks, read as the month abbreviation (base: JAN DE VRIES)",
      "NAAM: JAN DE VRIES, AMSTERDAM",
      "JAN",
    ],
    ["Polish form 'NAZWISKO: JAN KOWAL, WARSZAWA': JAN leaks as a month (base: JAN KOWAL)", "NAZWISKO: JAN KOWAL, WARSZAWA", "JAN"],
  ])("%s", (_, text, surname) => {
    expect(covered(text, surname)).toBe(true);
  });
});

describe("red15 leaks: cards in the rewritten patterns (same as base)", () => {
  const cards = new PiiDetector({ categories: ["credit_card"] });
  it.each([
    ["piped groups", "card 4111 | 1111 | 1111 | 1111 ok"],
    ["double pipes", "card 4111||1111||1111||1111 ok"],
    ["quoted cells", `card "4111","1111","1111","1111" ok`],
    ["Amex 4-6-5 with slashes", "amex 3782 / 822463 / 10005 ok"],
    ["Unicode hyphen U+2010", "card 4111 ‐ 1111 ‐ 1111 ‐ 1111 ok"],
    ["full-width digits", "card ４１１１ １１１１ １１１１ １１１１ ok"],
    ["Arabic-Indic digits", "card ٤١١١ ١١١١ ١١١١ ١١١١ ok"],
    ["bullets as separators", "card 4111 •• 1111 •• 1111 •• 1111 ok"],
    ["halves a few words apart", "card starts 4111 1111 and ends 1111 1111"],
    ["halves in full-width digits", "card starts ４１１１ １１１１ and ends １１１１ １１１１"],
    ["halves with NBSP", "card starts 4111\u00a01111 and ends 1111\u00a01111"],
  ])("finds a card written as %s", (_, text) => {
    expect(cards.detect(text).some((f) => f.category === "credit_card")).toBe(true);
  });
});

describe("red15 leaks: the per-isolate base64 memo", () => {
  const b64 = (s: string) => btoa(s);
  const blocked = (text: string) => {
    const m = new Masker({ email: "block", credit_card: "block" });
    m.maskTexts([text]);
    return m.result().blockedCategories;
  };

  it("memo poisoning: a token first seen as not-text cannot later hide a value (the memo is keyed on the token itself)", () => {
    const token = b64("ana.lopez@example.org"); // 28 chars: under the 48-char memo bound
    // Near-identical non-text tokens first (same length, one character changed), then the real one.
    for (let i = 0; i < 64; i++) base64TextOf(token.slice(0, -3) + "A" + token.slice(-2));
    expect(base64TextOf(token)).toBe("ana.lopez@example.org");
    expect(blocked(`note ${token} end`)).toContain("email");
    expect(blocked(`again ${token}`)).toContain("email");
  });

  it("memo flooding past its 4,096 entries still finds an encoded card and e-mail", () => {
    const noise = Array.from({ length: 5000 }, (_, i) => `Zq${i.toString(36).padStart(6, "x")}Qz`).join(" ");
    expect(blocked(noise)).toEqual([]);
    expect(blocked(`${noise} ${b64("4111 1111 1111 1111")}`)).toContain("credit_card");
    expect(blocked(`${noise} ${b64("bo.ng@example.com")}`)).toContain("email");
  });

  it("a data: URL under 48 chars holding an e-mail is read after the same payload was memoised bare", () => {
    const payload = b64("x@ex.io, y"); // forgiving data-URL decoding vs strict bare decoding
    base64TextOf(payload);
    const url = `data:text/plain;base64,${payload}`;
    expect(base64TextOf(url)).toBe("x@ex.io, y");
  });
});
