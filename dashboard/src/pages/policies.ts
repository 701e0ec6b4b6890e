// Policies: egress rules (a row editor, not raw JSON), PII actions, models; attach and detach,
// versions, a "test a request" box explaining the decision, and the org's PII allow/deny lists.
import { get, post, patch, request } from "../api.js";
import { h, uid } from "../dom.js";
import { type Ctx, registerPage } from "../registry.js";
import { act, choices } from "../resource.js";
import { scopePicker } from "../scope-picker.js";
import { type Out, isRecord, jsonSchema, validate } from "../schemas.js";
import { agentChoiceLabel } from "../suspension.js";
import { badge, code, confirmDialog, emptyState, errorBox, messageOf, openDialog, pageHeader, parsePage, table, toast, when } from "../ui.js";

type Policy = Out<"PolicyViewSchema">;
const CATEGORIES = [
  "email",
  "phone",
  "credit_card",
  "tax_id",
  "iban",
  "secret",
  "ip_address",
  "date_of_birth",
  "address",
  "person",
  "organization",
  "location",
];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const SCOPES = ["org", "team", "project", "agent"] as const;

const list = (s: string) =>
  s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
const str = (v: unknown) => (typeof v === "string" ? v : "");
const strs = (v: unknown) => (Array.isArray(v) ? v.map(String).join(", ") : "");

/** A labelled input (its own id), for the hand-built editors below. */
function input(label: string, value = "", attrs: Record<string, string> = {}) {
  const id = uid("in");
  const el = h("input", { id, type: "text", autocomplete: "off", ...attrs });
  el.value = value;
  return { el, node: h("div", { class: "field" }, h("label", { for: id }, label), el) };
}

function select(label: string, options: [string, string][], value = "") {
  const id = uid("sel");
  const el = h(
    "select",
    { id },
    options.map(([v, l]) => h("option", { value: v }, l)),
  );
  el.value = value;
  return { el, node: h("div", { class: "field" }, h("label", { for: id }, label), el) };
}

/** One egress rule as a row of fields; read() gives the rule object (empty fields left out). */
function ruleRow(rule: Record<string, unknown>, credentials: string[], onRemove: (row: HTMLElement) => void) {
  const host = input("Host", str(rule.host), { placeholder: "api.example.com or *.example.com" });
  const methods = input("Methods", strs(rule.methods), { placeholder: "any; e.g. GET, POST" });
  const paths = input("Paths", strs(rule.paths), { placeholder: "any; e.g. /v1/**" });
  const ports = input("Ports", strs(rule.ports), { placeholder: "any port", inputmode: "numeric" });
  const credential = select("Credential", [["", "— none —"], ...credentials.map((c): [string, string] => [c, c])], str(rule.credential));
  if (rule.credential && !credentials.includes(str(rule.credential))) {
    credential.el.append(h("option", { value: str(rule.credential) }, str(rule.credential)));
    credential.el.value = str(rule.credential);
  }
  const route = input("Route", str(rule.route), { placeholder: "pool:<name> (optional)" });
  const denyId = uid("deny");
  const deny = h("input", { id: denyId, type: "checkbox" });
  deny.checked = rule.deny === true;
  const row = h(
    "fieldset",
    { class: "rule" },
    h("legend", {}, "Egress rule"),
    host.node,
    methods.node,
    paths.node,
    ports.node,
    credential.node,
    route.node,
    h("div", { class: "field check" }, deny, h("label", { for: denyId }, "Deny (block matching requests)")),
  );
  row.append(h("button", { type: "button", class: "danger small", onclick: () => onRemove(row) }, "Remove rule"));
  const read = (): Record<string, unknown> => {
    const out: Record<string, unknown> = { host: host.el.value.trim() };
    if (list(methods.el.value).length) out.methods = list(methods.el.value).map((m) => m.toUpperCase());
    if (list(paths.el.value).length) out.paths = list(paths.el.value);
    if (list(ports.el.value).length) out.ports = list(ports.el.value).map(Number);
    if (credential.el.value) out.credential = credential.el.value;
    if (route.el.value.trim()) out.route = route.el.value.trim();
    if (deny.checked) out.deny = true;
    return out;
  };
  return { row, read };
}

