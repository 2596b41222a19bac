import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { calls, callEvents, callTurns, knowledgeEntries } from "@/db/schema";
import { waitForEndedCall } from "./helpers/records";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { setupScriptedVoiceServer } from "./helpers/scripted-voice-server";
import { TwilioCaller } from "./helpers/twilio-caller";

const HOURS_ANSWER =
  "We are open Monday to Friday from nine in the morning until five in the afternoon. On Saturdays we open at ten and close at two. We are closed on Sundays and public holidays.";

const harness = setupScriptedVoiceServer();
const { script } = harness;

async function callRow(callSid: string) {
  const [row] = await harness.testDb.db.select().from(calls).where(eq(calls.twilioCallSid, callSid));
  return row;
}

const waitForEnded = (callSid: string) => waitForEndedCall(harness.testDb.db, callSid);

describe("a call through the Twilio media stream", () => {
  it("greets the caller: audio frames, a mark echoed, and the greeting turn in the database", async () => {
    const agent = await seedAgent(harness.testDb.db, {
      accountSid: harness.voice.accountSid,
      config: { greeting: "Thanks for calling Acme Dental.", disclosure: "This call may be recorded." },
    });
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
    const webhook = await caller.dial();
    expect(webhook.status).toBe(200);
    expect(webhook.body).toContain("<Connect><Stream url=\"wss://voice.test/twilio/media/");

    const ringing = await callRow(caller.callSid);
    expect(ringing).toMatchObject({ teamId: agent.teamId, status: "ringing", agentVersionId: agent.versionId, toNumber: agent.e164 });

    await caller.connect();
    await caller.waitFor(() => caller.echoes().length >= 1, 15_000, "a mark echo");
    await caller.waitForAgentToFinish();
    const frames = caller.mediaFrames();
    expect(frames.length).toBeGreaterThan(50); // more than a second of speech
    expect(caller.partialFrameMessages).toBe(0);
    await caller.hangUp();

    const ended = await waitForEnded(caller.callSid);
    expect(ended).toMatchObject({ status: "completed", outcome: "abandoned", endReason: "caller_hangup" });
    expect(ended.answeredAt).not.toBeNull();
    expect(ended.recordingPath).toBe(`${agent.teamId}/${ended.id}.wav`);
    const turns = await harness.testDb.db.select().from(callTurns).where(eq(callTurns.callId, ended.id)).orderBy(asc(callTurns.seq));
    expect(turns.map((t) => [t.speaker, t.text, t.teamId])).toEqual([
      ["agent", "Thanks for calling Acme Dental. This call may be recorded.", agent.teamId],
    ]);
    expect(turns[0]?.isInterrupted).toBe(false);
  });

  it("answers a question from the agent's knowledge, with per-stage latency on the turn", async () => {
    const agent = await seedAgent(harness.testDb.db, {
      accountSid: harness.voice.accountSid,
      knowledge: [{ title: "What are your opening hours?", content: HOURS_ANSWER }],
    });
    script.push("What are your opening hours?");
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish();
    await caller.hearReplyTo(async () => caller.say(await speech("What are your opening hours?")), "the answer", { minFrames: 50 });
    await caller.hangUp();

    const ended = await waitForEnded(caller.callSid);
    expect(ended.outcome).toBe("resolved");
    expect(ended.turnCount).toBe(3);
    expect(ended.voiceToVoiceP50Ms).toBeGreaterThan(0);
    const turns = await harness.testDb.db
      .select()
      .from(callTurns)
      .where(and(eq(callTurns.teamId, agent.teamId), eq(callTurns.callId, ended.id)))
      .orderBy(asc(callTurns.seq));
    expect(turns.map((t) => t.speaker)).toEqual(["agent", "caller", "agent"]);
    expect(turns[1]?.text).toBe("What are your opening hours?");
    const answer = turns[2]!;
    expect(answer.text).toContain(HOURS_ANSWER);
    expect(answer.isInterrupted).toBe(false);
    expect(answer.knowledgeIds).toEqual(agent.knowledgeIds);
    // Every stage measured from the end of the caller's speech, in pipeline order.
    expect(answer.endpointingMs).toBeGreaterThanOrEqual(250);
    expect(answer.sttFinalMs).toBeGreaterThanOrEqual(answer.endpointingMs!);
    expect(answer.llmFirstTokenMs).toBeGreaterThanOrEqual(answer.sttFinalMs!);
    expect(answer.ttsFirstByteMs).toBeGreaterThanOrEqual(answer.llmFirstTokenMs!);
    expect(answer.firstAudioMs).toBeGreaterThanOrEqual(answer.ttsFirstByteMs!);
    expect(answer.startMs).toBeGreaterThan(turns[1]!.endMs);

    const [entry] = await harness.testDb.db.select().from(knowledgeEntries).where(eq(knowledgeEntries.id, agent.knowledgeIds[0]!));
    expect(entry?.usageCount).toBe(1);
    const events = await harness.testDb.db.select().from(callEvents).where(eq(callEvents.callId, ended.id));
    expect(events.every((e) => e.teamId === agent.teamId)).toBe(true);
    expect(events.map((e) => e.name)).toEqual(expect.arrayContaining(["stream_started", "stream_ended"]));
  });
});
