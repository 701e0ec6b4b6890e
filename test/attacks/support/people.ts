// People the detector finds in a text, for the red teams' person tests.
import { detectPii } from "../../../workers/pii/index.js";

/** The person findings of `text`. */
export const people = (text: string) => detectPii(text, { categories: ["person"] }).filter((f) => f.category === "person");
/** The text of each person finding. */
export const found = (text: string) => people(text).map((f) => text.slice(f.start, f.end));

/** Every occurrence of `name` in `text` lies inside a person finding. */
export function masked(text: string, name: string): boolean {
  const spans = people(text);
  let from = 0;
  let seen = 0;
  for (let at = text.indexOf(name, from); at !== -1; at = text.indexOf(name, from)) {
    seen++;
    if (!spans.some((f) => f.start <= at && f.end >= at + name.length)) return false;
    from = at + name.length;
  }
  return seen > 0;
}
