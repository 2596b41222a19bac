import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { calls, callTurns, teamRedactionSettings } from "@/db/schema";
import { analyzeCall } from "@/lib/analysis/analyze-call";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { forgetRedactionSettings } from "@/lib/redaction/redaction-settings";
import { openStoredRecording } from "@/lib/recordings/read-recording";
import { isSealedRecording } from "@/lib/recordings/recording-cipher";
import { FakeGemini } from "@/tests/fakes/gemini";
import { createTestDb } from "@/tests/helpers/db";
import { waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// A caller dictates a card number (in words, as speech-to-text writes it, and in digits), an SSN, an email and a
// phone number through a real call. None of what the team redacts may reach any table, the analysis request
// sent to the model, or the recording.

const SPOKEN_CARD = "My card number is four one one one one one one one one one one one one one one one";
const DIGIT_CARD = "or use 5555 5555 5555 4444 and my social is 123-45-6789";
const CONTACT = "write to jane.doe@example.com or call 415 555 2671";
const FORBIDDEN = ["four one one one", "4111111111111111", "4111 1111", "5555 5555", "5555555555554444", "123-45-6789", "123456789"];

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
let gemini: FakeGemini | undefined;
const masterKey = randomBytes(32);
const script: string[] = [];

beforeAll(async () => {
  testDb = await createTestDb();
  voice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: offlineProviders({ stt: createScriptedStt(() => script.shift() ?? "") }),
    env: { ENCRYPTION_KEY: masterKey.toString("base64") },
  });
});

afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

// Every row of every table, as text.
async function everyRowAsText(): Promise<string> {
  const tables = await testDb.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await testDb.db.execute<{ row: string }>(sql`select t::text as row from ${sql.identifier(table_name)} t`);
    for (const r of rows) parts.push(r.row);
  }
  return parts.join("\n");
}

async function callWith(lines: string[], setup?: (teamId: string) => Promise<void>) {
  const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid });
  await setup?.(agent.teamId);
  const caller = new TwilioCaller(voice.callerOptions(agent.e164));
  await caller.dial();
  await caller.connect();
  await caller.waitForAgentToFinish();
  for (const line of lines) {
    script.push(line);
    const before = caller.mediaFrames().length;
    await caller.say(await speech("one two three four"));
    await caller.waitFor(() => caller.mediaFrames().length > before + 25, 15_000, "the agent's answer");
    await caller.waitForAgentToFinish();
  }
  await caller.hangUp();
  const call = await waitForEndedCall(testDb.db, caller.callSid);
  return { agent, call };
}

describe("PII redaction on a live call", () => {
  it("stores no card number or SSN anywhere, sends none to the analysis model, and silences them in the recording", async () => {
    const { agent, call } = await callWith([SPOKEN_CARD, DIGIT_CARD, CONTACT]);
    const turns = await testDb.db.select().from(callTurns).where(eq(callTurns.callId, call.id)).orderBy(asc(callTurns.seq));
    const callerTurns = turns.filter((t) => t.speaker === "caller");
    expect(callerTurns.map((t) => [t.text, t.redactedKinds])).toEqual([
      ["My card number is [card number]", ["card_number"]],
      ["or use [card number] and my social is [SSN]", ["card_number", "ssn"]],
      // Emails and phone numbers are off by default.
      [CONTACT, null],
    ]);
    // Also what the caller left through the message tool.
    await takeCallerMessage(testDb.db, { teamId: agent.teamId, callId: call.id, agentId: agent.agentId, callerName: "Jane", callbackNumber: "+14155552671", message: `charge ${DIGIT_CARD}` });

    gemini = await FakeGemini.start({
      firstTokenLatencyMs: 5,
      respond: () => ({
        json: { summary: "Caller gave payment details.", sentiment: "neutral", sentimentScore: 0, topic: "Payment", outcome: "resolved", turnSentiments: [], capturedFields: [] },
      }),
    });
    await analyzeCall(testDb.db, { teamId: agent.teamId, callId: call.id }, { gemini: { apiKey: gemini.apiKey, baseUrl: gemini.url } });
    const sent = JSON.stringify(gemini.requests.map((r) => r.body));
    expect(sent).toContain("My card number is [card number]");
    for (const text of FORBIDDEN) expect(sent).not.toContain(text);

    const everything = await everyRowAsText();
    expect(everything).toContain("[card number]");
    for (const text of FORBIDDEN) expect(everything).not.toContain(text);

    // The recording, once sealed, is silent over both redacted caller turns and not over the unredacted one.
    await vi.waitFor(async () => {
      const [row] = await testDb.db.select().from(calls).where(eq(calls.id, call.id));
      expect(row?.recordingSealedAt).toBeInstanceOf(Date);
    }, 10_000);
    const stored = readFileSync(path.join(voice.recordingsDir, call.recordingPath!));
    expect(isSealedRecording(stored)).toBe(true);
    const wav = await openStoredRecording(testDb.db, { masterKeys: masterKeyRing(masterKey), teamId: agent.teamId, bytes: stored });
    const callerPeak = (startMs: number, endMs: number) => {
      let peak = 0;
      for (let f = Math.ceil(startMs * 8); f < Math.floor(endMs * 8) && 44 + f * 4 < wav.length; f++) peak = Math.max(peak, Math.abs(wav.readInt16LE(44 + f * 4)));
      return peak;
    };
    const [card1, card2, contact] = callerTurns;
    expect(callerPeak(card1!.startMs, card1!.endMs)).toBe(0);
    expect(callerPeak(card2!.startMs, card2!.endMs)).toBe(0);
    expect(callerPeak(contact!.startMs, contact!.endMs)).toBeGreaterThan(1000);
  }, 120_000);

  it("redacts emails and phone numbers only for a team that turned them on", async () => {
    const { call } = await callWith([CONTACT], async (teamId) => {
      await testDb.db.insert(teamRedactionSettings).values({ teamId, emails: true, phoneNumbers: true });
      forgetRedactionSettings(teamId);
    });
    const [turn] = await testDb.db
      .select()
      .from(callTurns)
      .where(and(eq(callTurns.callId, call.id), eq(callTurns.speaker, "caller")));
    expect(turn).toMatchObject({ text: "write to [email] or call [phone number]", redactedKinds: ["phone_number", "email"] });
  }, 60_000);
});
