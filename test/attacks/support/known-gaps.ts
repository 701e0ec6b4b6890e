// Cases of an attack file that stay open after a round (docs/pii.md, "What block does not catch"):
// listed by title and skipped, so the report shows them and a fix only has to take a title off.
import { it } from "vitest";

/** it.each with "%s"/"%j" titles, each case skipped while its title is among `gaps`. */
export function eachCase<T extends readonly unknown[]>(
  cases: readonly T[],
  gaps: ReadonlySet<string>,
  title: string,
  run: (...args: T) => Promise<void>,
): void {
  for (const args of cases) {
    let k = 0;
    const named = title.replace(/%[sj]/g, (f) => {
      const v = args[k++];
      return f === "%j" ? JSON.stringify(v) : String(v);
    });
    (gaps.has(named) ? it.skip : it)(named, () => run(...args));
  }
}
