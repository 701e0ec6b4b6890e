// Raw HTTP answers from the local target (its /__red18set and /red18raw endpoints): an upstream
// that frames its answer however a test needs (lying lengths, odd codings, pieces written apart,
// a connection held open), for the egress answer attacks.
import { env, exports } from "cloudflare:workers";
import { BASE, withClientAddress } from "../../workers/support/api.js";
import { credentialedAgent } from "./credentialed-agent.js";

const encoder = new TextEncoder();
let ids = 0;

/** Stores a raw HTTP answer on the target and returns its id for /red18raw?id=; `\x01` splits the pieces written apart. */
export async function setRaw(raw: string | Uint8Array): Promise<string> {
  const id = `raw${ids++}-${Date.now()}`;
  const bytes = typeof raw === "string" ? encoder.encode(raw) : raw;
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const res = await fetch(`${env.TEST_TARGET_URL}/__red18set?id=${id}`, { method: "POST", body: btoa(binary) });
  await res.body?.cancel();
  return id;
}

/** A status line and headers (connection closed after the answer, text/plain), ready for a body. */
export const head = (status: string, headers: Record<string, string | number>) =>
  `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;

/** The UTF-8 length of a body, without the piece separators. */
export const len = (s: string) => encoder.encode(s.replaceAll("\x01", "")).length;

/** An agent whose egress rule injects `secret` (as `inject` says) on GETs of the target's /red18raw. */
export async function rawAnswerAgent(label: string, secret: string, inject: Record<string, string>): Promise<string> {
  return (await credentialedAgent(label, secret, inject, { methods: ["GET"], paths: ["/red18raw"] })).token;
}

/**
 * What the agent reads through the egress gateway when the upstream answers `body`: with a
 * content-length (read whole), or `streamed` in the pieces split at `\x01`, without one.
 */
export async function egressAnswer(token: string, body: string | Uint8Array, headers: Record<string, string> = {}, streamed = false) {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const length = bytes.filter((b) => b !== 1).length;
  const h = encoder.encode(head("200 OK", streamed ? headers : { "content-length": length, ...headers }));
  const raw = new Uint8Array(h.length + bytes.length);
  raw.set(h);
  raw.set(bytes, h.length);
  const res = await exports.default.fetch(
    new Request(`${BASE}/egress/${env.TEST_TARGET_URL}/red18raw?id=${await setRaw(raw)}`, {
      headers: withClientAddress({ authorization: `Bearer ${token}` }),
    }),
  );
  const out = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, bytes: out, text: new TextDecoder().decode(out) };
}
