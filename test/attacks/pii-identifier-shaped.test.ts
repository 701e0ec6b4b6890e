// Attack class: a value dressed as a machine identifier. Hex ids (UUIDs, digests, record ids) are
// read as ids, not cards or IBANs, since their digits pass Luhn or mod 97 about once in 500; a
// value written on its own or along a UUID's whole groups must still be refused under `block`.
// Control: a body of ordinary ids, among them ids whose digits used to read as a card or an IBAN,
// reaches the provider whole.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { chatSeen } from "./support.js";

let agentToken: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("identifier-shaped");
  const agent = await createAgent(org, { name: "ids-bot" });
  await attachPolicy(
    org,
    {
      name: "block numbers",
      pii: { credit_card: "block", iban: "block", tax_id: "block", phone: "block", person: "allow", organization: "allow", location: "allow" },
    },
    { scope: "agent", id: agent.id },
  );
  agentToken = agent.token;
});

const send = (content: string) => chatSeen(agentToken, content);

describe("attack: a value dressed as a machine identifier", () => {
  it.each([
    ["a card laid along a UUID's first three groups", "41111111-1111-1111-abcd-ef0123456789", "1111-1111-abcd"],
    ["an IBAN written as one hex token", "BE68539007547034", "BE68539007547034"],
    ["a card glued inside a hex word of no identifier's width", "deadbeef4111111111111111cafe", "4111111111111111"],
    ["a card beside a UUID", "9985e577-6002-4516-9800-87adcdd4955e 4111 1111 1111 1111", "4111 1111 1111 1111"],
  ])("%s is refused", async (_title, content, value) => {
    const { res, seen } = await send(content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen.filter((r) => r.body.includes(value))).toEqual([]);
  });

  it("control: ids whose digits read as a card, an IBAN or a national id reach the provider unchanged", async () => {
    const ids = [
      "9985e577-6002-4516-9800-87adcdd4955e",
      "0241e58a-f43c-4299-be05-ff031b1224a9",
      "7946686C-AC4D-4EF6-A704-D90C73D24E58",
      "DFED8EEC-6AFF-4499-BE54-DF5AB1E1D744",
      "c3c68de55c737f634846507560fd51f9bdc1cd35",
      "req_569335418202e653a49be888",
      "c32429127845330b329f7558",
    ];
    const content = ids.map((id, i) => `row ${i}: ${id}`).join("\n");
    const { res, seen } = await send(content);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
    for (const id of ids) expect(seen[0]?.body).toContain(id);
  });
});
