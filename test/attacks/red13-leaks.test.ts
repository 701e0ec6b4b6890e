// Red team s13, attack class: leaks. Variants of the classes this round claims to catch (user
// names after labels and bylines, scorers, street addresses by shape, Chinese names before 您好 and
// after roles, Japanese names before titles) that still reach the model provider unmasked under the
// default policy (every category masked). Each "attack" test sends one chat message through the
// Worker's real entry and asserts the SAFE outcome: the request the fake provider received does not
// hold the name or street. It FAILS while the value leaks. The controls are the round's own
// examples, which are masked.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;
beforeAll(async () => {
  const org = await fakeProviderOrg("red13-leaks");
  const agent = await createAgent(org, { name: "red13-leaks" });
  await attachPolicy(org, { name: "red13-leaks-default", pii: {} }, { scope: "agent", id: agent.id });
  token = agent.token;
});

const marker = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

/** The user message as the provider received it. */
async function providerReceived(text: string): Promise<string> {
  const m = marker();
  const res = await call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token,
    body: { model: "gpt-test", user: m, messages: [{ role: "user", content: text }] },
  });
  expect(res.status, res.text.slice(0, 200)).toBe(200);
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${m}`)).json()) as Array<{ body: string }>;
  expect(seen.length).toBe(1);
  const sent = JSON.parse(seen[0]?.body ?? "{}") as { messages: Array<{ content: string }> };
  return sent.messages.at(-1)?.content ?? "";
}

async function expectMasked(text: string, secret: string) {
  const received = await providerReceived(text);
  expect(received.includes(secret), `provider received: ${received}`).toBe(false);
}

/** Leaks this round leaves open (docs/pii.md, "What block does not catch"): skipped by title. */
const OPEN = new Set([
  "attack: user name after the snake_case label 'user_name='",
  "attack: scorers written in lower case after 'Tore:'",
  "attack: street and town in lower case",
  "attack: Chinese name, a colon and a line break before 您好 (letter opening)",
  "attack: Japanese family name set apart by a space before the given name and 監督",
  "attack: katakana name before 会長",
]);

function cases(list: Array<[string, string, string]>) {
  for (const [what, text, secret] of list)
    (OPEN.has(what) ? it.skip : it)(`${what}: ${JSON.stringify(text)} must not reach the provider with ${JSON.stringify(secret)}`, () =>
      expectMasked(text, secret),
    );
}

describe("controls: the round's own shapes are masked", () => {
  cases([
    ["control: user name after its label", "Benutzername fengel", "fengel"],
    ["control: scorers after their label", "Tore: Huber, Lanzinger 2", "Lanzinger"],
    ["control: Chinese name before 您好", "王俊杰您好，附件是报价。", "王俊杰"],
    ["control: street by its shape", "Send it to 1234 Maple Circle, Springfield.", "Maple Circle"],
  ]);
});

describe("user names after a label or in a byline", () => {
  cases([
    ["attack: user name in quotes after 'Username:'", "Username: 'fengel42'", "fengel42"],
    ["attack: user name in double quotes after 'username'", 'username "mrossi" was locked', "mrossi"],
    ["attack: user name after the snake_case label 'user_name='", "user_name=fengel", "fengel"],
    ["attack: byline with a colon ('Posted by: dave_r')", "Posted by: dave_r", "dave_r"],
    ["attack: user name after a dash ('Benutzername – fengel')", "Benutzername – fengel", "fengel"],
    ["attack: user name after 'User ID:'", "User ID: fengel", "fengel"],
  ]);
});

describe("scorers", () => {
  cases([
    ["attack: scorers written in lower case after 'Tore:'", "Tore: huber, lanzinger", "lanzinger"],
    ["attack: one scorer after the singular label 'Torschütze:'", "Torschütze: Lanzinger (45.)", "Lanzinger"],
    ["attack: one scorer after the singular label 'Goal:'", "Goal: Lanzinger 45'", "Lanzinger"],
    ["attack: one scorer after the singular label 'Marcatore:'", "Marcatore: Lanzinger", "Lanzinger"],
  ]);
});

describe("street addresses by shape", () => {
  cases([
    ["attack: hyphenated German street name ('Konrad-Adenauer-Straße 12')", "Wir wohnen in der Konrad-Adenauer-Straße 12.", "Adenauer"],
    ["attack: street and town in lower case", "Send it to 28 kings avenue, leeds.", "kings avenue"],
  ]);
});

describe("Chinese names before a greeting and after a role", () => {
  cases([
    ["attack: Chinese name before 你好 (not 您好)", "王俊杰你好，附件是报价。", "王俊杰"],
    ["attack: Chinese name, a colon and a line break before 您好 (letter opening)", "王俊杰：\n您好！附件是报价。", "王俊杰"],
    ["attack: Chinese name, a space, then 您好", "王俊杰 您好，附件是报价。", "王俊杰"],
    ["attack: Chinese name after 致 (to) in a letter's opening", "致王俊杰：附件是报价。", "王俊杰"],
    ["attack: Chinese name after the role 市委书记 (party secretary)", "市委书记王俊杰出席会议。", "王俊杰"],
  ]);
});

describe("Japanese names before news titles", () => {
  cases([
    ["attack: six-Han Japanese name before 監督", "長谷川健太郎監督が会見した。", "健太郎"],
    ["attack: Japanese name before 都知事 (governor of Tokyo)", "小池百合子都知事が会見した。", "百合子"],
    ["attack: Japanese name before 官房長官 (chief cabinet secretary)", "松野博一官房長官が会見した。", "博一"],
    ["attack: Japanese family name set apart by a space before the given name and 監督", "山田 太郎監督が会見した。", "山田"],
    ["attack: katakana name before 会長", "カルロス・ゴーン会長が会見した。", "ゴーン"],
  ]);
});
