// Admin API keys (pal_admin_…): each acts as its user in this org; shown once at creation.
import { resourcePage } from "../resource.js";
import { badge, code, parseOne, secretDialog, when } from "../ui.js";

resourcePage({
  id: "api-keys",
  title: "API keys",
  noun: "API key",
  intro: "Keys for scripts and CI. A key acts as you, with your role, in this organization only.",
  collection: "/api-keys",
  item: "ApiKeySchema",
  nameOf: (k) => k.name ?? k.prefix,
  columns: [
    { label: "Name", value: (k) => k.name ?? "—" },
    { label: "Key", value: (k) => code(`${k.prefix}…`) },
    { label: "Status", value: (k) => (k.revokedAt ? badge("revoked", "bad") : badge("active", "ok")) },
    { label: "Last used", value: (k) => when(k.lastUsedAt) },
    { label: "Created", value: (k) => when(k.createdAt) },
  ],
  empty: "Create a key to call the admin API from scripts.",
  // Any member may hold keys for themselves; the key carries only their own role.
  create: {
    schema: "ApiKeyCreateSchema",
    minRole: "member",
    done: async (_ctx, created) => {
      const key = parseOne("ApiKeyCreatedSchema", created);
      await secretDialog(`API key ${key.name ?? ""}`, key.key, "This is the only time the key is shown. Store it in your secret manager now.");
    },
  },
  remove: {
    minRole: "member",
    label: "Revoke",
    visible: (k, ctx) => k.revokedAt === null && (k.userId === ctx.me.user.id || ctx.can("admin")),
    confirm: (k) => `Revoke key ${k.prefix}…? Scripts using it are refused from now on.`,
  },
});
