// Attack class: a person hidden from the name tagger by how the text is encoded rather than what it
// says — between HTML tags (a line of tags reads as code), split over inline tags, in an image's alt
// text, written with HTML's named letter references ("Garc&iacute;a"), or as an IRC log's speaker
// in angle brackets — sent through the LLM proxy to an agent whose policy blocks people. An attack
// passes only when the edge answers 422 and the provider saw nothing; the controls (the same
// shapes naming no one) must reach the provider.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("pii-markup");
  const agent = await createAgent(org, { name: "pii-markup-bot" });
  await attachPolicy(org, { name: "block people", pii: { person: "block" } }, { scope: "agent", id: agent.id });
  token = agent.token;
});

const mark = () => `mk${Math.random().toString(36).slice(2, 10)}`;

async function send(text: string): Promise<{ status: number; body: string; providerSawIt: boolean }> {
  const marker = mark();
  const res = await call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token,
    body: { model: "gpt-test", messages: [{ role: "user", content: `${text}\n(ref ${marker})` }] },
  });
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${encodeURIComponent(marker)}`)).json()) as unknown[];
  return { status: res.status, body: res.text.slice(0, 300), providerSawIt: seen.length > 0 };
}

describe("a person the markup hides, under person: block", () => {
  it.each([
    ["a name in bold opening a chat line of HTML", "<b>Hannah</b>: I'll push the fix after lunch."],
    ["a contact in a list item", "<ul><li>Contact: <strong>Gail Thornbury</strong></li></ul>"],
    ["a name split over two inline tags", "<p>Owner: <b>Gail</b> <i>Thornbury</i></p>"],
    ["a name in an image's alt text", '<img src="/team.png" alt="Bartholomew Quist at the annual gala">'],
    ["a name written with named letter references", "Contact: Jos&eacute; Garc&iacute;a Lorca, Madrid"],
    ["an IRC log's speakers", "[12:03] <ingrid> did the deploy go out?\n[12:04] <raj> yep, all green"],
  ])("attack: %s reaches the provider", async (_, text) => {
    const r = await send(text);
    expect({ status: r.status, providerSawIt: r.providerSawIt }, r.body).toEqual({ status: 422, providerSawIt: false });
  });
});

describe("controls: markup naming no one is sent", () => {
  it.each([
    "<ul><li>Apples</li><li>Pears</li></ul>",
    "<p>Your order has shipped and will arrive on <b>Tuesday</b>.</p>",
    "const items: Array<string> = []; if (a <b && c> d) { return; }",
    "Caf&eacute; au lait, cr&egrave;me br&ucirc;l&eacute;e and a glass of water",
  ])("clean: %s", async (text) => {
    const r = await send(text);
    expect({ status: r.status, providerSawIt: r.providerSawIt }, r.body).toEqual({ status: 200, providerSawIt: true });
  });
});
