// Dashboard entry: login, the shell (org switcher, navigation from the page registry, logout)
// and a hash router (#/<orgId>/<pageId>?query). All data comes from the admin API.
import "./styles.css";
// The chart library's styles travel with the app's; its code loads on demand (charts.ts).
import "uplot/dist/uPlot.min.css";
import "./pages/index.js";
import { ApiError, get, post, whenSessionLost } from "./api.js";
import { clear, h } from "./dom.js";
import { schemaForm } from "./forms.js";
import { acceptInvitationForm } from "./invitations.js";
import { type Ctx, type Me, type Org, allPages, atLeast, href } from "./registry.js";
import { type MfaChallenge, isMfaChallenge, mfaStep, ssoSignIn } from "./sso.js";
import { incidentBanner } from "./suspension.js";
import { errorBox, parseOne, secretDialog } from "./ui.js";

const app = document.getElementById("app") ?? document.body;
let me: Me | undefined;

function route() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [pathPart = "", query = ""] = raw.split("?");
  const [orgId, pageId] = pathPart.split("/");
  return { orgId, pageId, query: new URLSearchParams(query) };
}

function showLogin(message?: string) {
  me = undefined;
  document.title = "Sign in · Palisade";
  const form = schemaForm("LoginRequestSchema", {
    submitLabel: "Sign in",
    fields: { password: { input: "password" } },
    onSubmit: async (value) => {
      const answer = await post("/login", value);
      if (isMfaChallenge(answer)) return showMfaStep(answer);
      await start();
    },
  });
  form.querySelector("input[type=password]")?.setAttribute("autocomplete", "current-password");
  form.querySelector("input[type=email]")?.setAttribute("autocomplete", "username");
  clear(
    app,
    h(
      "main",
      { class: "login" },
      h(
        "div",
        { class: "login-card" },
        h("p", { class: "brand" }, "Palisade"),
        h("h1", {}, "Sign in"),
        message ? h("p", { class: "alert", role: "alert" }, message) : null,
        form,
        ssoSignIn(),
        acceptInvitationForm(false, async () => showLogin("Your account was created and you joined the organization. Sign in.")),
      ),
    ),
  );
  form.querySelector("input")?.focus();
}

function showMfaStep(challenge: MfaChallenge) {
  clear(
    app,
    h(
      "main",
      { class: "login" },
      h(
        "div",
        { class: "login-card" },
        h("p", { class: "brand" }, "Palisade"),
        mfaStep(challenge, async (recoveryCodes) => {
          if (recoveryCodes)
            await secretDialog(
              "Recovery codes",
              recoveryCodes.join("\n"),
              "Each code signs you in once if you lose your authenticator. They are shown only now.",
            );
          await start();
        }),
      ),
    ),
  );
}

async function logout() {
  try {
    await post("/logout");
  } catch {
    // Ending an already expired session is fine; the login page follows either way.
  }
  location.hash = "";
  showLogin("You are signed out.");
}

async function loadMe(): Promise<Me> {
  me = parseOne("MeSchema", await get("/me"));
  return me;
}

function shell(current: Org, orgs: Org[], pageId: string, ctx: Ctx): { main: HTMLElement } {
  const nav = h(
    "nav",
    { id: "nav", "aria-label": "Sections" },
    h(
      "ul",
      {},
      allPages()
        .filter((p) => !p.hidden && (!p.minRole || ctx.can(p.minRole)))
        .map((p) => h("li", {}, h("a", { href: href(current.id, p.id), "aria-current": p.id === pageId ? "page" : undefined }, p.title))),
    ),
  );
  const menu = h("button", { type: "button", class: "menu ghost", "aria-controls": "nav", "aria-expanded": "false" }, "Menu");
  menu.addEventListener("click", () => {
    const open = menu.getAttribute("aria-expanded") !== "true";
    menu.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
  const switcher = h(
    "select",
    { id: "org-switcher", "aria-label": "Organization" },
    orgs.map((o) => h("option", { value: o.id, selected: o.id === current.id }, `${o.name} (${o.role})`)),
  );
  switcher.addEventListener("change", () => (location.hash = href(switcher.value, pageId)));
  const main = h("main", { id: "main", tabindex: "-1" });
  clear(
    app,
    h(
      "a",
      {
        class: "skip",
        href: "#main",
        onclick: (e: Event) => {
          e.preventDefault();
          main.focus();
        },
      },
      "Skip to content",
    ),
    h(
      "header",
      { class: "topbar" },
      menu,
      h("a", { class: "brand", href: href(current.id, "overview") }, "Palisade"),
      h(
        "div",
        { class: "topbar-right" },
        switcher,
        h("span", { class: "who" }, ctx.me.user.email),
        h("button", { type: "button", class: "secondary", onclick: logout }, "Sign out"),
      ),
    ),
    // While the org-wide switch is on, every page says so (and owners can lift it from there).
    incidentBanner(ctx),
    h("div", { class: "layout" }, nav, main),
  );
  return { main };
}

let renderToken = 0;

async function render() {
  if (!me) return;
  const token = ++renderToken;
  const { orgId, pageId, query } = route();
  const orgs = me.orgs;
  const org = orgs.find((o) => o.id === orgId) ?? orgs[0];
  if (!org) {
    clear(
      app,
      h(
        "main",
        { class: "login" },
        h(
          "div",
          { class: "login-card" },
          h("h1", {}, "No organization"),
          h("p", {}, "You are not a member of any organization yet. Ask an admin to invite you, then accept here."),
          acceptInvitationForm(true, async () => {
            await loadMe();
            await render();
          }),
          h("button", { type: "button", onclick: logout }, "Sign out"),
        ),
      ),
    );
    return;
  }
  const can = (min: Parameters<typeof atLeast>[1]) => atLeast(org.role, min);
  const page = allPages().find((p) => p.id === pageId && (!p.minRole || can(p.minRole)));
  if (!page || org.id !== orgId) {
    location.replace(href(org.id, "overview"));
    return;
  }
  const ctx: Ctx = {
    me,
    org,
    can,
    orgPath: (suffix = "") => `/orgs/${encodeURIComponent(org.id)}${suffix}`,
    query,
    go: (id, q) => (location.hash = href(org.id, id, q)),
    refresh: () => void render(),
    reload: async () => {
      await loadMe();
      await render();
    },
  };
  const { main } = shell(org, orgs, page.id, ctx);
  document.title = `${page.title} · ${org.name} · Palisade`;
  main.setAttribute("aria-busy", "true");
  let content: Node;
  try {
    content = await page.render(ctx);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    content = errorBox(error);
  }
  if (token !== renderToken) return;
  main.replaceChildren(content);
  main.removeAttribute("aria-busy");
  main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
}

async function start() {
  try {
    await loadMe();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showLogin();
    clear(
      app,
      h(
        "main",
        { class: "login" },
        h(
          "div",
          { class: "login-card" },
          h("h1", {}, "Palisade"),
          errorBox(error),
          h("button", { type: "button", onclick: () => void start() }, "Try again"),
        ),
      ),
    );
    return;
  }
  await render();
}

whenSessionLost(() => showLogin("Your session has ended. Please sign in again."));
window.addEventListener("hashchange", () => void render());
void start();
