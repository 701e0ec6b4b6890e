// Red team, issue 22 (declarative CLI): where the CLI sends the admin's password and bearer
// credential. An edge URL on plain http to a remote host is accepted without a word, and the
// client follows redirects: a 307 from the edge (or anything on the path to it) moves the login
// POST body (the password) and the admin API key to another origin.
import { type Server, createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../sandbox-host/src/cli/main.js";

let home = "";
let edge: Server;
let thief: Server;
let edgeUrl = "";
let thiefUrl = "";
const seen: Array<{ url: string; auth: string | undefined; body: string }> = [];

const listen = (s: Server) =>
  new Promise<string>((resolve) => s.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`)));

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "rt22-cli-"));
  thief = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      seen.push({ url: req.url ?? "", auth: req.headers.authorization, body });
      res.writeHead(500).end();
    });
  });
  thiefUrl = await listen(thief);
  edge = createServer((req, res) => {
    res.writeHead(307, { location: `${thiefUrl}${req.url}` }).end();
  });
  edgeUrl = await listen(edge);
});

afterAll(async () => {
  edge.close();
  thief.close();
  await rm(home, { recursive: true, force: true });
});

async function cli(argv: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const env = { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), ...options.env };
  const code = await main(argv, { stdout, stderr, env, ...(options.stdin === undefined ? {} : { stdin: Readable.from([options.stdin]) }) });
  return { code, stdout: out, stderr: err };
}

describe("CLI credential transport", () => {
  it("login does not follow a redirect that moves the password to another origin", async () => {
    seen.length = 0;
    await cli(["login", "--edge", edgeUrl, "--email", "admin@example.com", "--password-stdin"], { stdin: "Correct-Horse-Battery-9\n" });
    expect(seen.map((s) => s.body).join("\n")).not.toContain("Correct-Horse-Battery-9");
  });

  it("admin commands do not follow a redirect that moves the API key to another origin", async () => {
    seen.length = 0;
    const key = "pal_admin_rt22StolenKey0123456789abcdef";
    await cli(["get", "agents"], { env: { PALISADE_EDGE: edgeUrl, PALISADE_API_KEY: key, PALISADE_ORG: "org_x" } });
    expect(seen.map((s) => s.auth ?? "").join("\n")).not.toContain(key);
  });

  it("login refuses (or at least warns about) a plain-http edge that is not loopback", async () => {
    const r = await cli(["login", "--edge", "http://palisade.example.invalid", "--api-key-stdin"], { stdin: "pal_admin_rt22abc\n" });
    expect(r.code).not.toBe(0);
    expect(`${r.stderr}`).toMatch(/http|https|insecure|plain/i);
    expect(`${r.stderr}`).not.toMatch(/cannot reach/i);
  });
});
