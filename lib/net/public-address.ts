import { isIPv4, isIPv6 } from "node:net";

// Decides whether an IP address is reachable on the public internet, so outbound requests made on a tenant's
// behalf (webhooks) cannot be pointed at this machine, the private network or the cloud metadata service.
// Anything unparseable counts as non-public: callers fail closed.

type TRange = { bytes: number[]; prefix: number; name: string };

// IANA special-purpose IPv4 registry, every block that is not globally reachable (plus multicast and broadcast).
const V4_RANGES: TRange[] = [
  v4("0.0.0.0", 8, "this network"),
  v4("10.0.0.0", 8, "private"),
  v4("100.64.0.0", 10, "carrier-grade NAT"),
  v4("127.0.0.0", 8, "loopback"),
  v4("169.254.0.0", 16, "link-local"),
  v4("172.16.0.0", 12, "private"),
  v4("192.0.0.0", 24, "IETF protocol assignments"),
  v4("192.0.2.0", 24, "documentation"),
  v4("192.88.99.0", 24, "6to4 relay"),
  v4("192.168.0.0", 16, "private"),
  v4("198.18.0.0", 15, "benchmarking"),
  v4("198.51.100.0", 24, "documentation"),
  v4("203.0.113.0", 24, "documentation"),
  v4("224.0.0.0", 4, "multicast"),
  v4("240.0.0.0", 4, "reserved"),
];

// Checked inside global unicast (2000::/3); everything outside it (::, ::1, fc00::/7, fe80::/10, ff00::/8 ...)
// is non-public already.
const V6_RANGES: TRange[] = [
  v6("2001:db8::", 32, "documentation"),
  v6("2001::", 23, "IETF protocol assignments"),
  v6("3fff::", 20, "documentation"),
];

const V6_NAMES: TRange[] = [
  v6("::", 128, "unspecified"),
  v6("::1", 128, "loopback"),
  v6("fc00::", 7, "unique local"),
  v6("fe80::", 10, "link-local"),
  v6("fec0::", 10, "site-local"),
  v6("ff00::", 8, "multicast"),
];

export type TAddressCheck = { isPublic: true } | { isPublic: false; reason: string };

// `reason` names the special range, e.g. "loopback" or "link-local", for error messages.
export function checkAddress(ip: string): TAddressCheck {
  const bare = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  if (isIPv4(bare)) return checkV4(parseV4(bare));
  if (isIPv6(bare)) {
    const bytes = parseV6(bare);
    return bytes ? checkV6(bytes) : { isPublic: false, reason: "invalid address" };
  }
  return { isPublic: false, reason: "not an IP address" };
}

export function isPublicAddress(ip: string): boolean {
  return checkAddress(ip).isPublic;
}

export function isIpLiteral(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return isIPv4(bare) || isIPv6(bare);
}

// Names that only mean something inside a network. Single-label names ("intranet", "db") resolve through the
// resolver's search domains, so they are local too.
const LOCAL_SUFFIXES = [".localhost", ".local", ".localdomain", ".internal", ".intranet", ".lan", ".home.arpa", ".corp"];

// For URL hosts at registration time, before any DNS: true when the host is an IP literal outside public space
// or a name that can only resolve locally. Delivery still resolves and checks every address.
export function isPrivateHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.+$/, "");
  if (isIpLiteral(h)) return !isPublicAddress(h);
  if (h === "" || h === "localhost" || !h.includes(".")) return true;
  return LOCAL_SUFFIXES.some((suffix) => h.endsWith(suffix));
}

function checkV4(bytes: number[]): TAddressCheck {
  const hit = V4_RANGES.find((r) => inRange(bytes, r));
  return hit ? { isPublic: false, reason: hit.name } : { isPublic: true };
}

function checkV6(bytes: number[]): TAddressCheck {
  const embedded = embeddedV4(bytes);
  if (embedded) return checkV4(embedded);
  const named = V6_NAMES.find((r) => inRange(bytes, r));
  if (named) return { isPublic: false, reason: named.name };
  if ((bytes[0]! & 0xe0) !== 0x20) return { isPublic: false, reason: "reserved" };
  const hit = V6_RANGES.find((r) => inRange(bytes, r));
  return hit ? { isPublic: false, reason: hit.name } : { isPublic: true };
}

// IPv6 forms that carry an IPv4 address the packet really goes to: IPv4-mapped (::ffff:a.b.c.d), NAT64
// (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::). The IPv4 address decides.
function embeddedV4(b: number[]): number[] | null {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12, 16);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return b.slice(12, 16);
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6);
  return null;
}

function inRange(bytes: number[], range: TRange): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

function parseV4(ip: string): number[] {
  return ip.split(".").map(Number);
}

function parseV6(ip: string): number[] | null {
  let text = ip.split("%")[0]!;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    if (!isIPv4(last)) return null;
    tail = parseV4(last);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = "", rest] = text.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return null;
  const all = [...left, ...Array<string>(missing).fill("0"), ...right];
  const bytes = all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [(n >> 8) & 0xff, n & 0xff];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function v4(ip: string, prefix: number, name: string): TRange {
  return { bytes: parseV4(ip), prefix, name };
}

function v6(ip: string, prefix: number, name: string): TRange {
  return { bytes: parseV6(ip)!, prefix, name };
}
