// Attack class: a person named by a given name that is also a word, opening a sentence ("John just
// told me…", "Peter, can you…"): read as the word, the name reached the provider under a policy
// that blocks people. Each must answer 422 with the provider unreached; a sentence opening on such
// a word used as a word still passes.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { chatSeen } from "./support.js";

let agentToken: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("opening-names");
  const agent = await createAgent(org, { name: "names-bot" });
  await attachPolicy(org, { name: "block people", pii: { person: "block" } }, { scope: "agent", id: agent.id });
  agentToken = agent.token;
});

const send = (content: string) => chatSeen(agentToken, content);

describe("attack: a given name that is also a word, opening a sentence", () => {
  it.each([
    ["a name that speaks after an adverb", "John just told me the landlord is coming."],
    ["a name addressed with a request", "Peter, can you forward me the payroll file?"],
    ["a name addressed after a dash", "Emma — can you send me the contract?"],
    ["a name with a verb of speech in Portuguese", "Ana disse que vem amanhã."],
  ])("%s is refused", async (_title, content) => {
    const { res, seen } = await send(content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen).toEqual([]);
  });

  it("control: a sentence opening on such a word used as a word is sent", async () => {
    const { res, seen } = await send("Will has to be signed by Friday, and Amber alerts were issued overnight.");
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
  });
});
