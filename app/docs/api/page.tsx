import type { Metadata } from "next";
import Link from "next/link";
import { API_RATE_LIMIT } from "@/lib/auth/api-key";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { env } from "@/lib/env";
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from "@/lib/webhooks/deliver";
import { WEBHOOK_EVENT_HELP, WEBHOOK_EVENTS } from "@/lib/webhooks/events";

export const metadata: Metadata = { title: "REST API" };
// APP_URL is read at request time, not baked in at build.
export const dynamic = "force-dynamic";

type TSchema = { $ref?: string; type?: string | string[]; properties?: Record<string, TSchema>; items?: TSchema; required?: string[]; enum?: unknown[]; description?: string; anyOf?: TSchema[]; format?: string; default?: unknown; minimum?: number; maximum?: number };
type TParameter = { name: string; in: string; required: boolean; description?: string; schema: TSchema };
type TOperation = { operationId: string; summary: string; description?: string; tags: string[]; parameters: TParameter[]; requestBody?: { content: { "application/json": { schema: TSchema } } }; responses: Record<string, { description: string; content?: Record<string, { schema: TSchema }> }> };

// Descriptions in the schemas use `backticks` for code, as in Markdown.
function Prose({ text }: { text?: string }) {
  if (!text) return null;
  return <>{text.split(/`([^`]+)`/).map((part, i) => (i % 2 === 1 ? <code key={i} className="rounded bg-slate-100 px-1 text-xs">{part}</code> : part))}</>;
}

const refName = (ref: string) => ref.split("/").at(-1) ?? ref;

function typeLabel(s: TSchema): React.ReactNode {
  if (s.$ref) return <a href={`#schema-${refName(s.$ref)}`} className="text-brand-700 hover:underline">{refName(s.$ref)}</a>;
  if (s.anyOf) return s.anyOf.map((a, i) => <span key={i}>{i > 0 && " | "}{typeLabel(a)}</span>);
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(" | ");
  if (s.type === "array" && s.items) return <>{typeLabel(s.items)}[]</>;
  const base = Array.isArray(s.type) ? s.type.join(" | ") : s.type ?? "any";
  const range = s.minimum !== undefined || s.maximum !== undefined ? ` (${s.minimum ?? "…"}–${s.maximum ?? "…"})` : "";
  return `${base}${s.format ? ` (${s.format})` : ""}${range}`;
}

