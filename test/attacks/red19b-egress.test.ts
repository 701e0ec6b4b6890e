// Red team 19b: the "a run the agent itself sent is not redacted" exemption, through the public
// egress API. Each test asserts the SAFE or the correct outcome: a failing test is a finding.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, withClientAddress } from "../workers/support/api.js";
import { credentialedAgent, longestRun } from "./support/credentialed-agent.js";

const encoder = new TextEncoder();

async function agentWith(label: string, secret: string | null, inject: Record<string, string>): Promise<string> {
  // /store: any API that keeps what it is given (issues, notes, a request bin); /__requests reads it back.
  return (await credentialedAgent(label, secret, inject, { methods: ["GET", "POST"], paths: ["/store", "/__requests", "/reflect", "/redirect"] }))
    .token;
}

async function send(token: string, method: string, pathAndQuery: string, body?: BodyInit, headers: Record<string, string> = {}) {
  const started = Date.now();
  const res = await exports.default.fetch(
    new Request(`${BASE}/egress/${env.TEST_TARGET_URL}${pathAndQuery}`, {
      method,
      headers: withClientAddress({ authorization: `Bearer ${token}`, ...headers }),
      ...(body !== undefined ? { body } : {}),
    }),
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, text: new TextDecoder().decode(bytes), ms: Date.now() - started };
}

