// Red team 16, class COST: huge title-case pieces (read twice: as written and recased) and
// thousands of sentences opening on given names (each reads the sentence's language).
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "./cost-guard.js";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "location", "organization", "address"], timeBudgetMs: 1e9 });
const names = [
  "Anna",
  "Maria",
  "Peter",
  "Hans",
  "Emin",
  "Liv",
  "Inga",
  "Mira",
  "Uma",
  "Cinta",
  "Hari",
  "Sofia",
  "Lucas",
  "Olga",
  "Ivan",
  "Pedro",
  "Chen",
  "Yuki",
  "Fatima",
  "Omar",
];
const words = [
  "Kitchen",
  "Appliances",
  "Computers",
  "Phones",
  "Home",
  "Improvement",
  "Toys",
  "Garden",
  "Tools",
  "Books",
  "Music",
  "Sports",
  "Outdoor",
  "Living",
  "Office",
  "Supplies",
  "Pet",
  "Food",
  "Baby",
  "Care",
];
const timed = (text: string) => {
  const t0 = performance.now();
  detector.detect(text);
  return performance.now() - t0;
};

describe("red16 cost", () => {
  it("an 84 KB title-case line of everyday words", () => {
    expect(timed(Array.from({ length: 12000 }, (_, i) => words[i % 20]).join(" "))).toBeLessThan(COST_GUARD_MS);
  });
  it("an 81 KB title-case line with given names among the words", () => {
    expect(timed(Array.from({ length: 12000 }, (_, i) => (i % 7 === 0 ? names[i % 20] : words[i % 20])).join(" "))).toBeLessThan(COST_GUARD_MS);
  });
  it("5,000 sentences opening on given names (215 KB)", () => {
    expect(timed(Array.from({ length: 5000 }, (_, i) => `${names[i % 20]} came home late yesterday number ${i}.`).join(" "))).toBeLessThan(
      COST_GUARD_MS,
    );
  });
  it("5,000 sentences in four languages opening on names that are words (136 KB)", () => {
    const s = ["Emin dün işe gelmedi", "Mira no ha contestado", "Liv kom ikke på jobb", "Cinta pergi ke kantor"];
    expect(timed(Array.from({ length: 5000 }, (_, i) => `${s[i % 4]} ${i}.`).join(" "))).toBeLessThan(COST_GUARD_MS);
  });
  it("single known names after 20,000 opening brackets or quotes (the OPENING test on each prefix)", () => {
    expect(timed(`x ${"(".repeat(20000)}Anna came home. `.repeat(3))).toBeLessThan(COST_GUARD_MS);
    expect(timed(`x ${'"'.repeat(20000)}Emin dün işe gelmedi. `.repeat(3))).toBeLessThan(COST_GUARD_MS);
  });
  it("leaks at scale: 5,000 sentences opening on Emin / Mira / Liv / Cinta, each a person", () => {
    const s = ["Emin dün işe gelmedi", "Mira no ha contestado", "Liv kom ikke på jobb", "Cinta pergi ke kantor"];
    const text = Array.from({ length: 5000 }, (_, i) => `${s[i % 4]} ${i}.`).join(" ");
    expect(detector.detect(text).filter((f) => f.category === "person").length).toBe(5000);
  });
});
