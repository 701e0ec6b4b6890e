// The declarative CLI against the real Worker (`wrangler dev` on loopback): login, apply a
// directory twice (the second run sends no write), dry-run diffs, prune, get -o yaml round trip,
// bad documents refused with file:line and nothing applied, rollback, explain and audit tail -f.
// A counting proxy sits between the CLI and the edge, so "no writes" is observed on the wire.
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../sandbox-host/src/cli/main.js";
import { type Edge, api, startEdge } from "../dashboard/edge.js";

const root = path.resolve(import.meta.dirname, "../../..");
const run = promisify(execFile);
let edge: Edge;
let proxy: Server;
let proxyUrl: string;
let writes = 0;
/** Runs before the proxy forwards a request: a test's way to act between apply's plan and its writes. */
let beforeForward: ((method: string, url: string) => Promise<void>) | undefined;
let orgId: string;
let apiKey: string;
let home: string;
let dir: string;

const SECRET = "ghp_TestSecretValue0123456789abcdefABCDEF";

type CliOptions = { env?: Record<string, string>; stdin?: string; signal?: AbortSignal };

/** Runs the CLI in-process; `output()` reads what it printed so far (for a command that keeps running). */
function start(argv: string[], options: CliOptions = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const env = { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), ...options.env };
  const done = main(argv, {
    stdout,
    stderr,
    env,
    ...(options.stdin === undefined ? {} : { stdin: Readable.from([options.stdin]) }),
    ...(options.signal ? { signal: options.signal } : {}),
  }).then((code) => ({ code, stdout: out, stderr: err }));
  return { done, output: () => out };
}

const cli = (argv: string[], options: CliOptions = {}) => start(argv, options).done;

/** Writes the documents of a test directory. */
async function files(target: string, contents: Record<string, string>) {
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  for (const [name, text] of Object.entries(contents)) await writeFile(path.join(target, name), text);
}

