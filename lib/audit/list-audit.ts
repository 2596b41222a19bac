import { and, desc, eq, gte, ilike, lt, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db/client";
import { auditLogs, type AuditLog } from "@/db/schema";

// Filters of the audit page and its CSV export: who (actor label contains), what (action, exact or a prefix
// such as "privacy."), and when (UTC days, inclusive).
export const ZAuditFilters = z.object({
  actor: z.string().trim().max(200).optional().transform((v) => v || undefined),
  action: z.string().trim().max(100).optional().transform((v) => v || undefined),
  from: z.iso.date("Use YYYY-MM-DD").optional().or(z.literal("").transform(() => undefined)),
  to: z.iso.date("Use YYYY-MM-DD").optional().or(z.literal("").transform(() => undefined)),
});
export type TAuditFilters = Partial<z.infer<typeof ZAuditFilters>>;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function filterConditions(filters: TAuditFilters): (SQL | undefined)[] {
  return [
    filters.actor ? ilike(auditLogs.actorLabel, `%${escapeLike(filters.actor)}%`) : undefined,
    filters.action ? (filters.action.endsWith(".") ? ilike(auditLogs.action, `${escapeLike(filters.action)}%`) : eq(auditLogs.action, filters.action)) : undefined,
    filters.from ? gte(auditLogs.createdAt, new Date(`${filters.from}T00:00:00Z`)) : undefined,
    filters.to ? lt(auditLogs.createdAt, new Date(Date.parse(`${filters.to}T00:00:00Z`) + 86_400_000)) : undefined,
  ];
}

// Newest first, keyset-paginated on (created_at, id).
export async function listAuditLogs(
  db: DbOrTx,
  teamId: string,
  options: { limit?: number; before?: { createdAt: Date; id: string }; filters?: TAuditFilters } = {},
) {
  const limit = Math.min(options.limit ?? 50, 200);
  const before = options.before;
  const rows = await db
    .select()
    .from(auditLogs)
    .where(
      and(
        eq(auditLogs.teamId, teamId),
        ...filterConditions(options.filters ?? {}),
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

// Every matching entry, newest first, in pages: the CSV export streams these.
export async function* iterateAuditLogs(db: DbOrTx, teamId: string, filters: TAuditFilters, pageSize = 1000): AsyncGenerator<AuditLog> {
  let before: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const { entries, hasMore } = await listAuditLogs(db, teamId, { limit: Math.min(pageSize, 200), before, filters });
    for (const entry of entries) yield entry;
    const last = entries.at(-1);
    if (!hasMore || !last) return;
    before = { createdAt: last.createdAt, id: last.id };
  }
}

const CSV_COLUMNS = ["seq", "created_at", "actor", "actor_user_id", "actor_api_key_id", "action", "target_type", "target_id", "target", "details", "ip", "hash", "prev_hash"] as const;

// RFC 4180 quoting, and cells that a spreadsheet would run as a formula are prefixed with a quote.
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function auditCsvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

export function auditCsvRow(e: AuditLog): string {
  return `${[e.seq, e.createdAt.toISOString(), e.actorLabel, e.actorUserId, e.actorApiKeyId, e.action, e.targetType, e.targetId, e.targetLabel, e.metadata, e.ip, e.hash, e.prevHash].map(csvCell).join(",")}\r\n`;
}
