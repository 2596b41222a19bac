import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TDataKey } from "@/lib/crypto/data-keys";
import {
  cipherSpan,
  decryptRange,
  decryptRecording,
  encryptRecording,
  isSealedRecording,
  parseSealedHeader,
  SEALED_HEADER_BYTES,
  sealedSize,
} from "./recording-cipher";

const key: TDataKey = { id: randomUUID(), teamId: randomUUID(), key: randomBytes(32) };

async function range(sealed: Buffer, start: number, end: number, k = key): Promise<Buffer> {
  const header = parseSealedHeader(sealed);
  const span = cipherSpan(header, start, end);
  // Delivered in odd pieces, as a socket would.
  const slice = sealed.subarray(span.from, span.to + 1);
  const pieces = (async function* () {
    for (let i = 0; i < slice.length; i += 777) yield slice.subarray(i, i + 777);
  })();
  const parts: Buffer[] = [];
  for await (const part of decryptRange(pieces, header, k, start, end)) parts.push(part);
  return Buffer.concat(parts);
}

describe("encrypted recording format", () => {
  it("hides the WAV and every sample, and round-trips", async () => {
    const wav = Buffer.concat([Buffer.from("RIFF\0\0\0\0WAVEfmt "), randomBytes(300_000)]);
    const sealed = encryptRecording(wav, key);
    expect(sealed.length).toBe(sealedSize(wav.length));
    expect(isSealedRecording(sealed)).toBe(true);
    expect(sealed.includes(Buffer.from("RIFF"))).toBe(false);
    expect(sealed.includes(wav.subarray(1000, 1016))).toBe(false);
    expect(parseSealedHeader(sealed)).toMatchObject({ plainBytes: wav.length, keyId: key.id, chunkBytes: 65536 });
    expect((await decryptRecording(sealed, key)).equals(wav)).toBe(true);
    // Two encryptions of one file share no nonce prefix.
    expect(encryptRecording(wav, key).subarray(36, 44).equals(sealed.subarray(36, 44))).toBe(false);
  });

  it("decrypts any byte range, across chunk boundaries, from only the chunks it touches", async () => {
    const plain = randomBytes(5 * 1000 + 123);
    const sealed = encryptRecording(plain, key, 1000);
    const cases: [number, number][] = [
      [0, 0],
      [0, plain.length - 1],
      [999, 1000],
      [1500, 3999],
      [4000, plain.length - 1],
      [plain.length - 1, plain.length - 1],
      [17, 5017],
    ];
    for (const [start, end] of cases) expect((await range(sealed, start, end)).equals(plain.subarray(start, end + 1))).toBe(true);
    const span = cipherSpan(parseSealedHeader(sealed), 1500, 2100);
    expect(span).toMatchObject({ firstChunk: 1, lastChunk: 2, from: SEALED_HEADER_BYTES + 1016 });
  });

  it("refuses a changed byte, a changed header, a truncated file and the wrong key", async () => {
    const plain = randomBytes(3000);
    const sealed = encryptRecording(plain, key, 1000);
    const flipped = Buffer.from(sealed);
    flipped[SEALED_HEADER_BYTES + 1500]! ^= 1;
    await expect(decryptRecording(flipped, key)).rejects.toThrow();
    // Claiming a shorter length (to cut the end off) breaks every chunk's authentication.
    const shorter = Buffer.from(sealed);
    shorter.writeBigUInt64LE(2000n, 12);
    await expect(decryptRecording(shorter, key)).rejects.toThrow();
    await expect(decryptRecording(sealed.subarray(0, sealed.length - 20), key)).rejects.toThrow(/truncated/);
    await expect(decryptRecording(sealed, { ...key, key: randomBytes(32) })).rejects.toThrow();
    await expect(decryptRecording(sealed, { ...key, id: randomUUID() })).rejects.toThrow(/does not match/);
  });
});
