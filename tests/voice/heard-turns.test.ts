import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, callTurns } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// An agent turn is on record as soon as its first clause has been heard, and grows clause by clause: a voice
// server that dies mid-reply leaves what the caller heard (see tests/voice/crash-recovery.test.ts for the kill).

const HOURS_SENTENCES = [
  "We are open Monday to Friday from nine in the morning until five in the afternoon.",
  "On Saturdays we open at ten and close at two.",
  "We are closed on Sundays and public holidays.",
];

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
const script: string[] = [];

beforeAll(async () => {
  testDb = await createTestDb();
  const stt = createScriptedStt(() => script.shift() ?? "");
  voice = await startTestVoiceServer({ db: testDb.db, dbUrl: testDb.url, providers: offlineProviders({ stt }) });
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

const generationOf = (mark: string) => Number(/^g(\d+)s\d+$/.exec(mark)?.[1] ?? NaN);

async function callAskingHours(): Promise<{ caller: TwilioCaller; callId: string; answerGeneration: number }> {
  const agent = await seedAgent(testDb.db, {
    accountSid: voice.accountSid,
    knowledge: [{ title: "What are your opening hours?", content: HOURS_SENTENCES.join(" ") }],
  });
  script.push("What are your opening hours?");
  const caller = new TwilioCaller(voice.callerOptions(agent.e164));
  await caller.dial();
  await caller.connect();
  await caller.waitForAgentToFinish();
  const greetingGeneration = generationOf(caller.echoes()[0]!.name);
  await caller.say(await speech("What are your opening hours?"));
  await caller.waitFor(
    () => caller.echoes().some((e) => generationOf(e.name) > greetingGeneration && !e.wasCleared),
    20_000,
    "the first sentence of the answer to play",
  );
  const [row] = await testDb.db.select({ id: calls.id }).from(calls).where(eq(calls.twilioCallSid, caller.callSid));
  return { caller, callId: row!.id, answerGeneration: generationOf(caller.echoes().at(-1)!.name) };
}

async function waitForTurn(callId: string, seq: number) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const [turn] = await testDb.db.select().from(callTurns).where(and(eq(callTurns.callId, callId), eq(callTurns.seq, seq)));
    if (turn) return turn;
    if (Date.now() > deadline) throw new Error(`turn ${seq} was not written`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("agent turns are recorded as they are heard", () => {
  it("writes the reply once its first sentence has played, marked cut, then completes the same turn", async () => {
    const { caller, callId, answerGeneration } = await callAskingHours();
    // Mid-reply: the sentence heard is on record, marked interrupted, while the rest is still playing.
    const partial = await waitForTurn(callId, 3);
    expect(partial).toMatchObject({ speaker: "agent", isInterrupted: true });
    expect(partial.text).toContain(HOURS_SENTENCES[0]);
    expect(partial.text).not.toContain(HOURS_SENTENCES[2]);
    expect(caller.echoes().filter((e) => generationOf(e.name) === answerGeneration).length).toBeLessThan(HOURS_SENTENCES.length);

    await caller.waitForAgentToFinish(1_000, 30_000);
    await caller.hangUp();
    const call = await waitForEndedCall(testDb.db, caller.callSid);
    const turns = await turnsOf(testDb.db, call.id);
    // One row for the reply, complete and not interrupted: no duplicate from the partial writes.
    expect(turns.map((t) => [t.seq, t.speaker, t.isInterrupted])).toEqual([
      [1, "agent", false],
      [2, "caller", false],
      [3, "agent", false],
    ]);
    for (const sentence of HOURS_SENTENCES) expect(turns[2]!.text).toContain(sentence);
    expect(turns[2]!.firstAudioMs).not.toBeNull();
    expect(call.turnCount).toBe(3);
  });

  it("keeps a reply cut inside its first sentence on record, interrupted and with no words heard", async () => {
    const agent = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      knowledge: [
        { title: "What are your opening hours?", content: HOURS_SENTENCES.join(" ") },
        { title: "Where are you located?", content: "We are at 12 Harbor Street, next to the post office." },
      ],
    });
    const question = await speech("What are your opening hours?");
    const cutIn = await speech("Sorry, actually, where are you located?");
    script.push("What are your opening hours?", "Where are you located?");
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish();
    await caller.say(question);
    const before = caller.mediaFrames().length;
    // A fifth of a second into the answer's first sentence (about 5 s long), the caller talks over it.
    await caller.waitFor(() => caller.mediaFrames().length > before + 10, 20_000, "the answer to start");
    await caller.say(cutIn);
    await caller.waitFor(() => caller.clears().length > 0, 10_000, "the answer to be cut off");
    const afterCut = caller.mediaFrames().length;
    await caller.waitFor(() => caller.mediaFrames().length > afterCut + 25, 20_000, "the answer to the new question");
    await caller.waitForAgentToFinish(1_000, 30_000);
    await caller.hangUp();
    const call = await waitForEndedCall(testDb.db, caller.callSid);
    const turns = await turnsOf(testDb.db, call.id);
    expect(turns.map((t) => [t.speaker, t.isInterrupted])).toEqual([
      ["agent", false],
      ["caller", false],
      ["agent", true],
      ["caller", false],
      ["agent", false],
    ]);
    expect(turns[2]!.text).toBe("");
    expect(turns[2]!.firstAudioMs).not.toBeNull();
    expect(turns[4]!.text).toContain("Harbor Street");
  });

  it("keeps what was heard of a reply the caller hung up on, marked interrupted", async () => {
    const { caller } = await callAskingHours();
    await caller.hangUp();
    const call = await waitForEndedCall(testDb.db, caller.callSid);
    const turns = await turnsOf(testDb.db, call.id);
    expect(turns.map((t) => [t.speaker, t.isInterrupted])).toEqual([
      ["agent", false],
      ["caller", false],
      ["agent", true],
    ]);
    expect(turns[2]!.text).toContain(HOURS_SENTENCES[0]);
    expect(turns[2]!.text).not.toContain(HOURS_SENTENCES[2]);
    expect(call.turnCount).toBe(3);
  });
});
