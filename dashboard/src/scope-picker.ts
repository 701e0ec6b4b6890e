// A scope choice (org, team, project, agent) with a second select of the org's items of that
// scope, for policy attachments, tool grants and spend limits.
import { h, uid } from "./dom.js";
import type { Ctx } from "./registry.js";
import { choices } from "./resource.js";
import { agentChoiceLabel } from "./suspension.js";

export type Scope = "org" | "team" | "project" | "agent";

export function scopePicker(ctx: Ctx, scopes: readonly Scope[], labels = { scope: "Scope", target: "For" }) {
  const scopeId = uid("scope");
  const targetId = uid("target");
  const scope = h(
    "select",
    { id: scopeId },
    scopes.map((s) => h("option", { value: s }, s)),
  );
  const target = h("select", { id: targetId });
  const targetField = h("div", { class: "field" }, h("label", { for: targetId }, labels.target), target);
  const load = async () => {
    target.replaceChildren();
    targetField.hidden = scope.value === "org";
    target.setAttribute("aria-busy", "true");
    const s = scope.value;
    const list =
      s === "team"
        ? choices(ctx, "/teams", "TeamSchema", (x) => x.name)
        : s === "project"
          ? choices(ctx, "/projects", "ProjectSchema", (x) => x.name)
          : s === "agent"
            ? choices(ctx, "/agents", "AgentSchema", agentChoiceLabel)
            : undefined;
    if (list) target.append(...(await list().catch(() => [])).map((o) => h("option", { value: o.value }, o.label)));
    target.removeAttribute("aria-busy");
  };
  scope.addEventListener("change", () => void load());
  void load();
  return {
    nodes: [h("div", { class: "field" }, h("label", { for: scopeId }, labels.scope), scope), targetField],
    /** {scope} for the org, {scope, id} otherwise. */
    value: (): { scope: string; id?: string } => (scope.value === "org" ? { scope: "org" } : { scope: scope.value, id: target.value }),
  };
}
