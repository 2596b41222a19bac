import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callEvents, calls } from "@/db/schema";
import { createCall, markCallAnswered } from "@/lib/calls/create-call";
import { finalizeOpenCalls } from "@/lib/calls/finalize-open-calls";
import { FakeS3 } from "@/tests/fakes/s3";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { parseWav, readWavFile } from "@/lib/audio/wav";
import { createLocalRecordingStore } from "./local-store";
import { createS3RecordingStore } from "./s3-store";
import { salvageRecording, salvageRecordings } from "./salvage-recordings";
import { recordingKey } from "./store";
import { createRecordingUploader } from "./upload-recordings";
import { callWavHeader } from "./wav-header";

const t = setupTwoTeamDb();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "aica-salvage-"));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

async function openCall(teamId: string, startedAt = new Date(Date.now() - 60_000)) {
  const call = await createCall(t.db, {
    teamId,
    direction: "inbound",
    twilioCallSid: `CA${randomBytes(16).toString("hex")}`,
    startedAt,
  });
  await markCallAnswered(t.db, { teamId, callId: call.id, answeredAt: startedAt });
  return call.id;
}

// What the recorder leaves when the process dies: the header as first written (sizes 0), whole frames of
// caller 1000 / agent 3000, and the first bytes of a frame whose write was cut short.
function writeCutOff(teamId: string, callId: string, frames: number, oddBytes = 3): string {
  const file = path.join(dir, recordingKey(teamId, callId));
  mkdirSync(path.dirname(file), { recursive: true });
  const data = Buffer.alloc(frames * 4 + oddBytes, 0x7f);
  for (let f = 0; f < frames; f++) {
    data.writeInt16LE(1000, f * 4);
    data.writeInt16LE(3000, f * 4 + 2);
  }
  writeFileSync(file, Buffer.concat([callWavHeader(0), data]));
  return file;
}

async function rowOf(callId: string) {
  const [row] = await t.db.select().from(calls).where(eq(calls.id, callId));
  return row!;
}

async function recoveredEvents(callId: string) {
  return t.db
    .select()
    .from(callEvents)
    .where(and(eq(callEvents.callId, callId), eq(callEvents.name, "recording_recovered")));
}

