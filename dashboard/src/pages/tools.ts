// Tools: HTTP tools and upstream MCP servers (import their tools, approve each imported one), and
// grants of a tool to a team, project or agent.
import { del, get, patch, post } from "../api.js";
import { h } from "../dom.js";
import { schemaForm } from "../forms.js";
import { type Ctx, registerPage } from "../registry.js";
import { act, choices, refName, resourcePage } from "../resource.js";
import { scopePicker } from "../scope-picker.js";
import { type Out, isRecord } from "../schemas.js";
import { agentRef } from "../suspension.js";
import { badge, code, confirmDialog, emptyState, errorBox, messageOf, openDialog, pageHeader, parsePage, table, toast } from "../ui.js";

type Tool = Out<"ToolSchema">;

function grants(ctx: Ctx, tool: Tool) {
  const base = ctx.orgPath(`/tools/${encodeURIComponent(tool.id)}/grants`);
  return openDialog(`Who may use ${tool.name}`, () => {
    const list = h("div", { class: "list" });
    const load = async () => {
      try {
        const data: unknown = await get(base);
        const items = isRecord(data) && Array.isArray(data.items) ? data.items.filter(isRecord) : [];
        list.replaceChildren(
          items.length === 0
            ? emptyState("Not granted.", "Grant the tool to a team, a project or an agent; their agents can then call it.")
            : table(
                "Grants",
                [
                  { label: "Scope", value: (g: Record<string, unknown>) => badge(String(g.scope)) },
                  {
                    label: "To",
                    value: (g) =>
                      (g.scope === "agent"
                        ? agentRef(ctx)
                        : g.scope === "team"
                          ? refName(ctx, "/teams", "TeamSchema", (t) => t.name)
                          : refName(ctx, "/projects", "ProjectSchema", (p) => p.name))(String(g.scopeId)),
                  },
                ],
                items,
                (g) =>
                  ctx.can("admin")
                    ? [
                        h(
                          "button",
                          {
                            type: "button",
                            class: "danger small",
                            onclick: async () => {
                              try {
                                await del(`${base}/${encodeURIComponent(String(g.id))}`);
                                toast("Grant removed.");
                              } catch (error) {
                                list.prepend(errorBox(error));
                              }
                              await load();
                            },
                          },
                          "Revoke",
                        ),
                      ]
                    : [],
              ),
        );
      } catch (error) {
        list.replaceChildren(errorBox(error));
      }
    };
    void load();
    const parts: Node[] = [list];
    if (ctx.can("admin")) {
      const picker = scopePicker(ctx, ["team", "project", "agent"], { scope: "Grant to", target: "Which" });
      const alert = h("p", { class: "alert", role: "alert", hidden: true });
      parts.push(
        h("h3", {}, "Grant"),
        ...picker.nodes,
        alert,
        h(
          "div",
          { class: "dialog-actions" },
          h(
            "button",
            {
              type: "button",
              onclick: async () => {
                alert.hidden = true;
                try {
                  await post(base, picker.value());
                  toast("Granted.");
                  await load();
                } catch (error) {
                  alert.textContent = messageOf(error);
                  alert.hidden = false;
                }
              },
            },
            "Grant",
          ),
        ),
      );
    }
    return parts;
  });
}

resourcePage({
  id: "tools",
  title: "Tools",
  noun: "tool",
  intro:
    "HTTP tools and upstream MCP servers agents call through the gateway. Imported MCP tools work only once approved; one whose server changes its definition is quarantined until approved again.",
  collection: "/tools",
  item: "ToolSchema",
  columns: [
    { label: "Name", value: (t) => t.name },
    { label: "Kind", value: (t) => badge(t.kind === "mcp_server" ? "MCP server" : t.kind === "mcp_tool" ? "MCP tool" : "HTTP") },
    { label: "Call", value: (t) => (t.url ? code(`${t.method ?? ""} ${t.url}`.trim()) : "—") },
    { label: "Mutating", value: (t) => (t.mutating ? "yes" : "no") },
    {
      label: "Approved",
      value: (t) =>
        t.approved ? badge("approved", "ok") : t.quarantinedAt ? badge("quarantined: upstream changed it", "bad") : badge("not approved", "bad"),
    },
  ],
  empty: "Add an HTTP tool (a URL with {placeholders}) or an MCP server, then grant it to agents.",
  create: {
    schema: "HttpToolCreateSchema",
    minRole: "admin",
    label: "New HTTP tool",
    fields: (ctx) => ({
      inputSchema: { help: 'JSON Schema of the arguments, e.g. {"type":"object","properties":{"q":{"type":"string"}}}' },
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
    }),
    done: async () => toast("Tool created."),
  },
  update: { schema: "ToolUpdateSchema", minRole: "admin", fields: () => ({ inputSchema: { help: "JSON Schema of the arguments." } }) },
  actions: [
    {
      label: (t) => (t.quarantinedAt ? "Review and approve again" : "Approve"),
      minRole: "admin",
      visible: (t) => !t.approved,
      run: async (ctx, t) => void (await patch(ctx.orgPath(`/tools/${t.id}`), { approved: true })),
    },
    { label: () => "Grants", visible: (t) => t.kind !== "mcp_server", run: (ctx, t) => grants(ctx, t) },
  ],
  remove: { minRole: "admin" },
  card: true,
});

registerPage({
  id: "mcp-servers",
  title: "MCP servers",
  minRole: "admin",
  render: async (ctx) => {
    const root = h(
      "section",
      { class: "page" },
      pageHeader("MCP servers", "Upstream MCP servers. Import their tools, then approve and grant each one on the Tools page."),
    );
    root.append(
      h(
        "details",
        { class: "create" },
        h("summary", {}, "New MCP server"),
        schemaForm("McpServerCreateSchema", {
          submitLabel: "Add MCP server",
          className: "stack inline-form",
          fields: {
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
          },
          onSubmit: async (value) => {
            await post(ctx.orgPath("/tools"), value);
            toast("MCP server added.");
            ctx.refresh();
          },
        }),
      ),
    );
    try {
      const servers = parsePage("ToolSchema", await get(ctx.orgPath("/tools?limit=200"))).items.filter((t) => t.kind === "mcp_server");
      root.append(
        servers.length === 0
          ? emptyState("No MCP servers yet.", "Add one by its URL; the edge connects to it and lists its tools.")
          : table(
              "MCP servers",
              [
                { label: "Name", value: (t: Tool) => t.name },
                { label: "URL", value: (t) => code(t.url ?? "—") },
              ],
              servers,
              (t) => [
                h(
                  "button",
                  {
                    type: "button",
                    class: "secondary small",
                    onclick: () =>
                      act(ctx, async () => {
                        const data: unknown = await post(ctx.orgPath(`/tools/${t.id}/import`), {});
                        toast(
                          `Imported${isRecord(data) && Array.isArray(data.items) ? ` ${data.items.length} tools` : ""}; approve each on the Tools page.`,
                        );
                      }),
                  },
                  "Import tools",
                ),
                h(
                  "button",
                  {
                    type: "button",
                    class: "danger small",
                    onclick: async () =>
                      (await confirmDialog(`Delete MCP server ${t.name} and its imported tools?`, "Delete")) &&
                      act(ctx, () => del(ctx.orgPath(`/tools/${t.id}`)).then(() => undefined), "Removed."),
                  },
                  "Delete",
                ),
              ],
            ),
      );
    } catch (error) {
      root.append(errorBox(error));
    }
    return root;
  },
});
