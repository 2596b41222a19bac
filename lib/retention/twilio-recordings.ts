import type { Db } from "@/db/client";
import { createTwilioClient } from "@/lib/twilio/client";
import { resolveTwilioAccount, type TTwilioCredentialOptions } from "@/lib/twilio/credentials";
import { TwilioRecordingsUnreachable, type TTwilioRecordingDeleter } from "./purge";

// Deletes the recordings Twilio keeps of a call (the voicemail <Record>), through the account that took the call:
// GET /Accounts/{sid}/Recordings.json?CallSid=… then DELETE /Accounts/{sid}/Recordings/{RE…}.json for each.
export function createTwilioRecordingDeleter(db: Db, options: TTwilioCredentialOptions): TTwilioRecordingDeleter {
  return async (call) => {
    if (!call.accountSid) throw new TwilioRecordingsUnreachable("the call's Twilio account is unknown");
    const account = await resolveTwilioAccount(db, call.accountSid, options);
    if (!account) throw new TwilioRecordingsUnreachable("no credentials for the account that took the call");
    const client = createTwilioClient(account, { baseUrl: options.apiBaseUrl });
    let recordings;
    try {
      recordings = await client.recordings.list({ callSid: call.callSid, limit: 100 });
    } catch (error) {
      // The account is closed or gone: nothing of it can be deleted any more, and nothing is left to delete here.
      if ((error as { status?: number }).status === 404) return 0;
      throw error;
    }
    let deleted = 0;
    for (const recording of recordings) {
      try {
        await client.recordings(recording.sid).remove();
        deleted++;
      } catch (error) {
        if ((error as { status?: number }).status !== 404) throw error;
      }
    }
    return deleted;
  };
}
