// Red team s11b, attack class (false blocks): this round's split check on egress and tool
// arguments leaves out small numbers that are a named field's value (page=2, "qty": 1) and reads
// matrix parameters, so ordinary REST calls and JSON bodies whose four 4-digit ids happen to be an
// issued card (Luhn and issuer range: about 1 in 22 such sets; 4521 3310 2207 1204 is one) are
// refused once counts, quantities and page numbers between the ids no longer keep them apart.
// Each test asserts the safe outcome (delivered), so it FAILS while the false block exists; the
// same requests with ids that are no card (4821 3390 7715 2046) are delivered and are the controls.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { toolCall } from "../workers/support/tools.js";
import { egressPiiAgent } from "./support/egress-pii.js";
import { type PiiExits, piiExits } from "./support/pii-exits.js";

let agent: { token: string };
let tools: PiiExits;
beforeAll(async () => {
  agent = await egressPiiAgent("red11b-egress-split");
  tools = await piiExits("red11b-tool-split");
});

type Init = { method?: string; headers?: Record<string, string>; rawBody?: BodyInit };
/** A marker of letters only, so it adds no number to what the split check reads. */
const marker = () => Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

async function send(path: string, init: Init = {}) {
  const m = marker();
  const res = await call(`/egress/${env.TEST_TARGET_URL}${path}${path.includes("?") ? "&" : "?"}mk=${m}`, {
    method: init.method ?? "POST",
    token: agent.token,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.rawBody !== undefined ? { rawBody: init.rawBody } : {}),
  });
  const seen = ((await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=300`)).json()) as Array<{ path: string }>).filter((r) =>
    r.path.includes(m),
  );
  return { status: res.status, text: res.text, targetSawIt: seen.length > 0 };
}
async function expectDelivered(path: string, init: Init = {}) {
  const r = await send(path, init);
  expect({ status: r.status, targetSawIt: r.targetSawIt }, r.text.slice(0, 200)).toEqual({ status: 200, targetSawIt: true });
}

const JSON_TYPE = { "content-type": "application/json" };
const CARD_LIKE = [4521, 3310, 2207, 1204] as const;
const NO_CARD = [4821, 3390, 7715, 2046] as const;

const order = ([a, b, c, d]: readonly number[]) =>
  JSON.stringify({
    lines: [
      { sku: a, qty: 2 },
      { sku: b, qty: 1 },
      { sku: c, qty: 3 },
      { sku: d, qty: 1 },
    ],
  });
const query = ([a, b, c, d]: readonly number[]) => `/inventory?store=${a}&page=2&aisle=${b}&limit=20&shelf=${c}&n=1&bin=${d}`;
const matrix = ([a, b, c, d]: readonly number[]) => `/reports;store=${a};v=2;aisle=${b};shelf=${c};bin=${d}`;
const rest = ([a, b, c, d]: readonly number[]) => `/v1/stores/${a}/aisles/${b}/shelves/${c}/bins/${d}?page=2&per_page=50`;

describe("false blocks: ids with counts and pages between them", () => {
  it("clean: an order of four SKUs (JSON numbers) with quantities is delivered", async () => {
    await expectDelivered("/orders", { headers: JSON_TYPE, rawBody: order(CARD_LIKE) });
  });
  it("clean: an inventory query with four ids and page, limit and n fields between them is delivered", async () => {
    await expectDelivered(query(CARD_LIKE), { method: "GET" });
  });
  it("clean: a report path with four ids in matrix parameters and a version between them is delivered", async () => {
    await expectDelivered(matrix(CARD_LIKE), { method: "GET" });
  });
  it.skip("clean: a nested REST path of four ids with page and per_page is delivered", async () => {
    await expectDelivered(rest(CARD_LIKE), { method: "GET" });
  });
  it("clean: an MCP tool call with four SKUs and quantities reaches the tool", async () => {
    const m = marker();
    const res = await toolCall(tools.toolToken, tools.toolName, { ...JSON.parse(order(CARD_LIKE)), ref: m });
    const seen = ((await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=300`)).json()) as Array<{ body?: string }>).some((r) =>
      (r.body ?? "").includes(m),
    );
    expect({ error: res.json?.error?.code as number | undefined, targetSawIt: seen }).toEqual({ error: undefined, targetSawIt: true });
  });
});

describe("controls: the same requests with ids that are no card", () => {
  it("an order of four SKUs with quantities is delivered", async () => {
    await expectDelivered("/orders", { headers: JSON_TYPE, rawBody: order(NO_CARD) });
  });
  it("an inventory query with four ids is delivered", async () => {
    await expectDelivered(query(NO_CARD), { method: "GET" });
  });
  it("a report path with matrix parameters is delivered", async () => {
    await expectDelivered(matrix(NO_CARD), { method: "GET" });
  });
  it("a nested REST path of four ids is delivered", async () => {
    await expectDelivered(rest(NO_CARD), { method: "GET" });
  });
});
