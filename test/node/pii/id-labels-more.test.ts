// Labelled ids in more languages, after two labels joined by "/" ("NIK/NPWP", "TIN/ID"), and after
// a possessive or copula between label and value ("NIN mi ni", "TIN ko ay", "partita IVA è",
// "Steuer-ID lautet"); ordinary numbers after other words stay out.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["tax_id"] });
const ids = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("labelled ids", () => {
  it.each([
    ["Аз съм клиент, ЕГН 7512034476, моля обадете се.", "7512034476"],
    ["Nọ́mbà NIN mi ni 48201937561.", "48201937561"],
    ["NIK/NPWP saya 3174052908880007.", "3174052908880007"],
    ["La mia partita IVA è IT09876543210.", "IT09876543210"],
    ["Ihre neue Steuer-ID lautet 4721 590368.", "4721 590368"],
    ["SSN/ID: B40217733 | Address on file", "B40217733"],
    ["TIN/ID ko ay 412-778-901-000.", "412-778-901-000"],
    ["Moja davčna številka je 48120933.", "48120933"],
    ["Namba ya kitambulisho 30917462.", "30917462"],
    ["ஆதார் எண் 4821 7730 1946.", "4821 7730 1946"],
    ["کد ملی 0071234567 است.", "0071234567"],
    ["شناختی کارڈ نمبر 42101-1234567-1۔", "42101-1234567-1"],
    ["জাতীয় পরিচয়পত্র নম্বর 19902693412000123", "19902693412000123"],
    ["መታወቂያ ቁጥር 402918374651።", "402918374651"],
  ])("%s", (text, value) => {
    expect(ids(text)).toContain(value);
  });

  it.each([
    "Order ID/SKU: 123456789",
    "The invoice is 123456 and ships today.",
    "My order is 4412098 and it is late.",
    "Ticket TIN-48213 was closed.",
  ])("no id: %s", (text) => {
    expect(ids(text)).toEqual([]);
  });
});
