import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agents, calls, phoneNumbers, webhookDeliveries } from "@/db/schema";
import { toCallOut } from "@/lib/api/serialize";
import { openCallFields } from "@/lib/crypto/team-fields";
import { redactJson, redactText } from "@/lib/redaction/redact-text";
import { redactionSettingsFor } from "@/lib/redaction/redaction-settings";
import { emitTeamEvent, hasSubscribedEndpoint } from "./dispatch";
import type { TWebhookEvent } from "./events";

// The call events' payload is the call as GET /api/v1/calls/{id} shows it (without the transcript), read after
// the write that triggered the event. call.started and call.completed are sent at most once per call, so a
// finalize that runs twice (session close and Twilio's status callback) does not notify twice; call.analyzed is
// sent after every (re-)analysis.
export async function emitCallEvent(db: Db, teamId: string, callId: string, event: TWebhookEvent, now = new Date()): Promise<number> {
  // No endpoint listens (most teams): nothing to read, open, redact, lock or check. The voice server emits twice per
  // call (started, completed), and all of that was several round trips and a full call row on its event loop.
  if (!(await hasSubscribedEndpoint(db, teamId, event))) return 0;
  const [row] = await db
    .select({ call: calls, agentName: agents.name, phoneNumberE164: phoneNumbers.e164 })
    .from(calls)
    .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.teamId, calls.teamId)))
    .leftJoin(phoneNumbers, and(eq(phoneNumbers.id, calls.phoneNumberId), eq(phoneNumbers.teamId, calls.teamId)))
    .where(and(eq(calls.id, callId), eq(calls.teamId, teamId)))
    .limit(1);
  if (!row || row.call.isTest) return 0;
  const call = toCallOut({ ...(await openCallFields(db, row.call)), agentName: row.agentName, phoneNumberE164: row.phoneNumberE164 });
  // The free text leaving for the team's endpoint gets its PII redaction (stored analyses are already redacted;
  // this also covers ones written before redaction was on). Caller ID fields are metadata and stay.
  const redaction = await redactionSettingsFor(db, teamId);
  const data = {
    call: {
      ...call,
      summary: call.summary ? redactText(call.summary, redaction).text : call.summary,
      topic: call.topic ? redactText(call.topic, redaction).text : call.topic,
      captured_fields: redactJson(call.captured_fields, redaction),
    },
  };
  if (event === "call.analyzed") return (await emitTeamEvent(db, teamId, event, data, now)).deliveries;
  // The lock makes check-then-insert atomic when two finalizes race.
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`webhook:${event}:${callId}`}))`);
    const [sent] = await tx
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.teamId, teamId), eq(webhookDeliveries.event, event), sql`${webhookDeliveries.payload}->'data'->'call'->>'id' = ${callId}`))
      .limit(1);
    if (sent) return 0;
    return (await emitTeamEvent(tx, teamId, event, data, now)).deliveries;
  });
}
