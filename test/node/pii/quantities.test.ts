// Quantities are no one and nowhere: a decimal fraction before a word a street may be named by
// ("0,2 point"), a unit right after a number ("10 Mo", "2 Go"). Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location", "address"] });
const phones = new PiiDetector({ categories: ["phone"] });
const phonesIn = (text: string) => phones.detect(text).map((f) => text.slice(f.start, f.end));
const masked = (text: string) => detector.detect(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

describe("quantities", () => {
  it.each([
    "L'inflation a ralenti de 0,4 point au mois d'octobre.",
    "Le chômage a progressé de 1,5 point au premier semestre.",
    "Pièce jointe refusée : 25 Mo au maximum par message.",
    "Espace disponible : 3 Go sur 16 Go.",
    "Zbývá uhradit 1290 Kč do pátku.",
    "Razem do zapłaty: 349 zł.",
  ])("%s: nothing masked", (text) => {
    expect(masked(text)).toEqual([]);
  });

  it.each([
    ["Colis à livrer au 14 rue des Lilas, 69003 Lyon, avant 0,5 jour ouvré.", "14 rue des Lilas"],
    ["Envoyez le fichier de 2 Go à Martine Lefèvre avant midi.", "Martine Lefèvre"],
  ])("control, %s: the address or the person stays", (text, value) => {
    expect(masked(text).join(" | ")).toContain(value);
  });
});

describe("dates and document numbers are no phones", () => {
  it.each(["تم شحن الطلب رقم 58213 بتاريخ 14/03/2025.", "Номер заказа 74689526 отправлен вчера.", "Your number 58213 was dated 07/11/2024."])(
    "%s: no phone",
    (text) => {
      expect(phonesIn(text)).toEqual([]);
    },
  );

  it.each([
    ["رقم هاتفي 0501234567", "0501234567"],
    ["Мой номер 8 912 345 67 89, звоните.", "8 912 345 67 89"],
    ["Tel. 0612/345678", "0612/345678"],
  ])("control, %s: the phone is found", (text, phone) => {
    expect(phonesIn(text)).toContain(phone);
  });
});
