// The language of a sentence, told from the most frequent words of 38 languages, decides what its
// first word is: an everyday word of that language ("Esta", "Tej", "Feil" are also given names
// somewhere) or a given name no frequent word of it spells ("Anna", "Pooja").
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { everydayOpening, sentenceLanguage, wordOfLanguage } from "../../../workers/pii/detectors/sentence-language.js";
import { SENTENCE_WORDS } from "../../../workers/pii/detectors/sentence-words-data.js";

const detector = new PiiDetector({ categories: ["person", "location", "organization"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));
const languageOf = (rest: string) => Object.keys(SENTENCE_WORDS)[sentenceLanguage(rest)];

describe("the language of a sentence", () => {
  it.each([
    [" acción no se puede deshacer.", "spanish"],
    [" operacji nie można cofnąć.", "polish"],
    [" came home late yesterday.", "english"],
  ])("%s", (rest, language) => {
    expect(languageOf(rest)).toBe(language);
  });

  it("tells close languages apart no better than their lists do", () => {
    // Norwegian Bokmål and Danish share most frequent words: either list holds "kunne ikke koble til".
    expect(["norwegian", "danish"]).toContain(languageOf(" kunne ikke koble til tjeneren."));
  });

  it("is unknown from one word, or from words no list holds", () => {
    expect(sentenceLanguage(" hello")).toBe(-1);
    expect(sentenceLanguage(" xqzt vbnm plkj")).toBe(-1);
  });

  it("holds a language's frequent words, not names", () => {
    const english = Object.keys(SENTENCE_WORDS).indexOf("english");
    expect(wordOfLanguage("Home", english)).toBe(true);
    expect(wordOfLanguage("Anna", english)).toBe(false);
  });
});

describe("a word opening a sentence of its own language is that word", () => {
  it.each([
    "¿Seguro que quieres eliminar este archivo? Esta acción no se puede deshacer.",
    "Tem certeza de que deseja excluir este item? Esta ação não pode ser desfeita.",
    "Czy na pewno chcesz usunąć ten plik? Tej operacji nie można cofnąć.",
    "Feil: kunne ikke koble til tjeneren.",
  ])("%s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it("but not before a verb of a person, nor in another language's sentence", () => {
    expect(everydayOpening("Esta", " disse que vem amanhã")).toBe(true);
    expect(people("Esta disse que vem amanhã.")).toEqual(["Esta"]);
    expect(everydayOpening("Tej", " was late again today")).toBe(false);
  });

  it("leaves given names of many locales to the tagger (Hans, Anna, Ali are words too)", () => {
    expect(everydayOpening("Hans", " kom hem igår")).toBe(false);
    expect(everydayOpening("Ali", " je prišel domov")).toBe(false);
  });
});

describe("a given name opening a sentence whose language has no such word is the person", () => {
  it.each([
    ["Anna came home late yesterday.", "Anna"],
    ["Pooja and Harsh are getting married in June.", "Pooja"],
    ["Mercy showed no mercy in the final.", "Mercy"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "Will you come to the party?",
    "Mark the date in your calendar.",
    "Grace period: payments received within 10 days are on time.",
    "Patience is a virtue, but so is knowing when to stop.",
    "Hunter green, navy and charcoal are this season's colours.",
  ])("not a word of the sentence's language or of everyday English: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