describe("salvaging recordings of calls cut off by a crash", () => {
  it("repairs the WAV, points the call at it and says so on its timeline; a second run changes nothing", async () => {
    const callId = await openCall(t.teamA);
    // 2.5 s of audio reached the disk before the crash.
    const file = writeCutOff(t.teamA, callId, 20_000);
    // Another team's call, still live (it started after this process did), with a file of the same shape.
    const liveOther = await openCall(t.teamB, new Date(Date.now() + 60_000));
    const liveOtherFile = writeCutOff(t.teamB, liveOther, 800);
    const liveOtherBefore = readFileSync(liveOtherFile);

    const finalized = await finalizeOpenCalls(t.db, { startedBefore: new Date() });
    expect(finalized.calls).toContainEqual({ teamId: t.teamA, callId });
    expect(finalized.calls.map((c) => c.callId)).not.toContain(liveOther);
    const first = await salvageRecordings(t.db, { recordingsDir: dir, calls: finalized.calls });
    expect(first.recovered).toEqual([callId]);

    const bytes = readFileSync(file);
    expect(bytes.length).toBe(44 + 80_000);
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(bytes.readUInt32LE(40)).toBe(80_000);
    const audio = await readWavFile(file);
    expect(audio.sampleRate).toBe(8000);
    expect(audio.samples.length / audio.sampleRate).toBe(2.5);
    // Every frame is intact: caller and agent averaged to mono, none shifted by the cut-off bytes.
    expect(audio.samples.every((s) => s === 2000)).toBe(true);

    const row = await rowOf(callId);
    expect(row).toMatchObject({
      recordingPath: `${t.teamA}/${callId}.wav`,
      recordingStorage: "local",
      status: "completed",
    });
    const events = await recoveredEvents(callId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      teamId: t.teamA,
      kind: "status",
      atMs: 2500,
      data: { reason: "voice_server_lost", durationMs: 2500 },
    });
    // The web app's store plays it.
    const read = await createLocalRecordingStore(dir).read(row.recordingPath!);
    expect(read).toMatchObject({ kind: "ok", totalSize: 44 + 80_000 });
    if (read.kind === "ok") read.body.destroy();

    const second = await salvageRecordings(t.db, { recordingsDir: dir, calls: finalized.calls });
    expect(second).toEqual({ recovered: [], removed: [] });
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(await recoveredEvents(callId)).toHaveLength(1);
    expect((await rowOf(callId)).recordingPath).toBe(row.recordingPath);

    expect(readFileSync(liveOtherFile).equals(liveOtherBefore)).toBe(true);
    expect((await rowOf(liveOther)).recordingPath).toBeNull();
  });

  it("never touches another team's file or row, even with the same call id in the path", async () => {
    const callId = await openCall(t.teamA);
    const ownFile = writeCutOff(t.teamA, callId, 400);
    // A file under team B's directory named after team A's call.
    const foreignFile = writeCutOff(t.teamB, callId, 400);
    const foreignBefore = readFileSync(foreignFile);
    await finalizeOpenCalls(t.db, { startedBefore: new Date() });

    // A pairing of call and team that does not exist in the database does nothing at all.
    expect(await salvageRecording(t.db, { recordingsDir: dir, teamId: t.teamB, callId })).toBe("skipped");
    expect(readFileSync(foreignFile).equals(foreignBefore)).toBe(true);
    expect(readFileSync(ownFile).readUInt32LE(40)).toBe(0);
    expect((await rowOf(callId)).recordingPath).toBeNull();
    expect(await recoveredEvents(callId)).toHaveLength(0);

    expect(await salvageRecording(t.db, { recordingsDir: dir, teamId: t.teamA, callId })).toBe("recovered");
    expect(readFileSync(ownFile).readUInt32LE(40)).toBe(1600);
    expect(readFileSync(foreignFile).equals(foreignBefore)).toBe(true);
    expect(await recoveredEvents(callId)).toEqual([expect.objectContaining({ teamId: t.teamA })]);
  });

  it("deletes empty and header-only files and leaves their calls without a recording", async () => {
    const headerOnly = await openCall(t.teamA);
    const empty = await openCall(t.teamA);
    const noFile = await openCall(t.teamA);
    const headerOnlyFile = writeCutOff(t.teamA, headerOnly, 0);
    const emptyFile = path.join(dir, recordingKey(t.teamA, empty));
    writeFileSync(emptyFile, Buffer.alloc(0));
    const finalized = await finalizeOpenCalls(t.db, { startedBefore: new Date() });

    const result = await salvageRecordings(t.db, { recordingsDir: dir, calls: finalized.calls });
    expect(result.recovered).toEqual([]);
    expect(new Set(result.removed)).toEqual(new Set([headerOnly, empty]));
    expect(existsSync(headerOnlyFile)).toBe(false);
    expect(existsSync(emptyFile)).toBe(false);
    for (const callId of [headerOnly, empty, noFile]) {
      expect((await rowOf(callId)).recordingPath).toBeNull();
      expect(await recoveredEvents(callId)).toHaveLength(0);
    }
  });

  it("leaves a file that is not a call recording as it is", async () => {
    const callId = await openCall(t.teamA);
    const file = path.join(dir, recordingKey(t.teamA, callId));
    const junk = randomBytes(500);
    writeFileSync(file, junk);
    await finalizeOpenCalls(t.db, { startedBefore: new Date() });
    const warnings: string[] = [];
    const result = await salvageRecordings(t.db, {
      recordingsDir: dir,
      calls: [{ teamId: t.teamA, callId }],
      log: { warn: (message) => warnings.push(message) },
    });
    expect(result).toEqual({ recovered: [], removed: [] });
    expect(readFileSync(file).equals(junk)).toBe(true);
    expect((await rowOf(callId)).recordingPath).toBeNull();
    expect(warnings).toHaveLength(1);
  });

  it("with S3 configured, the upload sweep moves a salvaged recording to the bucket", async () => {
    const fake = await FakeS3.start({ buckets: ["calls"] });
    try {
      const callId = await openCall(t.teamB);
      const file = writeCutOff(t.teamB, callId, 8000, 1);
      const finalized = await finalizeOpenCalls(t.db, { startedBefore: new Date() });
      await salvageRecordings(t.db, { recordingsDir: dir, calls: finalized.calls });
      const repaired = readFileSync(file);

      const s3 = createS3RecordingStore({
        bucket: "calls",
        region: fake.region,
        endpoint: fake.url,
        accessKeyId: fake.credentials.accessKeyId,
        secretAccessKey: fake.credentials.secretAccessKey,
        forcePathStyle: true,
        prefix: "",
      });
      const uploader = createRecordingUploader({ db: t.db, local: createLocalRecordingStore(dir), s3 });
      const swept = await uploader.sweep();
      expect(swept.failed).toBe(0);
      const row = await rowOf(callId);
      expect(row).toMatchObject({ recordingStorage: "s3", recordingPath: `${t.teamB}/${callId}.wav` });
      const object = fake.object("calls", row.recordingPath!);
      expect(object?.body.equals(repaired)).toBe(true);
      expect(parseWav(object!.body).samples.length).toBe(8000);
      expect(existsSync(file)).toBe(false);
    } finally {
      await fake.close();
    }
  });
});
