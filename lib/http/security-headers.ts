// The security headers of every page and route (set by proxy.ts), built here so they can be tested without a
// server. The CSP allows scripts only from this origin or carrying the request's nonce, which Next.js adds to its
// own inline scripts when it finds the nonce in the request's CSP header.

export type TSecurityHeaderOptions = {
  nonce: string;
  pathname: string;
  isProduction: boolean;
  // VOICE_PUBLIC_URL: the browser's test calls open a WebSocket to it.
  voicePublicUrl: string;
};

// The agent section (list, new agent, builder with its test call) may use the microphone. A document keeps the
// policy of the URL it was loaded from, and navigations inside the app do not reload it, so the whole section gets
// it: creating an agent lands on its builder without a reload. The test call panel reloads the page once when it
// was reached from a page without it (components/agents/test-call-panel.tsx).
const MICROPHONE_PATH = /^\/t\/[^/]+\/agents(?:\/|$)/;

export function securityHeaders(options: TSecurityHeaderOptions): Record<string, string> {
  const voice = new URL(options.voicePublicUrl);
  const voiceWs = `${voice.protocol === "https:" ? "wss:" : "ws:"}//${voice.host}`;
  const csp = [
    "default-src 'self'",
    // React needs eval for its development-only debugging aids; production never gets it.
    `script-src 'self' 'nonce-${options.nonce}'${options.isProduction ? "" : " 'unsafe-eval'"}`,
    // Inline style attributes (React's style prop, the charts) cannot carry a nonce, and a nonce in style-src would
    // switch 'unsafe-inline' off. Styles cannot run code; scripts stay strict.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // Voice previews are played from blob: URLs; recordings stream from this origin.
    "media-src 'self' blob:",
    `connect-src 'self' ${voiceWs} ${voice.origin}`,
    // The test call's AudioWorklet module is loaded from /worklets on this origin (script-src covers it).
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const microphone = MICROPHONE_PATH.test(options.pathname) ? "(self)" : "()";
  const headers: Record<string, string> = {
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    // For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "Permissions-Policy": `microphone=${microphone}, camera=(), geolocation=(), payment=(), usb=(), display-capture=()`,
  };
  // Only production is served over HTTPS; HSTS on a development host would pin localhost to https for a year.
  if (options.isProduction) headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
  return headers;
}
