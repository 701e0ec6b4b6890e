// People in comma- or semicolon-separated values: a header naming a column of people ("last_name",
// "first_name", "customer_name", "Nachname") makes its cells people in any case or script; a bare
// "name" beside things' attributes ("name,version,license") names things.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("a column of people", () => {
  it.each([
    ["id;last_name;first_name;mobile\n12033;山本;陽菜;+81 80 6643 9652\n18893;高橋;蓮;+81-3-4190-5844", ["山本", "陽菜", "高橋"]],
    [
      "id;last_name;first_name;mobile\n29351;KOVAČEVIĆ;Ivan;+385 1 3254 939\n43156;O'DONNELL;Aoife;+353 1 555 0192",
      ["KOVAČEVIĆ", "O'DONNELL", "Aoife"],
    ],
    ['customer_name,city,total\n"Okonkwo Adaeze",Lagos,10', ["Okonkwo Adaeze"]],
  ])("%s", (text, names) => {
    const people = found(text);
    for (const name of names) expect(people).toContain(name);
  });
});

describe("a column of things", () => {
  it.each([["name,version,license\nexpress,4.19.2,MIT\nlodash,4.17.21,MIT"]])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});
