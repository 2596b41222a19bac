import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { callEvents, calls, teams } from "@/db/schema";
import { FakeS3 } from "@/tests/fakes/s3";
import { createTestDb } from "@/tests/helpers/db";
import { createLocalRecordingStore } from "./local-store";
import { createS3RecordingStore } from "./s3-store";
import { saveCallRecording } from "./save-recording";
import { countPendingUploads, createRecordingUploader } from "./upload-recordings";

const t = await createTestDb();
let fake: FakeS3;
let dir: string;
beforeAll(async () => {
  fake = await FakeS3.start({ buckets: ["calls"] });
  dir = mkdtempSync(path.join(tmpdir(), "aica-upload-"));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  await t.drop();
});
beforeEach(() => {
  fake.faults.clear();
});

const local = () => createLocalRecordingStore(dir);
const s3 = () =>
  createS3RecordingStore(
    {
      bucket: "calls",
      region: fake.region,
      endpoint: fake.url,
      accessKeyId: fake.credentials.accessKeyId,
      secretAccessKey: fake.credentials.secretAccessKey,
      forcePathStyle: true,
      prefix: "prod/",
    },
    { maxAttempts: 2 },
  );

async function seedCallWithLocalRecording(bytes = randomBytes(3000)) {
  const slug = `team-${randomBytes(5).toString("hex")}`;
  const [team] = await t.db.insert(teams).values({ name: slug, slug }).returning();
  const [call] = await t.db
    .insert(calls)
    .values({ teamId: team!.id, direction: "inbound", status: "completed", endedAt: new Date(), durationSec: 42 })
    .returning();
  const key = local().keyFor(team!.id, call!.id);
  await local().put(key, bytes);
  await t.db.update(calls).set({ recordingPath: key }).where(eq(calls.id, call!.id));
  return { teamId: team!.id, callId: call!.id, key, bytes };
}

async function rowOf(callId: string) {
  const [row] = await t.db.select().from(calls).where(eq(calls.id, callId));
  return row!;
}

describe("recording uploads to S3", () => {
  it("moves a finished call's recording to the bucket, flips the row and deletes the local file", async () => {
    const seeded = await seedCallWithLocalRecording();
    const uploader = createRecordingUploader({ db: t.db, local: local(), s3: s3() });
    expect(await uploader.upload(seeded)).toBe("uploaded");
    const row = await rowOf(seeded.callId);
    expect(row.recordingStorage).toBe("s3");
    expect(row.recordingPath).toBe(`prod/${seeded.teamId}/${seeded.callId}.wav`);
    expect(fake.object("calls", row.recordingPath!)?.body.equals(seeded.bytes)).toBe(true);
    expect(existsSync(path.join(dir, seeded.key))).toBe(false);
    // Once in S3 there is nothing left to do.
    expect(await uploader.upload(seeded)).toBe("skipped");
  });

  it("keeps the recording local when the upload fails, records one error, and a later sweep uploads it", async () => {
    const seeded = await seedCallWithLocalRecording();
    fake.faults.push(
      { status: 503, code: "ServiceUnavailable", message: "Please try again." },
      Infinity,
      (r) => r.operation === "PutObject",
    );
    const uploader = createRecordingUploader({ db: t.db, local: local(), s3: s3() });
    expect(await uploader.upload(seeded)).toBe("failed");
    expect(await uploader.upload(seeded)).toBe("failed");
    let row = await rowOf(seeded.callId);
    expect(row).toMatchObject({ recordingStorage: "local", recordingPath: seeded.key, errorCount: 1 });
    expect(existsSync(path.join(dir, seeded.key))).toBe(true);
    // Still playable from disk while S3 is down.
    const stillLocal = await local().read(seeded.key);
    expect(stillLocal.kind).toBe("ok");
    if (stillLocal.kind === "ok") stillLocal.body.destroy();
    const errors = await t.db
      .select()
      .from(callEvents)
      .where(and(eq(callEvents.callId, seeded.callId), eq(callEvents.kind, "error")));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: "recording_upload_failed", atMs: 42_000 });
    expect(String((errors[0]!.data as { message: string }).message)).toContain("try again");
    expect(await countPendingUploads(t.db)).toBeGreaterThanOrEqual(1);

    fake.faults.clear();
    const swept = await uploader.sweep();
    expect(swept.failed).toBe(0);
    expect(swept.uploaded).toBeGreaterThanOrEqual(1);
    row = await rowOf(seeded.callId);
    expect(row.recordingStorage).toBe("s3");
    expect(fake.object("calls", row.recordingPath!)?.body.equals(seeded.bytes)).toBe(true);
    expect(existsSync(path.join(dir, seeded.key))).toBe(false);
    const statuses = await t.db
      .select()
      .from(callEvents)
      .where(and(eq(callEvents.callId, seeded.callId), eq(callEvents.kind, "status")));
    expect(statuses.map((e) => e.name)).toEqual(["recording_uploaded"]);
    expect(await countPendingUploads(t.db)).toBe(0);
  });

  it("a sweep stops at the first failure and leaves every pending recording on disk", async () => {
    const a = await seedCallWithLocalRecording();
    const b = await seedCallWithLocalRecording();
    fake.faults.push({ kind: "reset" }, Infinity);
    const uploader = createRecordingUploader({ db: t.db, local: local(), s3: s3() });
    expect(await uploader.sweep()).toEqual({ uploaded: 0, failed: 1 });
    for (const seeded of [a, b]) {
      expect((await rowOf(seeded.callId)).recordingStorage).toBe("local");
      expect(existsSync(path.join(dir, seeded.key))).toBe(true);
    }
    fake.faults.clear();
    // What the voice server runs at start: a first sweep right away, then on an interval.
    uploader.startSweeping(60_000);
    await vi.waitFor(async () => {
      for (const seeded of [a, b]) expect((await rowOf(seeded.callId)).recordingStorage).toBe("s3");
    }, 10_000);
    await uploader.stop();
  });

  it("does not count a recording whose local file is gone as uploaded", async () => {
    const seeded = await seedCallWithLocalRecording();
    rmSync(path.join(dir, seeded.key));
    const uploader = createRecordingUploader({ db: t.db, local: local(), s3: s3() });
    expect(await uploader.upload(seeded)).toBe("missing");
    expect((await rowOf(seeded.callId)).recordingStorage).toBe("local");
    expect(await uploader.sweep()).toEqual({ uploaded: 0, failed: 0 });
  });
});

