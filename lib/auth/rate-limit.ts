import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";

// Fixed-window counter in Postgres, shared by every process. Returns whether this hit is allowed.
export async function hitRateLimit(
  db: DbOrTx,
  key: string,
  options: { limit: number; windowMs: number },
): Promise<{ isAllowed: boolean; retryAfterMs: number }> {
  const rows = await db.execute<{ count: number; window_started_at: string }>(sql`
    insert into rate_limits (key, count, window_started_at) values (${key}, 1, now())
    on conflict (key) do update set
      count = case when rate_limits.window_started_at < now() - ${`${options.windowMs} milliseconds`}::interval
                   then 1 else rate_limits.count + 1 end,
      window_started_at = case when rate_limits.window_started_at < now() - ${`${options.windowMs} milliseconds`}::interval
                   then now() else rate_limits.window_started_at end
    returning count, window_started_at`);
  const row = rows[0];
  if (!row) return { isAllowed: true, retryAfterMs: 0 };
  const isAllowed = row.count <= options.limit;
  const retryAfterMs = isAllowed ? 0 : Math.max(0, new Date(row.window_started_at).getTime() + options.windowMs - Date.now());
  return { isAllowed, retryAfterMs };
}

export async function resetRateLimit(db: DbOrTx, key: string): Promise<void> {
  await db.execute(sql`delete from rate_limits where key = ${key}`);
}
