// Red team 14: people the fourteenth round's "not a person" rules now let through.
// A test PASSES when the system holds (the person is found whole) and FAILS when the name leaks.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization", "secret"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("red14 German-contraction rule: a name after im/vom/zur/beim", () => {
  it("English chat 'im' (I'm without apostrophe) before a name", () => {
    expect(people("hi im Jessica and i need help with my order")).toContain("Jessica");
  });
  it.each([
    ["Ich war gestern beim Huber und hab das Rad abgeholt.", "Huber"],
    ["Grüße vom Franz, er kommt morgen.", "Franz"],
    ["Ich fahre heute zur Anna.", "Anna"],
  ])("colloquial German article before a person: %s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});

describe("red14 German-contraction rule in other languages: French 'ans' (years) before a name", () => {
  it("Il y a 20 ans Marie Dubois a fondé l'entreprise.", () => {
    expect(people("Il y a 20 ans Marie Dubois a fondé l'entreprise.")).toContain("Marie Dubois");
  });
});

describe("red14 office rule: a surname that is also an office word", () => {
  it.each([
    ["Herr Richter hat gestern angerufen.", "Richter"],
    ["Mrs Judge called about the invoice.", "Judge"],
    ["Pan Starosta dzwonił wczoraj w sprawie faktury.", "Starosta"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });
  // Open: "Nein, Frau Richter" is lost before this round too (the tagger's span opens on "Nein,");
  // "Waziri alisema" reads as "the minister said" as much as a surname, and stays an office.
  it.skip.each([
    ["Frau Richterin? Nein, Frau Richter hat angerufen.", "Richter"],
    ["Waziri alisema atakuja kesho.", "Waziri"],
  ])("open: %s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});

describe("red14 closing rule: a given name that is a closing word", () => {
  it("'Love Almqvist' at a line's end is masked whole, not cut to the surname", () => {
    expect(people("Please forward the file to Love Almqvist")).toEqual(["Love Almqvist"]);
  });
});
