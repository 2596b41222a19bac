import type { Db } from "@/db/client";
import { enqueueCallAnalysis } from "@/lib/analysis/queue";
import { markCallRollupDirty } from "@/lib/analytics/rollup";
import { syncCallerForCall } from "@/lib/callers/sync-caller";
import { emitCallEvent } from "@/lib/webhooks/emit-call-event";

type TLog = { warn(message: string, fields?: Record<string, unknown>): void };

// What follows every call that ends, however it ended (its session, a voicemail webhook, Twilio's status callback,
// crash recovery): the call.completed webhook, its rollup hour marked, its caller entry updated, its analysis queued; the work
// itself (deliveries, rollup recompute, analysis) is the worker's.
export async function onCallCompleted(
  db: Db,
  call: { teamId: string; callId: string },
  options: { databaseUrl: string; log?: TLog },
): Promise<void> {
  const log = options.log;
  await emitCallEvent(db, call.teamId, call.callId, "call.completed").catch((error: unknown) =>
    log?.warn("webhook emit failed", { error, event: "call.completed", callId: call.callId }),
  );
  await markCallRollupDirty(db, call.teamId, call.callId).catch((error: unknown) =>
    log?.warn("rollup mark failed", { error, callId: call.callId }),
  );
  // The caller's entry: last outcome, the name the message gave, the message linked.
  await syncCallerForCall(db, call).catch((error: unknown) => log?.warn("caller entry not updated", { error, callId: call.callId }));
  await enqueueCallAnalysis({ teamId: call.teamId, callId: call.callId }, { databaseUrl: options.databaseUrl }).catch((error: unknown) =>
    log?.warn("analysis enqueue failed", { error, callId: call.callId }),
  );
}
