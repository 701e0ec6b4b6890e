// Schemas of vault credentials and LLM providers in the admin API. Secrets go in, never out.
import { z } from "zod";

const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;
// Headers that frame or route the request: a credential must never set them.
export const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "proxy-connection",
]);

const HeaderNameSchema = z
  .string()
  .regex(HEADER_TOKEN, "header name must be an HTTP token")
  .refine((n) => !FRAMING_HEADERS.has(n.toLowerCase()) && !n.toLowerCase().startsWith("cf-"), "this header cannot carry a credential");

/** How a credential is sent upstream (the `inject` field of a credential). */
export const InjectSpecSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("bearer") }),
  z.strictObject({ type: z.literal("basic") }),
  z.strictObject({ type: z.literal("header"), name: HeaderNameSchema }),
  z.strictObject({
    type: z.literal("query"),
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._~-]+$/, "invalid query parameter name"),
  }),
]);
export type InjectSpec = z.infer<typeof InjectSpecSchema>;

export const credentialName = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only");
/** A secret value: printable, bounded. Never echoed in errors (messages name the field only). */
const secretValue = z
  .string()
  .min(1)
  .max(16 * 1024)
  .refine((s) => !/[\r\n\0]/.test(s), "must not contain line breaks or NUL");

export const CredentialCreateSchema = z.strictObject({ name: credentialName, secret: secretValue, inject: InjectSpecSchema });
export const CredentialUpdateSchema = z.strictObject({
  name: credentialName.optional(),
  secret: secretValue.optional(),
  inject: InjectSpecSchema.optional(),
});
export const CredentialSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  inject: InjectSpecSchema,
  keyVersion: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const PROVIDER_KINDS = ["openai", "anthropic"] as const;
const baseUrl = z
  .string()
  .max(2048)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "must be an absolute http(s) URL")
  .refine((u) => !URL.canParse(u) || (new URL(u).username === "" && new URL(u).password === ""), "must not contain credentials");
const modelList = z.array(z.string().min(1).max(200).regex(/^\S+$/, "model names have no spaces")).max(200);

export const ProviderCreateSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  kind: z.enum(PROVIDER_KINDS),
  baseUrl,
  credential: credentialName,
  models: modelList.optional(),
});
export const ProviderUpdateSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  baseUrl: baseUrl.optional(),
  credential: credentialName.optional(),
  models: modelList.nullable().optional(),
});
export const ProviderSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  kind: z.enum(PROVIDER_KINDS),
  baseUrl: z.string(),
  credential: z.string(),
  models: z.array(z.string()).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
