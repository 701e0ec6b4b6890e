// Red team s13, attack class: false refusals. Ordinary business and technical text that a policy
// blocking person and address (every other category allowed) now refuses with 422 pii_blocked,
// because a rule of this round (workers/pii/detectors/street-address.ts, form-names.ts) reads it as
// a street address or a person:
// - street shapes: a number before a capitalised word and a street-type word ("2 Google Drive",
//   "Second Place 2", "Header Row 1"), a capitalised word ending in a glued street type ("Spring
//   2024": "ring"; "Engineering 101"), a lower-case "before the name" street word that is a
//   preposition or an everyday word in prose ("via Python 3", "Im Jahr 2024", "Zur Version 2",
//   "carrera de Fórmula 1");
// - scorers: "Goals:" / "Reti:" / "Mål:" are also goals of a plan and networks, and the scorer
//   rule takes any capitalised word after them (common words and cities are not excluded);
// - user-name labels: service accounts in configs ("User=www-data", "DB_USER=svc_reporting");
// - slash salutations: "m", "ms", "pan", "sr", "miss" are titles, so units and UI labels with a slash
//   ("5 m/s NW", "Pan/Tilt Camera", "Sr/Lead Backend Engineer", "Miss/Hit Ratio") name a person.
// Each test sends the text through the real LLM proxy and asserts the SAFE outcome (200, the text
// reached the provider); it FAILS while the text is refused. Each text was checked black-box with
// the round's new functions (streetAddresses, slashTitledNames) to name the rule that fires.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, chat, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;
beforeAll(async () => {
  const org = await fakeProviderOrg("red13-false-refusal");
  const agent = await createAgent(org, { name: "red13-false-refusal" });
  await attachPolicy(
    org,
    { name: "block people and addresses", pii: { person: "block", address: "block", organization: "allow", location: "allow" } },
    { scope: "agent", id: agent.id },
  );
  token = agent.token;
});

async function expectPasses(text: string) {
  const res = await chat(token, "gpt-test", text);
  expect(res.status, res.text.slice(0, 200)).toBe(200);
}

/**
 * False refusals the tagger made before this round too (the same verdict at 849556f3), left open
 * (docs/pii.md, "What block does not catch"): skipped by title.
 */
const OPEN = new Set(["a number, a product name and 'Drive'", "a ticket's seat ('Section B Row 12')", "a club result whose teams are cities"]);

describe("control: ordinary text without the new shapes passes", () => {
  it("control: 'Store the exports in two shared folders.' passes", () => expectPasses("Store the exports in two shared folders."));
  it("control: 'Install it with pip and run the tests.' passes", () => expectPasses("Install it with pip and run the tests."));
});

describe("street address by shape: ordinary text read as a street (address: block)", () => {
  const cases: Array<[string, string]> = [
    ["a number, a product name and 'Drive'", "Store the exports in 2 Google Drive folders."],
    ["a spreadsheet row ('Header Row 1')", "Header Row 1 holds the column names."],
    ["a ticket's seat ('Section B Row 12')", "Tickets: Section B Row 12, Seat 4."],
    ["a standings line ('Second Place 2')", "Final standings: Second Place 2 points behind."],
    ["a season and year (glued 'ring': 'Spring 2024')", "Spring 2024 catalogue is out."],
    ["a course number (glued 'ring': 'Engineering 101')", "Intro to Engineering 101 starts Monday."],
    ["'via' and a versioned tool ('via Python 3')", "Install it via Python 3 and pip."],
    ["German 'Im Jahr 2024' (in the year 2024)", "Im Jahr 2024 stieg der Umsatz um 5 Prozent."],
    ["German 'Zur Version 2'", "Zur Version 2 gibt es ein Update."],
    ["Spanish 'carrera de Fórmula 1' (the Formula 1 race)", "la carrera de Fórmula 1 empieza el domingo."],
  ];
  for (const [what, text] of cases)
    (OPEN.has(what) ? it.skip : it)(`attack: ${what} is refused as an address: ${JSON.stringify(text)}`, () => expectPasses(text));
});

describe("scorer lists: goals and networks read as scorers (person: block)", () => {
  const cases: Array<[string, string]> = [
    ["an OKR's 'Goals:' list", "Goals: Reduce Churn, Improve Onboarding"],
    ["a quarter's goals", "Q3 Goals: Faster Builds, Better Docs"],
    ["a club result whose teams are cities", "Goals: Liverpool 2, Everton 1"],
    ["Italian 'Reti:' (networks)", "Reti: Ethernet, Wireless"],
  ];
  for (const [what, text] of cases)
    (OPEN.has(what) ? it.skip : it)(`attack: ${what} is refused as people: ${JSON.stringify(text)}`, () => expectPasses(text));
});

describe("user-name labels: service accounts in configuration read as people (person: block)", () => {
  const cases: Array<[string, string]> = [
    ["a systemd unit's User=www-data", "[Service]\nUser=www-data\nGroup=www-data"],
    ["an env file's DB_USER=svc_reporting", "DB_USER=svc_reporting\nDB_HOST=db.internal"],
  ];
  for (const [what, text] of cases) it(`attack: ${what} is refused as a person: ${JSON.stringify(text)}`, () => expectPasses(text));
});

describe("slash salutations: units and UI labels with a slash after a 'title' (person: block)", () => {
  const cases: Array<[string, string]> = [
    ["wind speed and direction ('m/s NW')", "Wind: 5 m/s NW, gusts 9 m/s"],
    ["a speed and a capitalised word after 'm/s'", "Max speed 12 m/s Average 8 m/s"],
    ["a camera UI label ('Pan/Tilt')", "Pan/Tilt Camera Controls"],
    ["a job title ('Sr/Lead')", "Hiring: Sr/Lead Backend Engineer"],
    ["a cache statistic ('Miss/Hit')", "Cache Miss/Hit Ratio"],
  ];
  for (const [what, text] of cases) it(`attack: ${what} is refused as a person: ${JSON.stringify(text)}`, () => expectPasses(text));
});
