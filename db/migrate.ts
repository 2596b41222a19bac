import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

// Applies the committed drizzle-kit migrations (db/migrations, meta/_journal.json), keeping drizzle's bookkeeping
// (drizzle.__drizzle_migrations: one row per migration with the file's sha256 and its journal timestamp), so a
// database migrated by drizzle's own migrator carries on here and the other way round. Two differences, both for
// production:
// - Several instances may start at once: a session advisory lock makes them take turns, and the later ones find
//   nothing left to do.
// - Indexes on the large tables are built with CREATE INDEX CONCURRENTLY, which does not block writes but cannot
//   run inside a transaction. Each migration runs in a transaction of its own; its index builds on a large table
//   that already existed run after that transaction commits, one by one, and the migration is recorded only when
//   they are done. An index build that failed leaves an invalid index, which is dropped so a rerun builds it again.

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

// Tables that grow with traffic: locking them for an index build would stall live calls.
export const LARGE_TABLES = new Set(["calls", "call_turns", "call_events"]);

// Any fixed number, the same in every process that migrates.
const MIGRATION_LOCK_KEY = 0x61696361_6d6967n; // "aica" "mig"

type TMigration = { tag: string; statements: string[]; hash: string; folderMillis: number };

const CREATE_INDEX =
  /^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|\w+)\s+ON\s+(?:ONLY\s+)?(?:(?:"(?:[^"]|"")+"|\w+)\.)?("(?:[^"]|"")+"|\w+)/i;

const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase());

export function readMigrations(dir = MIGRATIONS_DIR): TMigration[] {
  const journal = JSON.parse(fs.readFileSync(path.join(dir, "meta", "_journal.json"), "utf8")) as { entries: { tag: string; when: number }[] };
  return journal.entries.map((entry) => {
    const query = fs.readFileSync(path.join(dir, `${entry.tag}.sql`), "utf8");
    return {
      tag: entry.tag,
      // As drizzle splits them; empty pieces (a trailing breakpoint) are skipped when run.
      statements: query.split("--> statement-breakpoint"),
      hash: createHash("sha256").update(query).digest("hex"),
      folderMillis: entry.when,
    };
  });
}

// An index build that must not run in the transaction: written CONCURRENTLY, or on a large table that exists.
export function concurrentIndex(statement: string, existingTables: Set<string>): { name: string; sql: string } | null {
  const match = CREATE_INDEX.exec(statement);
  if (!match) return null;
  const [, unique = "", concurrently, ifNotExists = "", rawName = "", rawTable = ""] = match;
  const table = unquote(rawTable);
  if (!concurrently && !(LARGE_TABLES.has(table) && existingTables.has(table))) return null;
  const rest = statement.slice(match[0].length);
  const sql = `CREATE ${unique}INDEX CONCURRENTLY ${ifNotExists}${rawName} ON ${rawTable}${rest}`.trim().replace(/;\s*$/, "");
  return { name: unquote(rawName), sql };
}

type TSql = postgres.Sql;

// Builds one index without blocking writes. A valid index of that name means an earlier run built it; an invalid
// one is what a failed or interrupted CONCURRENTLY build leaves, and is dropped and built again.
async function buildIndexConcurrently(sql: TSql, index: { name: string; sql: string }): Promise<void> {
  const [found] = await sql<{ valid: boolean }[]>`
    select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    join pg_namespace n on n.oid = c.relnamespace where c.relname = ${index.name} and n.nspname = current_schema()`;
  if (found?.valid) return;
  if (found) await sql.unsafe(`DROP INDEX CONCURRENTLY IF EXISTS "${index.name.replaceAll('"', '""')}"`);
  await sql.unsafe(index.sql);
}

// Index builds recorded with their migration but not yet done (a build failed, or the process died): finished
// before anything else, so a migration is never half applied for longer than one run.
async function finishPendingIndexes(sql: TSql, log: (line: string) => void): Promise<void> {
  const pending = await sql<{ name: string; migration: string; sql: string }[]>`select name, migration, sql from drizzle.__pending_concurrent_indexes order by id`;
  for (const index of pending) {
    log(`${index.migration}: building index ${index.name} concurrently`);
    try {
      await buildIndexConcurrently(sql, index);
    } catch (error) {
      throw new Error(`Migration ${index.migration}: building index ${index.name} failed (run db:migrate again to retry): ${(error as Error).message}`, { cause: error });
    }
    await sql`delete from drizzle.__pending_concurrent_indexes where name = ${index.name}`;
  }
}

export async function migrateDatabase(url: string, options: { dir?: string; log?: (line: string) => void } = {}): Promise<{ applied: string[] }> {
  const log = options.log ?? (() => {});
  // One connection: the advisory lock belongs to the session.
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const applied: string[] = [];
  try {
    // Polled rather than waited for: a session blocked in pg_advisory_lock holds a snapshot, and CREATE INDEX
    // CONCURRENTLY in the session holding the lock waits for every older snapshot to go: a deadlock.
    for (;;) {
      const [row] = await sql<{ locked: boolean }[]>`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint) as locked`;
      if (row?.locked) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    try {
      await sql`create schema if not exists drizzle`;
      await sql`create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`;
      await sql`create table if not exists drizzle.__pending_concurrent_indexes (id serial primary key, name text not null unique, migration text not null, sql text not null)`;
      await finishPendingIndexes(sql, log);
      const [last] = await sql<{ created_at: string | null }[]>`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
      const lastMillis = last?.created_at ? Number(last.created_at) : null;
      for (const migration of readMigrations(options.dir)) {
        if (lastMillis !== null && lastMillis >= migration.folderMillis) continue;
        const tables = await sql<{ name: string }[]>`select tablename as name from pg_tables where schemaname = current_schema()`;
        const existing = new Set(tables.map((t) => t.name));
        // The migration, its bookkeeping row and its deferred index builds commit together; the builds follow.
        await sql.begin(async (tx) => {
          for (const statement of migration.statements) {
            if (!statement.trim()) continue;
            const concurrent = concurrentIndex(statement, existing);
            if (concurrent) await tx`insert into drizzle.__pending_concurrent_indexes (name, migration, sql) values (${concurrent.name}, ${migration.tag}, ${concurrent.sql})`;
            else await tx.unsafe(statement);
          }
          await tx`insert into drizzle.__drizzle_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`;
        });
        await finishPendingIndexes(sql, log);
        applied.push(migration.tag);
        log(`${migration.tag}: applied`);
      }
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.catch(() => {});
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return { applied };
}
