// The dashboard build: deterministic output, a small first load, no eval or HTML-string sinks
// in the bundle (the CSP forbids them), and the shared schemas baked in.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bundleDashboard } from "../../../scripts/build-dashboard.mjs";

interface Bundle {
  files: Record<string, Uint8Array>;
  js: string;
  css: string;
}

describe("dashboard build", { timeout: 60_000 }, () => {
  it("is deterministic, small and free of eval and innerHTML", async () => {
    const first: Bundle = await bundleDashboard();
    const second: Bundle = await bundleDashboard();
    expect(Object.keys(first.files).sort()).toEqual(Object.keys(second.files).sort());
    for (const [name, bytes] of Object.entries(first.files))
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(second.files[name] ?? new Uint8Array())), name).toBe(0);

    expect(first.js).toMatch(/^assets\/app-[A-Z0-9]+\.js$/);
    expect(first.css).toMatch(/^assets\/app-[A-Z0-9]+\.css$/);
    const html = Buffer.from(first.files["index.html"] ?? new Uint8Array()).toString("utf8");
    expect(html).toContain(`<script type="module" src="/${first.js}"></script>`);
    expect(html).toContain(`href="/${first.css}"`);
    expect(html).not.toMatch(/%APP_/);

    const js = Buffer.from(first.files[first.js] ?? new Uint8Array());
    const text = js.toString("utf8");
    // First-load budget: the whole app (forms, validator, every page) in well under 40 KB gzip.
    expect(gzipSync(js, { level: 9 }).byteLength).toBeLessThan(40 * 1024);
    // The chart library is a chunk of its own, fetched only when a chart is drawn.
    const chunks = Object.keys(first.files).filter((f) => f.endsWith(".js") && f !== first.js);
    expect(chunks).toEqual([expect.stringMatching(/^assets\/uPlot\.esm-[A-Z0-9]+\.js$/)]);
    expect(text).toContain(chunks[0]?.replace("assets/", ""));
    for (const sink of [/\beval\(/, /new Function\(/, /\.innerHTML\s*=/, /\.outerHTML\s*=/, /insertAdjacentHTML/, /document\.write\(/])
      expect(text, String(sink)).not.toMatch(sink);
    // The JSON Schemas of the shared zod schemas are in the bundle (forms come from them).
    for (const name of ["AgentCreateSchema", "TeamCreateSchema", "AuditQuerySchema", "LoginRequestSchema"]) expect(text).toContain(`${name}:`);
  });
});
