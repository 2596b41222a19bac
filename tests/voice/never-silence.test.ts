import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "@/tests/helpers/db";
import { createOfflineLlm } from "@/voice-server/providers/llm/offline";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import { LINES } from "@/voice-server/session/spoken-lines";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt, NOISE, UNRECOGNIZED, type TScriptedTurn } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// Issue 16, "never silence": a caller turn with speech but no usable words gets a short reprompt, and the second
// in a row an offer of a message (or a person, when a department can take the call). The scripted engine stands
// in for the offline recognizer (same provider object, so its flags are trusted as that engine's).

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
const script: TScriptedTurn[] = [];

beforeAll(async () => {
  testDb = await createTestDb();
  const stt = createScriptedStt(() => script.shift() ?? "");
  const llm = createOfflineLlm();
  const tts = createEspeakTts();
  voice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: { stt, llm, tts, offline: { stt, llm, tts } },
    // A carrier line that can be handed over (no transfer happens here; the offer depends on it being possible).
    twilioClientFor: async () => null,
  });
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

// Says something, and waits for the agent to answer it (audio out) and finish.
async function sayAndHearReply(caller: TwilioCaller, text: string): Promise<number> {
  return caller.hearReplyTo(async () => caller.say(await speech(text)), `a spoken answer to "${text}"`);
}

describe("a caller turn with speech but no usable words", () => {
  it("gets a reprompt, then an offer to take a message; an understood turn starts the count again", async () => {
    const agent = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      knowledge: [
        { title: "What are your opening hours?", content: "We are open Monday to Friday from nine to five." },
      ],
    });
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish();

    script.push(UNRECOGNIZED);
    expect(await sayAndHearReply(caller, "What is the weather like today?")).toBeGreaterThan(25);
    script.push(UNRECOGNIZED);
    await sayAndHearReply(caller, "Is it going to rain this afternoon?");
    script.push("What are your opening hours?");
    await sayAndHearReply(caller, "What are your opening hours?");
    script.push(UNRECOGNIZED);
    await sayAndHearReply(caller, "And the weekend?");
    await caller.hangUp();

    const call = await waitForEndedCall(testDb.db, caller.callSid);
    const turns = (await turnsOf(testDb.db, call.id)).map((t) => ({ speaker: t.speaker, text: t.text }));
    expect(turns.slice(1, 3)).toEqual([
      { speaker: "agent", text: LINES.didNotCatch },
      { speaker: "agent", text: LINES.hardToHearMessage },
    ]);
    // No transfer is offered by an agent without departments; the unrecognized turns never became caller text.
    expect(LINES.hardToHearMessage).not.toMatch(/connect/);
    expect(turns[3]).toEqual({ speaker: "caller", text: "What are your opening hours?" });
    expect(turns[4]!.speaker).toBe("agent");
    expect(turns[4]!.text).toMatch(/nine/i);
    // Understood once: the count starts again, so a plain reprompt.
    expect(turns[5]).toEqual({ speaker: "agent", text: LINES.didNotCatch });
    expect(turns.filter((t) => t.speaker === "caller")).toHaveLength(1);
    const events = (await eventsOf(testDb.db, call.id)).filter((e) => e.name === "unrecognized_speech");
    expect(events.map((e) => e.data)).toMatchObject([
      { consecutive: 1, reply: "reprompt", isFlagged: true },
      { consecutive: 2, reply: "offer", isFlagged: true },
      { consecutive: 1, reply: "reprompt", isFlagged: true },
    ]);
  }, 90_000);

  it("offers a person too when a department can take the call", async () => {
    const agent = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      departments: [{ name: "Front desk", phoneNumber: "+14155550122", whenToTransfer: "anything" }],
    });
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish();
    script.push(UNRECOGNIZED, UNRECOGNIZED);
    await sayAndHearReply(caller, "Blah blah blah blah");
    await sayAndHearReply(caller, "Mumble mumble mumble");
    await caller.hangUp();
    const call = await waitForEndedCall(testDb.db, caller.callSid);
    const agentTurns = (await turnsOf(testDb.db, call.id)).filter((t) => t.speaker === "agent").map((t) => t.text);
    expect(agentTurns.slice(1)).toEqual([LINES.didNotCatch, LINES.hardToHearOffer]);
    expect(LINES.hardToHearOffer).toMatch(/take a message, or connect you to someone/);
  }, 60_000);

  it("lets noise go when the offline engine says it was noise", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid });
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish();
    script.push(NOISE);
    const before = caller.mediaFrames().length;
    await caller.say(await speech("Hmm"));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(caller.mediaFrames().length).toBe(before);
    await caller.hangUp();
    const call = await waitForEndedCall(testDb.db, caller.callSid);
    expect((await turnsOf(testDb.db, call.id)).filter((t) => t.speaker === "agent")).toHaveLength(1);
  }, 60_000);
});
