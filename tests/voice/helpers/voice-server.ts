import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Db } from "@/db/client";
import { loadVoiceEnv, SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, type TVoiceEnv } from "@/voice-server/env";
import { silentLogger } from "@/voice-server/observability/log";
import { createOfflineLlm } from "@/voice-server/providers/llm/offline";
import type { TVoiceProviders } from "@/voice-server/providers/registry";
import { createOfflineStt } from "@/voice-server/providers/stt/offline-stt";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import type { TLlmProvider, TSttProvider, TTtsProvider } from "@/voice-server/providers/types";
import { createVoiceServer, type TVoiceServer, type TVoiceServerOptions } from "@/voice-server/server";
import type { TCallerOptions } from "./twilio-caller";

export const PUBLIC_URL = "https://voice.test";

export function offlineProviders(overrides: { stt?: TSttProvider; llm?: TLlmProvider; tts?: TTtsProvider } = {}): TVoiceProviders {
  // The offline speech-to-text the voice server runs by default (OFFLINE_STT unset: pocketsphinx).
  const offline = { stt: createOfflineStt(), llm: createOfflineLlm(), tts: createEspeakTts() };
  return { stt: overrides.stt ?? offline.stt, llm: overrides.llm ?? offline.llm, tts: overrides.tts ?? offline.tts, offline };
}

export type TTestVoiceServer = {
  server: TVoiceServer;
  env: TVoiceEnv;
  serverUrl: string;
  recordingsDir: string;
  accountSid: string;
  authToken: string;
  callerOptions(to: string, from?: string): TCallerOptions;
  stop(): Promise<void>;
};

// The real voice server in this process on a free port, signing against PUBLIC_URL as if behind a proxy.
export async function startTestVoiceServer(options: {
  db: Db;
  dbUrl: string;
  providers: TVoiceProviders;
  env?: Record<string, string>;
  twilioClientFor?: TVoiceServerOptions["twilioClientFor"];
}): Promise<TTestVoiceServer> {
  const recordingsDir = mkdtempSync(path.join(tmpdir(), "aica-rec-"));
  const env = loadVoiceEnv({
    NODE_ENV: "test",
    DATABASE_URL: options.dbUrl,
    VOICE_PORT: "0",
    VOICE_HOST: "127.0.0.1",
    VOICE_PUBLIC_URL: PUBLIC_URL,
    RECORDINGS_DIR: recordingsDir,
    SHUTDOWN_GRACE_MS: "2000",
    ...options.env,
  });
  const server = createVoiceServer({
    env,
    db: options.db,
    providers: options.providers,
    log: silentLogger,
    twilioClientFor: options.twilioClientFor,
  });
  const { port } = await server.listen();
  const serverUrl = `http://127.0.0.1:${port}`;
  return {
    server,
    env,
    serverUrl,
    recordingsDir,
    accountSid: env.twilio.accountSid,
    authToken: env.twilio.authToken,
    callerOptions: (to, from = "+15551230000") => ({
      serverUrl,
      publicUrl: PUBLIC_URL,
      accountSid: env.twilio.accountSid,
      authToken: env.twilio.authToken,
      from,
      to,
    }),
    async stop() {
      await server.close();
      rmSync(recordingsDir, { recursive: true, force: true });
    },
  };
}

export { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN };
