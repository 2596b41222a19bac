import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export type Db = PostgresJsDatabase<typeof schema>;
export type DbOrTx = Db | Parameters<Parameters<Db["transaction"]>[0]>[0];

export function createDb(url: string, options: { max?: number } = {}): { db: Db; sql: postgres.Sql } {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {}, idle_timeout: 30 });
  return { db: drizzle(sql, { schema }), sql };
}

// One pool per process, created on first use and kept across Next.js hot reloads.
const globalForDb = globalThis as unknown as { __aiCallAgentDb?: { db: Db; sql: postgres.Sql; url: string } };

export function getDb(url = process.env.DATABASE_URL): Db {
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Start the product with `npm run dev` (it runs embedded Postgres) or set DATABASE_URL.",
    );
  }
  if (!globalForDb.__aiCallAgentDb || globalForDb.__aiCallAgentDb.url !== url) {
    globalForDb.__aiCallAgentDb = { ...createDb(url), url };
  }
  return globalForDb.__aiCallAgentDb.db;
}

export async function closeDb(): Promise<void> {
  const current = globalForDb.__aiCallAgentDb;
  globalForDb.__aiCallAgentDb = undefined;
  await current?.sql.end({ timeout: 5 });
}

export { schema };
