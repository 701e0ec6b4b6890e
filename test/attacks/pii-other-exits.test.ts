// Attack class: personal data leaves through an exit other than the LLM proxy — an egress
// request's body or query, a tool call's arguments, or a tool's result — where the policy
// blocks it. Each variant must be refused with 422 (categories only) and reach no upstream.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";
import { auditOf, toolCall } from "../workers/support/tools.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };
let echoTool: string;
let cardTool: string;

async function targetSaw(marker: string): Promise<boolean> {
  const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=100`)).json()) as Array<{ path: string; body: string }>;
  return seen.some((r) => r.path.includes(marker) || r.body.includes(marker));
}

beforeAll(async () => {
  org = await seedOrg("pii-exits");
  agent = await createAgent(org, { name: "exits", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "exits",
      egress: [{ host: "127.0.0.1", ports: [port] }],
      piiExits: { egress: { email: "block", credit_card: "block" }, toolArguments: { credit_card: "block" }, toolResults: { email: "block" } },
    },
    { scope: "agent", id: agent.id },
  );
  echoTool = `echo-${Math.random().toString(36).slice(2, 8)}`;
  cardTool = `card-${Math.random().toString(36).slice(2, 8)}`;
  for (const [name, url] of [
    [echoTool, `${env.TEST_TARGET_URL}/people/{who}`],
    [cardTool, `${env.TEST_TARGET_URL}/cards`],
  ]) {
    const tool = await create(org, "tools", { name, description: "d", inputSchema: { type: "object" }, method: "GET", url });
    await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
  }
});

describe("egress requests carrying blocked personal data", () => {
  for (const [variant, path, init] of [
    [
      "an e-mail in a JSON body",
      "/post-json",
      { method: "POST", headers: { "content-type": "application/json" }, rawBody: '{"to":"jane.roe@example.org"}' },
    ],
    [
      "an e-mail in a form body",
      "/post-form",
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, rawBody: "to=jane.roe%40example.org" },
    ],
    [
      "an e-mail in a text body",
      "/post-text",
      { method: "POST", headers: { "content-type": "text/plain" }, rawBody: "write to jane.roe@example.org" },
    ],
    ["an e-mail in the query", "/get?to=jane.roe@example.org", { method: "GET" }],
    ["an e-mail percent-encoded in the query", "/get?to=jane.roe%40example.org", { method: "GET" }],
    [
      "a card number with dots in the body",
      "/post-card",
      { method: "POST", headers: { "content-type": "text/plain" }, rawBody: "card 4111.1111.1111.1111" },
    ],
  ] as const) {
    it(`refuses ${variant} (422, nothing sent)`, async () => {
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const separator = path.includes("?") ? "&" : "?";
      const res = await call(`/egress/${env.TEST_TARGET_URL}${path}${separator}${marker}=1`, { token: agent.token, ...init });
      expect(res.status, res.text).toBe(422);
      expect(res.json.error.code).toBe("pii_blocked");
      expect(res.text).not.toContain("jane.roe");
      expect(await targetSaw(marker)).toBe(false);
    });
  }

  it("lets data the policy allows through, and audits the categories found", async () => {
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const res = await call(`/egress/${env.TEST_TARGET_URL}/ok?${marker}=1`, {
      token: agent.token,
      method: "POST",
      headers: { "content-type": "text/plain" },
      rawBody: "call +44 20 7946 0000",
    });
    expect(res.status).toBe(200);
    await expect
      .poll(async () => (await auditOf(org, "egress.request")).some((e) => (e.details?.pii?.categories ?? []).includes("phone")), { timeout: 5_000 })
      .toBe(true);
  });
});

describe("tools", () => {
  it("refuses tool arguments carrying a blocked card number, before anything is sent", async () => {
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const res = await toolCall(agent.token, cardTool, { number: "4111 1111 1111 1111", m: marker });
    expect(res.json.error?.data?.code ?? res.json.error?.code, res.text).toBeTruthy();
    expect(res.text).toMatch(/personal data/);
    expect(res.text).not.toContain("4111");
    expect(await targetSaw(marker)).toBe(false);
  });

  it("withholds a tool result holding a blocked e-mail", async () => {
    const res = await toolCall(agent.token, echoTool, { who: "jane.roe@example.org" });
    expect(res.json.result?.content, res.text).toBeUndefined();
    expect(res.text).toMatch(/personal data/);
    expect(res.text).not.toContain("jane.roe");
  });
});
