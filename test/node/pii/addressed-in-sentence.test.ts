// A given name addressed with a request where a sentence opens inside a message is the person,
// in German text (where every noun has a capital) too. Texts invented here.
import { expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const people = (text: string) =>
  detectPii(text, { categories: ["person"] })
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

it.each([
  ["Der Bus hat Verspätung. Lotte, kannst du mich am Bahnhof abholen?", "Lotte"],
  ["Die Heizung ist aus. Jonas, könntest du den Vermieter anrufen?", "Jonas"],
  ["The train is late. Priyanka, could you pick me up at the station?", "Priyanka"],
])("%s", (text, name) => {
  expect(people(text)).toContain(name);
});

it.each([["Es ist spät. Also, kannst du mir die Datei schicken?"], ["It is late. Okay, can you send the file?"]])(
  "a word that opens a request is no one: %s",
  (text) => {
    expect(people(text)).toEqual([]);
  },
);
