// Spend: live spend against limits, limits (dollars shown, micro-dollars sent), usage over time by
// agent and model (a small SVG chart drawn here), prices (built-in and the org's overrides).
import { del, get, patch, post, qs } from "../api.js";
import { h, uid } from "../dom.js";
import { schemaForm } from "../forms.js";
import { type Ctx, registerCard, registerPage } from "../registry.js";
import { act, formDialog, refName } from "../resource.js";
import { scopePicker } from "../scope-picker.js";
import { type Out, isRecord, jsonSchema, validate } from "../schemas.js";
import { agentRef } from "../suspension.js";
import { badge, confirmDialog, emptyState, errorBox, messageOf, openDialog, pageHeader, parseOne, parsePage, table, toast } from "../ui.js";

const MICROS = 1_000_000;
/** Micro-dollars as dollars: cents for ordinary sums, more digits for sub-cent amounts. */
export const dollars = (micros: number) =>
  `$${(micros / MICROS).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: micros !== 0 && Math.abs(micros) < 10_000 ? 6 : 2 })}`;
const today = () => new Date().toISOString().slice(0, 10);
const monthStart = () => `${today().slice(0, 8)}01`;

async function usage(ctx: Ctx, from: string, to: string) {
  return parseOne("UsageSchema", await get(`${ctx.orgPath("/usage")}${qs({ from, to })}`));
}

registerCard({
  title: "Spend today",
  minRole: "admin",
  page: "spend",
  note: "settled, UTC day",
  load: async (ctx) => dollars((await usage(ctx, today(), today())).total.costMicros),
});
registerCard({
  title: "Spend this month",
  minRole: "admin",
  page: "spend",
  note: "settled, UTC month",
  load: async (ctx) => dollars((await usage(ctx, monthStart(), today())).total.costMicros),
});

// ── SVG chart ────────────────────────────────────────────────────────────────
const NS = "http://www.w3.org/2000/svg";
function svg(tag: string, attrs: Record<string, string | number>, text?: string) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Vertical bars (one per day) with a max label; the table next to it carries the exact figures. */
function dayChart(title: string, points: { label: string; value: number }[]) {
  const w = 600;
  const ht = 160;
  const max = Math.max(1, ...points.map((p) => p.value));
  const bw = w / Math.max(1, points.length);
  const root = svg("svg", { viewBox: `0 0 ${w} ${ht + 20}`, class: "chart", role: "img", "aria-label": title });
  root.append(svg("title", {}, title));
  points.forEach((p, i) => {
    const bh = (p.value / max) * ht;
    const bar = svg("rect", { x: i * bw + 1, y: ht - bh, width: Math.max(1, bw - 2), height: bh, class: "bar" });
    bar.append(svg("title", {}, `${p.label}: ${dollars(p.value)}`));
    root.append(bar);
  });
  root.append(svg("line", { x1: 0, y1: ht, x2: w, y2: ht, class: "axis" }));
  if (points[0]) root.append(svg("text", { x: 0, y: ht + 16, class: "label" }, points[0].label));
  const last = points.at(-1);
  if (last && points.length > 1) root.append(svg("text", { x: w, y: ht + 16, "text-anchor": "end", class: "label" }, last.label));
  root.append(svg("text", { x: 4, y: 12, class: "label" }, `max ${dollars(max)}`));
  return root;
}

/** Horizontal bars, one per agent or model, longest first. */
function barList(title: string, rows: { label: Node | string; value: number }[]) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return h(
    "figure",
    { class: "bars" },
    h("figcaption", {}, title),
    rows.length === 0
      ? h("p", { class: "hint" }, "Nothing yet.")
      : h(
          "ul",
          {},
          [...rows]
            .sort((a, b) => b.value - a.value)
            .slice(0, 12)
            .map((r) => {
              const bar = svg("svg", { viewBox: "0 0 100 8", preserveAspectRatio: "none", class: "hbar", "aria-hidden": "true" });
              bar.append(svg("rect", { x: 0, y: 0, width: Math.max(0.5, (r.value / max) * 100), height: 8, class: "bar" }));
              return h("li", {}, h("span", { class: "bar-label" }, r.label), bar, h("span", { class: "bar-value" }, dollars(r.value)));
            }),
        ),
  );
}

