import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { calls } from "@/db/schema";
import { createLocalRecordingStore } from "@/lib/recordings/local-store";
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
Object.assign(process.env, {
  DATABASE_URL: t.url,
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
    expect(gets.map((r) => [r.range, r.status])).toEqual([
      [null, 200],
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
});
