import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    environment: "node",
    include: ["{lib,db,voice-server,worker,scripts,components}/**/*.test.ts", "tests/{integration,fakes,voice,sim}/**/*.test.ts"],
    // tests/prod needs the build: npm run test:prod (vitest.prod.config.ts).
    globalSetup: ["./tests/setup/global-db.ts"],
    setupFiles: ["./tests/setup/field-encryption.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // next-auth imports "next/server" without an extension, which Node's ESM resolver refuses; Vite's resolves it.
    server: { deps: { inline: ["next-auth"] } },
  },
});
