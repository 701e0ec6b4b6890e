// Red team 18b: leaks and false alarms introduced by the German-noun (lower-case article, noun
// after an article) and speaker / place-after-preposition rules. Every case here was handled
// correctly at 5a82b0b.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/index.js";

const detector = new PiiDetector({});
const found = (text: string) => detector.detect(text).map((f) => ({ category: f.category, value: text.slice(f.start, f.end) }));

describe("red18b leak: a surname after a lower-case article, caught at 5a82b0b as 'den X'/'der X', now dropped", () => {
  it.each([
    ["Bitte leite das an den Becker weiter, er ist zuständig.", "Becker"],
    ["Bitte leite das an den Schmidt weiter, er ist zuständig.", "Schmidt"],
    ["Bitte leite das an den Fischer weiter, er ist zuständig.", "Fischer"],
    ["Unser Kunde, der Hansen, hat sich beschwert.", "Hansen"],
    ["Unser Kunde, der Wagner, hat sich beschwert.", "Wagner"],
    ["Unser Kunde, der Schmidt, hat sich beschwert.", "Schmidt"],
    ["Unser Kunde, der Rossi, hat sich beschwert.", "Rossi"],
    ["Teilnehmer heute: der Schulz, die Bauer und der Fischer.", "Schulz"],
    ["Mit freundlichen Grüßen an den Andersen und seine Frau.", "Andersen"],
    ["Gestern hat jemandem Schmidt einen Brief geschrieben.", "Schmidt"],
  ])("%s", (text, name) => {
    const people = found(text)
      .filter((f) => f.category === "person")
      .map((f) => f.value);
    expect(people.join(" ")).toContain(name);
  });
});

describe("red18b false alarm: a capitalised noun after a German verb of speech is no speaker", () => {
  it.each([
    ["Er sagte Bescheid, dass er später kommt."],
    ["Er sagt Bescheid, wenn die Lieferung da ist."],
    ["Ich sagte Nein, und dabei bleibt es."],
    ["Sie sagte Tschüss und legte auf."],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });

  // Accepted: "Frank" is a listed given name, and a name right after a verb of speech is the speaker
  // ("sagte Frank, dass…"); the idiom "frank und frei" reads the same. Masked, not leaked.
  it.skip("open: 'Der Chef sagte Frank und frei, was er denkt.' masks Frank", () => {
    expect(found("Der Chef sagte Frank und frei, was er denkt.")).toEqual([]);
  });
});

describe("red18b false alarm: a word after a preposition of place that is a listed place and a name, in ordinary German", () => {
  it.each([
    ["Der Wert ist in Feld drei der Tabelle eingetragen."],
    ["Bitte trage den Betrag in Feld B ein und schicke es an die Buchhaltung."],
    ["Die Preise waren damals in Mark angegeben, nicht in Euro."],
    ["Die Preise in Lira sind seit Jahren gefallen."],
    ["Wind aus Nord mit Stärke fünf, später aus West."],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});
