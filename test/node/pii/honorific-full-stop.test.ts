// After an honorific with its full stop ("Mrs. Oyelowo") the tagger may read the next word as a
// place or a firm, the full stop opening a sentence to it: a single word there is the person.
import { describe, expect, it } from "vitest";
import { peopleIn as people } from "../../support/pii-people.js";

describe("a single word after an honorific", () => {
  it.each([
    ["Notes from the PTA: Mrs. Oyelowo volunteered for the raffle; Greg will bring cake.", "Oyelowo"],
    ["The landlord Ms. Whitaker hasn't fixed the boiler.", "Whitaker"],
  ])("%s", (text, person) => {
    expect(people(text)).toContain(person);
  });

  it("leaves a place after a word that only looks like one", () => {
    expect(people("The office moved from Drammen to Oslo last year.")).toEqual([]);
  });
});
