// Red team 16, class TITLE CASE: names in a piece written in title case that recasedTitles now
// writes small (a record "Name: X" whose given name is also an everyday word; a surname after a
// two-word particle "de la", whose surname is an everyday word), and the names it must keep.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person"] });
const people = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));
/** Every letter of `name` (at its first place in `text`) lies in a person finding. */
const covered = (text: string, name: string) => {
  const found = detector.detect(text).filter((f) => f.category === "person");
  const at = text.indexOf(name);
  for (let i = at; i < at + name.length; i++) if (/\p{L}/u.test(text[i] ?? "") && !found.some((f) => f.start <= i && i < f.end)) return false;
  return true;
};

describe("red16 title case: names a title-case piece loses", () => {
  it.each([
    [
      "record 'Name: Memory' (Southern African given name) in a title-case line",
      "Name: Memory, Role: Senior Manager, Team: Sales And Marketing",
      "Memory",
    ],
    ["record 'Name: Gift' in a title-case line", "Name: Gift, Role: Senior Manager, Team: Sales And Marketing", "Gift"],
    ["record 'Name: Wisdom' in a title-case line", "Name: Wisdom, Role: Senior Manager, Team: Sales And Marketing", "Wisdom"],
    ["record 'Name: Talent' in a title-case line", "Name: Talent, Role: Senior Manager, Team: Sales And Marketing", "Talent"],
    ["record 'Name: Memory' with department and status", "Name: Memory, Department: Finance, Status: New Starter", "Memory"],
    ["two-word particle: attendee Oscar de la Hoya", "Attendees: Oscar de la Hoya, Board Members And Invited Guests", "Oscar de la Hoya"],
    [
      "two-word particle: Oscar de la Hoya heading a title-case line",
      "Oscar de la Hoya: Senior Manager, Sales And Marketing, Head Office",
      "Oscar de la Hoya",
    ],
    [
      "two-word particle: Oscar de la Hoya in a Spanish title-case line",
      "Ganadora Del Concurso: Oscar de la Hoya, De La Escuela Municipal De Música",
      "Oscar de la Hoya",
    ],
  ])("%s", (_title, text, name) => {
    expect(covered(text, name), people(text).join(" | ")).toBe(true);
  });

  it.each([
    [
      "attendee list with hyphen and apostrophe",
      "Farewell Lunch For Jean-Pierre Dubois And Mary O'Brien On Friday",
      ["Jean-Pierre Dubois", "Mary O'Brien"],
    ],
    [
      "Nigerian names in a thank-you line",
      "Thank You To Our Volunteers Ngozi Eze, Oluwaseun Adeyemi And Chiamaka Nwosu",
      ["Ngozi Eze", "Oluwaseun Adeyemi", "Chiamaka Nwosu"],
    ],
    [
      "non-English names in a winners line",
      "Winners Of The Bake Off: Hana Nováková, Zoltán Kovács And Ioana Popescu",
      ["Hana Nováková", "Zoltán Kovács", "Ioana Popescu"],
    ],
    [
      "Dutch particles van der / van den",
      "Attendees: Kees van der Meer, Piet van den Bos, Board Members And Invited Guests",
      ["Kees van der Meer", "Piet van den Bos"],
    ],
  ])("keeps: %s", (_title, text, names) => {
    for (const n of names) expect(covered(text, n), n).toBe(true);
  });
});