function PropertyTable({ rows }: { rows: { name: string; schema: TSchema; required: boolean; description?: string }[] }) {
  if (rows.length === 0) return null;
  return (
    // On a phone each field is a block (name and type on one line, the description under them): three fixed columns
    // would push the page wider than the screen.
    <table className="mt-2 w-full text-left text-sm max-sm:block">
      <tbody className="divide-y divide-slate-100 max-sm:block">
        {rows.map((r) => (
          <tr key={r.name} className="align-top max-sm:block max-sm:py-1.5">
            <td className="w-48 py-1.5 pr-3 font-mono text-xs break-all text-slate-900 max-sm:inline max-sm:py-0">
              {r.name}
              {r.required && <span className="text-red-600">*</span>}
            </td>
            <td className="w-64 py-1.5 pr-3 font-mono text-xs text-slate-600 max-sm:inline max-sm:py-0 max-sm:pl-2">{typeLabel(r.schema)}</td>
            <td className="py-1.5 text-slate-600 max-sm:block max-sm:py-0.5">
              <Prose text={r.description ?? r.schema.description} />
              {r.schema.default !== undefined && <span className="text-slate-400"> Default: {JSON.stringify(r.schema.default)}.</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// Inline nested objects are listed field by field ("config.greeting"); named schemas stay links.
function propertiesOf(s: TSchema, prefix = ""): { name: string; schema: TSchema; required: boolean }[] {
  return Object.entries(s.properties ?? {}).flatMap(([name, schema]) => {
    const row = { name: `${prefix}${name}`, schema, required: s.required?.includes(name) ?? false };
    return schema.properties && !prefix ? [row, ...propertiesOf(schema, `${prefix}${name}.`)] : [row];
  });
}

function Code({ children }: { children: string }) {
  return <pre className="overflow-x-auto rounded-md bg-slate-900 p-4 text-xs leading-relaxed text-slate-100">{children}</pre>;
}

const VERIFY_SAMPLE = `import { createHmac, timingSafeEqual } from "node:crypto";

// header: the X-AICA-Signature request header; body: the raw request body (a string, before JSON.parse)
export function verifyWebhookSignature(secret, header, body, toleranceSec = 300) {
  const parts = Object.fromEntries(header.split(",").map((p) => p.trim().split("=")));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSec) return false;
  const expected = createHmac("sha256", secret).update(\`\${t}.\${body}\`).digest("hex");
  const given = String(parts.v1 ?? "");
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}`;

function duration(ms: number) {
  return ms >= 3600_000 ? `${ms / 3600_000} h` : `${ms / 60_000} min`;
}

export default function ApiDocsPage() {
  const base = `${env().APP_URL}/api/v1`;
  const doc = buildOpenApiDocument({ serverUrl: base });
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op: op as TOperation })),
  );
  const tags = [...new Set(operations.map((o) => o.op.tags[0] ?? "Other"))];
  const schemas = doc.components.schemas as Record<string, TSchema>;

  return (
    <main className="mx-auto max-w-5xl px-6 py-10">
      <header className="mb-8">
        <p className="text-sm font-medium text-brand-700">AI Call Agent</p>
        <h1 className="text-3xl font-semibold tracking-tight text-slate-900">REST API v1</h1>
        <p className="mt-2 text-slate-600">
          Read calls with transcripts and analysis, callers and the messages the agent took, manage agents and run their test suites, manage numbers and members, read analytics, set data retention and answer callers&apos; data requests. Base URL{" "}
          <code className="rounded bg-slate-100 px-1">{base}</code>. Machine-readable:{" "}
          <a href="/api/v1/openapi.json" className="text-brand-700 hover:underline">OpenAPI 3.1 document</a>.
        </p>
        <nav className="mt-4 flex flex-wrap gap-3 text-sm">
          {["Authentication", "Errors", "Pagination", "Rate limits", "Webhooks", ...tags, "Schemas"].map((s) => (
            <a key={s} href={`#${s.toLowerCase().replaceAll(" ", "-")}`} className="text-brand-700 hover:underline">{s}</a>
          ))}
        </nav>
      </header>

      <section id="authentication" className="mb-10 space-y-3">
        <h2 className="text-xl font-semibold text-slate-900">Authentication</h2>
        <p className="text-slate-600">
          Create a key in your team&apos;s <strong>Settings → API keys</strong> (admins only). It is shown once; we store only a hash. Send it on every
          request. A key belongs to one team and can do what an admin of that team can do, except removing owners; ids of other teams&apos; data answer 404.
          Revoked keys stop working immediately.
        </p>
        <Code>{`curl ${base}/calls?limit=10 \\\n  -H "Authorization: Bearer aica_live_…"`}</Code>
      </section>

      <section id="errors" className="mb-10 space-y-3">
        <h2 className="text-xl font-semibold text-slate-900">Errors</h2>
        <p className="text-slate-600">
          Errors use HTTP status codes and one JSON shape. Validation errors (400) list every invalid field in <code>issues</code>.
        </p>
        <Code>{`HTTP/1.1 400 Bad Request
{ "error": { "code": "bad_request", "message": "Invalid query parameter limit: Too big: expected number to be <=100",
    "issues": [{ "path": ["limit"], "message": "Too big: expected number to be <=100", "code": "too_big" }] } }`}</Code>
        <p className="text-sm text-slate-600">
          Codes: <code>bad_request</code> 400, <code>unauthenticated</code> 401, <code>forbidden</code> 403, <code>not_found</code> 404,{" "}
          <code>conflict</code> 409, <code>rate_limited</code> 429, <code>internal</code> 500.
        </p>
      </section>

      <section id="pagination" className="mb-10 space-y-3">
        <h2 className="text-xl font-semibold text-slate-900">Pagination</h2>
        <p className="text-slate-600">
          Lists answer <code>{`{ "data": [...], "next_cursor": "…" }`}</code>. Pass <code>next_cursor</code> back as <code>?cursor=</code> for the next page
          (with the same filters); it is <code>null</code> on the last page. <code>limit</code> is 1–100 (default 50). Cursors are keyset positions, so pages
          stay fast and stable while new calls arrive.
        </p>
      </section>

      <section id="rate-limits" className="mb-10 space-y-3">
        <h2 className="text-xl font-semibold text-slate-900">Rate limits</h2>
        <p className="text-slate-600">
          {API_RATE_LIMIT.limit} requests per minute per key. Above that the API answers <code>429</code> with a <code>Retry-After</code> header in seconds.
        </p>
      </section>

      <section id="webhooks" className="mb-10 space-y-3">
        <h2 className="text-xl font-semibold text-slate-900">Webhooks</h2>
        <p className="text-slate-600">
          Register URLs in <strong>Settings → Webhooks</strong>. Each event is POSTed as JSON:{" "}
          <code>{`{ "id", "type", "created_at", "team_id", "data" }`}</code>, with headers <code>X-AICA-Event</code>, <code>X-AICA-Delivery</code> (unique per
          delivery; use <code>id</code> of the body to de-duplicate retries and resends) and <code>X-AICA-Signature</code>. URLs must be{" "}
          <code>https://</code> on a public address: hosts that resolve to private, loopback or link-local addresses are refused, and redirects are not
          followed.
        </p>
        <ul className="list-disc pl-6 text-sm text-slate-600">
          {WEBHOOK_EVENTS.map((e) => (
            <li key={e}>
              <code>{e}</code>: {WEBHOOK_EVENT_HELP[e]}
            </li>
          ))}
        </ul>
        <p className="text-slate-600">
          Answer with any 2xx within 10 seconds. Anything else (or no answer) is retried after {RETRY_DELAYS_MS.map(duration).join(", ")}: at most{" "}
          {MAX_ATTEMPTS} attempts. Redirects are not followed. The delivery log in Settings shows every attempt and can resend.
        </p>
        <h3 className="font-semibold text-slate-900">Verifying the signature</h3>
        <p className="text-slate-600">
          <code>X-AICA-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</code>, where <code>v1</code> is HMAC-SHA256 with your endpoint&apos;s signing secret
          over <code>&lt;t&gt;.&lt;raw body&gt;</code>. Verify before parsing the body, and reject timestamps older than a few minutes to stop replays.
        </p>
        <Code>{VERIFY_SAMPLE}</Code>
      </section>

      {tags.map((tag) => (
        <section key={tag} id={tag.toLowerCase().replaceAll(" ", "-")} className="mb-10">
          <h2 className="mb-3 text-xl font-semibold text-slate-900">{tag}</h2>
          <div className="space-y-4">
            {operations
              .filter((o) => o.op.tags[0] === tag)
              .map(({ path, method, op }) => {
                const body = op.requestBody?.content["application/json"].schema;
                const bodySchema = body?.$ref ? schemas[refName(body.$ref)] : body;
                const [status, success] = Object.entries(op.responses)[0] ?? [];
                // File downloads (caller data exports) answer with another content type: named as such.
                const [contentType, content] = Object.entries(success?.content ?? {})[0] ?? [];
                const response = contentType === "application/json" ? content?.schema : undefined;
                return (
                  <article key={op.operationId} id={op.operationId} className="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
                    <h3 className="font-mono text-sm">
                      <span className="mr-2 rounded bg-slate-900 px-1.5 py-0.5 text-xs font-semibold text-white">{method}</span>
                      /api/v1{path}
                    </h3>
                    <p className="mt-2 font-medium text-slate-900">{op.summary}</p>
                    {op.description && <p className="mt-1 text-sm text-slate-600"><Prose text={op.description} /></p>}
                    {op.parameters.length > 0 && (
                      <>
                        <h4 className="mt-3 text-xs font-semibold uppercase text-slate-500">Parameters</h4>
                        <PropertyTable rows={op.parameters.map((p) => ({ name: `${p.name}${p.in === "path" ? " (path)" : ""}`, schema: p.schema, required: p.required, description: p.description }))} />
                      </>
                    )}
                    {bodySchema && (
                      <>
                        <h4 className="mt-3 text-xs font-semibold uppercase text-slate-500">JSON body</h4>
                        <PropertyTable rows={propertiesOf(bodySchema)} />
                      </>
                    )}
                    <p className="mt-3 text-sm text-slate-600">
                      Response <code>{status}</code>: {response ? typeLabel(response) : contentType ? <code>{contentType}</code> : success?.description}
                    </p>
                  </article>
                );
              })}
          </div>
        </section>
      ))}

      <section id="schemas" className="mb-10">
        <h2 className="mb-3 text-xl font-semibold text-slate-900">Schemas</h2>
        <div className="space-y-4">
          {Object.entries(schemas).map(([name, schema]) => (
            <article key={name} id={`schema-${name}`} className="rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
              <h3 className="font-mono text-sm font-semibold text-slate-900">{name}</h3>
              <PropertyTable rows={propertiesOf(schema)} />
            </article>
          ))}
        </div>
      </section>
      <footer className="text-sm text-slate-500">
        <Link href="/" className="hover:underline">AI Call Agent</Link>
      </footer>
    </main>
  );
}
