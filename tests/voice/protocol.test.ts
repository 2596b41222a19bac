import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import twilio from "twilio";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, callerMessages } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent, type TSeededAgent } from "./helpers/seed";
import { postTwilioForm, TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, PUBLIC_URL, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
let agent: TSeededAgent;

beforeAll(async () => {
  testDb = await createTestDb();
  voice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: offlineProviders({ stt: createScriptedStt([]) }),
  });
  agent = await seedAgent(testDb.db, { accountSid: voice.accountSid, concurrentCallLimit: 20 });
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

function upgrade(path: string, signature?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(voice.serverUrl.replace("http", "ws") + path, {
      headers: signature ? { "x-twilio-signature": signature } : {},
    });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("error", reject);
  });
}

describe("signatures", () => {
  it("rejects the voice webhook with a missing, forged or foreign-account signature", async () => {
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    const params = caller.webhookParams();
    expect((await postTwilioForm({ ...caller.options, signature: null }, "/twilio/voice", params)).status).toBe(403);
    expect((await postTwilioForm({ ...caller.options, signature: "bm90IGEgc2lnbmF0dXJl" }, "/twilio/voice", params)).status).toBe(403);
    expect((await postTwilioForm({ ...caller.options, authToken: "someone-elses-token" }, "/twilio/voice", params)).status).toBe(403);
    const foreign = { ...params, AccountSid: `AC${randomBytes(16).toString("hex")}` };
    expect((await postTwilioForm(caller.options, "/twilio/voice", foreign)).status).toBe(403);
    // Signed over another URL (the internal one instead of VOICE_PUBLIC_URL).
    const internal = twilio.getExpectedTwilioSignature(voice.authToken, `${voice.serverUrl}/twilio/voice`, params);
    expect((await postTwilioForm({ ...caller.options, signature: internal }, "/twilio/voice", params)).status).toBe(403);
    const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, caller.callSid));
    expect(row).toBeUndefined();
    expect((await caller.dial()).status).toBe(200);
  });

  it("rejects the media stream upgrade without a valid signature over the wss:// URL", async () => {
    const path = `/twilio/media/${voice.accountSid}`;
    const url = `${PUBLIC_URL.replace("https", "wss")}${path}`;
    expect(await upgrade(path)).toBe(403);
    expect(await upgrade(path, twilio.getExpectedTwilioSignature("wrong-token", url, {}))).toBe(403);
    expect(await upgrade(path, twilio.getExpectedTwilioSignature(voice.authToken, `${url}x`, {}))).toBe(403);
    const otherAccount = `AC${randomBytes(16).toString("hex")}`;
    expect(await upgrade(`/twilio/media/${otherAccount}`, twilio.getExpectedTwilioSignature(voice.authToken, url, {}))).toBe(403);
    expect(await upgrade(path, twilio.getExpectedTwilioSignature(voice.authToken, url, {}))).toBe(101);
  });

  it("rejects status callbacks without a valid signature", async () => {
    const params = { AccountSid: voice.accountSid, CallSid: `CA${randomBytes(16).toString("hex")}`, CallStatus: "completed" };
    const options = { serverUrl: voice.serverUrl, publicUrl: PUBLIC_URL, authToken: voice.authToken };
    expect((await postTwilioForm({ ...options, signature: null }, "/twilio/status", params)).status).toBe(403);
    expect((await postTwilioForm(options, "/twilio/status", params)).status).toBe(204);
  });
});

