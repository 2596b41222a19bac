import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTtsProvider } from "@/voice-server/providers/types";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import { createTestDb } from "@/tests/helpers/db";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// A TTS that takes TTS_DELAY_MS before its first byte, like a cloud voice on a bad day, and logs what it says.
const TTS_DELAY_MS = 1_500;
const synthesized: { text: string; at: number }[] = [];
function slowTts(): TTtsProvider {
  const inner = createEspeakTts();
  return {
    name: "slow-tts",
    voices: () => inner.voices(),
    async *synthesize(text, options) {
      synthesized.push({ text, at: performance.now() });
      await new Promise((resolve) => setTimeout(resolve, TTS_DELAY_MS));
      yield* inner.synthesize(text, options);
    },
  };
}

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;

beforeAll(async () => {
  testDb = await createTestDb();
  voice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: offlineProviders({ tts: slowTts(), stt: createScriptedStt([]) }),
  });
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

async function firstAudioAfterStart(caller: TwilioCaller): Promise<number> {
  const startedAt = performance.now();
  await caller.connect();
  await caller.waitFor(() => caller.mediaFrames().length > 0, 10_000, "the greeting");
  return caller.mediaFrames()[0]!.at - startedAt;
}

describe("greetings are synthesized before the stream starts", () => {
  it("at startup, for the published agents live numbers route to", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid, config: { greeting: "Hello from the warm cache.", disclosure: "" } });
    expect(await voice.server.warmGreetings()).toBeGreaterThanOrEqual(1);
    expect(synthesized.map((s) => s.text)).toContain("Hello from the warm cache.");
    const before = synthesized.length;

    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    // The first call after the restart starts from memory, not after the slow voice's first byte.
    expect(await firstAudioAfterStart(caller)).toBeLessThan(TTS_DELAY_MS / 2);
    expect(synthesized.length).toBe(before);
    await caller.hangUp();
  });

  it("when the webhook admits the call, while Twilio is still opening the stream", async () => {
    const agent = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      config: { greeting: "Thanks for calling the webhook clinic.", disclosure: "This call is recorded." },
    });
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    const dialedAt = performance.now();
    await caller.dial();
    // Synthesis began at the webhook, not at the stream's start.
    const greeting = synthesized.filter((s) => s.text.includes("webhook clinic") || s.text.includes("recorded"));
    expect(greeting.length).toBeGreaterThanOrEqual(1);
    expect(greeting.every((s) => s.at >= dialedAt)).toBe(true);
    // Real Twilio opens the stream a moment after the webhook; here the stream waits for the slow voice.
    await new Promise((resolve) => setTimeout(resolve, TTS_DELAY_MS + 500));
    const count = synthesized.length;
    expect(await firstAudioAfterStart(caller)).toBeLessThan(TTS_DELAY_MS / 2);
    expect(synthesized.length).toBe(count);
    await caller.hangUp();
  });
});
