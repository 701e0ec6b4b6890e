// People who name themselves in Latin-script languages: after "my name is" and its kin, or after a
// greeting and "I am" ("Tere, olen Maarja Kukk"): the tagger knew neither the name nor the cue. Rows
// written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("a name after 'my name is', or after a greeting and 'I am'", () => {
  it.each([
    ["Tere, olen Maarja Kukk, isikukood 49310033494.", "Maarja Kukk"],
    ["Laba diena, esu Mantas Urbonas, asmens kodas 50211139173.", "Mantas Urbonas"],
    ["Labdien, esmu Dace Bērziņš, personas kods 230248-18133.", "Dace Bērziņš"],
    ["Buenas tardes, mi nombre es Guadalupe Ramírez y mi CURP es MAGR660926MVZBZT08.", "Guadalupe Ramírez"],
    ['"Hello, my name is Teresa Okonkwo-Bright and I have been a customer since 2019.', "Teresa Okonkwo-Bright"],
    ["hola, me llamo Ana García.", "Ana García"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "Hi, I'm Happy to help with your order.",
    "Hallo, ich bin Lehrer in Köln.",
    "Yeni bir araştırmaya göre günde 7 bin adım atanların ölüm riski daha düşük.",
    "I am Sorry for the delay.",
  ])("control, %s: no one", (text) => {
    expect(people(text)).toEqual([]);
  });
});
