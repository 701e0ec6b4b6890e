// A message signed right after thanks ("Paldies! Kristaps", "Спасибо! Лиза", "Cheers, Gav"): the
// signer is kept whatever its shape, unless a list knows it as a word, a place, an office, a group
// or a farewell; Greek given names are found with their accent, as text writes them (the lists
// hold them without it).
import { describe, expect, it } from "vitest";
import { peopleIn as people } from "../../support/pii-people.js";

describe("a signer right after thanks", () => {
  it.each([
    ["Lūdzu, pārsūti rēķinu uz grāmatvedību. Paldies! Kristaps", "Kristaps"],
    ["Пришлите, пожалуйста, отчёт до пятницы. Спасибо! Лиза", "Лиза"],
    ["Thanks for the slides, they look great. Cheers, Gav", "Gav"],
    ["Στείλε μου το αρχείο σήμερα. Ευχαριστώ, Μαρία", "Μαρία"],
  ])("%s", (text, signer) => {
    expect(people(text)).toContain(signer);
  });

  it.each([
    "Vielen Dank für die Bestellung. Danke! Tschüss",
    "The file was uploaded. Thanks! Done",
    "Your order was received. Thank you. Regards",
    "We received your request. Cheers,\nMarketing",
    "Your ticket was closed. Thanks! Support",
    "Das Paket ist unterwegs. Danke! Berlin",
  ])("names no one where the last word is a farewell, a word, an office or a place: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
