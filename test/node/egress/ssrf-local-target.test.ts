// The SSRF corpus against a real local target: every attempt is refused before a connection is made.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { assertPublicDestination, parseEgressTarget } from "../../../workers/egress/url-safety.js";
import { SSRF_CORPUS } from "../../workers/egress/ssrf-corpus.js";

let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  server = createServer((_req, res) => res.end("reached"));
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The gateway's order: parse, check the destination, and only then fetch (loopback only, by construction here). */
async function guardedFetch(raw: string, allowPrivate: boolean): Promise<"refused" | number> {
  let url: URL;
  try {
    url = parseEgressTarget(raw);
    assertPublicDestination(url, { allowPrivate });
  } catch {
    return "refused";
  }
  if (url.hostname !== "127.0.0.1") throw new Error(`test would leave loopback: ${url.hostname}`);
  const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(5000) });
  await res.text();
  return res.status;
}

it("refuses every corpus entry without connecting to the local target", async () => {
  const outcomes = await Promise.all(SSRF_CORPUS.map(([, target]) => guardedFetch(target.replaceAll("{port}", String(port)), false)));
  expect(outcomes.every((o) => o === "refused")).toBe(true);
  expect(connections).toBe(0);
});

it("reaches the same target when private destinations are allowed, so the check above is meaningful", async () => {
  expect(await guardedFetch(`http://127.0.0.1:${port}/`, true)).toBe(200);
  expect(await guardedFetch(`http:/127.0.0.1:${port}/collapsed`, true)).toBe(200);
  expect(connections).toBeGreaterThanOrEqual(1);
});
