// OAuth for desktop MCP clients, from the tests' side: the official SDK's client provider kept in
// memory, and the person's browser (session cookie, consent page, form post) played by fetches
// through the Worker's entry.
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { exports } from "cloudflare:workers";
import { BASE, call, withClientAddress } from "./api.js";

export const REDIRECT_URI = "http://127.0.0.1:33418/callback";

/** An MCP client's OAuth state, in memory, as a desktop app keeps it on disk. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  authorizationUrl: URL | undefined;

  constructor(readonly redirectUri = REDIRECT_URI) {}

  get redirectUrl() {
    return this.redirectUri;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Desktop test client",
      redirect_uris: [this.redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

export const workerFetch = (input: string | URL | Request, init?: RequestInit) => {
  const request = new Request(input, init);
  return exports.default.fetch(new Request(request, { headers: withClientAddress(request.headers) }));
};

export function oauthTransport(provider: OAuthClientProvider) {
  return new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), { authProvider: provider, fetch: workerFetch });
}

/** A dashboard session for the person (what their browser holds after signing in). */
export async function sessionOf(email: string, password: string): Promise<string> {
  const login = await call("/api/v1/login", { method: "POST", body: { email, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return login.json.token as string;
}

function cookiesFrom(response: Response): string[] {
  return response.headers.getSetCookie().map((c) => c.split(";")[0] ?? "");
}

export interface ConsentPage {
  status: number;
  html: string;
  handle: string | undefined;
  cookies: string[];
}

/** The browser opens the authorization URL, signed in. */
export async function openConsent(authorizationUrl: URL | string, session: string): Promise<ConsentPage> {
  const response = await workerFetch(String(authorizationUrl), { headers: { cookie: `__Host-pal_session=${session}` } });
  const html = await response.text();
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  return { status: response.status, html, handle, cookies: cookiesFrom(response) };
}

/** The person submits the consent form: returns the redirect (to the client, with the code) or the refusal. */
export async function submitConsent(page: ConsentPage, session: string, form: Record<string, string>): Promise<Response> {
  return workerFetch(`${BASE}/oauth/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: BASE,
      cookie: [`__Host-pal_session=${session}`, ...page.cookies].join("; "),
    },
    body: new URLSearchParams({ handle: page.handle ?? "", ...form }).toString(),
  });
}

/** Runs the whole flow with the SDK: discovery, registration, consent as `agentId`, token. Returns a connected client. */
export async function connectThroughOAuth(session: string, agentId: string, provider = new MemoryOAuthProvider()) {
  const first = new Client({ name: "desktop-oauth-test", version: "1.0.0" });
  const transport = oauthTransport(provider);
  const refused = await first.connect(transport).catch((e: unknown) => e);
  if (!(refused instanceof Error) || !provider.authorizationUrl) throw new Error(`expected the SDK to ask for authorization, got ${String(refused)}`);
  const page = await openConsent(provider.authorizationUrl, session);
  const answer = await submitConsent(page, session, { action: "approve", agent: agentId });
  const location = answer.headers.get("location");
  if (answer.status !== 302 || !location) throw new Error(`consent refused: ${answer.status} ${await answer.text()}`);
  const code = new URL(location).searchParams.get("code");
  if (!code) throw new Error(`no code in ${location}`);
  await transport.finishAuth(code);
  const client = new Client({ name: "desktop-oauth-test", version: "1.0.0" });
  await client.connect(oauthTransport(provider));
  return { client, provider, redirect: new URL(location) };
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** A PKCE verifier and its S256 challenge. */
export async function pkce() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

/** Dynamic client registration (RFC 7591) as a public client. */
export async function registerClient(redirectUris = [REDIRECT_URI]): Promise<string> {
  const res = await call("/oauth/register", {
    method: "POST",
    body: {
      client_name: "raw client",
      redirect_uris: redirectUris,
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    },
  });
  if (res.status !== 201) throw new Error(`registration: ${res.status} ${res.text}`);
  return res.json.client_id as string;
}

export function authorizeUrl(params: Record<string, string | undefined>): string {
  const url = new URL(`${BASE}/oauth/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** Authorization code flow by hand: returns the code (or the refusal) for a consent as `agentId`. */
export async function authorizeByHand(session: string, agentId: string, overrides: Record<string, string | undefined> = {}) {
  const clientId = overrides.client_id ?? (await registerClient());
  const { verifier, challenge } = await pkce();
  const url = authorizeUrl({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st-1",
    scope: "mcp",
    resource: `${BASE}/mcp`,
    ...overrides,
  });
  const page = await openConsent(url, session);
  if (!page.handle) return { clientId, verifier, page, code: undefined, response: undefined };
  const response = await submitConsent(page, session, { action: "approve", agent: agentId });
  const location = response.headers.get("location");
  const code = location ? (new URL(location).searchParams.get("code") ?? undefined) : undefined;
  return { clientId, verifier, page, code, response };
}

/** POST /oauth/token, form-encoded, as a public client. */
export async function tokenRequest(params: Record<string, string>) {
  const response = await workerFetch(`${BASE}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** The whole flow by hand, returning the access and refresh tokens. */
export async function oauthTokens(session: string, agentId: string) {
  const auth = await authorizeByHand(session, agentId);
  if (!auth.code) throw new Error(`no code: ${auth.page.status} ${auth.page.html.slice(0, 300)}`);
  const token = await tokenRequest({
    grant_type: "authorization_code",
    code: auth.code,
    redirect_uri: REDIRECT_URI,
    client_id: auth.clientId,
    code_verifier: auth.verifier,
    resource: `${BASE}/mcp`,
  });
  if (token.status !== 200) throw new Error(`token: ${token.status} ${token.text}`);
  return { access: token.json.access_token as string, refresh: token.json.refresh_token as string, clientId: auth.clientId };
}

/** tools/list at /mcp with a bearer token. */
export function listWith(token: string, origin = BASE) {
  return workerFetch(`${origin}/mcp`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
}
