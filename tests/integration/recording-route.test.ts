import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { calls } from "@/db/schema";
import { teamDataKey } from "@/lib/crypto/data-keys";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { createLocalRecordingStore } from "@/lib/recordings/local-store";
import { encryptRecording, isSealedRecording } from "@/lib/recordings/recording-cipher";
import { sealRecording } from "@/lib/recordings/seal-recording";
import { callWavHeader } from "@/lib/recordings/wav-header";
import { signUp } from "@/lib/teams/sign-up";
import { FakeS3 } from "@/tests/fakes/s3";
import { createTestDb } from "@/tests/helpers/db";

// The recording route as Next.js calls it, with a real database, a real local store and the fake S3 behind the
// real SDK. Only the session lookup and Next's request APIs are stubbed.
const session = vi.hoisted(() => ({ current: null as null | { user: { id: string; email: string } } }));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));
vi.mock("@/lib/auth/auth", () => ({
  auth: async () => session.current,
  signIn: async () => {},
  signOut: async () => {},
}));

const t = await createTestDb();
const fake = await FakeS3.start({ buckets: ["call-recordings"] });
const recordingsDir = mkdtempSync(path.join(tmpdir(), "aica-route-"));
const masterKey = randomBytes(32);
const masterKeys = masterKeyRing(masterKey);
Object.assign(process.env, {
  DATABASE_URL: t.url,
  ENCRYPTION_KEY: masterKey.toString("base64"),
  RECORDINGS_DIR: recordingsDir,
  ...fake.env("call-recordings", "rec/"),
});
const route = await import("@/app/api/teams/[slug]/calls/[callId]/recording/route");

afterAll(async () => {
  await fake.close();
  rmSync(recordingsDir, { recursive: true, force: true });
  await t.drop();
});

const owner = await signUp(t.db, {
  name: "A",
  email: "rec-a@example.test",
  password: "password-aaaa",
  companyName: "Alpha Co",
});
const outsider = await signUp(t.db, {
  name: "B",
  email: "rec-b@example.test",
  password: "password-bbbb",
  companyName: "Beta Co",
});
const wav = Buffer.concat([Buffer.from("RIFF\0\0\0\0WAVE"), randomBytes(2000)]);

async function seedCall(storage: "local" | "s3", options: { isStored?: boolean } = {}) {
  const [call] = await t.db
    .insert(calls)
    .values({ teamId: owner.team.id, direction: "inbound", status: "completed", endedAt: new Date() })
    .returning();
  const id = call!.id;
  const key = storage === "s3" ? `rec/${owner.team.id}/${id}.wav` : `${owner.team.id}/${id}.wav`;
  if (options.isStored !== false) {
    if (storage === "s3") fake.putObject("call-recordings", key, wav, "audio/wav");
    else await createLocalRecordingStore(recordingsDir).put(key, wav);
  }
  await t.db.update(calls).set({ recordingPath: key, recordingStorage: storage }).where(eq(calls.id, id));
  return id;
}

