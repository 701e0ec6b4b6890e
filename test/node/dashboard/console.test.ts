// The security console in headless Chromium against a real `wrangler dev`: an agent makes real
// egress calls (allowed, denied, one held for approval); the admin reads the overview charts
// (canvas drawn, numbers beside them) and the approval waiting, the audit trail by names (id on
// hover, copy button), filters kept in the address across a reload, a live tail that shows a new
// event, an agent's page, and a policy edit previewed against those requests before saving.
// Screenshots go to test/artifacts/screenshots/.
import { mkdirSync } from "node:fs";
import { type Server, createServer } from "node:http";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Edge, api, launchBrowser, startEdge } from "./edge.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../artifacts/screenshots");
const admin = { email: "console@e2e.palisade.test", password: "console-password-1" };

let edge: Edge;
let browser: Browser;
let page: Page;
let target: Server;
let targetUrl = "";
let orgId = "";
let key = "";
let agentId = "";
let agentToken = "";
let policyId = "";
let held: Promise<Response> | undefined;
const problems: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
const nav = (name: string) => page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name, exact: true });
const dialog = () => page.getByRole("dialog");
const call = (method: string, p: string, body?: unknown) => api(edge, method, `/api/v1/orgs/${orgId}${p}`, key, body);
const egress = (token: string, method: string, p: string) =>
  fetch(`${edge.url}/egress/${targetUrl}${p}`, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });

async function ready() {
  await page.locator("main#main:not([aria-busy])").waitFor();
}

/** Pixels of a canvas that are not transparent: a drawn chart has many. */
async function inkOf(selector: string): Promise<number> {
  return page.locator(selector).evaluate((canvas) => {
    if (!(canvas instanceof HTMLCanvasElement)) return 0;
    const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 3; data && i < data.length; i += 4) if ((data[i] ?? 0) > 0) ink++;
    return ink;
  });
}

