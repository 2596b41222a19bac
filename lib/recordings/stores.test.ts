import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeS3 } from "@/tests/fakes/s3";
import { createLocalRecordingStore } from "./local-store";
import { createS3RecordingStore } from "./s3-store";
import type { TRecordingRead, TRecordingStore } from "./store";

// The same contract against both stores: what the recording route and the uploader rely on.

let fake: FakeS3;
let dir: string;
beforeAll(async () => {
  fake = await FakeS3.start({ buckets: ["calls"] });
  dir = mkdtempSync(path.join(tmpdir(), "aica-store-"));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function bytesOf(read: TRecordingRead): Promise<Buffer> {
  if (read.kind !== "ok") throw new Error(`expected ok, got ${read.kind}`);
  const chunks: Buffer[] = [];
  for await (const chunk of read.body as Readable) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const audio = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
const TEAM = "0b6f4c1e-8a55-4a9e-9a53-0c1a0f1e2d3c";
const CALL = "5f0e9d8c-7b6a-4c5d-8e4f-3a2b1c0d9e8f";

const stores: [string, () => TRecordingStore][] = [
  ["local disk", () => createLocalRecordingStore(dir)],
  [
    "S3",
    () =>
      createS3RecordingStore({
        bucket: "calls",
        region: fake.region,
        endpoint: fake.url,
        accessKeyId: fake.credentials.accessKeyId,
        secretAccessKey: fake.credentials.secretAccessKey,
        forcePathStyle: true,
        prefix: "rec/",
      }),
  ],
];

describe.each(stores)("recording store: %s", (name, create) => {
  it("round-trips a recording and serves byte ranges", async () => {
    const store = create();
    const key = store.keyFor(TEAM, CALL);
    expect(key).toBe(name === "S3" ? `rec/${TEAM}/${CALL}.wav` : `${TEAM}/${CALL}.wav`);
    await store.put(key, audio);
    expect(await store.size(key)).toBe(audio.length);

    const whole = await store.read(key);
    expect(whole).toMatchObject({ kind: "ok", totalSize: audio.length, range: null });
    expect((await bytesOf(whole)).equals(audio)).toBe(true);

    const middle = await store.read(key, "bytes=100-199");
    expect(middle).toMatchObject({ kind: "ok", totalSize: audio.length, range: { start: 100, end: 199 } });
    expect((await bytesOf(middle)).equals(audio.subarray(100, 200))).toBe(true);

    const tail = await store.read(key, "bytes=-16");
    expect(tail).toMatchObject({ range: { start: audio.length - 16, end: audio.length - 1 } });
    expect((await bytesOf(tail)).equals(audio.subarray(-16))).toBe(true);

    const clamped = await store.read(key, "bytes=4000-999999");
    expect(clamped).toMatchObject({ range: { start: 4000, end: audio.length - 1 } });
    await bytesOf(clamped);

    expect(await store.read(key, "bytes=99999-")).toEqual({ kind: "unsatisfiable", totalSize: audio.length });
    expect(await store.read(key, "bytes=-")).toEqual({ kind: "unsatisfiable", totalSize: audio.length });
    // Several ranges are answered with the whole recording.
    expect(await store.read(key, "bytes=0-1,5-9").then(bytesOf)).toHaveLength(audio.length);

    await store.remove(key);
    expect(await store.size(key)).toBeNull();
    expect(await store.read(key)).toEqual({ kind: "missing" });
    await store.remove(key); // removing twice is fine
  });

  it("reports a recording that was never stored as missing", async () => {
    const store = create();
    expect(await store.read(store.keyFor(TEAM, "00000000-0000-4000-8000-000000000000"), "bytes=0-10")).toEqual({
      kind: "missing",
    });
  });
});

describe("local recording store", () => {
  it("refuses keys that leave the recordings directory", async () => {
    const store = createLocalRecordingStore(dir);
    await expect(store.put("../escape.wav", audio)).rejects.toThrow(/outside the recordings directory/);
    await expect(store.read("/etc/passwd")).rejects.toThrow(/outside the recordings directory/);
  });
});

describe("S3 recording store", () => {
  it("surfaces S3 errors instead of calling the recording missing", async () => {
    const store = createS3RecordingStore(
      {
        bucket: "calls",
        region: fake.region,
        endpoint: fake.url,
        accessKeyId: fake.credentials.accessKeyId,
        secretAccessKey: "wrong",
        forcePathStyle: true,
        prefix: "",
      },
      { maxAttempts: 1 },
    );
    await expect(store.put("k.wav", audio)).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    await expect(store.read("k.wav")).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
  });
});
