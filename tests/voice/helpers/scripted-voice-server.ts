import { afterAll, beforeAll } from "vitest";
import { createTestDb } from "@/tests/helpers/db";
import type { TLlmProvider } from "@/voice-server/providers/types";
import { createScriptedStt } from "./scripted-stt";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./voice-server";

// The voice server most voice tests run against: a fresh database, offline providers, and speech-to-text that hears
// what the test pushes to `script`, one entry per caller turn.

export type TScriptedVoiceServer = {
  testDb: Awaited<ReturnType<typeof createTestDb>>;
  voice: TTestVoiceServer;
  script: string[];
};

// Starts it before the file's tests and stops it after them; the fields are set once its beforeAll has run.
// `setup` runs in that beforeAll (after the hooks registered before this call): another LLM, more env variables.
export function setupScriptedVoiceServer(setup: () => { llm?: TLlmProvider; env?: Record<string, string> } = () => ({})): TScriptedVoiceServer {
  const harness = { script: [] as string[] } as TScriptedVoiceServer;
  beforeAll(async () => {
    harness.testDb = await createTestDb();
    const { llm, env } = setup();
    const stt = createScriptedStt(() => harness.script.shift() ?? "");
    harness.voice = await startTestVoiceServer({ db: harness.testDb.db, dbUrl: harness.testDb.url, providers: offlineProviders({ stt, llm }), env });
  });
  afterAll(async () => {
    await harness.voice?.stop();
    await harness.testDb?.drop();
  });
  return harness;
}
