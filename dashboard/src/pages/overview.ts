// Overview: one card per registered overview card (counts of agents, teams, …, spend, approvals),
// each loaded on its own so one failure stays local; for admins also the security console of
// the last 24 h or 30 d (GET …/stats, aggregated by the server) as charts, and the approvals
// waiting, so a held call does not wait for someone to open the approvals page. Cards, stats and
// approvals load in parallel.
import { get, qs } from "../api.js";
import { type Charts, barChart, loadCharts, timeChart } from "../charts.js";
import { h } from "../dom.js";
import { type Ctx, allCards, href, registerPage } from "../registry.js";
import type { Out } from "../schemas.js";
import { agentRef } from "../suspension.js";
import { code, errorBox, messageOf, pageHeader, parseOne, parsePage, table, when } from "../ui.js";
import { dollars } from "./spend.js";

type Stats = Out<"StatsSchema">;
type Approval = Out<"ApprovalSchema">;
const WINDOWS = [
  { id: "24h", label: "Last 24 hours" },
  { id: "30d", label: "Last 30 days" },
] as const;

function windowSwitch(ctx: Ctx, current: string) {
  return h(
    "div",
    { class: "row window-switch", role: "group", "aria-label": "Time window" },
    WINDOWS.map((w) =>
      h(
        "a",
        {
          class: `button ${w.id === current ? "" : "secondary"}`,
          href: href(ctx.org.id, "overview", w.id === "24h" ? undefined : { window: w.id }),
          "aria-current": w.id === current ? "true" : undefined,
        },
        w.label,
      ),
    ),
  );
}

function figures(ctx: Ctx, s: Stats) {
  const figure = (label: string, value: string, page?: string, query?: Record<string, string>) =>
    h(
      "li",
      { class: "stat" },
      h("h3", {}, label),
      h("p", { class: "stat-value" }, value),
      page ? h("a", { href: href(ctx.org.id, page, query) }, `Open ${page}`) : null,
    );
  return h(
    "ul",
    { class: "stats", "aria-label": "Figures of the window" },
    figure("Calls", String(s.totals.calls), "audit", { actorType: "agent" }),
    figure("Refused", String(s.totals.denied), "audit", { result: "denied" }),
    figure("PII found", String(s.totals.piiDetections)),
    figure("Approvals waiting now", String(s.approvalsWaiting), "approvals"),
  );
}

function charts(uPlot: Charts, s: Stats) {
  const hourly = s.window === "24h";
  const bucketLabel = (iso: string) =>
    hourly
      ? new Date(iso).toLocaleString(undefined, { hour: "2-digit", minute: "2-digit", day: "numeric", month: "short" })
      : new Date(iso).toLocaleDateString();
  const spendAgents = s.spendByAgent.map((a) => ({ label: a.name ?? a.agentId, value: a.costMicros, against: a.limitMicros }));
  const limits = (s.limits ?? []).map((l) => ({
    label: `${l.scope}${l.name ? ` ${l.name}` : ""} (${l.period})`,
    value: l.spentMicros,
    against: l.limitMicros,
  }));
  const none = (what: string) => h("p", { class: "hint" }, `No ${what} in this window.`);
  return h(
    "div",
    { class: "charts" },
    timeChart(
      uPlot,
      "chart-calls",
      `Calls and refusals per ${hourly ? "hour" : "day"}`,
      s.buckets.map((b) => b.start),
      [
        { label: "Calls", values: s.buckets.map((b) => b.calls) },
        { label: "Refused", values: s.buckets.map((b) => b.denied) },
      ],
      bucketLabel,
    ),
    s.denialsByReason.length
      ? barChart(
          uPlot,
          "chart-denials",
          "Refusals by reason",
          s.denialsByReason.map((d) => ({ label: d.reason.replaceAll("_", " "), value: d.count })),
          { valueLabel: "Refused" },
        )
      : none("refusals"),
    s.piiByCategory.length
      ? barChart(
          uPlot,
          "chart-pii",
          "Personal data found, by category",
          s.piiByCategory.map((p) => ({ label: p.category.replaceAll("_", " "), value: p.count })),
          { valueLabel: "Found" },
        )
      : none("personal data found"),
    spendAgents.length
      ? barChart(uPlot, "chart-spend-agents", "Spend by agent (dot: the agent's own limit)", spendAgents, {
          format: dollars,
          valueLabel: "Spent",
          againstLabel: "Limit",
        })
      : none("spend by agents"),
    s.spendByModel.length
      ? barChart(
          uPlot,
          "chart-spend-models",
          "Spend by model",
          s.spendByModel.map((m) => ({ label: m.model, value: m.costMicros })),
          { format: dollars, valueLabel: "Spent" },
        )
      : none("spend by model"),
    limits.length
      ? barChart(uPlot, "chart-limits", "Spend against limits (current period)", limits, {
          format: dollars,
          valueLabel: "Spent",
          againstLabel: "Limit",
        })
      : null,
  );
}

