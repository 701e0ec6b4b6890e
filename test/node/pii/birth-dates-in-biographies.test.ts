// Birth dates as biographies write them: a verb of birth before the date ("urodziła się", "se narodil",
// "née le") or after it with a place between ("am … in Hamburg geboren", "…に江戸で生まれた"). Verbs a
// company or an idea is "born" with too ("nació", "nacque", "syntyi") count only right after a name
// (red team 21c; round 35). Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["date_of_birth"] });
const births = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("birth dates in biographies", () => {
  it.each([
    ["Poetka urodziła się 3 marca 1911 w Krakowie.", "3 marca 1911"],
    ["Skladatel se narodil 8. září 1941 v Brně.", "8. září 1941"],
    ["Titulaire : Léa Martin, née le 12 avril 1985 à Nantes.", "12 avril 1985"],
    ["Der Maler wurde am 3. Mai 1901 in Bremen geboren.", "3. Mai 1901"],
    ["作家は1899年6月14日に大阪で生まれた。", "1899年6月14日"],
    ["Julio Cortázar nació en Bruselas el 26 de agosto de 1914.", "26 de agosto de 1914"],
    ["Italo Calvino nacque a Cuba il 15 ottobre 1923.", "15 ottobre 1923"],
    ["Selma Lagerlöf föddes den 20 november 1858 på Mårbacka.", "20 november 1858"],
    ["Aleksis Kivi syntyi 10. lokakuuta 1834 Nurmijärvellä.", "10. lokakuuta 1834"],
    ["Nazım Hikmet 15 Ocak 1902'de Selanik'te doğdu.", "15 Ocak 1902"],
    ["시인은 1917년 12월 30일 북간도에서 태어났다.", "1917년 12월 30일"],
    ["Der Dichter wurde am 10. November 1759 in Marbach am Neckar geboren.", "10. November 1759"],
  ])("%s", (text, date) => {
    expect(births(text)).toContain(date);
  });

  it.each([
    "The company was founded on 3 May 1990 in Leeds.",
    "Die Firma wurde am 3. Mai 1990 in Hamburg gegründet.",
    "La empresa nació el 3 de mayo de 2015 en Madrid.",
    "L'azienda nacque il 3 maggio 2015 a Torino.",
    "Yritys syntyi 3. toukokuuta 2015 Espoossa.",
  ])("control, %s: no birth date", (text) => {
    expect(births(text)).toEqual([]);
  });
});
