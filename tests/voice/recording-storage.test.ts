import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { callerMessages, calls } from "@/db/schema";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { isSealedField, openMessage } from "@/lib/crypto/team-fields";
import { isSealedRecording } from "@/lib/recordings/recording-cipher";
import { openStoredRecording } from "@/lib/recordings/read-recording";
import { loadVoiceEnv } from "@/voice-server/env";
import { silentLogger } from "@/voice-server/observability/log";
import { createVoiceServer, type TVoiceServer } from "@/voice-server/server";
import { FakeS3 } from "@/tests/fakes/s3";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createTestDb } from "@/tests/helpers/db";
import { eventsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { postTwilioForm, TwilioCaller, type TCallerOptions } from "./helpers/twilio-caller";
import { offlineProviders, PUBLIC_URL } from "./helpers/voice-server";

// The voice server with S3 configured (the fake, through the real SDK): recordings are spooled on local disk
// during the call and moved to the bucket after it, encrypted under the team's data key; voicemails left on busy
// lines land there too.
const masterKey = randomBytes(32);

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let s3: FakeS3;
let twilioRest: FakeTwilioRest;
let server: TVoiceServer;
let serverUrl: string;
let recordingsDir: string;
const finalized: { teamId: string; callId: string }[] = [];
const script: string[] = [];

beforeAll(async () => {
  testDb = await createTestDb();
  s3 = await FakeS3.start({ buckets: ["recordings"] });
  twilioRest = await FakeTwilioRest.start();
  recordingsDir = mkdtempSync(path.join(tmpdir(), "aica-spool-"));
  const env = loadVoiceEnv({
    NODE_ENV: "test",
    DATABASE_URL: testDb.url,
    VOICE_PORT: "0",
    VOICE_HOST: "127.0.0.1",
    VOICE_PUBLIC_URL: PUBLIC_URL,
    RECORDINGS_DIR: recordingsDir,
    SHUTDOWN_GRACE_MS: "2000",
    TWILIO_ACCOUNT_SID: twilioRest.mainAccount.sid,
    TWILIO_AUTH_TOKEN: twilioRest.mainAccount.authToken,
    TWILIO_API_BASE_URL: twilioRest.url,
    ENCRYPTION_KEY: masterKey.toString("base64"),
    ...s3.env("recordings", "calls/"),
  });
  server = createVoiceServer({
    env,
    db: testDb.db,
    providers: offlineProviders({ stt: createScriptedStt(() => script.shift() ?? "") }),
    log: silentLogger,
    onCallFinalized: (call) => void finalized.push(call),
  });
  serverUrl = `http://127.0.0.1:${(await server.listen()).port}`;
});

afterAll(async () => {
  await server?.close();
  await s3?.close();
  await twilioRest?.close();
  rmSync(recordingsDir, { recursive: true, force: true });
  await testDb?.drop();
});

beforeEach(() => {
  s3.faults.clear();
});

function callerOptions(to: string, from = "+15551230000"): TCallerOptions {
  return {
    serverUrl,
    publicUrl: PUBLIC_URL,
    accountSid: twilioRest.mainAccount.sid,
    authToken: twilioRest.mainAccount.authToken,
    from,
    to,
  };
}

async function rowOf(callId: string) {
  const [row] = await testDb.db.select().from(calls).where(eq(calls.id, callId));
  return row!;
}

// What the bucket holds, decrypted as the web app would.
async function plainOf(teamId: string, body: Buffer): Promise<Buffer> {
  return openStoredRecording(testDb.db, { masterKeys: masterKeyRing(masterKey), teamId, bytes: body });
}

async function shortCall(e164: string) {
  const caller = new TwilioCaller(callerOptions(e164));
  await caller.dial();
  await caller.connect();
  await caller.waitForAgentToFinish();
  await caller.say(await speech("Thanks, bye"));
  await caller.hangUp();
  return waitForEndedCall(testDb.db, caller.callSid);
}

function wavFile(seconds: number): Buffer {
  const data = Buffer.alloc(seconds * 8000 * 2);
  for (let i = 0; i < data.length / 2; i++) data.writeInt16LE(Math.round(8000 * Math.sin(i / 5)), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

describe("call recordings with S3 storage", () => {
  it("uploads the recording after the call and removes the local spool file", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: twilioRest.mainAccount.sid });
    const call = await shortCall(agent.e164);
    const key = `calls/${agent.teamId}/${call.id}.wav`;
    await vi.waitFor(
      async () => expect(await rowOf(call.id)).toMatchObject({ recordingStorage: "s3", recordingPath: key }),
      15_000,
    );
    const object = s3.object("recordings", key);
    expect(object?.contentType).toBe("audio/wav");
    // Encrypted by us, and the bucket was asked to encrypt it as well.
    expect(isSealedRecording(object!.body)).toBe(true);
    expect(object?.body.includes(Buffer.from("RIFF"))).toBe(false);
    expect(object?.serverSideEncryption).toBe("AES256");
    const puts = s3.requests.filter((r) => r.operation === "PutObject" && r.key === key);
    expect(puts.map((r) => r.serverSideEncryption)).toEqual(["AES256"]);
    expect((await rowOf(call.id)).recordingSealedAt).toBeInstanceOf(Date);
    const wav = await plainOf(agent.teamId, object!.body);
    expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
    expect(wav.readUInt16LE(22)).toBe(2); // both sides
    expect(wav.length).toBeGreaterThan(44 + 8000 * 2 * 2); // over a second of stereo audio
    // The row switches to S3 first (so the web app never points at a deleted file), then the spool file goes.
    await vi.waitFor(() => expect(existsSync(path.join(recordingsDir, agent.teamId, `${call.id}.wav`))).toBe(false), 5_000);
  });

  it("keeps the recording on disk when S3 is down, notes the error on the call, and the retry sweep uploads it", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: twilioRest.mainAccount.sid });
    s3.faults.push(
      { status: 503, code: "ServiceUnavailable", message: "Service is unable to handle request." },
      Infinity,
      (r) => r.operation === "PutObject",
    );
    const call = await shortCall(agent.e164);
    const localFile = path.join(recordingsDir, agent.teamId, `${call.id}.wav`);
    await vi.waitFor(async () => {
      const events = await eventsOf(testDb.db, call.id);
      expect(events.find((e) => e.name === "recording_upload_failed")).toMatchObject({ kind: "error" });
    }, 15_000);
    expect(await rowOf(call.id)).toMatchObject({
      recordingStorage: "local",
      recordingPath: `${agent.teamId}/${call.id}.wav`,
    });
    expect(existsSync(localFile)).toBe(true);
    // While it waits for S3, the copy on disk is already encrypted.
    await vi.waitFor(async () => expect((await rowOf(call.id)).recordingSealedAt).toBeInstanceOf(Date), 5_000);
    expect(isSealedRecording(readFileSync(localFile))).toBe(true);

    s3.faults.clear();
    expect(await server.recordingUploads!.sweep()).toMatchObject({ failed: 0 });
    expect(await rowOf(call.id)).toMatchObject({
      recordingStorage: "s3",
      recordingPath: `calls/${agent.teamId}/${call.id}.wav`,
    });
    const uploaded = s3.object("recordings", `calls/${agent.teamId}/${call.id}.wav`)!;
    expect(isSealedRecording(uploaded.body)).toBe(true);
    expect((await plainOf(agent.teamId, uploaded.body)).toString("ascii", 0, 4)).toBe("RIFF");
    expect(existsSync(localFile)).toBe(false);
  });
});

