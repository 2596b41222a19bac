import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";

// Members who chose the daily digest get one email a day listing the open messages of the last 24 hours, and
// none on a day without any. Claimed with SKIP LOCKED, so two workers never send the same digest.
export async function queueDueDigests(db: Db, now = new Date()): Promise<string[]> {
  return db.transaction(async (tx) => {
    const due = await tx.execute<{ team_id: string; user_id: string; email: string; has_messages: boolean }>(sql`
      select p.team_id, p.user_id, u.email,
        exists (
          select 1 from caller_messages m
          where m.team_id = p.team_id and m.status in ('new', 'assigned') and m.created_at > ${now.toISOString()}::timestamptz - interval '24 hours'
        ) as has_messages
      from notification_preferences p
      join users u on u.id = p.user_id
      join memberships ms on ms.team_id = p.team_id and ms.user_id = p.user_id and ms.role <> 'viewer'
      where p.email_mode = 'digest' and (p.last_digest_at is null or p.last_digest_at <= ${now.toISOString()}::timestamptz - interval '24 hours')
      limit 200
      for update of p skip locked`);
    const ids: string[] = [];
    for (const row of due) {
      await tx.execute(sql`update notification_preferences set last_digest_at = ${now.toISOString()}::timestamptz where team_id = ${row.team_id} and user_id = ${row.user_id}`);
      if (!row.has_messages) continue;
      const inserted = await tx.execute<{ id: string }>(sql`
        insert into notification_deliveries (team_id, user_id, kind, channel, recipient, created_at)
        values (${row.team_id}, ${row.user_id}, 'digest', 'email', ${row.email}, ${now.toISOString()}::timestamptz)
        returning id`);
      ids.push(...[...inserted].map((r) => r.id));
    }
    return ids;
  });
}
