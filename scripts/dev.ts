// `npm run dev`: the whole product on embedded defaults. Starts Postgres (unless DATABASE_URL is set), applies
// migrations, seeds the demo team, then runs the web app, the voice server and the worker until Ctrl-C or until
// one of them stops; then it stops the others, the Twilio sandbox and Postgres, and exits.
// Development only: `npm start` is the production path (scripts/start.ts).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { closeDb, getDb } from "@/db/client";
import { leaveSignalsToCaller, startEmbeddedPostgres } from "@/db/embedded";
import { localVoiceUrl } from "@/lib/config/shared-env";
import { migrateDatabase } from "@/db/migrate";
import { DEMO_LOGIN, seedDemo } from "@/lib/demo/seed-demo";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { startTwilioSandbox, type TTwilioSandbox } from "./twilio-sandbox";
import { relayFromOwnProcessGroup, runProcesses } from "./process-runner";
import { VOICE_SERVER_NODE_ARGS } from "@/voice-server/launch";

const ROOT = process.cwd();
const { values: args } = parseArgs({ options: { "data-dir": { type: "string" } } });
// --data-dir: another home for Postgres' data and the generated secrets (tests run a throwaway one).
const DATA_DIR = path.resolve(args["data-dir"] ?? path.join(ROOT, ".data"));

function persistentSecret(file: string): string {
  const p = path.join(DATA_DIR, file);
  if (fs.existsSync(p)) return fs.readFileSync(p, "utf8").trim();
  const secret = randomBytes(32).toString("base64");
  fs.writeFileSync(p, secret, { mode: 0o600 });
  return secret;
}

async function main() {
  if (process.env.NODE_ENV === "production") {
    console.error("npm run dev is for development (embedded Postgres, demo login, Twilio sandbox). Use `npm start` in production.");
    process.exit(1);
  }
  leaveSignalsToCaller();
  if (relayFromOwnProcessGroup()) return;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  let stopDb = async () => {};
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    console.log(`▸ Starting embedded Postgres on 127.0.0.1:${port} (data in ${path.relative(ROOT, path.join(DATA_DIR, "pg")) || "."})`);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, "pg"), port, persistent: true });
    databaseUrl = pg.url;
    stopDb = pg.stop;
  } else {
    console.log("▸ Using DATABASE_URL");
  }
  let twilioSandbox: TTwilioSandbox | null = null;
  const cleanup = async () => {
    await twilioSandbox?.close().catch(() => {});
    await stopDb();
    console.log("▸ Stopped");
  };
  try {
    await migrateDatabase(databaseUrl);
    const seeded = await seedDemo(getDb(databaseUrl));
    await closeDb();

    const webPort = Number(process.env.PORT ?? 3000);
    // Both processes must agree on it (the web app hands it to browser test calls, Twilio posts to it).
    const voicePublicUrl = process.env.VOICE_PUBLIC_URL ?? localVoiceUrl(process.env.VOICE_PORT);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VOICE_PUBLIC_URL: voicePublicUrl,
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: process.env.AUTH_SECRET ?? persistentSecret("auth-secret"),
      AUTH_TRUST_HOST: process.env.AUTH_TRUST_HOST ?? "true",
      APP_URL: process.env.APP_URL ?? `http://localhost:${webPort}`,
      NEXT_TELEMETRY_DISABLED: "1",
    };
    // No Twilio account configured: a local fake Twilio REST API stands in, and both processes use it under the
    // voice server's sandbox account, so numbers can be bought and called and webhook signatures match.
    if (!process.env.TWILIO_ACCOUNT_SID) {
      twilioSandbox = await startTwilioSandbox({
        databaseUrl,
        secretKey: secretKeyFrom({ encryptionKey: process.env.ENCRYPTION_KEY, authSecret: env.AUTH_SECRET }),
        voicePublicUrl,
      });
      Object.assign(env, twilioSandbox.env);
      console.log(`▸ Twilio sandbox (simulated numbers) on ${twilioSandbox.fake.url}`);
    }
    runProcesses(
      [
        { name: "web", command: path.join(ROOT, "node_modules", ".bin", "next"), args: ["dev", "-p", String(webPort)], env },
        { name: "voice", command: process.execPath, args: VOICE_SERVER_NODE_ARGS, env },
        { name: "worker", command: process.execPath, args: ["--import", "tsx", "worker/main.ts"], env },
      ],
      { cleanup },
    );
    console.log(`
  AI Call Agent is starting on http://localhost:${webPort}
  ${seeded.isCreated ? "Demo team created." : "Demo team ready."} Sign in as ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}
  or create your own account at http://localhost:${webPort}/signup
`);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
