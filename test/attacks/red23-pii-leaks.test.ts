// Attack class (red team 23): names that the round's rules for clean text had dropped reached the
// provider under a policy that blocks people and organisations — a given name that is also a word
// before a verb's object ("remind Grace forms are due"), a full name written small after a
// thank-you, an all-caps Turkish institution whose ending holds "İ", one unlisted name inside a
// headline. Each must answer 422 with the provider unreached; the clean text those rules were made
// for still passes.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { chatSeen } from "./support.js";

let agentToken: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("red23-pii-leaks");
  const agent = await createAgent(org, { name: "red23-bot" });
  await attachPolicy(org, { name: "block people and firms", pii: { person: "block", organization: "block" } }, { scope: "agent", id: agent.id });
  agentToken = agent.token;
});

const send = (content: string) => chatSeen(agentToken, content);

describe("attack: names the round's clean-text rules dropped", () => {
  it.each([
    ["a given name as a verb's object before a plural noun", "Can you remind Grace forms are due Friday?"],
    ["a given name before an adverb in -s", "I think Grace sometimes can be late."],
    ["a full name written small after a thank-you", "gracias por maría fernández y su equipo"],
    ["an all-caps Turkish court with a dotted capital I", "Dava KADIKÖY ASLİYE HUKUK MAHKEMESİNDE görüldü."],
    ["one unlisted name inside a headline", "Intervju Med Þórsdóttir Om Ekonomin Nästa Vecka"],
  ])("%s is refused", async (_title, content) => {
    const { res, seen } = await send(content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen).toEqual([]);
  });

  it.each([
    ["a plural noun's modifier", "Will has to be signed by Friday, and Amber alerts were issued overnight."],
    ["what one is thanked for, in Swahili", "Asante sana kwa zawadi yako"],
    ["a clinician's note in a patient field", "Patient: Denies Chest Pain"],
    ["a message's kind before a colon", "Feil: kunne ikke lagre filen."],
  ])("control: %s is sent", async (_title, content) => {
    const { res, seen } = await send(content);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
  });
});
