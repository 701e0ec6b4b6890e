// Forms generated from the JSON Schema of a shared zod schema: one labelled control per field
// (text, email, password, number, select, checkbox, date-time, JSON), checked against the
// same schema before sending, with the API's error message shown when the server refuses.
import { h, uid } from "./dom.js";
import { type In, type JsonSchema, type SchemaName, conforms, jsonSchema, validate } from "./schemas.js";
import { messageOf } from "./ui.js";

export interface Option {
  value: string;
  label: string;
}

export interface FieldOptions {
  label?: string;
  help?: string;
  hidden?: boolean;
  /** Choices loaded from the API (e.g. the org's teams for a teamId). */
  options?: () => Promise<Option[]>;
  input?: "password" | "textarea";
}

export interface SchemaFormOptions<N extends SchemaName> {
  submitLabel: string;
  fields?: Partial<Record<string, FieldOptions>>;
  initial?: Record<string, unknown>;
  /** Only send fields that differ from `initial` (PATCH forms). */
  changesOnly?: boolean;
  onSubmit: (value: In<N>) => Promise<void>;
  className?: string;
}

interface Field {
  key: string;
  read: () => { value?: unknown; error?: string };
  error: HTMLElement;
  control: HTMLElement;
}

/** "parentAgentId" -> "Parent agent" for a choice of agents, "Parent agent id" for free text. */
export function humanize(key: string, reference = false): string {
  const words = (reference ? key.replace(/Id$/, "") : key).replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function unwrap(schema: JsonSchema): { base: JsonSchema; nullable: boolean } {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes("null")) {
    const rest = types.filter((t) => t !== "null");
    return { base: { ...schema, type: rest.length === 1 ? rest[0] : rest }, nullable: true };
  }
  const options = schema.anyOf ?? schema.oneOf;
  if (options) {
    const nonNull = options.filter((o) => o.type !== "null");
    if (nonNull.length === 1 && nonNull[0]) return { base: nonNull[0], nullable: nonNull.length < options.length };
  }
  return { base: schema, nullable: false };
}

const toLocalInput = (iso: string) => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