const TEAMS = `apiVersion: palisade.dev/v1
kind: Team
metadata: {name: platform}
---
apiVersion: palisade.dev/v1
kind: Team
metadata: {name: data}
`;
const SECRETS = `apiVersion: palisade.dev/v1
kind: Credential
metadata: {name: github}
spec:
  inject: {type: bearer}
  valueFrom: {env: GITHUB_TOKEN}
---
apiVersion: palisade.dev/v1
kind: Credential
metadata: {name: openai-key}
spec:
  inject: {type: bearer}
  valueFrom: {stdin: true}
`;
const AGENTS = `apiVersion: palisade.dev/v1
kind: Agent
metadata: {name: ci-bot}
spec: {team: platform, autonomy: 2}
`;
const SPEND = `apiVersion: palisade.dev/v1
kind: Provider
metadata: {name: openai}
spec: {kind: openai, baseUrl: "https://api.openai.com/v1", credential: openai-key, models: [gpt-4o]}
---
apiVersion: palisade.dev/v1
kind: Price
metadata: {name: gpt-4o}
spec: {inputMicrosPerMTok: 2500000, outputMicrosPerMTok: 10000000}
---
apiVersion: palisade.dev/v1
kind: Limit
metadata: {name: platform-monthly}
spec: {scope: team, team: platform, period: month, limitMicros: 50000000}
---
apiVersion: palisade.dev/v1
kind: Limit
metadata: {name: org-daily}
spec: {scope: org, period: day, limitMicros: 10000000, thresholds: [80, 100]}
---
apiVersion: palisade.dev/v1
kind: Limit
metadata: {name: ci-bot-daily}
spec: {scope: agent, agent: ci-bot, period: day, limitMicros: 1000000}
`;
const TOOLS = `{"apiVersion": "palisade.dev/v1", "kind": "Tool", "metadata": {"name": "create-issue"},
 "spec": {"description": "Open a GitHub issue", "method": "POST", "url": "https://api.github.com/repos/{repo}/issues",
          "credential": "github", "inputSchema": {"type": "object", "properties": {"repo": {"type": "string"}}}}}
`;
const GRANTS = `apiVersion: palisade.dev/v1
kind: Grant
metadata: {name: platform-create-issue}
spec: {tool: create-issue, scope: team, target: platform}
`;
const POLICIES = `apiVersion: palisade.dev/v1
kind: Policy
metadata: {name: github-read}
spec:
  egress:
    - host: API.GitHub.com
      methods: [get]
      paths: ["/repos/**"]
      credential: github
  pii: {email: mask}
  attachments:
    - scope: org
    - scope: team
      name: platform
`;
const DOCS = {
  "10-teams.yaml": TEAMS,
  "20-secrets.yaml": SECRETS,
  "25-agents.yaml": AGENTS,
  "30-spend.yml": SPEND,
  "40-tools.json": TOOLS,
  "50-grants.yaml": GRANTS,
  "60-policies.yaml": POLICIES,
};
const applyEnv = { GITHUB_TOKEN: SECRET };

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "pal-cli-home-"));
  dir = path.join(home, "docs");
  edge = await startEdge();
  // Counts every request that is not a read; forwards everything to the edge unchanged.
  proxy = createServer(async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") writes++;
    await beforeForward?.(req.method ?? "GET", req.url ?? "/");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "connection") headers.set(k, v);
    const upstream = await fetch(`${edge.url}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  proxyUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const boot = await api(edge, "POST", "/api/v1/bootstrap", edge.bootstrapToken, {
    orgName: "GitOps",
    email: "ops@gitops.test",
    password: "gitops-password-123",
  });
  expect(boot.status).toBe(201);
  ({ orgId, apiKey } = boot.json as { orgId: string; apiKey: string });
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await edge?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("palisade login", () => {
  it("stores an API key in a 0600 file inside a 0700 directory, and a password session", async () => {
    const bad = await cli(["login", "--edge", proxyUrl, "--api-key-stdin"], { stdin: "not-a-key\n" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain("not-a-key");

    const session = await cli(["login", "--edge", proxyUrl, "--email", "ops@gitops.test", "--password-stdin"], { stdin: "gitops-password-123\n" });
    expect(session.stderr).toBe("");
    expect(session.code).toBe(0);
    const file = path.join(home, "config", "palisade", "config.json");
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ kind: "session", org: orgId });
    expect((await cli(["get", "teams"])).code).toBe(0);

    const wrong = await cli(["login", "--edge", proxyUrl, "--email", "ops@gitops.test", "--password-stdin"], { stdin: "wrong-password-1234\n" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).not.toContain("wrong-password-1234");

    // A config from an older, looser setup is replaced by a 0600 file and the directory tightened.
    await writeFile(file, "{}", { mode: 0o644 });
    await chmod(path.dirname(file), 0o755);
    const onArgv = await cli(["login", "--edge", proxyUrl, "--api-key", apiKey]);
    expect(onArgv).toMatchObject({ code: 0, stderr: expect.stringContaining("visible to other users") });
    expect(onArgv.stderr).not.toContain(apiKey);
    const r = await cli(["login", "--edge", proxyUrl, "--api-key-stdin"], { stdin: `${apiKey}\n` });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ops@gitops.test");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ edge: proxyUrl, kind: "api-key", token: apiKey, org: orgId });
  });
});

describe("palisade apply", () => {
  it("applies a directory of YAML and JSON documents, then a second run changes nothing and sends no write", async () => {
    await files(dir, DOCS);
    const first = await cli(["apply", "-f", dir], { env: applyEnv, stdin: "sk-test-openai-key-0000000000000000\n" });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    for (const line of [
      "team/platform created",
      "credential/github created",
      "credential/openai-key created",
      "provider/openai created",
      "price/gpt-4o created",
      "tool/create-issue created",
      "grant/create-issue.team.platform created",
      "limit/team.platform.month created",
      "limit/org.day created",
      "agent/ci-bot created",
      "limit/agent.ci-bot.day created",
      "policy/github-read created",
    ])
      expect(first.stdout).toContain(line);
    const policies = await api(edge, "GET", `/api/v1/orgs/${orgId}/policies`, apiKey);
    const policy = (policies.json as { items: { name: string; egress: { host: string; methods: string[] }[]; attachments: unknown[] }[] }).items[0];
    expect(policy).toMatchObject({ name: "github-read", egress: [{ host: "api.github.com", methods: ["GET"] }] });
    expect(policy?.attachments).toHaveLength(2);

    // The second run is the installed command in its own process, as CI would run it.
    writes = 0;
    const second = await run(process.execPath, [path.join(root, "sandbox-host/bin/palisade.mjs"), "apply", "-f", dir], {
      env: { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), ...applyEnv },
      cwd: root,
      timeout: 60_000,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/created|configured|deleted/);
    expect(
      second.stdout
        .trim()
        .split("\n")
        .every((l) => l.endsWith(" unchanged")),
    ).toBe(true);
    expect(writes).toBe(0);

    const table = await cli(["get", "policies"]);
    expect(table.stdout).toMatch(/^NAME\s+RULES\s+ATTACHED TO\s+VERSION\s+ID/);
    expect(table.stdout).toMatch(/github-read\s+1\s+org,team\/platform\s+1/);
  });

  it("--dry-run prints a readable diff and changes nothing", async () => {
    await writeFile(path.join(dir, "60-policies.yaml"), POLICIES.replace("methods: [get]", "methods: [get, post]"));
    writes = 0;
    const dry = await cli(["apply", "-f", dir, "--dry-run"], { env: applyEnv });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("~ policy/github-read (update)");
    expect(dry.stdout).toMatch(/\+ {7}- POST/);
    expect(dry.stdout).toContain("0 to create, 1 to update, 0 to delete");
    expect(dry.stdout).toContain("nothing was changed");
    expect(writes).toBe(0);

    const real = await cli(["apply", "-f", dir], { env: applyEnv });
    expect(real.stdout).toContain("policy/github-read configured");
    await writeFile(path.join(dir, "60-policies.yaml"), POLICIES);
    expect((await cli(["apply", "-f", dir], { env: applyEnv })).stdout).toContain("policy/github-read configured");
  });

  it("round trip: get -o yaml of every kind applies unchanged", async () => {
    const parts: string[] = [];
    for (const kind of ["teams", "agents", "credentials", "providers", "prices", "tools", "grants", "limits", "policies"]) {
      const r = await cli(["get", kind, "-o", "yaml"]);
      expect(r.code).toBe(0);
      parts.push(r.stdout);
    }
    const exported = path.join(home, "exported.yaml");
    await writeFile(exported, parts.join(""));
    expect(parts.join("")).not.toContain(SECRET);
    writes = 0;
    const r = await cli(["apply", "-f", exported]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/created|configured|deleted/);
    expect(writes).toBe(0);

    // describe adds a status block (ids, versions, token prefixes): apply ignores it.
    const described = await cli(["describe", "agents"]);
    expect(described.stdout).toContain("status:");
    await writeFile(path.join(home, "described.yaml"), described.stdout);
    const again = await cli(["apply", "-f", path.join(home, "described.yaml")]);
    expect(again.stderr).toBe("");
    expect(again.stdout.trim()).toBe("agent/ci-bot unchanged");
    expect(writes).toBe(0);
    expect(await cli(["get", "widgets"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown kind widgets") });

    const json = await cli(["get", "policies", "-o", "json"]);
    await writeFile(path.join(home, "exported.json"), json.stdout);
    expect((await cli(["apply", "-f", path.join(home, "exported.json")])).stdout.trim()).toBe("policy/github-read unchanged");
    expect(writes).toBe(0);
  });

  it("--prune deletes objects of the applied kinds missing from the documents, only with --yes", async () => {
    await writeFile(path.join(dir, "10-teams.yaml"), TEAMS.split("---")[0] ?? "");
    writes = 0;
    const refused = await cli(["apply", "-f", dir, "--prune"], { env: applyEnv });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("team/data");
    expect(refused.stderr).toContain("Nothing was changed");
    expect(writes).toBe(0);
    const dry = await cli(["apply", "-f", dir, "--prune", "--dry-run"], { env: applyEnv });
    expect(dry.stdout).toContain("- team/data (delete)");
    expect(dry.stdout).toContain("0 to create, 0 to update, 1 to delete");
    // Other kinds are not pruned: a price outside these documents stays.
    await api(edge, "POST", `/api/v1/orgs/${orgId}/prices`, apiKey, { model: "kept-model", inputMicrosPerMTok: 1, outputMicrosPerMTok: 1 });
    await writeFile(path.join(home, "teams-only.yaml"), TEAMS.split("---")[0] ?? "");
    const pruned = await cli(["apply", "-f", path.join(home, "teams-only.yaml"), "--prune", "--yes"]);
    expect(pruned.stdout).toContain("team/data deleted");
    const teams = await cli(["get", "teams", "-o", "json"]);
    expect(JSON.parse(teams.stdout).map((d: { metadata: { name: string } }) => d.metadata.name)).toEqual(["platform"]);
    expect((await cli(["get", "prices"])).stdout).toContain("kept-model");
  });

  it("refuses bad documents with file:line and the reason, and applies nothing", async () => {
    const bad = path.join(home, "bad");
    const cases: [string, string, RegExp][] = [
      [
        "unknown field",
        `${TEAMS.split("---")[0]}---\napiVersion: palisade.dev/v1\nkind: Price\nmetadata: {name: m1}\nspec:\n  inputMicrosPerMTok: 1\n  outputMicrosPerMTok: 1\n  discount: 5\n`,
        /x\.yaml:11: spec\.unknown field discount/,
      ],
      [
        "unknown field in a rule",
        POLICIES.replace("      credential: github", "      credential: github\n      verb: all"),
        /x\.yaml:10: spec\.unknown field verb/,
      ],
      ["unknown kind", "apiVersion: palisade.dev/v1\nkind: Widget\nmetadata: {name: w}\n", /x\.yaml:2: unknown kind Widget/],
      [
        "secret field",
        SECRETS.replace("  valueFrom: {env: GITHUB_TOKEN}", `  secret: ${SECRET}`),
        /x\.yaml:6: secret: a secret is never read from a file/,
      ],
      ["secret in another field", TOOLS.replace("Open a GitHub issue", `token ${SECRET}`), /x\.yaml:2: .*looks like a secret/],
      [
        "private key",
        `apiVersion: palisade.dev/v1\nkind: Tool\nmetadata: {name: t}\nspec:\n  method: GET\n  url: https://x.example/\n  inputSchema: {type: object}\n  description: |\n    -----BEGIN PRIVATE KEY-----\n    MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n    -----END PRIVATE KEY-----\n`,
        /x\.yaml:8: .*looks like a secret/,
      ],
      ["secret as a name", `apiVersion: palisade.dev/v1\nkind: Team\nmetadata:\n  name: ${SECRET}\n`, /x\.yaml:4: .*looks like a secret/],
      ["bad YAML", "apiVersion: palisade.dev/v1\nkind: Team\nmetadata: {name: [unclosed\n", /x\.yaml:\d+: /],
      ["wrong apiVersion", "apiVersion: v9\nkind: Team\nmetadata: {name: t}\n", /x\.yaml:1: apiVersion: must be palisade\.dev\/v1/],
      ["bad value", POLICIES.replace("host: API.GitHub.com", "host: '*.com'"), /x\.yaml:6: spec\.egress\.0\.host: wildcard over a public suffix/],
      ["unknown team", GRANTS.replace("target: platform", "target: nobody"), /x\.yaml:1: grant\/create-issue\.team\.nobody: no team named nobody/],
    ];
    for (const [what, text, expected] of cases) {
      // A valid document beside the bad one: all or nothing means it is not applied either.
      await files(bad, { "a.yaml": "apiVersion: palisade.dev/v1\nkind: Team\nmetadata: {name: should-not-exist}\n", "x.yaml": text });
      writes = 0;
      const r = await cli(["apply", "-f", bad], { env: applyEnv });
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toMatch(expected);
      expect(r.stderr, what).toContain("nothing was applied");
      expect(r.stderr, what).not.toContain(SECRET);
      expect(writes, what).toBe(0);
    }
    expect((await cli(["get", "teams"])).stdout).not.toContain("should-not-exist");
    const missingEnv = await cli(["apply", "-f", path.join(dir, "20-secrets.yaml")], {});
    expect(missingEnv.code).toBe(0); // both exist already: the secret is not needed
    await files(bad, { "s.yaml": SECRETS.replace("name: github", "name: gitlab") });
    const plan = await cli(["apply", "-f", bad, "--dry-run"]);
    expect(plan.stdout).toContain("+ credential/gitlab (create, secret from $GITHUB_TOKEN, not set)");
    const noSecret = await cli(["apply", "-f", bad]);
    expect(noSecret.stderr).toMatch(/s\.yaml:1: credential\/gitlab: environment variable GITHUB_TOKEN is not set/);
  });

  it("rolls back what it applied when a write fails midway", async () => {
    const rollback = path.join(home, "rollback");
    // The tool names a credential that does not exist: the server refuses it after the team and price were created.
    await files(rollback, {
      "a.yaml":
        "apiVersion: palisade.dev/v1\nkind: Team\nmetadata: {name: temporary}\n---\napiVersion: palisade.dev/v1\nkind: Price\nmetadata: {name: rollback-model}\nspec: {inputMicrosPerMTok: 5, outputMicrosPerMTok: 5}\n",
      "b.yaml":
        "apiVersion: palisade.dev/v1\nkind: Tool\nmetadata: {name: broken}\nspec: {method: GET, url: 'https://x.example/', inputSchema: {type: object}, credential: no-such-credential}\n",
      "c.yaml": POLICIES.replace("methods: [get]", "methods: [get, put]"),
    });
    const r = await cli(["apply", "-f", rollback]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tool/broken");
    expect(r.stderr).toContain("team/temporary rolled back");
    expect(r.stderr).toContain("price/rollback-model rolled back");
    expect((await cli(["get", "teams"])).stdout).not.toContain("temporary");
    expect((await cli(["get", "prices"])).stdout).not.toContain("rollback-model");
  });

  it("does not overwrite a policy someone changed after the plan was read, and rolls back", async () => {
    const race = path.join(home, "race");
    await files(race, {
      "a.yaml": "apiVersion: palisade.dev/v1\nkind: Team\nmetadata: {name: racing}\n",
      "b.yaml": POLICIES.replace("methods: [get]", "methods: [get, head]"),
    });
    const policies = await api(edge, "GET", `/api/v1/orgs/${orgId}/policies`, apiKey);
    const id = (policies.json as { items: { id: string; name: string }[] }).items.find((p) => p.name === "github-read")?.id;
    beforeForward = async (method, url) => {
      if (method !== "PATCH" || !url.includes("/policies/")) return;
      beforeForward = undefined;
      // Someone else's edit lands between the plan and the write.
      await api(edge, "PATCH", `/api/v1/orgs/${orgId}/policies/${id}`, apiKey, { models: ["gpt-4o"] });
    };
    const r = await cli(["apply", "-f", race]);
    beforeForward = undefined;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policy\/github-read: PATCH .* failed: conflict/);
    expect(r.stderr).toContain("team/racing rolled back");
    const after = await api(edge, "GET", `/api/v1/orgs/${orgId}/policies/${id}`, apiKey);
    expect(after.json).toMatchObject({ models: ["gpt-4o"], egress: [{ methods: ["GET"] }] });
    expect((await cli(["get", "teams"])).stdout).not.toContain("racing");
    await api(edge, "PATCH", `/api/v1/orgs/${orgId}/policies/${id}`, apiKey, { models: null });
  });

  it("delete -f removes the objects the documents name", async () => {
    const gone = path.join(home, "gone.yaml");
    await writeFile(
      gone,
      "apiVersion: palisade.dev/v1\nkind: Price\nmetadata: {name: kept-model}\nspec: {inputMicrosPerMTok: 1, outputMicrosPerMTok: 1}\n",
    );
    expect((await cli(["delete", "-f", gone])).stdout).toContain("price/kept-model deleted");
    expect((await cli(["delete", "-f", gone])).stdout).toContain("price/kept-model not found");
  });
});