async function get(callId: string, as: typeof owner, range?: string) {
  session.current = { user: { id: as.user.id, email: as.user.email } };
  const headers = new Headers(range ? { range } : {});
  const response = await route.GET(
    new Request(`http://localhost/api/teams/${owner.team.slug}/calls/${callId}/recording`, { headers }),
    {
      params: Promise.resolve({ slug: owner.team.slug, callId }),
    },
  );
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

describe("GET /api/teams/[slug]/calls/[callId]/recording", () => {
  it("streams a recording held in S3, whole and by byte range", async () => {
    const callId = await seedCall("s3");
    const whole = await get(callId, owner);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("audio/wav");
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("content-length")).toBe(String(wav.length));
    expect(whole.body.equals(wav)).toBe(true);

    const part = await get(callId, owner, "bytes=44-1043");
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 44-1043/${wav.length}`);
    expect(part.headers.get("content-length")).toBe("1000");
    expect(part.body.equals(wav.subarray(44, 1044))).toBe(true);
    // The Range went to S3 rather than the whole object being fetched and cut here.
    const gets = fake.requests.filter((r) => r.operation === "GetObject" && r.key.endsWith(`${callId}.wav`));
    // (Each read first looks at the header to tell an encrypted recording from a plain one made before.)
    expect(gets.map((r) => [r.range, r.status])).toEqual([
      ["bytes=0-43", 206],
      [null, 200],
      ["bytes=0-43", 206],
      ["bytes=44-1043", 206],
    ]);

    const tail = await get(callId, owner, "bytes=-12");
    expect(tail.status).toBe(206);
    expect(tail.body.equals(wav.subarray(-12))).toBe(true);

    const beyond = await get(callId, owner, `bytes=${wav.length + 10}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${wav.length}`);
  });

  it("still serves recordings kept on local disk (before upload, or from before S3 was set up)", async () => {
    const callId = await seedCall("local");
    const part = await get(callId, owner, "bytes=0-99");
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-99/${wav.length}`);
    expect(part.body.equals(wav.subarray(0, 100))).toBe(true);
  });

  it("answers a clear 404 when the S3 object is gone", async () => {
    const callId = await seedCall("s3", { isStored: false });
    const missing = await get(callId, owner);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString())).toMatchObject({
      error: { code: "not_found", message: "The recording file is missing." },
    });
  });

  it("gives a non-member 404 without touching the bucket", async () => {
    const callId = await seedCall("s3");
    const before = fake.requests.length;
    const denied = await get(callId, outsider);
    expect(denied.status).toBe(404);
    expect(fake.requests.length).toBe(before);
  });

  // 10 s of the recorder's stereo WAV: caller and agent each a distinct ramp, so any misplaced byte shows.
  function callWav(seconds: number): Buffer {
    const frames = seconds * 8000;
    const data = Buffer.alloc(frames * 4);
    for (let f = 0; f < frames; f++) {
      data.writeInt16LE((f % 30000) - 15000, f * 4);
      data.writeInt16LE(((f * 7) % 30000) - 15000, f * 4 + 2);
    }
    return Buffer.concat([callWavHeader(data.length), data]);
  }

  it("plays a recording encrypted on disk, whole and by ranges across chunk boundaries, though the file is no WAV", async () => {
    const plain = callWav(10);
    const [call] = await t.db
      .insert(calls)
      .values({ teamId: owner.team.id, direction: "inbound", status: "completed", endedAt: new Date() })
      .returning();
    const key = `${owner.team.id}/${call!.id}.wav`;
    // The recorder's spool at the end of the call, then sealed as the voice server does when the session ends.
    mkdirSync(path.join(recordingsDir, owner.team.id), { recursive: true });
    writeFileSync(path.join(recordingsDir, key), plain);
    await t.db.update(calls).set({ recordingPath: key, recordingStorage: "local" }).where(eq(calls.id, call!.id));
    const local = createLocalRecordingStore(recordingsDir);
    expect(await sealRecording(t.db, { local, masterKeys, teamId: owner.team.id, callId: call!.id })).toBe("sealed");
    expect(await sealRecording(t.db, { local, masterKeys, teamId: owner.team.id, callId: call!.id })).toBe("already");

    const onDisk = readFileSync(path.join(recordingsDir, key));
    expect(onDisk.toString("ascii", 0, 4)).not.toBe("RIFF");
    expect(onDisk.includes(Buffer.from("RIFF"))).toBe(false);
    expect(onDisk.includes(Buffer.from("WAVEfmt"))).toBe(false);
    // No run of samples from anywhere in the call is on disk.
    for (const at of [44, 40_000, 200_000, plain.length - 64]) expect(onDisk.includes(plain.subarray(at, at + 32))).toBe(false);
    expect(isSealedRecording(onDisk)).toBe(true);

    const whole = await get(call!.id, owner);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-length")).toBe(String(plain.length));
    expect(whole.body.equals(plain)).toBe(true);
    for (const [start, end] of [
      [0, 43],
      [65_530, 65_541],
      [65_536, 65_536],
      [100_000, 250_000],
      [131_071, 196_609],
    ] as const) {
      const part = await get(call!.id, owner, `bytes=${start}-${end}`);
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe(`bytes ${start}-${end}/${plain.length}`);
      expect(part.headers.get("content-length")).toBe(String(end - start + 1));
      expect(part.body.equals(plain.subarray(start, end + 1))).toBe(true);
    }
    const tail = await get(call!.id, owner, "bytes=-100");
    expect(tail.body.equals(plain.subarray(-100))).toBe(true);
    const beyond = await get(call!.id, owner, `bytes=${plain.length}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${plain.length}`);
  });

  it("streams an encrypted S3 recording by range, fetching only the chunks the range needs", async () => {
    const plain = callWav(5);
    const [call] = await t.db
      .insert(calls)
      .values({ teamId: owner.team.id, direction: "inbound", status: "completed", endedAt: new Date() })
      .returning();
    const key = `rec/${owner.team.id}/${call!.id}.wav`;
    fake.putObject("call-recordings", key, encryptRecording(plain, await teamDataKey(t.db, masterKeys, owner.team.id)), "audio/wav");
    await t.db.update(calls).set({ recordingPath: key, recordingStorage: "s3" }).where(eq(calls.id, call!.id));
    const part = await get(call!.id, owner, "bytes=70000-70999");
    expect(part.status).toBe(206);
    expect(part.body.equals(plain.subarray(70_000, 71_000))).toBe(true);
    const gets = fake.requests.filter((r) => r.operation === "GetObject" && r.key === key);
    // The header, then chunk 1 alone (64 KiB + its tag), not the whole object.
    expect(gets.map((r) => r.range)).toEqual(["bytes=0-43", `bytes=${44 + 65_552}-${44 + 2 * 65_552 - 1}`]);
    const whole = await get(call!.id, owner);
    expect(whole.body.equals(plain)).toBe(true);
  });

  it("another team's member gets 404 for an encrypted recording too", async () => {
    const plain = callWav(1);
    const [call] = await t.db
      .insert(calls)
      .values({ teamId: owner.team.id, direction: "inbound", status: "completed", endedAt: new Date() })
      .returning();
    const key = `${owner.team.id}/${call!.id}.wav`;
    await createLocalRecordingStore(recordingsDir).put(key, encryptRecording(plain, await teamDataKey(t.db, masterKeys, owner.team.id)));
    await t.db.update(calls).set({ recordingPath: key, recordingStorage: "local" }).where(eq(calls.id, call!.id));
    expect((await get(call!.id, outsider)).status).toBe(404);
    expect((await get(call!.id, owner)).body.equals(plain)).toBe(true);
  });
});
