import { availableParallelism } from "node:os";
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
    // Most of the suite's time is calls spoken and heard in real time (audio at the wire's pace), not CPU, so more
    // files run at once than there are cores: on 2 cores, 3 at a time took the suite from 22 to under 10 minutes
    // (Vitest's default is one fewer than the cores: a single file at a time here).
    maxWorkers: Math.max(3, availableParallelism() - 1),
    // next-auth imports "next/server" without an extension, which Node's ESM resolver refuses; Vite's resolves it.
    server: { deps: { inline: ["next-auth"] } },
  },
});
