import { env } from "@/lib/env";
import { parseIpAddress } from "@/lib/net/ip-address";

// The client's IP address, for per-IP rate limits and audit rows. Next.js route handlers and actions do not see
// the socket address; Next itself only fills X-Forwarded-For with it when the client sent none, so the header is
// whatever the client wants unless trusted proxies wrote it. Each proxy appends the address it received the
// request from, so with N trusted proxies in front of the app the N-th entry from the right was written by the
// outermost trusted proxy and is the client's address; everything left of it is client-supplied and ignored.
// With 0 (the default) no forwarded header is believed and the address is unknown (null); X-Real-IP is never read
// (a proxy that sets it also appends to X-Forwarded-For). A malformed entry is null too, never an error.
export function clientIp(headers: Headers, trustedProxyCount: number = env().TRUSTED_PROXY_COUNT): string | null {
  if (trustedProxyCount <= 0) return null;
  // Several X-Forwarded-For headers are joined with ", " by Headers.get, in order, as RFC 7239 proxies expect.
  const hops = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  if (hops.length < trustedProxyCount) return null;
  return parseIpAddress(hops[hops.length - trustedProxyCount]);
}

// The key of per-IP rate limits. Requests whose address is unknown share one bucket: with no trusted proxy
// configured, spraying sign-ins from one machine stays capped (the cost: the whole site shares that limit).
export function rateLimitIpKey(ip: string | null): string {
  return ip ?? "unknown";
}
