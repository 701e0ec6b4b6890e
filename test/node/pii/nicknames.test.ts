// A nickname in quotes or brackets between a given and a family name: one person, quotes and all,
// with the family name after it even when no list holds it. Texts invented here.
import { expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const people = (text: string) =>
  detectPii(text, { categories: ["person"] })
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

it.each([
  ['In memory of Winifred "Winnie" Tallbrook, who ran the bakery for thirty years.', 'Winifred "Winnie" Tallbrook'],
  ["The trophy went to Augustus 'Gus' Penhallow after the final round.", "Augustus 'Gus' Penhallow"],
  ["Services for Bartholomew (Bart) Quennell will be held on Friday.", "Bartholomew (Bart) Quennell"],
  ["We spoke to Theodore “Teddy” Jenkins about the lease.", "Theodore “Teddy” Jenkins"],
  ['FUNERAL NOTICE: CORNELIUS "CONNIE" ABERNATHY, AGED 91.', 'CORNELIUS "CONNIE" ABERNATHY'],
])("%s", (text, person) => {
  expect(people(text)).toContain(person);
});

it.each([
  ['Click "Save" Then close the dialog.'],
  ['Press "Enter" Twice to confirm the order.'],
  ["Click [Save] Then close the dialog."],
  ["See Section [Appendix] Table 4."],
])("no person in quoted interface words: %s", (text) => {
  expect(people(text)).toEqual([]);
});

// Red team 27: a backtick read the line as code, a headline's recasing lost the capitals the form
// needs, and a family name that is also a word ("Morrow", "Long") was refused after a nickname that
// is itself a given name.
it.each([
  ["Tyrell `Tank` Quenbyworth signed the lease yesterday at the bank.", "Tyrell `Tank` Quenbyworth"],
  ['Tyrell "Big Tank" Quenbyworth-Smythe signed.', 'Tyrell "Big Tank" Quenbyworth-Smythe'],
  ["ELIZABETH (BETTY) MORROW", "ELIZABETH (BETTY) MORROW"],
  ['Eulogy for Elizabeth "Betty" Morrow, read by her son.', 'Elizabeth "Betty" Morrow'],
  ['Margaret "Peggy" Long retired in May.', 'Margaret "Peggy" Long'],
  // red team 27b: square brackets and braces
  ["Margaret [Peggy] Holloway retired.", "Margaret [Peggy] Holloway"],
  ["Margaret {Peggy} Holloway retired.", "Margaret {Peggy} Holloway"],
])("red team 27: %s", (text, person) => {
  expect(people(text)).toContain(person);
});

it.each([['Set Grace "Period" Length to 30 days.', 'Grace "Period" Length']])(
  "a nickname that is no given name keeps a word after it a word: %s",
  (text, phrase) => {
    expect(people(text)).not.toContain(phrase);
  },
);
