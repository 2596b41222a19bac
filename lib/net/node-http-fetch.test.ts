import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { nodeHttpFetch } from "./node-http-fetch";

let server: Server | null = null;
let connections = 0;

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  connections = 0;
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => handler(req, res, body));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

describe("nodeHttpFetch", () => {
  it("sends method, headers and body, and streams the response as it arrives", async () => {
    const url = await serve((req, res, body) => {
      res.writeHead(200, { "Content-Type": "text/event-stream", "X-Echo": `${req.method} ${req.headers["x-api-key"]} ${body}` });
      res.write("data: one\n\n");
      setTimeout(() => res.end("data: two\n\n"), 30);
    });
    const response = await nodeHttpFetch(`${url}/v1/stream?alt=sse`, {
      method: "POST",
      headers: new Headers({ "x-api-key": "k1", "content-type": "application/json" }),
      body: '{"q":1}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-echo")).toBe('POST k1 {"q":1}');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe("data: one\n\n");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    expect(rest).toBe("data: two\n\n");
  });

  it("reuses one connection for requests in sequence", async () => {
    const url = await serve((_req, res) => res.end("ok"));
    for (let i = 0; i < 3; i++) expect(await (await nodeHttpFetch(url)).text()).toBe("ok");
    expect(connections).toBe(1);
  });

  it("decodes a gzip body and keeps error statuses readable", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(429, { "Content-Encoding": "gzip", "Content-Type": "application/json" });
      res.end(zlib.gzipSync(JSON.stringify({ error: { code: 429, message: "Resource exhausted" } })));
    });
    const response = await nodeHttpFetch(url);
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(await response.json()).toEqual({ error: { code: 429, message: "Resource exhausted" } });
  });

  it("fails with the signal's reason when aborted before or during the body", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.write("partial");
    });
    const early = new AbortController();
    early.abort(new Error("gave up"));
    await expect(nodeHttpFetch(url, { signal: early.signal })).rejects.toThrow("gave up");

    const late = new AbortController();
    const response = await nodeHttpFetch(url, { signal: late.signal });
    const reader = response.body!.getReader();
    await reader.read();
    late.abort(new Error("caller barged in"));
    await expect(reader.read()).rejects.toThrow();
  });

  it("reports an unreachable server as a fetch failure", async () => {
    const url = await serve((_req, res) => res.end());
    server!.close();
    server!.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(nodeHttpFetch(url)).rejects.toThrow("fetch failed");
  });
});
