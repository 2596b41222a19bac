import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { securityHeaders } from "@/lib/http/security-headers";

// Security headers on every page and route, with a fresh CSP nonce per request. Next.js reads the nonce from the
// request's Content-Security-Policy header and puts it on its scripts, which is why the root layout renders
// dynamically (a prerendered page could not carry a per-request nonce).
export function proxy(request: NextRequest) {
  const config = env();
  const headers = securityHeaders({
    nonce: Buffer.from(crypto.randomUUID()).toString("base64"),
    pathname: request.nextUrl.pathname,
    isProduction: config.NODE_ENV === "production",
    voicePublicUrl: config.VOICE_PUBLIC_URL,
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]!);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Build assets are immutable files with their own content types; everything else, pages and API alike, passes.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
