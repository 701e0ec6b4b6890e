// End-to-end: the dashboard in headless Chromium against a real `wrangler dev`. An admin signs
// in, creates a team, a project and an agent (token shown once and copied), rotates and revokes
// the token, changes autonomy, adds a subagent, writes a policy with egress rules and tests a
// request, sets a spend limit, approves a held egress call, filters, exports and verifies the
// audit, suspends an agent (its live SDK stream and held call end) and resumes it, and throws
// the org-wide incident switch; a plain member then sees no admin actions and the server refuses
// them anyway, and a team admin may suspend their team's agents. Screenshots go to test/artifacts/.
import { mkdirSync } from "node:fs";
import { type Server, createServer } from "node:http";
import path from "node:path";
import OpenAI from "openai";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlm, startFakeLlm } from "../../support/fake-llm.js";
import { type Browser, type Edge, api, launchBrowser, startEdge } from "./edge.js";

const ARTIFACTS = path.resolve(import.meta.dirname, "../../artifacts/dashboard");
const admin = { email: "admin@e2e.palisade.test", password: "correct-horse-battery" };
const member = { email: "member@e2e.palisade.test", password: "member-password-1" };

let edge: Edge;
let browser: Browser;
let page: Page;
let orgId = "";
/** The owner's admin API key from bootstrap (setup the browser does not show). */
let adminKey = "";
const problems: string[] = [];
/** A local upstream the policy allows; it counts the requests it gets, by method and path. */
let target: Server;
let targetUrl = "";
const hits = new Map<string, number>();
/** Token of the autonomy-1 subagent (its non-GET egress waits for approval). */
let carefulToken = "";
/** The model provider the org's "OpenAI" provider points at (nothing leaves the machine). */
let llm: FakeLlm;

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const nav = (name: string) => page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name, exact: true });
const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
/** The table row whose first cell (the item's name) reads exactly `text`. */
const row = (text: string) => page.getByRole("row").filter({ has: page.locator("td:first-child").filter({ hasText: exactly(text) }) });
const dialog = () => page.getByRole("dialog");

async function open(section: string) {
  await nav(section).click();
  await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(section);
  await page.locator("main#main:not([aria-busy])").waitFor();
}

