// Attack class: a person named by a family name alone where news writing puts it, beside a verb of
// speech: after it ("…, sagte Weber am Montag", "…, said Kaiser") or before it ("Stein sagte, …"),
// in text that capitalises every noun or where the name is also a word. Read as a noun, the name
// reached the provider under a policy that blocks people. Each must answer 422 with the provider
// unreached; German nouns after an article or adjective pass.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { chatSeen } from "./support.js";

let agentToken: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("reported-speakers");
  const agent = await createAgent(org, { name: "speakers-bot" });
  await attachPolicy(org, { name: "block people", pii: { person: "block" } }, { scope: "agent", id: agent.id });
  agentToken = agent.token;
});

const send = (content: string) => chatSeen(agentToken, content);

describe("attack: a family name beside a verb of speech", () => {
  it.each([
    ["German inversion after a verb of speech", "Im Interview sagte Weber, dass die Zahlen gut seien."],
    ["German inversion with a noun-like surname", "Die Zahlen seien gut, sagte Braun am Montag."],
    ["a surname that is also a word, then a verb of speech", "Stein sagte, die Lieferung komme später."],
    ["English inversion", "The budget is tight, said Wolf on Monday."],
  ])("%s is refused", async (_title, content) => {
    const { res, seen } = await send(content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen).toEqual([]);
  });

  it("control: German nouns after an article or adjective are sent", async () => {
    const { res, seen } = await send(
      "Anschließend zweimal mit klarem Wasser nachspülen; im Verkehr ist heute viel los. Die Lieferung erfolgt in der Regel innerhalb von drei Tagen und ist kostenlos.\n",
    );
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
  });
});
