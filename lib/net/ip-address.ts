import { isIP } from "node:net";

// One IP address as Postgres' inet accepts it, or null. Accepts what proxies put in X-Forwarded-For: a bare IPv4 or
// IPv6 address, IPv4 with a port, [IPv6] with or without a port. Anything else (a hostname, "unknown", garbage, a
// list) is null: a malformed header must never reach an inet column and fail the request that carries it.
export function parseIpAddress(raw: string | null | undefined): string | null {
  const value = raw?.trim();
  if (!value || value.length > 64) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value);
  const candidate = bracketed?.[1] ?? v4WithPort?.[1] ?? value;
  // Zone ids (fe80::1%eth0) are valid for isIP but meaningless across hosts and refused by inet.
  if (candidate.includes("%")) return null;
  return isIP(candidate) === 0 ? null : candidate.toLowerCase();
}
