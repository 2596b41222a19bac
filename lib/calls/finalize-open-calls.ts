import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";

// Crash recovery: a voice server that died mid-call left calls its session never finalized. Two kinds:
// - no ended_at at all (no word from Twilio either);
// - answered, ended by Twilio's status callback (ended_at, status and Twilio's duration are set) but with no
//   outcome, which only the session writes.
// Each is closed with what was captured. The end is the call's last sign of life: its last heartbeat or the end
// of the last turn or event recorded, whichever is later (the heartbeat interval bounds the error); a time and
// duration Twilio already gave are kept. The outcome follows from what the call got done, end_reason says the
// voice server was lost, and an error event dated at the end explains it (the call page lists it under Errors,
// and error_count flags the call in lists).
// Only calls started before `startedBefore` are touched and, with `staleBefore`, only those whose process stopped
// sending heartbeats before then (with several voice server instances, the others' live calls keep theirs fresh).
export async function finalizeOpenCalls(
  db: Db,
  options: { startedBefore: Date; staleBefore?: Date; endReason?: string; directions?: ("inbound" | "web")[] },
): Promise<{ callIds: string[]; calls: { teamId: string; callId: string }[] }> {
  const endReason = options.endReason ?? "voice_server_lost";
  const directions = options.directions ?? ["inbound", "web"];
  const rows = await db.execute<{ id: string; team_id: string }>(sql`
    with open_calls as (
      select c.id, c.team_id, c.transferred_to, c.status as old_status, c.heartbeat_at,
        c.ended_at is not null as has_twilio_end,
        coalesce(c.answered_at, c.started_at) as base_at,
        greatest(
          coalesce(c.heartbeat_at, c.answered_at, c.started_at),
          coalesce(c.answered_at, c.started_at) + (greatest(
            coalesce((select max(t.end_ms) from call_turns t where t.team_id = c.team_id and t.call_id = c.id), 0),
            coalesce((select max(e.at_ms) from call_events e where e.team_id = c.team_id and e.call_id = c.id), 0)
          ) || ' milliseconds')::interval
        ) as last_alive_at,
        exists (select 1 from call_turns t where t.team_id = c.team_id and t.call_id = c.id and t.speaker = 'caller') as has_caller_turn,
        exists (select 1 from caller_messages m where m.team_id = c.team_id and m.call_id = c.id) as has_message
      from calls c
      where (c.ended_at is null or (c.outcome is null and c.answered_at is not null))
        and c.started_at < ${options.startedBefore.toISOString()}::timestamptz
        ${options.staleBefore ? sql`and coalesce(c.heartbeat_at, c.started_at) < ${options.staleBefore.toISOString()}::timestamptz` : sql``}
        and c.direction::text in (${sql.join(directions.map((d) => sql`${d}`), sql`, `)})
      for update of c skip locked
    ),
    closed as (
      update calls c set
        ended_at = coalesce(c.ended_at, o.last_alive_at),
        duration_sec = coalesce(c.duration_sec, greatest(0, round(extract(epoch from (o.last_alive_at - o.base_at))))::integer),
        status = case when c.status = 'in_progress' then 'completed'::call_status
                      when c.status = 'ringing' then 'failed'::call_status
                      else c.status end,
        outcome = coalesce(c.outcome, case
          when o.transferred_to is not null then 'transferred'
          when o.has_message then 'message_taken'
          when not o.has_caller_turn then 'abandoned'
          else 'failed' end::call_outcome),
        -- A call still ringing never got a media stream: nothing was lost mid-call.
        end_reason = coalesce(c.end_reason, case when o.old_status = 'ringing' then 'stream_not_connected' else ${endReason} end),
        error_count = c.error_count + 1,
        updated_at = now()
      from open_calls o
      where c.id = o.id
      returning c.id, c.team_id, c.ended_at, c.end_reason, c.status, o.base_at, o.heartbeat_at, o.has_twilio_end, o.old_status
    ),
    explained as (
      insert into call_events (team_id, call_id, at_ms, kind, name, data)
      select team_id, id, greatest(0, round(extract(epoch from (ended_at - base_at)) * 1000))::integer, 'error', end_reason,
        jsonb_build_object(
          'stage', 'recovery',
          'kind', end_reason,
          'message', case when old_status = 'ringing'
            then 'Twilio never opened the media stream for this call.'
            else 'The voice server running this call stopped (crash or kill); the call was closed from its last sign of life by another process.' end,
          'lastHeartbeatAt', heartbeat_at,
          'endedBy', case when has_twilio_end then 'twilio_status_callback' else 'last_sign_of_life' end)
      from closed
    )
    select id, team_id from closed
  `);
  const recovered = Array.from(rows as Iterable<{ id: string; team_id: string }>, (r) => ({ teamId: r.team_id, callId: r.id }));
  return { callIds: recovered.map((c) => c.callId), calls: recovered };
}
