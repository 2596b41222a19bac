import type { Db } from "@/db/client";
import { resolveTwilioAccount, type TTwilioCredentialOptions } from "@/lib/twilio/credentials";

// Deletes the recordings Twilio still holds for calls (the <Record> voicemails: Twilio keeps its copy after we
// download it). Recordings are found by CallSid on the account the call came in on, then deleted one by one.

export type TTwilioRecordingEraser = {
  // Returns how many recordings were deleted and how many calls' accounts could not be reached with known
  // credentials (an account the team no longer uses): those are reported on the request, not silently skipped.
  deleteForCalls(calls: { twilioCallSid: string; accountSid: string | null }[]): Promise<{ deleted: number; unreachable: number }>;
};

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const RECORDING_SID = /^RE[0-9a-fA-F]{32}$/;

export function createTwilioRecordingEraser(db: Db, options: TTwilioCredentialOptions & { timeoutMs?: number }): TTwilioRecordingEraser {
  const base = (options.apiBaseUrl ?? "https://api.twilio.com").replace(/\/+$/, "");
  return {
    async deleteForCalls(calls) {
      let deleted = 0;
      let unreachable = 0;
      for (const call of calls) {
        if (!CALL_SID.test(call.twilioCallSid)) continue;
        const account = call.accountSid ? await resolveTwilioAccount(db, call.accountSid, options) : null;
        if (!account) {
          unreachable += 1;
          continue;
        }
        const authorization = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString("base64")}`;
        const request = async (method: "GET" | "DELETE", path: string) => {
          const response = await fetch(`${base}/2010-04-01/Accounts/${account.accountSid}${path}`, {
            method,
            headers: { authorization, accept: "application/json" },
            signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
          });
          return response;
        };
        const list = await request("GET", `/Recordings.json?CallSid=${call.twilioCallSid}&PageSize=100`);
        if (list.status !== 200) {
          await list.body?.cancel();
          throw new Error(`Twilio answered ${list.status} listing the recordings of a call`);
        }
        const body = (await list.json()) as { recordings?: { sid?: unknown }[] };
        for (const recording of body.recordings ?? []) {
          const sid = typeof recording.sid === "string" ? recording.sid : "";
          if (!RECORDING_SID.test(sid)) continue;
          const removed = await request("DELETE", `/Recordings/${sid}.json`);
          await removed.body?.cancel();
          // 404: already gone, which is what we want.
          if (removed.status !== 204 && removed.status !== 404) throw new Error(`Twilio answered ${removed.status} deleting a recording`);
          if (removed.status === 204) deleted += 1;
        }
      }
      return { deleted, unreachable };
    },
  };
}