/** The policy editor: name, rules, PII actions, models, tools; validated against PolicyDocumentSchema. */
async function policyEditor(ctx: Ctx, policy?: Policy) {
  const credentials = await choices(
    ctx,
    "/credentials",
    "CredentialSchema",
    (c) => c.name,
    undefined,
    (c) => c.name,
  )().then(
    (o) => o.map((x) => x.value),
    () => [],
  );
  await openDialog(policy ? `Edit policy ${policy.name}` : "New policy", (close) => {
    const name = input("Name", policy?.name ?? "");
    const rules: { row: HTMLElement; read: () => Record<string, unknown> }[] = [];
    const rulesBox = h("div", { class: "rules" });
    const addRule = (rule: Record<string, unknown>) => {
      const r = ruleRow(rule, credentials, (row) => {
        rules.splice(
          rules.findIndex((x) => x.row === row),
          1,
        );
        row.remove();
      });
      rules.push(r);
      rulesBox.append(r.row);
    };
    for (const rule of policy?.egress ?? []) addRule(rule);
    const pii = CATEGORIES.map((cat) => ({
      cat,
      ...select(
        cat.replace("_", " "),
        [
          ["", "default (mask)"],
          ["allow", "allow"],
          ["mask", "mask"],
          ["redact", "redact"],
          ["block", "block"],
        ],
        str(policy?.pii?.[cat]),
      ),
    }));
    const models = input("Models", (policy?.models ?? []).join(", "), { placeholder: "any; e.g. gpt-4o-mini, claude-sonnet-4-5" });
    const tools = input("Tools", (policy?.tools ?? []).join(", "), { placeholder: "any granted tool" });
    const gate = isRecord(policy?.autonomyGate) ? policy.autonomyGate : {};
    const approve = isRecord(gate.approve) ? gate.approve : {};
    const gateMethods = input("Always ask before these methods", strs(approve.methods), { placeholder: "e.g. DELETE" });
    const gateHosts = input("Always ask before calls to these hosts", strs(approve.hosts), { placeholder: "e.g. payments.example.com" });
    const gateTools = input("Always ask before these tools", strs(approve.tools));
    const timeout = input("Wait for a decision (seconds)", gate.timeoutSeconds === undefined ? "" : String(gate.timeoutSeconds), {
      type: "number",
      min: "1",
      max: "3600",
      placeholder: "600",
    });
    const maxLevel = select(
      "Highest autonomy level",
      [["", "the agent's own"], ...["1", "2", "3", "4", "5"].map((l): [string, string] => [l, l])],
      gate.maxLevel === undefined ? "" : String(gate.maxLevel),
    );
    const subId = uid("sub");
    const subagents = h("input", { id: subId, type: "checkbox" });
    subagents.checked = gate.allowSubagents === true;
    const alert = h("p", { class: "alert", role: "alert", hidden: true });
    const gateDoc = (): Record<string, unknown> | undefined => {
      const a: Record<string, unknown> = {};
      if (list(gateMethods.el.value).length) a.methods = list(gateMethods.el.value).map((m) => m.toUpperCase());
      if (list(gateHosts.el.value).length) a.hosts = list(gateHosts.el.value);
      if (list(gateTools.el.value).length) a.tools = list(gateTools.el.value);
      const out: Record<string, unknown> = {};
      if (Object.keys(a).length) out.approve = a;
      if (timeout.el.value.trim()) out.timeoutSeconds = Number(timeout.el.value);
      if (maxLevel.el.value) out.maxLevel = Number(maxLevel.el.value);
      if (subagents.checked) out.allowSubagents = true;
      return Object.keys(out).length ? out : undefined;
    };
    const doc = (): Record<string, unknown> => {
      const out: Record<string, unknown> = { name: name.el.value.trim(), egress: rules.map((r) => r.read()) };
      const piiOut: Record<string, unknown> = { ...(isRecord(policy?.pii) ? policy.pii : {}) };
      for (const p of pii) {
        if (p.el.value) piiOut[p.cat] = p.el.value;
        else delete piiOut[p.cat];
      }
      if (Object.keys(piiOut).length) out.pii = piiOut;
      if (list(models.el.value).length) out.models = list(models.el.value);
      if (list(tools.el.value).length) out.tools = list(tools.el.value);
      const g = gateDoc();
      if (g) out.autonomyGate = g;
      return out;
    };
    const save = async () => {
      alert.hidden = true;
      const value = doc();
      const issues = validate(jsonSchema("PolicyDocumentSchema", "input"), value);
      if (issues[0]) {
        alert.textContent = `${issues[0].path.replace(/^egress\[(\d+)\]/, (_, i: string) => `rule ${Number(i) + 1}`)}: ${issues[0].message}`;
        alert.hidden = false;
        return;
      }
      try {
        if (policy) {
          const { name: n, egress, ...rest } = value;
          await patch(ctx.orgPath(`/policies/${policy.id}`), {
            name: n,
            egress,
            pii: rest.pii ?? null,
            models: rest.models ?? null,
            tools: rest.tools ?? null,
            autonomyGate: rest.autonomyGate ?? null,
            expectedVersion: policy.version,
          });
        } else await post(ctx.orgPath("/policies"), value);
        toast(policy ? "Policy saved (new version)." : "Policy created. Attach it to take effect.");
        close();
        ctx.refresh();
      } catch (error) {
        alert.textContent = messageOf(error);
        alert.hidden = false;
      }
    };
    return [
      h(
        "div",
        { class: "stack" },
        name.node,
        h("h3", {}, "Egress rules"),
        h("p", { class: "hint" }, "Requests are denied unless an allow rule matches; a matching deny rule always wins. Lists are comma-separated."),
        rulesBox,
        h("button", { type: "button", class: "secondary", onclick: () => addRule({}) }, "Add rule"),
        h("h3", {}, "PII actions"),
        h(
          "div",
          { class: "filters" },
          pii.map((p) => p.node),
        ),
        h("h3", {}, "Models and tools"),
        models.node,
        tools.node,
        h("h3", {}, "Autonomy gate"),
        h("p", { class: "hint" }, "Calls that always wait for a human, at every autonomy level, and how the gate treats agents under this policy."),
        h(
          "div",
          { class: "filters" },
          gateMethods.node,
          gateHosts.node,
          gateTools.node,
          timeout.node,
          maxLevel.node,
          h("div", { class: "field check" }, subagents, h("label", { for: subId }, "Agents may create subagents")),
        ),
        h("h3", {}, "Test this draft"),
        testBox(ctx, doc, policy?.id),
        alert,
        h(
          "div",
          { class: "dialog-actions" },
          h("button", { type: "button", class: "secondary", onclick: close }, "Cancel"),
          h("button", { type: "button", onclick: save }, policy ? "Save policy" : "Create policy"),
        ),
      ),
    ];
  });
}

