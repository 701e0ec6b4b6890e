// Exports: NDJSON and CSV stream page by page; CSV is escaped and formula-safe; an NDJSON
// export re-verifies offline with the canonical form of docs/audit.md (re-implemented here).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../../workers/audit/audit.js";
import { csvField, exportStream } from "../../../workers/audit/query.js";
import { AuditData } from "../../../workers/data/audit-data.js";
import { makeDb } from "../../../workers/data/db.js";
import { BASE, type SeededOrg, seedOrg } from "../support/api.js";
import { exports } from "cloudflare:workers";

const EVENTS = 1_205;
let org: SeededOrg;

const tricky = {
  action: '=HYPERLINK("http://evil.test","x")',
  reason: '+cmd|"/c calc"!A1, and "quotes"\nnew line',
  resourceId: "@SUM(1,2)",
};

beforeAll(async () => {
  org = await seedOrg("export");
  await recordAudit(env, {
    orgId: org.orgId,
    actor: { type: "user", id: org.ownerId },
    action: tricky.action,
    resource: { type: "doc", id: tricky.resourceId },
    result: "success",
    reason: tricky.reason,
    details: { note: 'comma, "quote"', n: -1 },
  });
  for (let i = 1; i < EVENTS; i++) {
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: "system", id: "scheduler" },
      action: "usage.rollup",
      resource: { type: "org", id: org.orgId },
      result: "success",
      details: { i, label: `ünïcode ${i} \u2028` },
    });
  }
});

async function fetchExport(query: string) {
  const res = await exports.default.fetch(
    new Request(`${BASE}/api/v1/orgs/${org.orgId}/audit/export?${query}`, { headers: { authorization: `Bearer ${org.apiKey}` } }),
  );
  expect(res.status).toBe(200);
  const reader = res.body?.getReader();
  if (!reader) throw new Error("no body");
  const decoder = new TextDecoder();
  let text = "";
  let chunks = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    chunks++;
    text += decoder.decode(r.value, { stream: true });
  }
  return { res, text, chunks };
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** RFC 4180 reader, just enough for the test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(field), rows.push(row), (row = []), (field = ""), i++;
    else field += ch;
  }
  return rows;
}

describe("audit export", () => {
  it("streams NDJSON in several chunks, and the lines re-verify offline", async () => {
    const { res, text, chunks } = await fetchExport("format=ndjson");
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    expect(chunks).toBeGreaterThanOrEqual(3); // pages of 500 rows, one chunk each
    const lines = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(EVENTS);
    let prev = "0".repeat(64);
    for (const [i, e] of lines.entries()) {
      expect(e.seq).toBe(i + 1);
      expect(e.prevHash).toBe(prev);
      const canonical = JSON.stringify([
        "palisade-audit-v1",
        e.seq,
        e.id,
        e.orgId,
        e.ts,
        e.actorType,
        e.actorId,
        e.action,
        e.resourceType,
        e.resourceId,
        e.result,
        e.reason,
        e.traceId,
        e.details,
        e.prevHash,
      ]);
      expect(hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical)))).toBe(e.hash);
      prev = e.hash;
    }
    expect(lines[0].action).toBe(tricky.action);
  });

  it("streams CSV with escaping and formula neutralised", async () => {
    const { res, text } = await fetchExport("format=csv");
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const rows = parseCsv(text);
    const header = rows[0] ?? [];
    expect(rows).toHaveLength(EVENTS + 1);
    const first = Object.fromEntries(header.map((h, i) => [h, rows[1]?.[i]]));
    expect(first.action).toBe(`'${tricky.action}`);
    expect(first.reason).toBe(`'${tricky.reason}`);
    expect(first.resourceId).toBe(`'${tricky.resourceId}`);
    expect(JSON.parse(first.details ?? "")).toEqual({ n: -1, note: 'comma, "quote"' });
    // No cell of the export starts with a formula trigger.
    for (const row of rows) for (const cell of row) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("applies filters to exports", async () => {
    const { text } = await fetchExport("format=ndjson&actorType=user");
    expect(text.trimEnd().split("\n")).toHaveLength(1);
  });

  it("reads one page ahead only, whatever the size of the range", async () => {
    class CountingStore extends AuditData {
      pages = 0;
      override async list(...args: Parameters<AuditData["list"]>) {
        this.pages++;
        return super.list(...args);
      }
    }
    const store = new CountingStore(makeDb(env.DB), org.orgId);
    const reader = exportStream(store, {}, "ndjson", 100).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(store.pages).toBeLessThanOrEqual(2);
    await reader.cancel();
  });

  it("escapes single fields", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(-5)).toBe("-5");
    expect(csvField("-5")).toBe("'-5");
    expect(csvField('a"b')).toBe('"a""b"');
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField("\tx")).toBe("'\tx");
    expect(csvField("=1\n2")).toBe('"\'=1\n2"');
    expect(csvField("plain")).toBe("plain");
  });
});
