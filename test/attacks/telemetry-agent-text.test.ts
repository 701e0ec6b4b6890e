// Attack class: an agent writes personal data or secrets to the org's collector through the text
// it chooses (egress path, tool arguments filled into a URL, model and tool names), with content
// export off. Each variant goes through the Worker's real entry; the collector's whole export is
// searched for the planted values.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { exportedName, exportedPath } from "../../workers/telemetry/genai.js";
import { type SeededOrg, call } from "../workers/support/api.js";
import { attachPolicy, chat, create, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { toolCall } from "../workers/support/tools.js";
import { configureTelemetry, exportsOf, receivedSpans } from "../workers/telemetry/support.js";

const target = new URL(env.TEST_TARGET_URL);
const PLANTED = {
  phone: "+14155552671",
  iban: "DE89370400440532013000",
  card: "5500-0000-0000-0004",
  ssn: "536-22-1234",
  words: "salary of Jane Marsh is 120k",
  github: "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
};

let org: SeededOrg;
let agent: { id: string; token: string };

beforeAll(async () => {
  org = await fakeProviderOrg("otel-agent-text");
  await attachPolicy(
    org,
    { name: "agent-text", egress: [{ host: target.hostname, ports: [Number(target.port)], paths: ["/at/**"] }], models: ["gpt-test"] },
    { scope: "org" },
  );
  agent = await createAgent(org, { name: "agent-text-bot" });
});

async function everything(tag: string): Promise<string> {
  return decodeURIComponent(JSON.stringify(await exportsOf(tag)));
}

describe("agent-chosen text does not reach the collector", () => {
  it("personal data and a token in allowed and refused egress paths (one value per segment, split and encoded)", async () => {
    const tag = await configureTelemetry(org);
    const paths = [
      `/at/${encodeURIComponent(PLANTED.phone)}/${PLANTED.iban}/${PLANTED.card}/${PLANTED.ssn}`,
      `/at/${encodeURIComponent(PLANTED.words)}/${PLANTED.github}/${agent.token}`,
      "/at/5500/0000/0000/0004",
      `/elsewhere/${encodeURIComponent(PLANTED.words)}/${PLANTED.card}`,
    ];
    for (const p of paths) await call(`/egress/${env.TEST_TARGET_URL}${p}`, { token: agent.token });
    await receivedSpans(tag, (s) => s.filter((x) => x.kind === 3).length >= paths.length);
    const all = await everything(tag);
    for (const value of [...Object.values(PLANTED), agent.token, "5500/0000/0000/0004"]) expect(all).not.toContain(value);
    // The route stays readable: identifier segments are kept.
    expect(all).toContain(`${target.origin}/at/{…}`);
  });

  it("a tool's arguments filled into its URL are exported as the template", async () => {
    const tool = await create(org, "tools", {
      name: "at_lookup",
      description: "Look up",
      inputSchema: { type: "object", properties: { who: { type: "string" }, n: { type: "string" } }, required: ["who", "n"] },
      method: "GET",
      url: `${env.TEST_TARGET_URL}/at/people/{who}/{n}`,
    });
    await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
    const tag = await configureTelemetry(org);
    const res = await toolCall(agent.token, "at_lookup", { who: PLANTED.words, n: PLANTED.ssn });
    expect(res.status, res.text).toBe(200);
    const spans = await receivedSpans(tag, (s) => s.some((x) => x.kind === 3));
    expect(spans.find((s) => s.kind === 3)?.attrs["url.full"]).toBe(`${target.origin}/at/people/{who}/{n}`);
    const all = await everything(tag);
    expect(all).not.toContain(PLANTED.words);
    expect(all).not.toContain(PLANTED.ssn);
    // A tool in the catalog is named.
    expect(spans.some((s) => s.name === "execute_tool at_lookup")).toBe(true);
  });

  it("model names the policy does not allow are 'unknown' in the span name and gen_ai.request.model", async () => {
    const tag = await configureTelemetry(org);
    const models = [PLANTED.github, PLANTED.card, `gpt-test ${PLANTED.words}`, `gpt-test/${PLANTED.phone}`];
    for (const m of models) expect((await chat(agent.token, m, "hello")).status).toBe(403);
    const spans = await receivedSpans(tag, (s) => s.filter((x) => x.kind === 3).length >= models.length);
    for (const s of spans.filter((x) => x.kind === 3)) {
      expect(s.name).toBe("chat unknown");
      expect(s.attrs["gen_ai.request.model"]).toBe("unknown");
    }
    const all = await everything(tag);
    for (const value of Object.values(PLANTED)) expect(all).not.toContain(value);
  });

  it("unknown tool names (PII, secrets, long text) are 'execute_tool unknown'", async () => {
    const tag = await configureTelemetry(org);
    const names = [PLANTED.github, `lookup_${PLANTED.ssn}`, PLANTED.words];
    for (const n of names) expect((await toolCall(agent.token, n, {})).status).toBe(200);
    const spans = await receivedSpans(tag, (s) => s.filter((x) => x.name.startsWith("execute_tool")).length >= names.length);
    for (const s of spans.filter((x) => x.name.startsWith("execute_tool"))) {
      expect(s.name).toBe("execute_tool unknown");
      expect(s.attrs["gen_ai.tool.name"]).toBe("unknown");
    }
    const all = await everything(tag);
    for (const value of Object.values(PLANTED)) expect(all).not.toContain(value);
  });
});

describe("the exported forms", () => {
  it("exportedPath keeps short identifiers and template placeholders, replaces everything else", () => {
    expect(exportedPath("/v1/chat/completions")).toBe("/v1/chat/completions");
    expect(exportedPath("/items/{id}")).toBe("/items/{id}");
    expect(exportedPath("/users/42/orders/9f86d081884c7d65")).toBe("/users/{…}/orders/{…}");
    expect(exportedPath("/a/jane%40example.com/%E0%A4%A")).toBe("/a/{…}/{…}");
    expect(exportedPath(`/x/${PLANTED.github}`)).toBe("/x/{…}");
  });

  it("exportedName keeps a known plain name and nothing else", () => {
    expect(exportedName("gpt-4o-mini", true)).toBe("gpt-4o-mini");
    expect(exportedName("gpt-4o-mini", false)).toBe("unknown");
    expect(exportedName("jane@example.com", true)).toBe("unknown");
    expect(exportedName("a b", true)).toBe("unknown");
  });
});
