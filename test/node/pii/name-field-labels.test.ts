// A form's name field in the languages and scripts the detector reads: the label says a person's
// name follows ("Nachname: Müller", "Họ và tên: Nguyễn Văn An", "பெயர்: செந்தில் முருகன்"), so the
// value is masked even where no list knows it. The value must still look like a name: a label
// before words written small is a field of something else.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const people = (text: string) =>
  new PiiDetector({ categories: ["person"] })
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("names after a name field's label", () => {
  it.each([
    ["First Name: Jonas\nLast Name: Kvaratskhelia", ["Jonas", "Kvaratskhelia"]],
    ["Vorname: Ottilie\nNachname: Wendrich", ["Ottilie", "Wendrich"]],
    ["Prénom : Maëlys ; Nom de famille : Quéméner", ["Maëlys", "Quéméner"]],
    ["Apellidos: Etxeberria Goikoetxea", ["Etxeberria Goikoetxea"]],
    ["Cognome: Scarpellini", ["Scarpellini"]],
    ["Achternaam: Vlietstra", ["Vlietstra"]],
    ["Sukunimi: Kärkkäinen", ["Kärkkäinen"]],
    ["Nazwisko: Grzędzielski", ["Grzędzielski"]],
    ["Příjmení: Vondráčková", ["Vondráčková"]],
    ["Vezetéknév: Szőllősi", ["Szőllősi"]],
    ["Nume complet: Ioana Bălănescu", ["Ioana Bălănescu"]],
    ["Ime i prezime: Zdravko Mamić", ["Zdravko Mamić"]],
    ["Soyadı: Karaosmanoğlu", ["Karaosmanoğlu"]],
    ["Pavardė: Žemaitytė", ["Žemaitytė"]],
    ["Nama lengkap: Wahyu Setiawardana", ["Wahyu Setiawardana"]],
    ["Họ và tên: Nguyễn Thị Thu Trang", ["Nguyễn Thị Thu Trang"]],
    ["Jina kamili: Wanjiku Njoroge", ["Wanjiku Njoroge"]],
    ["পুরো তথ্য\nনাম: রহিম উদ্দিন; ফোন: 01711-123456", ["রহিম উদ্দিন"]],
    ["பெயர்: செந்தில் முருகன்; ஆதார் எண்: 4038 8994 2661", ["செந்தில் முருகன்"]],
    ["నమోదు\nపేరు: వెంకట రమణ", ["వెంకట రమణ"]],
    ["نام و نام خانوادگی: رضا تهرانی‌پور", ["رضا تهرانی‌پور"]],
    ["ชื่อ-นามสกุล: สมชาย ศรีสุข", ["สมชาย ศรีสุข"]],
  ])("%s", (text, names) => {
    const found = people(text);
    for (const name of names) expect(found.some((f) => f.includes(name) || name.includes(f))).toBe(true);
  });

  it.each([
    "Nama: produk baru, ukuran besar",
    "Tên: bánh mì thịt nướng",
    "Ime i prezime: obavezno polje",
    "First name: required, at most 40 characters",
    "Nachname: bitte ausfüllen",
  ])("a label before words written small names nobody: %s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it.each([
    // "Titular" is a headline too: an article or a verb opening a sentence is no holder
    "Titular: La sequía obliga a cortar el agua por las noches",
    "Titular: Bajan las ventas de coches eléctricos en octubre",
    "Titre : Les Agriculteurs manifestent devant la préfecture",
  ])("a label word that also names a headline, before a sentence, names nobody: %s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it.each([
    ["Titular: Rocío Benavente Ortiz", "Rocío Benavente Ortiz"],
    ["Name: Okonjo has been informed of the change", "Okonjo"],
    ["Nom : Le Goff Yannick", "Le Goff Yannick"],
    // an article opens a family name too (red team 26)
    ["Name: Le Goff", "Le Goff"],
    ["Account holder: Las Heras", "Las Heras"],
    ["Titular: Le Corre", "Le Corre"],
    ["Patient: Le Floch", "Le Floch"],
  ])("a holder's name after the label stays: %s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});
