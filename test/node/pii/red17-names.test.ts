// Red team 17 on the given-name cues (diff-names.patch): a listed given name followed by a verb of
// speech ("John just told me") or, opening a message, by a comma/dash/colon and a request
// ("Peter, can you…") is read as a person even where the word is also an everyday word.
//
// Every test here asserts what a correct detector should do, so it FAILS on commit 564b7677.
// "False positive" tests were measured NOT masked on the parent commit 55c8dfc6: the change added
// them. "Miss" tests leak on both commits although the case is the class the change claims to cover.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });

/** Findings of the given categories that overlap `word` (its first occurrence) in `text`. */
function hits(text: string, word: string, categories: string[] = ["person"]) {
  const start = text.indexOf(word);
  if (start < 0) throw new Error(`"${word}" not in "${text}"`);
  const end = start + word.length;
  return detector.detect(text).filter((f) => categories.includes(f.category) && f.start < end && f.end > start);
}

/** A person finding that covers `word` exactly or more. */
function personCovers(text: string, word: string): boolean {
  const start = text.indexOf(word);
  if (start < 0) throw new Error(`"${word}" not in "${text}"`);
  return detector.detect(text).some((f) => f.category === "person" && f.start <= start && f.end >= start + word.length);
}

describe("red17 names — false positives the change adds (not masked on 55c8dfc6)", () => {
  // (a) a company, a place or a season named like a person, then "said"
  it("FP: a bank named like a person that speaks ('Chase said it would raise its fees') is no person", () => {
    expect(hits("Chase said it would raise its fees next year.", "Chase")).toEqual([]);
  });
  it("FP: a broadcaster ('Sky said the channel would close') is no person", () => {
    expect(hits("Sky said the channel would close in March.", "Sky")).toEqual([]);
  });
  it("FP: an airline ('Virgin said the flights were cancelled') is no person", () => {
    expect(hits("Virgin said the flights were cancelled.", "Virgin")).toEqual([]);
  });
  it("FP: a bank ('Ally said deposits grew') is no person", () => {
    expect(hits("Ally said deposits grew by four percent.", "Ally")).toEqual([]);
  });
  it("FP: a capital standing for its government ('Paris said it would retaliate') is no person", () => {
    expect(hits("Paris said it would retaliate against the tariffs.", "Paris")).toEqual([]);
  });
  it("FP: a country ('Jordan said it would close its border crossings') is no person", () => {
    expect(hits("Jordan said it would close its border crossings.", "Jordan")).toEqual([]);
  });
  it("FP: a season ('Summer said goodbye with a heatwave') is no person", () => {
    expect(hits("Summer said goodbye with a heatwave.", "Summer")).toEqual([]);
  });
  it("FP: Italian 'Chi sa…' (who knows) is no organisation: the cue drops `everyday` for every kind, not only persons", () => {
    expect(hits("Chi sa se domani piove.", "Chi", ["person", "organization", "location"])).toEqual([]);
  });

  // (b) an everyday word opening a message, then a comma and a request or thanks
  it("FP: an endearment ('Love, can you grab the keys?') is no person", () => {
    expect(hits("Love, can you grab the keys?", "Love")).toEqual([]);
  });
  it("FP: a generic address ('Buddy, can you spare a dime?') is no person", () => {
    expect(hits("Buddy, can you spare a dime?", "Buddy")).toEqual([]);
  });
  it("FP: a season addressed in marketing ('Winter, are you ready? Stock up on salt.') is no person", () => {
    expect(hits("Winter, are you ready? Stock up on salt.", "Winter")).toEqual([]);
  });
  it("FP: an interjection ('Jesus, are you serious?') is no person", () => {
    expect(hits("Jesus, are you serious?", "Jesus")).toEqual([]);
  });
  it("FP: an adjective reply ('Ace, thanks!') is no person", () => {
    expect(hits("Ace, thanks!", "Ace")).toEqual([]);
  });
  it("FP: French discourse word ('Bon, tu as raison.') is no person", () => {
    expect(hits("Bon, tu as raison.", "Bon")).toEqual([]);
  });
  it("FP: a generic address ('Mate, can you help?') is no person", () => {
    expect(hits("Mate, can you help?", "Mate")).toEqual([]);
  });
  it("FP: a meme address ('King, you dropped this.') is no person", () => {
    expect(hits("King, you dropped this.", "King")).toEqual([]);
  });
});

