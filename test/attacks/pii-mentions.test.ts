// Attack class: a user mention naming a person (@m.kowalska, @maria-k, @j.smith) where the entity
// pass did not look: alone in a JSON string or a query value (a piece of one lower-case token was
// read as an identifier), after a label's colon ("cc:@maria-k"), in a list without blanks, with more
// parts or underscores at its ends, or followed by a capitalised word the tagger ran the mention
// into ("@maria.kowalska Team"). Red team 27. Each must be refused under a policy that blocks people.
import { beforeAll, describe, expect, it } from "vitest";
import { detectPii } from "../../workers/pii/index.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { ascii, BLOCKING, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";
import { chatSeen } from "./support.js";

let agentToken: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("pii-mentions");
  const agent = await createAgent(org, { name: "mentions-bot" });
  await attachPolicy(org, { name: "block people", pii: { person: "block" } }, { scope: "agent", id: agent.id });
  agentToken = agent.token;
});

describe("attack: a mention the entity pass skipped, through the LLM proxy", () => {
  it.each([
    ["a mention alone", "@m.kowalska"],
    ["after a label's colon", "cc:@maria-k"],
    ["a list without blanks", "reviewers:@maria-k,@john-s"],
    ["five parts", "ping @maria-kowalska-nowak-smith-jones"],
    ["underscores at its ends", "ping @_maria.k and @anna.b_ today"],
    ["an initial and a family name that is also a word", "assign it to @j.smith please"],
    ["a capitalised word after it", "Thanks @maria.kowalska Team for the review."],
  ])("%s is refused", async (_title, content) => {
    const { res, seen } = await chatSeen(agentToken, content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen).toEqual([]);
  });

  it.each([
    ["a package scope", "npm i @types/node @babel/core"],
    ["a bot", "cc @release-bot"],
    ["a CSS rule", "@media screen and (max-width: 600px)"],
  ])("control: %s is sent", async (_title, content) => {
    const { res, seen } = await chatSeen(agentToken, content);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe("attack: a mention alone in a JSON string or a query value, through the egress exit", () => {
  it("is refused", async () => {
    const agent = await egressPiiAgent("pii-mentions-egress", { ...BLOCKING, person: "block" });
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/json" },
      rawBody: ascii(JSON.stringify({ assignees: ["@m.kowalska", "@maria-k"] })),
    });
    await expectRefused(agent, "/e?assignee=@m.kowalska", { method: "GET" });
    await expectDelivered(agent, "/e", {
      headers: { "content-type": "application/json" },
      rawBody: ascii(JSON.stringify({ deps: ["@types/node"] })),
    });
  });

  it("the detector reads the mention as the person, not the word after it", () => {
    const text = "Thanks @maria.kowalska Team for the review.";
    expect(detectPii(text, { categories: ["person"] }).map((f) => text.slice(f.start, f.end))).toEqual(["maria.kowalska"]);
  });
});

describe("decorators are no mentions (red team 27b)", () => {
  it.each(["@grace.setter", "@pytest.mark.skip(reason='slow')", "@mark.parametrize", "@app.route('/users')"])("no person: %s", (text) => {
    expect(detectPii(text, { categories: ["person"] })).toEqual([]);
  });
});

it("attack: a mention in prose ending on a decorator's word is a user (red team 27c)", () => {
  for (const text of [
    "Thanks @grace.setter for the review",
    "cc @maria.route and @tom.get please",
    "- @anna.delete owns this",
    "> @anna.patch can you look?",
  ]) {
    expect(detectPii(text, { categories: ["person"] }), text).not.toEqual([]);
  }
  expect(detectPii("class A:\n    @grace.setter\n    def grace(self, v): pass", { categories: ["person"] })).toEqual([]);
  // Where code stands: in backticks, after a diff's, a quote's or a line number's prefix (red team 28).
  for (const code of ["see `@mark.skip` in the docs", "+    @mark.skip\n+    def test_x(): ...", "12 |     @mark.skip", "In [3]: @mark.skip"]) {
    expect(detectPii(code, { categories: ["person"] }), code).toEqual([]);
  }
});

it("attack: mentions joined by a slash are both read (red team 27b)", () => {
  const text = "reviewers @m.kowalska/@j.smith";
  expect(detectPii(text, { categories: ["person"] }).map((f) => text.slice(f.start, f.end))).toEqual(["m.kowalska", "j.smith"]);
  expect(detectPii("npm i @types/node @babel/core", { categories: ["person"] })).toEqual([]);
});
