// Shared UI pieces: headings, alerts, empty states, tables, dialogs (confirm, form, show-once secret).
import { ApiError } from "./api.js";
import { h } from "./dom.js";
import { type Out, type SchemaName, conforms, isRecord } from "./schemas.js";

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "something went wrong";
}

export const errorBox = (error: unknown) => h("p", { class: "alert", role: "alert" }, messageOf(error));

export const emptyState = (title: string, hint: string) => h("div", { class: "empty" }, h("p", { class: "empty-title" }, title), h("p", {}, hint));

export function pageHeader(title: string, intro?: string, ...extra: Node[]) {
  return h("header", { class: "page-header" }, h("h1", { tabindex: "-1" }, title), intro ? h("p", { class: "intro" }, intro) : null, ...extra);
}

const live = () =>
  document.getElementById("toast") ?? document.body.appendChild(h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite" }));
export function toast(message: string) {
  const region = live();
  region.textContent = message;
  region.classList.add("show");
  setTimeout(() => region.classList.remove("show"), 4000);
}

export interface Column<T> {
  label: string;
  value: (item: T) => Node | string;
}

/**
 * A table that becomes stacked cards on narrow screens (labels come from data-label). The
 * explicit roles keep its table semantics for screen readers when CSS changes its display.
 */
export function table<T>(caption: string, columns: Column<T>[], rows: T[], actions?: (item: T) => Node[]) {
  const heads = columns.map((c) => h("th", { scope: "col", role: "columnheader" }, c.label));
  if (actions) heads.push(h("th", { scope: "col", role: "columnheader" }, h("span", { class: "sr-only" }, "Actions")));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { role: "table" },
      h("caption", { class: "sr-only" }, caption),
      h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, heads)),
      h(
        "tbody",
        { role: "rowgroup" },
        rows.map((row) =>
          h(
            "tr",
            { role: "row" },
            columns.map((c) => h("td", { role: "cell", "data-label": c.label }, c.value(row))),
            actions ? h("td", { role: "cell", class: "actions" }, actions(row)) : null,
          ),
        ),
      ),
    ),
  );
}

export const when = (iso: string | null) => (iso ? h("time", { datetime: iso, title: iso }, new Date(iso).toLocaleString()) : "—");
export const badge = (text: string, tone = "") => h("span", { class: `badge ${tone}` }, text);
export const code = (text: string) => h("code", {}, text);

/** A modal dialog; resolves when it closes. Escape and the close button dismiss it. */
export function openDialog(title: string, build: (close: () => void) => Node[]): Promise<void> {
  return new Promise((resolve) => {
    const dialog = h("dialog", { "aria-labelledby": "dialog-title" });
    const close = () => dialog.close();
    dialog.append(
      h(
        "div",
        { class: "dialog-head" },
        h("h2", { id: "dialog-title" }, title),
        h("button", { type: "button", class: "ghost", "aria-label": "Close", onclick: close }, "×"),
      ),
      ...build(close),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function confirmDialog(message: string, confirmLabel: string, danger = true): Promise<boolean> {
  let confirmed = false;
  return openDialog("Please confirm", (close) => [
    h("p", {}, message),
    h(
      "div",
      { class: "dialog-actions" },
      h("button", { type: "button", class: "secondary", onclick: close, autofocus: true }, "Cancel"),
      h(
        "button",
        {
          type: "button",
          class: danger ? "danger" : "",
          onclick: () => {
            confirmed = true;
            close();
          },
        },
        confirmLabel,
      ),
    ),
  ]).then(() => confirmed);
}

/** Shows a secret exactly once with a copy button; it is never stored by the dashboard. */
export function secretDialog(title: string, secret: string, note: string): Promise<void> {
  return openDialog(title, (close) => {
    const field = h("input", { type: "text", readonly: true, value: secret, class: "secret", "aria-label": "Secret value", spellcheck: "false" });
    const status = h("p", { class: "hint", role: "status" });
    const copy = h(
      "button",
      {
        type: "button",
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(secret);
            status.textContent = "Copied to the clipboard.";
          } catch {
            field.select();
            status.textContent = "Copy was blocked: the value is selected, press Ctrl+C (⌘C).";
          }
        },
      },
      "Copy",
    );
    return [
      h("p", { class: "warn" }, note),
      h("div", { class: "secret-row" }, field, copy),
      status,
      h("div", { class: "dialog-actions" }, h("button", { type: "button", class: "secondary", onclick: close }, "Done, I saved it")),
    ];
  });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Checks a `{items, nextCursor}` list against the item schema. */
export function parsePage<N extends SchemaName>(item: N, data: unknown): Page<Out<N>> {
  if (!isRecord(data) || !Array.isArray(data.items) || !(typeof data.nextCursor === "string" || data.nextCursor === null)) {
    throw new Error("the server answered with an unexpected shape");
  }
  const items: Out<N>[] = [];
  for (const raw of data.items) {
    if (!conforms(item, "output", raw)) throw new Error("the server answered with an unexpected shape");
    items.push(raw);
  }
  return { items, nextCursor: data.nextCursor };
}

export function parseOne<N extends SchemaName>(name: N, data: unknown): Out<N> {
  if (!conforms(name, "output", data)) throw new Error("the server answered with an unexpected shape");
  return data;
}
