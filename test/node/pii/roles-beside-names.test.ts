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