function buildField(key: string, prop: JsonSchema, required: boolean, opts: FieldOptions, initial: unknown): Field {
  const id = uid(`f-${key}`);
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const { base, nullable } = unwrap(prop);
  const type = Array.isArray(base.type) ? undefined : base.type;
  const described = [opts.help || base.description ? helpId : "", errorId].filter(Boolean).join(" ");
  const common = { id, name: key, "aria-describedby": described, required: required && !opts.options ? true : undefined };
  const emptyMeansNull = nullable && initial !== undefined;
  let control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  let read: () => { value?: unknown; error?: string };
  const str = (v: string) => (v === "" ? (emptyMeansNull ? { value: null } : {}) : { value: v });

  if (opts.options || base.enum) {
    const select = h("select", common);
    const blank = !required || nullable || opts.options;
    if (blank) select.append(h("option", { value: "" }, required ? "Choose…" : "— none —"));
    const setOptions = (list: Option[]) => {
      for (const o of list) select.append(h("option", { value: o.value }, o.label));
      if (initial !== undefined && initial !== null) select.value = String(initial);
      else if (base.default !== undefined) select.value = String(base.default);
    };
    let loaded = !opts.options;
    if (opts.options) {
      select.setAttribute("aria-busy", "true");
      opts.options().then(
        (list) => {
          setOptions(list);
          loaded = true;
          select.removeAttribute("aria-busy");
        },
        () => select.append(h("option", { value: "", disabled: true }, "could not load the choices")),
      );
    } else setOptions((base.enum ?? []).map((v) => ({ value: String(v), label: String(v) })));
    control = select;
    const enumValues = base.enum;
    read = () => {
      // Until the choices arrive the select cannot show the current value: keep it unchanged.
      if (!loaded) return initial === undefined ? {} : { value: initial };
      if (select.value === "") return str("");
      const hit = enumValues?.find((v) => String(v) === select.value);
      return { value: hit ?? select.value };
    };
  } else if (type === "boolean") {
    const box = h("input", { ...common, type: "checkbox", required: undefined });
    box.checked = initial === true || (initial === undefined && base.default === true);
    control = box;
    read = () => ({ value: box.checked });
  } else if (type === "integer" || type === "number") {
    const input = h("input", {
      ...common,
      type: "number",
      inputmode: "numeric",
      min: base.minimum,
      max: base.maximum,
      step: type === "integer" ? 1 : "any",
    });
    const start = initial ?? base.default;
    if (typeof start === "number") input.value = String(start);
    control = input;
    read = () => (input.value.trim() === "" ? str("") : { value: Number(input.value) });
  } else if (type === "string") {
    const isDate = base.format === "date-time";
    const isPassword = opts.input === "password" || /password/i.test(key);
    const isEmail = base.format === "email" || /^email$/i.test(key);
    const inputType = isDate ? "datetime-local" : isPassword ? "password" : isEmail ? "email" : "text";
    const attrs = {
      ...common,
      minlength: isDate ? undefined : base.minLength,
      maxlength: base.maxLength,
      autocomplete: isPassword ? "new-password" : isEmail ? "email" : "off",
    };
    const input = opts.input === "textarea" ? h("textarea", attrs) : h("input", { ...attrs, type: inputType });
    if (typeof initial === "string") input.value = isDate ? toLocalInput(initial) : initial;
    control = input;
    read = () => {
      const raw = input.value.trim() === "" ? "" : isPassword ? input.value : input.value.trim();
      if (isDate && raw !== "") {
        const d = new Date(raw);
        return Number.isNaN(d.getTime()) ? { error: "must be a date and time" } : { value: d.toISOString() };
      }
      return str(raw);
    };
  } else if (discriminated(base)) {
    const union = unionField(id, key, opts.label ?? humanize(key), base, discriminated(base) ?? "", initial, required);
    control = union.select;
    read = union.read;
    const error = h("p", { id: errorId, class: "field-error" });
    const help = opts.help ?? base.description;
    const wrapper = h(
      "fieldset",
      { class: "field union" },
      h("legend", {}, opts.label ?? humanize(key), required ? "" : h("span", { class: "optional" }, " (optional)")),
      union.nodes,
      help ? h("p", { id: helpId, class: "hint" }, help) : null,
      error,
    );
    return { key, read, error, control: wrapper };
  } else {
    // Objects, arrays and other unions: edited as JSON, still validated against the schema.
    const area = h("textarea", { ...common, rows: 6, class: "mono", spellcheck: "false" });
    if (initial !== undefined) area.value = JSON.stringify(initial, null, 2);
    control = area;
    read = () => {
      if (area.value.trim() === "") return str("");
      try {
        return { value: JSON.parse(area.value) };
      } catch {
        return { error: "must be valid JSON" };
      }
    };
  }
  const error = h("p", { id: errorId, class: "field-error" });
  const label = opts.label ?? humanize(key, opts.options !== undefined);
  const help = opts.help ?? base.description;
  const wrapper =
    control instanceof HTMLInputElement && control.type === "checkbox"
      ? h("div", { class: "field check" }, control, h("label", { for: id }, label), help ? h("p", { id: helpId, class: "hint" }, help) : null, error)
      : h(
          "div",
          { class: "field" },
          h("label", { for: id }, label, required ? "" : h("span", { class: "optional" }, " (optional)")),
          control,
          help ? h("p", { id: helpId, class: "hint" }, help) : null,
          error,
        );
  return { key, read, error, control: wrapper };
}

/** The discriminator key of a union of objects that each fix it to a constant (e.g. "type"), if any. */
function discriminated(schema: JsonSchema): string | undefined {
  const variants = schema.oneOf ?? schema.anyOf;
  if (!variants || variants.length < 2) return undefined;
  const first = variants[0]?.properties ?? {};
  return Object.keys(first).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined && v.type === "object"));
}

