// People named the way forms and messages in many languages name them: after a greeting and an
// exclamation mark ("Tere, Maarja!"), after a field label for a recipient, sender, holder or patient
// ("Получател:", "Παραλήπτης:", "Pesakit:"), and after the writer's "I'm" or "it's". Names the lists do
// not hold (Estonian, Latvian, Bulgarian) are found by the form around them, not by the lists.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const people = (text: string) => detectPii(text, { categories: ["person"] }).map((f) => text.slice(f.start, f.end));

describe("the one greeted", () => {
  it.each([
    ["Tere, Maarja! Isikukood on seotud kontoga.", "Maarja"],
    ["Sveiks, Gatis! Tavs pasūtījums ir ceļā.", "Gatis"],
    ["Здравей, Петър! Прати фактурата утре.", "Петър"],
    ["Hello, Maarja! How are you?", "Maarja"],
    ["hej Nisse! Ses vi på lördag?", "Nisse"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    ["Hi anna, can you send the file?", "anna"],
    ["Hey john, running late", "john"],
  ])("a name written small after a capitalised greeting and before a comma: %s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each(["Hello World!", "Hi Team!", "Hello, Everyone!", "Hallo Zusammen!", "Hello, Darkness!", "Hola, Amigo!", "salam alaykum", "jambo rafiki"])(
    "control: %s names no one",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );

  it.each([
    ["Merhaba, ben Can Kılıç, TC kimlik no yok.", "ben"],
    ["Hei, olen Aurora Heikkilä, soittakaa.", "olen"],
    ["Tere, mina olen Kertu Sepp.", "mina"],
  ])("a word written small after a capitalised greeting is the sentence's: %s", (text, word) => {
    expect(people(text)).not.toContain(word);
  });
});

describe("field labels of recipients, senders, holders and patients", () => {
  it.each([
    ["Получател: Петър Стоянов", "Петър Стоянов"],
    ["Παραλήπτης: ΒΑΣΙΛΙΚΉ ΑΝΤΩΝΊΟΥ – email", "ΒΑΣΙΛΙΚΉ ΑΝΤΩΝΊΟΥ"],
    ["Penerima: AHMAD ZAKI BIN HASSAN (x)", "AHMAD ZAKI BIN HASSAN"],
    ["Pesakit: Nurul binti Salleh, tarikh lahir", "Nurul binti Salleh"],
    ["Odbiorca: Grzegorz Brzęczyszczykiewicz", "Grzegorz Brzęczyszczykiewicz"],
    ["Címzett: Kovács Eszter", "Kovács Eszter"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it("control: a Spanish 'hasta' (until) is no label", () => {
    expect(people("Desde: Madrid Hasta: Barcelona")).not.toContain("Barcelona");
  });
});

describe("the writer's introduction", () => {
  it.each([
    ["Hey, it's Tyler. Can you Venmo me?", ["Tyler"]],
    ["Hi, I'm Sam, the new intern", ["Sam"]],
    ["Hej, jag heter Astrid.", ["Astrid"]],
    ["It's Summer time", []],
    ["It's Monday again", []],
  ])("%s", (text, names) => {
    expect(people(text)).toEqual(names);
  });
});
