import { randomBytes, randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";
import { createDb, type Db } from "@/db/client";
import { teams } from "@/db/schema";

const TEMPLATE_DB = "test_template";

// A fresh, migrated database for one test file: `const t = await createTestDb(); ... await t.drop()`.
export async function createTestDb(): Promise<{ db: Db; url: string; drop: () => Promise<void> }> {
  const adminUrl = inject("pgAdminUrl");
  const name = `t_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const { db, sql } = createDb(url.toString(), { max: 5 });
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await sql.end({ timeout: 5 });
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

// Two teams, A and B, for the isolation half of a test: what A does must never show in B. Returns their ids.
export async function insertTwoTeams(db: Db): Promise<[teamA: string, teamB: string]> {
  const rows = await db
    .insert(teams)
    .values([
      { name: "A", slug: `a-${randomBytes(4).toString("hex")}` },
      { name: "B", slug: `b-${randomBytes(4).toString("hex")}` },
    ])
    .returning({ id: teams.id });
  return [rows[0]!.id, rows[1]!.id];
}

export type TTwoTeamDb = { db: Db; url: string; teamA: string; teamB: string };

// A fresh database with two teams for the file's tests, dropped after them: the fields are set once its beforeAll
// (registered by this call, so before the file's own) has run.
export function setupTwoTeamDb(): TTwoTeamDb {
  const harness = {} as TTwoTeamDb;
  let drop: (() => Promise<void>) | null = null;
  beforeAll(async () => {
    const made = await createTestDb();
    drop = made.drop;
    harness.db = made.db;
    harness.url = made.url;
    [harness.teamA, harness.teamB] = await insertTwoTeams(made.db);
  });
  afterAll(async () => {
    await drop?.();
  });
  return harness;
}
