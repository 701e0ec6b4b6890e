// An agent whose org blocks structured personal data on the LLM proxy (people, places and firms
// allowed), its provider the local fake: the markup attack files send a template through it and
// check the provider never saw it.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { llmOrg, newAgent } from "../support.js";
import { call } from "../../workers/support/api.js";

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
  chat(content: string | string[]): ReturnType<typeof call>;
  /** The template is refused (422) and the provider never reached. */
  expectBlocked(content: string | string[]): Promise<void>;
}

export async function llmBlockingAgent(label: string, pii: Record<string, string> = BLOCK_STRUCTURED): Promise<TemplateSender> {
  const org = await llmOrg(label);
  const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, {
    method: "POST",
    token: org.apiKey,
    body: { name: "block structured values", egress: [], pii },
  });
  expect(policy.status, policy.text).toBe(201);
  const attached = await call(`/api/v1/orgs/${org.orgId}/policies/${policy.json.id}/attach`, {
    method: "POST",
    token: org.apiKey,
    body: { scope: "org" },
  });
  expect(attached.status, attached.text).toBe(201);
  const agent = await newAgent(org);
  const chat = (content: string | string[]) =>
    call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: agent.token,
      body: {
        model: "gpt-test",
        messages: (typeof content === "string" ? [content] : content).map((text) => ({
          role: "user",
          content: `Render this e-mail template:\n${text}`,
        })),
      },
    });
  return {
    chat,
    async expectBlocked(content: string | string[]) {
      const before = await providerRequests();
      const res = await chat(content);
      expect({ status: res.status, forwarded: (await providerRequests()) > before }, res.text).toEqual({ status: 422, forwarded: false });
    },
  };
}
