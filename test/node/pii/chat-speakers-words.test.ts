// A chat line's speaker whose message opens on a word is a person by a given name, though the name
// is an everyday word or a country's too ("Peter: hi there", "Martin: ahoj"); an everyday word
// opening a heading's line stays a word unless a greeting follows ("Summer: long days…").
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("the speaker of a chat line", () => {
  it.each([
    ["Peter: hi there, are you still at the office?", "Peter"],
    ["Martin: ahoj, posílám ti to číslo účtu", "Martin"],
    ["Jordan: hey, are you coming tonight?", "Jordan"],
  ])("%s", (text, name) => {
    expect(found(text)).toContain(name);
  });
});

describe("a heading's word before a colon", () => {
  it.each([["Summer: long days, warm nights and late sunsets"], ["Note: the office is closed on Friday."]])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});
