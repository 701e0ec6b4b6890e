// A message's label, then one listed given name set off by a comma before the message goes on: the
// one addressed ("Υπενθύμιση: Σοφία, το ραντεβού σας…"), in scripts other than Latin. A list of
// people read there stays whole; a word that is no listed given name stays a word.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("the one a reminder addresses after its label is a person", () => {
  it.each([
    ["Υπενθύμιση: Σοφία, το ραντεβού σας στο Νοσοκομείο Ευαγγελισμός είναι 19/10/2025 ώρα 14:00.", "Σοφία"],
    ["Υπενθύμιση: Δέσποινα, το ραντεβού σας είναι στις 23/09.", "Δέσποινα"],
    ["תזכורת: דוד, נקבע לך תור בשירותי בריאות כללית.", "דוד"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});

describe("what the rule leaves as it was", () => {
  it("a list of people after a label stays whole", () => {
    const text = "בצער רב אנו מודיעים על פטירתו של שלמה ברגר. המשפחה: אסתר, דוד ויעל.";
    expect(people(text).join(" | ")).toContain("דוד");
  });
  it.each([["Цвет: Роза, матовый"], ["Ingredients: Basil, lemon and salt"]])("no person: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
