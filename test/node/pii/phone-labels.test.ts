// Phone numbers named by the words around them: a phone word of the text's language right before
// a number of possible length for a region makes it a phone, even where the number's range is not
// allocated (yet) in libphonenumber's metadata; the label nearest a number names it, so a phone
// after an id number is no id (a weak id scheme's check digits pass by chance for one in ten),
// while an id label's first number stays its id; a `+` before Luhn-valid digits stays a card. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["phone", "credit_card", "tax_id", "address", "email", "date_of_birth", "iban"] });
const found = (text: string) => detector.detect(text).map((f) => [f.category, text.slice(f.start, f.end)] as const);
const phonesIn = (text: string) =>
  found(text)
    .filter(([c]) => c === "phone")
    .map(([, v]) => v);

describe("a phone word before a national number", () => {
  it.each([
    ["de", "Bei Rückfragen erreichen Sie mich unter 0152 83946617.", "0152 83946617"],
    ["de", "Rückruf erbeten: 0621 / 489 33 07", "0621 / 489 33 07"],
    ["fr", "Merci de me rappeler au 07 18 62 40 95 avant midi.", "07 18 62 40 95"],
    ["fr", "Vous pouvez joindre Théo au 07.12.55.80.31 ce soir.", "07.12.55.80.31"],
    ["es", "Cualquier duda, llame al 641 302 877.", "641 302 877"],
    ["es-AR", "Si no contesto, llamame al (0351) 15-482-9931.", "(0351) 15-482-9931"],
    ["pt-BR", "Podem me ligar no (21) 3967-1044 depois das 18h.", "(21) 3967-1044"],
    ["it", "Sono raggiungibile al 347 1182093 tutto il giorno.", "347 1182093"],
    ["ru", "Перезвоните, пожалуйста, на 8 (915) 228-41-07.", "8 (915) 228-41-07"],
    ["ru", "Прошу связаться по номеру 8 (903) 411-62-18.", "8 (903) 411-62-18"],
    ["lv", "Kurjers zvanīs uz 27 448 105 pirms piegādes.", "27 448 105"],
    ["lv", "Tālrunis: 2493 7716.", "2493 7716"],
    ["et", "Küsimuste korral helista 5128 4470.", "5128 4470"],
    ["is", "Sími: 694 2210.", "694 2210"],
    ["no", "Kontakt oss på 458 21 907 hvis noe er uklart.", "458 21 907"],
    ["da", "Ring til os på 51 84 27 36 i dag.", "51 84 27 36"],
    ["vi", "Vui lòng gọi 0912 448 307 khi giao hàng.", "0912 448 307"],
    ["id", "Hubungi kurir di 0812-4471-3390 bila ada kendala.", "0812-4471-3390"],
    ["hi", "किसी भी जानकारी के लिए संपर्क करें: 98104 22715", "98104 22715"],
    ["he", "אם יש בעיה תתקשר ל-052-418-7736.", "052-418-7736"],
    ["ar", "للاستفسار تواصلوا معنا على الرقم 0551 427 906", "0551 427 906"],
    ["bn", "আমার মোবাইল নম্বর 01715-482209।", "01715-482209"],
    ["ur", "مزید معلومات کے لیے رابطہ: 0321 4478120", "0321 4478120"],
    ["fa", "شماره تلفن همراه من 09124471823 است.", "09124471823"],
    ["sw", "Tafadhali nipigie 0712 448 309 kesho.", "0712 448 309"],
  ])("%s: %s", (_lang, text, phone) => {
    expect(phonesIn(text)).toEqual([phone]);
  });
});

describe("the label nearest a number names it", () => {
  it.each([
    ["pl", "Anna Nowak, PESEL 85041512346, tel. 512 604 118", "512 604 118"],
    ["nl", "Mijn BSN is 111222333. Bel me terug op 020-6241187.", "020-6241187"],
    ["fi", "Henkilötunnus 131052-308T, puhelin 040 718 2263.", "040 718 2263"],
    ["it", "Codice fiscale RSSMRA85T10A562S. Per informazioni: 02 7063 4418.", "02 7063 4418"],
    ["he", "מספר תעודת זהות 000000018. טלפון: 03-6247719", "03-6247719"],
  ])("%s: %s", (_lang, text, phone) => {
    expect(phonesIn(text)).toEqual([phone]);
    // The id before it is still an id.
    expect(found(text).some(([c]) => c === "tax_id")).toBe(true);
  });

  it("an id number after its own label stays an id, a phone label earlier in the sentence notwithstanding", () => {
    const text = "Tel. 030 2291847, Steuer-ID 65929970489";
    expect(found(text)).toContainEqual(["tax_id", "65929970489"]);
  });
});

describe("an id number a phone label precedes is still masked, as a phone or as the id", () => {
  it.each([
    "Telefon: 01030623793",
    "PESEL 85041512346, tel. 44051401458",
    "연락처 010309-3333306",
    "Per informazioni: 02 0682 8401, codice fiscale RSSMRA85T10A562S",
  ])("%s", (text) => {
    const digits = /\d[\d -]{6,}\d/g;
    const values = [...text.matchAll(digits)].map((m) => m[0]);
    const masked = found(text).map(([, v]) => v);
    for (const v of values) expect(masked.some((m) => m.includes(v) || v.includes(m))).toBe(true);
  });
});

describe("a + before digits that pass Luhn: still masked, as a card (red team 21b: a '+' must not unmask a 12-15 digit card)", () => {
  it.each(["My number is +234 803 611 2457, call after six.", "Erreichbar unter +49 151 27364011.", "Card: +3056 930902 5904"])("%s", (text) => {
    const value = /\+[\d ()-]+\d/.exec(text)?.[0] as string;
    expect(found(text).some(([c, v]) => (c === "credit_card" || c === "phone") && value.includes(v) && v.length >= value.length - 1)).toBe(true);
  });

  it("a card number with a + before it is still a card (no possible phone holds 16 digits)", () => {
    expect(found("Card: +4111 1111 1111 1111")).toContainEqual(["credit_card", "4111 1111 1111 1111"]);
  });
});

describe("numbers that stay what they are", () => {
  it.each([
    "Order number 0152 83946617 has shipped.",
    "Der Betrag von 1 234 567 wurde überwiesen.",
    "Version 2.4.0 ships on 12.03.2026.",
    "Rufnummer der Rechnung: siehe Seite 3, Position 4 5 6.",
  ])("no phone in: %s", (text) => {
    expect(phonesIn(text)).toEqual([]);
  });
});
