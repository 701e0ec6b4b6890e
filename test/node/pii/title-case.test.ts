// The sixteenth round's class: pieces written in title case (menus, shop categories, release
// notes, headlines in house style), whose capitals say as little as those of a piece in capitals
// only — and the names such pieces still hold.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { recasedTitles } from "../../../workers/pii/detectors/entities.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string, category?: string) =>
  detector
    .detect(text)
    .filter((f) => category === undefined || f.category === category)
    .map((f) => text.slice(f.start, f.end));

describe("a piece in title case is read as prose", () => {
  it.each([
    [
      "Shop Categories: Kitchen Appliances, Computers, Phones, Home Improvement, Toys",
      "Shop categories: Kitchen Appliances, computers, phones, home improvement, toys",
    ],
    // Names stay: a value right after a label ("Name: Memory"), a given or family name, a particle
    // between capitals, an organisation of words.
    ["Patient: Hafiz bin Omar, Ward Seven, Bed Four", "Patient: Hafiz bin Omar, Ward Seven, bed four"],
    ["Weekly Specials: Roasted Pepper Soup, Garden Salad, Lemon Tart", "Weekly specials: Roasted Pepper Soup, Garden Salad, Lemon Tart"],
    ["Notice: Lakeside Dental Group Opens New Clinic In Spring Valley", null],
  ])("%s", (text, recased) => {
    expect(recasedTitles(text)).toBe(recased);
  });

  it("keeps every offset: the recased piece is as long as the piece", () => {
    // Turkish lower-cases "İ" to one unit by Turkish rules; "ß" and "ö" keep their length.
    for (const text of [
      "Kategoriler: Beyaz Eşya, Bilgisayar, İçecek, Telefon, Oyuncak",
      "Angebote: Frische Straßenbahn Karten, Große Taschen, Weiße Tassen",
    ]) {
      const recased = recasedTitles(text);
      expect(recased).not.toBeNull();
      expect(recased?.length).toBe(text.length);
    }
  });

  it("leaves prose, and lines of names and places, as they are", () => {
    expect(recasedTitles("Maria Garcia and John Smith met Peter Brown in New York.")).toBeNull();
    expect(recasedTitles("Ship to: Latoya Whitaker, 120 Sunset Boulevard, Seattle")).toBeNull();
    expect(recasedTitles("the meeting moved to Friday afternoon")).toBeNull();
  });

  // The first two had findings before this round ("Computers", "Toys"; "Purchasing, Logistics"); the
  // last three never had one and must not get one from a partial recasing.
  it.each([
    "Shop Categories: Kitchen Appliances, Computers, Phones, Home Improvement, Toys",
    "Departments: Finance, Purchasing, Logistics, Customer Service",
    "Reminder: The Office Will Be Closed For The Holiday On Monday",
    "Release Notes: Faster Startup, Improved Search, Fixed Login Timeout",
    "Markets Fall as Oil Prices Jump on Supply Fears",
  ])("names no one: %s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it.each([
    ["Ngozi Adebayo Named Head Of Riverside Hospital Trust", "Ngozi Adebayo"],
    ["Order Shipped To Tyler Pruitt, 122 Park Drive, Raleigh", "Tyler Pruitt"],
    ["Scorers: Tremblay 2, Van der Berg; Ashworth", "Van der Berg"],
    ["Employer: Halverson Kitchen Supplies Ltd, Employee Petra Lindqvist", "Petra Lindqvist"],
  ])("still finds the name in %s", (text, name) => {
    expect(found(text)).toContain(name);
  });

  it("keeps an organisation of everyday words whole", () => {
    expect(found("Employer: Halverson Kitchen Supplies Ltd, Employee Petra Lindqvist", "organization")).toEqual(["Halverson Kitchen Supplies Ltd"]);
  });
});

// A headline in a language the word lists hardly know: its words are neither everyday words nor
// names to them, so the recasing keeps its capitals. A span of three words or more there, at most
// one of them a listed name, place or firm, is a clause; a name in it is its words no list knows.
describe("a headline of words the lists do not know is no name", () => {
  it.each([
    "Rubrik: Elpriserna Stiger Igen Inför Vintern",
    "Rubrik: Regeringen Sänker Skatten För Pensionärer",
    "Kop: Treinen Rijden Weer Volgens Dienstregeling",
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it.each([
    // initials, a firm of English words, a name in a record (its commas)
    ["Signed: J. R. Mbatha, Secretary, Durban Rowing Club", "J. R. Mbatha"],
    ["Hollins Data Systems Buys Rival for $2 Billion", "Hollins Data Systems"],
    ["Αίτηση: Ονοματεπώνυμο Αθηνά Νικολάου, Ημ. γέννησης 24/10/1990", "Αθηνά Νικολάου"],
    ["Titolo: Il Sindaco Marco Bianchi Inaugura La Nuova Biblioteca", "Marco Bianchi"],
    // a listed given name is never cut from the words no list knows beside it
    ["Rencontre Avec Marie Dubreuil Au Sujet Du Budget Annuel", "Marie Dubreuil"],
    ["Rencontre Avec Wiremu Tamihana Au Sujet Du Budget Annuel", "Wiremu Tamihana"],
  ])("the names of such a line stay: %s", (text, name) => {
    expect(found(text).some((f) => f.includes(name))).toBe(true);
  });
});
