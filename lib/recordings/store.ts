import type { Readable } from "node:stream";

// Where a call's recording lives. calls.recording_storage says which store, calls.recording_path is the key in it.
export type TRecordingStorage = "local" | "s3";

export type TByteRange = { start: number; end: number }; // inclusive, as in Content-Range

export type TRecordingRead =
  | { kind: "ok"; body: Readable; totalSize: number; range: TByteRange | null }
  | { kind: "missing" }
  | { kind: "unsatisfiable"; totalSize: number };

export type TRecordingStore = {
  readonly storage: TRecordingStorage;
  // The key a call's recording gets in this store: `{teamId}/{callId}.wav`, under S3_PREFIX in S3.
  keyFor(teamId: string, callId: string): string;
  put(key: string, body: Uint8Array): Promise<void>;
  // `range` is a Range request header; several ranges or a malformed header get the whole object.
  read(key: string, range?: string | null): Promise<TRecordingRead>;
  // null when the object does not exist.
  size(key: string): Promise<number | null>;
  remove(key: string): Promise<void>;
};

export type TRecordingStores = { local: TRecordingStore | null; s3: TRecordingStore | null };

export const RECORDING_CONTENT_TYPE = "audio/wav";

export function recordingKey(teamId: string, callId: string): string {
  return `${teamId}/${callId}.wav`;
}

// The same key in a bucket, under its S3_PREFIX.
export function s3RecordingKey(prefix: string, teamId: string, callId: string): string {
  return `${prefix}${recordingKey(teamId, callId)}`;
}

// One byte range ("bytes=a-b", "bytes=a-", "bytes=-n") against an object of `size` bytes. null: serve it all.
export function parseRange(header: string | null | undefined, size: number): TByteRange | "invalid" | null {
  const spec = rangeSpec(header);
  if (!spec) return null;
  const { first, last } = spec;
  if (first === null && last === null) return "invalid";
  let start: number;
  let end: number;
  if (first === null) {
    start = Math.max(0, size - (last as number));
    end = size - 1;
  } else {
    start = first;
    end = last === null ? size - 1 : Math.min(last, size - 1);
  }
  if (start > end || start >= size) return "invalid";
  return { start, end };
}

// The syntax of a single-range header, without knowing the size.
export function rangeSpec(header: string | null | undefined): { first: number | null; last: number | null } | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a = "", b = ""] = m;
  return { first: a === "" ? null : Number(a), last: b === "" ? null : Number(b) };
}
