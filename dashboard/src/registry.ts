// The page registry: each page (one per admin resource) registers itself here; the shell builds
// the navigation and routes from it. Overview cards register the same way.
import type { Out } from "./schemas.js";

export type Role = Out<"RoleSchema">;
export type Org = Out<"OrgSchema">;
export type Me = Out<"MeSchema">;

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };
export const atLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];

export interface Ctx {
  me: Me;
  org: Org;
  /** The caller's role in the current org; admin actions are shown only when it allows them. */
  can: (min: Role) => boolean;
  /** Admin API path of the current org, e.g. orgPath("/teams") -> "/orgs/org_…/teams". */
  orgPath: (suffix?: string) => string;
  query: URLSearchParams;
  go: (pageId: string, query?: Record<string, string>) => void;
  /** Re-renders the current page (after a change). */
  refresh: () => void;
  /** Reloads /me (orgs and roles) and re-renders. */
  reload: () => Promise<void>;
}

export interface Page {
  id: string;
  title: string;
  /** Hidden from navigation and refused by the router below this role (the API refuses too). */
  minRole?: Role;
  /** Reached by links only (e.g. one agent's page), not listed in the navigation. */
  hidden?: boolean;
  render: (ctx: Ctx) => Promise<Node>;
}

export interface OverviewCard {
  title: string;
  minRole?: Role;
  /** Page to open from the card, with an optional query (e.g. audit filters). */
  page?: string;
  query?: Record<string, string>;
  /** A short line under the value. */
  note?: string;
  load: (ctx: Ctx) => Promise<string>;
}

const pages: Page[] = [];
const cards: OverviewCard[] = [];

export function registerPage(page: Page) {
  if (pages.some((p) => p.id === page.id)) throw new Error(`page ${page.id} registered twice`);
  pages.push(page);
}

export function registerCard(card: OverviewCard) {
  cards.push(card);
}

/** Address of a page of an org: #/<orgId>/<pageId>?query. */
export function href(orgId: string, pageId: string, query?: Record<string, string>) {
  const q = query ? new URLSearchParams(query).toString() : "";
  return `#/${orgId}/${pageId}${q ? `?${q}` : ""}`;
}

export const allPages = (): readonly Page[] => pages;
export const allCards = (): readonly OverviewCard[] => cards;
