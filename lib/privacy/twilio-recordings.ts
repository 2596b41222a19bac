import type { Db } from "@/db/client";
import { TwilioRecordingsUnreachable } from "@/lib/retention/purge";
import { createTwilioRecordingDeleter } from "@/lib/retention/twilio-recordings";
import type { TTwilioCredentialOptions } from "@/lib/twilio/credentials";

// Deletes the recordings Twilio still holds for a caller's calls (the <Record> voicemails: Twilio keeps its copy
// after we download it), with the same deleter as the retention purge.

export type TTwilioRecordingEraser = {
  // Returns how many recordings were deleted and how many calls' accounts could not be reached with known
  // credentials (an account the team no longer uses): those are reported on the request, not silently skipped.
  deleteForCalls(calls: { twilioCallSid: string; accountSid: string | null }[]): Promise<{ deleted: number; unreachable: number }>;
};

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

export function createTwilioRecordingEraser(db: Db, options: TTwilioCredentialOptions): TTwilioRecordingEraser {
  const deleteRecordingsOf = createTwilioRecordingDeleter(db, options);
  return {
    async deleteForCalls(calls) {
      let deleted = 0;
      let unreachable = 0;
      for (const call of calls) {
        if (!CALL_SID.test(call.twilioCallSid)) continue;
        try {
          deleted += await deleteRecordingsOf({ accountSid: call.accountSid, callSid: call.twilioCallSid });
        } catch (error) {
          if (!(error instanceof TwilioRecordingsUnreachable)) throw error;
          unreachable += 1;
        }
      }
      return { deleted, unreachable };
    },
  };
}
