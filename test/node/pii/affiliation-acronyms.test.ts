// Organisations written as an acronym no list knows, in brackets right after a person (an
// affiliation). An acronym elsewhere stays: after an article (red team 22: "die DSGVO", "no MFA"),
// after a word that is no person ("Backup (RPO)"), a unit, an id's label. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const orgs = (text: string) => valuesIn(detector, text, "organization");

describe("an acronym in brackets after a person", () => {
  it.each([
    ["hu", "Köszönjük Tóth Eszternek és Varga Bencének (ELTE) a segítséget.", "ELTE"],
    ["de", "Thomas Brenninkmeyer (CDU) und Jasmin Arslan stritten im Fernsehen.", "CDU"],
  ])("%s: %s", (_lang, text, name) => {
    expect(orgs(text)).toContain(name);
  });
});

describe("what stays an acronym", () => {
  it.each([
    "Die Zutaten: 1 TL Salz, 2 EL Olivenöl und etwas Wasser.",
    "Error: ENOENT: no such file or directory, open 'config.json'",
    "Bitte die Sprache wählen und mit dem WLAN verbinden.",
    "Our Net Promoter Score (NPS) reached 47 this quarter.",
    "Backup (RPO) is 15 minutes, Recovery (RTO) one hour.",
    "Encryption (AES) is on by default.",
    "We have no MFA on the staging account, and no SSO either.",
    "Die DSGVO gilt seit 2018, die AGB wurden angepasst.",
    "Le CDI est signé, le CDD prend fin.",
    "El PIB creció un 2% y el IPC bajó.",
    "Por favor envie o CPF e o comprovante até sexta.",
  ])("%s", (text) => {
    expect(orgs(text)).toEqual([]);
  });
});
