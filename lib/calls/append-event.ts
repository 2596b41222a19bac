import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { calls, callEvents } from "@/db/schema";
import { redactJson } from "@/lib/redaction/redact-text";
import { redactionSettingsFor } from "@/lib/redaction/redaction-settings";

export type TCallEventKind = (typeof callEvents.kind.enumValues)[number];

export type TAppendEventInput = {
  teamId: string;
  callId: string;
  atMs: number;
  kind: TCallEventKind;
  name: string;
  data?: Record<string, unknown>;
};

// Error events also bump calls.error_count so call lists can flag failed calls without joining events.
export async function appendCallEvent(db: Db, input: TAppendEventInput): Promise<void> {
  // Event data holds tool arguments and results (what the caller dictated to a tool): redacted like a turn.
  const data = input.data ? redactJson(input.data, await redactionSettingsFor(db, input.teamId)) : {};
  const row = { ...input, atMs: Math.max(0, Math.round(input.atMs)), data };
  if (input.kind !== "error") {
    await db.insert(callEvents).values(row);
    return;
  }
  await db.transaction(async (tx) => {
    await tx.insert(callEvents).values(row);
    await tx
      .update(calls)
      .set({ errorCount: sql`${calls.errorCount} + 1` })
      .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId)));
  });
}
