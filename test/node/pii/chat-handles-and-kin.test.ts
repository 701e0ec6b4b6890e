// A chat line whose speaker is a user name is prose, not a key of configuration: its people are
// found ("tiny_tim_77: my uncle Rodrigo…"); configuration keys with a value stay technical. After a
// kin word a name the frequency lists also hold (they come from subtitles) is the person
// ("abuelo Manolo", "tío Chuy"); an everyday or dictionary word is not ("Mother Nature").
import { describe, expect, it } from "vitest";
import { peopleIn as people } from "../../support/pii-people.js";
import { technicalLine } from "../../../workers/pii/detectors/technical.js";

describe("chat lines whose speaker is a user name", () => {
  it.each([
    ["tiny_tim_77: my uncle Rodrigo fished the Columbia River every summer", "Rodrigo"],
    ["opa_henk: mijn kleindochter Noor studeert nu in Maastricht!", "Noor"],
    ["sara.b: no sono da nonna Lucia stasera", "Lucia"],
  ])("%s", (text, person) => {
    expect(technicalLine(text)).toBe(false);
    expect(people(text)).toContain(person);
  });

  it.each(["log_level: debug", "spring.jpa.hibernate: update", "max_connections: 100", 'user.name: "svc-deploy"', "db_url: postgres://db:5432/app"])(
    "configuration stays technical: %s",
    (line) => {
      expect(technicalLine(line)).toBe(true);
    },
  );
});

describe("a name after a kin word", () => {
  it.each([
    ["Abuelo Manolo cumple 90 y lo celebramos en Cádiz.", "Manolo"],
    ["El abuelo Chema cumplió 95 y pidió churros.", "Chema"],
    ["Tío Chuy llega de Monterrey a las seis.", "Chuy"],
  ])("%s", (text, person) => {
    expect(people(text)).toContain(person);
  });

  it.each(["Mother Nature is angry this winter.", "My friend Google says it will rain.", "lisa_k: ne, muss noch mit Oma nach Hause"])(
    "an everyday word, a firm or a kin word alone is no person: %s",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});

describe("two people joined by 'and' in more languages", () => {
  it.each([["Gintarė ir Paulius tuokiasi Trakuose!", ["Gintarė", "Paulius"]]])("%s", (text, expected) => {
    for (const person of expected) expect(people(text)).toContain(person);
  });
});