describe("routing at the webhook", () => {
  it("tells callers of an unknown number it is not in service, with no error page", async () => {
    const caller = new TwilioCaller(voice.callerOptions("+19995550000"));
    const result = await caller.dial();
    expect(result.status).toBe(200);
    expect(result.body).toContain("<Say");
    expect(result.body).toContain("not in service");
    expect(result.body).toContain("<Hangup/>");
  });

  it("hangs up politely when the number's agent was never published, and records the call", async () => {
    const unpublished = await seedAgent(testDb.db, { accountSid: voice.accountSid, isPublished: false });
    const caller = new TwilioCaller(voice.callerOptions(unpublished.e164));
    const result = await caller.dial();
    expect(result.body).toContain("no one is available");
    expect(result.body).toContain("<Hangup/>");
    const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, caller.callSid));
    expect(row).toMatchObject({ teamId: unpublished.teamId, outcome: "failed", endReason: "no_published_agent" });
    expect(row?.endedAt).not.toBeNull();
  });

  it("sends callers over the team's line limit to voicemail, which becomes a message for the team", async () => {
    const small = await seedAgent(testDb.db, { accountSid: voice.accountSid, concurrentCallLimit: 1 });
    const first = new TwilioCaller(voice.callerOptions(small.e164));
    await first.dial();
    await first.connect();
    await first.waitFor(() => first.mediaFrames().length > 0, 10_000, "the greeting");

    const second = new TwilioCaller(voice.callerOptions(small.e164, "+15557770000"));
    const busy = await second.dial();
    expect(busy.body).toContain("All our lines are busy");
    const action = /<Record [^>]*action="([^"]+)"/.exec(busy.body)?.[1]?.replace(/&amp;/g, "&");
    expect(action).toBeDefined();
    const path = action!.slice(PUBLIC_URL.length);
    const recording = await postTwilioForm(second.options, path, {
      AccountSid: voice.accountSid,
      CallSid: second.callSid,
      RecordingUrl: "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE123",
      RecordingDuration: "7",
    });
    expect(recording.status).toBe(200);
    expect(recording.body).toContain("<Hangup/>");
    const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, second.callSid));
    expect(row).toMatchObject({ outcome: "message_taken", endReason: "lines_busy", status: "completed" });
    const messages = await testDb.db.select().from(callerMessages).where(eq(callerMessages.callId, row!.id));
    expect(messages[0]).toMatchObject({ teamId: small.teamId, callbackNumber: "+15557770000" });
    expect(messages[0]?.message).toContain("RE123");
    await first.hangUp();
  });

  it("after hours, runs the agent in message-taking mode with the after-hours message first", async () => {
    const closed = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      config: {
        businessHours: { isEnabled: true, timeZone: "UTC", weekly: [], afterHours: "take_message", afterHoursMessage: "We're closed for the holidays." },
      },
    });
    const caller = new TwilioCaller(voice.callerOptions(closed.e164));
    const result = await caller.dial();
    expect(result.body).toContain('<Parameter name="afterHours" value="1"/>');
    await caller.connect();
    await caller.waitForAgentToFinish();
    await caller.hangUp();
    const call = await waitForEndedCall(testDb.db, caller.callSid);
    const turns = await turnsOf(testDb.db, call.id);
    expect(turns[0]?.text).toBe("We're closed for the holidays. I can take a message so someone can call you back.");
  });

  it("after hours with hang-up configured, says the message and hangs up", async () => {
    const closed = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      config: {
        businessHours: { isEnabled: true, timeZone: "UTC", weekly: [], afterHours: "hang_up", afterHoursMessage: "We're closed." },
      },
    });
    const result = await new TwilioCaller(voice.callerOptions(closed.e164)).dial();
    expect(result.body).toContain("We're closed. Goodbye.");
    expect(result.body).toContain("<Hangup/>");
  });
});

describe("status callbacks", () => {
  it("set Twilio's final status and duration, idempotently, and mark unanswered calls abandoned", async () => {
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    const params = { AccountSid: voice.accountSid, CallSid: caller.callSid, CallStatus: "completed", CallDuration: "3" };
    expect((await postTwilioForm(caller.options, "/twilio/status", params)).status).toBe(204);
    expect((await postTwilioForm(caller.options, "/twilio/status", params)).status).toBe(204);
    // A late "ringing" callback never reopens the call.
    await postTwilioForm(caller.options, "/twilio/status", { ...params, CallStatus: "ringing" });
    const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, caller.callSid));
    expect(row).toMatchObject({ status: "completed", durationSec: 3, outcome: "abandoned" });
    expect(row?.endedAt).not.toBeNull();
  });
});

