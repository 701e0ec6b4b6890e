// Organisations written as an acronym no list knows, where the sentence marks it as a name: an
// article before it, or brackets after a person. An acronym alone, a unit, an id's label or a
// term being defined stays. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const orgs = (text: string) => valuesIn(detector, text, "organization");

describe("an acronym the sentence names", () => {
  it.each([
    ["pt", "O IBGE divulgou os números do censo ontem.", "IBGE"],
    ["nl", "Het KNMI geeft code oranje af voor morgen.", "KNMI"],
    ["it", "Per la neve l'ANAS ha chiuso il passo.", "ANAS"],
    ["el", "Ισχυρές βροχές έπληξαν την πόλη, ανακοίνωσε η ΕΜΥ.", "ΕΜΥ"],
    ["hu", "Köszönjük Tóth Eszternek és Varga Bencének (ELTE) a segítséget.", "ELTE"],
    ["de", "Die SPD nominierte gestern ihre Spitzenkandidatin.", "SPD"],
  ])("%s: %s", (_lang, text, name) => {
    expect(orgs(text).join(" | ")).toContain(name);
  });
});

describe("what stays an acronym", () => {
  it.each([
    "Die Zutaten: 1 TL Salz, 2 EL Olivenöl und etwas Wasser.",
    "Error: ENOENT: no such file or directory, open 'config.json'",
    "Bitte die Sprache wählen und mit dem WLAN verbinden.",
    "Our Net Promoter Score (NPS) reached 47 this quarter.",
    "Customer Satisfaction Score (CSAT) rose to 4.6 out of 5.",
    "Por favor envie o CPF e o comprovante até sexta.",
    "Te paso el alias y el CBU por WhatsApp.",
  ])("%s", (text) => {
    expect(orgs(text)).toEqual([]);
  });
});
