import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agents, agentVersions, calls, phoneNumbers, teams, type Call } from "@/db/schema";
import { ZAgentSnapshot, type TAgentSnapshot } from "@/lib/agents/config";
import { snapshotForCaller } from "@/lib/callers/caller-context";

export type TInboundRoute = {
  phoneNumberId: string;
  teamId: string;
  concurrentCallLimit: number;
  agentId: string | null;
  agentVersionId: string | null;
  snapshot: TAgentSnapshot | null;
};

// A version's snapshot, parsed once: agent versions are never changed after they are written (a publish adds a
// new one), and checking the whole snapshot against its schema cost more than the rest of a webhook, twice per
// call (the webhook and the stream), refused calls included (bench:voice's overload step). Calls share the
// parsed object, which is never written to (a returning caller's greeting gets its own copy: snapshotForCaller).
const PARSED_SNAPSHOTS_MAX = 256;
const parsedSnapshots = new Map<string, TAgentSnapshot>();

function parseVersionSnapshot(agentVersionId: string, raw: unknown): TAgentSnapshot | null {
  const cached = parsedSnapshots.get(agentVersionId);
  if (cached) {
    // Most recently used last, so the oldest entry is the first one dropped.
    parsedSnapshots.delete(agentVersionId);
    parsedSnapshots.set(agentVersionId, cached);
    return cached;
  }
  const parsed = ZAgentSnapshot.safeParse(raw);
  if (!parsed.success) return null;
  parsedSnapshots.set(agentVersionId, parsed.data);
  if (parsedSnapshots.size > PARSED_SNAPSHOTS_MAX) parsedSnapshots.delete(parsedSnapshots.keys().next().value!);
  return parsed.data;
}

// Which team and published agent answer a call to `toE164`. The number must belong to the Twilio account that
// signed the webhook, so one tenant's account can never route calls into another tenant's agent.
export async function resolveInboundRoute(db: Db, input: { toE164: string; accountSid: string }): Promise<TInboundRoute | null> {
  const [row] = await db
    .select({
      phoneNumberId: phoneNumbers.id,
      teamId: phoneNumbers.teamId,
      accountSid: phoneNumbers.twilioAccountSid,
      concurrentCallLimit: teams.concurrentCallLimit,
      agentId: agents.id,
      archivedAt: agents.archivedAt,
      agentVersionId: agentVersions.id,
      snapshot: agentVersions.snapshot,
    })
    .from(phoneNumbers)
    .innerJoin(teams, eq(teams.id, phoneNumbers.teamId))
    .leftJoin(agents, and(eq(agents.id, phoneNumbers.agentId), eq(agents.teamId, phoneNumbers.teamId)))
    .leftJoin(
      agentVersions,
      and(eq(agentVersions.id, agents.publishedVersionId), eq(agentVersions.teamId, phoneNumbers.teamId)),
    )
    .where(and(eq(phoneNumbers.e164, input.toE164), eq(phoneNumbers.status, "active")))
    .limit(1);
  if (!row || row.accountSid !== input.accountSid) return null;
  const parsed = row.snapshot && row.agentVersionId ? parseVersionSnapshot(row.agentVersionId, row.snapshot) : null;
  // A snapshot that no longer parses (an old shape) cannot run a call; treat the agent as unpublished.
  const isLive = row.agentId !== null && row.archivedAt === null && row.agentVersionId !== null && parsed !== null;
  return {
    phoneNumberId: row.phoneNumberId,
    teamId: row.teamId,
    concurrentCallLimit: row.concurrentCallLimit,
    agentId: isLive ? row.agentId : null,
    agentVersionId: isLive ? row.agentVersionId : null,
    snapshot: isLive ? parsed : null,
  };
}

// phoneNumberAccountSid: the Twilio account that owns the called number (null for web calls).
export type TCallForStream = { call: Call; snapshot: TAgentSnapshot; phoneNumberAccountSid: string | null };

// What a media stream needs to run the call, read once when it starts. The team id comes from our own TwiML
// parameters and is checked against the row in the same query.
export async function loadCallForStream(db: Db, input: { callId: string; teamId: string }): Promise<TCallForStream | null> {
  const [row] = await db
    .select({ call: calls, agentVersionId: agentVersions.id, snapshot: agentVersions.snapshot, phoneNumberAccountSid: phoneNumbers.twilioAccountSid })
    .from(calls)
    .innerJoin(agentVersions, and(eq(agentVersions.id, calls.agentVersionId), eq(agentVersions.teamId, calls.teamId)))
    .leftJoin(phoneNumbers, and(eq(phoneNumbers.id, calls.phoneNumberId), eq(phoneNumbers.teamId, calls.teamId)))
    .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId), isNull(calls.endedAt)))
    .limit(1);
  if (!row) return null;
  const published = parseVersionSnapshot(row.agentVersionId, row.snapshot) ?? ZAgentSnapshot.parse(row.snapshot);
  // A returning caller's call runs with a per-call copy that greets them (lib/callers/caller-context.ts). Never
  // worth failing a call over: without it, the agent greets as usual.
  const snapshot = await snapshotForCaller(db, {
    snapshot: published,
    teamId: row.call.teamId,
    fromNumber: row.call.fromNumber,
    isTest: row.call.isTest,
    direction: row.call.direction,
    callId: row.call.id,
    now: new Date(),
  }).catch(() => published);
  return { call: row.call, snapshot, phoneNumberAccountSid: row.phoneNumberAccountSid };
}

// The published agent versions live phone numbers route to (distinct), most recently published first: what the
// voice server prepares greetings for at startup. Across all teams by design: the voice server serves them all.
export async function listRoutedAgentVersions(db: Db, limit: number): Promise<{ agentVersionId: string; snapshot: TAgentSnapshot }[]> {
  const rows = await db
    .selectDistinct({ agentVersionId: agentVersions.id, snapshot: agentVersions.snapshot, createdAt: agentVersions.createdAt })
    .from(phoneNumbers)
    .innerJoin(agents, and(eq(agents.id, phoneNumbers.agentId), eq(agents.teamId, phoneNumbers.teamId), isNull(agents.archivedAt)))
    .innerJoin(agentVersions, and(eq(agentVersions.id, agents.publishedVersionId), eq(agentVersions.teamId, phoneNumbers.teamId)))
    .where(eq(phoneNumbers.status, "active"))
    .orderBy(desc(agentVersions.createdAt))
    .limit(limit);
  return rows.flatMap((row) => {
    const parsed = ZAgentSnapshot.safeParse(row.snapshot);
    return parsed.success ? [{ agentVersionId: row.agentVersionId, snapshot: parsed.data }] : [];
  });
}
