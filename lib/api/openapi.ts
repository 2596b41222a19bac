import { z } from "zod";
import { V1_ENDPOINTS } from "./endpoints";
import type { TEndpoint } from "./endpoints/define";

// The OpenAPI 3.1 document of /api/v1, generated from the endpoints' own zod schemas (lib/api/endpoints/).

export const ZErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(["bad_request", "unauthenticated", "forbidden", "not_found", "conflict", "payload_too_large", "rate_limited", "internal"]),
      message: z.string(),
      issues: z
        .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string(), code: z.string() }))
        .optional()
        .describe("Present on validation errors: one entry per invalid field."),
    }),
  })
  .meta({ id: "Error" });

const COMPONENT_REF = "#/components/schemas/";
type TJsonSchema = Record<string, unknown>;

// Named schemas (.meta({ id })) become components; everything else is inlined.
function toSchema(schema: z.ZodType, io: "input" | "output", components: Record<string, TJsonSchema>): TJsonSchema {
  const raw = JSON.stringify(z.toJSONSchema(schema, { io, unrepresentable: "any" })).replaceAll('"#/$defs/', `"${COMPONENT_REF}`);
  const json = JSON.parse(raw) as TJsonSchema;
  delete json.$schema;
  const defs = json.$defs as Record<string, TJsonSchema> | undefined;
  delete json.$defs;
  for (const [id, def] of Object.entries(defs ?? {})) components[id] ??= def;
  return json;
}

function parametersOf(schema: z.ZodObject | undefined, where: "path" | "query", components: Record<string, TJsonSchema>) {
  if (!schema) return [];
  const json = toSchema(schema, "input", components);
  const properties = (json.properties ?? {}) as Record<string, TJsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: where, required: where === "path" || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

const ERROR_RESPONSES = {
  "400": "The request is invalid; `error.issues` lists each problem.",
  "401": "The API key is missing, unknown or revoked, or the member who created it is no longer an admin of the team.",
  "403": "The key's role (its creator's, at most admin) does not allow this.",
  "404": "No such resource in the key's team.",
  "409": "The resource is not in a state that allows this (e.g. an export that is not ready yet).",
  "413": "The request body is larger than 1 MB.",
  "429": "Rate limit exceeded; retry after the number of seconds in `Retry-After`.",
} as const;

export function buildOpenApiDocument(options: { serverUrl: string; endpoints?: readonly TEndpoint[] }) {
  const components: Record<string, TJsonSchema> = {};
  const errorRef = toSchema(ZErrorResponse, "output", components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of options.endpoints ?? V1_ENDPOINTS) {
    const status = String(e.status ?? 200);
    const operation = {
      operationId: e.operationId,
      summary: e.summary,
      ...(e.description ? { description: e.description } : {}),
      tags: [e.tag],
      parameters: [...parametersOf(e.params, "path", components), ...parametersOf(e.query, "query", components)],
      ...(e.body ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(e.body, "input", components) } } } } : {}),
      responses: {
        [status]:
          status === "204"
            ? { description: "Done." }
            : e.contentType
              ? { description: "Success.", content: { [e.contentType]: { schema: { type: "string", format: "binary" } } } }
              : { description: "Success.", content: { "application/json": { schema: toSchema(e.response, "output", components) } } },
        ...Object.fromEntries(
          Object.entries(ERROR_RESPONSES).map(([code, description]) => [
            code,
            { description, content: { "application/json": { schema: errorRef } } },
          ]),
        ),
      },
    };
    (paths[e.path] ??= {})[e.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "AI Call Agent API",
      version: "1.0.0",
      description:
        "Read calls with transcripts and analysis, manage agents, numbers and members, and read analytics for one team. " +
        "Authenticate with an API key from Settings → API keys: `Authorization: Bearer aica_live_…`.",
    },
    servers: [{ url: options.serverUrl }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An API key of the team, created in Settings → API keys." } },
    },
  };
}
export type TOpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
