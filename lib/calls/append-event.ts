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
    // Written out rather than built with the query builder: a live call writes several events, each on the voice
    // server's event loop, and building the insert cost more than sending it (as for turns, append-turn.ts).
    await db.execute(sql`insert into call_events (team_id, call_id, at_ms, kind, name, data)
      values (${row.teamId}, ${row.callId}, ${row.atMs}, ${row.kind}, ${row.name}, ${JSON.stringify(row.data)}::jsonb)`);
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
