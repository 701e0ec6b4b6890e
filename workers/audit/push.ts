// What the audit sink and the notification webhook share: the rule for a URL the org's trail may
// be pushed to, and one POST with the outcome as a value (the AuditLog retries failures).
import { checkDestination } from "../egress/url-safety.js";
import { AppError } from "../errors.js";

/**
 * Refuses what a push target may not be: not https (http only where private upstreams are
 * allowed, i.e. local development), user info, private, loopback, metadata and other non-public hosts.
 */
export function assertPushUrl(raw: string, allowPrivate: boolean, field: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("validation_failed", `${field}: not an absolute URL`);
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    throw new AppError("validation_failed", `${field}: ${what} must use https`);
  }
  const check = checkDestination(url, { allowPrivate });
  if (!check.ok) throw new AppError("validation_failed", `${field}: refused destination (${check.class.replaceAll("_", " ")})`);
  return url;
}

/** A failure says whether the receiver answered (its status and Retry-After) or the URL was refused. */
export type PushResult = { ok: true } | { ok: false; error: string; status?: number; retryAfter?: string | null; refused?: true };

/**
 * POSTs once, redirects not followed (a 3xx could point the trail anywhere); any 2xx is success.
 * The URL is checked again at send time: the rules may have changed since it was set.
 */
export async function push(
  target: { url: string; allowPrivate: boolean; field: string; what: string; who: string; timeoutMs: number },
  headers: Record<string, string>,
  body: string,
): Promise<PushResult> {
  try {
    assertPushUrl(target.url, target.allowPrivate, target.field, target.what);
  } catch (error) {
    return { ok: false, error: error instanceof AppError ? error.message : "url refused", refused: true };
  }
  try {
    const response = await fetch(target.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(target.timeoutMs) });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true };
    return {
      ok: false,
      error: `${target.who} answered ${response.status}`,
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    return { ok: false, error: name === "TimeoutError" ? `no answer within ${target.timeoutMs / 1000} s` : `${target.who} unreachable` };
  }
}
