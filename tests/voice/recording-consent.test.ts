import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { calls, type Call } from "@/db/schema";
import type { TRecordingMode } from "@/lib/agents/config";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { openStoredRecording } from "@/lib/recordings/read-recording";
import { CallRecorder } from "@/voice-server/session/call-recorder";
import { CONSENT_LINES } from "@/voice-server/session/recording-consent";
import { createTestDb } from "@/tests/helpers/db";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent, type TSeededAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// Recording consent through the real loop (issue 13): with "Ask for consent" the disclosure asks, and only a yes
// (said, or 1 pressed) records, from that moment; a no, silence or a hang-up leaves no recording at all, and the
// timeline says which. "Do not record" never starts the recorder.

const GREETING = "Thanks for calling Acme Dental.";
const DISCLOSURE = "This call may be recorded for quality. Say yes or press 1 to allow it.";
const QUESTION = "Do you have parking?";

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
const masterKey = randomBytes(32);
const script: string[] = [];

beforeAll(async () => {
  testDb = await createTestDb();
  const stt = createScriptedStt(() => script.shift() ?? "");
  voice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: offlineProviders({ stt }),
    env: { ENCRYPTION_KEY: masterKey.toString("base64") },
  });
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

function agentWith(recordingMode: TRecordingMode): Promise<TSeededAgent> {
  return seedAgent(testDb.db, {
    accountSid: voice.accountSid,
    config: { greeting: GREETING, disclosure: DISCLOSURE, recordingMode },
    knowledge: [{ title: QUESTION, content: "Yes, there is free parking behind the building." }],
  });
}

async function liveCallOf(caller: TwilioCaller): Promise<Call> {
  const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, caller.callSid));
  return row!;
}

// Where the recorder would write this call: nothing may be there unless the call is recorded.
function spoolOf(call: Call): string {
  return CallRecorder.pathFor(voice.recordingsDir, call.teamId, call.id).absolute;
}

// A caller turn (what the recognizer makes of it is scripted) and the agent's whole answer to it.
async function say(caller: TwilioCaller, heardAs: string, audio: Uint8Array): Promise<void> {
  script.push(heardAs);
  await caller.hearReplyTo(() => caller.say(audio), `the answer to "${heardAs}"`, { timeoutMs: 30_000 });
}

async function consentEvents(callId: string) {
  return (await eventsOf(testDb.db, callId)).filter((e) => e.name === "recording_consent" || e.name === "recording_off" || e.name === "recording_discarded");
}

// The sealed recording, decrypted, and the loudest caller sample (left channel) between two stream offsets.
async function callerPeakOf(call: Call): Promise<(startMs: number, endMs: number) => number> {
  await vi.waitFor(async () => {
    const [row] = await testDb.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row?.recordingSealedAt).toBeInstanceOf(Date);
  }, 15_000);
  const stored = readFileSync(path.join(voice.recordingsDir, call.recordingPath!));
  const wav = await openStoredRecording(testDb.db, { masterKeys: masterKeyRing(masterKey), teamId: call.teamId, bytes: stored });
  return (startMs, endMs) => {
    let peak = 0;
    for (let f = Math.ceil(startMs * 8); f < Math.floor(endMs * 8) && 44 + f * 4 < wav.length; f++) peak = Math.max(peak, Math.abs(wav.readInt16LE(44 + f * 4)));
    return peak;
  };
}

