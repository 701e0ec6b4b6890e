// SSO and MFA test helpers: configure an org's provider, drive the browser-style redirect flow
// through the real OpenID provider (following redirects, keeping its cookies, posting its login and
// consent forms), forge codes for the misbehaving provider, and compute real TOTP codes.
import { env, exports } from "cloudflare:workers";
import { OIDC_CLIENT } from "../../support/secrets.js";
import { BASE, type SeededOrg, call, unique, withClientAddress } from "./api.js";

export const SSO_COOKIE = "__Host-pal_sso";

/** A fresh e-mail domain, so orgs of different tests never claim the same one. */
export const uniqueDomain = (label = "acme") => `${unique(label)}.test`;

export async function configureSso(
  org: SeededOrg,
  options: { issuer?: string; domains: string[]; groupMappings?: unknown[]; defaultRole?: "admin" | "member"; displayName?: string },
) {
  const credential = unique("oidc-secret");
  const created = await call(`/api/v1/orgs/${org.orgId}/credentials`, {
    method: "POST",
    token: org.apiKey,
    body: { name: credential, secret: OIDC_CLIENT.clientSecret, inject: { type: "bearer" } },
  });
  if (created.status !== 201) throw new Error(`credential: ${created.status} ${created.text}`);
  const res = await call(`/api/v1/orgs/${org.orgId}/sso`, {
    method: "PUT",
    token: org.apiKey,
    body: {
      displayName: options.displayName ?? "Acme IdP",
      issuer: options.issuer ?? env.TEST_OIDC_PROVIDER_URL,
      clientId: OIDC_CLIENT.clientId,
      clientSecretCredential: credential,
      allowedDomains: options.domains,
      groupMappings: options.groupMappings ?? [],
      ...(options.defaultRole ? { defaultRole: options.defaultRole } : {}),
    },
  });
  if (res.status !== 200) throw new Error(`sso config: ${res.status} ${res.text}`);
  return res.json;
}

