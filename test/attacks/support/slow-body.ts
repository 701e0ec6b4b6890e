// A request whose body is written later, as a client on a slow link sends it (chunked, no Content-Length): the
// request reaches the Worker at once and is authenticated then; the test changes rights, then sends the body.
import { exports } from "cloudflare:workers";
import { BASE, withClientAddress } from "../../workers/support/api.js";

/** The answer: status, text and the JSON it holds (any: answers of many routes, read field by field). */
export type SlowAnswer = { status: number; text: string; json: any };

export function slowRequest(path: string, method: string, headers: Record<string, string>) {
  const stream = new TransformStream<Uint8Array, Uint8Array>();
  const writer = stream.writable.getWriter();
  const request = new Request(`${BASE}${path}`, {
    method,
    headers: withClientAddress(headers),
    body: stream.readable,
    duplex: "half",
  } as RequestInit);
  const result: Promise<SlowAnswer> = exports.default.fetch(request).then(async (r: Response) => {
    const text = await r.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, text, json };
  });
  return {
    result,
    /** Writes part of the body (the request stays open). */
    async write(text: string) {
      await writer.write(new TextEncoder().encode(text));
    },
    /** Writes the rest of the body, ends it and waits for the answer. */
    async send(text: string) {
      if (text) await writer.write(new TextEncoder().encode(text));
      await writer.close();
      return result;
    },
  };
}

/** A POST with a JSON body written later (see slowRequest), sent by `send()`. */
export function slowJsonPost(token: string, body: Record<string, unknown>, path: string) {
  const slow = slowRequest(path, "POST", { authorization: `Bearer ${token}`, "content-type": "application/json" });
  return { result: slow.result, send: () => slow.send(JSON.stringify(body)) };
}
