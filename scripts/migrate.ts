// `npm run db:migrate`: apply committed migrations to DATABASE_URL.
import { migrateDatabase } from "@/db/migrate";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set. (`npm run dev` migrates the embedded database by itself.)");
  process.exit(1);
}
await migrateDatabase(url);
console.log("Migrations applied.");
