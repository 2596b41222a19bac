import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { calls, callTurns } from "@/db/schema";
import { askHoursUntilFirstSentence } from "./helpers/hours-call";
import { turnsOf, waitForEndedCall } from "./helpers/records";
import { setupScriptedVoiceServer } from "./helpers/scripted-voice-server";
import { HOURS_KNOWLEDGE, HOURS_SENTENCES, seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { generationOf, TwilioCaller } from "./helpers/twilio-caller";

// An agent turn is on record as soon as its first clause has been heard, and grows clause by clause: a voice
// server that dies mid-reply leaves what the caller heard (see tests/voice/crash-recovery.test.ts for the kill).

const harness = setupScriptedVoiceServer();

async function callAskingHours(): Promise<{ caller: TwilioCaller; callId: string; answerGeneration: number }> {
  const { caller, answerGeneration } = await askHoursUntilFirstSentence(harness);
  const [row] = await harness.testDb.db.select({ id: calls.id }).from(calls).where(eq(calls.twilioCallSid, caller.callSid));
  return { caller, callId: row!.id, answerGeneration };
}

async function waitForTurn(callId: string, seq: number) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const [turn] = await harness.testDb.db.select().from(callTurns).where(and(eq(callTurns.callId, callId), eq(callTurns.seq, seq)));
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
    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    const turns = await turnsOf(harness.testDb.db, call.id);
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
    const agent = await seedAgent(harness.testDb.db, {
      accountSid: harness.voice.accountSid,
      knowledge: [
        HOURS_KNOWLEDGE,
        { title: "Where are you located?", content: "We are at 12 Harbor Street, next to the post office." },
      ],
    });
    const question = await speech("What are your opening hours?");
    const cutIn = await speech("Sorry, actually, where are you located?");
    harness.script.push("What are your opening hours?", "Where are you located?");
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
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
    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    const turns = await turnsOf(harness.testDb.db, call.id);
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
    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    const turns = await turnsOf(harness.testDb.db, call.id);
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
