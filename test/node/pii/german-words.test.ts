// A piece with two words only German uses (german-words-data.ts) is read as German, whose nouns are
// capitalised: a frequent noun that is also a family name ("Grad", "Höchstwerte") names no one
// there. The people such pieces name stay. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const masked = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("German known by its own words, with no function word", () => {
  it.each([
    "Wetterbericht: morgens Nebel, später sonnig, Höchstwerte um zwölf Grad.",
    "Stellenanzeige: Verstärkung gesucht, Schichtdienst, Bezahlung nach Tarif.",
    "Speisekarte: Schnitzel mit Bratkartoffeln, Rinderroulade, Gemüsesuppe.",
    "Lieferung morgen Vormittag, Abholung beim Nachbarn möglich.",
  ])("%s: nothing masked", (text) => {
    expect(masked(text)).toEqual([]);
  });
});

describe("the people of such pieces, and German words in another language's sentence", () => {
  it.each([
    ["Morgen Vormittag übernimmt Katharina Wendel die Schicht, Bezahlung nach Tarif.", ["Katharina Wendel"]],
    ["Grüße aus dem Urlaub, morgens Nebel, später sonnig. Eure Jutta", ["Jutta"]],
    ["Gestern Abend hat Frau Brettschneider angerufen wegen der Rücksendung.", ["Brettschneider"]],
    ["Rezept von Oma Hildegard: lauwarmes Wasser, Mehl, Hefe und viel Geduld.", ["Hildegard"]],
    ["We met Hans Zimmer at the Biergarten after the Oktoberfest parade.", ["Hans Zimmer"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(masked(text).join(" | ")).toContain(name);
  });
});
