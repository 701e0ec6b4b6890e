// Street addresses read from their shape in more locales: Cyrillic and Greek street types
// ("ул. Садовая, д. 107, кв. 171, г. Новосибирск"), a flat, floor or door after the house number
// ("D: 1", "/Top 8", "casa 2", "bte 6"), a Brazilian CEP or a British postcode after the town, German
// streets named with a preposition ("Am Mühlbach 215" with its postcode and town), a house number
// with a letter after a slash ("161/B"); a street read by its shape joins an address the tagger
// found across its edge.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const addresses = (text: string) =>
  detectPii(text, { categories: ["address", "person", "location", "organization"] })
    .filter((f) => f.category === "address")
    .map((f) => text.slice(f.start, f.end));

describe("street addresses by their shape", () => {
  it.each([
    ["Отправить на ул. Садовая, д. 107, кв. 171, г. Новосибирск, 630099 завтра", "ул. Садовая, д. 107, кв. 171, г. Новосибирск, 630099"],
    ["Надіслати на вул. Шевченка, 111, кв. 6, м. Вінниця, 21000", "вул. Шевченка, 111, кв. 6, м. Вінниця, 21000"],
    ["Αποστολή στην οδός Αγίου Νικολάου 156, ΤΚ 716 15, Ηράκλειο", "οδός Αγίου Νικολάου 156"],
    ["Teslimat Bağdat Cad. No: 72 D: 1, 16010 Bursa adresine", "Bağdat Cad. No: 72 D: 1, 16010 Bursa"],
    ["Lieferung an Landstraßer Hauptstraße 121/Top 8, 1030 Wien morgen", "Hauptstraße 121/Top 8, 1030 Wien"],
    ["Entrega: Rua da Consolação, 123 - casa 2, Salvador, CEP 40020-000", "Rua da Consolação, 123 - casa 2, Salvador, CEP 40020-000"],
    ["Send it to Flat 6, 151 Kingsley Avenue, Sheffield, S11 4QR please", "151 Kingsley Avenue, Sheffield, S11 4QR"],
    ["Bitte an\nAm Mühlbach 215\n10541 Berlin", "Am Mühlbach 215\n10541 Berlin"],
    ["Spedire a Corso Vittorio Emanuele II 161/B\n15747 Firenze", "Corso Vittorio Emanuele II 161/B\n15747 Firenze"],
    ["Livraison chaussée de Louvain 2 bte 6, 5090 Namur", "chaussée de Louvain 2 bte 6, 5090 Namur"],
  ])("%s", (text, street) => {
    expect(
      addresses(text).some((a) => a.includes(street)),
      JSON.stringify(addresses(text)),
    ).toBe(true);
  });

  it.each(["Am Montag 12 Leute kamen", "Im Jahr 2024 kamen 300 Gäste", "Flat 6 is the best album of 2019"])(
    "control: %s holds no address",
    (text) => {
      expect(addresses(text)).toEqual([]);
    },
  );
});
