import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run test:prod`: the production start path, run by `npm test` after `npm run build` (it starts dist/ and
// .next/standalone). Not in the default run, which does not build.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    environment: "node",
    include: ["tests/prod/**/*.test.ts"],
    globalSetup: ["./tests/setup/global-db.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
