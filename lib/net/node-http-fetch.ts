import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import zlib from "node:zlib";

// A `fetch` for SDKs that accept one (`@google/genai`'s httpOptions.fetch), on node:http with keep-alive agents.
//
// Node's built-in fetch (undici) runs every request through its fetch controller, request cloning and several
// layers of web streams; on a voice server that streams an LLM reply for each of hundreds of live calls, those
// hops are queued behind everything else on the event loop and showed up as milliseconds per turn at p99
// (bench:voice). This one hands the socket's bytes straight to a single web stream. It covers what the SDKs send:
// string or byte bodies, no redirects to follow (API endpoints answer directly), identity or compressed bodies.
// Anything else (a Request object, a stream body) goes to the global fetch.

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export const nodeHttpFetch = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
  const url = typeof input === "string" ? new URL(input) : input instanceof URL ? input : null;
  const body = init.body;
  const isPlainBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
  if (!url || !isPlainBody || (url.protocol !== "http:" && url.protocol !== "https:")) return fetch(input, init);

  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? null;
    if (signal?.aborted) return reject(signal.reason);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    headers["accept-encoding"] ??= "gzip, deflate, br";
    if (body !== undefined && body !== null) headers["content-length"] = String(Buffer.byteLength(body));
    const isHttps = url.protocol === "https:";
    const request = (isHttps ? https : http).request(url, {
      method: init.method ?? "GET",
      headers,
      agent: isHttps ? agents.https : agents.http,
    });
    let isSettled = false;
    const onAbort = () => {
      // Like fetch: the promise (or the body being read) fails with the signal's reason.
      request.destroy(signal?.reason instanceof Error ? signal.reason : undefined);
      if (!isSettled) {
        isSettled = true;
        reject(signal?.reason);
      }
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("close", () => signal?.removeEventListener("abort", onAbort));
    request.on("error", (error) => {
      if (isSettled) return;
      isSettled = true;
      reject(new TypeError("fetch failed", { cause: error }));
    });
    request.on("response", (response) => {
      isSettled = true;
      const status = response.statusCode ?? 0;
      const responseHeaders = new Headers();
      for (const [key, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(key, item);
      }
      let stream: Readable = response;
      const encoding = String(response.headers["content-encoding"] ?? "").toLowerCase();
      const decoder = encoding === "gzip" || encoding === "x-gzip" ? zlib.createGunzip() : encoding === "deflate" ? zlib.createInflate() : encoding === "br" ? zlib.createBrotliDecompress() : null;
      if (decoder) {
        response.on("error", (error) => decoder.destroy(error));
        stream = response.pipe(decoder);
        responseHeaders.delete("content-encoding");
        responseHeaders.delete("content-length");
      }
      const hasBody = !NULL_BODY_STATUSES.has(status) && init.method !== "HEAD";
      if (!hasBody) response.resume();
      resolve(
        new Response(hasBody ? (Readable.toWeb(stream) as ReadableStream<Uint8Array>) : null, {
          status,
          statusText: response.statusMessage ?? "",
          headers: responseHeaders,
        }),
      );
    });
    request.end(body ?? undefined);
  });
};
