import type { TS3Config } from "./config";
import { createLocalRecordingStore, type TLocalRecordingStore } from "./local-store";
import type { TS3StoreOptions } from "./s3-store";
import { s3RecordingKey, type TRecordingStorage, type TRecordingStore } from "./store";

export type TRecordingStoreSet = { local: TLocalRecordingStore | null; s3: TRecordingStore | null };

export function createRecordingStores(
  input: { recordingsDir: string | null; s3: TS3Config | null },
  s3Options?: TS3StoreOptions,
): TRecordingStoreSet {
  return {
    local: input.recordingsDir ? createLocalRecordingStore(input.recordingsDir) : null,
    s3: input.s3 ? lazyS3Store(input.s3, s3Options) : null,
  };
}

// The S3 store, with the AWS SDK loaded on its first request rather than when the process starts: the SDK holds
// about 6 MB of heap, which a voice server whose recordings stay local (or go out only after a call) should not carry
// into every garbage collection of its live calls.
function lazyS3Store(config: TS3Config, options?: TS3StoreOptions): TRecordingStore {
  let store: Promise<TRecordingStore> | null = null;
  const load = () => (store ??= import("./s3-store").then(({ createS3RecordingStore }) => createS3RecordingStore(config, options)));
  return {
    storage: "s3",
    keyFor: (teamId, callId) => s3RecordingKey(config.prefix, teamId, callId),
    put: async (key, body) => (await load()).put(key, body),
    read: async (key, range) => (await load()).read(key, range),
    size: async (key) => (await load()).size(key),
    remove: async (key) => (await load()).remove(key),
  };
}

export function storeFor(stores: TRecordingStoreSet, storage: TRecordingStorage): TRecordingStore | null {
  return storage === "s3" ? stores.s3 : stores.local;
}
