// A given name joined by "and" to a person found is a person too: the tagger leaves a given name
// that opens a sentence, or that is also a word somewhere, outside ("Pedro and Lucas").
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "location", "organization"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("names joined by and", () => {
  it.each([
    ["Pedro and Lucas are arguing about pizza.", ["Pedro", "Lucas"]],
    ["Dank an Carla und Petra fürs Grillen!", ["Carla", "Petra"]],
    // a name no list holds, before the person: the first of two people (after it, it may end a firm's name)
    ["Dank an Uwe und Petra fürs Grillen!", ["Uwe", "Petra"]],
    ["Thanks to Ngozi and Sarah for hosting.", ["Ngozi", "Sarah"]],
  ])("%s", (text, names) => {
    expect(people(text)).toEqual(names);
  });

  it.each([
    ["Thanks to Jira and Sarah for the help.", ["Sarah"]],
    ["Kaffee und Kuchen mit Petra.", ["Petra"]],
  ])("joins no word of a language or firm's word before a name: %s", (text, names) => {
    expect(people(text)).toEqual(names);
  });

  it.each(["Salt and Pepper are on the table.", "Research and Development moved to the third floor.", "Terms and Conditions apply."])(
    "joins no everyday word to a name: %s",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});

describe("a name the tagger was unsure of, in a list with a person", () => {
  it.each([
    // family names in sports and news copy: the list says they are people
    ["Before lunch, Patel and Thistlewood steadied the innings.", ["Patel", "Thistlewood"]],
    ["Thistlewood and Patel steadied the innings.", ["Thistlewood", "Patel"]],
    ["Ramos, Thistlewood and Okafor were the only riders to finish.", ["Ramos", "Thistlewood", "Okafor"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(people(text)).toContain(name);
  });

  it.each([
    // a greeting or a closing before a name is no member of a list
    ["Привіт, Тарасе! Кошти за оренду прийшли.", "Привіт"],
    ["Groetjes, Femke", "Groetjes"],
    ["Pozdrawiam serdecznie, Bartosz Lis, ul. Polna 3", "Pozdrawiam"],
  ])("joins no greeting or closing: %s", (text, word) => {
    expect(people(text).some((p) => p.includes(word))).toBe(false);
  });
});

describe("red team 27: other joints between two people", () => {
  it.each([
    ["Either Pardoe or Whitlock will start.", ["Pardoe", "Whitlock"]],
    ["Pardoe plus Whitlock will start.", ["Pardoe", "Whitlock"]],
    ["Pardoe as well as Whitlock will start.", ["Pardoe", "Whitlock"]],
  ])("%s", (text, names) => {
    expect(people(text)).toEqual(names);
  });
});
