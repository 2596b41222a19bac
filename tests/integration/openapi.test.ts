import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import type { TEndpoint } from "@/lib/api/endpoints/define";

vi.mock("server-only", () => ({}));

// Every route file under app/api/v1, found on disk, must be in the OpenAPI document with the same methods, and
// each handler must be built from the endpoint declaration that its file path and method name claim.
const V1_DIR = path.join(process.cwd(), "app", "api", "v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function routeFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) routeFiles(full, out);
    else if (entry.name === "route.ts") out.push(full);
  }
  return out;
}

// app/api/v1/calls/[id]/route.ts -> /calls/{id}
function openApiPath(file: string): string {
  const rel = path.relative(V1_DIR, path.dirname(file)).split(path.sep).filter(Boolean);
  return "/" + rel.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/");
}

type TJson = Record<string, unknown>;

describe("OpenAPI document", async () => {
  const { GET } = await import("@/app/api/v1/openapi.json/route");
  const doc = (await GET().json()) as TJson & { paths: Record<string, Record<string, TJson>>; components: { schemas: Record<string, TJson> } };
  const files = routeFiles(V1_DIR).filter((f) => openApiPath(f) !== "/openapi.json");

  it("is OpenAPI 3.1 with the API key scheme and schemas generated from zod", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components).toMatchObject({ securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } });
    const schemas = doc.components.schemas;
    for (const name of ["Call", "CallDetail", "CallTurn", "Agent", "AgentDetail", "AgentDraftPatch", "PhoneNumber", "Member", "Error", "CallPage"]) {
      expect(schemas[name], name).toBeDefined();
    }
    expect(schemas.CallPage).toMatchObject({ properties: { data: { type: "array", items: { $ref: "#/components/schemas/Call" } }, next_cursor: {} } });
    expect((schemas.Call as { required: string[] }).required).toEqual(expect.arrayContaining(["id", "started_at", "outcome", "captured_fields"]));
    expect(schemas.AgentDraftPatch).toMatchObject({ properties: { config: { properties: { endpointingSilenceMs: { type: "integer", minimum: 100, maximum: 3000 } } } } });
  });

  it("lists every route file under app/api/v1 with its methods, and nothing else", async () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    const fromDisk = new Set<string>();
    for (const file of files) {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      const p = openApiPath(file);
      const methods = METHODS.filter((m) => typeof mod[m] === "function");
      expect(methods.length, file).toBeGreaterThan(0);
      for (const m of methods) {
        fromDisk.add(`${m} ${p}`);
        expect(doc.paths[p]?.[m.toLowerCase()], `${m} ${p} is missing from openapi.json`).toBeDefined();
        const endpoint = (mod[m] as { endpoint?: TEndpoint }).endpoint;
        expect(endpoint, `${m} ${p} is not built with apiRoute()`).toBeDefined();
        expect(`${endpoint?.method} ${endpoint?.path}`).toBe(`${m} ${p}`);
      }
    }
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(new Set(documented)).toEqual(fromDisk);
  });

  it("documents path and query parameters, bodies and errors, with every $ref resolvable", () => {
    const listCalls = doc.paths["/calls"]?.get as { parameters: { name: string; in: string }[] };
    expect(listCalls.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(["from", "to", "agent_id", "outcome", "sentiment", "q", "cursor", "limit"]));
    const getCall = doc.paths["/calls/{id}"]?.get as { parameters: { name: string; in: string; required: boolean }[]; responses: Record<string, unknown> };
    expect(getCall.parameters).toEqual([expect.objectContaining({ name: "id", in: "path", required: true })]);
    expect(Object.keys(getCall.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "404", "429"]));
    expect(doc.paths["/agents/{id}"]?.patch).toMatchObject({ requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/AgentDraftPatch" } } } } });
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref.startsWith("#/components/schemas/"), ref).toBe(true);
      expect(doc.components.schemas[ref.replace("#/components/schemas/", "")], ref).toBeDefined();
    }
  });
});
