// Red teams s21b and s21c, through the LLM proxy: the phone-label change (829e432) and the birth
// date, address and institution changes against `block` policies.
// Each test asserts the SAFE outcome; a failing test is a finding (all pass on 4c4378c).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { llmOrg } from "./support.js";

async function providerRequestCount(): Promise<number> {
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=1000`)).json()) as unknown[];
  return seen.length;
}

type Chat = (text: string) => Promise<{ status: number; json: any; text: string }>;

/** An org whose only policy has this `pii` section, and a chat call for its agent. */
async function orgWithPii(label: string, pii: Record<string, string>): Promise<Chat> {
  const org = await llmOrg(label);
  const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, {
    method: "POST",
    token: org.apiKey,
    body: { name: `pii ${label}`, egress: [], pii },
  });
  expect(policy.status, policy.text).toBe(201);
  const attached = await call(`/api/v1/orgs/${org.orgId}/policies/${policy.json.id}/attach`, {
    method: "POST",
    token: org.apiKey,
    body: { scope: "org" },
  });
  expect(attached.status, attached.text).toBe(201);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: `${label}-bot` } });
  expect(agent.status, agent.text).toBe(201);
  const token = agent.json.token as string;
  return (text) =>
    call("/llm/openai/v1/chat/completions", { method: "POST", token, body: { model: "gpt-test", messages: [{ role: "user", content: text }] } });
}

async function expectBlocked(send: Chat, text: string, category: string) {
  const before = await providerRequestCount();
  const res = await send(text);
  expect(res.status, res.text).toBe(422);
  expect(res.json.error.code).toBe("pii_blocked");
  expect(res.text).toContain(category);
  expect(await providerRequestCount()).toBe(before);
}

const ALLOW_ENTITIES = { person: "allow", organization: "allow", location: "allow" };
let cardBlockPhoneAllow: Chat;
let cardBlockPhoneMask: Chat;
let idBlockPhoneMask: Chat;
let addressBlock: Chat;
let phoneBlock: Chat;
let birthBlock: Chat;
let personBlockOrgAllow: Chat;

beforeAll(async () => {
  cardBlockPhoneAllow = await orgWithPii("r21b-card-allow", { ...ALLOW_ENTITIES, credit_card: "block", phone: "allow" });
  cardBlockPhoneMask = await orgWithPii("r21b-card-mask", { ...ALLOW_ENTITIES, credit_card: "block", phone: "mask" });
  idBlockPhoneMask = await orgWithPii("r21b-id", { ...ALLOW_ENTITIES, tax_id: "block", phone: "mask" });
  addressBlock = await orgWithPii("r21b-address", { ...ALLOW_ENTITIES, address: "block" });
  phoneBlock = await orgWithPii("r21b-phone", { ...ALLOW_ENTITIES, phone: "block" });
  birthBlock = await orgWithPii("r21c-birth", { ...ALLOW_ENTITIES, date_of_birth: "block" });
  personBlockOrgAllow = await orgWithPii("r21c-person", { ...ALLOW_ENTITIES, person: "block" });
});

// Red team 21c's classes (birth words, ids written like dates, institutions swallowing a person),
// through the proxy: each value a block rule refused before this session's changes is refused still.
describe("red21c: birth dates, ids and people a block rule must still refuse", () => {
  it.each(["<DateOfBirth>1985-03-12</DateOfBirth>", "patientDob: 12/03/1985", "Fødselsdatoen er 12.03.1985.", "Tanggal kelahirannya 12 Maret 1985."])(
    "date_of_birth block: %s",
    async (text) => {
      await expectBlocked(birthBlock, text, "date_of_birth");
    },
  );

  it("tax_id block: a TFN written like a date after its own label (TFN: 08-04-1952)", async () => {
    await expectBlocked(idBlockPhoneMask, "TFN: 08-04-1952", "tax_id");
  });

  it("person block, organisations allowed: the person after an institution and 'an' (Schreiben der Kanzlei an Herrn Peter Schmidt)", async () => {
    await expectBlocked(personBlockOrgAllow, "Schreiben der Kanzlei an Herrn Peter Schmidt vom 3. Mai.", "person");
  });
});

describe("red21b: a '+' before a 12-15 digit card", () => {
  it.each(["Charge card +3056 930902 5904 please", "card=+30569309025904", "Card+30569309025904"])(
    "credit_card block, phone allow: %s",
    async (text) => {
      await expectBlocked(cardBlockPhoneAllow, text, "credit_card");
    },
  );

  it.each(["Charge card +3056 930902 5904 please", "Maestro +5628 9414 47313"])("credit_card block, phone mask: %s", async (text) => {
    await expectBlocked(cardBlockPhoneMask, text, "credit_card");
  });

  it("held: a 16-digit card after '+' is still refused", async () => {
    await expectBlocked(cardBlockPhoneAllow, "Card: +4111 1111 1111 1111", "credit_card");
  });
});

describe("red21b: an id relabelled as a phone (tax_id block, phone mask)", () => {
  it.each(["CPF do contato: 111.444.777-35", "NHS number for the HP patient 943 476 5919", "BSN tel. 111222333"])("%s", async (text) => {
    await expectBlocked(idBlockPhoneMask, text, "tax_id");
  });
});

describe("red21b: an Arabic address cut at رقم (address block)", () => {
  it("العنوان: شارع الملك فهد، مبنى رقم 12، الرياض 12345", async () => {
    await expectBlocked(addressBlock, "العنوان: شارع الملك فهد، مبنى رقم 12، الرياض 12345", "address");
  });
});

describe("red21b: prices after a phone word are no phone (phone block)", () => {
  it.each([
    "Liên hệ để biết giá: 12.500.000 VND",
    "Wir erreichen inzwischen 1 234 567 Leser.",
    "Il faut rappeler que 1 250 000 personnes sont concernées.",
  ])("%s is forwarded", async (text) => {
    const res = await phoneBlock(text);
    expect(res.status, res.text).toBe(200);
  });
});
