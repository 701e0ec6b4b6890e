// The one a message greets and the one who signs it: a given name that is also a language's or a
// word's ("Hoi Julia,", "Hi Ruby,"), a name glued to its dash at the end ("… -Aleksi"), a name after
// an informal closing ("Kram Lars", "Groetjes, Sanne"). Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("greeted and signing", () => {
  it.each([
    ["Hoi Julia, hoe gaat het met je?", ["Julia"]],
    ["Hi Ruby, thanks for the notes from Monday.", ["Ruby"]],
    ["Thanks for the update. -Priya", ["Priya"]],
    ["Olen reissussa viikonloppuun asti, soita numeroon 044 691 6076. -Aleksi", ["Aleksi"]],
    ["Jag är i Visby hela veckan, ring mig. Kram Lars", ["Lars"]],
    ["Tot morgen! Groetjes, Sanne", ["Sanne"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(people(text).join(" | ")).toContain(name);
  });

  it.each(["Hello, November! New month, new goals.", "Hello, World! This is my first program.", "Compile with gcc -Werror", "Use the flag -Force"])(
    "control, %s: no person",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});
