import { and, desc, eq, lt, or } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { auditLogs } from "@/db/schema";

// Newest first, keyset-paginated on (created_at, id).
export async function listAuditLogs(
  db: DbOrTx,
  teamId: string,
  options: { limit?: number; before?: { createdAt: Date; id: string } } = {},
) {
  const limit = Math.min(options.limit ?? 50, 200);
  const before = options.before;
  const rows = await db
    .select()
    .from(auditLogs)
    .where(
      and(
        eq(auditLogs.teamId, teamId),
        before
          ? or(
              lt(auditLogs.createdAt, before.createdAt),
              and(eq(auditLogs.createdAt, before.createdAt), lt(auditLogs.id, before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(auditLogs.createdAt), desc(auditLogs.id))
    .limit(limit + 1);
  return { entries: rows.slice(0, limit), hasMore: rows.length > limit };
}
