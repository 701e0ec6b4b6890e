// A given name before a verb of speech or writing, in the languages read ("Maria scrie că…",
// "Florence écrit que…"), is a person even where a list also holds the name as a city. Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("a given name that reports", () => {
  it.each([
    ["Maria scrie că trenul are întârziere.", "Maria"],
    ["Florence écrit que le train a du retard.", "Florence"],
    ["Zsófia írja, hogy a vonat késik.", "Zsófia"],
    ["Minh bảo chiều nay họp lúc ba giờ.", "Minh"],
    ["Oksana каже, що завтра буде дощ.", "Oksana"],
    ["Paulo escreveu que chega amanhã cedo.", "Paulo"],
    ["Victoria said she would call back after lunch.", "Victoria"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    // Tagalog "sa" (in, at) is no Swedish "said".
    "Tala sa langit ang nagniningning ngayong gabi.",
    // A capital speaking of "it" speaks for its government.
    "Paris said it would retaliate against the new tariffs.",
  ])("control, %s: no one", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("a given name that does what people do", () => {
  it.each([
    ["Peggy taught piano for forty years.", "Peggy"],
    ["Ingrid lives in Bergen with her sister.", "Ingrid"],
    ["Margaret hosted the quiz on Friday.", "Margaret"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    // A town does things too; an everyday word before a verb is the sentence's.
    "Jordan lives up to its reputation for hospitality.",
    "Summer brought record temperatures to the coast.",
  ])("control, %s: no one", (text) => {
    expect(people(text)).toEqual([]);
  });
});
