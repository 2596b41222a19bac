import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agents, calls, callTurns, phoneNumbers } from "@/db/schema";
import { isHoldingLine } from "./count-active-calls";

export type TLiveTurn = { seq: number; speaker: "caller" | "agent"; text: string; startMs: number; isInterrupted: boolean };
export type TLiveCall = {
  id: string;
  status: string;
  isTest: boolean;
  direction: "inbound" | "web";
  fromNumber: string;
  toNumber: string;
  agentName: string | null;
  startedAt: string;
  answeredAt: string | null;
  turns: TLiveTurn[];
};

// Calls in progress with their transcript so far, for the live view. `afterSeq` maps call id -> the last turn the
// client already has, so each poll only carries new turns.
export async function listLiveCalls(db: Db, teamId: string, afterSeq: Record<string, number> = {}, now = new Date()): Promise<TLiveCall[]> {
  const rows = await db
    .select({
      id: calls.id,
      status: calls.status,
      isTest: calls.isTest,
      direction: calls.direction,
      fromNumber: calls.fromNumber,
      toNumber: calls.toNumber,
      phoneNumberE164: phoneNumbers.e164,
      agentName: agents.name,
      startedAt: calls.startedAt,
      answeredAt: calls.answeredAt,
    })
    .from(calls)
    .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.teamId, calls.teamId)))
    .leftJoin(phoneNumbers, and(eq(phoneNumbers.id, calls.phoneNumberId), eq(phoneNumbers.teamId, calls.teamId)))
    .where(
      and(
        eq(calls.teamId, teamId),
        // The calls holding a line: a crashed voice server's calls leave the live view once their heartbeat is stale.
        isHoldingLine(now),
      ),
    )
    .orderBy(desc(calls.startedAt))
    .limit(50);
  if (rows.length === 0) return [];
  const turns = await db
    .select({
      callId: callTurns.callId,
      seq: callTurns.seq,
      speaker: callTurns.speaker,
      text: callTurns.text,
      startMs: callTurns.startMs,
      isInterrupted: callTurns.isInterrupted,
    })
    .from(callTurns)
    .where(
      and(
        eq(callTurns.teamId, teamId),
        inArray(
          callTurns.callId,
          rows.map((r) => r.id),
        ),
        sql`${callTurns.seq} > coalesce((${JSON.stringify(afterSeq)}::jsonb ->> ${callTurns.callId}::text)::int, 0)`,
      ),
    )
    .orderBy(asc(callTurns.callId), asc(callTurns.seq));
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    isTest: r.isTest,
    direction: r.direction,
    fromNumber: r.fromNumber,
    toNumber: r.phoneNumberE164 ?? r.toNumber,
    agentName: r.agentName,
    startedAt: r.startedAt.toISOString(),
    answeredAt: r.answeredAt?.toISOString() ?? null,
    turns: turns.filter((t) => t.callId === r.id).map(({ callId: _, ...t }) => t),
  }));
}
