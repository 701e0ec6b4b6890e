// The admin API from the CLI: one fetch wrapper that parses answers with the shared schemas, and the CLI's error type.
import { z } from "zod";

/** A failure the CLI reports as one line; exit code 2 means bad usage, 1 anything else. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
const MAX_PAGES = 100;

export class Api {
  /** Requests that changed something (POST, PATCH, PUT, DELETE), so `apply` can prove a no-op sent none. */
  writes = 0;

  constructor(
    readonly edge: string,
    readonly token: string,
  ) {}

  async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    if (method !== "GET") this.writes++;
    let res: Response;
    try {
      res = await fetch(`${this.edge}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new CliError(1, `cannot reach ${new URL(this.edge).origin}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(json);
      const issues = err.success ? issuesOf(err.data.error.details) : "";
      const detail = err.success ? `${err.data.error.code}: ${err.data.error.message}${issues}` : `HTTP ${res.status}`;
      throw new CliError(
        1,
        res.status === 401
          ? `the ${this.token.startsWith("pal_") ? "API key" : "session"} was refused (${detail}); run palisade login`
          : `${method} ${path} failed: ${detail}`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new CliError(1, `unexpected answer from ${method} ${path}`);
    return parsed.data;
  }

  async list<T>(path: string, item: z.ZodType<T>, query = ""): Promise<T[]> {
    const pageSchema = z.object({ items: z.array(item), nextCursor: z.string().nullable().optional() });
    const out: T[] = [];
    let cursor: string | null | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await this.call("GET", `${path}?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, pageSchema);
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return out;
  }
}

/** The field names of a validation error (never the values), so a refused write says what to fix. */
function issuesOf(details: unknown): string {
  const parsed = z.object({ issues: z.array(z.object({ path: z.unknown(), message: z.string() })) }).safeParse(details);
  if (!parsed.success || parsed.data.issues.length === 0) return "";
  return ` (${parsed.data.issues.map((i) => `${Array.isArray(i.path) ? i.path.join(".") : String(i.path)}: ${i.message}`).join("; ")})`;
}

/** A plain aligned table, like kubectl's. */
export function table(headers: string[], rows: (string | number | boolean | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? "-" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return `${cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("   ")).join("\n")}\n`;
}
