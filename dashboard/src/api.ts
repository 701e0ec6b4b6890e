// The admin API client: same-origin cookie session, the CSRF header on every write, and the
// API's own error message surfaced to the user.
import { isRecord } from "./schemas.js";

const CSRF_COOKIE = "__Host-pal_csrf";
const CSRF_HEADER = "x-csrf-token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function csrfToken(): string | undefined {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === CSRF_COOKIE) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

let onSessionLost: () => void = () => {};
/** Calls whose 401 is their answer (wrong password, invalid invitation), not a lost session. */
const ANSWERS_401 = new Set(["/login", "/login/mfa", "/login/mfa/enroll", "/invitations/accept"]);
export function whenSessionLost(handler: () => void) {
  onSessionLost = handler;
}

export async function request(method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") {
    const token = csrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", "Cannot reach the server. Check the connection and try again.");
  }
  if (res.status === 204) return undefined;
  const data: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = isRecord(data) && isRecord(data.error) ? data.error : {};
    const message = typeof error.message === "string" ? error.message : `request failed (${res.status})`;
    const code = typeof error.code === "string" ? error.code : "error";
    if (res.status === 401 && !ANSWERS_401.has(path)) onSessionLost();
    throw new ApiError(res.status, code, message);
  }
  return data;
}

export const get = (path: string) => request("GET", path);
export const post = (path: string, body?: unknown) => request("POST", path, body);
export const patch = (path: string, body: unknown) => request("PATCH", path, body);
export const del = (path: string) => request("DELETE", path);

/** Query string from defined, non-empty values. */
export function qs(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