describe("palisade explain and audit tail", () => {
  it("explains an agent's request by name with the gateway's decision", async () => {
    const teams = await cli(["get", "teams", "-o", "json"]);
    const teamId = await api(edge, "GET", `/api/v1/orgs/${orgId}/teams`, apiKey);
    expect(teams.code).toBe(0);
    const platform = (teamId.json as { items: { id: string; name: string }[] }).items.find((t) => t.name === "platform");
    await api(edge, "POST", `/api/v1/orgs/${orgId}/agents`, apiKey, { name: "builder", teamId: platform?.id });
    const allowed = await cli(["explain", "agent", "builder", "GET", "https://api.github.com/repos/o/r"]);
    expect(allowed.stderr).toBe("");
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^ALLOWED {2}GET https:\/\/api\.github\.com\/repos\/o\/r/);
    expect(allowed.stdout).toContain("credential injected: github");
    const denied = await cli(["explain", "agent", "builder", "DELETE", "https://api.github.com/repos/o/r", "-o", "json"]);
    expect(denied.code).toBe(3);
    expect(JSON.parse(denied.stdout)).toMatchObject({ allowed: false });
    expect((await cli(["explain", "agent", "nobody", "GET", "https://x.example/"])).stderr).toContain("no agent named nobody");
  });

  it("audit tail shows recent events and -f receives new ones", async () => {
    const recent = await cli(["audit", "tail", "-n", "3"]);
    expect(recent.code).toBe(0);
    expect(recent.stdout.trim().split("\n")).toHaveLength(3);
    const stop = new AbortController();
    const running = start(["audit", "tail", "-f", "-n", "0", "--interval", "0.3", "-o", "json"], { signal: stop.signal });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(running.output()).toBe("");
    await api(edge, "POST", `/api/v1/orgs/${orgId}/teams`, apiKey, { name: "tail-probe" });
    for (let i = 0; i < 100 && !running.output().includes('"team.create"'); i++) await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    const result = await running.done;
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { action: string; seq: number });
    expect(events.map((e) => e.action)).toEqual(["team.create"]);
  });
});
