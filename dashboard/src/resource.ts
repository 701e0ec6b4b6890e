// A generic page for an org-scoped collection of the admin API: a list with "load more", a
// create form and an edit form generated from the shared schemas, and row actions. Most
// resource pages are one resourcePage({...}) call.
import { del, get, patch, post, qs } from "./api.js";
import { h } from "./dom.js";
import { type FieldOptions, schemaForm } from "./forms.js";
import { type Ctx, type Role, registerCard, registerPage } from "./registry.js";
import { type In, type Out, type SchemaName, conforms } from "./schemas.js";
import { type Column, confirmDialog, emptyState, errorBox, openDialog, pageHeader, parsePage, table, toast } from "./ui.js";

type Fields = (ctx: Ctx) => Partial<Record<string, FieldOptions>>;

export interface RowAction<T> {
  label: (item: T) => string;
  minRole?: Role;
  /** Extra visibility rule on top of the role, e.g. only for active items. */
  visible?: (item: T, ctx: Ctx) => boolean;
  /** Asks first with this message when given. */
  confirm?: (item: T) => string;
  run: (ctx: Ctx, item: T) => Promise<void>;
  danger?: boolean;
}

export interface ResourceDef<I extends SchemaName, C extends SchemaName, U extends SchemaName> {
  id: string;
  title: string;
  intro?: string;
  minRole?: Role;
  /** Path of the collection under the org, e.g. "/teams". */
  collection: string;
  /** Schema of one item in the list response. */
  item: I;
  /** Singular noun for buttons and messages ("team"). */
  noun: string;
  /** Table columns; a function when cells need the context (e.g. to show referenced names). */
  columns: Column<Out<I>>[] | ((ctx: Ctx) => Column<Out<I>>[]);
  empty: string;
  create?: {
    schema: C;
    minRole: Role;
    /** Button and disclosure text instead of "Create <noun>" / "New <noun>". */
    label?: string;
    fields?: Fields;
    /** Called with the created resource (e.g. to show a token once). */
    done?: (ctx: Ctx, created: unknown) => Promise<void>;
  };
  update?: { schema: U; minRole: Role; fields?: Fields; visible?: (item: Out<I>) => boolean };
  remove?: { minRole: Role; label?: string; confirm?: (item: Out<I>) => string; visible?: (item: Out<I>, ctx: Ctx) => boolean };
  actions?: RowAction<Out<I>>[];
  /** Adds a count card to the overview. */
  card?: boolean;
  idOf?: (item: Out<I>) => string;
  nameOf?: (item: Out<I>) => string;
}

const itemId = (item: unknown): string => (typeof item === "object" && item && "id" in item && typeof item.id === "string" ? item.id : "");
const itemName = (item: unknown): string =>
  typeof item === "object" && item && "name" in item && typeof item.name === "string" ? item.name : itemId(item);

/** Choices for a reference field: the items of a collection of the current org. */
export function choices<N extends SchemaName>(
  ctx: Ctx,
  collection: string,
  item: N,
  label: (x: Out<N>) => string,
  keep?: (x: Out<N>) => boolean,
  value: (x: Out<N>) => string = itemId,
) {
  return async () => {
    const page = parsePage(item, await get(ctx.orgPath(`${collection}${qs({ limit: 200 })}`)));
    return page.items.filter((x) => !keep || keep(x)).map((x) => ({ value: value(x), label: label(x) }));
  };
}

/** Collections listed for reference cells (names, states), by org path and item schema; dropped after any change. */
const listCache = new Map<string, { at: number; byId: Promise<Map<string, unknown>> }>();

/** One item of a collection of the current org by id, from a list fetched at most once per few seconds (its first 200 items). */
export async function cachedItem<N extends SchemaName>(ctx: Ctx, collection: string, item: N, id: string): Promise<Out<N> | undefined> {
  const key = `${ctx.orgPath(collection)} ${item}`;
  let hit = listCache.get(key);
  if (!hit || Date.now() - hit.at > 5_000) {
    const byId = get(ctx.orgPath(`${collection}${qs({ limit: 200 })}`)).then(
      (data) => new Map<string, unknown>(parsePage(item, data).items.map((x) => [itemId(x), x])),
    );
    hit = { at: Date.now(), byId };
    listCache.set(key, hit);
  }
  const raw = (await hit.byId).get(id);
  return raw !== undefined && conforms(item, "output", raw) ? raw : undefined;
}

/** Forgets the cached lists (after a change, so reference cells show it). */
export function forgetCachedLists() {
  listCache.clear();
}

/** A cell showing the name of a referenced item (e.g. a team id as its name), looked up once per few seconds. */
export function refName<N extends SchemaName>(ctx: Ctx, collection: string, item: N, label: (x: Out<N>) => string) {
  return (id: string | null): Node | string => {
    if (!id) return "—";
    const span = h("span", { title: id }, id);
    cachedItem(ctx, collection, item, id).then(
      (found) => {
        if (found) span.textContent = label(found);
      },
      () => {},
    );
    return span;
  };
}

/** Runs an action, reporting failure in a toast-like alert and refreshing on success. */
export async function act(ctx: Ctx, work: () => Promise<void>, success?: string) {
  try {
    await work();
    forgetCachedLists();
    if (success) toast(success);
    ctx.refresh();
  } catch (error) {
    await openDialog("That did not work", (close) => [
      errorBox(error),
      h("div", { class: "dialog-actions" }, h("button", { type: "button", onclick: close }, "OK")),
    ]);
  }
}

