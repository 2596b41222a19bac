// The stack Playwright tests run against: throwaway embedded Postgres, migrations, and the production build of all
// three processes (`npm run build` must have run): the standalone web app, the compiled voice server and the
// compiled worker, all with NODE_ENV=production, as `npm start` runs them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { runProcesses } from "@/scripts/process-runner";
import { startTwilioSandbox } from "@/scripts/twilio-sandbox";
import { E2E } from "./env";
import { VOICE_SERVER_PROD_ARGS } from "@/voice-server/launch";

for (const file of ["dist/web.mjs", "dist/voice.mjs", "dist/worker.mjs", ".next/standalone/server.js"]) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before the e2e tests.`);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aica-e2e-"));
fs.rmSync(E2E.recordingsDir, { recursive: true, force: true });
fs.mkdirSync(E2E.recordingsDir, { recursive: true, mode: 0o755 });
fs.chmodSync(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: E2E.pgPort, persistent: false, fastUnsafe: true });
await migrateDatabase(pg.url);
// Numbers are bought from the fake Twilio REST API; tests inspect it at E2E.twilioUrl with the stack's account.
const twilio = await startTwilioSandbox({
  port: E2E.twilioPort,
  voicePublicUrl: `http://localhost:${E2E.voicePort}`,
  account: { accountSid: E2E.twilioAccountSid, authToken: E2E.twilioAuthToken },
});

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  DATABASE_URL: pg.url,
  AUTH_SECRET: E2E.authSecret,
  // Required in production: /metrics is never public.
  METRICS_TOKEN: "e2e-metrics-token-e2e-metrics",
  ENCRYPTION_KEY: E2E.encryptionKey,
  AUTH_TRUST_HOST: "true",
  APP_URL: E2E.baseUrl,
  PORT: String(E2E.webPort),
  VOICE_PORT: String(E2E.voicePort),
  // http is accepted in production for loopback hosts only: this stack is local.
  VOICE_PUBLIC_URL: `http://localhost:${E2E.voicePort}`,
  RECORDINGS_DIR: E2E.recordingsDir,
  NEXT_TELEMETRY_DISABLED: "1",
  // Admission control's dynamic limits are on in production; here the browser, the fakes and offline speech share
  // two small cores with the voice server, so its loop delay says nothing about its callers (tests/voice/admission.test.ts
  // covers the limits).
  VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "0",
  VOICE_ADMISSION_MAX_CPU: "0",
  // A quick worker for specs that wait on analyses.
  WORKER_ANALYSIS_CONCURRENCY: "4",
  ...twilio.env,
};
runProcesses(
  [
    { name: "web", command: process.execPath, args: ["--enable-source-maps", "dist/web.mjs"], env },
    { name: "voice", command: process.execPath, args: VOICE_SERVER_PROD_ARGS, env },
    { name: "worker", command: process.execPath, args: ["--enable-source-maps", "dist/worker.mjs"], env },
  ],
  {
    killAfterMs: 10_000,
    cleanup: async () => {
      await twilio.close().catch(() => {});
      await pg.stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  },
);
