// A given name that is also an everyday noun, opening a sentence as the head of a noun phrase: the
// noun ("Speranza e fortuna", "Soledad y silencio", "Imani na neema"). "and" or "for" and a bare word
// written small make the phrase; "of" words only after a name that is a frequent word too ("Dolores de
// cabeza", but "Yolanda de recursos humanos llamó" is Yolanda). A pronoun, an article, a possessive,
// kin or another name after the joiner, a verb of speech, a cue or a title keep the person.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("a noun phrase opening a sentence is left as it is", () => {
  it.each([
    ["Speranza e fortuna non bastano: serve un buon piano di risparmio."],
    ["Soledad y silencio en cada habitación: nuestras suites tienen aislamiento acústico."],
    ["Dolores de cabeza frecuentes: consulte a su médico."],
    ["Liv og røre i hagen: plant løk nå for blomster til våren."],
    ["Virág és napfény: tavaszi kerti vásár szombaton."],
    ["Imani na neema: vikombe vya kauri vilivyotengenezwa kwa mkono."],
    ["Amani na furaha kwa familia yako: kapeti laini la sebuleni."],
    ["Rosa y blanco son los colores de temporada."],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("people joined to someone or something stay people", () => {
  it.each([
    ["Rosa y yo fuimos al cine el sábado.", "Rosa"],
    ["Rosa y su madre llegaron tarde.", "Rosa"],
    ["Rosa e Maria foram ao cinema.", "Rosa"],
    ["Randi og barna kommer på søndag.", "Randi"],
    ["Yolanda de recursos humanos llamó esta mañana.", "Yolanda"],
    ["Emin ile yarın görüşeceğim.", "Emin"],
    ["Uma não veio trabalhar hoje por causa da chuva.", "Uma"],
    ["Mira no ha contestado el correo todavía.", "Mira"],
    ["Sra. Soledad y familia llegaron ayer.", "Soledad"],
  ])("%s", (text, name) => {
    expect(found(text).join(" | ")).toContain(name);
  });
});