const RAND = "4Zq9TbX2mKw7Lr0PcV5hYs8NdF3gJ6uA1eRtQoWiSyUpHkMjBnCvEx_l2a7zG9qD4fW8sK1rT6yH3uL0oP5iM2bN7vC";
const PAT = `github_pat_${RAND.slice(0, 82)}`; // a fine-grained PAT: 93 characters, bound 12
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
const hex = (s: string) => [...encoder.encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("");

let marks = 0;

/**
 * One step of the storage oracle: the agent stores its candidates (request 1, which holds them and
 * so is exempt), then reads them back (request 2, which holds none of them): the candidate that is
 * a run of the secret comes back redacted. Returns the indexes of the redacted candidates.
 */
async function storedAndReadBack(token: string, candidates: string[]): Promise<number[]> {
  const mark = `m${Date.now().toString(36)}x${marks++}`;
  const stored = await send(token, "GET", `/store?mark=${mark}&q=${candidates.join("-")}`);
  expect(stored.status).toBe(200);
  const read = await send(token, "GET", `/__requests?contains=${mark}&last=1`);
  expect(read.status, read.text).toBe(200);
  const [logged] = JSON.parse(read.text) as Array<{ path: string }>;
  const seen = (logged?.path ?? "").split("&q=")[1]?.split("-") ?? [];
  return candidates.flatMap((_, k) => (seen[k] === "[REDACTED]" ? [k] : []));
}

describe("red19b: the exemption is per request, the upstream's memory is not", () => {
  let patAgent: string;
  beforeAll(async () => {
    patAgent = await agentWith("r19b-store", PAT, { type: "bearer" });
  });

  it("attack: storing candidates and reading them back in another request (an issue, a note, a request bin) does not rebuild the credential", async () => {
    // Known: the public 11-byte prefix, as in red team 19's oracle. The raw echo is matched
    // case-insensitively, so the raw oracle spells the secret less the case of its letters.
    let known = "github_pat_";
    let requests = 0;
    const started = Date.now();
    while (known.length < PAT.length && requests < 400) {
      const tail = known.slice(-11);
      const letters = [...new Set([...ALPHABET.toLowerCase()])];
      const hits = await storedAndReadBack(
        patAgent,
        letters.map((c) => tail + c),
      );
      requests += 2;
      if (hits.length !== 1) break;
      known += letters[hits[0] as number];
    }
    console.log(
      `stored raw: rebuilt ${known.length}/${PAT.length} bytes (case folded) in ${requests} requests, ${Date.now() - started} ms: ${known}`,
    );
    expect(longestRun(known.slice(11).toLowerCase(), PAT.toLowerCase()).length).toBeLessThanOrEqual(11);
  });

  it("attack: storing candidates in hex (6 bytes of secret make 12 hex characters, the hex form's bound) rebuilds nothing, case included", async () => {
    // Known: 5 public bytes. The agent's 6-byte guess is no raw run (bound 12); its hex is one of the hex form.
    let known = "githu";
    let requests = 0;
    const started = Date.now();
    while (known.length < PAT.length && requests < 400) {
      const tail = known.slice(-5);
      const hits = await storedAndReadBack(
        patAgent,
        [...ALPHABET].map((c) => hex(tail + c)),
      );
      requests += 2;
      if (hits.length !== 1) break;
      known += ALPHABET[hits[0] as number];
    }
    console.log(`stored hex: rebuilt ${known.length}/${PAT.length} bytes in ${requests} requests, ${Date.now() - started} ms: ${known}`);
    expect(longestRun(known.slice(11), PAT).length).toBeLessThanOrEqual(11);
  });
});

describe("red19b: a redirect that rewrites the agent's text", () => {
  let patAgent: string;
  beforeAll(async () => {
    patAgent = await agentWith("r19b-tab", PAT, { type: "bearer" });
  });

  it("attack: candidates split by a tab, joined by the URL parser on a redirect (Location: /reflect?q=...), do not rebuild the credential", async () => {
    // The agent's URL holds each candidate with a TAB after 6 bytes (no run of 12 in what it sent, even
    // unescaped); the upstream redirects to the decoded `to` and the gateway's URL parser drops the
    // TAB, so the hop it follows (same origin, credential injected) reflects the candidate whole.
    let known = "github_pat_";
    let requests = 0;
    const letters = [...new Set([...ALPHABET.toLowerCase()])];
    const started = Date.now();
    while (known.length < PAT.length && requests < 120) {
      const tail = known.slice(-11);
      const candidates = letters.map((c) => `${tail.slice(0, 6)}\t${tail.slice(6)}${c}`);
      const o = await send(patAgent, "GET", `/redirect?status=302&to=${encodeURIComponent(`/reflect?q=${candidates.join("-")}`)}`);
      requests++;
      expect(o.status, o.text).toBe(200);
      const seen = o.text.slice(o.text.indexOf("?q=") + 3).split("-");
      const hits = letters.flatMap((c, k) => (seen[k] === "[REDACTED]" ? [c] : []));
      if (hits.length !== 1) {
        console.log("tab redirect answer", o.text.slice(0, 300));
        break;
      }
      known += hits[0];
    }
    console.log(
      `tab redirect: rebuilt ${known.length}/${PAT.length} bytes (case folded) in ${requests} requests, ${Date.now() - started} ms: ${known}`,
    );
    expect(longestRun(known.slice(11).toLowerCase(), PAT.toLowerCase()).length).toBeLessThanOrEqual(11);
  });
});

describe("red19b: cost of the exemption", () => {
  let credAgent: string;
  let plainAgent: string;
  beforeAll(async () => {
    credAgent = await agentWith("r19b-cost", PAT, { type: "bearer" });
    plainAgent = await agentWith("r19b-cost-plain", null, {});
  });

  it.each([
    ["10 MB of percent escapes", () => "%41".repeat(3_400_000)],
    ["10 MB of the public prefix (anchors of the secret's pieces)", () => "github_pat_ ".repeat(870_000)],
    ["10 MB of HTML entities", () => "&amp;".repeat(2_000_000)],
  ])("a %s body is answered (timings in the log)", async (_n, make) => {
    const body = make();
    const plain = await send(plainAgent, "POST", "/reflect", body);
    const withCred = await send(credAgent, "POST", "/reflect", body);
    // Through five 307s (the body follows; the exemption is rebuilt each hop).
    const chain = `/redirect?status=307&to=${encodeURIComponent(
      `/redirect?status=307&to=${encodeURIComponent(`/redirect?status=307&to=${encodeURIComponent(`/redirect?status=307&to=${encodeURIComponent("/reflect")}`)}`)}`,
    )}`;
    const plainHopped = await send(plainAgent, "POST", chain, body);
    const hopped = await send(credAgent, "POST", chain, body);
    console.log(
      `${_n}: no credential ${plain.ms} ms (${plain.status}), credential ${withCred.ms} ms (${withCred.status}); 4 redirects: no credential ${plainHopped.ms} ms (${plainHopped.status}), credential ${hopped.ms} ms (${hopped.status} ${hopped.status === 200 ? "" : hopped.text.slice(0, 200)})`,
    );
    expect(withCred.status).toBe(200);
    expect(hopped.status).toBe(200);
  });
});