export function formDialog<N extends SchemaName>(
  title: string,
  schema: N,
  submitLabel: string,
  fields: Partial<Record<string, FieldOptions>>,
  initial: Record<string, unknown> | undefined,
  send: (value: In<N>) => Promise<void>,
  changesOnly = false,
) {
  return openDialog(title, (close) => [
    schemaForm(schema, {
      submitLabel,
      fields,
      initial,
      changesOnly,
      onSubmit: async (value) => {
        await send(value);
        close();
      },
    }),
  ]);
}

export function resourcePage<I extends SchemaName, C extends SchemaName, U extends SchemaName>(def: ResourceDef<I, C, U>) {
  const idOf = def.idOf ?? itemId;
  const nameOf = def.nameOf ?? itemName;
  const path = (ctx: Ctx, item?: Out<I>) => ctx.orgPath(item ? `${def.collection}/${encodeURIComponent(idOf(item))}` : def.collection);

  registerPage({
    id: def.id,
    title: def.title,
    minRole: def.minRole,
    render: async (ctx) => {
      const root = h("section", { class: "page" }, pageHeader(def.title, def.intro));
      const create = def.create;
      if (create && ctx.can(create.minRole)) {
        const form = schemaForm(create.schema, {
          submitLabel: create.label ?? `Create ${def.noun}`,
          fields: create.fields?.(ctx),
          className: "stack inline-form",
          onSubmit: async (value) => {
            const created = await post(path(ctx), value);
            forgetCachedLists();
            if (!create.label) toast(`${def.noun.charAt(0).toUpperCase()}${def.noun.slice(1)} created.`);
            if (create.done) await create.done(ctx, created);
            ctx.refresh();
          },
        });
        root.append(h("details", { class: "create" }, h("summary", {}, create.label ?? `New ${def.noun}`), form));
      }
      const list = h("div", { class: "list", "aria-busy": "true" });
      root.append(list);

      const rowActions = (item: Out<I>): Node[] => {
        const buttons: Node[] = [];
        const update = def.update;
        if (update && ctx.can(update.minRole) && (!update.visible || update.visible(item))) {
          buttons.push(
            h(
              "button",
              {
                type: "button",
                class: "secondary small",
                onclick: () =>
                  formDialog(
                    `Edit ${def.noun} ${nameOf(item)}`,
                    update.schema,
                    "Save",
                    update.fields?.(ctx) ?? {},
                    toRecord(item),
                    async (value) => {
                      await patch(path(ctx, item), value);
                      forgetCachedLists();
                      toast("Saved.");
                      ctx.refresh();
                    },
                    true,
                  ),
              },
              "Edit",
            ),
          );
        }
        for (const a of def.actions ?? []) {
          if (a.minRole && !ctx.can(a.minRole)) continue;
          if (a.visible && !a.visible(item, ctx)) continue;
          buttons.push(
            h(
              "button",
              {
                type: "button",
                class: `${a.danger ? "danger" : "secondary"} small`,
                onclick: async () => {
                  if (a.confirm && !(await confirmDialog(a.confirm(item), a.label(item), a.danger))) return;
                  await act(ctx, () => a.run(ctx, item));
                },
              },
              a.label(item),
            ),
          );
        }
        const remove = def.remove;
        if (remove && ctx.can(remove.minRole) && (!remove.visible || remove.visible(item, ctx))) {
          const label = remove.label ?? "Delete";
          buttons.push(
            h(
              "button",
              {
                type: "button",
                class: "danger small",
                onclick: async () => {
                  const message = remove.confirm?.(item) ?? `${label} ${def.noun} "${nameOf(item)}"? This cannot be undone.`;
                  if (!(await confirmDialog(message, label))) return;
                  await act(
                    ctx,
                    () => del(path(ctx, item)).then(() => undefined),
                    `${def.noun.charAt(0).toUpperCase()}${def.noun.slice(1)} removed.`,
                  );
                },
              },
              label,
            ),
          );
        }
        return buttons;
      };

      const rows: Out<I>[] = [];
      const loadPage = async (cursor?: string) => {
        list.setAttribute("aria-busy", "true");
        try {
          const page = parsePage(def.item, await get(`${path(ctx)}${qs({ cursor, limit: 50 })}`));
          rows.push(...page.items);
          list.replaceChildren();
          if (rows.length === 0) list.append(emptyState(`No ${def.title.toLowerCase()} yet.`, def.empty));
          else list.append(table(def.title, typeof def.columns === "function" ? def.columns(ctx) : def.columns, rows, rowActions));
          if (page.nextCursor) {
            const next = page.nextCursor;
            list.append(h("button", { type: "button", class: "secondary", onclick: () => loadPage(next) }, "Load more"));
          }
        } catch (error) {
          list.replaceChildren(errorBox(error));
        } finally {
          list.removeAttribute("aria-busy");
        }
      };
      await loadPage();
      return root;
    },
  });

  if (def.card) {
    registerCard({
      title: def.title,
      page: def.id,
      minRole: def.minRole,
      load: async (ctx) => {
        const page = parsePage(def.item, await get(`${path(ctx)}${qs({ limit: 200 })}`));
        return page.nextCursor ? `${page.items.length}+` : String(page.items.length);
      },
    });
  }
}

function toRecord(item: unknown): Record<string, unknown> {
  return typeof item === "object" && item !== null ? Object.fromEntries(Object.entries(item)) : {};
}