describe("a stream that breaks the protocol", () => {
  async function liveCall(): Promise<TwilioCaller> {
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitFor(() => caller.mediaFrames().length > 0, 10_000, "the greeting");
    return caller;
  }

  it.each([
    ["malformed JSON", (c: TwilioCaller) => c.sendRaw("{not json")],
    ["an unknown event", (c: TwilioCaller) => c.sendJson({ event: "surprise", streamSid: c.streamSid })],
    ["a second start", (c: TwilioCaller) => c.sendStart({ callId: "x", teamId: "y" })],
    ["an oversized message", (c: TwilioCaller) => c.sendRaw(JSON.stringify({ event: "media", media: { payload: "A".repeat(70_000) } }))],
    ["a binary frame", (c: TwilioCaller) => c.sendRaw(Buffer.from([1, 2, 3]))],
  ])("is closed on %s and its call finalized with an error, while another call goes on", async (_what, breakIt) => {
    const bystander = await liveCall();
    const broken = await liveCall();
    breakIt(broken);
    await broken.waitClosed();
    expect([1008, 1009]).toContain(broken.closeCode);

    const framesBefore = bystander.mediaFrames().length;
    await bystander.waitForAgentToFinish();
    expect(bystander.isOpen).toBe(true);
    expect(bystander.mediaFrames().length).toBeGreaterThan(framesBefore);

    const brokenCall = await waitForEndedCall(testDb.db, broken.callSid);
    expect(brokenCall).toMatchObject({ outcome: "failed", endReason: "protocol_error" });
    expect(brokenCall.errorCount).toBe(1);
    const errors = (await eventsOf(testDb.db, brokenCall.id)).filter((e) => e.kind === "error");
    expect(errors).toEqual([expect.objectContaining({ name: "protocol_error", teamId: agent.teamId })]);

    await bystander.hangUp();
    const fine = await waitForEndedCall(testDb.db, bystander.callSid);
    expect(fine).toMatchObject({ errorCount: 0, endReason: "caller_hangup" });
  });

  it("closes a stream that sends media before start, and fails its call at once with an error event", async () => {
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect({ skipStart: true });
    caller.sendJson({ event: "media", streamSid: caller.streamSid, media: { payload: Buffer.alloc(160, 0xff).toString("base64") } });
    await caller.waitClosed();
    expect(caller.closeCode).toBe(1008);
    // Well before any recovery sweep or line-hold timeout could have closed it.
    const call = await waitForEndedCall(testDb.db, caller.callSid, 3_000);
    expect(call).toMatchObject({ status: "failed", outcome: "failed", endReason: "stream_failed", errorCount: 1, durationSec: 0 });
    const errors = (await eventsOf(testDb.db, call.id)).filter((e) => e.kind === "error");
    expect(errors).toEqual([
      expect.objectContaining({ name: "stream_failed", teamId: agent.teamId, data: expect.objectContaining({ message: "media before start" }) }),
    ]);
  });

  it.each([
    ["malformed JSON first", (c: TwilioCaller) => c.sendRaw("{not json")],
    ["the socket closed", (c: TwilioCaller) => c.closeSocket()],
  ])("fails the call of a stream broken before its start by %s", async (_what, breakIt) => {
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    expect(caller.twiml).toMatch(/\/twilio\/media\/AC[0-9a-f]{32}\/[0-9a-f-]{36}\/[0-9a-f-]{36}"/);
    await caller.connect({ skipStart: true });
    breakIt(caller);
    await caller.waitClosed();
    const call = await waitForEndedCall(testDb.db, caller.callSid, 3_000);
    expect(call).toMatchObject({ status: "failed", outcome: "failed", endReason: "stream_failed" });
    // The team's line is free again.
    expect(call.endedAt).not.toBeNull();
  });

  it("refuses a start for another call than the one its signed URL names, and fails the named one", async () => {
    const other = new TwilioCaller(voice.callerOptions(agent.e164, "+15550009999"));
    await other.dial();
    const caller = new TwilioCaller(voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect({ skipStart: true });
    const otherStream = /<Parameter name="callId" value="([^"]+)"\/>/.exec(other.twiml)?.[1];
    caller.sendStart({ callId: otherStream!, teamId: agent.teamId });
    await caller.waitClosed();
    expect(caller.closeCode).toBe(1008);
    const call = await waitForEndedCall(testDb.db, caller.callSid, 3_000);
    expect(call.endReason).toBe("stream_failed");
    // The other call was not touched by it.
    const [untouched] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, other.callSid));
    expect(untouched).toMatchObject({ status: "ringing", endedAt: null });
  });
});