/** Every day in [from, to], so quiet days show as gaps rather than vanish. */
function days(from: string, to: string) {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to) && out.length < 400; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

async function usageSection(ctx: Ctx) {
  const from = ctx.query.get("from") ?? new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  const to = ctx.query.get("to") ?? today();
  const fromId = uid("from");
  const toId = uid("to");
  const fromIn = h("input", { id: fromId, type: "date", value: from });
  const toIn = h("input", { id: toId, type: "date", value: to });
  const box = h(
    "section",
    {},
    h("h2", {}, "Usage"),
    h(
      "form",
      {
        class: "filters",
        onsubmit: (e: Event) => {
          e.preventDefault();
          ctx.go("spend", { from: fromIn.value, to: toIn.value });
        },
      },
      h("div", { class: "field" }, h("label", { for: fromId }, "From"), fromIn),
      h("div", { class: "field" }, h("label", { for: toId }, "To"), toIn),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "secondary" }, "Show")),
    ),
  );
  try {
    const u = await usage(ctx, from, to);
    const byDay = new Map(u.byDay.map((d) => [d.day, d.costMicros]));
    const agentName = agentRef(ctx);
    if (u.total.calls === 0) {
      box.append(emptyState("No LLM calls in this range.", "Spend appears here once agents call models through the gateway."));
      return box;
    }
    box.append(
      h(
        "p",
        {},
        `${dollars(u.total.costMicros)} in ${u.total.calls} call${u.total.calls === 1 ? "" : "s"} (${u.total.inputTokens.toLocaleString()} input, ${u.total.outputTokens.toLocaleString()} output tokens), ${u.from} to ${u.to}.`,
      ),
      dayChart(
        `Spend per day, ${u.from} to ${u.to}`,
        days(u.from, u.to).map((d) => ({ label: d, value: byDay.get(d) ?? 0 })),
      ),
      h(
        "div",
        { class: "bar-grid" },
        barList(
          "By agent",
          u.byAgent.map((a) => ({ label: agentName(a.agentId), value: a.costMicros })),
        ),
        barList(
          "By model",
          u.byModel.map((m) => ({ label: m.model, value: m.costMicros })),
        ),
      ),
    );
  } catch (error) {
    box.append(errorBox(error));
  }
  return box;
}

// ── limits ───────────────────────────────────────────────────────────────────
type Limit = Out<"LimitSchema">;

function limitForm(ctx: Ctx) {
  const field = (label: string, control: HTMLElement, help?: string) => {
    const id = uid("lim");
    control.id = id;
    return h("div", { class: "field" }, h("label", { for: id }, label), control, help ? h("p", { class: "hint" }, help) : null);
  };
  const picker = scopePicker(ctx, ["org", "team", "agent"]);
  const period = h(
    "select",
    {},
    [
      ["day", "per UTC day"],
      ["month", "per UTC month"],
      ["total", "in total"],
    ].map(([v, l]) => h("option", { value: v }, l)),
  );
  const amount = h("input", { type: "number", min: 0, step: "0.01", inputmode: "decimal" });
  const thresholds = h("input", { type: "text", value: "50, 80, 100", autocomplete: "off" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true });
  return h(
    "form",
    {
      class: "filters",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        alert.hidden = true;
        const value: Record<string, unknown> = {
          scope: picker.value().scope,
          ...(picker.value().id === undefined ? {} : { scopeId: picker.value().id }),
          period: period.value,
          limitMicros: amount.value.trim() === "" ? undefined : Math.round(Number(amount.value) * MICROS),
          thresholds: thresholds.value
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean)
            .map(Number),
        };
        const issue = validate(jsonSchema("LimitCreateSchema", "input"), value)[0];
        try {
          if (issue) throw new Error(`${issue.path === "limitMicros" ? "amount" : issue.path}: ${issue.message}`);
          await post(ctx.orgPath("/limits"), value);
          toast("Limit set.");
          ctx.refresh();
        } catch (error) {
          alert.textContent = messageOf(error);
          alert.hidden = false;
        }
      },
    },
    ...picker.nodes,
    field("Period", period),
    field("Amount (US$)", amount),
    field("Alert at (% of the limit)", thresholds),
    alert,
    h("div", { class: "form-actions" }, h("button", { type: "submit" }, "Set limit")),
  );
}