describe("recording consent on a live call", () => {
  it("a spoken yes records from that moment on, acknowledged without the model", async () => {
    const agent = await agentWith("ask_consent");
    const yes = await speech("Yes, please.");
    const question = await speech(QUESTION);
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish(700, 30_000);
    // Asked, not yet answered: the recorder has not started.
    const live = await liveCallOf(caller);
    expect(existsSync(spoolOf(live))).toBe(false);

    await say(caller, "yes please", yes);
    await say(caller, QUESTION, question);
    await caller.hangUp();

    const call = await waitForEndedCall(testDb.db, caller.callSid);
    expect(call.recordingPath).not.toBeNull();
    const turns = await turnsOf(testDb.db, call.id);
    expect(turns.map((t) => [t.speaker, t.text])).toEqual([
      ["agent", `${GREETING} ${DISCLOSURE}`],
      ["caller", "yes please"],
      ["agent", CONSENT_LINES.given],
      ["caller", QUESTION],
      ["agent", expect.stringContaining("parking")],
    ]);
    expect((await consentEvents(call.id)).map((e) => e.data)).toEqual([{ answer: "yes", via: "speech", isRecorded: true }]);
    // Nothing of the caller before the yes was recorded; what they said after it was.
    const peak = await callerPeakOf(call);
    expect(peak(turns[1]!.startMs, turns[1]!.endMs)).toBe(0);
    expect(peak(turns[3]!.startMs, turns[3]!.endMs)).toBeGreaterThan(1000);
  }, 120_000);

  it("pressing 1, even over the disclosure, records; the key is the answer, not input for the model", async () => {
    const agent = await agentWith("ask_consent");
    const question = await speech(QUESTION);
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitFor(() => caller.echoes().length >= 1, 20_000, "the greeting to play");
    caller.pressDigit("1");
    const live = await liveCallOf(caller);
    await vi.waitFor(async () => expect((await turnsOf(testDb.db, live.id)).map((t) => t.text)).toContain(CONSENT_LINES.given), { timeout: 30_000, interval: 100 });
    await caller.waitForAgentToFinish(700, 30_000);
    // The disclosure was not cut by the key.
    expect(caller.clears()).toHaveLength(0);
    await say(caller, QUESTION, question);
    await caller.hangUp();

    const call = await waitForEndedCall(testDb.db, caller.callSid);
    expect(call.recordingPath).not.toBeNull();
    expect(call.disclosurePlayedAt).not.toBeNull();
    const turns = await turnsOf(testDb.db, call.id);
    expect(turns.map((t) => [t.speaker, t.text])).toEqual([
      ["agent", `${GREETING} ${DISCLOSURE}`],
      ["agent", CONSENT_LINES.given],
      ["caller", QUESTION],
      ["agent", expect.stringContaining("parking")],
    ]);
    expect((await consentEvents(call.id)).map((e) => e.data)).toEqual([{ answer: "yes", via: "keypad", isRecorded: true }]);
    const peak = await callerPeakOf(call);
    expect(peak(turns[2]!.startMs, turns[2]!.endMs)).toBeGreaterThan(1000);
  }, 120_000);

  it("a spoken no records nothing at all, and the timeline says so", async () => {
    const agent = await agentWith("ask_consent");
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish(700, 30_000);
    await say(caller, "no thank you", await speech("No, thank you."));
    await say(caller, QUESTION, await speech(QUESTION));
    const live = await liveCallOf(caller);
    expect(existsSync(spoolOf(live))).toBe(false);
    await caller.hangUp();

    const call = await waitForEndedCall(testDb.db, caller.callSid);
    expect(call.recordingPath).toBeNull();
    expect(existsSync(spoolOf(call))).toBe(false);
    const turns = await turnsOf(testDb.db, call.id);
    expect(turns.slice(1, 3).map((t) => t.text)).toEqual(["no thank you", CONSENT_LINES.declined]);
    expect((await consentEvents(call.id)).map((e) => e.data)).toEqual([{ answer: "no", via: "speech", isRecorded: false }]);
  }, 120_000);

  it("silence until the hang-up is no consent: nothing recorded", async () => {
    const agent = await agentWith("ask_consent");
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish(1_500, 30_000);
    await caller.hangUp();

    const call = await waitForEndedCall(testDb.db, caller.callSid);
    expect(call.recordingPath).toBeNull();
    expect(existsSync(spoolOf(call))).toBe(false);
    expect((await consentEvents(call.id)).map((e) => e.data)).toEqual([{ answer: "none", via: "hang_up", isRecorded: false }]);
  }, 120_000);

  it("do not record: the recorder never starts (nothing to discard afterwards), whatever the caller says", async () => {
    const agent = await agentWith("do_not_record");
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish(700, 30_000);
    await say(caller, "yes please", await speech("Yes, please."));
    const live = await liveCallOf(caller);
    expect(existsSync(spoolOf(live))).toBe(false);
    await caller.hangUp();

    const call = await waitForEndedCall(testDb.db, caller.callSid);
    expect(call.recordingPath).toBeNull();
    expect(existsSync(spoolOf(call))).toBe(false);
    const events = await consentEvents(call.id);
    expect(events.map((e) => [e.name, e.data])).toEqual([["recording_off", { reason: "do_not_record" }]]);
    // "yes" was an ordinary turn: answered by the model, not taken as consent.
    const turns = await turnsOf(testDb.db, call.id);
    expect(turns[2]?.text).not.toBe(CONSENT_LINES.given);
  }, 120_000);
});
