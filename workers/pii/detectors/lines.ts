// Lines of a long text that hold a hint, for detectors whose matches never cross a line break:
// their regex then runs on those lines only instead of the whole text.

/**
 * [start, end) of each line of `text` (split at "\n", the break not included) in which `hint`
 * matches, in order, each once. `hint` must be global and must not match across a "\n".
 */
export function linesHolding(text: string, hint: RegExp): [number, number][] {
  if (!hint.global) throw new Error("linesHolding needs a global hint");
  const lines: [number, number][] = [];
  hint.lastIndex = 0;
  for (let m = hint.exec(text); m; m = hint.exec(text)) {
    const start = text.lastIndexOf("\n", m.index) + 1;
    const next = text.indexOf("\n", m.index);
    const end = next < 0 ? text.length : next;
    lines.push([start, end]);
    if (end >= text.length) break;
    hint.lastIndex = end + 1;
  }
  return lines;
}
