// An agent whose org blocks structured personal data on the LLM proxy (people, places and firms
// allowed), its provider the local fake: the markup attack files send a template through it and
// check the provider never saw it.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { llmOrg, newAgent } from "../support.js";
import { call } from "../../workers/support/api.js";
import { attachPolicy } from "../../workers/support/fixtures.js";

export const BLOCK_STRUCTURED = {
  email: "block",
  phone: "block",
  credit_card: "block",
  iban: "block",
  tax_id: "block",
  person: "allow",
  organization: "allow",
  location: "allow",
  address: "allow",
} as const;

/** How many requests the fake provider has seen. */
const providerRequests = async () => ((await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=1000`)).json()) as unknown[]).length;

export interface TemplateSender {
  /** Sends `content` as an e-mail template to render (one user message per string), through the OpenAI-compatible proxy. */
  chat(content: string | string[]): Promise<{ status: number; text: string }>;
  /** The template is refused (422) and the provider never reached. */
  expectBlocked(content: string | string[]): Promise<void>;
}

/** An agent under a policy with `pii` on the LLM proxy: OpenAI chat messages sent exactly as given. */
export interface LlmSender {
  /** The status, whether the provider was reached, and the answer's first 300 characters. */
  send(messages: unknown[]): Promise<{ status: number; forwarded: boolean; text: string }>;
}

export async function llmPiiAgent(label: string, pii: Record<string, string> = BLOCK_STRUCTURED): Promise<LlmSender> {
  const org = await llmOrg(label);
  await attachPolicy(org, { name: label, pii }, { scope: "org" });
  const agent = await newAgent(org);
  return {
    async send(messages) {
      const before = await providerRequests();
      const res = await call("/llm/openai/v1/chat/completions", { method: "POST", token: agent.token, body: { model: "gpt-test", messages } });
      return { status: res.status, forwarded: (await providerRequests()) > before, text: res.text.slice(0, 300) };
    },
  };
}

/** The `content` strings as user messages after a request to render them (what an agent asking for an e-mail sends). */
const templates = (content: string | string[]) =>
  (typeof content === "string" ? [content] : content).map((text) => ({ role: "user", content: `Render this e-mail template:\n${text}` }));

export async function llmBlockingAgent(label: string, pii: Record<string, string> = BLOCK_STRUCTURED): Promise<TemplateSender> {
  const sender = await llmPiiAgent(label, pii);
  return {
    chat: async (content) => {
      const r = await sender.send(templates(content));
      return { status: r.status, text: r.text };
    },
    async expectBlocked(content) {
      const r = await sender.send(templates(content));
      expect({ status: r.status, forwarded: r.forwarded }, r.text).toEqual({ status: 422, forwarded: false });
    },
  };
}
