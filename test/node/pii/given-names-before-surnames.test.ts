// A given name that is also an English word right before a family name alone ("Precious Mwangi",
// "Tone Brekke"): the tagger left the word outside and only the family name was masked, so the given
// name reached the provider. Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";
import { type Candidate, confident } from "../../../workers/pii/detectors/entities.js";

describe("a given name that is also a word, before a family name", () => {
  it.each([
    ["Precious Mwangi of Nakuru won the women's 10,000m in a record time.", "Precious Mwangi"],
    ["Ordfører Tone Brekke i Ålesund åpnet den nye brua tirsdag.", "Tone Brekke"],
    ["The award went to Faith Okonkwo for her work on the bridge.", "Faith Okonkwo"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});

describe("a capitalised word inside a sentence before a person is its given name", () => {
  it.each([
    ["Dag Sofie, het rijksregisternummer van Elke Claes is 65.05.27-291.08.", "Elke Claes"],
    ["Dear Poppy Taylor, your National Insurance number is below.", "Poppy Taylor"],
    ["Lease: tenant Lindiwe van der Merwe, ID on file.", "Lindiwe van der Merwe"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    ["we met Minister Okonkwo today", "Okonkwo"],
    ["the report by Analyst Smith came late", "Smith"],
  ])("control, %s: a title or a role stays outside (%s)", (text, name) => {
    expect(people(text)).toEqual([name]);
  });
});

describe("a word that speaks to or of someone stays outside the name", () => {
  it.each([
    ["Ask Jensen about the invoice.", "Jensen"],
    ["Thanks Mwangi, see you tomorrow.", "Mwangi"],
  ])("%s", (text, name) => {
    expect(people(text)).toEqual([name]);
  });
});

describe("a surname only frequency lists hold, after a word that puts a person after it", () => {
  // "Sources say Feinberg is…", "allege that Devlin transferred…": the lists hold such surnames as
  // frequent words (subtitles name people), and the tagger leads by little there.
  const candidate = (personCue: boolean): Candidate => ({
    kind: "person",
    start: 0,
    end: 8,
    margin: 20,
    backed: false,
    wordy: true,
    frequentOnly: true,
    midProse: true,
    personCue,
    opening: false,
    label: false,
    nameShape: 3,
  });
  it("is kept wherever the tagger leads at all", () => {
    expect(confident(candidate(true))).toBe(true);
  });
  it("control: without the cue it needs the larger lead", () => {
    expect(confident(candidate(false))).toBe(false);
  });
});

// Rows written here (round 35): a family name after a particle that is also a word, and a family name
// written as its initial, were left outside the person.
describe("a family name after a particle, or written as its initial", () => {
  it.each([
    ["Charles de Gaulle spoke from London that evening.", "Charles de Gaulle"],
    ["Erik ten Hag left the club in October.", "Erik ten Hag"],
    ["Both Frenkie de Jong and Matthijs de Ligt came through the academy.", "Matthijs de Ligt"],
    ["De rechtbank veroordeelde Kevin de W. (28) tot twee jaar cel.", "Kevin de W."],
    ["Il tribunale ha condannato Marco R. a quattro anni.", "Marco R."],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it("control: a place after the particle is where the person is from", () => {
    expect(people("Pieter van der Veen van Zwolle won.")).toEqual(["Pieter van der Veen"]);
  });
});

// Rows written here (round 35): the speaker news names after its verb, in languages that write nouns in
// lower case, where the tagger read nothing because the name is also a word somewhere ("macron", "tusk").
describe("a speaker after a verb of speech, in a language without capitalised nouns", () => {
  it.each([
    ["« Nous tiendrons », a déclaré Macron devant les élus.", "Macron"],
    ["– To nie jest prawda – powiedział Tusk w Sejmie.", "Tusk"],
    ["«Ми вистоїмо», — заявив Зеленський.", "Зеленський"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([["Il a dit Bonjour à tous."], ["Elle a dit Merci en partant."]])("control, %s: a word said is no speaker", (text) => {
    expect(people(text)).toEqual([]);
  });
});

// Rows written here (round 35): a given name that is also a word before a name the two share, and a
// name before an age between commas, as news writes people.
describe("people news names by a shared family name or an age", () => {
  it.each([
    ["Bill and Melinda Gates founded the charity in 2000.", "Bill"],
    ["Bob and Linda Greaves celebrated sixty years of marriage.", "Bob"],
    ["Greaves, 84, said the secret was patience.", "Greaves"],
    ["The driver, Maria Costa, 31, from Porto, was unhurt.", "Maria Costa"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([["Overall, 12, were injured in the crash."], ["Rock and Roll Hall of Fame inductees were named."]])("control, %s: no person", (text) => {
    expect(people(text)).toEqual([]);
  });
});
