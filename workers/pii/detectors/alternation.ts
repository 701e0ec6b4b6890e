// Long alternations of words ("born|birth|geboren|né|…") scanned over whole texts: V8 tries every
// alternative at every position. Grouped by their first character ("b(?:orn|irth)|g(?:eboren)|…")
// they match the same text in the same way, and a position is rejected after one character test.

const SPECIAL = new Set([..."\\^$.|?*+()[]{}/"]);
const QUANTIFIER = new Set([..."?*+{"]);

/** The top-level alternatives of a regex source ("a|b(?:c|d)|[|]" -> ["a", "b(?:c|d)", "[|]"]). */
export function topLevelAlternatives(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      out.push(source.slice(from, i));
      from = i + 1;
    }
  }
  out.push(source.slice(from));
  return out;
}

/**
 * `source` (an alternation, or one wrapped in "(?:…)") with its alternatives grouped by their
 * first character, in their order within each group: at any position only alternatives whose
 * first character matches there can match, so the first alternative that matches is the same one.
 * Characters that `flags` make equal ("B" and "b" under "i") share a group. Returns `source`
 * unchanged when an alternative does not open with a plain character not followed by a quantifier.
 */
export function groupedByFirstCharacter(source: string, flags: string): string {
  let body = source;
  if (body.startsWith("(?:") && body.endsWith(")") && topLevelAlternatives(body).length === 1) {
    const inner = body.slice(3, -1);
    // Unwrapped only when the parentheses enclose everything ("(?:a)|(?:b)" is two groups).
    if (topLevelAlternatives(`(?:${inner})`).length === 1 && balanced(inner)) body = inner;
  }
  const groups: Array<{ first: string; test: RegExp; rests: string[] }> = [];
  for (const alternative of topLevelAlternatives(body)) {
    const cp = alternative.codePointAt(0);
    if (cp === undefined) return source;
    const first = String.fromCodePoint(cp);
    const next = alternative[first.length];
    if (SPECIAL.has(first) || (next !== undefined && QUANTIFIER.has(next))) return source;
    const nonGlobal = flags.replace(/[gy]/g, "");
    let group = groups.find((g) => g.test.test(first) || new RegExp(`^${first}$`, nonGlobal).test(g.first));
    if (!group) {
      group = { first, test: new RegExp(`^${first}$`, nonGlobal), rests: [] };
      groups.push(group);
    }
    group.rests.push(alternative.slice(first.length));
  }
  return `(?:${groups.map((g) => `${g.first}(?:${g.rests.join("|")})`).join("|")})`;
}

/** Whether every parenthesis of `source` outside classes and escapes is closed, never below zero. */
function balanced(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}
