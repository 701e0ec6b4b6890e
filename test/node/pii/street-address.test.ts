// Street addresses in running text, read from their shape in Latin-script languages: number and
// street type before the name, type and name before the number, name and type (or a glued type)
// before the number, then the postcode and town. Examples written for these tests.
import { describe, expect, it } from "vitest";
import { streetAddresses } from "../../../workers/pii/detectors/street-address.js";
import { detectPii } from "../../../workers/pii/index.js";

const shapes = (text: string) => streetAddresses(text).map(([start, end]) => text.slice(start, end));
const addresses = (text: string) =>
  detectPii(text, { categories: ["address"] })
    .filter((f) => f.category === "address")
    .map((f) => text.slice(f.start, f.end));

describe("street addresses by their shape", () => {
  it.each([
    ["Le colis part au 14 allée des Tilleuls, 35000 Rennes lundi.", "14 allée des Tilleuls, 35000 Rennes"],
    ["Entrega en 7 calle de la Paz, 46003 Valencia antes del viernes.", "7 calle de la Paz, 46003 Valencia"],
    ["Please courier it to 41 Harbour Road, Galway by Friday.", "41 Harbour Road, Galway"],
    ["Die Rechnung geht an Mozartstraße 12\n80336 München, bitte prüfen.", "Mozartstraße 12\n80336 München"],
    ["Paczka trafi na ul. Długa 8, Gdańsk jutro.", "ul. Długa 8, Gdańsk"],
    ["Toimitus osoitteeseen Satakunnankatu 18 B 4, 33100 Tampere.", "Satakunnankatu 18 B 4, 33100 Tampere"],
    ["Kurjers piegādās uz Tērbatas iela 52-7, Rīga, LV-1011.", "Tērbatas iela 52-7, Rīga, LV-1011"],
    ["kargo yarın şuraya gidecek: Bağdat Cad. No:77, Kadıköy.", "Bağdat Cad. No:77, Kadıköy"],
    ["Kirim ke Jl. Sudirman No. 12, Bandung hari ini.", "Jl. Sudirman No. 12, Bandung"],
  ])("%s", (text, expected) => {
    expect(shapes(text)).toEqual([expected]);
    expect(addresses(text).some((a) => a.includes(expected.split(/[,\n]/)[0] ?? ""))).toBe(true);
  });

  it.each([
    "We met on Route 66 in 2019.",
    "die Teamsitzung am Donnerstag um 14 Uhr im Besprechungsraum 2.",
    "Chapter 3, Section 4 covers the rest.",
    "Upgrade via npm 10 or later.",
    "The St. Louis office opened 3 desks.",
  ])("no address in: %s", (text) => {
    expect(shapes(text)).toEqual([]);
  });

  it("reads long runs of capitals, dots and numbers without a match", () => {
    expect(shapes(`${"A.".repeat(20_000)} 1\n${"Hauptstraße ".repeat(5_000)}`)).toEqual([]);
  });
});
