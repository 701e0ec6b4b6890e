// The eighteenth round's classes: a family name beside a verb of speech is a speaker in any
// language (news' inversion "…, sagte Weber", "said Wolf"; "Stein sagte", "Smith said"), even
// when the name is also a word or the text capitalises every noun; in German a frequent word that
// is also a family name is the noun after an article or adjective ("mit klarem Wasser"), a listed
// place after a preposition of place is the place even when it is a frequent word ("nach Berlin"),
// and a lower-case article opens no name ("in der Regel"). Lines of names look like headlines and
// keep them.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("a family name beside a verb of speech is a speaker", () => {
  it.each([
    ["Im Interview sagte Weber, dass die Zahlen gut seien.", "Weber"],
    ["Die Zahlen seien gut, sagte Wolf am Montag.", "Wolf"],
    ["Stein sagte, die Lieferung komme später.", "Stein"],
    ["Horn sagte, die Zahlen seien gut.", "Horn"],
    ["The figures were good, said Peters on Monday.", "Peters"],
    ["Brown said the figures were good.", "Brown"],
    ["Smith told reporters the plan would work.", "Smith"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it("leaves a month, a nationality and an institution speaking of 'it' alone", () => {
    expect(people("The report was late, said March's bulletin.")).toEqual([]);
    expect(people("Apple said it would ship the update next week.")).toEqual([]);
  });
});

describe("German: a frequent word that is also a family name is the noun after an article or adjective", () => {
  it.each([
    "Anschließend zweimal mit klarem Wasser nachspülen und trocknen lassen.",
    "Den Filter unter fließendem Wasser reinigen und dann wieder einsetzen.",
    "Bei Stau im Verkehr ist mit Verspätungen zu rechnen, bitte planen Sie mehr Zeit ein.",
  ])("%s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it.each([
    // Opening a sentence, after a bare preposition or an adverb, or after a title, it stays a person.
    ["Lange ist heute nicht zur Arbeit gekommen.", "Lange"],
    ["Die Firma wird von Fischer geleitet, sagt die Zeitung.", "Fischer"],
    ["Das Treffen mit Schneider ist am Montag.", "Schneider"],
    ["Nach dem Spiel lobte der Trainer vor allem Müller.", "Müller"],
    ["Wir haben mit Frau Bauer gesprochen und sie ist einverstanden.", "Bauer"],
  ])("%s keeps the person", (text, name) => {
    expect(people(text).join(" ")).toContain(name);
  });
});

describe("German: a listed place after a preposition of place is the place", () => {
  // Paris is also a given name and an English word: like "in Feld", "in Mark", it is not read as the place by this rule.
  it.each(["Berlin", "Hamburg", "Frankfurt", "London", "Madrid", "Essen"])("%s", (city) => {
    const text = `Wir fahren morgen nach ${city} und bleiben dort zwei Tage.`;
    expect(found(text)).toContain(city);
    expect(found(`Sie wohnt seit drei Jahren in ${city} und arbeitet bei einer Bank.`)).toContain(city);
  });

  it.each([
    "Das Essen ist fertig, wir können anfangen.",
    "Die Lieferung erfolgt in der Regel innerhalb von drei Werktagen und ist kostenlos.",
    "Die Zahl der Verletzten stieg jedoch leicht, und die Polizei sucht noch Zeugen.",
  ])("a noun stays a noun: %s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("lines that look like title case keep what they name", () => {
  it.each([
    // A list of names looks like title case too; a short label and its value is no headline.
    ["Torschützen: Brunnhuber (12.), Kovačić (55.), Adeyemi-Roth (88.)", "Kovačić"],
    ["Info: PT Sinar Abadi Logistik.", "Sinar Abadi Logistik"],
    ["Hollins Data Systems Buys Rival for $2 Billion in Cash Deal", "Hollins Data Systems"],
  ])("%s keeps what it names", (text, value) => {
    expect(found(text).join(" ")).toContain(value);
  });
});

describe("a word no list knows before a verb of speech or of a person's doing", () => {
  it.each([
    ["Pendergrast replied that the council had not been consulted.", "Pendergrast"],
    ["Abernethie replied that the council had not been consulted.", "Abernethie"],
    ["Ravensworth said the figures would be published on Friday.", "Ravensworth"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    ["Bystyret har godkjent en ny sykkelvei langs elva."],
    ["Kommunestyret har vedtatt budsjettet for neste år."],
    // a verb of doing is shared by software, agencies and markets (red team 26)
    ["Dependabot opened a pull request for the lockfile."],
    ["Eurostat reported a rise in energy prices."],
    ["Sensex levelled off after the morning rally."],
  ])("no one before an auxiliary or a verb of doing: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
