import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSmallest } from "@/tests/fakes/smallest";
import { createTestDb } from "@/tests/helpers/db";
import { createSmallestTts } from "@/voice-server/providers/tts/smallest";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// A cloud stage that fails for good hands the rest of the call to its offline engine; the caller keeps hearing
// the agent and the failure is on the call record.

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let smallest: FakeSmallest;

beforeAll(async () => {
  testDb = await createTestDb();
  smallest = await FakeSmallest.start({ firstByteLatencyMs: 20 });
});

afterAll(async () => {
  await smallest?.close();
  await testDb?.drop();
});

async function withServer(providers: ReturnType<typeof offlineProviders>, body: (voice: TTestVoiceServer) => Promise<void>) {
  const voice = await startTestVoiceServer({ db: testDb.db, dbUrl: testDb.url, providers });
  try {
    await body(voice);
  } finally {
    await voice.stop();
  }
}

describe("provider fallbacks", () => {
  it("TTS outage: every sentence still reaches the caller through the offline voice", async () => {
    const tts = createSmallestTts({ apiKey: smallest.apiKey, baseUrl: smallest.url, retryBudgetMs: 200 });
    smallest.faults.push({ kind: "status", status: 500 }, Infinity);
    try {
      await withServer(offlineProviders({ tts, stt: createScriptedStt([]) }), async (voice) => {
        const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid });
        const caller = new TwilioCaller(voice.callerOptions(agent.e164));
        await caller.dial();
        await caller.connect();
        await caller.waitForAgentToFinish(700, 20_000);
        expect(caller.mediaFrames().length).toBeGreaterThan(50);
        await caller.hangUp();
        const call = await waitForEndedCall(testDb.db, caller.callSid);
        const errors = (await eventsOf(testDb.db, call.id)).filter((e) => e.kind === "error");
        expect(errors.length).toBeGreaterThanOrEqual(1);
        expect(errors.every((e) => e.data.stage === "tts")).toBe(true);
        expect((await turnsOf(testDb.db, call.id))[0]?.text).toBe(agent.snapshot.config.greeting);
      });
    } finally {
      smallest.faults.clear();
    }
  });

  it("STT failure: the offline engine hears the turn again from the kept audio and the call goes on", async () => {
    const broken = createScriptedStt(["never used"], { name: "cloud-stt", failAfterFinals: 0 });
    const providers = offlineProviders({ stt: broken });
    await withServer(providers, async (voice) => {
      const agent = await seedAgent(testDb.db, {
        accountSid: voice.accountSid,
        config: { endpointingSilenceMs: 500 },
        knowledge: [{ title: "Do you have parking?", content: "Yes, there is free parking behind the building." }],
      });
      const caller = new TwilioCaller(voice.callerOptions(agent.e164));
      await caller.dial();
      await caller.connect();
      await caller.waitForAgentToFinish();
      await caller.hearReplyTo(async () => caller.say(await speech("Do you have parking?")), "the answer", { minFrames: 50, timeoutMs: 30_000 });
      await caller.hangUp();

      const call = await waitForEndedCall(testDb.db, caller.callSid);
      const events = await eventsOf(testDb.db, call.id);
      expect(events.find((e) => e.kind === "error")).toMatchObject({ data: { stage: "stt", provider: "cloud-stt" } });
      expect(events.find((e) => e.name === "stt_fallback_offline")).toMatchObject({ data: { to: providers.offline.stt.name } });
      const turns = await turnsOf(testDb.db, call.id);
      expect(turns[1]?.text.toLowerCase()).toContain("parking");
      expect(turns[2]?.text).toContain("free parking");
    });
  });
});
