// Red team s16b: values under a `block` policy that must still be found next to words, prefixes,
// separators and neighbours. A test passes when the detector holds.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const cards = new PiiDetector({ categories: ["credit_card"] });
const cardsAndIbans = new PiiDetector({ categories: ["credit_card", "iban"] });
const phones = new PiiDetector({ categories: ["phone"] });
const of = (d: PiiDetector, text: string, category: string) =>
  d
    .detect(text)
    .filter((f) => f.category === category)
    .map((f) => text.slice(f.start, f.end));

// Skipped cases are open: each also succeeds on f586037e, before the shadow fix (a card inside a
// valid IBAN or an IBAN look-alike, a card inside a run without separators, a phone glued after
// "_", "#", "@", "$" or a letter, or opening on "00" or "(area)" after a dash). "+" after "." stays
// no phone start: "3.+14 159 265 358" is arithmetic (red16b-fp).
describe("red16b bypass: cards", () => {
  // The new paths, which must keep holding.
  it.each([
    "XY12 4111 1111 1111 1111",
    "DE89 4111 1111 1111 1111",
    "XY12ABCD 4111 1111 1111 1111",
    "AB12_4111_1111_1111_1111",
    "AB12/4111/1111/1111/1111",
    "v1.2 4111 1111 1111 1111",
    "REF-7-4111-1111-1111-1111",
    "a1b2c3_4111111111111111",
    "4111111111111111_4111111111111111",
  ])("IBAN-shaped or glued prefix does not hide the card: %s", (text) => {
    expect(of(cardsAndIbans, text, "credit_card").length).toBeGreaterThan(0);
  });

  it.skip.each(["refDE95 4111 1111 1111 1111 00", "XXDE95 4111 1111 1111 1111 00"])(
    "valid-IBAN look-alike glued into a word shadows the card and is no IBAN either: %s",
    (text) => {
      const found = cardsAndIbans.detect(text);
      expect(found.length).toBeGreaterThan(0);
    },
  );

  it.skip.each(["BE84 4111 1111 1111 1111", "SE16WBYF 4111 1111 1111 1111"])(
    "IBAN look-alike swallows a card, so a credit_card block is not triggered: %s",
    (text) => {
      expect(of(cardsAndIbans, text, "credit_card").length).toBeGreaterThan(0);
    },
  );

  // Belgium's IBAN is BE + 2 check digits + 12 digits: any card's first 12 digits plus computed
  // check digits make a "valid" IBAN that starts right before the card, so afterIbanHead hides it.
  it.skip.each(["BE88 4532 0151 1283 0366", "BE95 5555 5555 5555 4444", "BE31 3782 8224 6310 005", "BE70 6011 1111 1111 1117"])(
    "generic recipe: BE + computed check digits before any card hides it from credit_card: %s",
    (text) => {
      expect(of(cardsAndIbans, text, "credit_card").length).toBeGreaterThan(0);
    },
  );

  it.skip("valid DE IBAN built around a card number hides it from a credit_card-only policy: DE95 4111 1111 1111 1111 00", () => {
    expect(of(cards, "DE95 4111 1111 1111 1111 00", "credit_card").length).toBeGreaterThan(0);
  });

  it.skip.each(["00000000000000004111111111111111", "41111111111111114111111111111111", "card41111111111111114111111111111111"])(
    "card inside a longer digit run without separators: %s",
    (text) => {
      expect(of(cards, text, "credit_card").length).toBeGreaterThan(0);
    },
  );
});

describe("red16b bypass: phones", () => {
  it.each(["ref-+44 20 7946 0958", "--+44 20 7946 0958", "ref-+44-20-7946-0958"])("glued +CC after - or . is found (new path): %s", (text) => {
    expect(of(phones, text, "phone").length).toBeGreaterThan(0);
  });

  it.skip.each([
    "ref_+44 20 7946 0958",
    "ref#+44 20 7946 0958",
    "ref@+44 20 7946 0958",
    "ref$+44 20 7946 0958",
    "call+442079460958",
    "+44+44 20 7946 0958",
    "ref-0044 20 7946 0958",
    "ref.0044 20 7946 0958",
    "ref-(020) 7946 0958",
    "ref-+44 20 7946 0958_1",
    "x-+14155552671y",
  ])("phone glued with another prefix or suffix: %s", (text) => {
    expect(of(phones, text, "phone").length).toBeGreaterThan(0);
  });
});
