import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { TDataKey } from "@/lib/crypto/data-keys";

// The encrypted recording format. A 44-byte header, then the plaintext (the WAV the recorder wrote) in chunks of
// `chunkBytes`, each encrypted with AES-256-GCM under the team's data key and followed by its 16-byte tag:
//
//   0  "AICR"  4 version (1)  5 reserved (3)  8 chunk bytes u32le  12 plaintext bytes u64le
//   20 data key id (16-byte uuid)  36 nonce prefix (8 random bytes)
//
// Chunk i's nonce is the file's random prefix followed by i (u32 big-endian), so no nonce repeats under a key
// (2^64 prefixes per key, each file far below 2^32 chunks). The whole header is every chunk's additional data:
// changing the size, key id or chunk size fails authentication, and since the chunk count follows from the
// authenticated size, a truncated or reordered file fails too. Playback decrypts only the chunks an HTTP Range
// touches. A file that does not start with the magic is a recording from before encryption (a plain WAV).

export const SEALED_MAGIC = "AICR";
export const SEALED_VERSION = 1;
export const SEALED_HEADER_BYTES = 44;
export const SEALED_TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

export type TSealedHeader = {
  chunkBytes: number;
  plainBytes: number;
  keyId: string;
  noncePrefix: Buffer;
  raw: Buffer;
};

export function isSealedRecording(head: Uint8Array): boolean {
  return head.length >= 4 && Buffer.from(head.subarray(0, 4)).toString("latin1") === SEALED_MAGIC;
}

