// Red team 26's findings on this round's changes (SPEC, README and the diff only): lower-case given
// names in capitalised prose that the new gate let through, and interface words a nickname rule took
// for a family name. Inputs are the red team's or variants of them.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const people = (text: string) =>
  detectPii(text, { categories: ["person", "organization", "location"] })
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));
const any = (text: string) => detectPii(text, { categories: ["person", "organization", "location"] }).map((f) => text.slice(f.start, f.end));

describe("a given name written small in capitalised prose stays a name where its place shows one", () => {
  it.each([
    ["Our new hire, sebastian, starts on Monday.", "sebastian"],
    ["My manager, katarzyna, approved the leave.", "katarzyna"],
    ["Then sebastian left early.", "sebastian"],
    ["Maybe yusuf can take over the migration.", "yusuf"],
    ["A complaint was filed against sebastian last week.", "sebastian"],
    ["The meeting went ahead without sebastian.", "sebastian"],
    ["Recebi um e-mail do joão hoje.", "joão"],
    ["Manda para o joão o relatório.", "joão"],
    ['Please send it to "sebastian" today.', "sebastian"],
    ["The contract was signed by ahmed and fatima.", "fatima"],
    ["Please invite hana or yusuf to the call.", "yusuf"],
  ])("%s", (text, name) => {
    expect(any(text)).toContain(name);
  });
});

describe("a nickname between a given and a family name, and interface words that look like one", () => {
  it.each([
    ['Margaret "Peggy" Holloway Smith called.', 'Margaret "Peggy" Holloway Smith'],
    ['Margaret  "Peggy"  Holloway called.', 'Margaret  "Peggy"  Holloway'],
    ['Margaret ("Peggy") Holloway called.', 'Margaret ("Peggy") Holloway'],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    ['Set Grace "Period" Length to 30 days.', 'Grace "Period" Length'],
    ['Press the Victor "Reset" Button twice.', 'Victor "Reset" Button'],
    ['Sofia "Central" Station is busy.', 'Sofia "Central" Station'],
    ["The Jackson (Mississippi) Office is closed.", "Jackson (Mississippi) Office"],
  ])("no person over an interface or place phrase: %s", (text, phrase) => {
    expect(people(text)).not.toContain(phrase);
  });
});

describe("a mention of a user whose name has parts", () => {
  it.each([
    ["Thanks @maria-k for the review.", "maria-k"],
    ["cc @m.kowalska on the ticket", "m.kowalska"],
    ["Looping in @maria.k2 for sign-off.", "maria.k2"],
    ["ping @k.maria please", "k.maria"],
  ])("%s", (text, handle) => {
    expect(people(text)).toContain(handle);
  });

  it.each([["import x from '@types/node'"], ["use @babel/preset-env in the build"], ["@release-bot published v2.1.0"], ["write to ana@maria-k.com"]])(
    "no person in a package scope, a bot or an address: %s",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});
