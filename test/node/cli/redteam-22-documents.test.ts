// Red team, issue 22 (declarative CLI): secrets smuggled into `apply -f` documents through fields
// the secret check does not name (URLs with user info or a query key, headers), YAML bombs,
// merge keys and tags. Calls the document loader `apply` runs before it touches the API.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDocuments } from "../../../sandbox-host/src/cli/documents.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "rt22-docs-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string, text: string) {
  const file = path.join(dir, name);
  await writeFile(file, text);
  const started = Date.now();
  const out = await loadDocuments([file]);
  return { ...out, ms: Date.now() - started };
}

describe("secrets in documents", () => {
  it("a provider baseUrl with a password in its user info is refused", async () => {
    const r = await load(
      "prov.yaml",
      `apiVersion: palisade.dev/v1\nkind: Provider\nmetadata: {name: p1}\nspec:\n  kind: openai\n  baseUrl: https://svc:Winter2026pass@api.example.com/v1\n  credential: c1\n`,
    );
    expect(r.docs).toEqual([]);
    expect(r.problems.length).toBeGreaterThan(0);
  });

  it("a tool URL carrying a hex api key in its query is refused", async () => {
    const r = await load(
      "tool.yaml",
      `apiVersion: palisade.dev/v1\nkind: Tool\nmetadata: {name: t1}\nspec:\n  method: GET\n  url: https://api.example.com/v1/items?api_key=3f9a1c0b7d2e4f6a8b9c0d1e2f3a4b5c\n  inputSchema: {type: object}\n`,
    );
    expect(r.docs).toEqual([]);
    expect(r.problems.length).toBeGreaterThan(0);
  });

  it("an MCP server URL carrying a UUID token in its query is refused", async () => {
    const r = await load(
      "mcp.yaml",
      `apiVersion: palisade.dev/v1\nkind: Tool\nmetadata: {name: m1}\nspec:\n  mcpUrl: https://mcp.example.com/sse?token=0b1d5c3e-7a9f-4e2b-8c6d-1f3a5b7c9e0d\n`,
    );
    expect(r.docs).toEqual([]);
    expect(r.problems.length).toBeGreaterThan(0);
  });

  it("a high-entropy token in a tool URL query is refused (control)", async () => {
    const r = await load(
      "tool2.yaml",
      `apiVersion: palisade.dev/v1\nkind: Tool\nmetadata: {name: t2}\nspec:\n  method: GET\n  url: https://api.example.com/v1/items?key=Zq8xR2vLp0Tn6WbY4cKd9MsFh3Ge7Ju1\n  inputSchema: {type: object}\n`,
    );
    expect(r.docs).toEqual([]);
    expect(r.problems.length).toBeGreaterThan(0);
  });

  it("a secret-named key reached through a YAML merge key or anchor is still refused", async () => {
    const r = await load(
      "merge.yaml",
      `x: &a {secret: sk-live-abcdefghijklmnop}\n---\napiVersion: palisade.dev/v1\nkind: Credential\nmetadata: {name: c2}\nspec:\n  <<: {secret: hunter2hunter2}\n  inject: {type: bearer}\n  valueFrom: {env: X}\n`,
    );
    expect(r.docs).toEqual([]);
    expect(r.problems.length).toBeGreaterThan(0);
  });
});

describe("YAML tricks", () => {
  it("a billion-laughs alias bomb is refused quickly", async () => {
    const lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]`);
    const started = Date.now();
    // Either a reported problem or a thrown "excessive alias" error: never an expansion.
    const r = await load("bomb.yaml", `${lines.join("\n")}\n`).catch((e: Error) => ({ docs: [], problems: [{ at: "", reason: e.message }], ms: 0 }));
    expect(r.docs).toEqual([]);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("custom and JS tags do not execute and do not produce a document", async () => {
    const r = await load(
      "tags.yaml",
      `apiVersion: palisade.dev/v1\nkind: Team\nmetadata: {name: !!js/function "function(){return 1}"}\nspec: !!binary aGVsbG8=\n`,
    );
    expect(r.docs.every((d) => typeof d.name === "string" && !d.name.includes("function"))).toBe(true);
  });
});
