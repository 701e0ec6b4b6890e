// Audit trail, newest first: filters (actor, action, outcome, time range, text) kept in the
// address so a reload or a shared link shows the same view, pages by seq (the API's cursor), and
// a live tail on the first page that polls for events after the newest seq shown (paused while
// the tab is hidden, stopped when the page is left). Names come joined in the API's answer.
import { get, qs } from "../api.js";
import { h } from "../dom.js";
import { type Option, schemaForm } from "../forms.js";
import { idRef } from "../refs.js";
import { type Ctx, registerCard, registerPage } from "../registry.js";
import { cachedList } from "../resource.js";
import type { Out } from "../schemas.js";
import { agentRef } from "../suspension.js";
import { badge, code, emptyState, errorBox, pageHeader, parseOne, parsePage, table, when } from "../ui.js";

type AuditEvent = Out<"AuditEventSchema">;

const FILTER_KEYS = ["actorType", "actorId", "action", "resourceType", "resourceId", "result", "from", "to", "q", "traceId", "limit"] as const;
/** How often the live tail asks for newer events. */
const TAIL_MS = 3_000;

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

/** Actors to pick by name: the org's agents and members (two lists, fetched together and cached). */
async function actorOptions(ctx: Ctx): Promise<Option[]> {
  const [agents, members] = await Promise.all([
    cachedList(ctx, "/agents", "AgentSchema").catch(() => []),
    cachedList(ctx, "/members", "MemberSchema").catch(() => []),
  ]);
  return [...agents.map((a) => ({ value: a.id, label: `agent ${a.name}` })), ...members.map((m) => ({ value: m.id, label: `member ${m.email}` }))];
}

function columns(ctx: Ctx) {
  const agent = agentRef(ctx);
  const ref = (type: string, id: string | null, name: string | null | undefined) => {
    if (!id) return type;
    if (type === "agent") return h("span", {}, "agent ", agent(id));
    return h("span", {}, `${type} `, idRef(id, name ?? null));
  };
  return [
    { label: "Time", value: (e: AuditEvent) => when(e.ts) },
    { label: "Actor", value: (e: AuditEvent) => ref(e.actor.type, e.actor.id, e.actorName) },
    { label: "Action", value: (e: AuditEvent) => code(e.action) },
    { label: "Resource", value: (e: AuditEvent) => ref(e.resource.type, e.resource.id, e.resourceName) },
    { label: "Result", value: (e: AuditEvent) => badge(e.result, e.result === "denied" || e.result === "error" ? "bad" : "ok") },
    { label: "Reason", value: (e: AuditEvent) => e.reason ?? "—" },
    {
      label: "Details",
      value: (e: AuditEvent) => (e.details ? h("details", {}, h("summary", {}, "show"), h("pre", {}, JSON.stringify(e.details, null, 2))) : "—"),
    },
  ];
}

/**
 * Polls for events newer than the newest shown and puts them on top. Runs only while the
 * table is in the document and the tab is visible; a switch lets the reader pause it.
 */
function liveTail(ctx: Ctx, filters: Record<string, string>, tbody: HTMLElement, newest: number, render: (e: AuditEvent) => HTMLElement) {
  const status = h("span", { class: "hint", role: "status", "aria-live": "polite" }, "Live: watching for new events.");
  const toggle = h("input", { type: "checkbox", id: "audit-live", checked: true });
  let last = newest;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let busy = false;
  const { limit: _limit, ...rest } = filters;
  // The table joins the document after this returns, so only a poll checks that it is still there.
  const schedule = () => {
    clearTimeout(timer);
    if (toggle.checked && !document.hidden) timer = setTimeout(poll, TAIL_MS);
  };
  const poll = async () => {
    if (!tbody.isConnected) return stop();
    if (busy || !toggle.checked || document.hidden) return schedule();
    busy = true;
    try {
      const page = parsePage("AuditEventSchema", await get(`${ctx.orgPath("/audit")}${qs({ ...rest, afterSeq: last, limit: 100, names: "true" })}`));
      // Oldest first from the API; each goes on top, so the newest ends first.
      for (const e of page.items) {
        tbody.prepend(render(e));
        last = Math.max(last, e.seq);
      }
      status.textContent = page.items.length
        ? `Live: ${page.items.length} new event${page.items.length === 1 ? "" : "s"} at ${new Date().toLocaleTimeString()}.`
        : `Live: up to date at ${new Date().toLocaleTimeString()}.`;
    } catch {
      status.textContent = "Live: the last check failed; retrying.";
    } finally {
      busy = false;
      schedule();
    }
  };
  const onVisibility = () => {
    if (!tbody.isConnected) return stop();
    if (document.hidden) {
      clearTimeout(timer);
      status.textContent = "Live: paused while the tab is hidden.";
    } else void poll();
  };
  const stop = () => {
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisibility);
    window.removeEventListener("hashchange", stop);
  };
  toggle.addEventListener("change", () => {
    status.textContent = toggle.checked ? "Live: watching for new events." : "Live: paused.";
    if (toggle.checked) void poll();
    else clearTimeout(timer);
  });
  document.addEventListener("visibilitychange", onVisibility);
  window.addEventListener("hashchange", stop);
  schedule();
  return h("p", { class: "row live-tail" }, toggle, h("label", { for: "audit-live" }, "Live tail"), " ", status);
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
      fields: {
        cursor: { hidden: true },
        order: { hidden: true },
        afterSeq: { hidden: true },
        clientTraceId: { hidden: true },
        actorId: { label: "Actor", options: () => actorOptions(ctx) },
        actorType: { label: "Actor type" },
        result: { label: "Outcome" },
        q: { label: "Text", help: "found in the action, ids, reason or details" },
        limit: { label: "Per page" },
        from: { label: "From" },
        to: { label: "To" },
      },
      onSubmit: async (value) => {
        const q: Record<string, string> = {};
        for (const [k, v] of Object.entries(value))
          if (!["cursor", "order", "afterSeq"].includes(k) && v !== undefined && v !== null && v !== "") q[k] = String(v);
        ctx.go("audit", q);
      },
    });
    const reset = h("button", { type: "button", class: "secondary", onclick: () => ctx.go("audit") }, "Clear");
    form.querySelector(".form-actions")?.append(reset);

    const root = h(
      "section",
      { class: "page" },
      pageHeader(
        "Audit",
        "Every admin change and every agent decision, newest first. Filters stay in the address, so a link shows the same view. Details never contain secrets.",
      ),
      h("details", { class: "create", open: true }, h("summary", {}, "Filters"), form),
      tools(ctx, filters),
    );
    try {
      const page = parsePage("AuditEventSchema", await get(`${ctx.orgPath("/audit")}${qs({ ...filters, order: "desc", cursor, names: "true" })}`));
      const cols = columns(ctx);
      const rendered = table("Audit events", cols, page.items);
      const tbody = rendered.querySelector("tbody");
      // The tail runs on the first page only: later pages are history.
      if (!cursor && tbody) {
        const row = (e: AuditEvent) => table("", cols, [e]).querySelector<HTMLElement>("tbody tr") ?? h("tr");
        root.append(liveTail(ctx, filters, tbody, page.items[0]?.seq ?? 0, row));
      }
      if (page.items.length === 0) root.append(emptyState("No events match.", "Change or clear the filters."));
      // The table stays (empty) on the first page so the live tail has a place for new events.
      if (page.items.length > 0 || !cursor) root.append(rendered);
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
