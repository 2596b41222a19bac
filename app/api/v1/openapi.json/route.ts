// GET /api/v1/openapi.json - the OpenAPI 3.1 document, generated from the endpoints' zod schemas
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { env } from "@/lib/env";

// APP_URL is read at request time, not baked in at build.
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json(buildOpenApiDocument({ serverUrl: `${env().APP_URL}/api/v1` }), {
    headers: { "Cache-Control": "public, max-age=300" },
  });
}
