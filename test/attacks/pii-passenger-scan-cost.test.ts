// Attack class: text that makes the passenger-record rule's scan cost grow with the square of its
// length. The rule (form-names.ts, passengerNames) reads the whole text for SURNAME/GIVEN TITLE; a
// capital word may hold hyphens and apostrophes, and a match could open after each of them, so a
// run like "A-A-A-…-A" tried a match at every letter and read to the run's end each time: 80,000
// characters cost 2.8 s in Node, and a chat message of 120,000 overran the scan's 2 s budget and
// was refused (fail-closed) instead of sent. The same length of capitals between blanks is linear.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, chat, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

// The scan's 2 s budget is wall time under the test pool: a retry keeps a scan that is slow every time failing.
const LOADED_MACHINE = { retry: 2 };

/** `unit` repeated to `length` characters. */
const repeated = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

describe("a booking message holding a long run of capitals joined by hyphens or apostrophes", () => {
  let token: string;
  beforeAll(async () => {
    const org = await fakeProviderOrg("passenger-scan-cost");
    const agent = await createAgent(org, { name: "passengers" });
    await attachPolicy(org, { name: "mask people", pii: { person: "mask" } }, { scope: "agent", id: agent.id });
    token = agent.token;
  });

  it("control: 120,000 characters of capitals between blanks, then a passenger, are checked and sent", LOADED_MACHINE, async () => {
    const res = await chat(token, "gpt-test", `BOOKING ${repeated("A ", 120_000)}SMITH/JOHN MR`);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
  });

  it("attack: 120,000 characters of 'A-A-A…', then a slash and a title, are checked and sent too", LOADED_MACHINE, async () => {
    const res = await chat(token, "gpt-test", `BOOKING ${repeated("A-", 120_000)}B/C MR`);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
  });

  it("attack: 120,000 characters of \"A'A'A…\", then a slash and a title, are checked and sent too", LOADED_MACHINE, async () => {
    const res = await chat(token, "gpt-test", `BOOKING ${repeated("A'", 120_000)}B/C MR`);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
  });
});
