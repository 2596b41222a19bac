import type { Readable } from "node:stream";
import { Readable as ReadableStream } from "node:stream";
import type { Db } from "@/db/client";
import { dataKeyById } from "@/lib/crypto/data-keys";
import type { TMasterKeyRing } from "@/lib/crypto/master-keys";
import { cipherSpan, decryptRange, decryptRecording, isSealedRecording, parseSealedHeader, SEALED_HEADER_BYTES } from "./recording-cipher";
import { parseRange, type TRecordingRead, type TRecordingStore } from "./store";

// A call's recording as the listener gets it: the plaintext WAV, whether the stored file is encrypted (decrypted
// as it streams, only the chunks the Range needs) or a plain WAV from before encryption (served as stored).
// Sizes and ranges are those of the plaintext. Throws DataKeyNotFoundError when the team's key is destroyed.
export async function readRecording(
  db: Db,
  input: { store: TRecordingStore; masterKeys: TMasterKeyRing | null; teamId: string; key: string; range?: string | null },
): Promise<TRecordingRead> {
  const { store, key } = input;
  const headRead = await store.read(key, `bytes=0-${SEALED_HEADER_BYTES - 1}`);
  if (headRead.kind === "missing") return headRead;
  // Empty file: nothing to decrypt; the store answers as for any plain file.
  if (headRead.kind === "unsatisfiable") return store.read(key, input.range);
  const head = await collect(headRead.body);
  if (!isSealedRecording(head) || head.length < SEALED_HEADER_BYTES) return store.read(key, input.range);

  const header = parseSealedHeader(head);
  if (!input.masterKeys) throw new Error("This recording is encrypted and ENCRYPTION_KEY is not configured.");
  const dataKey = await dataKeyById(db, input.masterKeys, input.teamId, header.keyId);
  const totalSize = header.plainBytes;
  const range = parseRange(input.range, totalSize);
  if (range === "invalid") return { kind: "unsatisfiable", totalSize };
  if (totalSize === 0) return { kind: "ok", body: ReadableStream.from([]), totalSize, range: null };
  const { start, end } = range ?? { start: 0, end: totalSize - 1 };
  const span = cipherSpan(header, start, end);
  const cipherRead = await store.read(key, `bytes=${span.from}-${span.to}`);
  if (cipherRead.kind !== "ok") throw new Error("the encrypted recording is shorter than its header says");
  const body = ReadableStream.from(decryptRange(cipherRead.body, header, dataKey, start, end));
  // A consumer that stops early (a seek) must release the file or the S3 connection.
  body.once("close", () => cipherRead.body.destroy());
  return { kind: "ok", body, totalSize, range };
}

async function collect(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

// A stored recording's bytes as a plain WAV, whole, in memory: for exports (a caller's data request) and tests.
// Bytes that are not encrypted (a recording from before encryption) come back as they are.
export async function openStoredRecording(db: Db, input: { masterKeys: TMasterKeyRing | null; teamId: string; bytes: Uint8Array }): Promise<Buffer> {
  if (!isSealedRecording(input.bytes)) return Buffer.from(input.bytes);
  const header = parseSealedHeader(input.bytes);
  if (!input.masterKeys) throw new Error("This recording is encrypted and ENCRYPTION_KEY is not configured.");
  return decryptRecording(input.bytes, await dataKeyById(db, input.masterKeys, input.teamId, header.keyId));
}