/** A select for the variant plus the variant's own text fields, shown only when it is chosen. */
function unionField(id: string, key: string, label: string, schema: JsonSchema, disc: string, initial: unknown, required: boolean) {
  const variants = schema.oneOf ?? schema.anyOf ?? [];
  const current =
    initial && typeof initial === "object" && disc in initial ? String(Object.entries(initial).find(([k]) => k === disc)?.[1]) : undefined;
  const select = h("select", { id, name: key, "aria-label": label });
  if (!required) select.append(h("option", { value: "" }, "— keep / none —"));
  const groups: { value: string; box: HTMLElement; inputs: [string, HTMLInputElement][] }[] = [];
  for (const variant of variants) {
    const value = String(variant.properties?.[disc]?.const);
    select.append(h("option", { value }, value));
    const inputs: [string, HTMLInputElement][] = [];
    const box = h("div", { class: "variant" });
    for (const [name, prop] of Object.entries(variant.properties ?? {})) {
      if (name === disc) continue;
      const inputId = `${id}-${value}-${name}`;
      const input = h("input", { id: inputId, type: "text", maxlength: prop.maxLength, autocomplete: "off" });
      if (current === value && initial && typeof initial === "object") {
        const v = Object.entries(initial).find(([k]) => k === name)?.[1];
        if (typeof v === "string") input.value = v;
      }
      inputs.push([name, input]);
      // "Header name" rather than "Name": distinct from the form's own fields.
      box.append(
        h(
          "div",
          { class: "field" },
          h("label", { for: inputId }, humanize(`${value}-${name}`.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()))),
          input,
        ),
      );
    }
    groups.push({ value, box, inputs });
  }
  if (current) select.value = current;
  const sync = () =>
    groups.forEach((g) => {
      g.box.hidden = g.value !== select.value;
    });
  select.addEventListener("change", sync);
  sync();
  const read = (): { value?: unknown; error?: string } => {
    const group = groups.find((g) => g.value === select.value);
    if (!group) return {};
    const value: Record<string, unknown> = { [disc]: group.value };
    for (const [name, input] of group.inputs) if (input.value.trim() !== "") value[name] = input.value.trim();
    return { value };
  };
  return { select, read, nodes: [select, ...groups.map((g) => g.box)] };
}

/** A form for the named schema (its input side); onSubmit gets a value that already passed it. */
export function schemaForm<N extends SchemaName>(name: N, options: SchemaFormOptions<N>): HTMLFormElement {
  const schema = jsonSchema(name, "input");
  const required = new Set(schema.required ?? []);
  const fields: Field[] = [];
  const form = h("form", { class: options.className ?? "stack", novalidate: true });
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const opts = options.fields?.[key] ?? {};
    if (opts.hidden) continue;
    const field = buildField(key, prop, required.has(key), opts, options.initial?.[key]);
    fields.push(field);
    form.append(field.control);
  }
  const alert = h("p", { class: "alert", role: "alert", hidden: true });
  const submit = h("button", { type: "submit" }, options.submitLabel);
  form.append(alert, h("div", { class: "form-actions" }, submit));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.hidden = true;
    const value: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(options.initial ?? {})) if (options.fields?.[key]?.hidden) value[key] = v;
    let invalid = false;
    for (const f of fields) {
      f.error.textContent = "";
      f.control.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
      const { value: v, error } = f.read();
      if (error) {
        showError(f, error);
        invalid = true;
      } else if (v !== undefined && !(options.changesOnly && !required.has(f.key) && options.initial?.[f.key] === v)) value[f.key] = v;
    }
    if (invalid) return;
    for (const issue of validate(schema, value)) {
      const f = fields.find((x) => x.key === issue.path.split(/[.[]/)[0]);
      if (f) showError(f, issue.message);
      else {
        alert.textContent = `${issue.path || "form"}: ${issue.message}`;
        alert.hidden = false;
      }
      invalid = true;
    }
    if (invalid || !conforms(name, "input", value)) {
      form.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
      return;
    }
    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      await options.onSubmit(value);
    } catch (error) {
      alert.textContent = messageOf(error);
      alert.hidden = false;
    } finally {
      submit.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
  return form;
}

function showError(f: Field, message: string) {
  f.error.textContent = message;
  f.control.querySelector("input,select,textarea")?.setAttribute("aria-invalid", "true");
}
