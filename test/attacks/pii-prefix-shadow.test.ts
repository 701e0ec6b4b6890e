// Attack class: a value shadowed by the word before it. Pattern detectors skip what looks like part
// of a longer value: an IBAN read from an IBAN-shaped word before the real one swallowed the real
// one's start ("YS23HIQZGJ8B DE89…"), a card after two letters and two digits ("AB12 4111…") was
// taken for an IBAN's digits though no IBAN was there, and a phone glued after a dash ("ref-+44 …")
// was no phone. Under a `block` policy each reached the provider (a random test marker hit the
// first one in a full suite run). Each must now answer 422 and the provider see nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { chatSeen } from "./support.js";

let agentToken: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("prefix-shadow");
  const agent = await createAgent(org, { name: "prefix-bot" });
  // The three categories blocked at once, names allowed.
  await attachPolicy(
    org,
    {
      name: "block values",
      pii: { phone: "block", credit_card: "block", iban: "block", person: "allow", organization: "allow", location: "allow", address: "allow" },
    },
    { scope: "agent", id: agent.id },
  );
  agentToken = agent.token;
});

async function expectRefused(content: string, value: string) {
  const { res, seen } = await chatSeen(agentToken, content);
  expect(res.status, res.text.slice(0, 200)).toBe(422);
  expect(seen.filter((r) => r.body.includes(value))).toEqual([]);
}

describe("attack: a value shadowed by the word before it", () => {
  it.each([
    ["an IBAN after an IBAN-shaped word whose groups run into it", "YS23HIQZGJ8B DE89370400440532013000", "DE89370400440532013000"],
    ["an IBAN after a marker of two letters, two digits and eight more", "rt60oubromgb DE89370400440532013000", "DE89370400440532013000"],
    ["a grouped IBAN after a long IBAN-shaped word", "KZ26U7M8BWPYULOK GB29 NWBK 6016 1331 9268 19", "6016 1331 9268 19"],
    ["a card after two letters and two digits", "AB12 4111111111111111", "4111111111111111"],
    ["a grouped card after an IBAN-shaped word", "QD39D7WODYK7E1Q3 4111 1111 1111 1111", "4111 1111 1111 1111"],
    ["a card after a word ending in two letters and two digits", "2P524P72 4111111111111111", "4111111111111111"],
    ["a phone glued after a dash", "ref-+44 20 7946 0958", "7946 0958"],
    ["a phone glued after an IBAN-shaped word and a dash", "DO94CA6N-+44 20 7946 0958", "7946 0958"],
  ])("%s is refused", async (_title, content, value) => {
    await expectRefused(content, value);
  });

  it("control: a real IBAN's digits are one IBAN, not a card (still refused, as an IBAN)", async () => {
    await expectRefused("DE89 3704 0044 0532 0130 00", "0532 0130 00");
  });
});
