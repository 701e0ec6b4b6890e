// The org's LLM providers, cached per isolate, and which provider serves a model.
import { makeDb } from "../data/db.js";
import { PolicyStore, type ProviderRow } from "../data/policy-store.js";
import { assertPublicDestination } from "../egress/url-safety.js";
import { DEFAULT_ANTHROPIC_VERSION, upstreamUrl } from "./upstream.js";

const providerCache = new Map<string, { rows: ProviderRow[]; expires: number }>();
export async function providersOf(env: Env, orgId: string): Promise<ProviderRow[]> {
  const now = Date.now();
  const hit = providerCache.get(orgId);
  if (hit && hit.expires > now) return hit.rows;
  const rows = await new PolicyStore(makeDb(env.DB), orgId).allProviders();
  providerCache.set(orgId, { rows, expires: now + 4_000 });
  return rows;
}

export function forgetProviders(orgId: string) {
  providerCache.delete(orgId);
}

export const modelsOf = (p: ProviderRow): string[] | null => (p.models ? (JSON.parse(p.models) as string[]) : null);

/** Models the agent may use with this provider kind: the providers' lists, narrowed by policy. */
export function allowedModels(providers: ProviderRow[], policyModels: string[] | null): string[] {
  const listed = new Set(providers.flatMap((p) => modelsOf(p) ?? []));
  if (policyModels) for (const m of policyModels) if (providers.some((p) => modelsOf(p) === null)) listed.add(m);
  return [...listed].filter((m) => policyModels === null || policyModels.includes(m)).sort();
}

/** A provider that lists the model, else one that accepts any model. */
export function pickProvider(providers: ProviderRow[], model: string): ProviderRow | undefined {
  return providers.find((p) => modelsOf(p)?.includes(model)) ?? providers.find((p) => modelsOf(p) === null);
}

const upstreamModelsCache = new Map<string, { ids: string[]; expires: number }>();

/**
 * Models of a provider that accepts any model, as the provider itself lists them (cached a
 * minute). A provider that cannot be asked contributes nothing; listing never fails the call.
 */
export async function upstreamModels(provider: ProviderRow, apiKey: string, allowPrivate: boolean): Promise<string[]> {
  const key = `${provider.id}:${provider.updatedAt}`;
  const hit = upstreamModelsCache.get(key);
  if (hit && hit.expires > Date.now()) return hit.ids;
  let ids: string[] = [];
  try {
    const url = upstreamUrl(provider.baseUrl, "/v1/models");
    assertPublicDestination(url, { allowPrivate });
    const headers: Record<string, string> =
      provider.kind === "anthropic" ? { "x-api-key": apiKey, "anthropic-version": DEFAULT_ANTHROPIC_VERSION } : { authorization: `Bearer ${apiKey}` };
    const res = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(5_000) });
    if (res.ok) {
      const body: unknown = await res.json();
      const data =
        typeof body === "object" && body !== null && Array.isArray((body as { data?: unknown }).data) ? (body as { data: unknown[] }).data : [];
      ids = data.flatMap((m) =>
        typeof m === "object" && m !== null && typeof (m as { id?: unknown }).id === "string" ? [(m as { id: string }).id] : [],
      );
    }
  } catch {
    ids = [];
  }
  upstreamModelsCache.set(key, { ids, expires: Date.now() + 60_000 });
  return ids;
}
