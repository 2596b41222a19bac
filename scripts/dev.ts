// `npm run dev`: the whole product on embedded defaults. Starts Postgres (unless DATABASE_URL is set), applies
// migrations, seeds the demo team, then runs the web app and the voice server until Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { startEmbeddedPostgres } from "@/db/embedded";
import { localVoiceUrl } from "@/lib/config/shared-env";
import { migrateDatabase } from "@/db/migrate";
import { DEMO_LOGIN, seedDemo } from "@/lib/demo/seed-demo";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { startTwilioSandbox, type TTwilioSandbox } from "./twilio-sandbox";
import { VOICE_SERVER_NODE_ARGS } from "@/voice-server/launch";

const ROOT = process.cwd();
const DATA_DIR = path.join(ROOT, ".data");
const isProd = process.argv.includes("--prod");

function persistentSecret(file: string): string {
  const p = path.join(DATA_DIR, file);
  if (fs.existsSync(p)) return fs.readFileSync(p, "utf8").trim();
  const secret = randomBytes(32).toString("base64");
  fs.writeFileSync(p, secret, { mode: 0o600 });
  return secret;
}

async function main() {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  let stopDb = async () => {};
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    console.log(`▸ Starting embedded Postgres on 127.0.0.1:${port} (data in .data/pg)`);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, "pg"), port, persistent: true });
    databaseUrl = pg.url;
    stopDb = pg.stop;
  } else {
    console.log("▸ Using DATABASE_URL");
  }
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
  let twilioSandbox: TTwilioSandbox | null = null;
  if (!process.env.TWILIO_ACCOUNT_SID) {
    twilioSandbox = await startTwilioSandbox({
      databaseUrl,
      secretKey: secretKeyFrom({ encryptionKey: process.env.ENCRYPTION_KEY, authSecret: env.AUTH_SECRET }),
      voicePublicUrl,
    });
    Object.assign(env, twilioSandbox.env);
    console.log(`▸ Twilio sandbox (simulated numbers) on ${twilioSandbox.fake.url}`);
  }
  const children: ChildProcess[] = [];
  const run = (name: string, command: string, args: string[]) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const prefix = (line: string) => `${name.padEnd(5)} │ ${line}`;
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = "";
      stream?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) console.log(prefix(line));
      });
    }
    child.on("exit", (code, signal) => {
      console.log(prefix(`exited (${signal ?? code})`));
      void shutdown(code ?? 1);
    });
    children.push(child);
  };
  const nextBin = path.join(ROOT, "node_modules", ".bin", "next");
  run("web", nextBin, isProd ? ["start", "-p", String(webPort)] : ["dev", "-p", String(webPort)]);
  if (fs.existsSync(path.join(ROOT, "voice-server", "main.ts"))) {
    run("voice", process.execPath, VOICE_SERVER_NODE_ARGS);
  }

  console.log(`
  AI Call Agent is starting on http://localhost:${webPort}
  ${seeded.isCreated ? "Demo team created." : "Demo team ready."} Sign in as ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}
  or create your own account at http://localhost:${webPort}/signup
`);

  let isShuttingDown = false;
  async function shutdown(code: number) {
    if (isShuttingDown) return;
    isShuttingDown = true;
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
    await twilioSandbox?.close().catch(() => {});
    await stopDb().catch(() => {});
    process.exit(code);
  }
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
