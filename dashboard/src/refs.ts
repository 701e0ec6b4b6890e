// Names in place of ids: `idRef` shows a name with its id on hover and a button that copies the
// id; `nameOf` resolves ids the page holds only as ids through GET …/names, every id asked for
// in the same tick in one request, cached per org until a change (forgetNames).
import { get, qs } from "./api.js";
import { h } from "./dom.js";
import type { Ctx } from "./registry.js";
import { parseOne } from "./ui.js";

/** A name (or the id until one is known) with the id on hover and a copy-id button. */
export function idRef(id: string, name?: string | null, extra?: Node | null): HTMLElement {
  const label = h("span", { class: "ref-name", title: id }, name || id);
  const status = h("span", { class: "sr-only", role: "status" });
  const copy = h("button", {
    type: "button",
    class: "copy-id ghost",
    title: `Copy id ${id}`,
    "aria-label": `Copy id of ${name || id}`,
    onclick: async (event: Event) => {
      event.stopPropagation();
      try {
        await navigator.clipboard.writeText(id);
        status.textContent = "Id copied.";
      } catch {
        status.textContent = `Copy was blocked; the id is ${id}.`;
      }
    },
  });
  return h("span", { class: "ref", "data-id": id }, label, extra ? " " : null, extra ?? null, copy, status);
}

/** Shows the name once it is known (the copy button's label follows). */
export function setRefName(ref: Element, name: string) {
  const label = ref.querySelector(".ref-name");
  if (label) label.textContent = name;
  ref.querySelector(".copy-id")?.setAttribute("aria-label", `Copy id of ${name}`);
}

const cache = new Map<string, Promise<string | null>>();
let pending: { ctx: Ctx; ids: Map<string, (name: string | null) => void> } | null = null;

function flush() {
  const batch = pending;
  pending = null;
  if (!batch) return;
  const ids = [...batch.ids.keys()];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    get(batch.ctx.orgPath(`/names${qs({ ids: chunk.join(",") })}`))
      .then((data) => parseOne("NamesSchema", data).names)
      .catch(() => ({}) as Record<string, string>)
      .then((names) => {
        for (const id of chunk) batch.ids.get(id)?.(Object.hasOwn(names, id) ? (names[id] ?? null) : null);
      });
  }
}

/** The current name of an id of the org, or null; admins only (others get null, the id stays shown). */
export function lookupName(ctx: Ctx, id: string): Promise<string | null> {
  const key = `${ctx.org.id} ${id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (!ctx.can("admin") || !/^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}$/.test(id)) return Promise.resolve(null);
  const promise = new Promise<string | null>((resolve) => {
    if (!pending || pending.ctx.org.id !== ctx.org.id) {
      flush();
      pending = { ctx, ids: new Map() };
      setTimeout(flush, 0);
    }
    pending.ids.set(id, resolve);
  });
  cache.set(key, promise);
  return promise;
}

/** A cell naming an id through the batched lookup (e.g. who decided, a policy's target). */
export function nameOf(ctx: Ctx) {
  return (id: string | null | undefined, known?: string | null): Node | string => {
    if (!id) return "—";
    const ref = idRef(id, known);
    if (!known) {
      void lookupName(ctx, id).then((name) => {
        if (name) setRefName(ref, name);
      });
    }
    return ref;
  };
}

/** Forgets resolved names (after a change, so renamed items show their new name). */
export function forgetNames() {
  cache.clear();
}
