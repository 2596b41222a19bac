import { and, asc, eq, inArray, isNull, ne, or, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { callerMessages, callers } from "@/db/schema";
import type { TAgentSnapshot, TCallerContext } from "@/lib/agents/config";
import { firstNameOf } from "./first-name";
import { isCallerNumber } from "./phone";

// Personalization for a returning caller, decided with caller ID spoofing in mind. Whoever calls from a number
// may hear only what the number's owner would not mind a stranger holding that number hearing: the first name on
// file and that a request is open. Earlier summaries, captured details and message texts are never loaded into
// the call at all (not even as "do not disclose" context): a model can be talked out of an instruction, but not
// out of text it never had, and the offline engine has no notion of secrets. A caller who wants to discuss an
// earlier request is told the team will call back on the number on file, which reaches the real owner.

export async function loadCallerContext(
  db: DbOrTx,
  input: { teamId: string; e164: string; excludeCallId?: string },
): Promise<TCallerContext | null> {
  if (!isCallerNumber(input.e164)) return null;
  // One round trip: it runs before the greeting of every returning caller's call.
  const openRequest = db
    .select({ createdAt: callerMessages.createdAt })
    .from(callerMessages)
    .where(
      and(
        eq(callerMessages.teamId, input.teamId),
        eq(callerMessages.callerId, callers.id),
        inArray(callerMessages.status, ["new", "assigned"]),
        // A message taken on this very call is not an earlier request.
        input.excludeCallId ? or(isNull(callerMessages.callId), ne(callerMessages.callId, input.excludeCallId)) : undefined,
      ),
    )
    .orderBy(asc(callerMessages.createdAt))
    .limit(1);
  const [caller] = await db
    .select({ name: callers.name, openRequestAt: sql<Date | string | null>`(${openRequest})` })
    .from(callers)
    .where(and(eq(callers.teamId, input.teamId), eq(callers.e164, input.e164)))
    .limit(1);
  if (!caller) return null;
  const firstName = firstNameOf(caller.name);
  if (!firstName && !caller.openRequestAt) return null;
  return { firstName, openRequestAt: caller.openRequestAt ? new Date(caller.openRequestAt).toISOString() : null };
}

// "yesterday", "on Tuesday", "on December 3": when the open request was left, as said on the phone.
export function spokenDay(iso: string, now: Date, timeZone: string): string {
  const tz = (() => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone });
      return timeZone;
    } catch {
      return "UTC";
    }
  })();
  const dayKey = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
  const then = new Date(iso);
  const days = Math.round((Date.parse(dayKey(now)) - Date.parse(dayKey(then))) / 86_400_000);
  if (days <= 0) return "earlier today";
  if (days === 1) return "yesterday";
  if (days < 7) return `on ${new Intl.DateTimeFormat("en-US", { timeZone: tz, weekday: "long" }).format(then)}`;
  return `on ${new Intl.DateTimeFormat("en-US", { timeZone: tz, month: "long", day: "numeric" }).format(then)}`;
}

// The opening line for a returning caller: the first name, then the open request, then the agent's own greeting.
export function personalGreeting(greeting: string, context: TCallerContext, now: Date, timeZone: string): string {
  const parts: string[] = [];
  parts.push(context.firstName ? `Hi ${context.firstName}, welcome back.` : "Welcome back.");
  if (context.openRequestAt) {
    parts.push(`I see you asked us to call you back ${spokenDay(context.openRequestAt, now, timeZone)}, and that request is still open.`);
  }
  parts.push(greeting.trim());
  return parts.join(" ");
}

// The per-call copy of a published version for a returning caller: the greeting names them, and the instructions
// (lib/agents/assemble-instructions.ts) learn what they may say. The version itself is never changed.
export function personalizeSnapshot(snapshot: TAgentSnapshot, context: TCallerContext | null, now: Date): TAgentSnapshot {
  if (!context || snapshot.config.isPersonalizationEnabled === false) return snapshot;
  const tz = snapshot.config.businessHours.timeZone;
  const hours = snapshot.config.businessHours;
  return {
    ...snapshot,
    caller: context,
    config: {
      ...snapshot.config,
      greeting: personalGreeting(snapshot.config.greeting, context, now, tz),
      businessHours: { ...hours, afterHoursMessage: personalGreeting(hours.afterHoursMessage, context, now, tz) },
    },
  };
}

// For the incoming-call webhook and the media stream: the snapshot this caller's call runs with.
export async function snapshotForCaller(
  db: DbOrTx,
  input: { snapshot: TAgentSnapshot; teamId: string; fromNumber: string; isTest: boolean; direction: string; callId?: string; now: Date },
): Promise<TAgentSnapshot> {
  if (input.snapshot.config.isPersonalizationEnabled === false || input.isTest || input.direction !== "inbound") return input.snapshot;
  const context = await loadCallerContext(db, { teamId: input.teamId, e164: input.fromNumber, excludeCallId: input.callId });
  return personalizeSnapshot(input.snapshot, context, input.now);
}
