// Bounds on anonymous OAuth client registration (RFC 7591), checked before the library stores
// the client: registration needs no credential, so what one request may store is limited.
import { z } from "zod";

export const CLIENT_REGISTRATION_BODY_LIMIT = 16 * 1024;
export const MAX_REDIRECT_URIS = 10;

/** The fields whose size is bounded here; the library validates everything else as before. */
export const ClientRegistrationBoundsSchema = z.looseObject({
  client_name: z.string().max(200).optional(),
  redirect_uris: z.array(z.string().max(2000)).min(1).max(MAX_REDIRECT_URIS),
  client_uri: z.string().max(2000).optional(),
  logo_uri: z.string().max(2000).optional(),
  policy_uri: z.string().max(2000).optional(),
  tos_uri: z.string().max(2000).optional(),
  contacts: z.array(z.string().max(254)).max(10).optional(),
  grant_types: z.array(z.string().max(100)).max(10).optional(),
  response_types: z.array(z.string().max(100)).max(10).optional(),
});
