// People a sentence sets beside their role ("Lee, the plumber, says", "The bride, April Summers,
// wore") or shows scoring ("Young scored twice"): the words around say a person is meant, so the
// name may be an everyday word too. Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("a name beside its role", () => {
  it.each([
    ["Lee, the plumber, says he can come on Thursday.", ["Lee"]],
    ["The bride, April Summers, wore her grandmother's veil.", ["April Summers"]],
    ["Our treasurer, Grant Hill, will present the accounts.", ["Grant Hill"]],
    ["Frost, the goalkeeper, kept a clean sheet again.", ["Frost"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(people(text).join(" | ")).toContain(name);
  });

  it.each(["Paris, the capital, is busy in August.", "Downing Street, the spokesman said, would not comment.", "Spain, the host nation, won again."])(
    "control, %s: no person",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});

describe("a name beside an age, a maiden name, a scorer's minute", () => {
  it.each([
    ["Whaanga, 29, has won 58 caps for his country.", ["Whaanga"]],
    ["Ana Ruiz, 34, of Leeds was charged on Monday.", ["Ana Ruiz"]],
    ["Rosalind Fairweather (née Cobb) died peacefully at home.", ["Cobb"]],
    ["Hibernian 2-1 Motherwell (McGinn 23', Boyle 71'; Slattery 55')", ["McGinn", "Boyle", "Slattery"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(people(text)).toContain(name);
  });

  it.each([
    ["Paris, 12, rue de la Paix reopens on Monday.", "Paris"],
    ["Revenue, 12, was flat.", "Revenue"],
    ["Goal 23' and Penalty 55' are the key moments.", "Penalty"],
  ])("control, %s: %s is no person", (text, word) => {
    expect(people(text)).not.toContain(word);
  });
});

describe("a player who scores", () => {
  it.each([
    ["Young scored twice in the second half.", ["Young"]],
    ["Brown scored and Young equalised before the break.", ["Brown", "Young"]],
    ["Stone netted the winner in stoppage time.", ["Stone"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(people(text)).toContain(name);
  });

  it.each(["Everyone scored well on the test.", "Nobody scored in a goalless first half."])("control, %s: no person", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("a name before what a person has ('s)", () => {
  it.each([
    ["Reminder: Mark's appointment at the clinic is moved to 3 pm.", ["Mark"]],
    ["Torbjørn's wife called about the invoice.", ["Torbjørn"]],
    ["Please update Will's phone number in the CRM.", ["Will"]],
    ["Call Mark Chen's mobile before noon.", ["Mark Chen"]],
    ["Rosa's order shipped yesterday.", ["Rosa"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(people(text)).toContain(name);
  });

  it.each([
    "Monday's appointment moved to Tuesday.",
    "Everyone's birthday counts in this office.",
    "Google's account settings changed again.",
    "Acme's account is overdue by 30 days.",
    "The Company's account is locked.",
    "Britain's children are healthier than a decade ago.",
  ])("control, %s: no person", (text) => {
    expect(people(text)).toEqual([]);
  });
});
