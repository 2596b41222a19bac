import { and, count, desc, eq, gte, inArray, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { agents, calls, phoneNumbers, type PhoneNumber } from "@/db/schema";
import { localTodayRange } from "@/lib/time/zone";

export type TNumberAttention = "not_configured" | "no_agent" | "agent_not_live";

export type TNumberListItem = Pick<PhoneNumber, "id" | "e164" | "friendlyName" | "country" | "source" | "twilioAccountSid" | "isVoiceConfigured" | "createdAt"> & {
  agent: { id: string; name: string; isLive: boolean } | null;
  callsToday: number;
  // Empty when the number is configured and answered by a live agent.
  attention: TNumberAttention[];
};

export type TReleasedNumber = Pick<PhoneNumber, "id" | "e164" | "friendlyName" | "source" | "createdAt" | "releasedAt">;

export const RELEASED_LIST_LIMIT = 20;

// The numbers page: active numbers with their agent, what needs attention, and calls since the start of today in
// the team's time zone (`tz`; the day boundaries of lib/time/zone.ts); plus the most recently released numbers.
export async function listNumbers(
  db: DbOrTx,
  teamId: string,
  now = new Date(),
  tz = "UTC",
): Promise<{ active: TNumberListItem[]; released: TReleasedNumber[] }> {
  const [rows, released] = await Promise.all([
    db
      .select({
        number: phoneNumbers,
        agentId: agents.id,
        agentName: agents.name,
        agentVersionId: agents.publishedVersionId,
      })
      .from(phoneNumbers)
      .leftJoin(agents, and(eq(agents.id, phoneNumbers.agentId), eq(agents.teamId, phoneNumbers.teamId), isNull(agents.archivedAt)))
      .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.status, "active")))
      .orderBy(desc(phoneNumbers.createdAt)),
    db
      .select({
        id: phoneNumbers.id,
        e164: phoneNumbers.e164,
        friendlyName: phoneNumbers.friendlyName,
        source: phoneNumbers.source,
        createdAt: phoneNumbers.createdAt,
        releasedAt: phoneNumbers.releasedAt,
      })
      .from(phoneNumbers)
      .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.status, "released")))
      .orderBy(desc(phoneNumbers.releasedAt))
      .limit(RELEASED_LIST_LIMIT),
  ]);
  const ids = rows.map((r) => r.number.id);
  const today = ids.length
    ? await db
        .select({ phoneNumberId: calls.phoneNumberId, n: count() })
        .from(calls)
        .where(and(eq(calls.teamId, teamId), inArray(calls.phoneNumberId, ids), gte(calls.startedAt, localTodayRange(tz, now).from)))
        .groupBy(calls.phoneNumberId)
    : [];
  const active = rows.map(({ number, agentId, agentName, agentVersionId }): TNumberListItem => {
    const agent = agentId && agentName !== null ? { id: agentId, name: agentName, isLive: agentVersionId !== null } : null;
    const attention: TNumberAttention[] = [];
    if (!number.isVoiceConfigured) attention.push("not_configured");
    if (!agent) attention.push("no_agent");
    else if (!agent.isLive) attention.push("agent_not_live");
    return {
      id: number.id,
      e164: number.e164,
      friendlyName: number.friendlyName,
      country: number.country,
      source: number.source,
      twilioAccountSid: number.twilioAccountSid,
      isVoiceConfigured: number.isVoiceConfigured,
      createdAt: number.createdAt,
      agent,
      callsToday: today.find((t) => t.phoneNumberId === number.id)?.n ?? 0,
      attention,
    };
  });
  return { active, released };
}