function waitingApprovals(ctx: Ctx, items: Approval[], more: boolean) {
  const agent = agentRef(ctx);
  return h(
    "section",
    { class: "waiting", "aria-labelledby": "waiting-title" },
    h("h2", { id: "waiting-title" }, `Approvals waiting (${items.length}${more ? "+" : ""})`),
    items.length === 0
      ? h("p", { class: "hint" }, "No call is waiting for a decision.")
      : table(
          "Approvals waiting",
          [
            { label: "Call", value: (a: Approval) => code(a.subject) },
            { label: "Agent", value: (a) => agent(a.agentId) },
            { label: "Asked", value: (a) => when(a.createdAt) },
            { label: "Expires", value: (a) => when(a.expiresAt) },
          ],
          items,
        ),
    items.length ? h("p", {}, h("a", { class: "button", href: href(ctx.org.id, "approvals") }, "Decide in Approvals")) : null,
  );
}

async function consoleSection(ctx: Ctx): Promise<Node> {
  const window = ctx.query.get("window") === "30d" ? "30d" : "24h";
  const section = h(
    "section",
    { class: "console", "aria-labelledby": "console-title" },
    h("h2", { id: "console-title" }, "Security console"),
    windowSwitch(ctx, window),
  );
  const [stats, approvals] = await Promise.allSettled([
    Promise.all([get(ctx.orgPath(`/stats${qs({ window })}`)).then((d) => parseOne("StatsSchema", d)), loadCharts()]),
    get(`${ctx.orgPath("/approvals")}${qs({ status: "pending", limit: 10 })}`).then((d) => parsePage("ApprovalSchema", d)),
  ]);
  if (approvals.status === "fulfilled") section.append(waitingApprovals(ctx, approvals.value.items, approvals.value.nextCursor !== null));
  else section.append(errorBox(approvals.reason));
  if (stats.status === "fulfilled") {
    const [s, uPlot] = stats.value;
    section.append(figures(ctx, s), charts(uPlot, s));
  } else section.append(errorBox(stats.reason));
  return section;
}

registerPage({
  id: "overview",
  title: "Overview",
  render: async (ctx) => {
    const cards = allCards().filter((c) => !c.minRole || ctx.can(c.minRole));
    const grid = h("ul", { class: "cards" });
    const loadCards = Promise.all(
      cards.map(async (card) => {
        const value = h("p", { class: "card-value" }, "…");
        const item = h("li", { class: "card" }, h("h2", {}, card.title), value, card.note ? h("p", { class: "hint" }, card.note) : null);
        if (card.page) item.append(h("a", { href: href(ctx.org.id, card.page, card.query) }, `Open ${card.title.toLowerCase()}`));
        grid.append(item);
        try {
          value.textContent = await card.load(ctx);
        } catch (error) {
          value.textContent = "—";
          item.append(h("p", { class: "field-error" }, messageOf(error)));
        }
      }),
    );
    const [, console] = await Promise.all([loadCards, ctx.can("admin") ? consoleSection(ctx) : Promise.resolve(null)]);
    return h(
      "section",
      { class: "page" },
      pageHeader(
        `${ctx.org.name}`,
        `You are ${ctx.org.role === "admin" ? "an admin" : `a${ctx.org.role === "owner" ? "n" : ""} ${ctx.org.role}`} of this organization.`,
      ),
      console,
      grid,
    );
  },
});