async function limitsSection(ctx: Ctx) {
  const box = h(
    "section",
    {},
    h("h2", {}, "Limits"),
    h("p", { class: "hint" }, "A reached limit refuses further LLM calls in its scope and stops the agents' sandboxes until the window resets."),
  );
  box.append(h("details", { class: "create" }, h("summary", {}, "New limit"), limitForm(ctx)));
  try {
    const [status, limits] = await Promise.all([get(ctx.orgPath("/usage/limits")), get(`${ctx.orgPath("/limits")}${qs({ limit: 200 })}`)]);
    const live = new Map<string, { spent: number; reserved: number; window: string }>();
    if (isRecord(status) && Array.isArray(status.items))
      for (const s of status.items)
        if (isRecord(s) && typeof s.id === "string" && typeof s.spentMicros === "number" && typeof s.reservedMicros === "number")
          live.set(s.id, { spent: s.spentMicros, reserved: s.reservedMicros, window: String(s.window) });
    const items = parsePage("LimitSchema", limits).items;
    const agentName = agentRef(ctx);
    const teamName = refName(ctx, "/teams", "TeamSchema", (t) => t.name);
    if (items.length === 0) box.append(emptyState("No limits yet.", "Set a daily or monthly budget for the org, a team or an agent."));
    else
      box.append(
        table(
          "Limits",
          [
            {
              label: "Scope",
              value: (l: Limit) =>
                h("span", {}, badge(l.scope), " ", l.scope === "agent" ? agentName(l.scopeId) : l.scope === "team" ? teamName(l.scopeId) : ""),
            },
            { label: "Period", value: (l) => l.period },
            { label: "Limit", value: (l) => dollars(l.limitMicros) },
            {
              label: "Spent",
              value: (l) => {
                const s = live.get(l.id);
                if (!s) return "—";
                const used = s.spent + s.reserved;
                return h(
                  "span",
                  { class: "spent" },
                  h("meter", { min: 0, max: l.limitMicros || 1, value: used, high: l.limitMicros * 0.8, "aria-label": "share of the limit used" }),
                  ` ${dollars(s.spent)}${s.reserved ? ` + ${dollars(s.reserved)} reserved` : ""} (${l.limitMicros ? Math.round((used / l.limitMicros) * 100) : 100}%)`,
                );
              },
            },
            { label: "Alerts", value: (l) => l.thresholds.map((t) => `${t}%`).join(", ") },
          ],
          items,
          (l) =>
            ctx.can("admin")
              ? [
                  h("button", { type: "button", class: "secondary small", onclick: () => void editLimit(ctx, l) }, "Edit"),
                  h(
                    "button",
                    {
                      type: "button",
                      class: "danger small",
                      onclick: async () =>
                        (await confirmDialog(`Remove the ${l.period} limit of ${dollars(l.limitMicros)}?`, "Delete")) &&
                        act(ctx, () => del(ctx.orgPath(`/limits/${l.id}`)).then(() => undefined), "Limit removed."),
                    },
                    "Delete",
                  ),
                ]
              : [],
        ),
      );
  } catch (error) {
    box.append(errorBox(error));
  }
  return box;
}

function editLimit(ctx: Ctx, l: Limit) {
  const id = uid("amt");
  const amount = h("input", { id, type: "number", min: 0, step: "0.01", value: l.limitMicros / MICROS });
  const alert = h("p", { class: "alert", role: "alert", hidden: true });
  return openDialog(`Edit the ${l.period} limit`, (close) => [
    h("div", { class: "field" }, h("label", { for: id }, "Amount (US$)"), amount),
    alert,
    h(
      "div",
      { class: "dialog-actions" },
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            try {
              await patch(ctx.orgPath(`/limits/${l.id}`), { limitMicros: Math.round(Number(amount.value) * MICROS) });
              toast("Saved.");
              close();
              ctx.refresh();
            } catch (error) {
              alert.textContent = messageOf(error);
              alert.hidden = false;
            }
          },
        },
        "Save",
      ),
    ),
  ]);
}

