// The stack Playwright tests run against: throwaway embedded Postgres, migrations, the built web app
// (`next start`, so `npm run build` must have run) and the voice server.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { E2E } from "./env";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aica-e2e-"));
fs.chmodSync(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: E2E.pgPort, persistent: false, fastUnsafe: true });
await migrateDatabase(pg.url);

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  DATABASE_URL: pg.url,
  AUTH_SECRET: E2E.authSecret,
  AUTH_TRUST_HOST: "true",
  APP_URL: E2E.baseUrl,
  VOICE_PORT: String(E2E.voicePort),
  VOICE_PUBLIC_URL: `http://localhost:${E2E.voicePort}`,
  RECORDINGS_DIR: path.join(dir, "recordings"),
  NEXT_TELEMETRY_DISABLED: "1",
};
const children: ChildProcess[] = [
  spawn(path.resolve("node_modules/.bin/next"), ["start", "-p", String(E2E.webPort)], { env, stdio: "inherit" }),
];
if (fs.existsSync("voice-server/main.ts")) {
  children.push(spawn(path.resolve("node_modules/.bin/tsx"), ["voice-server/main.ts"], { env, stdio: "inherit" }));
}

let isStopping = false;
async function stop() {
  if (isStopping) return;
  isStopping = true;
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  await pg.stop().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
for (const c of children) c.on("exit", (code) => !isStopping && (console.error(`e2e child exited with ${code}`), void stop()));
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
