// A tiny OpenID provider that misbehaves on purpose, for the ID-token checks the real provider
// never fails: its token endpoint signs (with jose) whatever the code asks for. A code is
// base64url JSON {fault, sub, email, groups, nonce, challenge}; the endpoint checks the client's
// credentials and the PKCE verifier against `challenge`, accepts each code once, and records
// what it was sent.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { OIDC_CLIENT } from "./secrets.js";

export const ID_TOKEN_FAULTS = [
  "none",
  "wrong_iss",
  "wrong_aud",
  "expired",
  "not_yet_valid",
  "wrong_key",
  "alg_none",
  "hs256_public_key",
  "wrong_nonce",
  "no_nonce",
  "unverified_email",
  "extra_aud_no_azp",
  "no_email",
] as const;
/** Variants some providers send (a UPN only, no email_verified): refused, there is no verified e-mail. */
export const ID_TOKEN_VARIANTS = ["email_verified_absent", "upn_only"] as const;
export type IdTokenFault = (typeof ID_TOKEN_FAULTS)[number] | (typeof ID_TOKEN_VARIANTS)[number];

export interface FakeCode {
  fault: IdTokenFault;
  sub: string;
  email: string;
  groups?: string[];
  nonce: string;
  challenge: string;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = "";
    req.on("data", (chunk) => {
      data += chunk;
    });
    req.on("end", () => resolve(data));
  });

export async function startFakeIdp() {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const other = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const used = new Set<string>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", base);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return send(200, {
        issuer: base,
        authorization_endpoint: `${base}/auth`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        code_challenge_methods_supported: ["S256"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    // A provider that offers only the `plain` PKCE method (a downgrade Palisade must refuse).
    if (url.pathname === "/plain-only/.well-known/openid-configuration") {
      return send(200, {
        issuer: `${base}/plain-only`,
        authorization_endpoint: `${base}/auth`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        code_challenge_methods_supported: ["plain"],
      });
    }
    if (url.pathname === "/jwks") return send(200, { keys: [publicJwk] });
    if (url.pathname !== "/token" || req.method !== "POST") return send(404, { error: "not_found" });
    const form = new URLSearchParams(await readBody(req));
    const expectedBasic = `Basic ${Buffer.from(`${OIDC_CLIENT.clientId}:${OIDC_CLIENT.clientSecret}`).toString("base64")}`;
    if (req.headers.authorization !== expectedBasic) return send(401, { error: "invalid_client" });
    const code = form.get("code") ?? "";
    if (used.has(code)) return send(400, { error: "invalid_grant", error_description: "code already used" });
    used.add(code);
    let claims: FakeCode;
    try {
      claims = JSON.parse(Buffer.from(code, "base64url").toString("utf8"));
    } catch {
      return send(400, { error: "invalid_grant" });
    }
    const verifier = form.get("code_verifier") ?? "";
    if (createHash("sha256").update(verifier).digest("base64url") !== claims.challenge)
      return send(400, { error: "invalid_grant", error_description: "PKCE" });
    if (form.get("redirect_uri") !== OIDC_CLIENT.redirectUri) return send(400, { error: "invalid_grant", error_description: "redirect_uri" });
    return send(200, { token_type: "Bearer", access_token: "at", id_token: await idTokenFor(claims) });
  });

  async function idTokenFor(c: FakeCode): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      ...(c.fault === "no_email" || c.fault === "upn_only" ? {} : { email: c.email }),
      ...(c.fault === "upn_only" ? { preferred_username: c.email } : {}),
      ...(c.fault === "email_verified_absent" || c.fault === "upn_only" ? {} : { email_verified: c.fault !== "unverified_email" }),
      groups: c.groups ?? [],
      ...(c.fault === "no_nonce" ? {} : { nonce: c.fault === "wrong_nonce" ? `${c.nonce}x` : c.nonce }),
    };
    const iss = c.fault === "wrong_iss" ? "https://evil.example" : base;
    const aud =
      c.fault === "wrong_aud" ? "another-client" : c.fault === "extra_aud_no_azp" ? [OIDC_CLIENT.clientId, "another-client"] : OIDC_CLIENT.clientId;
    const iat = c.fault === "expired" ? now - 7200 : c.fault === "not_yet_valid" ? now + 3600 : now;
    const exp = c.fault === "expired" ? now - 3600 : now + 300;
    if (c.fault === "alg_none") {
      return new UnsecuredJWT(payload).setIssuer(iss).setAudience(aud).setSubject(c.sub).setIssuedAt(iat).setExpirationTime(exp).encode();
    }
    const jwt = new SignJWT(payload).setIssuer(iss).setAudience(aud).setSubject(c.sub).setIssuedAt(iat).setExpirationTime(exp);
    if (c.fault === "not_yet_valid") jwt.setNotBefore(now + 3600);
    if (c.fault === "hs256_public_key") {
      // The classic key-confusion token: HMAC keyed with the provider's public key material.
      return jwt.setProtectedHeader({ alg: "HS256", kid: "k1" }).sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    }
    const key = c.fault === "wrong_key" ? other.privateKey : privateKey;
    return jwt.setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(key);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
