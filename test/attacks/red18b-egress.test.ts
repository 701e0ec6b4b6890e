// Red team 18b: the egress answer paths after the "one scrubbing stream / small body read whole /
// secret start at the end redacted" change. Each test asserts the safe or the correct outcome.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { credentialedAgent } from "./support/credentialed-agent.js";
import { setRaw, head, len } from "./support/raw-upstream.js";
import { BASE, withClientAddress } from "../workers/support/api.js";

const SECRET = "ghp_R3d18bSecret/Value+0123456789abcdefXYZ";
const BASIC = "deploybot:Pa55w0rd-XYZ-1234567890";
const DEBUG = false;

async function agentWith(label: string, secret: string, type: "bearer" | "basic"): Promise<string> {
  return (await credentialedAgent(label, secret, { type }, { methods: ["GET", "HEAD"], paths: ["/red18raw", "/red18bbig"] })).token;
}

let bearerAgent: string;
let basicAgent: string;
beforeAll(async () => {
  bearerAgent = await agentWith("r18b-bearer", SECRET, "bearer");
  basicAgent = await agentWith("r18b-basic", BASIC, "basic");
});

async function via(token: string, pathAndQuery: string, limitMs = 60_000) {
  const headers = withClientAddress({ authorization: `Bearer ${token}` });
  const started = Date.now();
  const work = (async () => {
    const res = await exports.default.fetch(new Request(`${BASE}/egress/${env.TEST_TARGET_URL}${pathAndQuery}`, { headers }));
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, text: new TextDecoder().decode(bytes), length: bytes.length, headers: res.headers, ms: Date.now() - started };
  })();
  const timer = new Promise<{ hung: true }>((r) => setTimeout(() => r({ hung: true }), limitMs));
  const o = await Promise.race([work, timer]);
  if (DEBUG) console.log("OUTCOME", pathAndQuery, JSON.stringify("hung" in o ? o : { status: o.status, text: o.text.slice(0, 200), ms: o.ms }));
  return o;
}
/** The longest piece of `secret` (from any offset) of more than 3 bytes found in `text`. */
function longestPiece(text: string, secret: string): string {
  let best = "";
  for (let i = 0; i < secret.length; i++)
    for (let j = i + best.length + 1; j <= secret.length; j++) {
      if (text.includes(secret.slice(i, j))) best = secret.slice(i, j);
      else break;
    }
  return best.length > 3 ? best : "";
}

describe("r18b: legitimate answers that end like the start of a secret form", () => {
  it("a small answer 'logged in as deploybot' (basic credential deploybot:…) comes back as sent", async () => {
    const body = "logged in as deploybot";
    const o = await via(basicAgent, `/red18raw?id=${await setRaw(head("200 OK", { "content-length": len(body) }) + body)}`);
    expect("hung" in o ? "hung" : o.text).toBe(body);
  });
  it("the same answer streamed (no length) comes back as sent", async () => {
    const body = "logged in as deploybot";
    const o = await via(basicAgent, `/red18raw?id=${await setRaw(head("200 OK", {}) + body)}`);
    expect("hung" in o ? "hung" : o.text).toBe(body);
  });
  it("a bearer answer listing token prefixes, ending 'ghp_', comes back as sent", async () => {
    const body = "token kinds: github_pat_, gho_, ghp_";
    const o = await via(bearerAgent, `/red18raw?id=${await setRaw(head("200 OK", { "content-length": len(body) }) + body)}`);
    expect("hung" in o ? "hung" : o.text).toBe(body);
  });
});

// Found by red team 18b (present before that round too): an upstream that echoes a secret cut
// short (a truncated log line, a JSON field, an error page) shows its start. Accepted since red
// teams 19 and 19b: redacting pieces makes the redaction an oracle on the agent's own guesses
// (workers/egress/scrub.ts, test/attacks/credential-echo.test.ts); skipped by title.
describe("r18b: a secret cut by the upstream, followed by a few more bytes", () => {
  it.skip.each([
    ["JSON field truncated", (s: string) => `{"authorization":"Bearer ${s.slice(0, 30)}"}`],
    ["newline after the cut", (s: string) => `echo: Bearer ${s.slice(0, 30)}\n`],
    ["HTML error page", (s: string) => `<p>Not found: /x?auth=${s.slice(0, 30)}</p></body></html>`],
  ])("accepted: %s: at most 3 bytes of the secret reach the agent", async (_name, make) => {
    const body = make(SECRET);
    const o = await via(bearerAgent, `/red18raw?id=${await setRaw(head("200 OK", { "content-length": len(body) }) + body)}`);
    expect("hung" in o ? "hung" : longestPiece(o.text, SECRET)).toBe("");
  });
  it.skip("accepted: a header echoing a cut secret shows at most 3 bytes of it", async () => {
    const o = await via(
      bearerAgent,
      `/red18raw?id=${await setRaw(`${head("200 OK", { "content-length": 2, "x-debug-auth": `Bearer ${SECRET.slice(0, 30)}` })}ok`)}`,
    );
    if ("hung" in o) throw new Error("hung");
    expect(longestPiece(o.headers.get("x-debug-auth") ?? "", SECRET)).toBe("");
  });
});

describe("r18b: a small declared length beside a large chunked body", () => {
  // The read whole stops past 64 KiB whatever the header says (a deployed Worker has 128 MB); 4 MiB
  // is well past it and keeps the suite quick.
  it("Content-Length: 10 with 4 MiB chunked (chunked wins): what was read past 64 KiB streams on with the rest, whole", async () => {
    const o = await via(bearerAgent, "/red18bbig?mb=4&cl=10", 120_000);
    expect("hung" in o ? "hung" : o.status).toBe(200);
    if (!("hung" in o)) expect(o.length).toBe(4 * 1024 * 1024);
  }, 180_000);
});
