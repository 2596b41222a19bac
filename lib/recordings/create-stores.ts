import type { TS3Config } from "./config";
import { createLocalRecordingStore, type TLocalRecordingStore } from "./local-store";
import { createS3RecordingStore, type TS3StoreOptions } from "./s3-store";
import type { TRecordingStorage, TRecordingStore } from "./store";

export type TRecordingStoreSet = { local: TLocalRecordingStore | null; s3: TRecordingStore | null };

export function createRecordingStores(
  input: { recordingsDir: string | null; s3: TS3Config | null },
  s3Options?: TS3StoreOptions,
): TRecordingStoreSet {
  return {
    local: input.recordingsDir ? createLocalRecordingStore(input.recordingsDir) : null,
    s3: input.s3 ? createS3RecordingStore(input.s3, s3Options) : null,
  };
}

export function storeFor(stores: TRecordingStoreSet, storage: TRecordingStorage): TRecordingStore | null {
  return storage === "s3" ? stores.s3 : stores.local;
}
