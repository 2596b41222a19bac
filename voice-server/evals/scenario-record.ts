import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callerMessages, calls, type Call } from "@/db/schema";
import { finalizeCall } from "@/lib/calls/finalize-call";
import { openMessages } from "@/lib/crypto/team-fields";

// What a scenario's test call left in the database once it is over, read the same way for both modes: how the call
// ended, the messages stored during it. A test-suite call is never analyzed (the worker's sweep picks up ended calls
// still "pending"): its checks are the analysis, and with a cloud key an analysis per scenario costs money for nothing.

export async function settleScenarioCall(
  db: Db,
  call: Pick<Call, "id" | "teamId">,
  startedAt: number,
): Promise<{ endReason: string | null; recordingPath: string | null }> {
  const readCall = async () =>
    (
      await db
        .select({ endReason: calls.endReason, endedAt: calls.endedAt, recordingPath: calls.recordingPath })
        .from(calls)
        .where(and(eq(calls.teamId, call.teamId), eq(calls.id, call.id)))
        .limit(1)
    )[0];
  // The session's last write may land a moment after the stream closed.
  let row = await readCall();
  for (let i = 0; i < 50 && row && !row.endedAt; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    row = await readCall();
  }
  if (row && !row.endedAt) {
    // A session that never got going (setup failure) leaves no open call behind.
    await finalizeCall(db, { teamId: call.teamId, callId: call.id, status: "completed", outcome: "failed", endReason: "test_failed", endedAt: new Date(), durationSec: (Date.now() - startedAt) / 1000 }).catch(() => {});
  }
  await db
    .update(calls)
    .set({ analysisStatus: "skipped" })
    .where(and(eq(calls.teamId, call.teamId), eq(calls.id, call.id), eq(calls.analysisStatus, "pending")))
    .catch(() => {});
  return { endReason: row?.endReason ?? null, recordingPath: row?.recordingPath ?? null };
}

// Readable: the fields are sealed under the team's data key at rest.
export async function scenarioMessages(db: Db, call: Pick<Call, "id" | "teamId">) {
  return openMessages(
    db,
    await db
      .select({ teamId: callerMessages.teamId, callerName: callerMessages.callerName, callbackNumber: callerMessages.callbackNumber, message: callerMessages.message })
      .from(callerMessages)
      .where(and(eq(callerMessages.teamId, call.teamId), eq(callerMessages.callId, call.id)))
      .orderBy(asc(callerMessages.createdAt)),
  );
}
