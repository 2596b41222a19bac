// `npm run start:web` (dist/web.mjs): the web app's production server. Validates the environment first, so a
// missing secret stops the process with every problem named (Next.js would only fail at the first request that
// needs it), then runs Next.js' standalone server (next.config.ts output: "standalone") in this process.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EnvError } from "@/lib/config/parse-env";
import { env } from "@/lib/env";

const SERVER = fileURLToPath(new URL("../.next/standalone/server.js", import.meta.url));

try {
  const config = env();
  // The standalone server listens on HOSTNAME:PORT; HOSTNAME is often the machine's name in containers.
  process.env.HOSTNAME = config.WEB_HOST;
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  process.stderr.write(`web app: ${error.message}\n`);
  process.exit(1);
}
if (!existsSync(SERVER)) {
  process.stderr.write(`web app: ${SERVER} is missing. Run \`npm run build\` first.\n`);
  process.exit(1);
}
await import(SERVER);
