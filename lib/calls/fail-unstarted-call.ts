import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";

// A media stream that broke before its `start` (malformed first message, socket closed): the call it was opened
// for (named in the stream's signed URL) never reached the agent. It is finalized at once, failed, with an error
// event saying why, rather than ringing on until the line-hold timeout and the recovery sweep. Only a call still
// ringing, never answered, and reached through a number of the account the stream was signed for is touched;
// returns whether this call was one.
export async function failUnstartedCall(
  db: Db,
  input: { teamId: string; callId: string; accountSid: string; reason: string; at: Date },
): Promise<boolean> {
  const rows = await db.execute<{ id: string }>(sql`
    with failed as (
      update calls c set
        status = 'failed', outcome = 'failed', end_reason = 'stream_failed',
        ended_at = ${input.at.toISOString()}::timestamptz, duration_sec = 0, error_count = c.error_count + 1, updated_at = now()
      where c.id = ${input.callId} and c.team_id = ${input.teamId}
        and c.status = 'ringing' and c.ended_at is null and c.answered_at is null
        and (c.phone_number_id is null or exists (
          select 1 from phone_numbers p where p.id = c.phone_number_id and p.team_id = c.team_id and p.twilio_account_sid = ${input.accountSid}))
      returning c.id, c.team_id
    ),
    explained as (
      insert into call_events (team_id, call_id, at_ms, kind, name, data)
      select team_id, id, 0, 'error', 'stream_failed',
        jsonb_build_object('stage', 'transport', 'kind', 'protocol', 'message', ${input.reason.slice(0, 500)}::text)
      from failed
    )
    select id from failed`);
  return Array.from(rows as Iterable<unknown>).length === 1;
}
