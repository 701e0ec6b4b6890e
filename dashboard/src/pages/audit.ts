// Audit trail: filters generated from AuditQuerySchema, cursor pagination (next, previous, first).
import { get, qs } from "../api.js";
import { h } from "../dom.js";
import { schemaForm } from "../forms.js";
import { type Ctx, registerCard, registerPage } from "../registry.js";
import { agentRef } from "../suspension.js";
import { badge, code, emptyState, errorBox, pageHeader, parseOne, parsePage, table, when } from "../ui.js";

const FILTER_KEYS = ["actorType", "actorId", "action", "resourceType", "resourceId", "result", "from", "to", "limit"] as const;

/** Export links (the current filters, no page size) and the hash-chain check. */
function tools(ctx: Ctx, filters: Record<string, string>) {
  const { limit: _limit, ...rest } = filters;
  const link = (format: string, label: string) =>
    h("a", { class: "button secondary", href: `/api/v1${ctx.orgPath("/audit/export")}${qs({ ...rest, format })}`, download: "" }, label);
  const out = h("div", { "aria-live": "polite" });
  const verify = async () => {
    out.replaceChildren(h("p", { class: "hint" }, "Checking the chain…"));
    try {
      const v = parseOne("AuditVerifySchema", await get(ctx.orgPath("/audit/verify")));
      const broken = v.firstBroken;
      out.replaceChildren(
        h(
          "div",
          { class: "decision", role: "status" },
          h(
            "p",
            {},
            badge(v.ok ? "chain intact" : "chain broken", v.ok ? "ok" : "bad"),
            ` ${v.checked} events checked, seq ${v.checkpoint.seq} to ${v.head.seq}${v.pending ? `, ${v.pending} not yet stored` : ""}.`,
          ),
          broken
            ? h("p", {}, `First broken link: event seq ${broken.seq}${broken.id ? ` (${broken.id})` : ""}: ${broken.problem.replace("_", " ")}.`)
            : null,
        ),
      );
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return h(
    "div",
    { class: "audit-tools" },
    h(
      "p",
      { class: "row" },
      link("ndjson", "Export NDJSON"),
      " ",
      link("csv", "Export CSV"),
      " ",
      h("button", { type: "button", class: "secondary", onclick: verify }, "Verify the chain"),
    ),
    out,
  );
}

registerPage({
  id: "audit",
  title: "Audit",
  minRole: "admin",
  render: async (ctx) => {
    const filters: Record<string, string> = {};
    for (const k of FILTER_KEYS) {
      const v = ctx.query.get(k);
      if (v) filters[k] = v;
    }
    const trail = (ctx.query.get("trail") ?? "").split(",").filter(Boolean);
    const cursor = ctx.query.get("cursor") ?? undefined;
    const initial: Record<string, unknown> = { ...filters };
    if (filters.limit) initial.limit = Number(filters.limit);

    const form = schemaForm("AuditQuerySchema", {
      submitLabel: "Apply filters",
      className: "filters",
      initial,
      fields: { cursor: { hidden: true }, limit: { label: "Per page" }, from: { label: "From" }, to: { label: "To" } },
      onSubmit: async (value) => {
        const q: Record<string, string> = {};
        for (const [k, v] of Object.entries(value)) if (k !== "cursor" && v !== undefined && v !== null && v !== "") q[k] = String(v);
        ctx.go("audit", q);
      },
    });
    const reset = h("button", { type: "button", class: "secondary", onclick: () => ctx.go("audit") }, "Clear");
    form.querySelector(".form-actions")?.append(reset);

    const root = h(
      "section",
      { class: "page" },
      pageHeader("Audit", "Every admin change and every agent decision, oldest first. Details never contain secrets."),
      h("details", { class: "create", open: true }, h("summary", {}, "Filters"), form),
      tools(ctx, filters),
    );
    // Agents show by name, with their suspended state.
    const agent = agentRef(ctx);
    try {
      const page = parsePage("AuditEventSchema", await get(`${ctx.orgPath("/audit")}${qs({ ...filters, cursor })}`));
      if (page.items.length === 0) root.append(emptyState("No events match.", "Change or clear the filters."));
      else
        root.append(
          table(
            "Audit events",
            [
              { label: "Time", value: (e) => when(e.ts) },
              {
                label: "Actor",
                value: (e) => (e.actor.type === "agent" ? h("span", {}, "agent ", agent(e.actor.id)) : `${e.actor.type} ${e.actor.id}`),
              },
              { label: "Action", value: (e) => code(e.action) },
              {
                label: "Resource",
                value: (e) =>
                  e.resource.type === "agent" && e.resource.id
                    ? h("span", {}, "agent ", agent(e.resource.id))
                    : `${e.resource.type}${e.resource.id ? ` ${e.resource.id}` : ""}`,
              },
              { label: "Result", value: (e) => badge(e.result, e.result === "denied" || e.result === "error" ? "bad" : "ok") },
              { label: "Reason", value: (e) => e.reason ?? "—" },
              {
                label: "Details",
                value: (e) => (e.details ? h("details", {}, h("summary", {}, "show"), h("pre", {}, JSON.stringify(e.details, null, 2))) : "—"),
              },
            ],
            page.items,
          ),
        );
      const nav = h("nav", { class: "pager", "aria-label": "Audit pages" });
      if (cursor) {
        const previous = trail.slice(0, -1);
        const back = trail.at(-1);
        nav.append(h("button", { type: "button", class: "secondary", onclick: () => ctx.go("audit", filters) }, "First page"));
        nav.append(
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => ctx.go("audit", { ...filters, ...(back && back !== "-" ? { cursor: back, trail: previous.join(",") } : {}) }),
            },
            "Previous page",
          ),
        );
      }
      if (page.nextCursor) {
        const next = page.nextCursor;
        nav.append(
          h(
            "button",
            { type: "button", onclick: () => ctx.go("audit", { ...filters, cursor: next, trail: [...trail, cursor ?? "-"].join(",") }) },
            "Next page",
          ),
        );
      }
      if (nav.childElementCount) root.append(nav);
    } catch (error) {
      root.append(errorBox(error));
    }
    return root;
  },
});

registerCard({
  title: "Denials",
  note: "in the audit trail (counted up to 200)",
  minRole: "admin",
  page: "audit",
  query: { result: "denied" },
  load: async (ctx) => {
    const page = parsePage("AuditEventSchema", await get(`${ctx.orgPath("/audit")}${qs({ result: "denied", limit: 200 })}`));
    return page.nextCursor ? `${page.items.length}+` : String(page.items.length);
  },
});
