import type { z } from "zod";
import { getDb, type Db } from "@/db/client";
import type { ApiKey, Team, TeamRole } from "@/db/schema";
import { ensureWebFieldEncryption } from "@/lib/crypto/web-key-ring";
import { findActiveApiKey, touchApiKey } from "@/lib/api-keys/api-keys";
import type { TEndpoint } from "@/lib/api/endpoints/define";
import type { TAuditActor } from "@/lib/audit/record-audit";
import { AppError, isAppError } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-body";
import { findNul, NUL_MESSAGE } from "@/lib/validation/free-text";
import { clientIp } from "./client-ip";
import { hitRateLimit } from "./rate-limit";
import { apiKeyRole, can } from "./roles";
import { log } from "@/lib/observability/log";

// The entry point of every /api/v1 route: resolves `Authorization: Bearer <key>` to the key's team, applies the
// per-key rate limit, checks the endpoint's permission, validates params, query and body with the endpoint's
// own schemas, and turns every failure into { error: { code, message } }.
//
// Scope model: a key belongs to exactly one team and acts with the current role of the member who created it there,
// capped at admin (roles.ts apiKeyRole): the same permission checks as that member's actions in the UI, never what
// needs an owner. It stops working once that member is removed or demoted below admin, and keys whose creator is
// unknown (created before keys recorded it, or the account was deleted) are refused: nobody vouches for them.
// Ids of another team's rows answer 404, like unknown ids.

export const API_RATE_LIMIT = { limit: 120, windowMs: 60_000 };

export type TApiContext = { db: Db; team: Team; apiKey: ApiKey; role: TeamRole; actor: TAuditActor; request: Request };

type TInput<E extends TEndpoint> = {
  params: E extends { params: infer S extends z.ZodType } ? z.output<S> : Record<string, never>;
  query: E extends { query: infer S extends z.ZodType } ? z.output<S> : Record<string, never>;
  body: E extends { body: infer S extends z.ZodType } ? z.output<S> : undefined;
};

type TResult<E extends TEndpoint> = E extends { status: 204 } ? null : E extends { contentType: string } ? Response : z.input<E["response"]>;

export function apiRoute<E extends TEndpoint>(endpoint: E, handler: (ctx: TApiContext, input: TInput<E>) => Promise<TResult<E>>) {
  const route = async (request: Request, context: { params: Promise<Record<string, string | string[]>> }): Promise<Response> => {
    const headers = new Headers();
    try {
      ensureWebFieldEncryption();
      const db = getDb();
      const key = bearerToken(request);
      if (!key) throw new AppError("unauthenticated", "Send an API key: `Authorization: Bearer <key>`.");
      const found = await findActiveApiKey(db, key);
      if (!found) throw new AppError("unauthenticated", "This API key is unknown or has been revoked.");
      const { apiKey, team } = found;
      const role = apiKeyRole(found.creatorRole);
      if (!role) {
        throw new AppError(
          "unauthenticated",
          apiKey.createdById
            ? "This API key no longer works: the member who created it is no longer an admin of this team. Create a new key."
            : "This API key no longer works: it has no known creator. Create a new key.",
        );
      }

      const limit = await hitRateLimit(db, `api-key:${apiKey.id}`, API_RATE_LIMIT);
      if (!limit.isAllowed) {
        const retryAfterSec = Math.max(1, Math.ceil(limit.retryAfterMs / 1000));
        headers.set("Retry-After", String(retryAfterSec));
        throw new AppError("rate_limited", `Rate limit of ${API_RATE_LIMIT.limit} requests per minute exceeded. Retry in ${retryAfterSec} s.`);
      }
      await touchApiKey(db, apiKey);
      if (!can(role, endpoint.permission)) {
        throw new AppError("forbidden", `This API key acts as ${role} (its creator's role, at most admin) and cannot do this.`);
      }

      const input = {
        params: parse(endpoint.params, await context.params, "path parameter"),
        query: parse(endpoint.query, queryObject(new URL(request.url)), "query parameter"),
        body: endpoint.body ? parse(endpoint.body, withoutNul(await readJsonBody(request)), "body") : undefined,
      } as TInput<E>;
      const actor: TAuditActor = {
        apiKeyId: apiKey.id,
        userId: apiKey.createdById ?? undefined,
        label: `API key ${apiKey.name} (${apiKey.prefix}…)`,
        ip: clientIp(request.headers),
      };
      const result = await handler({ db, team, apiKey, role, actor, request }, input);
      if (endpoint.status === 204) return new Response(null, { status: 204, headers });
      // File downloads (endpoint.contentType) build their own response.
      if (result instanceof Response) return result;
      return Response.json(result, { status: endpoint.status ?? 200, headers });
    } catch (error) {
      return apiErrorResponse(error, headers);
    }
  };
  // Lets the OpenAPI test check that each route file serves the endpoint its path and method claim.
  return Object.assign(route, { endpoint });
}

export function apiErrorResponse(error: unknown, headers = new Headers()): Response {
  if (isAppError(error)) {
    return Response.json({ error: { code: error.code, message: error.message, ...error.details } }, { status: error.status, headers });
  }
  log.error("api route failed", { error });
  return Response.json({ error: { code: "internal", message: "Internal error" } }, { status: 500, headers });
}

function bearerToken(request: Request): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

// A repeated key (?outcome=a&outcome=b) becomes an array; schemas that take one value reject it clearly.
function queryObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = out[key];
    out[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return out;
}

function withoutNul(body: unknown): unknown {
  const at = findNul(body);
  if (!at) return body;
  const path = at.join(".");
  throw new AppError("bad_request", `Invalid body${path ? ` ${path}` : ""}: ${NUL_MESSAGE}`, {
    issues: [{ path: at, message: NUL_MESSAGE, code: "invalid_format" }],
  });
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return {};
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: i.message,
    code: i.code,
  }));
  const first = issues[0];
  const at = first?.path.length ? ` ${first.path.join(".")}` : "";
  throw new AppError("bad_request", `Invalid ${where}${at}: ${first?.message ?? "invalid"}`, { issues });
}
