// Teams in a sports result: the capitalised names on both sides of a score or a verb of result,
// in the languages of sports news; a single word opening such a sentence is the home team, no
// name. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { tagger } from "../../../workers/pii/detectors/entities.js";
import { sportsTeams } from "../../../workers/pii/detectors/sports.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const masked = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));
const teams = (text: string) => sportsTeams(text, tagger()).map(([s, e]) => text.slice(s, e));

describe("both sides of a result", () => {
  it.each([
    ["is", "Valur vann KR 2-1 á laugardaginn.", ["Valur", "KR"]],
    ["fi", "HJK voitti KuPS:n 2–1 kotikentällään.", ["HJK", "KuPS"]],
    ["uk", "І «Динамо» обіграло «Шахтар» 1:0 у Києві.", ["Динамо", "Шахтар"]],
    ["ro", "FCSB a învins CFR Cluj cu 3-1 duminică.", ["FCSB", "CFR Cluj"]],
    ["fr", "Le Stade Toulousain s’impose 31-17 face au Racing 92.", ["Stade Toulousain", "Racing 92"]],
    ["en", "Manchester City 1-2 Aston Villa: a late winner.", ["Manchester City", "Aston Villa"]],
  ])("%s: %s", (_lang, text, names) => {
    expect(teams(text).sort()).toEqual([...names].sort());
    for (const name of names) expect(masked(text).join(" | ")).toContain(name);
  });

  it("reads a headline in capitals without the verb in a team's name", () => {
    expect(teams("FÚTBOL: RIVER PLATE GOLEA 4-0 A HURACÁN").sort()).toEqual(["HURACÁN", "RIVER PLATE"]);
  });
});

describe("what names no team", () => {
  it.each([
    "Hemmalaget vann med 3–2 efter ett sent avgörande.",
    "Kotijoukkue voitti 3–2 jatkoajalla.",
    "Drew 2–2 at home last night.",
    "Meeting 10:30-11:00 in Room 4, then lunch.",
    "Booking reference: QX7-44M. Check-in opens at 9.",
    "The committee voted 5-4 to approve the budget.",
    // Red team 22: numbers between capitalised words that are no score, and "vs" with a range.
    "Figure 3-1 Architecture Overview",
    "Articles 6-9 GDPR set out the lawful bases for processing.",
    "Bake 20-25 Minutes Until Golden Brown",
    "Cocktail: Gin 2:1 Tonic with a slice of lime.",
    "Zoom vs Teams: meetings of 40-60 minutes.",
    "Jira vs Linear for a team of 5-10 people.",
    "We lost 2-3 Orders Yesterday.",
    "Genesis 1:1 Exodus 3:14",
    "Gate 12-14 Terminal 2",
    // Red team 22b: "gegen" (against) is no result verb; a range before a unit is no score.
    "Ibuprofen hilft gegen Kopfschmerzen, nehmen Sie 1-2 Tabletten nach dem Essen.",
    "Dosierung gegen Sodbrennen: Pantoprazol 1-2 Kapseln, Omeprazol 20-40 mg.",
    "Der Antrag gegen Lärm wurde im Bauausschuss mit 7:2 angenommen.",
  ])("%s", (text) => {
    expect(teams(text)).toEqual([]);
  });
});
