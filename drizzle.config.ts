import { defineConfig } from "drizzle-kit";

// Only `generate` is used; migrations are applied by db/migrate.ts (embedded Postgres or DATABASE_URL).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
  casing: undefined,
  strict: true,
});
