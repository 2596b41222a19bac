import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { concurrentIndex, MIGRATIONS_DIR, migrateDatabase, readMigrations } from "./migrate";

const adminUrl = inject("pgAdminUrl");
const created: string[] = [];
const tempDirs: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `m_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

afterAll(async () => {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  for (const name of created) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// The committed migrations plus one more, as a new release would bring.
function migrationsWith(tag: string, body: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aica-mig-"));
  tempDirs.push(dir);
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalPath = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { idx: number; when: number; tag: string }[] };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag });
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  fs.writeFileSync(path.join(dir, `${tag}.sql`), body);
  return dir;
}

async function bookkeeping(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql<{ hash: string; created_at: string }[]>`select hash, created_at from drizzle.__drizzle_migrations order by created_at`;
  } finally {
    await sql.end();
  }
}

describe("migrateDatabase", () => {
  it("keeps drizzle's bookkeeping: a database drizzle's migrator set up needs nothing more, and rows match", async () => {
    const byDrizzle = await emptyDatabase();
    const client = postgres(byDrizzle, { max: 1, onnotice: () => {} });
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
    await client.end();
    expect((await migrateDatabase(byDrizzle)).applied).toEqual([]);

    const byUs = await emptyDatabase();
    const { applied } = await migrateDatabase(byUs);
    expect(applied).toEqual(readMigrations().map((m) => m.tag));
    const rows = (await bookkeeping(byUs)).map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) }));
    expect(rows).toEqual((await bookkeeping(byDrizzle)).map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) })));
  });

  it("several instances migrating at once take turns: each migration is applied exactly once", async () => {
    const url = await emptyDatabase();
    const runs = await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)]);
    expect(runs.flatMap((r) => r.applied).sort()).toEqual(readMigrations().map((m) => m.tag).sort());
    expect(await bookkeeping(url)).toHaveLength(readMigrations().length);
  });

  it("builds a new index on a large table concurrently: writes to it go on while the build waits", async () => {
    const url = await emptyDatabase();
    await migrateDatabase(url);
    const dir = migrationsWith("0999_calls_ended_index", `CREATE INDEX "calls_ended_at_test_idx" ON "calls" USING btree ("ended_at");`);
    const [team] = await (async () => {
      const sql = postgres(url, { max: 1 });
      const rows = await sql<{ id: string }[]>`insert into teams (name, slug) values ('M', ${`m-${randomUUID().slice(0, 8)}`}) returning id`;
      await sql.end();
      return rows;
    })();
    // A call in progress: its transaction holds the table while the migration runs.
    const open = postgres(url, { max: 1 });
    const writer = postgres(url, { max: 1 });
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let inTransaction!: () => void;
    const started = new Promise<void>((resolve) => (inTransaction = resolve));
    const transaction = open.begin(async (tx) => {
      await tx`insert into calls (team_id, direction, status) values (${team!.id}, 'inbound', 'in_progress')`;
      inTransaction();
      await holding;
    });
    await started;
    let isMigrated = false;
    const migrating = migrateDatabase(url, { dir }).then((r) => {
      isMigrated = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 500));
    // A plain CREATE INDEX would queue for its SHARE lock behind that transaction, and this insert behind it.
    const insertStartedAt = Date.now();
    await writer`insert into calls (team_id, direction, status) values (${team!.id}, 'inbound', 'ringing')`;
    expect(Date.now() - insertStartedAt).toBeLessThan(2_000);
    expect(isMigrated).toBe(false);
    release();
    await transaction;
    expect((await migrating).applied).toEqual(["0999_calls_ended_index"]);
    const [index] = await writer<{ valid: boolean }[]>`select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'calls_ended_at_test_idx'`;
    expect(index?.valid).toBe(true);
    expect(await writer`select * from drizzle.__pending_concurrent_indexes`).toHaveLength(0);
    await Promise.all([open.end(), writer.end()]);
  });

  it("an index build that failed is finished by the next run, not forgotten", async () => {
    const url = await emptyDatabase();
    await migrateDatabase(url);
    // A unique index that existing rows violate: the build fails, and its migration's index stays pending.
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const [team] = await sql<{ id: string }[]>`insert into teams (name, slug) values ('M', ${`m-${randomUUID().slice(0, 8)}`}) returning id`;
    await sql`insert into calls (team_id, direction, status, from_number) values (${team!.id}, 'inbound', 'completed', '+15550001111'), (${team!.id}, 'inbound', 'completed', '+15550001111')`;
    const dir = migrationsWith("0999_unique_from", `CREATE UNIQUE INDEX "calls_from_test_uq" ON "calls" USING btree ("from_number");`);
    await expect(migrateDatabase(url, { dir })).rejects.toThrow(/calls_from_test_uq/);
    expect(await sql`select name from drizzle.__pending_concurrent_indexes`).toEqual([{ name: "calls_from_test_uq" }]);
    await sql`delete from calls where team_id = ${team!.id}`;
    await migrateDatabase(url, { dir });
    const [index] = await sql<{ valid: boolean }[]>`select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'calls_from_test_uq'`;
    expect(index?.valid).toBe(true);
    expect(await sql`select * from drizzle.__pending_concurrent_indexes`).toHaveLength(0);
    await sql.end();
  });

  it("leaves indexes of small tables, and of tables the same migration creates, in the transaction", () => {
    const existing = new Set(["calls", "teams"]);
    expect(concurrentIndex(`CREATE INDEX "x" ON "teams" USING btree ("slug");`, existing)).toBeNull();
    expect(concurrentIndex(`CREATE INDEX "x" ON "call_turns" USING btree ("seq");`, existing)).toBeNull();
    expect(concurrentIndex(`CREATE UNIQUE INDEX IF NOT EXISTS "x" ON "public"."calls" USING btree ("id");`, existing)).toEqual({
      name: "x",
      sql: `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "x" ON "calls" USING btree ("id")`,
    });
    expect(concurrentIndex(`create index concurrently y on teams (name)`, existing)?.name).toBe("y");
  });
});
