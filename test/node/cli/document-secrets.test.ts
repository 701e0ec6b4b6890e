// `apply -f` refuses a credential carried in a URL (user info, a credential-named query parameter,
// a query value the secret detectors flag) with file:line and never the value; an ordinary query
// passes; an alias bomb is one clean "too many YAML aliases" problem.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDocuments } from "../../../sandbox-host/src/cli/documents.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cli-docsecrets-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string, text: string) {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return { file, ...(await loadDocuments([file])) };
}

const tool = (url: string) =>
  `apiVersion: palisade.dev/v1\nkind: Tool\nmetadata: {name: t1}\nspec:\n  method: GET\n  url: "${url}"\n  inputSchema: {type: object}\n`;

describe("credentials in URL queries", () => {
  const refused: [string, string][] = [
    ["api_key", "https://api.example.com/v1?api_key=3f9a1c0b7d2e4f6a8b9c0d1e2f3a4b5c"],
    ["access_token", "https://api.example.com/v1?page=1&access_token=abc"],
    ["X-Amz-Signature", "https://bucket.s3.amazonaws.com/o?X-Amz-Signature=0a1b2c3d4e5f"],
    ["client_secret", "https://idp.example.com/token?client_secret=s3cr3tvalue"],
    ["sig", "https://blob.example.com/c?sv=2020&sig=AbCdEf%2B123"],
    ["apiKey", "https://api.example.com/v1?apiKey=xyz"],
    ["token (uuid)", "https://mcp.example.com/sse?token=0b1d5c3e-7a9f-4e2b-8c6d-1f3a5b7c9e0d"],
    ["ghp token under a plain name", "https://api.example.com/v1?q=ghp_TestSecretValue0123456789abcdefABCDEF"],
  ];
  for (const [what, url] of refused) {
    it(`refuses a tool URL with ${what} in its query, with file:line and without the value`, async () => {
      const r = await load("t.yaml", tool(url));
      expect(r.docs).toEqual([]);
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]?.at).toBe(`${r.file}:6`);
      const value = new URL(url).search.split("=").at(-1) ?? "";
      expect(JSON.stringify(r.problems)).not.toContain(decodeURIComponent(value));
    });
  }

  it("accepts a URL with an ordinary query and a template", async () => {
    const r = await load("ok.yaml", tool("https://api.example.com/v1/items/{id}?page=2&limit=50&sort=name"));
    expect(r.problems).toEqual([]);
    expect(r.docs).toHaveLength(1);
  });
});

describe("YAML alias bombs", () => {
  it("a billion-laughs document is one 'too many YAML aliases' problem at its file:line", async () => {
    const lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]`);
    const r = await load("bomb.yaml", `kind: Team\n---\n${lines.join("\n")}\n`);
    expect(r.docs).toEqual([]);
    const bomb = r.problems.filter((p) => p.reason === "too many YAML aliases");
    expect(bomb).toHaveLength(1);
    expect(bomb[0]?.at).toMatch(new RegExp(`^${r.file}:[23]$`));
  });
});