/** The decision of the API, with its explanation: why a request would be allowed or denied. */
function decisionView(data: unknown) {
  const d = isRecord(data) && isRecord(data.decision) ? data.decision : data;
  if (!isRecord(d) || typeof d.allowed !== "boolean") throw new Error("the server answered with an unexpected shape");
  return h(
    "div",
    { class: "decision", role: "status" },
    h("p", {}, badge(d.allowed ? "allowed" : "denied", d.allowed ? "ok" : "bad"), " ", code(str(d.reason))),
    h("p", { class: "explanation" }, str(d.explanation)),
    isRecord(d.rule) ? h("p", { class: "hint" }, "Rule: ", code(JSON.stringify(d.rule))) : null,
    d.credential ? h("p", { class: "hint" }, "Credential injected: ", str(d.credential)) : null,
  );
}

/**
 * "Test a request": with a draft (the editor) it calls policies/dry-run, optionally in an
 * agent's context; without one it asks the agent's effective policy (agents/:id/explain).
 */
function testBox(ctx: Ctx, draft?: () => Record<string, unknown>, policyId?: string) {
  const method = select(
    "Method",
    METHODS.map((m): [string, string] => [m, m]),
    "GET",
  );
  const url = input("URL", "", { placeholder: "https://api.example.com/v1/items", type: "url" });
  const agent = select(draft ? "In the context of agent (optional)" : "Agent", [["", draft ? "— draft alone —" : "Choose…"]]);
  void choices(ctx, "/agents", "AgentSchema", agentChoiceLabel)().then(
    (o) => agent.el.append(...o.map((x) => h("option", { value: x.value }, x.label))),
    () => {},
  );
  const out = h("div", { "aria-live": "polite" });
  const run = async (event: Event) => {
    event.preventDefault();
    const probe = { method: method.el.value, url: url.el.value.trim() };
    try {
      if (!probe.url) throw new Error("Enter the URL to test.");
      let data: unknown;
      if (draft)
        data = await post(ctx.orgPath("/policies/dry-run"), {
          draft: draft(),
          request: probe,
          ...(policyId ? { policyId } : {}),
          ...(agent.el.value ? { agentId: agent.el.value } : {}),
        });
      else if (!agent.el.value) throw new Error("Choose the agent whose policy to ask.");
      else data = await post(ctx.orgPath(`/agents/${agent.el.value}/explain`), probe);
      out.replaceChildren(decisionView(data));
    } catch (error) {
      out.replaceChildren(errorBox(error));
    }
  };
  return h(
    "form",
    { class: "test-box", novalidate: true, onsubmit: run },
    h("div", { class: "filters" }, method.node, url.node, agent.node),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: draft ? "secondary" : "" }, "Test request")),
    out,
  );
}

