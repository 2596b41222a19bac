import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerMessages } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { createOfflineLlm } from "@/voice-server/providers/llm/offline";
import type { TLlmProvider } from "@/voice-server/providers/types";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// Issue 16: a caller who hangs up in the middle of leaving a message with the offline engine still leaves one,
// with what was heard and what was missing. Only the offline engine's dialog state is trusted for this.

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let offlineVoice: TTestVoiceServer;
let cloudVoice: TTestVoiceServer;
let slowVoice: TTestVoiceServer;
const script: string[] = [];

beforeAll(async () => {
  testDb = await createTestDb();
  const stt = () => createScriptedStt(() => script.shift() ?? "");
  offlineVoice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: offlineProviders({ stt: stt() }),
  });
  // A cloud model as the session sees it (another name), with the same answers: no message is guessed for it.
  const offline = createOfflineLlm();
  const cloud: TLlmProvider = { name: "gemini-fake", stream: (request) => offline.stream(request) };
  cloudVoice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: offlineProviders({ stt: stt(), llm: cloud }),
  });
  // Finals that come a second after the finalize: a hang-up right after speaking lands before them.
  const slowStt = createScriptedStt(() => script.shift() ?? "", { latencyMs: 1_000 });
  slowVoice = await startTestVoiceServer({ db: testDb.db, dbUrl: testDb.url, providers: offlineProviders({ stt: slowStt }) });
});

afterAll(async () => {
  await offlineVoice?.stop();
  await cloudVoice?.stop();
  await slowVoice?.stop();
  await testDb?.drop();
});

async function callAndHangUp(voice: TTestVoiceServer, lines: string[], from: string) {
  const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid });
  const caller = new TwilioCaller(voice.callerOptions(agent.e164, from));
  await caller.dial();
  await caller.connect();
  await caller.waitForAgentToFinish();
  for (const line of lines) {
    script.push(line);
    await caller.hearReplyTo(async () => caller.say(await speech(line)), `an answer to "${line}"`);
  }
  await caller.hangUp();
  const call = await waitForEndedCall(testDb.db, caller.callSid);
  const messages = await testDb.db.select().from(callerMessages).where(eq(callerMessages.callId, call.id));
  return { agent, call, messages };
}

describe("a message cut short by the caller hanging up", () => {
  it("is stored with the name and number heard and says what was missing", async () => {
    const { agent, call, messages } = await callAndHangUp(
      offlineVoice,
      ["I'd like to leave a message", "my name is Lena Fischer", "nine one seven five five five zero one four two"],
      "+15551230077",
    );
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message).toMatchObject({ teamId: agent.teamId, agentId: agent.agentId, callerName: "Lena Fischer" });
    expect(message!.callbackNumber).toMatch(/9175550142$/);
    expect(message!.message).toMatch(/hung up before the message was finished; not given: the message itself/);
    expect(call.outcome).toBe("message_taken");
    const events = await eventsOf(testDb.db, call.id);
    expect(events.find((e) => e.kind === "tool_call" && e.name === "take_message")?.data).toMatchObject({
      atHangUp: true,
      ok: true,
    });
  }, 90_000);

  it("keeps the number the caller called from when they had not given one yet", async () => {
    const { messages } = await callAndHangUp(offlineVoice, ["can you take a message", "Omar"], "+15551230088");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ callerName: "Omar", callbackNumber: "+15551230088" });
    expect(messages[0]!.message).toMatch(
      /not given: a callback number \(the number they called from is kept\), the message itself/,
    );
  }, 90_000);

  it("keeps the words said just before the hang-up, in the transcript and in the message", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: slowVoice.accountSid });
    const caller = new TwilioCaller(slowVoice.callerOptions(agent.e164, "+15551230055"));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish();
    for (const line of ["I'd like to leave a message", "my name is Lena Fischer"]) {
      script.push(line);
      await caller.hearReplyTo(async () => caller.say(await speech(line)), `an answer to "${line}"`);
    }
    const last = "nine one seven five five five zero one four two";
    script.push(last);
    await caller.say(await speech(last));
    await caller.hangUp();
    const call = await waitForEndedCall(testDb.db, caller.callSid);
    const turns = await turnsOf(testDb.db, call.id);
    expect(turns.at(-1)).toMatchObject({ speaker: "caller", text: last });
    const messages = await testDb.db.select().from(callerMessages).where(eq(callerMessages.callId, call.id));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ teamId: agent.teamId, callerName: "Lena Fischer" });
    expect(messages[0]!.callbackNumber).toMatch(/9175550142$/);
  }, 90_000);

  it("stores nothing when no message was started, nor for a cloud model", async () => {
    const { messages: none } = await callAndHangUp(offlineVoice, ["Hello there"], "+15551230099");
    expect(none).toHaveLength(0);
    const { messages: cloud } = await callAndHangUp(
      cloudVoice,
      ["I'd like to leave a message", "my name is Lena Fischer", "nine one seven five five five zero one four two"],
      "+15551230066",
    );
    expect(cloud).toHaveLength(0);
  }, 90_000);
});
