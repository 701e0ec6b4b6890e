// Raw HTTP answers from the local target (its /__red18set and /red18raw endpoints): an upstream
// that frames its answer however a test needs (lying lengths, odd codings, pieces written apart,
// a connection held open), for the egress answer attacks.
import { env } from "cloudflare:workers";

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