function uuidBytes(id: string): Buffer {
  const hex = id.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${id}`);
  return Buffer.from(hex, "hex");
}

function uuidString(bytes: Buffer): string {
  const h = bytes.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function parseSealedHeader(head: Uint8Array): TSealedHeader {
  if (head.length < SEALED_HEADER_BYTES || !isSealedRecording(head)) throw new Error("not an encrypted recording");
  const raw = Buffer.from(head.subarray(0, SEALED_HEADER_BYTES));
  if (raw[4] !== SEALED_VERSION) throw new Error(`unsupported encrypted recording version ${raw[4]}`);
  const chunkBytes = raw.readUInt32LE(8);
  const plainBytes = Number(raw.readBigUInt64LE(12));
  if (chunkBytes < 16 || chunkBytes > 16 * 1024 * 1024 || !Number.isSafeInteger(plainBytes))
    throw new Error("corrupt encrypted recording header");
  return { chunkBytes, plainBytes, keyId: uuidString(raw.subarray(20, 36)), noncePrefix: raw.subarray(36, 44), raw };
}

export function sealedSize(plainBytes: number, chunkBytes = DEFAULT_CHUNK_BYTES): number {
  return SEALED_HEADER_BYTES + plainBytes + Math.ceil(plainBytes / chunkBytes) * SEALED_TAG_BYTES;
}

function nonce(prefix: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0, 0, 8);
  n.writeUInt32BE(index, 8);
  return n;
}

// A fresh header (with its own random nonce prefix) for `plainBytes` of plaintext under `key`.
export function sealedHeader(plainBytes: number, key: TDataKey, chunkBytes = DEFAULT_CHUNK_BYTES): Buffer {
  const header = Buffer.alloc(SEALED_HEADER_BYTES);
  header.write(SEALED_MAGIC, 0, "latin1");
  header[4] = SEALED_VERSION;
  header.writeUInt32LE(chunkBytes, 8);
  header.writeBigUInt64LE(BigInt(plainBytes), 12);
  uuidBytes(key.id).copy(header, 20);
  randomBytes(8).copy(header, 36);
  return header;
}

// Chunk `index` of a file with `header`: ciphertext then tag, written into `out` at `at`; returns the bytes written.
export function encryptChunk(header: Buffer, key: TDataKey, index: number, plain: Uint8Array, out: Buffer, at: number): number {
  const cipher = createCipheriv("aes-256-gcm", key.key, nonce(header.subarray(36, 44), index));
  cipher.setAAD(header);
  let n = cipher.update(plain).copy(out, at);
  n += cipher.final().copy(out, at + n);
  n += cipher.getAuthTag().copy(out, at + n);
  return n;
}

export function encryptRecording(plain: Uint8Array, key: TDataKey, chunkBytes = DEFAULT_CHUNK_BYTES): Buffer {
  const header = sealedHeader(plain.length, key, chunkBytes);
  const out = Buffer.allocUnsafe(sealedSize(plain.length, chunkBytes));
  header.copy(out, 0);
  let at = SEALED_HEADER_BYTES;
  for (let index = 0, from = 0; from < plain.length; index++, from += chunkBytes) {
    at += encryptChunk(header, key, index, plain.subarray(from, Math.min(plain.length, from + chunkBytes)), out, at);
  }
  return out;
}

// The ciphertext bytes (inclusive, file offsets) holding plaintext bytes start..end, and the chunks they are.
export function cipherSpan(header: TSealedHeader, start: number, end: number): { from: number; to: number; firstChunk: number; lastChunk: number } {
  const stride = header.chunkBytes + SEALED_TAG_BYTES;
  const firstChunk = Math.floor(start / header.chunkBytes);
  const lastChunk = Math.floor(end / header.chunkBytes);
  const lastPlain = Math.min(header.chunkBytes, header.plainBytes - lastChunk * header.chunkBytes);
  return {
    from: SEALED_HEADER_BYTES + firstChunk * stride,
    to: SEALED_HEADER_BYTES + lastChunk * stride + lastPlain + SEALED_TAG_BYTES - 1,
    firstChunk,
    lastChunk,
  };
}

function decryptChunk(header: TSealedHeader, key: TDataKey, index: number, sealed: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key.key, nonce(header.noncePrefix, index));
  decipher.setAAD(header.raw);
  decipher.setAuthTag(sealed.subarray(sealed.length - SEALED_TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - SEALED_TAG_BYTES)), decipher.final()]);
}

// Plaintext bytes start..end (inclusive) from `source`, the ciphertext bytes cipherSpan() named. Each chunk is
// authenticated before any of it is passed on; a short or altered file throws.
export async function* decryptRange(
  source: AsyncIterable<Uint8Array>,
  header: TSealedHeader,
  key: TDataKey,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  if (key.id !== header.keyId) throw new Error("the data key does not match the recording");
  const { firstChunk, lastChunk } = cipherSpan(header, start, end);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = firstChunk;
  const sealedLength = (i: number) => Math.min(header.chunkBytes, header.plainBytes - i * header.chunkBytes) + SEALED_TAG_BYTES;
  const emit = (plain: Buffer, i: number): Buffer => {
    const offset = i * header.chunkBytes;
    return plain.subarray(Math.max(0, start - offset), Math.min(plain.length, end - offset + 1));
  };
  for await (const piece of source) {
    pending.push(Buffer.from(piece));
    pendingBytes += piece.length;
    while (index <= lastChunk && pendingBytes >= sealedLength(index)) {
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      const need = sealedLength(index);
      const out = emit(decryptChunk(header, key, index, all.subarray(0, need)), index);
      const rest = all.subarray(need);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      index++;
      if (out.length > 0) yield out;
    }
    if (index > lastChunk) return;
  }
  if (index <= lastChunk) throw new Error("the encrypted recording is truncated");
}

// The whole plaintext of a sealed file held in memory (export, tests).
export async function decryptRecording(sealed: Uint8Array, key: TDataKey): Promise<Buffer> {
  const header = parseSealedHeader(sealed);
  if (header.plainBytes === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  const body = (async function* () {
    yield sealed.subarray(SEALED_HEADER_BYTES);
  })();
  for await (const part of decryptRange(body, header, key, 0, header.plainBytes - 1)) parts.push(part);
  return Buffer.concat(parts);
}
