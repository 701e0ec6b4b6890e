// Attack class: getting a national, tax or company id past a `block` tax_id policy on the LLM proxy
// by writing it with a check digit that fails (a typo, a made-up number) or giving an id whose
// scheme has no public check (passport, Steuernummer, UTR), right after the id's own label. A value
// its label names is that id: every variant must answer 422 pii_blocked naming tax_id, echo no
// value and leave the provider unreached.
import Anthropic from "@anthropic-ai/sdk";
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { FAKE_LLM_KEY } from "../support/secrets.js";
import { BASE, type SeededOrg, call, seedOrg } from "../workers/support/api.js";

let org: SeededOrg;
let agentToken: string;

const workerFetch = (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init));

async function providerRequestCount(): Promise<number> {
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=1000`)).json()) as unknown[];
  return seen.length;
}

beforeAll(async () => {
  org = await seedOrg("pii-id-check");
  const t = org.apiKey;
  const post = async (what: string, body: Record<string, unknown>) => {
    const res = await call(`/api/v1/orgs/${org.orgId}/${what}`, { method: "POST", token: t, body });
    expect(res.status, res.text).toBe(201);
    return res.json;
  };
  await post("credentials", { name: "fake-key", secret: FAKE_LLM_KEY, inject: { type: "bearer" } });
  await post("providers", { name: "openai-fake", kind: "openai", baseUrl: `${env.TEST_FAKE_LLM_URL}/v1`, credential: "fake-key" });
  await post("providers", {
    name: "anthropic-fake",
    kind: "anthropic",
    baseUrl: env.TEST_FAKE_LLM_URL,
    credential: "fake-key",
    models: ["claude-test"],
  });
  await post("prices", { model: "*", inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000 });
  const policy = await post("policies", {
    name: "block ids",
    egress: [],
    pii: { tax_id: "block", phone: "allow", date_of_birth: "allow", person: "allow", organization: "allow", location: "allow", address: "allow" },
  });
  const attached = await call(`/api/v1/orgs/${org.orgId}/policies/${policy.id}/attach`, { method: "POST", token: t, body: { scope: "org" } });
  expect(attached.status, attached.text).toBe(201);
  agentToken = (await post("agents", { name: "id-bot" })).token;
});

const chat = (content: string) =>
  call("/llm/openai/v1/chat/completions", { method: "POST", token: agentToken, body: { model: "gpt-test", messages: [{ role: "user", content }] } });

async function expectBlocked(send: () => Promise<{ status: number; json: any; text: string }>, value: string) {
  const before = await providerRequestCount();
  const res = await send();
  expect(res.status, res.text).toBe(422);
  expect(res.json.error.code).toBe("pii_blocked");
  expect(res.text).toContain("tax_id");
  expect(res.text).not.toContain(value);
  expect(await providerRequestCount()).toBe(before);
}

describe("attack: an id after its label with a check digit that fails", () => {
  it.each([
    ["German Steuer-ID", "Steuer-ID: 47 036 892 815", "47 036 892 815"],
    ["Brazilian CPF", "CPF 529.982.247-26", "529.982.247-26"],
    ["Chinese resident id", "身份证号：440106199208233516", "440106199208233516"],
    ["Indian Aadhaar", "Aadhaar 4821 7730 5519", "4821 7730 5519"],
    ["Italian codice fiscale", "Codice fiscale: RSSFNC82T45L219X", "RSSFNC82T45L219X"],
    ["Polish PESEL", "PESEL 75110512343", "75110512343"],
    ["German VAT id", "USt-IdNr. DE281937465", "DE281937465"],
    ["Korean business number", "사업자등록번호: 214-86-39012", "214-86-39012"],
  ])("%s", async (_name, text, value) => {
    await expectBlocked(() => chat(`Please file this: ${text}. Thanks`), value);
  });
});

describe("attack: an id whose scheme has no check, after its label", () => {
  it.each([
    ["passport number", "Passport No: X12345678", "X12345678"],
    ["German Steuernummer", "Steuernummer: 21/815/08150", "21/815/08150"],
    ["UK UTR", "UTR: 81736 29450", "81736 29450"],
    ["Turkish tax number", "Vergi No: 4830172695", "4830172695"],
    ["Russian passport", "паспорт: 45 12 678901", "45 12 678901"],
    ["SSN written with spaces", "SSN 231 54 9087", "231 54 9087"],
    // Sixteenth round: labels in more languages, two labels joined by "/", a copula between.
    ["Bulgarian ЕГН", "ЕГН 7512034476", "7512034476"],
    ["Nigerian NIN after 'my … is' in Yoruba", "Nọ́mbà NIN mi ni 48201937561", "48201937561"],
    ["Indonesian NIK/NPWP", "NIK/NPWP saya 3174052908880007", "3174052908880007"],
    ["Italian partita IVA after 'è'", "La mia partita IVA è IT09876543210", "IT09876543210"],
  ])("%s", async (_name, text, value) => {
    await expectBlocked(() => chat(`Record: ${text}`), value);
  });
});

describe("attack: through the official SDKs", () => {
  it("OpenAI and Anthropic clients get 422 for a labelled id with a broken check", async () => {
    const openai = new OpenAI({ apiKey: agentToken, baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 0 });
    await expect(
      openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "NIF: 231 874 561" }] }),
    ).rejects.toMatchObject({ status: 422 });
    const anthropic = new Anthropic({ apiKey: agentToken, baseURL: `${BASE}/llm/anthropic`, fetch: workerFetch, maxRetries: 0 });
    await expect(
      anthropic.messages.create({ model: "claude-test", max_tokens: 16, messages: [{ role: "user", content: "PESEL: 44051401358" }] }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("an order number or a build id is no id and reaches the provider", async () => {
    const res = await chat("Order ID: 12345678, build ID 20241103, ticket TIN-48213");
    expect(res.status, res.text).toBe(200);
  });
});
