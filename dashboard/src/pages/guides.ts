// Agent Guides: the org guide and per-agent guides agents read at start; every save is a version.
import { get } from "../api.js";
import { h } from "../dom.js";
import { choices, resourcePage } from "../resource.js";
import { isRecord } from "../schemas.js";
import { agentChoiceLabel, agentRef } from "../suspension.js";
import { openDialog, table, when } from "../ui.js";

resourcePage({
  id: "guides",
  title: "Agent Guides",
  noun: "guide",
  intro: "Instructions agents read through the gateway: one for the whole org, and one per agent on top of it.",
  collection: "/guides",
  item: "GuideSchema",
  nameOf: (g) => (g.agentId ? `for ${g.agentId}` : "of the org"),
  columns: (ctx) => [
    { label: "For", value: (g) => (g.agentId ? agentRef(ctx)(g.agentId) : "the whole org") },
    { label: "Version", value: (g) => String(g.version) },
    {
      label: "Content",
      value: (g) => h("details", {}, h("summary", {}, `${g.content.slice(0, 60)}${g.content.length > 60 ? "…" : ""}`), h("pre", {}, g.content)),
    },
    { label: "Updated", value: (g) => when(g.updatedAt) },
  ],
  empty: "Write the org guide (no agent) so every agent starts with the same rules of the house.",
  create: {
    schema: "GuideCreateSchema",
    minRole: "admin",
    fields: (ctx) => ({
      agentId: { label: "Agent", help: "Leave empty for the org guide.", options: choices(ctx, "/agents", "AgentSchema", agentChoiceLabel) },
      content: { input: "textarea" },
    }),
  },
  update: { schema: "GuideUpdateSchema", minRole: "admin", fields: () => ({ content: { input: "textarea" }, expectedVersion: { hidden: true } }) },
  actions: [
    {
      label: () => "Versions",
      run: async (ctx, g) => {
        const data: unknown = await get(ctx.orgPath(`/guides/${g.id}/versions`));
        const items = isRecord(data) && Array.isArray(data.items) ? data.items.filter(isRecord) : [];
        await openDialog("Guide versions", () => [
          table(
            "Versions",
            [
              { label: "Version", value: (v: Record<string, unknown>) => String(v.version) },
              { label: "Saved", value: (v) => when(typeof v.createdAt === "string" ? v.createdAt : null) },
              { label: "Content", value: (v) => h("pre", {}, String(v.content)) },
            ],
            items,
          ),
        ]);
      },
    },
  ],
  remove: { minRole: "admin" },
});
