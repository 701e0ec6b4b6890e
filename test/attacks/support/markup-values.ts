// What the markup attack files (red teams 34 to 34c) share: how a text is judged, the bodies they
// send, and values split by an element a style sheet hides (".x").
import { detectPii } from "../../../workers/pii/index.js";
import { ascii } from "./egress-pii.js";

const CATEGORIES = ["email", "credit_card", "phone", "iban", "tax_id"] as const;
/** The structured categories found in `text`. */
export const all = (text: string) => detectPii(text, { categories: [...CATEGORIES] }).map((f) => f.category);
/** A value shown whole by a browser is found (or the text refused: never passed as clean). */
export const foundOrRefused = (text: string): string[] => {
  try {
    return all(text);
  } catch (error) {
    return [`refused:${(error as Error).name}`];
  }
};
export const html = { "content-type": "text/html" };
export const json = { "content-type": "application/json" };
/** An agent posting an e-mail's HTML to a mail API: the body a compromised agent would send. */
export const mail = (htmlBody: string) => ascii(JSON.stringify({ to: "ops-team", subject: "Order notes", html: htmlBody }));

/** A card, a phone and an IBAN with one digit a ".x" rule hides (a browser shows each whole). */
export const C = "Card 4111 1111 1111 11<span class=x>9</span>11";
export const P = "Call +1 415 555 <span class=x>9</span>0123 now";
export const IBAN = "IBAN DE89 3704 0044 05<span class=x>9</span>32 0130 00";
/** A 4-4-8 card whose ".x" digits a browser shows where no sheet applies. */
export const C448 = "Card 4111 1111 11<b class=x>11</b>1111";
/** A sheet hiding ".x". */
export const SHEET = "<style>.x{display:none}</style>";
