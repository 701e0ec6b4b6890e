// Red team s8, topic 1 (egress exit): a policy blocks e-mail, card, IBAN and secrets on the
// egress exit. Every variant below puts one of those values in front of the egress target; each
// must answer 422 pii_blocked and the target must see nothing carrying the marker.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, createAgent } from "../workers/support/fixtures.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };

type Seen = { path: string; body: string; headers: Record<string, string> };
async function seenWith(marker: string): Promise<Seen[]> {
  const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=200`)).json()) as Seen[];
  return seen.filter((r) => r.path.includes(marker));
}

beforeAll(async () => {
  org = await seedOrg("rt8-egress");
  agent = await createAgent(org, { name: "rt8-exits", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "rt8-exits",
      egress: [{ host: "127.0.0.1", ports: [port] }],
      piiExits: { egress: { email: "block", credit_card: "block", iban: "block", secret: "block" } },
    },
    { scope: "agent", id: agent.id },
  );
});

const mark = () => `rt${Math.random().toString(36).slice(2)}`;

/** Sends the request; the attack fails when the edge answers 422 and the target saw nothing. */
async function attempt(path: string, init: { method?: string; headers?: Record<string, string>; rawBody?: BodyInit }) {
  const m = mark();
  const sep = path.includes("?") ? "&" : "?";
  const res = await call(`/egress/${env.TEST_TARGET_URL}${path}${sep}${m}=1`, { token: agent.token, ...init });
  return { res, seen: await seenWith(m) };
}

describe("HELD controls (the same values, written plainly, are refused)", () => {
  it("an IBAN in a JSON body is refused", async () => {
    const { res, seen } = await attempt("/c", { method: "POST", headers: { "content-type": "application/json" }, rawBody: '{"iban":"DE89370400440532013000"}' });
    expect(res.status, res.text).toBe(422);
    expect(seen.length).toBe(0);
  });
  it("a card in a multipart/form-data body is refused", async () => {
    const body = '--b\r\ncontent-disposition: form-data; name="card"\r\n\r\n4111 1111 1111 1111\r\n--b--\r\n';
    const { res, seen } = await attempt("/c", { method: "POST", headers: { "content-type": "multipart/form-data; boundary=b" }, rawBody: body });
    expect(res.status, res.text).toBe(422);
    expect(seen.length).toBe(0);
  });
  it("a double-percent-encoded e-mail in a form body is refused", async () => {
    const { res, seen } = await attempt("/c", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, rawBody: "to=jane.roe%2540example.org" });
    expect(res.status, res.text).toBe(422);
    expect(seen.length).toBe(0);
  });
});

describe("HELD controls for the exempt shapes (the same strings in a text body are refused)", () => {
  it.each([["a GitHub token", "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"], ["an IBAN", "DE89370400440532013000"]])(
    "%s",
    async (_n, value) => {
      const { res, seen } = await attempt("/ctl", { method: "POST", headers: { "content-type": "text/plain" }, rawBody: value });
      expect(res.status, res.text).toBe(422);
      expect(seen.length).toBe(0);
    },
  );
});

describe("BROKEN? values the egress scan never reads", () => {
  it("attack: card number in the URL path (only the query is scanned)", async () => {
    const { res, seen } = await attempt("/cards/4111111111111111", { method: "GET" });
    expect(res.status, `target saw ${JSON.stringify(seen.map((s) => s.path))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: e-mail in the URL path, percent-encoded", async () => {
    const { res, seen } = await attempt("/users/jane.roe%40example.org/profile", { method: "GET" });
    expect(res.status, `target saw ${JSON.stringify(seen.map((s) => s.path))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: card number in a custom request header", async () => {
    const { res, seen } = await attempt("/h", { method: "GET", headers: { "x-card-number": "4111 1111 1111 1111", "x-mail": "jane.roe@example.org" } });
    expect(res.status, `target saw headers ${JSON.stringify(seen.map((s) => s.headers["x-card-number"]))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: a NUL byte first makes the body 'binary' and it is not scanned at all", async () => {
    const body = "\u0000 card 4111 1111 1111 1111, mail jane.roe@example.org";
    const { res, seen } = await attempt("/nul", { method: "POST", headers: { "content-type": "text/plain" }, rawBody: body });
    expect(res.status, `target saw body ${JSON.stringify(seen.map((s) => s.body))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: gzip-compressed body with content-encoding: gzip is not decoded before scanning", async () => {
    const plain = new TextEncoder().encode('{"card":"4111 1111 1111 1111","to":"jane.roe@example.org"}');
    const gz = new Uint8Array(await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    const { res, seen } = await attempt("/gz", {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      rawBody: gz,
    });
    expect(res.status, `status ${res.status}, target saw ${seen.length} request(s), headers ${JSON.stringify(seen.map((s) => s.headers["content-encoding"]))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: an IBAN as the value of a 'signature' key in a JSON body (exempt as an opaque provider blob)", async () => {
    const { res, seen } = await attempt("/sig", {
      method: "POST",
      headers: { "content-type": "application/json" },
      rawBody: '{"signature":"DE89370400440532013000"}',
    });
    expect(res.status, `target saw body ${JSON.stringify(seen.map((s) => s.body))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: a GitHub token as an 'id' value in a JSON body (exempt as a provider-issued id)", async () => {
    const token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    const { res, seen } = await attempt("/id", { method: "POST", headers: { "content-type": "application/json" }, rawBody: JSON.stringify({ id: token }) });
    expect(res.status, `target saw body ${JSON.stringify(seen.map((s) => s.body))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: an IBAN as 'data' beside a 'media_type' key in a JSON body (exempt as base64 binary)", async () => {
    const { res, seen } = await attempt("/data", {
      method: "POST",
      headers: { "content-type": "application/json" },
      rawBody: '{"media_type":"text/plain","data":"DE89370400440532013000"}',
    });
    expect(res.status, `target saw body ${JSON.stringify(seen.map((s) => s.body))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: a card glued to a word by a dash ('card-4111-1111-1111-1111') in a plain text body is not detected", async () => {
    const { res, seen } = await attempt("/glued", { method: "POST", headers: { "content-type": "text/plain" }, rawBody: "card-4111-1111-1111-1111" });
    expect(res.status, `target saw body ${JSON.stringify(seen.map((s) => s.body))}`).toBe(422);
    expect(seen.length).toBe(0);
  });

  it("attack: duplicate JSON key — the scanner keeps only the last value, the target still receives the first", async () => {
    const { res, seen } = await attempt("/dup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      rawBody: '{"to":"jane.roe@example.org","to":"nobody"}',
    });
    expect(res.status, `target saw body ${JSON.stringify(seen.map((s) => s.body))}`).toBe(422);
    expect(seen.length).toBe(0);
  });
});
