// Red team, round 18: leaks and false alarms introduced by the speaker / German-noun / headline rules.
// Every case here was handled correctly at 5a82b0b (before the change) unless noted.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/index.js";

const detector = new PiiDetector({});
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("red18 leak: a German surname after a conjunction or possessive ending in -em/-es is read as a noun", () => {
  it.each([
    ["Wir haben angefangen, nachdem Schmidt zugestimmt hatte.", "Schmidt"],
    ["Die Zahlen sind gut, seitdem Wagner die Abteilung leitet.", "Wagner"],
    ["Das Projekt ist fertig, trotzdem Meyer noch Fragen hat.", "Meyer"],
    ["Wir haben gewartet, bis Weber kam, und dann außerdem Schmidt angerufen.", "Schmidt"],
    ["Es ist alles erledigt, nachdem Bauer die Rechnung bezahlt hat.", "Bauer"],
    ["Die Stelle ist frei, seitdem Klein gekündigt hat.", "Klein"],
    ["Das Meeting wurde verschoben, nachdem König abgesagt hatte.", "König"],
    ["Der Antrag wurde genehmigt, nachdem Braun unterschrieben hatte.", "Braun"],
    ["Ich habe dem Becker die Unterlagen geschickt, nachdem Meyer sie geprüft hatte.", "Meyer"],
    ["Laut unserem Schmidt ist der Server wieder online.", "Schmidt"],
    ["Laut unserem Becker ist der Server wieder online.", "Becker"],
    ["Laut unserem Fischer ist die Lieferung unterwegs.", "Fischer"],
  ])("%s", (text, name) => {
    expect(people(text).join(" ")).toContain(name);
  });
});

describe("red18 leak: a long title-case line drops an unlisted person", () => {
  it.each([
    ["Rencontre Avec Wiremu Tamihana Au Sujet Du Budget Annuel", "Tamihana"],
    ["Rencontre Avec Gintaras Žemaitis Au Sujet Du Budget Annuel", "Žemaitis"],
    ["Rencontre Avec Ulugbek Tashkentov Au Sujet Du Budget Annuel", "Tashkentov"],
    ["Rencontre Avec Yerlan Zhaksybekov Au Sujet Du Budget Annuel", "Zhaksybekov"],
    ["Rencontre Avec Siqiniq Kuptana Au Sujet Du Budget Annuel", "Kuptana"],
  ])("%s", (text, name) => {
    expect(people(text).join(" ")).toContain(name);
  });
});

describe("red18 false alarm: a product, tool or status word after or before a verb of speech is now a person", () => {
  it.each([
    "We added Jenkins to the build pipeline.",
    "We added Kafka as the message broker.",
    "I added Gatsby to the frontend stack.",
    "We added Travis to the repository.",
    "We added Cassandra as the second database.",
    "I wrote Ruby scripts for the migration.",
    "I wrote Julia code for the simulation.",
    "He asked Jenkins to rerun the job.",
    "The build failed, wrote Jenkins in the log.",
    "Jenkins said the build failed.",
    "Kafka said the broker was unavailable.",
    "Jira said the ticket was closed.",
    "The log said Timeout after 30 seconds.",
    "The build log said Success at the end.",
    "The page said Maintenance until noon.",
    "The teacher asked Class to be quiet.",
  ])("%s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it("Bayer sagte, der Prozess gehe weiter. (the company; 'der Prozess' was flagged before too)", () => {
    expect(people("Bayer sagte, der Prozess gehe weiter.")).not.toContain("Bayer");
  });
});
