// People that English prose names by the form around them rather than by the name lists: a word
// signing a message after a dash ("… dinner? — Carol"), a speaker after a verb of speech in
// inverted dialogue ("…," muttered Frank), someone a possessive and a kin word introduce ("my
// partner Kit"), a name in a piece that an acronym made look German ("J. Hargrove (EIN …)"), the
// people of a stand-up list ("ravi – on leave; Finn – out sick") and of meeting minutes' labels, a
// label glued to its name ("Recipient:John Smith") and a full name written small after a label.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const people = (text: string) => detectPii(text, { categories: ["person"] }).map((f) => text.slice(f.start, f.end));

describe("names read from the form around them", () => {
  it.each([
    ["Will you be home for dinner? — Carol", "Carol"],
    ["See you then – Margaret", "Margaret"],
    ["thanks for covering - Carol", "Carol"],
    ['"Sunny is late again," muttered Frank.', "Frank"],
    ['"Where?" asked Rose.', "Rose"],
    ['"Go!" shouted Will.', "Will"],
    ["and to my partner Kit for everything", "Kit"],
    ["our neighbour Cliff mows at seven", "Cliff"],
    ["J. Hargrove (EIN 94-0292083) has been added as a vendor.", "J. Hargrove"],
    ["standup: yuki – fixing login bug; ravi – on leave; connor – working with Stripe support", "yuki"],
    ["standup: yuki – fixing login bug; ravi – on leave; connor – working with Stripe support", "connor"],
    ["Tobi – blocked on AWS quota; Olamide – PR review; Finn – out sick.", "Finn"],
    ["Present: Yuki Tanabe, Dev Malhotra. Apologies: Grace. Ashworth opened the meeting.", "Grace"],
    ["Apologies: Hannah Bright.", "Hannah Bright"],
    ["Reviewer: Ivan Petrov", "Ivan Petrov"],
    ["Recipient:John Smith", "John Smith"],
    ["From:Anna Berg", "Anna Berg"],
    ["Odbiorca: jan kowalski", "jan kowalski"],
    ["Recipient: john smith", "john smith"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "Chapter 1 — Summer",
    "Four Seasons Hotel — Summer",
    "Status - Done",
    "Go to settings - Home",
    '"It is fine," noted Timeout.',
    "My Partner Kit Review And Unboxing",
    "my partner Company was sold",
    "DIE Linke bleibt in der Opposition.",
    "Apple – red; Rose – pink; Violet – purple",
    "Frontend – React; Backend – Node; Database – Postgres",
    "Mon – gym; Tue – swim; Wed – rest",
    "Assignee: Unassigned",
    "Apologies: We are experiencing delays.",
    "user.name:John",
    "Patient: denies chest pain",
    "Name: rose garden",
    "Sender: will power",
  ])("control: %s names no one", (text) => {
    expect(people(text)).toEqual([]);
  });
});
