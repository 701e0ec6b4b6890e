// Red team 16, class FALSE MASKING: an ordinary, PII-free sentence opening with a noun that is a
// given name somewhere. A rule (addOpeningGivenName, reverted in 701eded9) read a given name
// opening a sentence as the person when the sentence's language's 2,000 most frequent words did
// not spell it; most nouns are not among those words. These guard against it.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person"] });
const people = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("red16 false masking: sentences opening with a noun that is a given name", () => {
  it.each([
    ["English Amber alerts", "Amber alerts were issued across the state overnight."],
    ["English Ivy covered the wall", "Ivy covered the old brick wall completely."],
    ["English Basil leaves", "Basil leaves should be added at the end."],
    ["English Harmony between teams", "Harmony between the teams has improved a lot."],
    ["English Laurel wreaths", "Laurel wreaths were given to winners."],
    ["English Luna moths", "Luna moths are large and green."],
    ["English Aria sung by the soprano", "Aria sung by the soprano was moving."],
    ["English Journey times", "Journey times will increase during the works."],
    ["Italian Aurora boreale", "Aurora boreale visibile stanotte in tutta la regione."],
    ["English imperative Sue the contractor", "Sue the contractor if the work is not finished."],
    ["English imperative Wade through the logs", "Wade through the logs to find the error."],
    ["English Carol singers", "Carol singers will visit the office on Friday."],
    ["English Mason jars", "Mason jars are great for storing food."],
    ["Spanish Pilar fundamental (pilar = pillar)", "Pilar fundamental de la economía es el turismo."],
  ])("%s", (_title, text) => {
    expect(people(text)).toEqual([]);
  });
});
