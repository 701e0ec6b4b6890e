// Where the CLI sends a password or bearer credential: never along a redirect (any 3xx, same or
// other origin, on login and on admin commands), and never over plain http to another host unless
// the admin says --insecure-http. The "edge" here only answers redirects; nothing leaves 127.0.0.1.
import { mkdtemp, rm } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../sandbox-host/src/cli/main.js";

let home = "";
let edge: Server;
let edgeUrl = "";
/** Status the edge answers with, and every request it saw after the first (a followed redirect). */
let status = 307;
const followed: string[] = [];

const listen = (s: Server) =>
  new Promise<string>((resolve) => s.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`)));

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "cli-transport-"));
  edge = createServer((req, res) => {
    if (req.url?.startsWith("/moved")) {
      followed.push(req.url);
      res.writeHead(500).end();
      return;
    }
    res.writeHead(status, { location: `/moved${req.url}` }).end();
  });
  edgeUrl = await listen(edge);
});

afterAll(async () => {
  edge.close();
  await rm(home, { recursive: true, force: true });
});

async function cli(argv: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = "";
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const env = { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), ...options.env };
  const code = await main(argv, { stdout, stderr, env, ...(options.stdin === undefined ? {} : { stdin: Readable.from([options.stdin]) }) });
  return { code, stderr: err };
}

describe("redirects are never followed", () => {
  for (const code of [301, 302, 303, 307, 308]) {
    it(`password login answered by a same-origin ${code} fails with a redirect error and sends nothing further`, async () => {
      status = code;
      followed.length = 0;
      const r = await cli(["login", "--edge", edgeUrl, "--email", "admin@example.com", "--password-stdin"], { stdin: "Correct-Horse-Battery-9\n" });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`redirect \\(HTTP ${code}\\)`));
      expect(r.stderr).not.toContain("Correct-Horse-Battery-9");
      expect(followed).toEqual([]);
    });
  }

  it("API-key login and admin commands fail on a redirect without repeating the request", async () => {
    status = 308;
    followed.length = 0;
    const login = await cli(["login", "--edge", edgeUrl, "--api-key-stdin"], { stdin: "pal_admin_transportTest0123\n" });
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/does not follow redirects/);
    const get = await cli(["get", "agents"], {
      env: { PALISADE_EDGE: edgeUrl, PALISADE_API_KEY: "pal_admin_transportTest0123", PALISADE_ORG: "org_x" },
    });
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/does not follow redirects/);
    expect(followed).toEqual([]);
  });
});

describe("plain http only to this machine", () => {
  for (const edgeArg of ["http://palisade.example.invalid", "http://10.0.0.5:8787", "http://[2001:db8::1]", "HTTP://Palisade.Example.Invalid/"]) {
    it(`login refuses ${edgeArg} before reading or sending the credential`, async () => {
      const r = await cli(["login", "--edge", edgeArg, "--api-key-stdin"], { stdin: "pal_admin_transportTest0123\n" });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/plain http on a remote host.*--insecure-http/);
      expect(r.stderr).not.toMatch(/cannot reach/);
    });
  }

  it("--insecure-http goes ahead with a warning", async () => {
    const r = await cli(["login", "--edge", "http://palisade.example.invalid", "--insecure-http", "--api-key-stdin"], {
      stdin: "pal_admin_transportTest0123\n",
    });
    expect(r.stderr).toMatch(/warning: http:\/\/palisade\.example\.invalid is plain http/);
    expect(r.stderr).toMatch(/cannot reach/);
  });

  it("admin commands refuse a remote http PALISADE_EDGE unless PALISADE_INSECURE_HTTP=1", async () => {
    const env = { PALISADE_EDGE: "http://palisade.example.invalid", PALISADE_API_KEY: "pal_admin_transportTest0123", PALISADE_ORG: "org_x" };
    const refused = await cli(["get", "agents"], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/plain http on a remote host/);
    const allowed = await cli(["get", "agents"], { env: { ...env, PALISADE_INSECURE_HTTP: "1" } });
    expect(allowed.stderr).toMatch(/cannot reach/);
  });
});
