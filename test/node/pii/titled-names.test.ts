// A title that stands only before a person's name ("Dr.", "Mrs", "Prof.") makes the capitalised
// words after it a person, also where the line reads as a headline's title case and the title's
// full stop as a sentence's end; a word of prose after it ("Dr. Then") is no name.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("a person after a title", () => {
  it.each([
    ["Referred by Dr. Goh from Singapore General Hospital.", "Goh"],
    ["Seen by Prof. Ikeda from Osaka University Hospital.", "Ikeda"],
    ["Forwarded to Mrs Oyelaran at Zenith Bank Plc.", "Oyelaran"],
    ["Ask Dr. Takeda's office for the results.", "Takeda"],
  ])("%s", (text, name) => {
    expect(found(text)).toContain(name);
  });
});

describe("a word of prose after a title is no name", () => {
  it.each([["Please call the Dr. Then book the next slot online."]])("%s", (text) => {
    expect(found(text).join(" | ")).not.toContain("Then");
  });
});