function attachDialog(ctx: Ctx, policy: Policy) {
  return openDialog(`Where ${policy.name} applies`, (close) => {
    const picker = scopePicker(ctx, SCOPES, { scope: "Scope", target: "Target" });
    const body = picker.value;
    const done = (message: string) => () => {
      toast(message);
      close();
      ctx.refresh();
    };
    return [
      policy.attachments.length
        ? table(
            "Attachments",
            [
              { label: "Scope", value: (a: Policy["attachments"][number]) => badge(a.scope) },
              { label: "Target", value: (a) => a.id },
            ],
            policy.attachments,
            (a) => [
              h(
                "button",
                {
                  type: "button",
                  class: "danger small",
                  onclick: () =>
                    act(ctx, () =>
                      post(ctx.orgPath(`/policies/${policy.id}/detach`), a.scope === "org" ? { scope: "org" } : { scope: a.scope, id: a.id }).then(
                        done("Detached."),
                      ),
                    ),
                },
                "Detach",
              ),
            ],
          )
        : emptyState("Not attached.", "A policy takes effect once attached to the org, a team, a project or an agent."),
      h("h3", {}, "Attach"),
      ...picker.nodes,
      h(
        "div",
        { class: "dialog-actions" },
        h(
          "button",
          { type: "button", onclick: () => act(ctx, () => post(ctx.orgPath(`/policies/${policy.id}/attach`), body()).then(done("Attached."))) },
          "Attach",
        ),
      ),
    ];
  });
}

async function versionsDialog(ctx: Ctx, policy: Policy) {
  const data = await get(ctx.orgPath(`/policies/${policy.id}/versions`));
  const items = isRecord(data) && Array.isArray(data.items) ? data.items.filter(isRecord) : [];
  await openDialog(`Versions of ${policy.name}`, () => [
    table(
      "Versions",
      [
        { label: "Version", value: (v: Record<string, unknown>) => String(v.version) },
        { label: "By", value: (v) => str(v.createdBy) },
        { label: "Saved", value: (v) => when(str(v.createdAt) || null) },
        { label: "Document", value: (v) => h("details", {}, h("summary", {}, "show"), h("pre", {}, JSON.stringify(v.document, null, 2))) },
      ],
      items,
    ),
  ]);
}

