import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";

// Crash recovery: a voice server that died mid-call left rows with no ended_at. They are closed with what was
// captured: the end is the last turn or event heard of, the outcome follows from what the call got done.
// Only calls started before `startedBefore` are touched and, with `staleBefore`, only those whose process stopped
// sending heartbeats before then (with several voice server instances, the others' live calls keep theirs fresh).
export async function finalizeOpenCalls(
  db: Db,
  options: { startedBefore: Date; staleBefore?: Date; endReason?: string; directions?: ("inbound" | "web")[] },
): Promise<{ callIds: string[]; calls: { teamId: string; callId: string }[] }> {
  const endReason = options.endReason ?? "server_restart";
  const directions = options.directions ?? ["inbound", "web"];
  const rows = await db.execute<{ id: string; team_id: string }>(sql`
    with open_calls as (
      select c.id, c.team_id, c.started_at, c.answered_at, c.transferred_to,
        coalesce(c.answered_at, c.started_at) as base_at,
        greatest(
          coalesce((select max(t.end_ms) from call_turns t where t.team_id = c.team_id and t.call_id = c.id), 0),
          coalesce((select max(e.at_ms) from call_events e where e.team_id = c.team_id and e.call_id = c.id), 0)
        ) as last_ms,
        exists (select 1 from call_turns t where t.team_id = c.team_id and t.call_id = c.id and t.speaker = 'caller') as has_caller_turn,
        exists (select 1 from caller_messages m where m.team_id = c.team_id and m.call_id = c.id) as has_message
      from calls c
      where c.ended_at is null
        and c.started_at < ${options.startedBefore.toISOString()}::timestamptz
        ${options.staleBefore ? sql`and coalesce(c.heartbeat_at, c.started_at) < ${options.staleBefore.toISOString()}::timestamptz` : sql``}
        and c.direction::text in (${sql.join(directions.map((d) => sql`${d}`), sql`, `)})
      for update of c skip locked
    )
    update calls c set
      ended_at = o.base_at + (o.last_ms || ' milliseconds')::interval,
      duration_sec = coalesce(c.duration_sec, round(o.last_ms / 1000.0)::integer),
      status = case when c.status = 'in_progress' then 'completed'::call_status
                    when c.status = 'ringing' then 'failed'::call_status
                    else c.status end,
      outcome = coalesce(c.outcome, case
        when o.transferred_to is not null then 'transferred'
        when o.has_message then 'message_taken'
        when not o.has_caller_turn then 'abandoned'
        else 'failed' end::call_outcome),
      end_reason = coalesce(c.end_reason, ${endReason}),
      updated_at = now()
    from open_calls o
    where c.id = o.id
    returning c.id, c.team_id
  `);
  const recovered = Array.from(rows as Iterable<{ id: string; team_id: string }>, (r) => ({ teamId: r.team_id, callId: r.id }));
  return { callIds: recovered.map((c) => c.callId), calls: recovered };
}
