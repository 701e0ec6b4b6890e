// The OpenID Connect relying party: provider discovery, the authorization request (code flow,
// PKCE S256, state, nonce), the code exchange and the ID token check. Every JWT and JWKS step is
// jose's; randomness and hashing are WebCrypto's. Nothing here knows about orgs or users.
import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
import { z } from "zod";
import { checkDestination } from "../egress/url-safety.js";
import { AppError } from "../errors.js";
import { bytesToBase64url, randomBytes, timingSafeEqual } from "./crypto.js";

/** Signature algorithms accepted on ID tokens: asymmetric only (no `none`, no HS* keyed with a public key). */
export const ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
const CLOCK_TOLERANCE_SECONDS = 30;
const DISCOVERY_TTL_MS = 5 * 60_000;
const FETCH_TIMEOUT_MS = 10_000;

const ProviderMetadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  id_token_signing_alg_values_supported: z.array(z.string()).optional(),
});
export type ProviderMetadata = z.infer<typeof ProviderMetadataSchema>;

const TokenResponseSchema = z.object({ id_token: z.string().min(1), token_type: z.string().optional() });

export const IdTokenClaimsSchema = z.object({
  sub: z.string().min(1).max(255),
  /** Optional here so a token without it gets its own audited refusal; a login requires both. */
  email: z.email().max(320).optional(),
  email_verified: z.boolean().optional(),
  nonce: z.string(),
  azp: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]),
  groups: z.array(z.string().max(256)).max(500).optional(),
});
export type IdTokenClaims = z.infer<typeof IdTokenClaimsSchema>;

/** A failure of the provider or of its answer: the caller sees one generic message, the reason goes to logs. */
export const ssoFailed = (reason: string, cause?: unknown) => {
  console.warn("sso refused", { reason, cause: cause === undefined ? undefined : String(cause) });
  return new AppError("unauthorized", "sign-in with the identity provider failed", { cause: reason });
};

/** Refuses URLs the edge must not call: non-HTTPS (except local development) and internal addresses. */
export function assertProviderUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("bad_request", "identity provider URL is not a URL");
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    throw new AppError("bad_request", "identity provider URLs must use https");
  }
  if (!checkDestination(url, { allowPrivate }).ok) throw new AppError("bad_request", "identity provider URL is not a public address");
  return url;
}

async function fetchJson(url: URL, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${url.origin}${url.pathname}`);
  return response.json();
}

const discoveryCache = new Map<string, { metadata: ProviderMetadata; expires: number }>();
const jwksCache = new Map<string, JWTVerifyGetKey>();

/** The provider's metadata (OpenID Connect Discovery 1.0), which must name exactly the configured issuer. */
export async function discover(issuer: string, allowPrivate: boolean): Promise<ProviderMetadata> {
  const now = Date.now();
  const hit = discoveryCache.get(issuer);
  if (hit && hit.expires > now) return hit.metadata;
  const base = assertProviderUrl(issuer, allowPrivate);
  const url = new URL(`${base.href.replace(/\/$/, "")}/.well-known/openid-configuration`);
  let parsed: ProviderMetadata;
  try {
    parsed = ProviderMetadataSchema.parse(await fetchJson(url));
  } catch (error) {
    throw new AppError("bad_request", "the identity provider's discovery document could not be read", { cause: error });
  }
  if (parsed.issuer !== issuer) throw new AppError("bad_request", "the discovery document names another issuer");
  for (const endpoint of [parsed.authorization_endpoint, parsed.token_endpoint, parsed.jwks_uri]) assertProviderUrl(endpoint, allowPrivate);
  const methods = parsed.code_challenge_methods_supported;
  if (methods && !methods.includes("S256")) throw new AppError("bad_request", "the identity provider does not support PKCE S256");
  if (discoveryCache.size > 500) discoveryCache.clear();
  discoveryCache.set(issuer, { metadata: parsed, expires: now + DISCOVERY_TTL_MS });
  return parsed;
}

function jwksOf(metadata: ProviderMetadata): JWTVerifyGetKey {
  let keys = jwksCache.get(metadata.jwks_uri);
  if (!keys) {
    // jose caches the key set and refetches it when a token names an unknown key id.
    keys = createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: 30_000 });
    if (jwksCache.size > 500) jwksCache.clear();
    jwksCache.set(metadata.jwks_uri, keys);
  }
  return keys;
}

export interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
  verifier: string;
}

/** A fresh authorization request: random state, nonce and PKCE verifier (S256 only). */
export async function authorizationRequest(metadata: ProviderMetadata, clientId: string, redirectUri: string): Promise<AuthorizationRequest> {
  const state = bytesToBase64url(randomBytes(32));
  const nonce = bytesToBase64url(randomBytes(32));
  const verifier = bytesToBase64url(randomBytes(32));
  const challenge = bytesToBase64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const url = new URL(metadata.authorization_endpoint);
  const params = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: "openid email profile groups",
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { url, state, nonce, verifier };
}

export interface CodeExchange {
  metadata: ProviderMetadata;
  issuer: string;
  clientId: string;
  clientSecret: string;
  code: string;
  verifier: string;
  redirectUri: string;
  nonce: string;
}

/** Exchanges the code (client_secret_basic, PKCE verifier) and returns the checked ID token claims. */
export async function redeemCode(input: CodeExchange): Promise<IdTokenClaims> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.verifier,
  });
  // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
  const basic = btoa(`${encodeURIComponent(input.clientId)}:${encodeURIComponent(input.clientSecret)}`);
  let idToken: string;
  try {
    const body = await fetchJson(new URL(input.metadata.token_endpoint), {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form,
    });
    idToken = TokenResponseSchema.parse(body).id_token;
  } catch (error) {
    throw ssoFailed("token endpoint refused the code", error);
  }
  return verifyIdToken(idToken, input);
}

/** Signature (provider JWKS, asymmetric algorithms), issuer, audience, azp, expiry, nonce and the claims we use. */
export async function verifyIdToken(
  idToken: string,
  input: Pick<CodeExchange, "metadata" | "issuer" | "clientId" | "nonce">,
): Promise<IdTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, jwksOf(input.metadata), {
      algorithms: ID_TOKEN_ALGORITHMS,
      issuer: input.issuer,
      audience: input.clientId,
      requiredClaims: ["sub", "iat", "exp", "nonce"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) throw ssoFailed("ID token refused", error);
    throw error;
  }
  const claims = IdTokenClaimsSchema.safeParse(payload);
  if (!claims.success) throw ssoFailed("ID token claims", claims.error.issues[0]?.message);
  if (!timingSafeEqual(claims.data.nonce, input.nonce)) throw ssoFailed("ID token nonce mismatch");
  // OIDC Core §3.1.3.7: with several audiences the token must be issued to us (azp).
  const audiences = Array.isArray(claims.data.aud) ? claims.data.aud : [claims.data.aud];
  if (audiences.length > 1 && claims.data.azp !== input.clientId) throw ssoFailed("ID token azp is not this client");
  if (claims.data.azp !== undefined && claims.data.azp !== input.clientId) throw ssoFailed("ID token azp is not this client");
  return claims.data;
}

/**
 * The person's e-mail: the `email` claim, and only when the provider vouches for it with
 * `email_verified: true` (absent counts as unverified). Nothing else — `preferred_username` is a
 * user name, often user-editable, never an e-mail address.
 */
export function verifiedEmailOf(claims: IdTokenClaims): string | null {
  return claims.email !== undefined && claims.email_verified === true ? claims.email : null;
}
