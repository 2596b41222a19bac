import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { checkAddress, isIpLiteral } from "./public-address";

// A POST for URLs a tenant chose (webhooks). The host is resolved once, every address is checked, and the socket
// connects only to those checked addresses: a name that answers with a public address to the check and a private
// one to the connection (DNS rebinding) has nothing to race. Redirects are never followed.

export type TResolvedAddress = { address: string; family: 4 | 6 };
export type TResolveHost = (hostname: string) => Promise<TResolvedAddress[]>;

export const resolveHost: TResolveHost = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

// The destination is not allowed (a private address, credentials, another scheme); retrying will not change that until the DNS or the URL does.
export class BlockedDestinationError extends Error {
  constructor(message: string, readonly address: string | null) {
    super(message);
    this.name = "BlockedDestinationError";
  }
}

export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`No response within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`);
    this.name = "TimeoutError";
  }
}

export type TGuardedPostOptions = {
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  resolve?: TResolveHost;
  // Development and test escape hatch (WEBHOOKS_ALLOW_PRIVATE_URLS): connect to private addresses too.
  allowPrivateAddresses?: boolean;
  maxResponseBytes?: number;
};

export type TGuardedResponse = { status: number; headers: http.IncomingHttpHeaders; text: string };

// Resolves with any HTTP status (3xx included, unfollowed); rejects with BlockedDestinationError, RequestTimeoutError
// or the network error.
export async function guardedPost(rawUrl: string, options: TGuardedPostOptions): Promise<TGuardedResponse> {
  const url = new URL(rawUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new BlockedDestinationError(`blocked: ${url.protocol} URLs are not allowed`, null);
  if (url.username || url.password) throw new BlockedDestinationError("blocked: the URL contains credentials", null);
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const deadline = AbortSignal.timeout(options.timeoutMs);

  let addresses: TResolvedAddress[];
  if (isIpLiteral(hostname)) {
    addresses = [{ address: hostname, family: hostname.includes(":") ? 6 : 4 }];
    assertPublic(addresses, options, true);
  } else {
    addresses = await withDeadline((options.resolve ?? resolveHost)(hostname), deadline, options.timeoutMs);
    if (addresses.length === 0) throw new Error(`${hostname} did not resolve to any address`);
    assertPublic(addresses, options, false);
  }

  // Node calls this instead of DNS for non-literal hosts; it hands back only the addresses checked above.
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
    const usable = addresses.filter((a) => family === 0 || a.family === family);
    process.nextTick(() => {
      if (usable.length === 0) callback(Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
      else if (lookupOptions.all) callback(null, usable);
      else callback(null, usable[0]!.address, usable[0]!.family);
    });
  };

  const transport = url.protocol === "https:" ? https : http;
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  return new Promise<TGuardedResponse>((resolve, reject) => {
    const request = transport.request(
      {
        method: "POST",
        hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers: { ...options.headers, "Content-Length": String(Buffer.byteLength(options.body)) },
        lookup: pinned,
        // A fresh connection each time: a pooled socket could have been opened under other rules.
        agent: false,
        signal: deadline,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString("utf8") });
        response.on("data", (chunk: Buffer) => {
          if (size >= maxBytes) return;
          chunks.push(chunk.subarray(0, maxBytes - size));
          size += chunk.length;
          // The status is what matters; stop reading a huge body rather than buffer it.
          if (size >= maxBytes) {
            finish();
            response.destroy();
          }
        });
        response.on("end", finish);
        response.on("error", (error) => {
          if (size >= maxBytes) finish();
          else reject(deadline.aborted ? new RequestTimeoutError(options.timeoutMs) : error);
        });
      },
    );
    request.on("error", (error) => reject(deadline.aborted ? new RequestTimeoutError(options.timeoutMs) : error));
    request.end(options.body);
  });
}

// Every address must be public, not just the first: the socket may fall back to any of them.
function assertPublic(addresses: TResolvedAddress[], options: TGuardedPostOptions, isLiteral: boolean): void {
  if (options.allowPrivateAddresses) return;
  for (const a of addresses) {
    const check = checkAddress(a.address);
    if (check.isPublic) continue;
    const kind = check.reason === "private" ? "" : ` (${check.reason})`;
    throw new BlockedDestinationError(
      isLiteral ? `blocked: ${a.address} is a private address${kind}` : `blocked: resolves to a private address ${a.address}${kind}`,
      a.address,
    );
  }
}

async function withDeadline<T>(work: Promise<T>, deadline: AbortSignal, timeoutMs: number): Promise<T> {
  if (deadline.aborted) throw new RequestTimeoutError(timeoutMs);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RequestTimeoutError(timeoutMs));
    deadline.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener("abort", onAbort));
  });
}
