// GET /api/metrics - Prometheus metrics of this web process (CPU, memory, GC, event loop). Never public.
import { env } from "@/lib/env";
import { METRICS_CONTENT_TYPE, renderMetrics } from "@/lib/observability/metrics";
import { canReadMetrics, METRICS_UNAUTHORIZED_HEADERS } from "@/lib/observability/metrics-access";

export const dynamic = "force-dynamic";

// Route handlers do not see the socket. Next.js fills X-Forwarded-For with the peer address when the request has
// none, so a single loopback entry means a local client in development; a client can forge that header, which is
// why production requires METRICS_TOKEN (and the token, when set, is all that counts).
function peerAddress(request: Request): string | null {
  const entries = (request.headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return entries.length === 1 ? (entries[0] as string) : null;
}

export async function GET(request: Request): Promise<Response> {
  const { METRICS_TOKEN, NODE_ENV } = env();
  const access = { token: METRICS_TOKEN ?? null, isProduction: NODE_ENV === "production" };
  if (!canReadMetrics(access, { authorization: request.headers.get("authorization"), remoteAddress: peerAddress(request) })) {
    return new Response("Unauthorized", { status: 401, headers: METRICS_UNAUTHORIZED_HEADERS });
  }
  return new Response(await renderMetrics(), { headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" } });
}
