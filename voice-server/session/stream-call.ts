import type { Db } from "@/db/client";
import { loadCallForStream, type TCallForStream } from "@/lib/calls/resolve-inbound-call";
import type { TStreamStart } from "./transport";

// The call a media stream's start names, or null when the stream may not run it: ids that are not ours, a call
// that is unknown or finished, or a stream for another call (CallSid) or from an account that does not own the
// number the call came in on.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function callForStream(
  start: TStreamStart,
  load: (input: { callId: string; teamId: string }) => Promise<TCallForStream | null>,
): Promise<TCallForStream | null> {
  const hasIds = UUID.test(start.callId) && UUID.test(start.teamId);
  const loaded = start.preloaded ?? (hasIds ? await load({ callId: start.callId, teamId: start.teamId }) : null);
  if (!loaded) return null;
  const isOtherCall = !!start.callSid && !!loaded.call.twilioCallSid && loaded.call.twilioCallSid !== start.callSid;
  const isOtherAccount = !!start.accountSid && !!loaded.phoneNumberAccountSid && loaded.phoneNumberAccountSid !== start.accountSid;
  return isOtherCall || isOtherAccount ? null : loaded;
}

export function dbCallLoader(db: Db): (input: { callId: string; teamId: string }) => Promise<TCallForStream | null> {
  return (input) => loadCallForStream(db, input);
}
