// Institutions named by a word for their kind in the languages that inflect it or write it small,
// in either order around the name; the people beside them keep their own spans. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const orgs = (text: string) => valuesIn(detector, text, "organization");

describe("a kind word with the name around it", () => {
  it.each([
    ["ru", "По словам ректора, Казанский федеральный университет откроет новый корпус.", "Казанский федеральный университет"],
    ["sv", "Beslutet fattades av Uppsala kommun i går.", "Uppsala kommun"],
    ["et", "Intressimäärad otsustab nüüd Eesti Pank koos teistega.", "Eesti Pank"],
    ["pl", "Jan studiował na Uniwersytecie Jagiellońskim w latach dziewięćdziesiątych.", "Uniwersytecie Jagiellońskim"],
    ["no", "Hun flyttet for å studere ved Universitetet i Bergen.", "Universitetet i Bergen"],
    ["ro", "Cercetarea a fost făcută la Universitatea din București anul trecut.", "Universitatea din București"],
    ["sk", "Martina pracuje pre Slovenskú sporiteľňu od roku 2010.", "Slovenskú sporiteľňu"],
    ["uk", "Кредит надав Національний банк України минулого тижня.", "Національний банк України"],
    ["de", "Das Stück läuft im Wiener Burgtheater bis Mai.", "Wiener Burgtheater"],
  ])("%s: %s", (_lang, text, name) => {
    expect(orgs(text)).toContain(name);
  });
});

describe("the people beside an institution keep their spans", () => {
  it.each([
    ["uk", "Висловлюємо вдячність Ігорю Савчуку та Національному університету за підтримку.", "Ігорю Савчуку"],
    ["pl", "Prezes Narodowego Banku Polskiego Adam Wójcik zapowiedział obniżkę stóp.", "Adam Wójcik"],
  ])("%s: %s", (_lang, text, person) => {
    expect(valuesIn(detector, text, "person").join(" | ")).toContain(person);
  });
});

describe("red team 22: a person right before an institution keeps the whole name", () => {
  it.each([
    [
      "ru",
      "Участники: Андрей Смирнов Московский государственный университет, Ольга Иванова Казанский федеральный университет.",
      ["Андрей Смирнов", "Ольга Иванова"],
    ],
    ["cs", "Prof. Jan Novák Univerzita Karlova Praha", ["Jan Novák"]],
    ["pl", "Recenzent: Tomasz Wiśniewski Uniwersytet Jagielloński", ["Tomasz Wiśniewski"]],
    ["nl", "Speaker: Jan Jansen Universiteit Utrecht", ["Jan Jansen"]],
    ["de", "Prof. Dr. Hans Meier Universitätsklinikum Freiburg", ["Hans Meier"]],
  ])("%s: %s", (_lang, text, people) => {
    const found = valuesIn(detector, text, "person");
    for (const person of people) expect(found).toContain(person);
  });
});

describe("what names no institution", () => {
  it.each([
    // Red team 22: English words that open like a kind word, acronyms before a kind written small,
    // headlines in title case, German compounds beside a noun or a tool.
    "US banking stocks fell 3% on Monday.",
    "Many EU universities offer free tuition.",
    "Paris museums are free on the first Sunday.",
    "Institutional Investors Flock To Bitcoin ETFs",
    "Radar Detector Laws In Virginia",
    "How To Avoid ATM Bank Fees Abroad",
    "This LED Theater Lamp fits most projectors.",
    "Die Datenbank MySQL ist langsamer als die Datenbank PostgreSQL.",
    "Netzwerk Drucker einrichten unter Windows",
    "Die Zahnklinik Sprechstunde beginnt um 8 Uhr.",
    "Headline: Central bank holds rates steady as inflation cools.",
    "Die Bank hat am Samstag geschlossen.",
    "The city council will vote on the budget next week.",
    "Some requests can still violate existing CSP policies for applications.",
    "Lehman went bankrupt in September 2008.",
  ])("%s", (text) => {
    expect(orgs(text)).toEqual([]);
  });
});
