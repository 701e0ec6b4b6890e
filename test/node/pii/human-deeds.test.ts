// A given name that is also an everyday word ("Penny", "Holly", "Ivy") is the person before a deed
// only people do, where a sentence opens too; the same words before what weather, moods and
// seasons do stay words.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("before a deed only people do, the name is a person", () => {
  it.each([
    ["Penny baked a cake for the retirement party.", "Penny"],
    ["Holly emailed the revised contract this morning.", "Holly"],
    ["Ivy whispered something to the driver.", "Ivy"],
    ["Then Heather phoned the supplier again.", "Heather"],
    ["Robin waved from the platform.", "Robin"],
  ])("%s", (text, name) => {
    expect(found(text)).toContain(name);
  });
});

describe("the same words before what things do stay words", () => {
  it.each([
    ["Rain delayed the start of the second test."],
    ["Frost damaged most of the early potatoes."],
    ["Joy spread through the stadium after the final whistle."],
    ["The Holly planted by the gate needs pruning."],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});