describe("voicemail on busy lines", () => {
  async function busyCaller(limitOneAgent: Awaited<ReturnType<typeof seedAgent>>, from: string) {
    const second = new TwilioCaller(callerOptions(limitOneAgent.e164, from));
    const busy = await second.dial();
    expect(busy.body).toContain("All our lines are busy");
    const action = /<Record [^>]*action="([^"]+)"/.exec(busy.body)?.[1]?.replace(/&amp;/g, "&");
    return { second, path: action!.slice(PUBLIC_URL.length) };
  }

  it("downloads the voicemail from Twilio into the store, so it plays on the call page", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: twilioRest.mainAccount.sid, concurrentCallLimit: 1 });
    const first = new TwilioCaller(callerOptions(agent.e164));
    await first.dial();
    await first.connect();
    await first.waitFor(() => first.mediaFrames().length > 0, 10_000, "the greeting");

    const { second, path: actionPath } = await busyCaller(agent, "+15557770001");
    const audio = wavFile(3);
    const recording = twilioRest.addRecording({ audio, callSid: second.callSid, durationSec: 3 });
    const done = await postTwilioForm(callerOptions(agent.e164), actionPath, {
      AccountSid: twilioRest.mainAccount.sid,
      CallSid: second.callSid,
      RecordingSid: recording.sid,
      RecordingUrl: recording.url,
      RecordingDuration: "3",
    });
    expect(done.body).toContain("Your message has been recorded");
    const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, second.callSid));
    expect(row).toMatchObject({
      outcome: "message_taken",
      recordingStorage: "s3",
      recordingPath: `calls/${agent.teamId}/${row!.id}.wav`,
    });
    const stored = s3.object("recordings", row!.recordingPath!)!;
    expect(isSealedRecording(stored.body)).toBe(true);
    expect(stored.serverSideEncryption).toBe("AES256");
    expect((await plainOf(agent.teamId, stored.body)).equals(audio)).toBe(true);
    // Fetched with the owning account's credentials, as Twilio requires for media.
    const fetches = twilioRest.requests.filter((r) => r.path.endsWith(`/Recordings/${recording.sid}.wav`));
    expect(fetches.map((r) => [r.username, r.status])).toEqual([[twilioRest.mainAccount.sid, 200]]);
    const [sealed] = await testDb.db.select().from(callerMessages).where(eq(callerMessages.callId, row!.id));
    // Stored sealed under the team's data key; read as the inbox reads it.
    expect(isSealedField(sealed!.message)).toBe(true);
    const message = await openMessage(testDb.db, sealed!);
    expect(message.message).toBe("Voicemail (3 s), left while all lines were busy. Play it on the call's page.");
    await vi.waitFor(() => expect(finalized).toContainEqual({ teamId: agent.teamId, callId: row!.id }), 5_000);
    await first.hangUp();
    await waitForEndedCall(testDb.db, first.callSid);
  });

  it("keeps Twilio's URL in the message and notes the error when the download fails", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: twilioRest.mainAccount.sid, concurrentCallLimit: 1 });
    const first = new TwilioCaller(callerOptions(agent.e164));
    await first.dial();
    await first.connect();
    await first.waitFor(() => first.mediaFrames().length > 0, 10_000, "the greeting");

    const { second, path: actionPath } = await busyCaller(agent, "+15557770002");
    const recording = twilioRest.addRecording({ audio: wavFile(1), callSid: second.callSid });
    twilioRest.faults.push({ status: 500, code: 20500, message: "Internal Server Error" }, 1, (r) =>
      r.path.endsWith(".wav"),
    );
    const done = await postTwilioForm(callerOptions(agent.e164), actionPath, {
      AccountSid: twilioRest.mainAccount.sid,
      CallSid: second.callSid,
      RecordingUrl: recording.url,
      RecordingDuration: "4",
    });
    expect(done.status).toBe(200);
    const [row] = await testDb.db
      .select()
      .from(calls)
      .where(and(eq(calls.twilioCallSid, second.callSid), eq(calls.teamId, agent.teamId)));
    expect(row).toMatchObject({ outcome: "message_taken", recordingPath: null, errorCount: 1 });
    const [sealed] = await testDb.db.select().from(callerMessages).where(eq(callerMessages.callId, row!.id));
    const message = await openMessage(testDb.db, sealed!);
    expect(message.message).toContain(recording.url);
    const events = await eventsOf(testDb.db, row!.id);
    expect(events.find((e) => e.name === "voicemail_download_failed")?.data).toMatchObject({
      message: expect.stringContaining("500"),
    });
    await first.hangUp();
    await waitForEndedCall(testDb.db, first.callSid);
  });
});
