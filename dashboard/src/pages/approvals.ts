// Approvals: calls held by the autonomy gate wait here for a human; approve or deny (with a
// reason), and the history of decisions. An overview card counts the ones waiting.
import { get, post, qs } from "../api.js";
import { h, uid } from "../dom.js";
import { type Ctx, registerCard, registerPage } from "../registry.js";
import { type Out, isRecord } from "../schemas.js";
import { agentRef } from "../suspension.js";
import { badge, code, emptyState, errorBox, messageOf, openDialog, pageHeader, parsePage, table, toast, when } from "../ui.js";

type Approval = Out<"ApprovalSchema">;
const TONE: Record<string, string> = { approved: "ok", denied: "bad", pending: "strong", expired: "" };

function decide(ctx: Ctx, a: Approval, decision: "approve" | "deny") {
  const id = uid("reason");
  const reason = h("textarea", { id, rows: 3, maxlength: 500 });
  const alert = h("p", { class: "alert", role: "alert", hidden: true });
  return openDialog(`${decision === "approve" ? "Approve" : "Deny"} ${a.subject}`, (close) => [
    h("p", {}, decision === "approve" ? "The held call goes ahead now." : "The held call is refused; the agent gets the reason."),
    h("div", { class: "field" }, h("label", { for: id }, "Reason", h("span", { class: "optional" }, " (optional)")), reason),
    alert,
    h(
      "div",
      { class: "dialog-actions" },
      h("button", { type: "button", class: "secondary", onclick: close }, "Cancel"),
      h(
        "button",
        {
          type: "button",
          class: decision === "deny" ? "danger" : "",
          onclick: async () => {
            try {
              const text = reason.value.trim();
              await post(ctx.orgPath(`/approvals/${encodeURIComponent(a.id)}/${decision}`), text ? { reason: text } : {});
              toast(decision === "approve" ? "Approved." : "Denied.");
              close();
              ctx.refresh();
            } catch (error) {
              alert.textContent = messageOf(error);
              alert.hidden = false;
            }
          },
        },
        decision === "approve" ? "Approve" : "Deny",
      ),
    ),
  ]);
}

const details = (a: Approval) =>
  a.details && Object.keys(a.details).length ? h("details", {}, h("summary", {}, "show"), h("pre", {}, JSON.stringify(a.details, null, 2))) : "—";

registerPage({
  id: "approvals",
  title: "Approvals",
  render: async (ctx) => {
    const root = h(
      "section",
      { class: "page" },
      pageHeader("Approvals", "Calls the autonomy gate holds for a human decision. Undecided calls expire and are refused."),
    );
    const agentName = agentRef(ctx);
    try {
      const [waiting, history] = await Promise.all([
        get(`${ctx.orgPath("/approvals")}${qs({ status: "pending", limit: 200 })}`).then((d) => parsePage("ApprovalSchema", d).items),
        get(`${ctx.orgPath("/approvals")}${qs({ limit: 50, cursor: ctx.query.get("cursor") ?? undefined })}`).then((d) =>
          parsePage("ApprovalSchema", d),
        ),
      ]);
      root.append(h("h2", {}, `Waiting (${waiting.length})`));
      root.append(
        waiting.length === 0
          ? emptyState(
              "Nothing is waiting.",
              "Calls by agents at a low autonomy level that change things (non-GET requests, mutating tools) appear here.",
            )
          : table(
              "Waiting approvals",
              [
                { label: "Call", value: (a: Approval) => code(a.subject) },
                { label: "Kind", value: (a) => badge(a.kind) },
                { label: "Agent", value: (a) => agentName(a.agentId) },
                { label: "Asked", value: (a) => when(a.createdAt) },
                { label: "Expires", value: (a) => when(a.expiresAt) },
                { label: "Details", value: details },
              ],
              waiting,
              (a) =>
                ctx.can("admin")
                  ? [
                      h("button", { type: "button", class: "small", onclick: () => void decide(ctx, a, "approve") }, "Approve"),
                      h("button", { type: "button", class: "danger small", onclick: () => void decide(ctx, a, "deny") }, "Deny"),
                    ]
                  : [],
            ),
      );
      const done = history.items.filter((a) => a.status !== "pending");
      root.append(h("h2", {}, "History"));
      root.append(
        done.length === 0
          ? emptyState("No decisions yet.", "Approved, denied and expired calls are listed here.")
          : table(
              "Decided approvals",
              [
                { label: "Call", value: (a: Approval) => code(a.subject) },
                { label: "Status", value: (a) => badge(a.status, TONE[a.status]) },
                { label: "Agent", value: (a) => agentName(a.agentId) },
                { label: "Reason", value: (a) => a.reason ?? "—" },
                { label: "Decided", value: (a) => when(a.decidedAt) },
              ],
              done,
            ),
      );
      if (history.nextCursor) {
        const next = history.nextCursor;
        root.append(h("button", { type: "button", class: "secondary", onclick: () => ctx.go("approvals", { cursor: next }) }, "Older decisions"));
      }
    } catch (error) {
      root.append(errorBox(error));
    }
    return root;
  },
});

registerCard({
  title: "Approvals waiting",
  page: "approvals",
  minRole: "admin",
  load: async (ctx) => {
    const data: unknown = await get(`${ctx.orgPath("/approvals")}${qs({ status: "pending", limit: 200 })}`);
    const page = parsePage("ApprovalSchema", data);
    return `${page.items.length}${isRecord(data) && page.nextCursor ? "+" : ""}`;
  },
});