/** The org's PII allow list (never PII) and deny list (always PII, with its category). */
async function piiLists(ctx: Ctx) {
  const box = h("section", { class: "pii-lists" }, h("h2", {}, "PII allow and deny lists"));
  try {
    const data = await get(ctx.orgPath("/pii-lists"));
    if (!isRecord(data) || !Array.isArray(data.allow) || !Array.isArray(data.deny)) throw new Error("the server answered with an unexpected shape");
    const allowId = uid("allow");
    const denyId = uid("deny");
    const allow = h("textarea", { id: allowId, rows: 4, class: "mono", disabled: !ctx.can("admin") });
    allow.value = data.allow.map(String).join("\n");
    const deny = h("textarea", { id: denyId, rows: 4, class: "mono", disabled: !ctx.can("admin") });
    deny.value = data.deny
      .filter(isRecord)
      .map((d) => `${str(d.term)}, ${str(d.category)}`)
      .join("\n");
    const alert = h("p", { class: "alert", role: "alert", hidden: true });
    box.append(
      h("div", { class: "field" }, h("label", { for: allowId }, "Never PII (one term a line)"), allow),
      h(
        "div",
        { class: "field" },
        h("label", { for: denyId }, "Always PII (term, category — one a line)"),
        deny,
        h("p", { class: "hint" }, `Categories: ${CATEGORIES.join(", ")}`),
      ),
      alert,
    );
    if (ctx.can("admin"))
      box.append(
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              alert.hidden = true;
              const body = {
                allow: allow.value
                  .split("\n")
                  .map((x) => x.trim())
                  .filter(Boolean),
                deny: deny.value
                  .split("\n")
                  .map((x) => x.trim())
                  .filter(Boolean)
                  .map((line) => {
                    const at = line.lastIndexOf(",");
                    return { term: line.slice(0, at).trim(), category: line.slice(at + 1).trim() };
                  }),
              };
              try {
                await request("PUT", ctx.orgPath("/pii-lists"), body);
                toast("PII lists saved.");
              } catch (error) {
                alert.textContent = messageOf(error);
                alert.hidden = false;
              }
            },
          },
          "Save lists",
        ),
      );
  } catch (error) {
    box.append(errorBox(error));
  }
  return box;
}

registerPage({
  id: "policies",
  title: "Policies",
  render: async (ctx) => {
    const admin = ctx.can("admin");
    const root = h(
      "section",
      { class: "page" },
      pageHeader(
        "Policies",
        "What agents may reach (egress rules), how PII is handled and which models they may use. A policy applies where it is attached.",
      ),
    );
    if (admin) root.append(h("p", {}, h("button", { type: "button", onclick: () => void policyEditor(ctx) }, "New policy")));
    const { items } = parsePage("PolicyViewSchema", await get(ctx.orgPath("/policies?limit=200")));
    if (items.length === 0)
      root.append(
        emptyState(
          "No policies yet.",
          "Agents are denied all egress until a policy allows it. Create one and attach it to the org, a team, a project or an agent.",
        ),
      );
    else
      root.append(
        table(
          "Policies",
          [
            { label: "Name", value: (p) => p.name },
            { label: "Version", value: (p) => String(p.version) },
            {
              label: "Rules",
              value: (p) => `${p.egress.filter((r) => r.deny !== true).length} allow, ${p.egress.filter((r) => r.deny === true).length} deny`,
            },
            {
              label: "Attached to",
              value: (p) =>
                p.attachments.length ? p.attachments.map((a) => (a.scope === "org" ? "org" : `${a.scope} ${a.id}`)).join(", ") : "nothing",
            },
            { label: "Updated", value: (p) => when(p.updatedAt) },
          ],
          items,
          (p) => [
            ...(admin
              ? [
                  h("button", { type: "button", class: "secondary small", onclick: () => void policyEditor(ctx, p) }, "Edit"),
                  h("button", { type: "button", class: "secondary small", onclick: () => void attachDialog(ctx, p) }, "Attach"),
                ]
              : []),
            h(
              "button",
              { type: "button", class: "secondary small", onclick: () => void versionsDialog(ctx, p).catch((e: unknown) => toast(messageOf(e))) },
              "Versions",
            ),
            ...(admin
              ? [
                  h(
                    "button",
                    {
                      type: "button",
                      class: "danger small",
                      onclick: async () =>
                        (await confirmDialog(`Delete policy ${p.name}? Agents lose what it allowed.`, "Delete")) &&
                        act(ctx, () => request("DELETE", ctx.orgPath(`/policies/${p.id}`)).then(() => undefined), "Policy deleted."),
                    },
                    "Delete",
                  ),
                ]
              : []),
          ],
        ),
      );
    root.append(
      h(
        "section",
        {},
        h("h2", {}, "Test a request"),
        h(
          "p",
          { class: "hint" },
          "Why would this agent's request be allowed or denied? Uses the agent's effective policy (every policy attached to it).",
        ),
        testBox(ctx),
      ),
    );
    root.append(await piiLists(ctx));
    return root;
  },
});
