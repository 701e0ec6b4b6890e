// Attack class: a person's given name written in lower case inside otherwise capitalised English
// prose ("Our new hire sebastian starts…"). Red team 27 found the gate that keeps lower-case words
// of other languages ("em alta", "sur la ville") out let such names through under a policy that
// blocks people, where the version before it had caught many. Each must answer 422 with the
// provider unreached; lower-case words that are names only in some list still pass.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { chatSeen } from "./support.js";

let agentToken: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("lower-case-names");
  const agent = await createAgent(org, { name: "lower-bot" });
  await attachPolicy(org, { name: "block people", pii: { person: "block" } }, { scope: "agent", id: agent.id });
  agentToken = agent.token;
});

const send = (content: string) => chatSeen(agentToken, content);

describe("attack: a lower-case given name in capitalised prose", () => {
  it.each([
    ["in an English sentence with no other cue", "Our new hire sebastian starts on Monday."],
    ["before a verb of doing", "Last week svetlana resigned from the company."],
    ["before an adverb", "I think matteo already fixed the bug."],
    ["after a verb of reminding", "Can you remind yusuf about the deadline?"],
    ["after a title without its full stop", "Payment received from Mrs oskar via wire."],
    ["after a title with its full stop", "Payment received from Mrs. giulia via wire."],
    ["after a capitalised name and 'and'", "Ahmed and fatima are coming."],
    ["beside the writer", "Today dmitri and I reviewed the contract."],
    ["a dictionary word that is a name, before an English verb", "Yesterday john called about the invoice."],
    ["after two blanks and a preposition", "The ticket was opened by  oskar last week."],
    ["the subject of a deed among software words (red team 27c)", "The logs show that sebastian deleted the production database."],
    ["erring among software words", "The deploy failed because yusuf accidentally dropped the staging table."],
  ])("%s is refused", async (_title, content) => {
    const { res, seen } = await send(content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen).toEqual([]);
  });

  it.each([
    ["Portuguese market report", "As bolsas fecharam em alta de 1,1%, impulsionadas pelos bancos."],
    ["Romanian weather", "Mâine vreme frumoasă, cu maxime de 24 de grade."],
    ["French prose", "Il pleut doucement sur la ville, et mon cœur écoute."],
    ["a season before a verb", "I feel like autumn came early this year."],
    ["a tool named like a person doing a deed (red team 28)", "travis deleted the cache again"],
  ])("control: %s is sent", async (_title, content) => {
    const { res, seen } = await send(content);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
  });
});
