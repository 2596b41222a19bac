import { z } from "zod";

// Postgres text cannot hold U+0000: a query with it fails inside the database, which surfaced as a 500. Free text
// from a client (search boxes, filters) is checked here instead, with a message the client can act on.
// eslint-disable-next-line no-control-regex -- the NUL character is exactly what is refused
const NO_NUL = /^[^\u0000]*$/;
export const NUL_MESSAGE = "Must not contain NUL characters (\\u0000)";

export function zFreeText() {
  return z.string().regex(NO_NUL, NUL_MESSAGE);
}

export function hasNul(value: string): boolean {
  return !NO_NUL.test(value);
}

// The path of the first string holding a NUL in a parsed JSON body or form, or null. Used by the entry points
// (lib/auth/api-key.ts, lib/auth/entry-points.ts) so no body field can carry one into a text or jsonb column.
export function findNul(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === "string") return hasNul(value) ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findNul(item, [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = hasNul(key) ? [...path, key] : findNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
