// Where to go after signing in or up: only a path of this site, anything else is `fallback`. The one check for every
// `next` / callbackUrl the app reads, so a crafted link cannot send a freshly signed-in user to another site.
// Refused: absolute URLs (https://evil.example), scheme-relative ones (//evil.example), backslashes, which browsers
// read as slashes (/\evil.example), schemes (javascript:), control characters and whitespace, which browsers strip
// (/\t/evil.example becomes //evil.example), and each of these percent-encoded, once or more.
const MAX_NEXT_LENGTH = 2048;
const ORIGIN = "http://next.invalid";

export function safeNextPath(raw: unknown, fallback: string): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_NEXT_LENGTH) return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u0020\u007f\\]/.test(raw)) return fallback;
  let decoded = raw;
  // Each decoding must still start like a local path; a value that decodes to "//host" is refused even though the
  // browser would keep it encoded, since some later hop (a proxy, another redirect) may decode it.
  for (let round = 0; round < 4; round++) {
    if (!startsLikeLocalPath(decoded)) return fallback;
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return fallback;
    }
    if (next === decoded) break;
    decoded = next;
  }
  let url: URL;
  try {
    url = new URL(raw, ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== ORIGIN) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

// "/" then anything but a second slash or backslash, once whitespace and control characters (which browsers drop
// from URLs) are taken out.
function startsLikeLocalPath(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is dropped
  const squeezed = value.replace(/[\u0000-\u0020\u007f]/g, "");
  return squeezed.startsWith("/") && !/^\/[/\\]/.test(squeezed);
}

// The same rule for an absolute URL Auth.js hands its redirect callback: same origin as the app, else the app root.
export function safeRedirectUrl(url: string, baseUrl: string): string {
  let target: URL;
  try {
    target = new URL(url, baseUrl);
  } catch {
    return baseUrl;
  }
  if (target.origin !== new URL(baseUrl).origin) return baseUrl;
  const path = safeNextPath(`${target.pathname}${target.search}${target.hash}`, "/");
  return new URL(path, baseUrl).toString();
}
