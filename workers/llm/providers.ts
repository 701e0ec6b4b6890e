// The org's LLM providers, cached per isolate, and which provider serves a model.
import { makeDb } from "../data/db.js";
import { PolicyStore, type ProviderRow } from "../data/policy-store.js";

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
