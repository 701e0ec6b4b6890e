// The texts scripts/bench-pii.ts measures on: the labelled corpus, the prompt-like mix (prose,
// code and logs with a corpus line in twenty) and never-seen variants of it.
import { readFileSync } from "node:fs";
import { z } from "zod";

const root = new URL("../../", import.meta.url);
const Row = z.object({ text: z.string() });
export const corpus = readFileSync(new URL("test/pii/corpus/corpus.jsonl", root), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => Row.parse(JSON.parse(l)).text);

const PROSE = [
  "The service reads the configuration at start-up and caches it for the lifetime of the process.",
  '  const result = await fetch(url, { method: "POST", headers, body: JSON.stringify(payload) });',
  "2024-05-01T10:15:32.118Z INFO request completed status=200 duration_ms=42 route=/api/v1/items",
  "If the queue is full, the producer backs off exponentially and retries up to five times.",
  "  for (const item of items) { total += item.price * item.quantity; }",
  "We should measure latency at the 99th percentile before and after the change is rolled out.",
  "- [ ] update the migration, run the tests, then ask for a review on the pull request",
  '  return { ok: false, error: "not_found", retryAfter: 30 };',
];

export function buildPrompt(bytes: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const l = i % 20 === 19 ? (corpus[((i / 20) % corpus.length) | 0] ?? "") : (PROSE[i % PROSE.length] ?? "");
    parts.push(l);
    n += l.length + 1;
  }
  return parts.join("\n").slice(0, bytes);
}

let freshRun = 0;
/** The mix with a new reference on every line, so no entity cache helps. */
export function freshPrompt(bytes: number): string {
  freshRun++;
  let n = 0;
  return buildPrompt(bytes).replace(/\n/g, () => ` ref ${freshRun.toString(36)}x${(n++).toString(36)}\n`);
}
