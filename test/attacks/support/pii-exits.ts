// Helpers of the PII spelling attacks (test/attacks/pii-*.test.ts): one org whose agents block
// e-mail, phone, card, IBAN and IP addresses on the LLM proxy (through the official OpenAI and
// Anthropic SDKs), on egress and on tool arguments, and checks that a value never arrived.
import Anthropic from "@anthropic-ai/sdk";
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { expect } from "vitest";
import { BASE, type SeededOrg, call, seedOrg } from "../../workers/support/api.js";
import { attachPolicy, create, createAgent, fakeProviderOrg } from "../../workers/support/fixtures.js";
import { targetRequests, toolCall } from "../../workers/support/tools.js";

const BLOCKED = { email: "block", phone: "block", credit_card: "block", iban: "block", ip_address: "block" } as const;
const ENTITIES_ALLOWED = { person: "allow", organization: "allow", location: "allow", address: "allow" } as const;

export interface PiiExits {
  llmToken: string;
  egressToken: string;
  toolToken: string;
  toolName: string;
}

const workerFetch = (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init));

/** A marker unique to one attempt, so the provider's and the target's logs are searched for it alone. */
export const mark = () => `pm${Math.random().toString(36).slice(2, 10)}`;

export async function piiExits(label: string): Promise<PiiExits> {
  const llmOrg: SeededOrg = await fakeProviderOrg(`${label}-llm`);
  const llm = await createAgent(llmOrg, { name: `${label}-llm` });
  await attachPolicy(llmOrg, { name: `${label} llm`, pii: { ...BLOCKED, ...ENTITIES_ALLOWED } }, { scope: "agent", id: llm.id });

  const org = await seedOrg(`${label}-exits`);
  const port = Number(new URL(env.TEST_TARGET_URL).port);
  const egress = await createAgent(org, { name: `${label}-egress`, autonomy: 5 });
  await attachPolicy(
    org,
    { name: `${label} egress`, egress: [{ host: "127.0.0.1", ports: [port] }], piiExits: { egress: BLOCKED } },
    { scope: "agent", id: egress.id },
  );
  const tools = await createAgent(org, { name: `${label}-tools`, autonomy: 5 });
  await attachPolicy(org, { name: `${label} tools`, piiExits: { toolArguments: BLOCKED } }, { scope: "agent", id: tools.id });
  const toolName = `${label}-echo-${Math.random().toString(36).slice(2, 8)}`;
  const tool = await create(org, "tools", {
    name: toolName,
    description: "echo",
    inputSchema: { type: "object" },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/${label}-echo`,
  });
  await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: tools.id });
  return { llmToken: llm.token, egressToken: egress.token, toolToken: tools.token, toolName };
}

async function providerSaw(needle: string): Promise<boolean> {
  const res = await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${encodeURIComponent(needle)}`);
  return ((await res.json()) as unknown[]).length > 0;
}

/** Sends `text` as a chat message with the OpenAI SDK; the status it got (200 or the error's). */
async function openaiStatus(exits: PiiExits, text: string): Promise<number> {
  const openai = new OpenAI({ apiKey: exits.llmToken, baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 0 });
  try {
    await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: text }] });
    return 200;
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) return err.status;
    throw err;
  }
}

/** Sends `text` in an Anthropic message with the Anthropic SDK. */
async function anthropicStatus(exits: PiiExits, text: string): Promise<number> {
  const anthropic = new Anthropic({ apiKey: exits.llmToken, baseURL: `${BASE}/llm/anthropic`, fetch: workerFetch, maxRetries: 0 });
  try {
    await anthropic.messages.create({ model: "claude-test", max_tokens: 16, messages: [{ role: "user", content: [{ type: "text", text }] }] });
    return 200;
  } catch (err) {
    if (err instanceof Anthropic.APIError && err.status !== undefined) return err.status;
    throw err;
  }
}

/** `text` (holding `m`) sent through both SDKs: each refused with 422, the provider never saw `m`. */
export async function expectLlmRefused(exits: PiiExits, m: string, text: string): Promise<void> {
  const statuses = [await openaiStatus(exits, text), await anthropicStatus(exits, text)];
  expect({ statuses, providerSawIt: await providerSaw(m) }).toEqual({ statuses: [422, 422], providerSawIt: false });
}

/** Clean `text` (holding `m`) reaches the provider through both SDKs. */
export async function expectLlmPasses(exits: PiiExits, m: string, text: string): Promise<void> {
  const statuses = [await openaiStatus(exits, text), await anthropicStatus(exits, text)];
  expect({ statuses, providerSawIt: await providerSaw(m) }).toEqual({ statuses: [200, 200], providerSawIt: true });
}

/** Posts `body` through egress; refused with 422 and the target saw no request carrying `m`. */
export async function egressOutcome(
  exits: PiiExits,
  m: string,
  body: string,
  contentType: string,
): Promise<{ status: number; targetSawIt: boolean }> {
  const res = await call(`/egress/${env.TEST_TARGET_URL}/pii-spelling?${m}=1`, {
    method: "POST",
    token: exits.egressToken,
    headers: { "content-type": contentType },
    rawBody: body,
  });
  const seen = (await targetRequests(300)).some((r) => r.path.includes(m));
  return { status: res.status, targetSawIt: seen };
}

/** Calls the echo tool with `note`; the MCP error code and whether the tool's target saw `m`. */
export async function toolOutcome(exits: PiiExits, m: string, note: string): Promise<{ error: number | undefined; targetSawIt: boolean }> {
  const res = await toolCall(exits.toolToken, exits.toolName, { note });
  const seen = (await targetRequests(300)).some((r) => (r.body ?? "").includes(m));
  return { error: res.json?.error?.code, targetSawIt: seen };
}

export const EGRESS_REFUSED = { status: 422, targetSawIt: false };
export const TOOL_REFUSED = { error: -32014, targetSawIt: false };
