// `npm start` (dist/start.mjs): the production build on one machine: web, voice and worker under
// NODE_ENV=production, stopped together. Needs `npm run build` and `npm run db:migrate` first, and the production
// environment (see README, Deployment). Nothing development-only runs: no embedded Postgres, no demo login, no
// Twilio sandbox, no generated secrets. For several machines, run start:web, start:voice and start:worker apart.
import { EnvError } from "@/lib/config/parse-env";
import { assertProductionEnv } from "@/lib/config/production-env";
import { VOICE_SERVER_PROD_ARGS } from "@/voice-server/launch";
import { relayFromOwnProcessGroup, runProcesses } from "./process-runner";

const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
try {
  // Each process checks again for itself; this names the problems once instead of three times.
  assertProductionEnv(env, "production start");
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  process.stderr.write(`npm start: ${error.message}\n`);
  process.exit(1);
}
if (!relayFromOwnProcessGroup()) {
  runProcesses([
    { name: "web", command: process.execPath, args: ["--enable-source-maps", "dist/web.mjs"], env },
    { name: "voice", command: process.execPath, args: VOICE_SERVER_PROD_ARGS, env },
    { name: "worker", command: process.execPath, args: ["--enable-source-maps", "dist/worker.mjs"], env },
  ]);
}
