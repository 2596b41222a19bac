// `npm run build:server`: the voice server, the worker and the production launchers as plain JavaScript in dist/,
// so production runs them with `node` (no TypeScript loader). Packages stay external (node_modules, as installed);
// our own code, with the `@/` alias resolved through tsconfig.json, is bundled with source maps.
import { cpSync, existsSync, rmSync } from "node:fs";
import { build } from "esbuild";

const ENTRIES = {
  voice: "voice-server/main.ts",
  worker: "worker/main.ts",
  web: "scripts/start-web.ts",
  start: "scripts/start.ts",
};

rmSync("dist", { recursive: true, force: true });
const result = await build({
  entryPoints: ENTRIES,
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  packages: "external",
  tsconfig: "tsconfig.json",
  sourcemap: "linked",
  sourcesContent: false,
  // Shared code in chunks of its own rather than copied into each entry.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  metafile: true,
});
const outputs = Object.keys(result.metafile.outputs).filter((file) => !file.endsWith(".map") && !file.includes("/chunks/"));
console.log(`build:server: ${outputs.join(", ")}`);

// Next.js leaves the standalone server without its static files (they are meant for a CDN); serve them itself.
if (existsSync(".next/standalone/server.js")) {
  cpSync(".next/static", ".next/standalone/.next/static", { recursive: true });
  if (existsSync("public")) cpSync("public", ".next/standalone/public", { recursive: true });
  console.log("build:server: static assets copied into .next/standalone");
}
