// The /api/v1 route handlers called as Next.js calls them (a Request and a params promise), for the integration tests
// of the public API: one way to build the request and read the answer, instead of a copy in every test file.

export type TRouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

export type TRouteInit = { method?: string; body?: unknown; params?: Record<string, string> };

export type TRouteResult<TJson> = { status: number; headers: Headers; bytes: Buffer; json: TJson | null };

// `path` is below /api/v1; `key` is sent as the bearer token (null: no Authorization header). A string body is sent
// as it is (to test malformed JSON), anything else as JSON. `json` is the parsed body when the answer is JSON and not
// empty; `bytes` is the body as received (a download, a ZIP).
export async function callRoute<TJson = Record<string, unknown>>(
  handler: TRouteHandler,
  key: string | null,
  path: string,
  init: TRouteInit = {},
): Promise<TRouteResult<TJson>> {
  const headers = new Headers({ "content-type": "application/json" });
  if (key !== null) headers.set("authorization", `Bearer ${key}`);
  const request = new Request(`http://localhost/api/v1${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
  const response = await handler(request, { params: Promise.resolve(init.params ?? {}) });
  const bytes = Buffer.from(await response.arrayBuffer());
  const isJson = response.headers.get("content-type")?.includes("json") ?? false;
  return { status: response.status, headers: response.headers, bytes, json: isJson && bytes.length > 0 ? (JSON.parse(bytes.toString("utf8")) as TJson) : null };
}
