// German text: a span that opens on an article or joins nouns with one is a phrase of nouns; the
// people, places and institutions such spans name stay. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const masked = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("a phrase of nouns names no one", () => {
  it.each([
    "Rückgaben sind innerhalb von 14 Tagen nach Erhalt der Ware möglich.",
    "Im Herbst, wenn die Blätter fallen, wird leiser jeder Schritt im Wald.",
    "Montag bis Freitag 8–18 Uhr, Sonn- und Feiertage geschlossen.",
    // German by words no other language writes ("innerhalb", "zu", "Prozent"): a sentence without
    // "und", "ist" or "für" has its nouns capitalised too.
    "Die Lieferung erfolgt in der Regel innerhalb von 3–5 Werktagen.",
    "Die Mieten in Großstädten stiegen im vergangenen Jahr um durchschnittlich 6,1 Prozent.",
    "Fehler beim Laden der Datei. Bitte versuchen Sie es später erneut.",
  ])("%s", (text) => {
    expect(masked(text)).toEqual([]);
  });
});

describe("what such a phrase still names", () => {
  it.each([
    ["Die Bahn teilte mit, dass die Strecke zwischen Köln und Frankfurt bis Donnerstag gesperrt bleibt.", ["Köln", "Frankfurt"]],
    ["Oberhauser war zuvor bei der Commerzbank in Frankfurt am Main tätig.", ["Frankfurt"]],
    ["Wir kommen am Sonntag nach Lübeck. Finn, Mia und Paul freuen sich schon.", ["Mia", "Paul"]],
    ["GRÜNDLER und WEISS setzten sich im Doppel durch.", ["GRÜNDLER", "WEISS"]],
    // Red team 22b: family names alone, joined by "und" or after an article, as news writes them.
    ["Nach Angaben der Polizei wurden Müller und Schmidt am Montag festgenommen.", ["Müller", "Schmidt"]],
    ["Die Zeugen Ruppert und Grabowski sagten am Donnerstag aus.", ["Ruppert", "Grabowski"]],
    ["Die Rechnung der Handwerkerin Brettschneider wurde am Montag bezahlt.", ["Brettschneider"]],
    ["Im Namen der Familie Grabowski danken wir für die Anteilnahme.", ["Grabowski"]],
    ["Der Vertrag zwischen der Firma Becker und Söhne und dem Lieferanten wurde gekündigt.", ["Becker"]],
    ["Die Lieferung an Frau Okonkwo erfolgt innerhalb von drei Werktagen.", ["Okonkwo"]],
    ["Laut Herrn Wischnewski stiegen die Preise im Mai um 2,4 Prozent.", ["Wischnewski"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(masked(text).join(" | ")).toContain(name);
  });
});
