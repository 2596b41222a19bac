import { randomBytes, randomUUID } from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";
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
