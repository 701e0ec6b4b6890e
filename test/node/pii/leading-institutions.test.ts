// Institutions named kind first, with Spanish articles between ("Centro Médico Los Almendros") and
// more kinds ("Centro", "Hogeschool", "Woningcorporatie"). German "am"/"an" and Spanish "el" join
// nothing (red team 21c: "Praxis am Montag", "der Kanzlei an Herrn Peter Schmidt").
// A kind followed only by everyday words stays no organisation. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["organization", "person", "location", "address"] });
const orgs = (text: string) => valuesIn(detector, text, "organization");

describe("an institution named kind first", () => {
  it.each([
    ["Rechnung an: Praxis Kirchberger, Dr. Vogt", "Praxis Kirchberger"],
    ["Le confirmo la cita en Centro Médico Los Pinares el martes.", "Centro Médico Los Pinares"],
    ["Melding Hogeschool Zuidwaard over uw inschrijving", "Hogeschool Zuidwaard"],
    ["Uw huurcontract bij Woningcorporatie Rijnwaarde is verlengd.", "Woningcorporatie Rijnwaarde"],
  ])("%s", (text, org) => {
    expect(orgs(text)).toContain(org);
  });
  it.each(["Das Centro Storico ist heute gesperrt.", "Bitte Praxis Hours beachten."])("no organisation of everyday words: %s", (text) => {
    expect(orgs(text).filter((o) => /^(?:Centro|Praxis)/.test(o))).toEqual([]);
  });
});
