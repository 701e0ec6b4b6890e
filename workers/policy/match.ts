// Matching primitives of the policy engine: host patterns, canonical request paths and path globs.

/** `*.suffix` matches any subdomain of suffix at any depth, never suffix itself; exact hosts compare equal. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1); // ".example.com": the leading dot makes "evilexample.com" miss.
    return host.length > suffix.length && host.endsWith(suffix);
  }
  return pattern === host;
}

export type CanonicalPath =
  | {
      ok: true;
      segments: string[];
      path: string;
      /**
       * The other reading of a path with an encoded `/` or `\\` in a segment, or characters NFKC
       * changes (`／`, `．`, `；`): normalised and split there, as a server that decodes and
       * normalises before routing reads it (GitLab's `/projects/group%2Fproject` is one segment to
       * most servers). Rules must allow, and no deny rule match, both readings.
       */
      split?: string[];
    }
  | { ok: false; reason: string };

/**
 * One decoded segment as common servers read it: Tomcat, Jetty and Spring drop `;params`
 * (also when the `;` was encoded), IIS drops trailing dots and spaces. Rules match this form,
 * so `/admin;x/users`, `/admin%3Bx/users`, `/admin./users` and `/admin%20/users` are all
 * `/admin/users`; the request itself goes upstream as the agent wrote it.
 */
function serverReading(decoded: string): string {
  const semicolon = decoded.indexOf(";");
  const withoutParams = semicolon === -1 ? decoded : decoded.slice(0, semicolon);
  return withoutParams.replace(/[.\p{White_Space}]+$/u, "");
}

/** Whether a path segment is one servers read as empty, `.` or `..` (`.. `, `...`, `．．`, `..;x`). */
export function readsAsStep(segment: string): boolean {
  const read = serverReading(segment.normalize("NFKC"));
  return read === "" || read === "." || read === "..";
}

/**
 * Turns a URL pathname already normalised by the WHATWG parser (dot segments and `%2e`
 * resolved, `\` turned into `/`) into decoded segments as servers read them, refusing what an
 * upstream could read differently from us: double encoding, invalid UTF-8, control characters,
 * dot segments hidden behind parameters (`..;`) or encoded slashes (`..%2F`), and interior
 * segments that are or become empty (`//`, `/;x/`, `/./`, `%2F%2F`). A segment with an encoded
 * slash is read both ways (see `split`).
 */
export function canonicalPath(pathname: string): CanonicalPath {
  if (!pathname.startsWith("/")) return { ok: false, reason: "path must be absolute" };
  const raw = pathname.slice(1).split("/");
  const segments: string[] = [];
  const split: string[] = [];
  let encodedSlash = false;
  for (let i = 0; i < raw.length; i++) {
    const encoded = raw[i] ?? "";
    const last = i === raw.length - 1;
    if (encoded === "" && !last) return { ok: false, reason: "path has an empty segment ('//')" };
    let decoded: string;
    try {
      decoded = decodeURIComponent(encoded);
    } catch {
      return { ok: false, reason: "path has invalid percent-encoding" };
    }
    if (/%[0-9a-f]{2}/i.test(decoded)) return { ok: false, reason: "path is percent-encoded twice" };
    if (/[\u0000-\u001f\u007f]/.test(decoded)) return { ok: false, reason: "path has control characters" };
    // Servers that normalise Unicode read "／", "＼", "﹨" as slashes, "．", "․" as dots and "；" as
    // a semicolon: the second reading is of the NFKC form.
    const normalized = decoded.normalize("NFKC");
    const pieces = normalized.split(/[\\/]/);
    if (pieces.length > 1 || normalized !== decoded) encodedSlash = true;
    for (const [k, piece] of pieces.entries()) {
      const lastPiece = last && k === pieces.length - 1;
      if (pieces.length > 1 && piece === "" && !lastPiece)
        return { ok: false, reason: "path has an encoded '/' or '\\' next to another or at a segment's start" };
      const beforeParams = (piece.split(";", 1)[0] ?? "").normalize("NFKC");
      // Also full-width dots (`．．`), which servers that normalise Unicode read as `..`.
      if (beforeParams === "." || beforeParams === "..") return { ok: false, reason: "path has a '.' or '..' segment" };
      const read = serverReading(piece);
      if (read === "" && piece !== "" && !lastPiece) return { ok: false, reason: "path has a segment servers read as empty" };
      split.push(read);
    }
    segments.push(pieces.length > 1 || normalized !== decoded ? serverReading(decoded) : (split.at(-1) as string));
  }
  const path = `/${segments.map((s) => s.replaceAll("/", "%2F").replaceAll("\\", "%5C")).join("/")}`;
  return { ok: true, segments, path, ...(encodedSlash ? { split } : {}) };
}

/**
 * The form deny rules compare: case, width and accents folded the way servers may fold them
 * (`/ADMIN`, full-width `/ａｄｍｉｎ`, Java's `İ`/`ı` → `i`, `/ádmin`), so a deny rule
 * matches every spelling some server could route to the same handler.
 */
export const foldSegment = (segment: string) => segment.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replaceAll("ı", "i").normalize("NFKC");

/**
 * Matches decoded path segments against a glob (validated by the policy schema): `*` is one
 * non-empty segment, `**` zero or more. Dynamic programming keeps it linear in
 * segments × pattern parts, whatever the number of `**`.
 */
export function pathMatches(glob: string, segments: readonly string[], caseInsensitive = false): boolean {
  const parts = glob.slice(1).split("/");
  const fold = (s: string) => (caseInsensitive ? foldSegment(s) : s);
  // reach[j] is true when the first i segments can be matched by the first j parts.
  let reach: boolean[] = new Array<boolean>(parts.length + 1).fill(false);
  reach[0] = true;
  for (let j = 1; j <= parts.length; j++) reach[j] = parts[j - 1] === "**" && reach[j - 1] === true;
  for (const segment of segments) {
    const next: boolean[] = new Array<boolean>(parts.length + 1).fill(false);
    for (let j = 1; j <= parts.length; j++) {
      const part = parts[j - 1];
      if (part === "**") {
        next[j] = reach[j] === true || reach[j - 1] === true || next[j - 1] === true;
      } else if (part === "*") {
        next[j] = reach[j - 1] === true && segment !== "";
      } else {
        next[j] = reach[j - 1] === true && fold(part ?? "") === fold(segment);
      }
    }
    reach = next;
  }
  return reach[parts.length] === true;
}

/** Literal segments in a glob: a rough specificity used to pick among matching allow rules. */
export function globSpecificity(glob: string): number {
  return glob
    .slice(1)
    .split("/")
    .filter((part) => part !== "*" && part !== "**").length;
}