describe("security console in a real browser", { timeout: 120_000 }, () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    target = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const address = target.address();
    targetUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    edge = await startEdge({ allowPrivateUpstreams: true });
    const boot = await api(edge, "POST", "/api/v1/bootstrap", edge.bootstrapToken, { orgName: "Console Org", ...admin });
    expect(boot.status).toBe(201);
    ({ orgId, apiKey: key } = boot.json as { orgId: string; apiKey: string });

    // An agent at autonomy 1 (its POSTs wait for a human) with a policy for the local target.
    const agent = await call("POST", "/agents", { name: "crawler-bot", autonomy: 1 });
    expect(agent.status).toBe(201);
    ({ id: agentId, token: agentToken } = agent.json as { id: string; token: string });
    const port = Number(new URL(targetUrl).port);
    const policy = await call("POST", "/policies", {
      name: "crawler-reads",
      egress: [{ host: "127.0.0.1", ports: [port], methods: ["GET", "POST"], paths: ["/repos/**", "/search", "/notes"] }],
    });
    expect(policy.status).toBe(201);
    policyId = (policy.json as { id: string }).id;
    expect((await call("POST", `/policies/${policyId}/attach`, { scope: "agent", id: agentId })).status).toBe(201);
    for (const p of ["/repos/acme/one", "/repos/acme/two", "/search"]) expect((await egress(agentToken, "GET", p)).status).toBe(200);
    expect((await egress(agentToken, "DELETE", "/repos/acme/one")).status).toBe(403);
    expect((await egress(agentToken, "GET", "/admin")).status).toBe(403);
    // Held until someone decides: the console must show it without opening Approvals.
    held = fetch(`${edge.url}/egress/${targetUrl}/notes`, {
      method: "POST",
      headers: { authorization: `Bearer ${agentToken}`, "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(90_000),
    });

    browser = await launchBrowser();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: edge.url });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      // Refused calls (400/401/403) are answers the pages handle; anything else is a problem.
      if (m.type() === "error" && !/Failed to load resource: the server responded with a status of (400|401|403)/.test(m.text()))
        problems.push(m.text());
    });
    await page.goto(`${edge.url}/`);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Password", { exact: true }).press("Enter");
    await page.getByRole("button", { name: "Sign out" }).waitFor();
  }, 180_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === "fail" && page) await shot(`console-failed-${task.name.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close();
    await edge?.stop();
    await held?.catch(() => undefined);
    await new Promise((resolve) => (target ? target.close(resolve) : resolve(undefined)));
  }, 30_000);

  it("charts the last 24 h on the overview (drawn canvas, the numbers beside it) and shows the approval waiting", async () => {
    await expect
      .poll(
        async () => {
          await page.reload();
          await ready();
          return page.locator(".waiting td[data-label=Call]", { hasText: "/notes" }).count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    expect(await page.getByRole("heading", { name: /^Approvals waiting \(1\)$/ }).count()).toBe(1);
    await expect.poll(() => page.locator(".waiting td[data-label=Agent] .ref-name").textContent()).toBe("crawler-bot");

    const calls = page.locator("figure#chart-calls");
    await calls.locator("canvas").waitFor();
    expect(Number(await calls.getAttribute("data-points"))).toBeGreaterThan(0);
    expect(await inkOf("figure#chart-calls canvas")).toBeGreaterThan(200);
    // The figures of the window: 5 decided calls (the held one is not audited until decided), 2 refused.
    await expect.poll(() => page.locator(".stat", { hasText: "Calls" }).locator(".stat-value").textContent()).toBe("5");
    expect(await page.locator(".stat", { hasText: "Refused" }).locator(".stat-value").textContent()).toBe("2");
    expect(await page.locator(".stat", { hasText: "Approvals waiting now" }).locator(".stat-value").textContent()).toBe("1");
    const reasons = page.locator("figure#chart-denials");
    await reasons.locator("canvas").waitFor();
    expect(await inkOf("figure#chart-denials canvas")).toBeGreaterThan(100);
    await reasons.getByText("Show the numbers").click();
    // Both refusals (a method and a path no rule allows) have the same reason.
    await expect.poll(() => reasons.locator("td[data-label=Name]").allTextContents()).toEqual(["no matching rule"]);
    expect(await reasons.locator("td[data-label=Refused]").allTextContents()).toEqual(["2"]);
    await shot("console-overview-24h");

    await page.getByRole("link", { name: "Last 30 days" }).click();
    await expect.poll(() => page.url()).toContain("window=30d");
    await ready();
    await page.locator("figure#chart-calls canvas").waitFor();
    expect(await page.locator("figure#chart-calls figcaption").textContent()).toBe("Calls and refusals per day");
    expect(await inkOf("figure#chart-calls canvas")).toBeGreaterThan(200);
    await shot("console-overview-30d");
  });

  it("lists the audit newest first by names, with the id on hover and a copy button", async () => {
    await nav("Audit").click();
    await ready();
    const actors = page.locator("td[data-label=Actor]");
    await expect.poll(() => actors.count()).toBeGreaterThan(3);
    const texts = await actors.allTextContents();
    expect(texts.join(" ")).not.toMatch(/agt_|usr_/);
    expect(texts).toContain("agent crawler-bot");
    expect(texts).toContain(`user ${admin.email}`);
    const times = await page.locator("td[data-label=Time] time").evaluateAll((els) => els.map((e) => e.getAttribute("datetime") ?? ""));
    expect(times).toEqual([...times].sort().reverse());
    const agentCell = actors.filter({ hasText: "crawler-bot" }).first();
    expect(await agentCell.locator(".ref-name").getAttribute("title")).toBe(agentId);
    await agentCell.getByRole("button", { name: "Copy id of crawler-bot" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(agentId);
    // A policy created by the admin: its name, not its id.
    expect(await page.locator("td[data-label=Resource]").allTextContents()).toContain("policy crawler-reads");
    await shot("console-audit");
  });

  it("keeps the audit filters in the address: a reload shows the same view", async () => {
    await page.getByLabel("Outcome").selectOption("denied");
    await page.getByLabel("Text").fill("DELETE");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.url()).toContain("result=denied");
    expect(page.url()).toContain("q=DELETE");
    await ready();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await page.reload();
    await ready();
    expect(await page.getByLabel("Outcome").inputValue()).toBe("denied");
    expect(await page.getByLabel("Text").inputValue()).toBe("DELETE");
    await expect.poll(() => page.locator("td[data-label=Result]").allTextContents()).toEqual(["denied"]);
    expect(await page.locator("td[data-label=Actor]").textContent()).toBe("agent crawler-bot");
    // The actor filter picks by name.
    await page.getByRole("button", { name: "Clear" }).click();
    await ready();
    await expect
      .poll(() =>
        page
          .getByLabel(/^Actor( \(optional\))?$/)
          .locator("option", { hasText: "agent crawler-bot" })
          .count(),
      )
      .toBe(1);
    await page.getByLabel(/^Actor( \(optional\))?$/).selectOption({ label: "agent crawler-bot" });
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.url()).toContain(`actorId=${agentId}`);
    await ready();
    await expect.poll(async () => new Set(await page.locator("td[data-label=Actor]").allTextContents())).toEqual(new Set(["agent crawler-bot"]));
    await shot("console-audit-filtered");
  });

  it("tails the audit live: a new call shows on top without a reload", async () => {
    await page.getByRole("button", { name: "Clear" }).click();
    await ready();
    await page.getByText("Live: watching for new events.").waitFor();
    const before = await page.locator("tbody tr").count();
    expect((await egress(agentToken, "GET", "/repos/acme/live")).status).toBe(200);
    await expect
      .poll(() => page.locator("tbody tr").first().locator("td[data-label=Resource]").textContent(), { timeout: 20_000 })
      .toContain("127.0.0.1");
    await expect.poll(() => page.locator("tbody tr").count()).toBeGreaterThan(before);
    await page.locator("tbody tr").first().locator("details summary").click();
    expect(await page.locator("tbody tr").first().locator("pre").textContent()).toContain("/repos/acme/live");
    await expect.poll(() => page.locator(".live-tail [role=status]").textContent()).toMatch(/new event|up to date/);
    await shot("console-audit-live");
  });

  it("shows an agent's page: effective rights, explain, activity, subagents and sandboxes", async () => {
    await nav("Agents").click();
    await ready();
    await page.getByRole("link", { name: "crawler-bot", exact: true }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("crawler-bot");
    await ready();
    const rules = page.getByRole("table", { name: "Effective egress rules" });
    await expect.poll(() => rules.locator("td[data-label=Host]").allTextContents()).toEqual(["127.0.0.1"]);
    await expect.poll(() => rules.locator("td[data-label=Policy] .ref-name").textContent()).toBe("crawler-reads");
    await page.getByLabel("Method").selectOption("DELETE");
    await page.getByLabel("URL").fill(`${targetUrl}/repos/acme/one`);
    await page.getByRole("button", { name: "Explain" }).click();
    await expect.poll(() => page.locator(".decision .badge").textContent()).toBe("denied");
    const activity = page.getByRole("table", { name: "Recent activity" });
    await expect.poll(() => activity.locator("td[data-label=Action]").count()).toBeGreaterThan(3);
    expect(await activity.locator("td[data-label=Action]").allTextContents()).toContain("egress.request");
    await page.getByText("No subagents.").waitFor();
    await page.getByText("No sandboxes.").waitFor();
    expect(await page.getByRole("button", { name: "Suspend" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Revoke token" }).count()).toBe(1);
    await shot("console-agent");
  });

  it("previews a policy edit against the recent requests before saving it", async () => {
    await nav("Policies").click();
    await ready();
    const policyRow = page.getByRole("row").filter({ hasText: "crawler-reads" });
    await policyRow.getByRole("button", { name: "Edit" }).click();
    // Drop /search from the allowed paths: the earlier /search call would now be denied.
    await dialog().locator("fieldset.rule").nth(0).getByLabel("Paths").fill("/repos/**, /notes");
    await dialog().getByRole("button", { name: "Preview on recent requests" }).click();
    const summary = dialog().locator(".replay-summary");
    await expect.poll(() => summary.textContent(), { timeout: 15_000 }).toMatch(/would have denied 3 of the last 6 requests/);
    expect(await summary.locator(".badge").textContent()).toBe("1 newly denied");
    const denied = dialog().getByRole("table", { name: "Requests the draft would deny" });
    expect(await denied.locator("td[data-label=Request]").allTextContents()).toEqual(
      expect.arrayContaining([`GET ${targetUrl}/search`, `DELETE ${targetUrl}/repos/acme/one`, `GET ${targetUrl}/admin`]),
    );
    expect(await denied.locator("td[data-label=Agent] .ref-name").first().textContent()).toBe("crawler-bot");
    await shot("console-policy-preview");
    // Nothing was saved by the preview.
    await dialog().getByRole("button", { name: "Cancel" }).click();
    const saved = await call("GET", `/policies/${policyId}`);
    expect((saved.json as { version: number }).version).toBe(1);
  });

  it("releases the held call and reports no browser errors", async () => {
    const waiting = await call("GET", "/approvals?status=pending");
    const approval = (waiting.json as { items: Array<{ id: string }> }).items[0];
    expect(approval).toBeDefined();
    expect((await call("POST", `/approvals/${approval?.id}/deny`, { reason: "console e2e" })).status).toBe(200);
    expect((await held)?.status).toBe(403);
    expect(problems).toEqual([]);
  });
});