describe("saveCallRecording (voicemail)", () => {
  it("writes straight to S3 when configured, to disk when S3 refuses it (with an error event), or to disk alone", async () => {
    const seeded = await seedCallWithLocalRecording();
    const bytes = randomBytes(500);
    const saved = await saveCallRecording(
      t.db,
      { local: local(), s3: s3() },
      { teamId: seeded.teamId, callId: seeded.callId, bytes, atMs: 7000 },
    );
    expect(saved).toEqual({ path: `prod/${seeded.teamId}/${seeded.callId}.wav`, storage: "s3" });
    expect(fake.object("calls", saved.path)?.body.equals(bytes)).toBe(true);

    fake.faults.push({ status: 500, code: "InternalError" }, Infinity);
    const fallback = await saveCallRecording(
      t.db,
      { local: local(), s3: s3() },
      { teamId: seeded.teamId, callId: seeded.callId, bytes, atMs: 7000 },
    );
    expect(fallback).toEqual({ path: seeded.key, storage: "local" });
    const errors = await t.db
      .select()
      .from(callEvents)
      .where(and(eq(callEvents.callId, seeded.callId), eq(callEvents.kind, "error")));
    expect(errors.map((e) => e.name)).toEqual(["recording_upload_failed"]);

    const diskOnly = await saveCallRecording(
      t.db,
      { local: local(), s3: null },
      { teamId: seeded.teamId, callId: seeded.callId, bytes, atMs: 0 },
    );
    expect(diskOnly.storage).toBe("local");
    await expect(
      saveCallRecording(
        t.db,
        { local: null, s3: null },
        { teamId: seeded.teamId, callId: seeded.callId, bytes, atMs: 0 },
      ),
    ).rejects.toThrow(/No recording store/);
  });
});

describe("recording uploads racing the retention purge", () => {
  it("deletes the object it just put when the purge removed the recording meanwhile", async () => {
    const seeded = await seedCallWithLocalRecording();
    const bucket = s3();
    // The purge runs while the bytes are on their way: it forgets the path (and removes the file) first.
    const racing = {
      ...bucket,
      put: async (key: string, body: Uint8Array) => {
        await t.db.update(calls).set({ recordingPath: null }).where(and(eq(calls.id, seeded.callId), eq(calls.teamId, seeded.teamId)));
        await bucket.put(key, body);
      },
    };
    const uploader = createRecordingUploader({ db: t.db, local: local(), s3: racing });
    await uploader.upload(seeded);
    expect((await rowOf(seeded.callId)).recordingPath).toBeNull();
    expect(fake.buckets.get("calls")!.has(bucket.keyFor(seeded.teamId, seeded.callId))).toBe(false);
  });
});
