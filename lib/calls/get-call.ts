import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  agents,
  agentVersions,
  callerMessages,
  callEvents,
  calls,
  callTurns,
  phoneNumbers,
  type Call,
  type CallerMessage,
  type CallEvent,
  type CallTurn,
} from "@/db/schema";
import { openCallFields, openMessages } from "@/lib/crypto/team-fields";
import { AppError } from "@/lib/errors";

export type TCallDetail = Call & {
  agentName: string | null;
  agentVersion: number | null;
  phoneNumberE164: string | null;
  turns: CallTurn[];
  events: CallEvent[];
  messages: CallerMessage[];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One call with everything the detail page and GET /api/v1/calls/{id} show. Another team's call id is not found.
export async function getCall(db: Db, teamId: string, callId: string): Promise<TCallDetail> {
  if (!UUID.test(callId)) throw new AppError("not_found", "Call not found.");
  const [row] = await db
    .select({ call: calls, agentName: agents.name, agentVersion: agentVersions.version, phoneNumberE164: phoneNumbers.e164 })
    .from(calls)
    .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.teamId, calls.teamId)))
    .leftJoin(agentVersions, and(eq(agentVersions.id, calls.agentVersionId), eq(agentVersions.teamId, calls.teamId)))
    .leftJoin(phoneNumbers, and(eq(phoneNumbers.id, calls.phoneNumberId), eq(phoneNumbers.teamId, calls.teamId)))
    .where(and(eq(calls.id, callId), eq(calls.teamId, teamId)))
    .limit(1);
  if (!row) throw new AppError("not_found", "Call not found.");
  const [turns, events, messages] = await Promise.all([
    db.select().from(callTurns).where(and(eq(callTurns.teamId, teamId), eq(callTurns.callId, callId))).orderBy(asc(callTurns.seq)),
    db
      .select()
      .from(callEvents)
      .where(and(eq(callEvents.teamId, teamId), eq(callEvents.callId, callId)))
      .orderBy(asc(callEvents.atMs), asc(callEvents.createdAt)),
    db
      .select()
      .from(callerMessages)
      .where(and(eq(callerMessages.teamId, teamId), eq(callerMessages.callId, callId)))
      .orderBy(asc(callerMessages.createdAt)),
  ]);
  const call = await openCallFields(db, row.call);
  return { ...call, agentName: row.agentName, agentVersion: row.agentVersion, phoneNumberE164: row.phoneNumberE164, turns, events, messages: await openMessages(db, messages) };
}