// ── prices ───────────────────────────────────────────────────────────────────
async function pricesSection(ctx: Ctx) {
  const box = h(
    "section",
    {},
    h("h2", {}, "Prices"),
    h("p", { class: "hint" }, 'Per million tokens. The org\'s overrides win over the built-in list; model "*" prices every model without a price.'),
  );
  const perM = (m: number | null) => (m === null ? "—" : dollars(m));
  try {
    const overrides = parsePage("PriceSchema", await get(`${ctx.orgPath("/prices")}${qs({ limit: 200 })}`)).items;
    if (ctx.can("admin"))
      box.append(
        h(
          "details",
          { class: "create" },
          h("summary", {}, "New price override"),
          schemaForm("PriceCreateSchema", {
            submitLabel: "Add price",
            className: "filters",
            fields: {
              inputMicrosPerMTok: { label: "Input (µ$ per 1M tokens)", help: "Micro-dollars: 1000000 is $1." },
              outputMicrosPerMTok: { label: "Output (µ$ per 1M tokens)" },
              cachedMicrosPerMTok: { label: "Cached input (µ$ per 1M tokens)" },
            },
            onSubmit: async (value) => {
              await post(ctx.orgPath("/prices"), value);
              toast("Price added.");
              ctx.refresh();
            },
          }),
        ),
      );
    box.append(
      overrides.length === 0
        ? emptyState("No overrides.", "The built-in prices below apply.")
        : table(
            "Price overrides",
            [
              { label: "Model", value: (p: Out<"PriceSchema">) => p.model },
              { label: "Input", value: (p) => perM(p.inputMicrosPerMTok) },
              { label: "Output", value: (p) => perM(p.outputMicrosPerMTok) },
              { label: "Cached", value: (p) => perM(p.cachedMicrosPerMTok) },
            ],
            overrides,
            (p) =>
              ctx.can("admin")
                ? [
                    h(
                      "button",
                      {
                        type: "button",
                        class: "secondary small",
                        onclick: () =>
                          formDialog(
                            `Price of ${p.model}`,
                            "PriceUpdateSchema",
                            "Save",
                            {},
                            {
                              inputMicrosPerMTok: p.inputMicrosPerMTok,
                              outputMicrosPerMTok: p.outputMicrosPerMTok,
                              cachedMicrosPerMTok: p.cachedMicrosPerMTok,
                            },
                            async (v) => {
                              await patch(ctx.orgPath(`/prices/${p.id}`), v);
                              ctx.refresh();
                            },
                            true,
                          ),
                      },
                      "Edit",
                    ),
                    h(
                      "button",
                      {
                        type: "button",
                        class: "danger small",
                        onclick: () => act(ctx, () => del(ctx.orgPath(`/prices/${p.id}`)).then(() => undefined), "Price removed."),
                      },
                      "Delete",
                    ),
                  ]
                : [],
          ),
    );
    const defaults = await get(ctx.orgPath("/prices/defaults"));
    const items = isRecord(defaults) && Array.isArray(defaults.items) ? defaults.items.filter(isRecord) : [];
    box.append(
      h(
        "details",
        {},
        h("summary", {}, `Built-in prices (${items.length})`),
        table(
          "Built-in prices",
          [
            { label: "Model", value: (p: Record<string, unknown>) => String(p.model) },
            { label: "Input", value: (p) => perM(typeof p.inputMicrosPerMTok === "number" ? p.inputMicrosPerMTok : null) },
            { label: "Output", value: (p) => perM(typeof p.outputMicrosPerMTok === "number" ? p.outputMicrosPerMTok : null) },
            { label: "Cached", value: (p) => perM(typeof p.cachedMicrosPerMTok === "number" ? p.cachedMicrosPerMTok : null) },
          ],
          items,
        ),
      ),
    );
  } catch (error) {
    box.append(errorBox(error));
  }
  return box;
}

registerPage({
  id: "spend",
  title: "Spend",
  minRole: "admin",
  render: async (ctx) => {
    const [limits, used, prices] = await Promise.all([limitsSection(ctx), usageSection(ctx), pricesSection(ctx)]);
    return h("section", { class: "page" }, pageHeader("Spend", "What agents' LLM calls cost, and the budgets that stop them."), limits, used, prices);
  },
});
