// Credentials (write-only: the secret goes in, never comes back) and the LLM providers that use them.
import { choices, resourcePage } from "../resource.js";
import { badge, code, when } from "../ui.js";

resourcePage({
  id: "credentials",
  title: "Credentials",
  noun: "credential",
  intro: "Secrets the edge injects into agents' upstream calls. Write-only: nobody can read a secret back, agents never see it.",
  minRole: "admin",
  collection: "/credentials",
  item: "CredentialSchema",
  columns: [
    { label: "Name", value: (c) => c.name },
    {
      label: "Sent as",
      value: (c) => badge(c.inject.type === "header" || c.inject.type === "query" ? `${c.inject.type} ${c.inject.name}` : c.inject.type),
    },
    { label: "Key version", value: (c) => code(c.keyVersion) },
    { label: "Updated", value: (c) => when(c.updatedAt) },
  ],
  empty: "Add a credential (an API key, a token) so agents can use a service without holding its secret.",
  create: {
    schema: "CredentialCreateSchema",
    minRole: "admin",
    fields: () => ({ secret: { input: "password", help: "Stored encrypted; it is never shown again." }, inject: { label: "Send it as" } }),
  },
  update: {
    schema: "CredentialUpdateSchema",
    minRole: "admin",
    fields: () => ({ secret: { input: "password", help: "Leave empty to keep the current secret." }, inject: { label: "Send it as" } }),
  },
  remove: { minRole: "admin" },
  card: true,
});

resourcePage({
  id: "providers",
  title: "Providers",
  noun: "provider",
  intro: "LLM providers agents reach through the gateway; each uses a stored credential.",
  minRole: "admin",
  collection: "/providers",
  item: "ProviderSchema",
  columns: [
    { label: "Name", value: (p) => p.name },
    { label: "Kind", value: (p) => badge(p.kind) },
    { label: "Base URL", value: (p) => code(p.baseUrl) },
    { label: "Credential", value: (p) => p.credential },
    { label: "Models", value: (p) => (p.models?.length ? p.models.join(", ") : "any") },
  ],
  empty: "Add a provider (OpenAI, Anthropic or a compatible endpoint) after storing its API key as a credential.",
  create: {
    schema: "ProviderCreateSchema",
    minRole: "admin",
    fields: (ctx) => ({
      credential: {
        options: choices(
          ctx,
          "/credentials",
          "CredentialSchema",
          (c) => c.name,
          undefined,
          (c) => c.name,
        ),
      },
      models: { help: 'JSON list of allowed models, e.g. ["gpt-4o-mini"]; empty allows any.' },
    }),
  },
  update: {
    schema: "ProviderUpdateSchema",
    minRole: "admin",
    fields: (ctx) => ({
      credential: {
        options: choices(
          ctx,
          "/credentials",
          "CredentialSchema",
          (c) => c.name,
          undefined,
          (c) => c.name,
        ),
      },
      models: { help: "JSON list of allowed models; empty allows any." },
    }),
  },
  remove: { minRole: "admin" },
});
