import { and, asc, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { callTurns, teamRedactionSettings } from "@/db/schema";
import { analyzeCall } from "@/lib/analysis/analyze-call";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { forgetRedactionSettings } from "@/lib/redaction/redaction-settings";
import { isSealedRecording } from "@/lib/recordings/recording-cipher";
import { FakeGemini } from "@/tests/fakes/gemini";
import { callerPeak, everyRowAsText, sealedRecordingOf, setupEncryptedCalls } from "./helpers/encrypted-calls";
import { waitForEndedCall } from "./helpers/records";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";

// A caller dictates a card number (in words, as speech-to-text writes it, and in digits), an SSN, an email and a
// phone number through a real call. None of what the team redacts may reach any table, the analysis request
// sent to the model, or the recording.

const SPOKEN_CARD = "My card number is four one one one one one one one one one one one one one one one";
const DIGIT_CARD = "or use 5555 5555 5555 4444 and my social is 123-45-6789";
const CONTACT = "write to jane.doe@example.com or call 415 555 2671";
const FORBIDDEN = ["four one one one", "4111111111111111", "4111 1111", "5555 5555", "5555555555554444", "123-45-6789", "123456789"];

const harness = setupEncryptedCalls();
let gemini: FakeGemini | undefined;

afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

async function callWith(lines: string[], setup?: (teamId: string) => Promise<void>) {
  const agent = await seedAgent(harness.testDb.db, { accountSid: harness.voice.accountSid });
  await setup?.(agent.teamId);
  const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
  await caller.dial();
  await caller.connect();
  await caller.waitForAgentToFinish();
  for (const line of lines) {
    harness.script.push(line);
    await caller.hearReplyTo(async () => caller.say(await speech("one two three four")), "the agent's answer");
  }
  await caller.hangUp();
  const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
  return { agent, call };
}

describe("PII redaction on a live call", () => {
  it("stores no card number or SSN anywhere, sends none to the analysis model, and silences them in the recording", async () => {
    const { agent, call } = await callWith([SPOKEN_CARD, DIGIT_CARD, CONTACT]);
    const turns = await harness.testDb.db.select().from(callTurns).where(eq(callTurns.callId, call.id)).orderBy(asc(callTurns.seq));
    const callerTurns = turns.filter((t) => t.speaker === "caller");
    expect(callerTurns.map((t) => [t.text, t.redactedKinds])).toEqual([
      ["My card number is [card number]", ["card_number"]],
      ["or use [card number] and my social is [SSN]", ["card_number", "ssn"]],
      // Emails and phone numbers are off by default.
      [CONTACT, null],
    ]);
    // Also what the caller left through the message tool.
    await takeCallerMessage(harness.testDb.db, { teamId: agent.teamId, callId: call.id, agentId: agent.agentId, callerName: "Jane", callbackNumber: "+14155552671", message: `charge ${DIGIT_CARD}` });

    gemini = await FakeGemini.start({
      firstTokenLatencyMs: 5,
      respond: () => ({
        json: { summary: "Caller gave payment details.", sentiment: "neutral", sentimentScore: 0, topic: "Payment", outcome: "resolved", turnSentiments: [], capturedFields: [] },
      }),
    });
    await analyzeCall(harness.testDb.db, { teamId: agent.teamId, callId: call.id }, { gemini: { apiKey: gemini.apiKey, baseUrl: gemini.url } });
    const sent = JSON.stringify(gemini.requests.map((r) => r.body));
    expect(sent).toContain("My card number is [card number]");
    for (const text of FORBIDDEN) expect(sent).not.toContain(text);

    const everything = await everyRowAsText(harness.testDb.db);
    expect(everything).toContain("[card number]");
    for (const text of FORBIDDEN) expect(everything).not.toContain(text);

    // The recording, once sealed, is silent over both redacted caller turns and not over the unredacted one.
    const { stored, wav } = await sealedRecordingOf(harness, { ...call, teamId: agent.teamId }, 10_000);
    expect(isSealedRecording(stored)).toBe(true);
    const [card1, card2, contact] = callerTurns;
    expect(callerPeak(wav, card1!.startMs, card1!.endMs)).toBe(0);
    expect(callerPeak(wav, card2!.startMs, card2!.endMs)).toBe(0);
    expect(callerPeak(wav, contact!.startMs, contact!.endMs)).toBeGreaterThan(1000);
  }, 120_000);

  it("redacts emails and phone numbers only for a team that turned them on", async () => {
    const { call } = await callWith([CONTACT], async (teamId) => {
      await harness.testDb.db.insert(teamRedactionSettings).values({ teamId, emails: true, phoneNumbers: true });
      forgetRedactionSettings(teamId);
    });
    const [turn] = await harness.testDb.db
      .select()
      .from(callTurns)
      .where(and(eq(callTurns.callId, call.id), eq(callTurns.speaker, "caller")));
    expect(turn).toMatchObject({ text: "write to [email] or call [phone number]", redactedKinds: ["phone_number", "email"] });
  }, 60_000);
});
