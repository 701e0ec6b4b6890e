// Helpers of the egress PII attack files: an agent allowed to reach the local egress target under a
// policy that blocks e-mail, phone, card, IBAN, tax id and secrets on the egress exit, requests sent
// through the Worker's real entry, and what the target saw of them (by a marker in the query).
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call, seedOrg } from "../../workers/support/api.js";
import { attachPolicy, createAgent } from "../../workers/support/fixtures.js";

export type EgressInit = { method?: string; headers?: Record<string, string>; rawBody?: BodyInit };
type Seen = { path: string; body: string };

export const BLOCKING = { email: "block", phone: "block", credit_card: "block", iban: "block", tax_id: "block", secret: "block" } as const;

/** An agent whose policy allows the egress target and blocks the categories of BLOCKING (or `blocking`) on egress. */
export async function egressPiiAgent(label: string, blocking: Record<string, "block"> = BLOCKING): Promise<{ token: string }> {
  const org = await seedOrg(label);
  const agent = await createAgent(org, { name: label, autonomy: 5 });
  const port = Number(new URL(env.TEST_TARGET_URL).port);
  await attachPolicy(
    org,
    { name: label, egress: [{ host: "127.0.0.1", ports: [port] }], piiExits: { egress: blocking } },
    { scope: "agent", id: agent.id },
  );
  return agent;
}

/** Sends one request to the egress target; the status, the answer's text and whether the target saw it. */
export async function sendEgress(agent: { token: string }, path: string, init: EgressInit) {
  const marker = `px${Math.random().toString(36).slice(2, 10)}`;
  const res = await call(`/egress/${env.TEST_TARGET_URL}${path}${path.includes("?") ? "&" : "?"}${marker}=1`, {
    method: init.method ?? "POST",
    token: agent.token,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.rawBody !== undefined ? { rawBody: init.rawBody } : {}),
  });
  const seen = ((await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=300`)).json()) as Seen[]).filter((r) => r.path.includes(marker));
  return { status: res.status, text: res.text, targetSawIt: seen.length > 0 };
}

/** The attack fails: 422 pii_blocked and nothing reached the target. */
export async function expectRefused(agent: { token: string }, path: string, init: EgressInit): Promise<void> {
  const r = await sendEgress(agent, path, init);
  expect({ status: r.status, targetSawIt: r.targetSawIt }, r.text).toEqual({ status: 422, targetSawIt: false });
  expect(r.text).toMatch(/pii_blocked/);
}

/** A clean control: the request reaches the target. */
export async function expectDelivered(agent: { token: string }, path: string, init: EgressInit): Promise<void> {
  const r = await sendEgress(agent, path, init);
  expect({ status: r.status, targetSawIt: r.targetSawIt }, r.text).toEqual({ status: 200, targetSawIt: true });
}

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

export async function compressed(bytes: Uint8Array, format: "gzip" | "deflate"): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new CompressionStream(format))).arrayBuffer());
}

/** Deterministic pseudo-random bytes (xorshift32): what compressed, encrypted or image data looks like. */
export function noise(length: number, seed = 2463534242): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}
