// Overview: one card per registered overview card (counts of agents, teams, … and, as their
// pages land, hosts, spend and approvals), each loaded on its own so one failure stays local.
import { h } from "../dom.js";
import { allCards, href, registerPage } from "../registry.js";
import { messageOf, pageHeader } from "../ui.js";

registerPage({
  id: "overview",
  title: "Overview",
  render: async (ctx) => {
    const cards = allCards().filter((c) => !c.minRole || ctx.can(c.minRole));
    const grid = h("ul", { class: "cards" });
    await Promise.all(
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
    return h(
      "section",
      { class: "page" },
      pageHeader(
        `${ctx.org.name}`,
        `You are ${ctx.org.role === "admin" ? "an admin" : `a${ctx.org.role === "owner" ? "n" : ""} ${ctx.org.role}`} of this organization.`,
      ),
      grid,
    );
  },
});
