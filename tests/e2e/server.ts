// The stack Playwright tests run against: throwaway embedded Postgres, migrations, the built web app
// (`next start`, so `npm run build` must have run) and the voice server.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { startTwilioSandbox } from "@/scripts/twilio-sandbox";
import { E2E } from "./env";
import { VOICE_SERVER_NODE_ARGS } from "@/voice-server/launch";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aica-e2e-"));
fs.rmSync(E2E.recordingsDir, { recursive: true, force: true });
fs.mkdirSync(E2E.recordingsDir, { recursive: true, mode: 0o755 });
fs.chmodSync(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: E2E.pgPort, persistent: false, fastUnsafe: true });
await migrateDatabase(pg.url);
// Numbers are bought from the fake Twilio REST API; tests inspect it at E2E.twilioUrl with the sandbox account.
const twilio = await startTwilioSandbox({ port: E2E.twilioPort, voicePublicUrl: `http://localhost:${E2E.voicePort}` });

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  DATABASE_URL: pg.url,
  AUTH_SECRET: E2E.authSecret,
  // Required in production: /metrics is never public.
  METRICS_TOKEN: "e2e-metrics-token-e2e-metrics",
  AUTH_TRUST_HOST: "true",
  APP_URL: E2E.baseUrl,
  VOICE_PORT: String(E2E.voicePort),
  VOICE_PUBLIC_URL: `http://localhost:${E2E.voicePort}`,
  RECORDINGS_DIR: E2E.recordingsDir,
  NEXT_TELEMETRY_DISABLED: "1",
  ...twilio.env,
};
const children: ChildProcess[] = [
  spawn(path.resolve("node_modules/.bin/next"), ["start", "-p", String(E2E.webPort)], { env, stdio: "inherit" }),
];
if (fs.existsSync("voice-server/main.ts")) {
  // Not "production" for the voice server: it would insist on an https public URL, and this stack is local.
  children.push(spawn(process.execPath, VOICE_SERVER_NODE_ARGS, { env: { ...env, NODE_ENV: "test" }, stdio: "inherit" }));
}

let isStopping = false;
async function stop() {
  if (isStopping) return;
  isStopping = true;
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  await twilio.close().catch(() => {});
  await pg.stop().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
for (const c of children) c.on("exit", (code) => !isStopping && (console.error(`e2e child exited with ${code}`), void stop()));
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
