// Red team s16b: ordinary PII-free text (or text whose only PII is elsewhere) must not read as a
// card, phone, IBAN or person. A test passes when the detector holds.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const numbers = new PiiDetector({ categories: ["credit_card", "phone", "iban"] });
const people = new PiiDetector({ categories: ["person", "location", "organization"] });
const persons = (text: string) =>
  people
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("red16b false positives: numbers", () => {
  it.each([
    "order ORD-2024-000123-7788 shipped",
    "build v1.2.3-rc.4+20240512.1015 deployed",
    "invoice INV/2024/05/000123 paid",
    "covered 2019-2024 and 2020-2025",
    "ts=2024-05-12T10:15:30.123456Z level=info",
    "SKU-4006381333931-XL",
    "sha 4a7d1ed414474e4033ac29ccb8653d9b",
    "tracking USPS#9400 1118 9956 1234 5678 90",
    "uuid 550e8400-e29b-41d4-a716-446655440000",
    "range -+10 20 30 40",
    "@@ -12,7 +12,8 @@ export function x()",
    "x=1e-+308",
    "version 2.+1 and 3.+2",
  ])("no card/phone/IBAN in: %s", (text) => {
    expect(numbers.detect(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`)).toEqual([]);
  });

  it.each([
    "OID.1.3.6.1.4.1.311.21.8.16249370.13464097.4738212.1521364.1311436.14.12004515.4573520",
    "iso.3.6.1.4.1.2021.10.1.3.1.4.1.311.21.8.16249370",
    "x1.3.6.1.4.1.311.21.8.16249370.13464097.4738212",
    "v10.4.2.1.5.9.2.6.5.3.5.8.9.7.9.3",
  ])("glued dotted OID / long version string is no card (window after first group): %s", (text) => {
    expect(
      numbers
        .detect(text)
        .filter((f) => f.category === "credit_card")
        .map((f) => text.slice(f.start, f.end)),
    ).toEqual([]);
  });

  it("digits of pi after a '.+' are no phone: ratio 3.+14 159 265 358", () => {
    const text = "ratio 3.+14 159 265 358";
    expect(numbers.detect(text).filter((f) => f.category === "phone")).toEqual([]);
  });
});

describe("red16b false positives: names joined by and", () => {
  it.each([
    ["Contact Garcia y Hijos for the offer.", "Hijos"],
    ["Contact Pérez e Hijos for the offer.", "Hijos"],
    ["Contact Müller und Sohn for the offer.", "Sohn"],
    ["Contact Hansen og Sønner for the offer.", "Sønner"],
    ["Contact Petrov i Partneri for the offer.", "Partneri"],
    ["Contact Nguyễn và Cộng for the offer.", "Cộng"],
  ])('company suffix after a surname is no person ("& Sons", "& Partners"): %s', (text, word) => {
    expect(persons(text)).not.toContain(word);
  });

  it.each([
    "Salt and Pepper are on the table.",
    "Marks and Spencer opened a new store.",
    "Pedro and Kubernetes",
    "Crate and Barrel sells furniture.",
    "Dungeons and Dragons night",
  ])("product or brand names joined by and: %s", (text) => {
    const before = persons(text);
    expect(before.filter((w) => ["Salt", "Pepper", "Marks", "Kubernetes", "Crate", "Barrel", "Dungeons", "Dragons"].includes(w))).toEqual([]);
  });
});