/** A minimal cookie jar for the provider's own cookies (name=value per origin-less test). */
class Jar {
  readonly cookies = new Map<string, string>();
  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

const decodeHtml = (s: string) =>
  s
    .replace(/&amp;/g, "&")
    .replace(/&#x2F;/gi, "/")
    .replace(/&#x3D;/gi, "=")
    .replace(/&quot;/g, '"');

/** The first form of an HTML page: its action and its inputs' names and values. */
function formOf(html: string, base: string) {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in page: ${html.slice(0, 300)}`);
  const fields = new URLSearchParams();
  for (const input of form[2]?.matchAll(/<input([^>]*)>/gi) ?? []) {
    const name = /name="([^"]*)"/.exec(input[1] ?? "")?.[1];
    const value = /value="([^"]*)"/.exec(input[1] ?? "")?.[1] ?? "";
    if (name) fields.set(name, decodeHtml(value));
  }
  return { action: new URL(decodeHtml(form[1] ?? ""), base).toString(), fields };
}

export interface ProviderRound {
  /** The redirect back to Palisade (https://palisade.test/api/v1/sso/callback?code=…&state=…). */
  callbackUrl: URL;
  /** The forms the provider showed, in order ("login", "consent"). */
  prompts: string[];
}

/**
 * Plays the browser at the provider: follows redirects from `authorizeUrl`, posts the login form
 * (as `login`, any password) and the consent form, until the provider redirects to Palisade.
 */
export async function signInAtProvider(authorizeUrl: string, login: string): Promise<ProviderRound> {
  const jar = new Jar();
  const prompts: string[] = [];
  let next: { url: string; init?: RequestInit } = { url: authorizeUrl };
  for (let hop = 0; hop < 20; hop++) {
    const response = await fetch(next.url, { ...next.init, redirect: "manual", headers: { ...(next.init?.headers ?? {}), cookie: jar.header() } });
    jar.take(response);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const target = new URL(location, next.url);
      if (target.origin === new URL(OIDC_CLIENT.redirectUri).origin) return { callbackUrl: target, prompts };
      next = { url: target.toString() };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`provider answered ${response.status}: ${html.slice(0, 300)}`);
    const { action, fields } = formOf(html, next.url);
    const prompt = fields.get("prompt") ?? "?";
    prompts.push(prompt);
    if (prompt === "login") {
      fields.set("login", login);
      fields.set("password", "any-password");
    }
    next = { url: action, init: { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: fields.toString() } };
  }
  throw new Error("too many hops at the provider");
}

export interface StartedLogin {
  status: number;
  location: URL;
  /** The browser-binding cookie Palisade set (the PKCE verifier). */
  ssoCookie: string;
}

/** GET /api/v1/sso/start without following its redirect (a service binding would follow it into the Worker). */
export async function startRaw(query: string, headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(
    new Request(`${BASE}/api/v1/sso/start?${query}`, { redirect: "manual", headers: withClientAddress(headers) }),
  );
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith("{") ? JSON.parse(text) : undefined };
}

export async function startLogin(query: string): Promise<StartedLogin> {
  const res = await startRaw(query);
  if (res.status !== 302) throw new Error(`sso start: ${res.status} ${res.text}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SSO_COOKIE}=`)) ?? "";
  return {
    status: res.status,
    location: new URL(res.headers.get("location") ?? ""),
    ssoCookie: cookie.split(";")[0]?.slice(SSO_COOKIE.length + 1) ?? "",
  };
}

/** Calls Palisade's callback as the browser would (with the SSO cookie unless told otherwise). */
export function callback(callbackUrl: URL, ssoCookie: string | null) {
  return call(`${callbackUrl.pathname}${callbackUrl.search}`, ssoCookie === null ? {} : { headers: { cookie: `${SSO_COOKIE}=${ssoCookie}` } });
}

/** The session token set by a successful callback. */
export function sessionOf(res: { headers: Headers }): string | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith("__Host-pal_session="));
  return line?.split(";")[0]?.slice("__Host-pal_session=".length);
}

/** Full flow: start for the org, sign in at the real provider, come back. */
export async function ssoLogin(orgId: string, login: string) {
  const started = await startLogin(`org=${orgId}`);
  const round = await signInAtProvider(started.location.toString(), login);
  const res = await callback(round.callbackUrl, started.ssoCookie);
  return { started, round, res, session: sessionOf(res) };
}

/** A code for the misbehaving provider, asking for the given ID-token fault. */
export function fakeCode(started: StartedLogin, claims: { fault: string; sub?: string; email: string; groups?: string[]; nonce?: string }) {
  const payload = {
    sub: claims.sub ?? `sub-${claims.email}`,
    groups: [],
    nonce: started.location.searchParams.get("nonce"),
    challenge: started.location.searchParams.get("code_challenge"),
    ...claims,
  };
  return btoa(JSON.stringify(payload)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fakeCallbackUrl(started: StartedLogin, code: string, state = started.location.searchParams.get("state") ?? "") {
  return new URL(`${OIDC_CLIENT.redirectUri}?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
}

// ── TOTP, written here independently of the Worker's library (RFC 6238 / RFC 4226 with WebCrypto) ──
function base32Decode(input: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of input.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const bytes = new Uint8Array(Math.floor(bits.length / 8));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  return bytes;
}

export async function totp(secretBase32: string, atMs = Date.now(), stepOffset = 0): Promise<string> {
  const counter = Math.floor(atMs / 1000 / 30) + stepOffset;
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const key = await crypto.subtle.importKey("raw", base32Decode(secretBase32), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = (mac[mac.length - 1] ?? 0) & 0xf;
  const binary = (((mac[offset] ?? 0) & 0x7f) << 24) | ((mac[offset + 1] ?? 0) << 16) | ((mac[offset + 2] ?? 0) << 8) | (mac[offset + 3] ?? 0);
  return String(binary % 1_000_000).padStart(6, "0");
}

/** Enrols an authenticator for a signed-in session; returns its secret, the code it was confirmed with and the recovery codes. */
export async function enrolMfa(session: string) {
  const started = await call("/api/v1/me/mfa", { method: "POST", token: session });
  if (started.status !== 200) throw new Error(`mfa start: ${started.status} ${started.text}`);
  const secret = started.json.secret as string;
  const code = await totp(secret);
  const confirmed = await call("/api/v1/me/mfa/confirm", { method: "POST", token: session, body: { code } });
  if (confirmed.status !== 200) throw new Error(`mfa confirm: ${confirmed.status} ${confirmed.text}`);
  // The code confirmed with, for replay checks: a fresh totp() may fall in the next 30 s step, which is a new code.
  return { secret, confirmedCode: code, otpauthUri: started.json.otpauthUri as string, recoveryCodes: confirmed.json.recoveryCodes as string[] };
}
