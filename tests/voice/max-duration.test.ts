import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "@/tests/helpers/db";
import { turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;

beforeAll(async () => {
  testDb = await createTestDb();
  voice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: offlineProviders({ stt: createScriptedStt(() => "Tell me more") }),
  });
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

describe("maximum call duration", () => {
  it("says a goodbye line at the agent's limit and ends the call, even mid-conversation", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid, config: { maxCallDurationSec: 30, silenceTimeoutSec: 60 } });
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    const startedAt = performance.now();
    // Keep talking so the silence timeout never applies.
    const chatter = (async () => {
      while (caller.isOpen && performance.now() - startedAt < 40_000) {
        await caller.say(await speech("Tell me more"));
        await new Promise((r) => setTimeout(r, 3_000));
      }
    })();
    await caller.waitClosed(45_000);
    await chatter;
    expect(performance.now() - startedAt).toBeGreaterThan(29_000);
    const call = await waitForEndedCall(testDb.db, caller.callSid);
    expect(call.endReason).toBe("max_duration");
    const turns = await turnsOf(testDb.db, call.id);
    // The caller kept talking, but could not cut the goodbye short or start another reply.
    const goodbye = turns.findIndex((t) => t.text === "We've reached the time limit for this call. Thank you for calling. Goodbye.");
    expect(goodbye).toBeGreaterThan(0);
    expect(turns[goodbye]).toMatchObject({ speaker: "agent", isInterrupted: false });
    expect(turns.slice(goodbye + 1).every((t) => t.speaker === "caller")).toBe(true);
  }, 60_000);
});
