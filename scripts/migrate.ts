// `npm run db:migrate`: apply committed migrations to DATABASE_URL. Its own step in production (before starting
// new versions of the processes); safe to run from several instances at once (db/migrate.ts takes turns on an
// advisory lock, and builds indexes on the large tables without blocking writes).
import { migrateDatabase } from "@/db/migrate";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set. (`npm run dev` migrates the embedded database by itself.)");
  process.exit(1);
}
try {
  const { applied } = await migrateDatabase(url, { log: (line) => console.log(`db:migrate: ${line}`) });
  console.log(applied.length > 0 ? `db:migrate: ${applied.length} migration(s) applied.` : "db:migrate: up to date.");
} catch (error) {
  console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
