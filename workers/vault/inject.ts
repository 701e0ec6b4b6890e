// Server-side credential injection into an outbound request, after client-supplied auth has been stripped.
import { AppError } from "../errors.js";

import { InjectSpecSchema, type InjectSpec } from "../../schema/credentials.js";

export { InjectSpecSchema, type InjectSpec };

export interface OutboundTarget {
  headers: Headers;
  url: URL;
}

/** Header a credential occupies (lowercase), or null for query injection. */
export function credentialHeaderName(inject: InjectSpec): string | null {
  if (inject.type === "bearer" || inject.type === "basic") return "authorization";
  if (inject.type === "header") return inject.name.toLowerCase();
  return null;
}

const ALWAYS_STRIPPED = ["authorization", "proxy-authorization", "cookie"];

/**
 * Copy of the client's headers without any that could carry the client's own identity or
 * collide with an injected credential: Authorization, Proxy-Authorization, Cookie, and every
 * header name a credential uses. Injection then sets values; nothing is merged.
 */
export function stripClientAuth(headers: Headers, credentialHeaderNames: Iterable<string> = []): Headers {
  const out = new Headers(headers);
  for (const name of [...ALWAYS_STRIPPED, ...credentialHeaderNames]) out.delete(name);
  return out;
}

function assertHeaderSafe(secret: string): void {
  // Never echo the value: the message names only the problem.
  if (/[\u0000\r\n]/.test(secret)) throw new AppError("internal", "credential secret cannot be sent in a header");
}

function utf8Base64(text: string): string {
  let binary = "";
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Returns a new target with the credential set; the input is not modified. */
export function injectCredential(target: OutboundTarget, inject: InjectSpec, secret: string): OutboundTarget {
  const headers = new Headers(target.headers);
  const url = new URL(target.url);
  if (secret.length === 0) throw new AppError("internal", "credential secret is empty");
  switch (inject.type) {
    case "bearer":
      assertHeaderSafe(secret);
      headers.set("authorization", `Bearer ${secret}`);
      break;
    case "basic":
      if (!secret.includes(":")) throw new AppError("internal", 'basic credential secret must be "user:password"');
      assertHeaderSafe(secret);
      headers.set("authorization", `Basic ${utf8Base64(secret)}`);
      break;
    case "header":
      assertHeaderSafe(secret);
      headers.set(inject.name, secret);
      break;
    case "query": {
      // Drop every client value of that parameter, in any letter case, before setting ours.
      const wanted = inject.name.toLowerCase();
      for (const key of [...new Set(url.searchParams.keys())]) {
        if (key.toLowerCase() === wanted) url.searchParams.delete(key);
      }
      url.searchParams.set(inject.name, secret);
      break;
    }
  }
  return { headers, url };
}
