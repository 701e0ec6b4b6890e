// Given names that are also words, found by what only a person does in the sentence: speaking
// ("Holly said"), standing beside the writer ("Maya and I"), or talking in a lower-case chat line
// ("tom said"). Being asked about ("Did Maya sign?") was withdrawn: software is asked about so too
// ("Can Sage compute…?", red team 27b).
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "location", "organization"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("a given name before a verb of speech inside a sentence", () => {
  it.each([
    ["After the call Holly said the pitch went well.", ["Holly"]],
    ["It was misty up on the moor, Misty said.", ["Misty"]],
    ["At the depot, Dawn says the early shift starts at five.", ["Dawn"]],
    ["Afterwards Holly thinks we should try again.", ["Holly"]],
  ])("%s", (text, names) => {
    expect(people(text)).toEqual(names);
  });

  it.each([
    "The Bill said nothing about pensions.",
    "Police said the road was closed.",
    "The Court said the appeal failed.",
    // where a sentence opens, a firm named like a person speaks too (red team 17)
    "Sky said the channel would close in March.",
  ])("not after an article, where a sentence opens, or a word no one names a child: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("a name beside the writer", () => {
  it.each([
    ["Siddharth, Maya and I drove from Pune to Goa overnight.", ["Siddharth", "Maya"]],
    ["Maya and I drove from Pune.", ["Maya"]],
    ["Me and Priya are going.", ["Priya"]],
    ["Between you and me and Harriet, it's over.", ["Harriet"]],
  ])("%s", (text, names) => {
    expect(people(text)).toEqual(names);
  });

  it.each(["Mum and I went to the market.", "The dog and I walked home.", "Python and I get along.", "Science and I never got on."])(
    "not a relative, an animal or a thing: %s",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});

describe("a lower-case given name talking in chat", () => {
  it.each([
    ["hey is jake coming tonight? tom said he'd drive from Leeds", ["tom"]],
    ["hey sam, are we still on? jess says the place near Camden is booked", ["sam", "jess"]],
  ])("%s", (text, names) => {
    expect(people(text)).toEqual(names);
  });

  it.each(["so the will said nothing about the house", "ok the mark says 5 on the box"])("not after an article: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("software named like a person (red team 27b)", () => {
  it.each([
    "Can Sage compute this integral?",
    "Does Gemini support streaming?",
    "Deploy to the cluster named athena after the tests.",
    "We deployed trino to production last week.",
    "Please install haskell before you run the build.",
    "I think claude handles this better than the old tool.",
    "The logs from hugo already show the error.",
  ])("no person: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
