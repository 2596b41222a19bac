import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export type Db = PostgresJsDatabase<typeof schema>;
export type DbOrTx = Db | Parameters<Parameters<Db["transaction"]>[0]>[0];

export function createDb(url: string, options: { max?: number } = {}): { db: Db; sql: postgres.Sql } {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {}, idle_timeout: 30 });
  return { db: drizzle(sql, { schema }), sql };
}

// One pool per process, created on first use and kept across Next.js hot reloads. Its size is bounded per process
// (DATABASE_POOL_MAX, validated by the process's env module), so N instances fit the database's max_connections.
const globalForDb = globalThis as unknown as { __aiCallAgentDb?: { db: Db; sql: postgres.Sql; url: string } };

function defaultPoolMax(): number {
  const max = Number(process.env.DATABASE_POOL_MAX);
  return Number.isInteger(max) && max > 0 ? max : 10;
}

export function getDb(url = process.env.DATABASE_URL, options: { max?: number } = {}): Db {
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Start the product with `npm run dev` (it runs embedded Postgres) or set DATABASE_URL.",
    );
  }
  if (!globalForDb.__aiCallAgentDb || globalForDb.__aiCallAgentDb.url !== url) {
    globalForDb.__aiCallAgentDb = { ...createDb(url, { max: options.max ?? defaultPoolMax() }), url };
  }
  return globalForDb.__aiCallAgentDb.db;
}

export async function closeDb(): Promise<void> {
  const current = globalForDb.__aiCallAgentDb;
  globalForDb.__aiCallAgentDb = undefined;
  await current?.sql.end({ timeout: 5 });
}

export { schema };
