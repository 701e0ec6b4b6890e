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
        // A redirect would carry the password or bearer credential to wherever it points.
        redirect: "manual",
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new CliError(1, `cannot reach ${new URL(this.edge).origin}: ${e instanceof Error ? e.message : String(e)}`);
    }
    refuseRedirect(res, `${method} ${path}`);
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

/**
 * Fails on any 3xx: the CLI never follows a redirect, since the request it would repeat carries a
 * password or a bearer credential. Names the target's origin so the admin can fix --edge.
 */
export function refuseRedirect(res: Response, what: string): void {
  if (res.type !== "opaqueredirect" && (res.status < 300 || res.status > 399)) return;
  const location = res.headers.get("location");
  let target = "";
  try {
    target = location ? ` to ${new URL(location, res.url || undefined).origin}` : "";
  } catch {
    target = "";
  }
  throw new CliError(
    1,
    `${what}: the edge answered a redirect (HTTP ${res.status})${target}; palisade does not follow redirects, use the edge's final https URL`,
  );
}

/** The host of an http URL that may be spoken to in plain text: this machine only. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Refuses an http:// edge on another machine (the credential would cross the network in plain
 * text) unless `insecureHttp` says so explicitly, and then warns.
 */
export function checkEdgeTransport(edge: string, insecureHttp: boolean, warn: (line: string) => void): void {
  const url = new URL(edge);
  if (url.protocol !== "http:" || isLoopbackHost(url.hostname)) return;
  if (!insecureHttp) {
    throw new CliError(
      2,
      `${url.origin} is plain http on a remote host: the credential would cross the network unencrypted; use https (or --insecure-http)`,
    );
  }
  warn(`palisade: warning: ${url.origin} is plain http; the credential crosses the network unencrypted\n`);
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
