import { timingSafeEqual } from "node:crypto";

// Who may read /metrics. Metrics tell an outsider how busy a tenant's lines are and which errors happen, so they
// are never public: with METRICS_TOKEN set, only `Authorization: Bearer <token>`; without it (development and
// tests only, production refuses to start without one) only a client on this machine.

export type TMetricsAccess = { token: string | null; isProduction: boolean };

export type TMetricsRequest = {
  authorization: string | null | undefined;
  // The peer's address; null when unknown, which never passes without the token.
  remoteAddress: string | null | undefined;
};

export function isLoopbackAddress(address: string | null | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  return a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

function tokenMatches(expected: string, header: string | null | undefined): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function canReadMetrics(access: TMetricsAccess, request: TMetricsRequest): boolean {
  if (access.token) return tokenMatches(access.token, request.authorization);
  if (access.isProduction) return false;
  return isLoopbackAddress(request.remoteAddress);
}

export const METRICS_UNAUTHORIZED_HEADERS = { "content-type": "text/plain", "www-authenticate": 'Bearer realm="metrics"' };