async function signIn(who: { email: string; password: string }) {
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  // Keyboard submit, as a keyboard user would.
  await page.getByLabel("Password", { exact: true }).press("Enter");
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function agentMe(token: string) {
  const res = await fetch(`${edge.url}/agent/v1/me`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  return res.status;
}

/** Reads the token from the show-once dialog, copies it with the button, checks the clipboard. */
async function takeToken(title: RegExp): Promise<string> {
  await expect.poll(() => dialog().getByRole("heading").textContent()).toMatch(title);
  const token = await dialog().getByLabel("Secret value").inputValue();
  expect(token).toMatch(/^pal_agent_/);
  await dialog().getByRole("button", { name: "Copy" }).click();
  await dialog().getByText("Copied to the clipboard.").waitFor();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  await dialog().getByRole("button", { name: "Done, I saved it" }).click();
  await dialog().waitFor({ state: "detached" });
  return token;
}

describe("dashboard in a real browser", { timeout: 120_000 }, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    target = createServer((req, res) => {
      const key = `${req.method} ${req.url}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const address = target.address();
    targetUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    llm = await startFakeLlm({ host: "127.0.0.1" });
    edge = await startEdge({ allowPrivateUpstreams: true });
    const boot = await api(edge, "POST", "/api/v1/bootstrap", edge.bootstrapToken, { orgName: "E2E Org", ...admin });
    expect(boot.status).toBe(201);
    const body = boot.json as { orgId: string; apiKey: string };
    orgId = body.orgId;
    adminKey = body.apiKey;

    browser = await launchBrowser();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: edge.url });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      // Refused API calls (400/401/403) are provoked on purpose in these flows; anything else is a problem.
      if (m.type() === "error" && !/Failed to load resource: the server responded with a status of (400|401|403)/.test(m.text()))
        problems.push(m.text());
    });
  }, 180_000);

  // A failing step leaves a screenshot of what the browser showed.
  afterEach(async ({ task }) => {
    if (task.result?.state === "fail" && page) await shot(`failed-${task.name.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close();
    await edge?.stop();
    await new Promise((resolve) => (target ? target.close(resolve) : resolve(undefined)));
    await llm?.close();
  }, 30_000);

  it("serves the shell with a strict CSP, refuses a wrong password with the API's message, then signs in", async () => {
    const res = await page.goto(`${edge.url}/`, { waitUntil: "load" });
    const csp = res?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe/);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await shot("login");

    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password", { exact: true }).fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("invalid email or password");

    await page.getByLabel("Password", { exact: true }).fill("");
    await signIn(admin);
    await page.getByRole("heading", { name: "E2E Org" }).waitFor();
    await expect.poll(() => page.locator(".card").count()).toBeGreaterThanOrEqual(4);
    await expect.poll(() => page.locator(".card", { hasText: "Members" }).locator(".card-value").textContent()).toBe("1");
    await shot("overview");
  });

  it("invites a member who accepts, creates a team with them in it and a project", async () => {
    await open("Members");
    await page.locator("details.create > summary", { hasText: "Invite member" }).click();
    await page.getByLabel("Email").fill(member.email);
    await page.getByLabel("Role").selectOption("member");
    await page.getByLabel("Password").fill(member.password);
    await page.getByRole("button", { name: "Invite member" }).click();
    await expect.poll(() => dialog().getByRole("heading").textContent()).toBe(`Invitation for ${member.email}`);
    const invitation = await dialog().getByLabel("Secret value").inputValue();
    expect(invitation).toMatch(/^pal_invite_/);
    await dialog().getByRole("button", { name: "Done, I saved it" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Invitations");
    await row(member.email).getByText("pending").waitFor();
    await shot("invitations");

    // The invitee, in a browser of their own, accepts on the sign-in page: no account yet, so
    // accepting creates it with the password the admin set.
    const inviteeBrowser = await launchBrowser();
    try {
      const invitee = inviteeBrowser.context.pages()[0] ?? (await inviteeBrowser.context.newPage());
      await invitee.goto(edge.url);
      await invitee.getByText("Accept an invitation").click();
      await invitee.getByLabel("Invitation token").fill(invitation);
      await invitee.getByRole("button", { name: "Accept invitation" }).click();
      await invitee.getByText("Your account was created and you joined the organization. Sign in.").waitFor();
    } finally {
      await inviteeBrowser.close();
    }
    await open("Members");
    await row(member.email).waitFor();
    await shot("members");

    await open("Teams");
    await page.getByText("No teams yet.").waitFor();
    await page.getByText("New team").click();
    // Client-side check from the shared schema before anything is sent.
    await page.getByRole("button", { name: "Create team" }).click();
    await expect.poll(() => page.locator(".field-error").first().textContent()).toBe("required");
    await page.getByLabel("Name").fill("research");
    await page.getByRole("button", { name: "Create team" }).click();
    await row("research").waitFor();
    await shot("teams");

    await row("research").getByRole("button", { name: "People" }).click();
    await dialog().getByText("Nobody in this team yet.").waitFor();
    const who = dialog().getByLabel("Member");
    await expect.poll(() => who.locator("option", { hasText: member.email }).count()).toBe(1);
    await who.selectOption({ label: member.email });
    await dialog().getByLabel("Role").selectOption("member");
    await dialog().getByRole("button", { name: "Add to team" }).click();
    await dialog().getByRole("cell", { name: member.email }).waitFor();
    await shot("team-people");
    await dialog().getByRole("button", { name: "Close" }).click();
    await dialog().waitFor({ state: "detached" });

    await open("Projects");
    await page.getByText("New project").click();
    await page.getByLabel("Name").fill("moonshot");
    const team = page.getByLabel("Team");
    await expect.poll(() => team.locator("option", { hasText: "research" }).count()).toBe(1);
    await team.selectOption({ label: "research" });
    await page.getByRole("button", { name: "Create project" }).click();
    await row("moonshot").waitFor();
    await shot("projects");
  });

  let firstToken = "";
  it("creates an agent and shows its token once, with a working copy button", async () => {
    await open("Agents");
    await page.getByText("No agents yet.").waitFor();
    await page.getByText("New agent").click();
    await page.getByLabel("Name").fill("scout");
    await expect.poll(() => page.getByLabel("Team").locator("option", { hasText: "research" }).count()).toBe(1);
    await page.getByLabel("Team").selectOption({ label: "research" });
    await page.getByLabel("Autonomy").fill("3");
    await page.getByRole("button", { name: "Create agent" }).click();
    firstToken = await takeToken(/Token for scout/);
    expect(await agentMe(firstToken)).toBe(200);

    await row("scout").waitFor();
    expect(await row("scout").textContent()).toContain(`${firstToken.slice(0, "pal_agent_".length + 6)}…`);
    // Shown once: after a reload the page holds only the prefix, never the token.
    await page.reload();
    await row("scout").waitFor();
    expect(await page.content()).not.toContain(firstToken);
    await shot("agents");
  });

  it("rotates and then revokes the agent's token", async () => {
    await row("scout").getByRole("button", { name: "Rotate token" }).click();
    await dialog().getByRole("button", { name: "Rotate token" }).click();
    const rotated = await takeToken(/New token for scout/);
    expect(rotated).not.toBe(firstToken);
    expect(await agentMe(firstToken)).toBe(401);
    expect(await agentMe(rotated)).toBe(200);

    await row("scout").getByRole("button", { name: "Revoke token" }).waitFor();
    await row("scout").getByRole("button", { name: "Revoke token" }).click();
    await dialog().getByRole("button", { name: "Revoke token" }).click();
    await row("scout").getByText("no active token").waitFor();
    expect(await agentMe(rotated)).toBe(401);
  });

  it("changes autonomy and adds a subagent, showing the API's refusal when it asks for too much", async () => {
    await row("scout").getByRole("button", { name: "Edit" }).click();
    await dialog().getByLabel("Autonomy").fill("2");
    await dialog().getByRole("button", { name: "Save" }).click();
    await dialog().waitFor({ state: "detached" });
    await expect.poll(() => row("scout").locator("td[data-label=Autonomy]").textContent()).toBe("2");
    // Saving one field leaves the others alone (the team choice loads asynchronously).
    await expect.poll(() => row("scout").locator("td[data-label=Team]").textContent()).toBe("research");

    await row("scout").getByRole("button", { name: "Add subagent" }).click();
    await dialog().getByLabel("Name").fill("scout-helper");
    await dialog().getByLabel("Autonomy").fill("5");
    await dialog().getByRole("button", { name: "Create subagent" }).click();
    await expect.poll(() => dialog().getByRole("alert").textContent()).toBe("a subagent's autonomy cannot exceed its parent's");
    await dialog().getByLabel("Autonomy").fill("1");
    await dialog().getByRole("button", { name: "Create subagent" }).click();
    const sub = await takeToken(/Token for scout-helper/);
    expect(await agentMe(sub)).toBe(200);
    carefulToken = sub;
    await row("scout-helper").waitFor();
    await shot("agents-after");
  });

  it("filters the audit and pages through it", async () => {
    await open("Audit");
    await page.getByRole("table").waitFor();
    await page.getByLabel("Action").fill("agent.token.rotate");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.url()).toContain("action=agent.token.rotate");
    await expect.poll(() => page.locator("td[data-label=Action]").allTextContents()).toEqual(["agent.token.rotate"]);
    await shot("audit-filtered");

    await page.getByRole("button", { name: "Clear" }).click();
    await expect.poll(() => page.url()).not.toContain("action=");
    await page.getByLabel("Per page").fill("2");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(2);
    const first = await page.locator("td[data-label=Action]").allTextContents();
    const firstTimes = await page.locator("td[data-label=Time] time").evaluateAll((els) => els.map((e) => e.getAttribute("datetime")));
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => page.url()).toContain("cursor=");
    await page.getByRole("button", { name: "Previous page" }).waitFor();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(2);
    const second = await page.locator("td[data-label=Action]").allTextContents();
    // Oldest first: the next page starts where the first one ended.
    expect([...first, ...second].slice(0, 2)).toEqual(first);
    const secondTimes = await page.locator("td[data-label=Time] time").evaluateAll((els) => els.map((e) => e.getAttribute("datetime")));
    expect(String(secondTimes[0]) >= String(firstTimes[1])).toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => page.locator("td[data-label=Action]").allTextContents()).toEqual(first);
    await shot("audit");
  });

  it("stores a credential write-only, changes how it is sent, and adds a provider that uses it", async () => {
    const secret = "sk-e2e-secret-value-0123456789";
    await open("Credentials");
    await page.getByText("No credentials yet.").waitFor();
    await page.getByText("New credential").click();
    await page.getByLabel("Name", { exact: true }).fill("openai-key");
    await page.getByLabel("Secret").fill(secret);
    await page.getByRole("combobox", { name: "Send it as" }).selectOption("bearer");
    await page.getByRole("button", { name: "Create credential" }).click();
    await row("openai-key").waitFor();
    expect(await row("openai-key").locator("td[data-label='Sent as']").textContent()).toBe("bearer");
    expect(await page.content()).not.toContain(secret);

    await row("openai-key").getByRole("button", { name: "Edit" }).click();
    await dialog().getByRole("combobox", { name: "Send it as" }).selectOption("header");
    await dialog().getByLabel("Header name").fill("x-api-key");
    await dialog().getByRole("button", { name: "Save" }).click();
    await dialog().waitFor({ state: "detached" });
    await expect.poll(() => row("openai-key").locator("td[data-label='Sent as']").textContent()).toBe("header x-api-key");
    await shot("credentials");

    await open("Providers");
    await page.getByText("New provider").click();
    await page.getByLabel("Name").fill("OpenAI");
    await page.getByLabel("Kind").selectOption("openai");
    await page.getByLabel("Base url").fill(`${llm.url}/v1`);
    const credential = page.getByLabel("Credential");
    await expect.poll(() => credential.locator("option", { hasText: "openai-key" }).count()).toBe(1);
    await credential.selectOption({ label: "openai-key" });
    await page.getByRole("button", { name: "Create provider" }).click();
    await row("OpenAI").waitFor();
    expect(await row("OpenAI").locator("td[data-label=Credential]").textContent()).toBe("openai-key");
    await shot("providers");
  });

  it("enrolls a sandbox host with a one-time token and revokes it", async () => {
    await open("Hosts");
    await page.getByText("No hosts yet.").waitFor();
    await page.locator("summary", { hasText: "Enroll a host" }).click();
    await page.getByLabel("Pool").fill("default");
    await page.getByRole("button", { name: "Enroll a host" }).click();
    await expect.poll(() => dialog().getByRole("heading").textContent()).toBe("Enrollment token for pool default");
    const token = await dialog().getByLabel("Secret value").inputValue();
    expect(token).toMatch(/^pal_host_/);
    await dialog().getByRole("button", { name: "Done, I saved it" }).click();
    // The host uses the token once, as the sandbox host daemon does at its first start.
    const enrolled = await api(edge, "POST", "/api/v1/hosts/enroll", token, { name: "rack-1", version: "0.1.0" });
    expect(enrolled.status).toBe(201);
    await page.reload();
    await row("rack-1").waitFor();
    expect(await row("rack-1").locator("td[data-label=Tunnel]").textContent()).toBe("offline");
    await shot("hosts");
    await row("rack-1").getByRole("button", { name: "Revoke" }).click();
    await dialog().getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => row("rack-1").locator("td[data-label=Status]").textContent()).toBe("revoked");
  });

  it("writes a policy with an allow and a deny rule, tests a draft request, attaches it and explains an agent's request", async () => {
    const port = new URL(targetUrl).port;
    await open("Policies");
    await page.getByText("No policies yet.").waitFor();
    await shot("policies-empty");
    await page.getByRole("button", { name: "New policy" }).click();
    await dialog().getByLabel("Name", { exact: true }).fill("local-target");
    await dialog().getByRole("button", { name: "Add rule" }).click();
    const allow = dialog().locator("fieldset.rule").nth(0);
    await allow.getByLabel("Host").fill("127.0.0.1");
    await allow.getByLabel("Methods").fill("GET, post");
    await allow.getByLabel("Ports").fill(port);
    await dialog().getByRole("button", { name: "Add rule" }).click();
    const deny = dialog().locator("fieldset.rule").nth(1);
    await deny.getByLabel("Host").fill("127.0.0.1");
    await deny.getByLabel("Paths").fill("/forbidden/**");
    await deny.getByLabel("Deny").check();
    await dialog().getByLabel("email").selectOption("redact");
    await dialog().getByLabel("Wait for a decision (seconds)").fill("300");

    // The draft, before it is saved: a denied path, with the API's explanation.
    await dialog().getByLabel("Method", { exact: true }).selectOption("POST");
    await dialog().getByLabel("URL").fill(`${targetUrl}/forbidden/x`);
    await dialog().getByRole("button", { name: "Test request" }).click();
    await expect.poll(() => dialog().locator(".decision .badge").textContent()).toBe("denied");
    expect(await dialog().locator(".decision .explanation").textContent()).toMatch(/deny/i);
    await dialog().getByLabel("URL").fill(`${targetUrl}/write`);
    await dialog().getByRole("button", { name: "Test request" }).click();
    await expect.poll(() => dialog().locator(".decision .badge").textContent()).toBe("allowed");
    await shot("policy-editor");
    await dialog().getByRole("button", { name: "Create policy" }).click();
    await dialog().waitFor({ state: "detached" });
    await row("local-target").waitFor();
    expect(await row("local-target").locator("td[data-label=Rules]").textContent()).toBe("1 allow, 1 deny");

    await row("local-target").getByRole("button", { name: "Attach" }).click();
    await dialog().getByText("Not attached.").waitFor();
    await dialog().getByLabel("Scope").selectOption("org");
    await dialog().getByRole("button", { name: "Attach", exact: true }).click();
    await dialog().waitFor({ state: "detached" });
    await expect.poll(() => row("local-target").locator("td[data-label='Attached to']").textContent()).toBe("org");

    // The saved policy, as the agent's effective policy: why is this request denied?
    const box = page.locator("form.test-box");
    await expect.poll(() => box.getByLabel("Agent").locator("option", { hasText: "scout-helper" }).count()).toBe(1);
    await box.getByLabel("Agent").selectOption({ label: "scout-helper" });
    await box.getByLabel("Method", { exact: true }).selectOption("GET");
    await box.getByLabel("URL").fill("https://elsewhere.example.com/data");
    await box.getByRole("button", { name: "Test request" }).click();
    await expect.poll(() => box.locator(".decision .badge").textContent()).toBe("denied");
    expect((await box.locator(".decision .explanation").textContent())?.length).toBeGreaterThan(10);
    await box.getByLabel("URL").fill(`${targetUrl}/read`);
    await box.getByRole("button", { name: "Test request" }).click();
    await expect.poll(() => box.locator(".decision .badge").textContent()).toBe("allowed");
    await shot("policies");

    // Editing saves a new version; the editor starts from the saved rules.
    await row("local-target").getByRole("button", { name: "Edit" }).click();
    expect(await dialog().locator("fieldset.rule").nth(1).getByLabel("Paths").inputValue()).toBe("/forbidden/**");
    await dialog().getByLabel("Models").fill("e2e-model");
    await dialog().getByRole("button", { name: "Save policy" }).click();
    await dialog().waitFor({ state: "detached" });
    await expect.poll(() => row("local-target").locator("td[data-label=Version]").textContent()).toBe("2");
    const saved = await page.evaluate(async (org) => (await fetch(`/api/v1/orgs/${org}/policies`)).json(), orgId);
    expect(saved.items[0]).toMatchObject({
      egress: [
        { host: "127.0.0.1", methods: ["GET", "POST"], ports: [Number(port)] },
        { host: "127.0.0.1", paths: ["/forbidden/**"], deny: true },
      ],
      pii: { email: "redact" },
      models: ["e2e-model"],
      autonomyGate: { timeoutSeconds: 300 },
    });

    await row("local-target").getByRole("button", { name: "Versions" }).click();
    await expect.poll(() => dialog().locator("td[data-label=Version]").allTextContents()).toEqual(["2", "1"]);
    await dialog().getByRole("button", { name: "Close" }).click();
  });

  it("prices a model, sets a spend limit in dollars (sent as micro-dollars), and charts an agent's spend against it", async () => {
    await open("Spend");
    await page.getByText("No limits yet.").waitFor();
    await page.getByText("No LLM calls in this range.").waitFor();
    // A cent per token in and out, so one small call costs whole cents.
    await page.getByText("New price override").click();
    await page.getByLabel("Model").fill("e2e-model");
    await page.getByLabel("Input (µ$ per 1M tokens)", { exact: true }).fill("10000000000");
    await page.getByLabel("Output (µ$ per 1M tokens)").fill("10000000000");
    await page.getByRole("button", { name: "Add price" }).click();
    await row("e2e-model").waitFor();
    expect(await row("e2e-model").locator("td[data-label=Input]").textContent()).toBe("$10,000.00");

    await page.getByText("New limit").click();
    await page.getByLabel("Scope").selectOption("org");
    await page.getByLabel("Period").selectOption("day");
    await page.getByLabel("Amount (US$)").fill("12.5");
    await page.getByRole("button", { name: "Set limit" }).click();
    await expect.poll(() => page.locator("td[data-label=Limit]").allTextContents()).toEqual(["$12.50"]);
    await expect.poll(() => page.locator("td[data-label=Spent]").textContent()).toContain("$0.00 (0%)");
    const stored = await page.evaluate(async (org) => (await fetch(`/api/v1/orgs/${org}/limits`)).json(), orgId);
    expect(stored.items.map((l: { limitMicros: number; scope: string }) => [l.scope, l.limitMicros])).toEqual([["org", 12_500_000]]);

    // One model call by the agent through the gateway (to the local fake provider).
    const res = await fetch(`${edge.url}/llm/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${carefulToken}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "e2e-model", max_tokens: 16, messages: [{ role: "user", content: "hello" }] }),
      signal: AbortSignal.timeout(20_000),
    });
    const answer = await res.text();
    expect(res.status, answer).toBe(200);
    const usage = await page.evaluate(async (org) => (await fetch(`/api/v1/orgs/${org}/usage`)).json(), orgId);
    expect(usage.total.calls).toBe(1);
    const cost = `$${(usage.total.costMicros / 1_000_000).toFixed(2)}`;
    expect(cost).not.toBe("$0.00");

    await page.reload();
    await page.locator("svg.chart").waitFor();
    expect(await page.getByText(`${cost} in 1 call `).count()).toBe(1);
    // One day with spend: one bar taller than nothing.
    const heights = await page.locator("svg.chart rect.bar").evaluateAll((els) => els.map((e) => Number(e.getAttribute("height"))));
    expect(heights.filter((v) => v > 0)).toHaveLength(1);
    await expect.poll(() => page.locator("figure.bars", { hasText: "By agent" }).locator(".bar-label").allTextContents()).toEqual(["scout-helper"]);
    expect(await page.locator("figure.bars", { hasText: "By model" }).locator(".bar-label").allTextContents()).toEqual(["e2e-model"]);
    expect(await page.locator("td[data-label=Spent]").textContent()).toContain(cost);
    await shot("spend");

    await nav("Overview").click();
    await expect.poll(() => page.locator(".card", { hasText: "Spend today" }).locator(".card-value").textContent()).toBe(cost);
    await expect.poll(() => page.locator(".card", { hasText: "Spend this month" }).locator(".card-value").textContent()).toBe(cost);
  });

  it("approves an egress call held for an autonomy-1 agent, and the call then goes through", async () => {
    expect(carefulToken).toMatch(/^pal_agent_/);
    // The agent's POST waits for a human; it runs in the background until approved.
    const held = fetch(`${edge.url}/egress/${targetUrl}/write`, {
      method: "POST",
      headers: { authorization: `Bearer ${carefulToken}`, "content-type": "application/json" },
      body: JSON.stringify({ note: "from the e2e" }),
      signal: AbortSignal.timeout(60_000),
    });
    await open("Approvals");
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.locator("main#main:not([aria-busy])").waitFor();
          return page.locator("td[data-label=Call]", { hasText: "/write" }).count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    expect(hits.get("POST /write") ?? 0).toBe(0);
    await shot("approvals-waiting");
    await nav("Overview").click();
    await expect.poll(() => page.locator(".card", { hasText: "Approvals waiting" }).locator(".card-value").textContent()).toBe("1");
    await open("Approvals");
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await dialog().getByLabel("Reason").fill("looks fine");
    await dialog().getByRole("button", { name: "Approve", exact: true }).click();
    await dialog().waitFor({ state: "detached" });
    const res = await held;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(hits.get("POST /write")).toBe(1);
    await page.getByText("Nothing is waiting.").waitFor();
    await expect.poll(() => page.locator("td[data-label=Status]").allTextContents()).toEqual(["approved"]);
    expect(await page.locator("td[data-label=Reason]").textContent()).toBe("looks fine");
    await shot("approvals");
  });

  it("exports the filtered audit and verifies its hash chain", async () => {
    await open("Audit");
    await page.getByLabel("Action").fill("policy.create");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.locator("td[data-label=Action]").allTextContents()).toEqual(["policy.create"]);
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toContain("action=policy.create");
    expect(href).toContain("format=csv");
    const csv = await page.evaluate(async (u) => (await fetch(u)).text(), String(href));
    const lines = csv.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("policy.create");
    await page.getByRole("button", { name: "Verify the chain" }).click();
    await expect.poll(() => page.locator(".audit-tools .badge").textContent()).toBe("chain intact");
    await shot("audit-verified");
  });

  it("suspends an agent from its row: its live SDK stream and held call end, the state shows everywhere, then resumes it", async () => {
    // A budget the long stream's hold fits in (a cent per token is the price set above).
    const limits = await api(edge, "GET", `/api/v1/orgs/${orgId}/limits`, adminKey);
    const limitId = (limits.json as { items: Array<{ id: string }> }).items[0]?.id;
    expect((await api(edge, "PATCH", `/api/v1/orgs/${orgId}/limits/${limitId}`, adminKey, { limitMicros: 10_000_000_000 })).status).toBe(200);

    // The subagent's work in flight: a POST held for approval, and a model stream the provider trickles.
    const held = fetch(`${edge.url}/egress/${targetUrl}/held-write`, {
      method: "POST",
      headers: { authorization: `Bearer ${carefulToken}` },
      signal: AbortSignal.timeout(60_000),
    });
    const openai = new OpenAI({ apiKey: carefulToken, baseURL: `${edge.url}/llm/openai/v1`, maxRetries: 0, timeout: 60_000 });
    const stream = await openai.chat.completions.create({
      model: "e2e-model",
      stream: true,
      max_tokens: 2_000,
      messages: [{ role: "user", content: `fake-fault:trickle ${"a slow answer that takes many seconds ".repeat(12)}` }],
    });
    let chunks = 0;
    const running = (async () => {
      try {
        for await (const _ of stream) chunks++;
        return null;
      } catch (error) {
        return error;
      }
    })();
    await expect.poll(() => chunks, { timeout: 20_000 }).toBeGreaterThan(2);
    const pending = async () =>
      ((await api(edge, "GET", `/api/v1/orgs/${orgId}/approvals?status=pending`, adminKey)).json as { items: unknown[] }).items.length;
    await expect.poll(pending).toBe(1);

    await open("Agents");
    await row("scout").getByRole("button", { name: "Suspend" }).click();
    await dialog().getByLabel("Reason").fill("e2e incident drill");
    await dialog().getByRole("button", { name: "Continue" }).click();
    await expect.poll(() => dialog().locator(".confirm-step").textContent()).toContain("Suspend scout and its subagents now");
    await shot("agent-suspend-confirm");
    await dialog().getByRole("button", { name: "Suspend now" }).click();
    await dialog().waitFor({ state: "detached" });

    // What was running has ended, as the SDK and the agent see it.
    const raised = await running;
    expect(raised, "the SDK raises the end of the stream").toBeInstanceOf(OpenAI.APIError);
    expect(String((raised as Error).message)).toMatch(/suspended/);
    const heldAnswer = await held;
    expect(heldAnswer.status).toBe(403);
    expect(((await heldAnswer.json()) as { error: { code: string } }).error.code).toBe("agent_suspended");
    expect(hits.get("POST /held-write") ?? 0).toBe(0);
    expect(await agentMe(carefulToken)).toBe(403);

    await expect.poll(() => row("scout").locator("td[data-label=Status]").textContent()).toContain("suspended");
    await expect.poll(() => row("scout-helper").locator("td[data-label=Status]").textContent()).toContain("suspended (parent)");
    expect(await row("scout").getByRole("button", { name: "Resume" }).count()).toBe(1);
    expect(await row("scout").getByRole("button", { name: "Suspend" }).count()).toBe(0);
    await shot("agents-suspended");

    await row("scout-helper").getByRole("button", { name: "Details" }).click();
    await expect.poll(() => dialog().locator(".agent-state").textContent()).toContain("Its parent agent is suspended");
    expect(await dialog().locator(".agent-state").textContent()).toContain("e2e incident drill");
    await shot("agent-details-suspended");
    await dialog().getByRole("button", { name: "Close" }).click();
    await dialog().waitFor({ state: "detached" });

    // Everywhere the agent appears: approvals (its held call, denied) and the audit trail.
    await open("Approvals");
    const denied = page.getByRole("row").filter({ hasText: "/held-write" });
    await expect.poll(() => denied.locator("td[data-label=Status]").textContent()).toBe("denied");
    expect(await denied.locator("td[data-label=Reason]").textContent()).toContain("e2e incident drill");
    await expect.poll(() => denied.locator("td[data-label=Agent]").textContent()).toBe("scout-helper suspended (parent)");
    await shot("approvals-suspended");
    await open("Audit");
    await page.getByLabel("Action").fill("agent.suspend");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.locator("td[data-label=Resource]").allTextContents()).toEqual(["agent scout suspended"]);
    await shot("audit-suspended");

    await open("Agents");
    await row("scout").getByRole("button", { name: "Resume" }).click();
    await dialog().getByRole("button", { name: "Resume" }).click();
    await dialog().waitFor({ state: "detached" });
    await expect.poll(() => row("scout").locator("td[data-label=Status]").textContent()).not.toContain("suspended");
    await expect.poll(() => row("scout-helper").locator("td[data-label=Status]").textContent()).toBe("active");
    expect(await agentMe(carefulToken)).toBe(200);
  });

  it("throws the org-wide incident switch (owners): a banner on every page, every agent suspended, then lifts it", async () => {
    await open("Organizations");
    await expect.poll(() => page.locator(".incident-switch .badge").textContent()).toBe("off");
    await page.getByRole("button", { name: "Suspend every agent…" }).click();
    // The reason is required (the shared schema, checked before anything is sent).
    await dialog().getByRole("button", { name: "Continue" }).click();
    await expect.poll(() => dialog().locator(".field-error").first().textContent()).toBe("required");
    await dialog().getByLabel("Reason").fill("credential leak drill");
    await dialog().getByRole("button", { name: "Continue" }).click();
    await dialog().getByRole("button", { name: "Stop all agents" }).click();
    await dialog().waitFor({ state: "detached" });
    const banner = page.locator(".incident");
    await expect.poll(() => banner.textContent()).toContain("Incident switch on");
    expect(await banner.textContent()).toContain("credential leak drill");
    await expect.poll(() => page.locator(".incident-switch .badge").textContent()).toBe("on");
    expect(await agentMe(carefulToken)).toBe(403);
    await shot("incident-switch-on");

    await open("Agents");
    await banner.waitFor();
    await expect
      .poll(() => page.locator("td[data-label=Status]").allTextContents())
      .toEqual(["active suspended (org switch)", "active suspended (org switch)"]);
    await shot("agents-incident");

    await banner.getByRole("button", { name: "Resume all agents" }).click();
    await dialog().getByRole("button", { name: "Resume all agents" }).click();
    await dialog().waitFor({ state: "detached" });
    await banner.waitFor({ state: "detached" });
    await expect.poll(() => page.locator("td[data-label=Status]").allTextContents()).toEqual(["active", "active"]);
    expect(await agentMe(carefulToken)).toBe(200);
  });

  it("writes the org's Agent Guide, adds an HTTP tool granted to an agent, and shows the MCP servers and sandboxes pages", async () => {
    await open("Agent Guides");
    await page.getByText("No agent guides yet.").waitFor();
    await page.getByText("New guide").click();
    await page.getByLabel("Content").fill("Ask before deleting anything.");
    await page.getByRole("button", { name: "Create guide" }).click();
    await row("the whole org").waitFor();
    await row("the whole org").getByRole("button", { name: "Edit" }).click();
    await dialog().getByLabel("Content").fill("Ask before deleting or sending anything.");
    await dialog().getByRole("button", { name: "Save" }).click();
    await dialog().waitFor({ state: "detached" });
    await expect.poll(() => row("the whole org").locator("td[data-label=Version]").textContent()).toBe("2");
    await shot("guides");
    await open("Tools");
    await page.getByText("No tools yet.").waitFor();
    await page.locator("summary", { hasText: "New HTTP tool" }).click();
    await page.getByLabel("Name").fill("lookup");
    await page.getByLabel("Input schema").fill('{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}');
    await page.getByLabel("Method").fill("GET");
    await page.getByLabel("Url").fill(`${targetUrl}/lookup/{q}`);
    await page.getByRole("button", { name: "New HTTP tool" }).click();
    await row("lookup").waitFor();
    expect(await row("lookup").locator("td[data-label=Mutating]").textContent()).toBe("no");
    await row("lookup").getByRole("button", { name: "Grants" }).click();
    await dialog().getByText("Not granted.").waitFor();
    await dialog().getByLabel("Grant to").selectOption("agent");
    await expect.poll(() => dialog().getByLabel("Which").locator("option", { hasText: "scout-helper" }).count()).toBe(1);
    await dialog().getByLabel("Which").selectOption({ label: "scout-helper" });
    await dialog().getByRole("button", { name: "Grant", exact: true }).click();
    await dialog().getByRole("cell", { name: "agent", exact: true }).waitFor();
    await expect.poll(() => dialog().locator("td[data-label=To]").textContent()).toBe("scout-helper");
    await dialog().getByRole("button", { name: "Close" }).click();
    await dialog().waitFor({ state: "detached" });
    await shot("tools");
    for (const [section, empty] of [
      ["MCP servers", "No MCP servers yet."],
      ["Sandboxes", "No sandboxes yet."],
    ] as const) {
      await open(section);
      await page.getByText(empty).waitFor();
      await shot(section.toLowerCase().replace(/\W+/g, "-"));
    }
  });

  it("creates an API key shown once, then a second org, and switches between orgs", async () => {
    await open("API keys");
    await page.getByText("New API key").click();
    await page.getByLabel("Name").fill("ci");
    await page.getByRole("button", { name: "Create API key" }).click();
    await expect.poll(() => dialog().getByRole("heading").textContent()).toMatch(/API key ci/);
    const key = await dialog().getByLabel("Secret value").inputValue();
    expect(key).toMatch(/^pal_admin_/);
    await dialog().getByRole("button", { name: "Done, I saved it" }).click();
    await row("ci").waitFor();
    expect(await page.content()).not.toContain(key);
    // The key works against the admin API, for this org only.
    expect((await api(edge, "GET", `/api/v1/orgs/${orgId}/agents`, key)).status).toBe(200);
    await shot("api-keys");

    await open("Organizations");
    await page.getByText("New organization").click();
    await page.locator("details", { hasText: "New organization" }).getByLabel("Name").fill("Second Org");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.getByRole("heading", { name: "Second Org" }).waitFor();
    expect(await page.getByLabel("Organization").locator("option:checked").textContent()).toBe("Second Org (owner)");
    await open("Agents");
    await page.getByText("No agents yet.").waitFor();
    await page.getByLabel("Organization").selectOption({ label: "E2E Org (owner)" });
    await row("scout").waitFor();
  });

  it("works on a narrow screen: the menu opens the navigation and tables stack", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const menu = page.getByRole("button", { name: "Menu" });
      expect(await nav("Agents").isVisible()).toBe(false);
      await menu.click();
      expect(await menu.getAttribute("aria-expanded")).toBe("true");
      await open("Agents");
      await row("scout").waitFor();
      expect(await page.locator("thead").isVisible()).toBe(false);
      await shot("agents-narrow");
      for (const section of ["Policies", "Spend", "Approvals"]) {
        // The menu stays open when its link led to the page already shown.
        if ((await menu.getAttribute("aria-expanded")) !== "true") await menu.click();
        await open(section);
        // Nothing wider than the screen: no sideways scrolling.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        await shot(`${section.toLowerCase()}-narrow`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it("shows a member no admin actions, and the server refuses them anyway", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You are signed out.").waitFor();
    await signIn(member);
    for (const section of ["Audit", "Credentials", "Providers", "Spend", "MCP servers"]) expect(await nav(section).count(), section).toBe(0);

    for (const [section, item] of [
      ["Teams", "research"],
      ["Projects", "moonshot"],
      ["Agents", "scout"],
      ["Members", admin.email],
    ] as const) {
      await open(section);
      await row(item).first().waitFor();
      expect(await page.locator("details.create").count(), section).toBe(0);
      for (const name of ["Edit", "Delete", "Remove", "Rotate token", "Revoke token", "Add subagent", "Revoke", "Suspend", "Resume"]) {
        expect(await page.getByRole("button", { name, exact: true }).count(), `${section}: ${name}`).toBe(0);
      }
    }
    await shot("member-agents");

    await open("Policies");
    await row("local-target").waitFor();
    for (const name of ["New policy", "Edit", "Attach", "Delete", "Save lists"])
      expect(await page.getByRole("button", { name, exact: true }).count(), `Policies: ${name}`).toBe(0);
    await open("Approvals");
    // A plain member (no team admin role) decides nothing: the API says so, and no buttons show.
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/requires the admin role/);
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);

    // The member can see who is in their team, but gets no add or remove controls.
    await open("Teams");
    await row("research").getByRole("button", { name: "People" }).click();
    await dialog().getByRole("cell", { name: member.email }).waitFor();
    expect(await dialog().getByRole("button", { name: "Remove" }).count()).toBe(0);
    expect(await dialog().getByRole("button", { name: "Add to team" }).count()).toBe(0);
    await dialog().getByRole("button", { name: "Close" }).click();

    // Typing the audit address does not open it either.
    await page.goto(`${edge.url}/#/${orgId}/audit`);
    await page.getByRole("heading", { name: "E2E Org" }).waitFor();

    // The server refuses the same actions from this session, CSRF header and all.
    const refused = await page.evaluate(async (org) => {
      const csrf =
        document.cookie
          .split("; ")
          .find((c) => c.startsWith("__Host-pal_csrf="))
          ?.split("=")[1] ?? "";
      const send = async (method: string, p: string, body?: unknown) => {
        const r = await fetch(`/api/v1/orgs/${org}${p}`, {
          method,
          headers: { "content-type": "application/json", "x-csrf-token": csrf },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: r.status, body: await r.json() };
      };
      return [await send("POST", "/teams", { name: "sneaky" }), await send("GET", "/audit")];
    }, orgId);
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe("forbidden");
    }

    // The incident switch is the owners': a member sees its state only.
    await open("Organizations");
    await page.getByText("Only owners can use the switch.").waitFor();
    expect(await page.getByRole("button", { name: "Suspend every agent…" }).count()).toBe(0);
  });

  it("lets an admin of the agent's team suspend and resume it", async () => {
    const teams = (await api(edge, "GET", `/api/v1/orgs/${orgId}/teams`, adminKey)).json as { items: Array<{ id: string; name: string }> };
    const research = teams.items.find((t) => t.name === "research");
    const members = (await api(edge, "GET", `/api/v1/orgs/${orgId}/members`, adminKey)).json as { items: Array<{ id: string; email: string }> };
    const userId = members.items.find((m) => m.email === member.email)?.id;
    const promoted = await api(edge, "POST", `/api/v1/orgs/${orgId}/teams/${research?.id}/members`, adminKey, { userId, role: "admin" });
    expect(promoted.status).toBe(201);
    // The dashboard reads the caller's team roles at sign-in (/me).
    await page.reload();
    await open("Agents");
    await row("scout").getByRole("button", { name: "Suspend" }).click();
    await dialog().getByLabel("Reason").fill("team lead pause");
    await dialog().getByRole("button", { name: "Continue" }).click();
    await dialog().getByRole("button", { name: "Suspend now" }).click();
    await dialog().waitFor({ state: "detached" });
    await expect.poll(() => row("scout").locator("td[data-label=Status]").textContent()).toContain("suspended");
    // Team admin rights are not org admin rights: the token actions stay hidden.
    expect(await row("scout").getByRole("button", { name: "Rotate token" }).count()).toBe(0);
    await shot("team-admin-suspended");
    await row("scout").getByRole("button", { name: "Resume" }).click();
    await dialog().getByRole("button", { name: "Resume" }).click();
    await dialog().waitFor({ state: "detached" });
    await expect.poll(() => row("scout").locator("td[data-label=Status]").textContent()).toBe("active");
  });

  it("saw no CSP violation, script error or unexpected console error", () => {
    expect(problems).toEqual([]);
  });
});
