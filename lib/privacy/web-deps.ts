import "server-only";
import { getDb } from "@/db/client";
import { env } from "@/lib/env";
import { numbersConfigFromEnv } from "@/lib/numbers/config";
import { s3ConfigFromEnv } from "@/lib/recordings/config";
import { webRecordingStores } from "@/lib/recordings/web-stores";
import { AppError } from "@/lib/errors";
import type { TPrivacyDeps } from "./process-request";
import { enqueuePrivacyRequest } from "./queue";
import { createTwilioRecordingEraser } from "./twilio-recordings";

// The web app's view of the privacy machinery: its recording stores, Twilio credentials and the queue.
export function webPrivacyDeps(): TPrivacyDeps & { enqueue: (requestId: string) => Promise<void> } {
  const config = numbersConfigFromEnv();
  if (!config.secretKey) throw new AppError("conflict", "Caller data requests need ENCRYPTION_KEY (or AUTH_SECRET in development) to be set.");
  const databaseUrl = env().DATABASE_URL;
  return {
    stores: webRecordingStores(),
    s3Prefix: s3ConfigFromEnv(env())?.prefix ?? "",
    secretKey: config.secretKey,
    twilio: createTwilioRecordingEraser(getDb(), {
      platform: config.platform ?? undefined,
      secretKey: config.secretKey,
      apiBaseUrl: config.apiBaseUrl,
    }),
    enqueue: async (requestId) => {
      if (!databaseUrl) throw new AppError("conflict", "The privacy request queue is not configured (DATABASE_URL is not set).");
      await enqueuePrivacyRequest(requestId, { databaseUrl });
    },
  };
}
