// Opaque cursors for id-ordered collections (ids are time-ordered, see identity/crypto newId).
import { AppError } from "../errors.js";
import { bytesToBase64url, base64ToBytes } from "../identity/crypto.js";
import { ID_PATTERN } from "../ids.js";

export interface PageRequest {
  cursor?: string | undefined;
  limit: number;
}

export function encodeCursor(lastId: string): string {
  return bytesToBase64url(new TextEncoder().encode(`v1:${lastId}`));
}

/** Returns the id to continue after, or throws 400 for a cursor this API did not issue. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64ToBytes(cursor));
  } catch {
    throw new AppError("bad_request", "invalid cursor");
  }
  const id = text.startsWith("v1:") ? text.slice(3) : "";
  if (!ID_PATTERN.test(id)) throw new AppError("bad_request", "invalid cursor");
  return id;
}

/** Callers fetch limit + 1 rows; the extra row only tells whether another page exists. */
export function toPage<T extends { id: string }, U>(rows: T[], limit: number, map: (row: T) => U) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: more && last ? encodeCursor(last.id) : null };
}