// Open: each also leaks on the commit before the change. Most get no span from the tagger at all (the
// cue only confirms a person the tagger proposes); kept skipped by title, as red16b's open cases are.
describe("red17 names — misses of the claimed class (leak before and after the change)", () => {
  // (b) punctuation the cue claims to accept
  it.skip("miss: 'Peter - can you check the logs?' (hyphen, in the cue's own list) leaks while 'Peter, can you…' is masked", () => {
    expect(personCovers("Peter - can you check the logs?", "Peter")).toBe(true);
  });
  it.skip("miss: 'Peter — can you check the logs?' (em dash, the claim's 'Emma — could you…' form) leaks", () => {
    expect(personCovers("Peter — can you check the logs?", "Peter")).toBe(true);
  });
  it.skip("miss: 'Peter: can you check the logs?' (colon, in the cue's own list) leaks", () => {
    expect(personCovers("Peter: can you check the logs?", "Peter")).toBe(true);
  });
  it.skip("miss: Spanish inverted question mark 'Pedro, ¿puedes ayudarme?' leaks while 'Pedro, puedes ayudarme?' is masked", () => {
    expect(personCovers("Pedro, ¿puedes ayudarme?", "Pedro")).toBe(true);
  });
  it.skip("miss: chat line with a timestamp '[10:32] Mark: can you check the logs?' leaks", () => {
    expect(personCovers("[10:32] Mark: can you check the logs?", "Mark")).toBe(true);
  });
  it.skip("miss: list item '- Mark: can you check the logs?' leaks", () => {
    expect(personCovers("- Mark: can you check the logs?", "Mark")).toBe(true);
  });
  it.skip("miss: formal request in Dutch 'Roos, kunt u me helpen?' leaks while 'Roos, kun je…' is masked", () => {
    expect(personCovers("Roos, kunt u me helpen?", "Roos")).toBe(true);
  });
  it.skip("miss: 'Will, could you sign the form?' (Will addressed, not the auxiliary) leaks", () => {
    expect(personCovers("Will, could you sign the form?", "Will")).toBe(true);
  });

  // (a) verbs and adverbs in the cue's lists, or the obvious neighbours of them
  it.skip("miss: 'Bill told me the release is late.' leaks", () => {
    expect(personCovers("Bill told me the release is late.", "Bill")).toBe(true);
  });
  it.skip("miss: listed adverb 'también': 'Luz también dijo…' leaks while 'Luz dijo…' is masked", () => {
    expect(personCovers("Luz también dijo que llegará tarde.", "Luz")).toBe(true);
  });
  it.skip("miss: French listed verb 'Pierre a écrit que le projet est en retard.' leaks", () => {
    expect(personCovers("Pierre a écrit que le projet est en retard.", "Pierre")).toBe(true);
  });
  it.skip("miss: German listed verb 'Frank hat gesagt, er kommt später.' leaks", () => {
    expect(personCovers("Frank hat gesagt, er kommt später.", "Frank")).toBe(true);
  });
  it.skip("miss: Swedish listed verb 'Per sa att han kommer senare.' leaks", () => {
    expect(personCovers("Per sa att han kommer senare.", "Per")).toBe(true);
  });
  it.skip("miss: Russian listed verb 'Роза сказала, что придёт позже.' leaks", () => {
    expect(personCovers("Роза сказала, что придёт позже.", "Роза")).toBe(true);
  });
  it.skip("miss: Italian listed verb 'Gemma ha detto che arriverà tardi.' leaks while 'Gemma, puoi…' is masked", () => {
    expect(personCovers("Gemma ha detto che arriverà tardi.", "Gemma")).toBe(true);
  });
  it("miss: English perfect 'Mark has told me…' leaks though German 'hat gesagt' is listed", () => {
    expect(personCovers("Mark has told me the release is late.", "Mark")).toBe(true);
  });
  it.skip("miss: 'Mark added that…' leaks though 'added' cues a surname (REPORTED_AFTER)", () => {
    expect(personCovers("Mark added that the release is late.", "Mark")).toBe(true);
  });
  it.skip("miss: present tense of a listed verb 'Mark mentions that…' leaks ('mentioned' is listed)", () => {
    expect(personCovers("Mark mentions that the release is late.", "Mark")).toBe(true);
  });
});
