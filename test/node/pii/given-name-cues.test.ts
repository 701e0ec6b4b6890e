// A sentence opening on a given name that is also a word of some language (John, Peter, Grace,
// Emma, Maria) was read as the word. What follows it tells: a verb of speech, maybe after an
// adverb ("John just told me", "Maria dijo"), or, opening a message, a request to the one
// addressed ("Peter, can you…"). Nouns that are given names elsewhere neither speak nor are asked.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("a given name opening a sentence, then speaking or addressed", () => {
  it.each([
    ["John just told me the landlord is coming.", "John"],
    ["Peter, can you forward me the slides?", "Peter"],
    ["Grace, can you ring her back?", "Grace"],
    ["Emma — can you forward me the slides from yesterday?", "Emma"],
    ["Mark, could you check this before lunch?", "Mark"],
    ["Maria dijo que llegaría tarde.", "Maria"],
    ["Ana disse que vem amanhã.", "Ana"],
    ["Mark has told me the release is late.", "Mark"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});

describe("words that are given names elsewhere stay words", () => {
  it.each([
    "Will has to be signed by Friday.",
    "Amber alerts were issued overnight.",
    "Hope you are well.",
    "Also, can you check this?",
    "Please, can you check this?",
    "Note: you must restart the service.",
    "Ivy covered the whole wall.",
    "Sue the contractor if the work is not done.",
    // Inside a sentence, before a plural noun a plural verb agrees with: the noun's modifier.
    "Will has to be signed by Friday, and Amber alerts were issued overnight.",
    "Yesterday Rose petals were everywhere in the hall.",
    "The Bill payments are due on the first of the month.",
  ])("%s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it.each([
    ["Then Amber says we are late.", "Amber"],
    ["Yesterday Rose said the petals were everywhere.", "Rose"],
  ])("a person there who speaks stays one: %s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});
