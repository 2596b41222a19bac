import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } from "@/voice-server/env";
import { VOICE_SERVER_NODE_ARGS } from "@/voice-server/launch";
import { PUBLIC_URL } from "./voice-server";
import type { TCallerOptions } from "./twilio-caller";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export type TProcess = {
  name: string;
  child: ChildProcess;
  // Everything it printed, for a failing test's message.
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
};

// One of the project's processes, started the way production starts it (same Node flags and entry point).
export function startProcess(name: string, args: string[], env: Record<string, string> & { NODE_ENV: "development" | "production" | "test" }): TProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // Only what is given: nothing leaks in from the test runner's environment (its DATABASE_URL, keys, ...).
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    output: () => output.slice(-20_000),
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

export type TVoiceProcess = TProcess & {
  serverUrl: string;
  callerOptions(to: string, from?: string): TCallerOptions;
};

// A voice server as a real process (npm run voice), signing against PUBLIC_URL as if behind the same proxy as
// every other instance, with the offline providers (no keys) and the sandbox Twilio account.
export async function startVoiceProcess(
  name: string,
  options: { databaseUrl: string; recordingsDir: string; env?: Record<string, string> },
): Promise<TVoiceProcess> {
  const port = await freePort();
  const proc = startProcess(name, VOICE_SERVER_NODE_ARGS, {
    NODE_ENV: "test",
    DATABASE_URL: options.databaseUrl,
    VOICE_PORT: String(port),
    VOICE_HOST: "127.0.0.1",
    VOICE_PUBLIC_URL: PUBLIC_URL,
    RECORDINGS_DIR: options.recordingsDir,
    SHUTDOWN_GRACE_MS: "2000",
    ...options.env,
  });
  const serverUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const exited = await Promise.race([proc.exited, new Promise<null>((r) => setTimeout(() => r(null), 200))]);
    if (exited) throw new Error(`${name} exited (${exited.signal ?? exited.code}) before it listened:\n${proc.output()}`);
    const ok = await fetch(`${serverUrl}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${name} did not become healthy:\n${proc.output()}`);
    }
  }
  return {
    ...proc,
    serverUrl,
    callerOptions: (to, from = "+15551230000") => ({
      serverUrl,
      publicUrl: PUBLIC_URL,
      accountSid: SANDBOX_ACCOUNT_SID,
      authToken: SANDBOX_AUTH_TOKEN,
      from,
      to,
    }),
  };
}

// The worker as a real process, from source as `npm run worker` and `npm run dev` start it, with the offline
// analyzer (no Gemini key). Its only listener is the metrics one (METRICS_PORT, loopback here), whose /healthz
// answers once the worker has started: its first recovery sweep done and its analysis queue consuming.
export async function startWorkerProcess(
  name: string,
  options: { databaseUrl: string; recordingsDir: string; env?: Record<string, string> },
): Promise<TProcess> {
  const port = await freePort();
  const proc = startProcess(name, ["--import", "tsx", "worker/main.ts"], {
    NODE_ENV: "test",
    DATABASE_URL: options.databaseUrl,
    RECORDINGS_DIR: options.recordingsDir,
    METRICS_PORT: String(port),
    METRICS_HOST: "127.0.0.1",
    ...options.env,
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const exited = await Promise.race([proc.exited, new Promise<null>((r) => setTimeout(() => r(null), 200))]);
    if (exited) throw new Error(`${name} exited (${exited.signal ?? exited.code}) before it started:\n${proc.output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return proc;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${name} did not become healthy:\n${proc.output()}`);
    }
  }
}
