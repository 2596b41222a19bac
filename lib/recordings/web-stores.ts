import { env } from "@/lib/env";
import { s3ConfigFromEnv } from "./config";
import { createRecordingStores, type TRecordingStoreSet } from "./create-stores";

// The web app reads recordings from the same stores the voice server writes: RECORDINGS_DIR and, when set, S3.
let cached: TRecordingStoreSet | undefined;
export function webRecordingStores(): TRecordingStoreSet {
  cached ??= createRecordingStores({ recordingsDir: env().RECORDINGS_DIR, s3: s3ConfigFromEnv(env()) });
  return cached;
}
