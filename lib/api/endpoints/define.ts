import { z } from "zod";
import type { TPermission } from "@/lib/auth/roles";

// What every /api/v1 endpoint declares, once: its method and path, the permission a key's role needs
// (lib/auth/roles.ts; the per-key rate limit is the same for all, lib/auth/api-key.ts), and the zod schemas that
// validate its requests. apiRoute() serves it from these and the OpenAPI document is generated from them, so the
// docs cannot drift from what the server accepts. JSON fields are snake_case; times are ISO 8601 UTC.

export type THttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export type TEndpoint = {
  method: THttpMethod;
  path: string; // OpenAPI style, relative to /api/v1: "/calls/{id}"
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  permission: TPermission;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  response: z.ZodType;
  status?: 200 | 201 | 204;
  // A response that is not JSON (a file download): the handler returns a Response, documented with this type.
  contentType?: string;
};

// Keeps the literal types (the schemas) for apiRoute's typed input; the list the API documents is ./index.ts.
export function defineEndpoint<const E extends TEndpoint>(endpoint: E): E {
  return endpoint;
}

// Building blocks shared by the areas.
export const ZId = z.uuid("Must be a UUID");
export const ZIdParams = z.object({ id: ZId });
export const ZTime = z.iso.datetime({ offset: true, error: "Must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z" });
export const ZLimit = z.coerce.number().int().min(1).max(100).default(50).describe("Page size, 1 to 100.");
export const ZCursor = z.string().min(1).max(500).optional().describe("The `next_cursor` of the previous page.");
const ZNextCursor = z.string().nullable().describe("Pass as `cursor` to get the next page; null on the last page.");

export function page<T extends z.ZodType>(item: T, id: string) {
  return z.object({ data: z.array(item), next_cursor: ZNextCursor }).meta({ id });
}
