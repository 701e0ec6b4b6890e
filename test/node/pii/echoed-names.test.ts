// A capitalised word that the same text's e-mail address spells is the holder's name
// (workers/pii/detectors/echoed-names.ts), in languages whose sentences the tagger hardly knows;
// a role's address ("support@…") or a firm the domain spells leaves the word alone.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location", "address", "email"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("a name the text's own address spells is a person", () => {
  it.each([
    ["Thảo đã đổi email thành thao_nguyen@outlook.com.", "Thảo"],
    ["Kipchoge amebadilisha barua pepe kuwa kipchoge.w@mail.co.ke", "Kipchoge"],
    ["Onni pyysi palautusta, onni.virtanen@posti.fi", "Onni"],
    ["Tuấn đã đổi email thành tuannguyen44@outlook.com.", "Tuấn"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});

describe("an address of a role or of the firm the domain spells names nobody", () => {
  it.each([
    "Contact Support at support@acme.com for help.",
    "Billing questions: billing@northwind.example",
    "Write to Northwind at hello@northwind.com today.",
    "Zendesk forwards tickets from zendesk@example.org.",
    "Security alerts go to security-team@example.com.",
    // red team 24, second round: a word and a role, a place's office, a package's version
    "Grant applications go to grant.applications@nsf-example.gov by March 3.",
    "Florence office: florence.office@acme.eu",
    "Lisbon hub: lisbonhub@acme.eu",
    "Jira notifications come from jira.notifications@acme.atlassian.net.",
    "Chase alerts are sent to chase.alerts@mybank-notify.com.",
    "Kafka lag alerts go to kafka-oncall@acme.com.",
    "Set up Ruby with ruby/setup-ruby@v1.160.0 before running the specs.",
    "Gatsby images need gatsby-plugin-image@3.12.3 and gatsby-plugin-sharp@5.12.3.",
  ])("%s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
